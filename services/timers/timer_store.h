// The timers service's Redis: every live timer, sharded, changed only by two Lua scripts so each
// change is atomic and a crash at any line leaves a state the next attempt completes.
//
//   TimerStore store(redis, {.partitions = 6, .shards_per_partition = 64});
//   TimerShard shard = store.ShardOf(case_id);
//   store.Apply(shard, plan.ops, mark_expiry, [](absl::StatusOr<ApplyResult> r) { ... r->priors ... });
//   store.Claim(shard, now, lease, 256, [](absl::StatusOr<ClaimResult> r) { ... fire r->claimed ... });
//
// Layout (services/common/redis/redis_keys.h): a shard is (Kafka partition of the case, index by a hash
// of the case id), so all of a case's timers share one shard and one script, and a replica fires
// exactly the shards of the partitions it consumes. Per shard:
//   - a sorted set: timer id → the next instant something must happen to it, in Unix ms (when it
//     is due; when a claim's lease runs out; when a closed timer's mark may be forgotten);
//   - a hash: timer id → state letter (TimerState) + TimerRecord, and "#live" → open timers.
// Kept small so Redis stores each shard as a listpack (deploy/redis/redis.conf): ~130 bytes a
// timer. Closed timers stay as marks for `mark horizon`, so an arm that comes after its meeting
// event (or a replay of one that fired) does not bring the timer back.
//
// Exactly once: Claim moves due timers to 'C' with score now+lease and returns them; the caller
// produces each one's event and then Apply(kFired). A caller that dies in between leaves the lease
// to run out; whoever claims next fires again, with the same event id.
//
// Thread-safe; callbacks run on a Redis lane's thread. Commands about one shard keep their order
// (one hash tag, one lane), so the heads reported for one shard arrive in order.
#ifndef CSEC_SERVICES_TIMERS_TIMER_STORE_H_
#define CSEC_SERVICES_TIMERS_TIMER_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/redis/redis.h"
#include "services/timers/timer_policy.h"

namespace csec::timers {

struct TimerShard {
  int32_t partition = 0;
  int32_t index = 0;
  friend bool operator<(const TimerShard& a, const TimerShard& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.index < b.index;
  }
  friend bool operator==(const TimerShard& a, const TimerShard& b) {
    return a.partition == b.partition && a.index == b.index;
  }
};

struct TimerSharding {
  int32_t partitions = 6;             // the csec topics' partition count
  int32_t shards_per_partition = 64;  // --timer_shards
};

struct ApplyResult {
  std::optional<absl::Time> head;                  // the shard's next instant; nullopt: empty
  std::vector<std::optional<StoredTimer>> priors;  // per op: the timer before it; nullopt: absent
};

struct ClaimedTimer {
  std::string id;
  StoredTimer timer;  // as it was before the claim (armed, or claimed by a lease that ran out)
};

struct ClaimResult {
  std::optional<absl::Time> head;
  std::vector<ClaimedTimer> claimed;
};

class TimerStore {
 public:
  TimerStore(RedisClient* redis, TimerSharding sharding) : redis_(redis), sharding_(sharding) {}

  const TimerSharding& sharding() const { return sharding_; }
  TimerShard ShardOf(absl::string_view case_id) const;
  std::vector<TimerShard> ShardsOfPartition(int32_t partition) const;
  std::vector<TimerShard> AllShards() const;

  // Applies `ops` in order, atomically. Marks left or made by kClose/kFired are kept until
  // `mark_expiry`.
  void Apply(const TimerShard& shard, const std::vector<TimerOp>& ops, absl::Time mark_expiry,
             absl::AnyInvocable<void(absl::StatusOr<ApplyResult>)> done);
  // Claims up to `max` open timers due at `now` (reminders of a closed deadline are dropped,
  // marks past their horizon forgotten), holding them until now + lease.
  void Claim(const TimerShard& shard, absl::Time now, absl::Duration lease, int max,
             absl::AnyInvocable<void(absl::StatusOr<ClaimResult>)> done);
  // The shard's next instant.
  void Head(const TimerShard& shard, absl::AnyInvocable<void(absl::StatusOr<std::optional<absl::Time>>)> done);

  // For reads over gRPC (waits for Redis, at most until `deadline`).
  absl::StatusOr<std::vector<std::optional<StoredTimer>>> Get(const TimerShard& shard,
                                                              const std::vector<std::string>& ids, absl::Time deadline);
  // The shard's open timers of class `timer_class` due before `before`, soonest first, at most `limit`.
  absl::StatusOr<std::vector<std::pair<std::string, StoredTimer>>> Soonest(const TimerShard& shard,
                                                                           csec::dispatch::v1::TimerClass timer_class,
                                                                           absl::Time before, int limit,
                                                                           absl::Time deadline);
  // Open timers in the shard (its "#live" count).
  void LiveCountAsync(const TimerShard& shard, absl::AnyInvocable<void(absl::StatusOr<int64_t>)> done);

 private:
  RedisClient* redis_;
  TimerSharding sharding_;
};

}  // namespace csec::timers

#endif  // CSEC_SERVICES_TIMERS_TIMER_STORE_H_
