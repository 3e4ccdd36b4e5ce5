#include "services/common/runtime/event_handlers.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/clock.h"
#include "services/common/base/log.h"
#include "services/common/redis/redis_keys.h"
#include "services/common/serving/metrics.h"

namespace csec {

using csec::dispatch::v1::Envelope;

AsyncMessageHandler HandleEnvelopes(const std::string& consumer, AsyncEnvelopeHandler handle) {
  Histogram* age = &Metrics::Get().GetHistogram(
      "csec_event_age_seconds", "Age of an event when its handling finished: now minus its occurred_at",
      Labels({{"consumer", consumer}}), {0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600, 3600, 86400});
  return [age, handle = std::move(handle)](const ConsumedMessage& m, HandlerDone done) {
    absl::StatusOr<Envelope> parsed = ParseEnvelope(m.payload);
    if (!parsed.ok()) return done(parsed.status());
    const absl::Time occurred_at = FromProtoTime(parsed->occurred_at());
    handle(*parsed, [age, occurred_at, done = std::move(done)](absl::Status s) mutable {
      if (s.ok()) age->Observe(absl::ToDoubleSeconds(absl::Now() - occurred_at));
      done(std::move(s));
    });
  };
}

namespace {

// What a once-guard needs for every event, shared by its handlers instead of copied into each.
struct OnceGuard {
  RedisClient* redis;
  Counter* skipped;
  std::string consumer;
  std::string horizon_ms;
  std::function<bool(const Envelope&)> acts_on;
  AsyncEnvelopeHandler handle;
};

}  // namespace

AsyncMessageHandler HandleEachEventOnce(RedisClient* redis, OnceOptions options, AsyncEnvelopeHandler handle) {
  auto guard = std::make_shared<const OnceGuard>(
      OnceGuard{.redis = redis,
                .skipped = &Metrics::Get().GetCounter("csec_events_skipped_duplicate_total",
                                                      "Events skipped because their id was handled before",
                                                      Labels({{"consumer", options.consumer}})),
                .consumer = options.consumer,
                .horizon_ms = absl::StrCat(absl::ToInt64Milliseconds(options.horizon)),
                .acts_on = std::move(options.acts_on),
                .handle = std::move(handle)});
  return HandleEnvelopes(options.consumer, [guard](const Envelope& parsed, HandlerDone done) {
    if (guard->acts_on && !guard->acts_on(parsed)) return done(absl::OkStatus());
    // Shared: the envelope must live through the Redis round trips that follow.
    auto envelope = std::make_shared<Envelope>(parsed);
    std::string marker = redis_keys::Handled(guard->consumer, envelope->event_id());
    guard->redis->CommandAsync(
        {"EXISTS", marker}, [guard, envelope, marker, done = std::move(done)](absl::StatusOr<RedisReply> seen) mutable {
          if (!seen.ok()) return done(seen.status());
          if (seen->integer == 1) {
            guard->skipped->Increment();
            return done(absl::OkStatus());
          }
          guard->handle(*envelope, [guard, envelope, marker = std::move(marker),
                                    done = std::move(done)](absl::Status handled) mutable {
            if (!handled.ok()) return done(std::move(handled));
            guard->redis->CommandAsync(
                {"SET", std::move(marker), "1", "PX", guard->horizon_ms},
                [guard, envelope, done = std::move(done)](absl::StatusOr<RedisReply> marked) mutable {
                  // The effect happened; a lost marker only means a replay repeats it under the
                  // same derived id, which downstream drops.
                  if (!marked.ok()) {
                    log::Warn("events.handled_marker_lost", {{"consumer", guard->consumer},
                                                             {"event_id", envelope->event_id()},
                                                             {"error", marked.status().ToString()}});
                  }
                  done(absl::OkStatus());
                });
          });
        });
  });
}

}  // namespace csec
