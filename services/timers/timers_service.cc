#include "services/timers/timers_service.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/timers/timer_keys.h"

namespace csec::timers {

using csec::dispatch::v1::Envelope;

std::vector<std::string> ConsumedTopics() {
  std::vector<std::string> topics;
  for (const std::string& t : ProjectedTopics()) {
    if (t != kTimersTopic) topics.push_back(t);
  }
  return topics;
}

void TimerHandler::Handle(const Envelope& event, HandlerDone done) {
  absl::StatusOr<TimerPlan> plan = PlanTimers(*config_->Current(), event);
  if (!plan.ok()) return done(plan.status());  // InvalidArgument: dead-lettered with the reason
  if (plan->empty()) return done(absl::OkStatus());
  const TimerShard shard = store_->ShardOf(event.case_id());
  const absl::Time now = clock_->Now();
  auto ops = std::make_shared<std::vector<TimerOp>>(std::move(plan->ops));
  // The horizon is real time (replays and lag are), the marks' expiry clock time.
  store_->Apply(shard, *ops, now + mark_horizon_ * clock_->scale(),
                [this, shard, ops, now, done = std::move(done)](absl::StatusOr<ApplyResult> applied) mutable {
                  if (!applied.ok()) return done(applied.status());  // Unavailable: retried, nothing half-done
                  loop_->NoteHead(shard, applied->head);
                  std::vector<Envelope> out;
                  for (size_t i = 0; i < ops->size(); ++i) {
                    for (Envelope& e : EventsAfterApply((*ops)[i], applied->priors[i], now))
                      out.push_back(std::move(e));
                  }
                  if (out.empty()) return done(absl::OkStatus());
                  for (const Envelope& e : out) {
                    if (e.has_deadline_armed()) {
                      log::Info("timers.deadline_armed", {{"case_id", e.case_id()},
                                                          {"deadline_id", e.deadline_armed().deadline_id()},
                                                          {"config_version", e.deadline_armed().config_version()}});
                    }
                  }
                  producer_->ProduceAllAsync(out, std::move(done));
                });
}

namespace {

std::string EpochValue(const std::string& id, const TimerSharding& sharding) {
  return absl::StrCat(id, ";shards=", sharding.shards_per_partition, ";partitions=", sharding.partitions);
}

absl::StatusOr<TimerEpoch> ParseEpoch(const std::string& value, const TimerSharding& sharding) {
  const std::vector<std::string> parts = absl::StrSplit(value, ';');
  if (parts.empty() || parts[0].empty()) return absl::DataLossError(absl::StrCat("timers epoch \"", value, "\""));
  if (value != EpochValue(parts[0], sharding)) {
    return absl::FailedPreconditionError(
        absl::StrCat("Redis holds timers written with ", value.substr(parts[0].size() + 1),
                     ", this process has --timer_shards=", sharding.shards_per_partition, " and ", sharding.partitions,
                     " partitions: start with the same values, or delete the key ", redis_keys::TimersEpoch(),
                     " (and the csec:timers:* keys) to rebuild from Kafka"));
  }
  return TimerEpoch{.id = parts[0], .consumer_group = absl::StrCat("timers-", parts[0]), .rebuilt = false};
}

// Reads csec.timers.v1 whole into the store (PlanRebuild), keeping a bounded number of scripts
// in flight; scripts about one shard keep their order, so a DeadlineArmed lands before the
// DeadlineMissed that followed it.
absl::Status ReplayOwnTopic(TimerStore* store, const KafkaSettings& kafka, const Clock* clock,
                            absl::Duration mark_horizon, int64_t* applied_events) {
  struct Pending {
    absl::Mutex mu;
    int64_t in_flight = 0;
    absl::Status first_error;
  };
  auto pending = std::make_shared<Pending>();
  const absl::Time expiry = clock->Now() + mark_horizon * clock->scale();  // a real horizon in clock time
  absl::Status scanned =
      ScanTopic(kafka, kTimersTopic, absl::Minutes(30), /*stop_at_end=*/true, [&](const ConsumedMessage& m) {
        absl::StatusOr<Envelope> e = ParseEnvelope(m.payload);
        if (!e.ok()) return true;  // the consumers dead-lettered it when it was new
        TimerPlan plan = PlanRebuild(*e);
        if (plan.empty()) return true;
        {
          absl::MutexLock lock(&pending->mu);
          pending->mu.Await(absl::Condition(
              +[](Pending* p) { return p->in_flight < 2000; }, pending.get()));
          ++pending->in_flight;
        }
        ++*applied_events;
        store->Apply(store->ShardOf(e->case_id()), plan.ops, expiry, [pending](absl::StatusOr<ApplyResult> r) {
          absl::MutexLock lock(&pending->mu);
          if (!r.ok() && pending->first_error.ok()) pending->first_error = r.status();
          --pending->in_flight;
        });
        return true;
      });
  absl::MutexLock lock(&pending->mu);
  pending->mu.Await(absl::Condition(
      +[](Pending* p) { return p->in_flight == 0; }, pending.get()));
  if (!scanned.ok()) return scanned;
  return pending->first_error;
}

}  // namespace

absl::StatusOr<TimerEpoch> PrepareTimerState(RedisClient* redis, TimerStore* store, const KafkaSettings& kafka,
                                             const Clock* clock, absl::Duration mark_horizon) {
  const std::string key = redis_keys::TimersEpoch();
  ASSIGN_OR_RETURN(RedisReply current, redis->Command({"GET", key}, absl::Now() + absl::Seconds(10)));
  if (!current.is_nil()) return ParseEpoch(current.str, store->sharding());

  log::Warn("timers.rebuild_started", {{"reason", "no timer state in Redis (first start, or Redis lost its data)"}});
  const absl::Time started = absl::Now();
  int64_t applied = 0;
  RETURN_IF_ERROR(ReplayOwnTopic(store, kafka, clock, mark_horizon, &applied));
  // Replicas rebuilding at once each wrote the same state; the first epoch written is everyone's.
  RETURN_IF_ERROR(
      redis->Command({"SET", key, EpochValue(NewRandomId(), store->sharding()), "NX"}, absl::Now() + absl::Seconds(10))
          .status());
  ASSIGN_OR_RETURN(RedisReply agreed, redis->Command({"GET", key}, absl::Now() + absl::Seconds(10)));
  if (agreed.is_nil()) return absl::UnavailableError("the timers epoch vanished while it was being written");
  ASSIGN_OR_RETURN(TimerEpoch epoch, ParseEpoch(agreed.str, store->sharding()));
  epoch.rebuilt = true;
  log::Warn("timers.rebuild_own_topic_read",
            {{"events", static_cast<long long>(applied)},
             {"epoch", epoch.id},
             {"seconds", static_cast<long long>(absl::ToInt64Seconds(absl::Now() - started))},
             {"next", "every other topic is replayed from the start by the new consumer group"}});
  return epoch;
}

absl::Status CheckTimerState(RedisClient* redis, const TimerEpoch& epoch) {
  absl::StatusOr<RedisReply> current =
      redis->Command({"GET", redis_keys::TimersEpoch()}, absl::Now() + absl::Seconds(2));
  if (!current.ok()) return absl::OkStatus();  // Redis away is readiness's business, not lost state
  if (current->is_nil() || !absl::StartsWith(current->str, epoch.id + ";")) {
    return absl::FailedPreconditionError(
        absl::StrCat("Redis no longer holds the timer state of epoch ", epoch.id,
                     " (flushed, or failed over to an empty replica); a restart rebuilds it from Kafka"));
  }
  return absl::OkStatus();
}

}  // namespace csec::timers
