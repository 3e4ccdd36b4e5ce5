#include "services/common/events.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/redis_keys.h"

namespace csec {

using csec::dispatch::v1::Envelope;

std::vector<std::string> ProjectedTopics() { return {kIntakeTopic, kRoutingTopic}; }

std::vector<std::string> AllTopics() {
  std::vector<std::string> topics = ProjectedTopics();
  topics.push_back(kDeadLetterTopic);
  return topics;
}

Envelope NewEnvelope(const std::string& event_id, const std::string& case_id, const std::string& producer,
                     absl::Time occurred_at) {
  Envelope e;
  e.set_event_id(event_id);
  e.set_case_id(case_id);
  e.set_producer(producer);
  *e.mutable_occurred_at() = ToProtoTime(occurred_at);
  return e;
}

absl::StatusOr<Envelope> ParseEnvelope(const ConsumedMessage& m) {
  Envelope envelope;
  if (!envelope.ParseFromString(m.payload)) {
    return absl::InvalidArgumentError("payload is not a csec.dispatch.v1.Envelope");
  }
  if (envelope.event_id().empty()) return absl::InvalidArgumentError("envelope.event_id is empty");
  if (envelope.case_id().empty()) return absl::InvalidArgumentError("envelope.case_id is empty");
  if (envelope.body_case() == Envelope::BODY_NOT_SET) {
    return absl::InvalidArgumentError("envelope has no body: no event of a known kind");
  }
  // Every consumer refuses the same incomplete events, so none becomes half a case somewhere.
  if (envelope.has_referral_received() && !envelope.referral_received().has_referral()) {
    return absl::InvalidArgumentError("referral_received.referral is missing: nothing to route or show");
  }
  return envelope;
}

AsyncMessageHandler HandleEnvelopes(const std::string& consumer, AsyncEnvelopeHandler handle) {
  Histogram* age = &Metrics::Get().GetHistogram(
      "csec_event_age_seconds", "Age of an event when its handling finished: now minus its occurred_at",
      Labels({{"consumer", consumer}}), {0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600, 3600, 86400});
  return [age, handle = std::move(handle)](const ConsumedMessage& m, HandlerDone done) {
    absl::StatusOr<Envelope> parsed = ParseEnvelope(m);
    if (!parsed.ok()) return done(parsed.status());
    const absl::Time occurred_at = FromProtoTime(parsed->occurred_at());
    handle(*parsed, [age, occurred_at, done = std::move(done)](absl::Status s) mutable {
      if (s.ok()) age->Observe(absl::ToDoubleSeconds(absl::Now() - occurred_at));
      done(std::move(s));
    });
  };
}

AsyncMessageHandler HandleEachEventOnce(RedisClient* redis, OnceOptions options, AsyncEnvelopeHandler handle) {
  Counter* skipped = &Metrics::Get().GetCounter("csec_events_skipped_duplicate_total",
                                                "Events skipped because their id was handled before",
                                                Labels({{"consumer", options.consumer}}));
  const std::string horizon_ms = absl::StrCat(absl::ToInt64Milliseconds(options.horizon));
  const std::string consumer = options.consumer;
  auto acts_on = std::move(options.acts_on);
  return HandleEnvelopes(consumer, [=](const Envelope& parsed, HandlerDone done) {
    if (acts_on && !acts_on(parsed)) return done(absl::OkStatus());
    // Shared: the envelope must live through the Redis round trips that follow.
    auto envelope = std::make_shared<Envelope>(parsed);
    auto marker = std::make_shared<std::string>(redis_keys::Handled(consumer, envelope->event_id()));
    redis->CommandAsync({"EXISTS", *marker}, [=, done = std::move(done)](absl::StatusOr<RedisReply> seen) mutable {
      if (!seen.ok()) return done(seen.status());
      if (seen->integer == 1) {
        skipped->Increment();
        return done(absl::OkStatus());
      }
      handle(*envelope, [=, done = std::move(done)](absl::Status handled) mutable {
        if (!handled.ok()) return done(std::move(handled));
        redis->CommandAsync({"SET", *marker, "1", "PX", horizon_ms},
                            [envelope, consumer, done = std::move(done)](absl::StatusOr<RedisReply> marked) mutable {
                              // The effect happened; a lost marker only means a replay repeats
                              // it under the same derived id, which downstream drops.
                              if (!marked.ok()) {
                                log::Warn("events.handled_marker_lost", {{"consumer", consumer},
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
