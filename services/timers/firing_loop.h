// The firing loop: sleeps until the earliest instant of the shards this replica owns, claims what
// is due, produces each timer's event to csec.timers.v1 and then marks it fired.
//
//   FiringLoop loop(&store, producer, config_store, &SystemClock::Get(), {.lease = absl::Seconds(10)});
//   consumer options: .on_assigned = [&](auto& p) { loop.OnAssigned(p); }, .on_revoked = ...
//   handler, after each Apply: loop.NoteHead(shard, result.head);   // wakes the loop if nearer
//   loop.Start(); ... loop.Stop();
//
// Ownership follows the Kafka consumer: a replica fires the shards of the partitions it consumes,
// so it has armed (or, after an assignment, loaded) every timer in them and knows each shard's
// next instant without polling. The loop wakes at the earliest one, or at once when a nearer one
// is noted. During a rebalance two replicas may both claim a shard: the claim script gives each
// timer to one of them. A replica that dies with claims in hand leaves their leases to run out;
// the shard's next owner fires them again, with the same event ids.
//
// Thread-safe. One thread of its own; claims complete on Redis lane threads, fires on the
// producer's delivery thread.
#ifndef CSEC_SERVICES_TIMERS_FIRING_LOOP_H_
#define CSEC_SERVICES_TIMERS_FIRING_LOOP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/kafka_message.h"
#include "services/common/runtime/event_producer.h"
#include "services/timers/timer_store.h"

namespace csec::timers {

// Durations here are real time (a fire must finish within the lease whatever the clock's scale);
// the loop turns them into clock time where they meet clock instants.
struct FiringOptions {
  // How long a claim holds a timer: a replica that dies mid-fire delays that timer this long.
  absl::Duration lease = absl::Seconds(10);
  int claim_batch = 256;                                 // timers per claim script
  size_t max_in_flight = 20000;                          // claimed, not yet marked fired: beyond it, claims wait
  absl::Duration mark_horizon = absl::Hours(24 * 7);     // how long a fired timer's mark is kept
  absl::Duration retry_after = absl::Milliseconds(200);  // a shard whose claim failed
  // Called at most every `state_check_interval` from the loop's thread: whether Redis still holds
  // the timer state this process started with (the epoch key). An error stops firing and is
  // handed to `on_state_lost`.
  std::function<absl::Status()> check_state = {};
  std::function<void(const absl::Status&)> on_state_lost = {};
  absl::Duration state_check_interval = absl::Seconds(1);
};

class FiringLoop {
 public:
  FiringLoop(TimerStore* store, EventProducer* producer, ProtocolConfigStore* config, const Clock* clock,
             FiringOptions options);
  ~FiringLoop();  // Stop()s
  FiringLoop(const FiringLoop&) = delete;
  FiringLoop& operator=(const FiringLoop&) = delete;

  void Start();
  // Stops claiming, then waits (at most `drain`) for fires in hand to be acknowledged and marked.
  void Stop(absl::Duration drain = absl::Seconds(5));

  // From the consumer's rebalance hooks: the shards of these partitions are (no longer) ours.
  void OnAssigned(const std::vector<TopicPartitionId>& partitions);
  void OnRevoked(const std::vector<TopicPartitionId>& partitions);

  // The shard's next instant as Redis just answered (nullopt: nothing in it).
  void NoteHead(const TimerShard& shard, std::optional<absl::Time> head);

  // Claimed timers whose event is not yet acknowledged and marked.
  int64_t in_flight() const { return in_flight_.load(); }

 private:
  void Run();
  void ClaimShard(const TimerShard& shard);
  void Fire(const TimerShard& shard, ClaimedTimer claimed, const ProtocolConfig& config, absl::Time now);
  void MarkFired(const TimerShard& shard, const std::string& id, absl::Time now, const std::string& event_id);
  void FireDone();
  void RefreshLiveGauge();
  // A real duration as clock time: the clock's instants in Redis pass `scale` times as fast.
  absl::Duration RealToClock(absl::Duration real) const { return real * clock_->scale(); }

  TimerStore* const store_;
  EventProducer* const producer_;
  ProtocolConfigStore* const config_;
  const Clock* const clock_;
  const FiringOptions options_;

  absl::Mutex mu_;
  absl::CondVar wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<int32_t, int> owned_ ABSL_GUARDED_BY(mu_);                       // partition → assigned topic-partitions
  std::map<TimerShard, absl::Time> heads_ ABSL_GUARDED_BY(mu_);             // owned shards with a next instant
  std::set<std::pair<absl::Time, TimerShard>> queue_ ABSL_GUARDED_BY(mu_);  // the same, by instant
  std::atomic<int64_t> in_flight_{0};
  std::thread thread_;
};

}  // namespace csec::timers

#endif  // CSEC_SERVICES_TIMERS_FIRING_LOOP_H_
