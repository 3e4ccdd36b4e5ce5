// Redis plumbing, the only code in csec-dispatch that touches hiredis.
//
//   auto redis = RedisClient::Connect("127.0.0.1:6379");
//   absl::StatusOr<RedisReply> r = (*redis)->Command({"GET", key});              // waits
//   (*redis)->CommandAsync({"SET", key, value}, [](absl::StatusOr<RedisReply> r) { ... });
//   static const RedisScript kAdd("return redis.call('INCR', KEYS[1])");
//   (*redis)->EvalAsync(kAdd, {key}, {}, done);                                    // EVALSHA
//
// A few connections ("lanes"), each with its own I/O thread that sends every command queued
// since its last round trip in one write and reads the replies in order (pipelining): under load
// many callers share each round trip, and no caller holds a lock across one. A command goes to
// the lane chosen by its first key's hash tag (the part in {...}, else the whole key), so the
// commands about one case (keys csec:case:{<id>}:...) run in the order they were sent.
//
// Failures: connection trouble is Unavailable; an error reply is classified by RedisErrorStatus
// (OOM, LOADING, READONLY... are Unavailable). After a broken connection only read-only commands
// are sent again (once); a write whose answer was lost fails with Unavailable saying it may or
// may not have run, and is never re-sent blindly. Scripts go by EVALSHA, falling back to EVAL
// when the server does not know the script yet (NOSCRIPT: nothing ran).
//
// Thread-safe. Callbacks run on a lane's I/O thread: keep them short, never wait on Redis in one.
#ifndef CSEC_SERVICES_COMMON_REDIS_REDIS_H_
#define CSEC_SERVICES_COMMON_REDIS_REDIS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/redis/redis_reply.h"

namespace csec {

using RedisDone = absl::AnyInvocable<void(absl::StatusOr<RedisReply>)>;

// A Lua script, sent by its SHA1 digest.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

struct RedisOptions {
  int connections = 2;
  absl::Duration connect_timeout = absl::Seconds(1);
  // A reply slower than this breaks the connection (the server is stuck or gone).
  absl::Duration io_timeout = absl::Seconds(5);
  // After a failed connect, commands fail at once for this long instead of each trying again.
  absl::Duration reconnect_backoff = absl::Milliseconds(100);
};

class RedisClient {
 public:
  // `address` is "host:port". Fails (Unavailable) when the server does not answer a PING.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Connect(const std::string& address, RedisOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Waits for the reply, at most until `deadline` (then DeadlineExceeded; the command may
  // still run).
  absl::StatusOr<RedisReply> Command(std::vector<std::string> args, absl::Time deadline = absl::InfiniteFuture());
  void CommandAsync(std::vector<std::string> args, RedisDone done);

  absl::StatusOr<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args, absl::Time deadline = absl::InfiniteFuture());
  void EvalAsync(const RedisScript& script, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                 RedisDone done);

  const std::string& address() const { return address_; }

  class Lane;

 private:
  RedisClient(std::string address, std::vector<std::unique_ptr<Lane>> lanes);
  void Submit(std::vector<std::string> args, std::vector<std::string> eval_fallback, RedisDone done);
  absl::StatusOr<RedisReply> AwaitReply(const std::function<void(RedisDone)>& submit, absl::Time deadline,
                                        absl::string_view what);

  std::string address_;
  std::vector<std::unique_ptr<Lane>> lanes_;
};

// Many writes without waiting for each answer (a rebuild from Kafka), at most `max_in_flight`
// unanswered at once, so memory stays bounded however long the history.
//
//   RedisBatch batch(redis);
//   for (...) batch.Command({"SET", key, value, "NX"});
//   absl::Status all = batch.Wait();   // the first error, once every answer is in
//
// One thread adds; Wait() before the batch goes away.
class RedisBatch {
 public:
  explicit RedisBatch(RedisClient* redis, int max_in_flight = 2000);
  void Command(std::vector<std::string> args);
  void Eval(const RedisScript& script, const std::vector<std::string>& keys, const std::vector<std::string>& args);
  absl::Status Wait();

 private:
  struct Shared;
  RedisDone Slot();  // waits for room, then the callback that frees it
  RedisClient* redis_;
  const int max_in_flight_;
  std::shared_ptr<Shared> shared_;
};

// The lane (of `lanes`) that the command `args` goes to: by its first key's hash tag.
size_t RedisLaneFor(const std::vector<std::string>& args, size_t lanes);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_REDIS_REDIS_H_
