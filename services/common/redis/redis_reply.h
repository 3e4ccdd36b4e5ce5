// A Redis reply as plain data, and what an error reply means for the caller. Pure, so the
// classification is tested without a server.
//
//   absl::Status s = RedisErrorStatus("EVALSHA", "OOM command not allowed when used memory > 'maxmemory'");
//   // Unavailable: "Redis is out of memory ..." — the caller may retry later.
#ifndef CSEC_SERVICES_COMMON_REDIS_REDIS_REPLY_H_
#define CSEC_SERVICES_COMMON_REDIS_REDIS_REPLY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace csec {

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;  // kString and kStatus
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

// An error reply as a status. Errors that say the server cannot serve now (OOM, LOADING,
// READONLY, MASTERDOWN, BUSY, TRYAGAIN, CLUSTERDOWN, NOREPLICAS, MISCONF) are Unavailable with a
// message that says which; anything else (WRONGTYPE, a script error, ERR ...) is Internal.
absl::Status RedisErrorStatus(absl::string_view command, absl::string_view error);

// True for commands that only read, so running one twice is harmless: the client re-sends
// these after a broken connection, and never anything else.
bool IsReadOnlyRedisCommand(absl::string_view command);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_REDIS_REDIS_REPLY_H_
