// The timers service's event side: every event of every other topic → PlanTimers → one Apply on
// the case's shard → the csec.timers.v1 events that report it; and, at start-up, the timer state
// in Redis checked and, when lost, rebuilt from Kafka.
//
//   absl::StatusOr<TimerEpoch> epoch = PrepareTimerState(redis, store, kafka_settings, mark_horizon);
//   TimerHandler handler(&store, &loop, producer, config, &SystemClock::Get(), mark_horizon);
//
// `mark_horizon` (the dedupe horizon) is real time: under a scaled clock marks are kept for
// mark_horizon * scale of clock time, so a replay still finds them.
//   consume ConsumedTopics() as group epoch->consumer_group, with HandleEnvelopes("timers", handler...)
//
// Handle is called on the consumer's thread, one event of a case at a time, and answers once Kafka
// has every event it produced; a failure is retried by the consumer and repeats the same events.
#ifndef CSEC_SERVICES_TIMERS_TIMERS_SERVICE_H_
#define CSEC_SERVICES_TIMERS_TIMERS_SERVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/redis/redis.h"
#include "services/common/runtime/event_producer.h"
#include "services/timers/firing_loop.h"
#include "services/timers/timer_store.h"

namespace csec::timers {

// Every topic the timers service arms and meets from: all but its own (read back only to
// rebuild) and the dead letters.
std::vector<std::string> ConsumedTopics();

class TimerHandler {
 public:
  TimerHandler(TimerStore* store, FiringLoop* loop, EventProducer* producer, ProtocolConfigStore* config,
               const Clock* clock, absl::Duration mark_horizon)
      : store_(store), loop_(loop), producer_(producer), config_(config), clock_(clock), mark_horizon_(mark_horizon) {}

  void Handle(const csec::dispatch::v1::Envelope& event, HandlerDone done);

 private:
  TimerStore* store_;
  FiringLoop* loop_;
  EventProducer* producer_;
  ProtocolConfigStore* config_;
  const Clock* clock_;
  absl::Duration mark_horizon_;
};

// Which timer state this process works with.
struct TimerEpoch {
  std::string id;              // as stored under redis_keys::TimersEpoch()
  std::string consumer_group;  // "timers-<id>": a new state reads every topic from the start
  bool rebuilt = false;        // this process found no state and rebuilt it
};

// Reads the epoch key. When Redis has none (first start, or Redis lost its data), rebuilds: our
// own csec.timers.v1 is read whole first (what was armed, with its due instants; what was met,
// cancelled or fired), then a new epoch and consumer group make the consumer replay every other
// topic from the beginning, so deadlines that passed meanwhile fire at once, marked late, and
// those already fired do not fire again. Replicas starting together agree on one epoch (SET NX).
// An epoch written with another shard count is FailedPrecondition: timers would be looked for in
// shards they are not in.
absl::StatusOr<TimerEpoch> PrepareTimerState(RedisClient* redis, TimerStore* store, const KafkaSettings& kafka,
                                             const Clock* clock, absl::Duration mark_horizon);

// OK while Redis holds `epoch`; FailedPrecondition once it does not (Redis lost its data).
absl::Status CheckTimerState(RedisClient* redis, const TimerEpoch& epoch);

}  // namespace csec::timers

#endif  // CSEC_SERVICES_TIMERS_TIMERS_SERVICE_H_
