// The Redis keys of the timers service.
// Part of the key catalogue that starts in services/common/redis/redis_keys.h.
#ifndef CSEC_SERVICES_TIMERS_TIMER_KEYS_H_
#define CSEC_SERVICES_TIMERS_TIMER_KEYS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec::redis_keys {

// The timers service (services/timers/timer_store.h): one shard of timers is a sorted set of
// timer ids by the next instant something must happen to them (due, a claim's lease running out,
// a closed timer's mark expiring) and a hash of timer id → state letter + TimerRecord. Shards are
// named by the Kafka partition of their cases and an index within it; the hash tag keeps a
// shard's two keys in one Redis Cluster slot, so one script may touch both. Derived from Kafka.
inline std::string TimerShardDue(int partition, int index) {
  return absl::StrCat("csec:timers:{t", partition, ".", index, "}:due");
}
inline std::string TimerShardBodies(int partition, int index) {
  return absl::StrCat("csec:timers:{t", partition, ".", index, "}:bodies");
}
// Names the timer state now in Redis ("<id>;shards=<n>"): missing means Redis lost it (or never
// had it) and the timers service rebuilds it from Kafka under a new consumer group.
inline std::string TimersEpoch() { return "csec:timers:epoch"; }

}  // namespace csec::redis_keys

#endif  // CSEC_SERVICES_TIMERS_TIMER_KEYS_H_
