#include "services/common/redis/redis_reply.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace csec {

absl::Status RedisErrorStatus(absl::string_view command, absl::string_view error) {
  static const std::pair<absl::string_view, absl::string_view> kNotNow[] = {
      {"OOM", "Redis is out of memory (maxmemory reached) and refuses writes"},
      {"LOADING", "Redis is loading its dataset after a restart"},
      {"READONLY", "this Redis is a read-only replica"},
      {"MASTERDOWN", "this Redis replica lost its primary"},
      {"BUSY", "Redis is busy running a script"},
      {"TRYAGAIN", "Redis Cluster is moving the keys' slot"},
      {"CLUSTERDOWN", "Redis Cluster is down"},
      {"NOREPLICAS", "Redis has too few replicas to accept writes"},
      {"MISCONF", "Redis cannot persist to disk and refuses writes"},
  };
  for (const auto& [prefix, meaning] : kNotNow) {
    if (absl::StartsWith(error, prefix) && (error.size() == prefix.size() || error[prefix.size()] == ' ')) {
      return absl::UnavailableError(absl::StrCat(meaning, " (", command, ": ", error, ")"));
    }
  }
  return absl::InternalError(absl::StrCat("redis ", command, ": ", error));
}

bool IsReadOnlyRedisCommand(absl::string_view command) {
  static const absl::string_view kReadOnly[] = {"PING",   "GET",    "MGET",    "EXISTS", "TTL",           "PTTL",
                                                "TYPE",   "STRLEN", "HGET",    "HMGET",  "HGETALL",       "HVALS",
                                                "HKEYS",  "HLEN",   "HEXISTS", "ZRANGE", "ZRANGEBYSCORE", "ZCARD",
                                                "ZSCORE", "ZCOUNT", "SCAN",    "INFO",   "MEMORY",        "DBSIZE"};
  const std::string upper = absl::AsciiStrToUpper(command);
  for (absl::string_view c : kReadOnly) {
    if (upper == c) return true;
  }
  return false;
}

}  // namespace csec
