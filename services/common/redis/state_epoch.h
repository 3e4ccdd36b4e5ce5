// A service's state in Redis is whole only while its epoch key is there. The key is written once
// the state was rebuilt from Kafka (or found empty on a first start); it is gone when Redis lost
// its data (FLUSHALL, a restart without persistence, a failover to an empty replica), and then
// everything else the service kept there is gone too, or about to be treated as if it were.
//
//   absl::StatusOr<StateEpoch> epoch = PrepareStateEpoch(redis, redis_keys::IntakeEpoch(), "intake",
//                                                        [&] { return RebuildFromKafka(...); });
//   s.WatchState([=] { return CheckStateEpoch(redis, redis_keys::IntakeEpoch(), *epoch); });
//
// A running service that finds its epoch gone exits (ServiceContext::WatchState) so that its
// restart rebuilds, the way timers has always done.
#ifndef CSEC_SERVICES_COMMON_REDIS_STATE_EPOCH_H_
#define CSEC_SERVICES_COMMON_REDIS_STATE_EPOCH_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/redis/redis.h"

namespace csec {

struct StateEpoch {
  std::string id;        // a random id, the key's value
  bool rebuilt = false;  // this process found no state and rebuilt it
};

// Reads `key`. When Redis has none, runs `rebuild` (idempotent: replicas starting together each
// run it, writing the same state) and then writes a new epoch; the first one written is everyone's.
// Logs `<service>.rebuild_started` and `<service>.rebuild_done` with the time it took.
absl::StatusOr<StateEpoch> PrepareStateEpoch(RedisClient* redis, const std::string& key, const std::string& service,
                                             const std::function<absl::Status()>& rebuild);

// OK while Redis holds `epoch` under `key`, or when Redis does not answer (readiness reports that);
// FailedPrecondition once the key is gone or another epoch's.
absl::Status CheckStateEpoch(RedisClient* redis, const std::string& key, const StateEpoch& epoch);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_REDIS_STATE_EPOCH_H_
