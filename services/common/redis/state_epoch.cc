#include "services/common/redis/state_epoch.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"

namespace csec {
namespace {

constexpr absl::Duration kRedisWait = absl::Seconds(10);

}  // namespace

absl::StatusOr<StateEpoch> PrepareStateEpoch(RedisClient* redis, const std::string& key, const std::string& service,
                                             const std::function<absl::Status()>& rebuild) {
  ASSIGN_OR_RETURN(RedisReply current, redis->Command({"GET", key}, absl::Now() + kRedisWait));
  if (!current.is_nil()) return StateEpoch{.id = current.str, .rebuilt = false};

  log::Warn(absl::StrCat(service, ".rebuild_started"),
            {{"reason", "no state in Redis (first start, or Redis lost its data)"}, {"key", key}});
  const absl::Time started = absl::Now();
  RETURN_IF_ERROR(rebuild());
  RETURN_IF_ERROR(redis->Command({"SET", key, NewRandomId(), "NX"}, absl::Now() + kRedisWait).status());
  ASSIGN_OR_RETURN(RedisReply agreed, redis->Command({"GET", key}, absl::Now() + kRedisWait));
  if (agreed.is_nil()) return absl::UnavailableError(absl::StrCat(key, " vanished while it was being written"));
  log::Warn(absl::StrCat(service, ".rebuild_done"),
            {{"epoch", agreed.str}, {"ms", static_cast<long long>(absl::ToInt64Milliseconds(absl::Now() - started))}});
  return StateEpoch{.id = agreed.str, .rebuilt = true};
}

absl::Status CheckStateEpoch(RedisClient* redis, const std::string& key, const StateEpoch& epoch) {
  absl::StatusOr<RedisReply> current = redis->Command({"GET", key}, absl::Now() + absl::Seconds(2));
  if (!current.ok()) return absl::OkStatus();  // Redis away is readiness's business, not lost state
  if (current->is_nil() || current->str != epoch.id) {
    return absl::FailedPreconditionError(
        absl::StrCat("Redis no longer holds the state of epoch ", epoch.id, " (", key,
                     " is gone: flushed, or failed over to an empty replica); a restart rebuilds it from Kafka"));
  }
  return absl::OkStatus();
}

}  // namespace csec
