// Redis plumbing, the only code in csec-dispatch that touches hiredis.
//
//   auto redis = RedisClient::Connect("127.0.0.1:6379");
//   absl::StatusOr<RedisReply> r = (*redis)->Command({"SET", key, value, "NX"});
//
// One connection, shared by all threads under a mutex; a broken connection is re-opened once
// per command. Connection trouble is Unavailable (callers retry); an error reply is Internal.
#ifndef CSEC_SERVICES_COMMON_REDIS_H_
#define CSEC_SERVICES_COMMON_REDIS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;

namespace csec {

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;  // kString and kStatus
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
};

class RedisClient {
 public:
  // `address` is "host:port".
  static absl::StatusOr<std::unique_ptr<RedisClient>> Connect(const std::string& address,
                                                              absl::Duration timeout = absl::Seconds(5));
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);

 private:
  RedisClient(std::string host, int port, absl::Duration timeout);
  absl::Status ReconnectLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string host_;
  const int port_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  redisContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_REDIS_H_
