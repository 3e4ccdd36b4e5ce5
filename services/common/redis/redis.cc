#include "services/common/redis/redis.h"

#include <deque>
#include <functional>
#include <thread>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/common/base/host_port.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/serving/metrics.h"

namespace csec {
namespace {

// Commands one lane sends in one round trip at most; more wait for the next.
constexpr size_t kMaxBatch = 512;

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

Histogram& CommandLatency() {
  static Histogram& h =
      Metrics::Get().GetHistogram("csec_redis_command_seconds", "Redis commands: from queued to answered");
  return h;
}
Counter& Reconnects() {
  static Counter& c = Metrics::Get().GetCounter("csec_redis_connects_total", "Redis connections opened");
  return c;
}

}  // namespace

size_t RedisLaneFor(const std::vector<std::string>& args, size_t lanes) {
  if (lanes <= 1 || args.size() < 2) return 0;
  absl::string_view key = args[1];
  if ((args[0] == "EVALSHA" || args[0] == "EVAL") && args.size() > 3 && args[2] != "0") key = args[3];
  // Like a Redis Cluster slot: the part in the first {...}, when there is one, picks the lane.
  if (size_t open = key.find('{'); open != absl::string_view::npos) {
    if (size_t close = key.find('}', open + 1); close != absl::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return absl::Hash<absl::string_view>()(key) % lanes;
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  sha1_ = absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

// One connection and the thread that does its I/O. Owned by RedisClient.
class RedisClient::Lane {
 public:
  struct Request {
    std::vector<std::string> args;
    std::vector<std::string> eval_fallback;  // the EVAL form of an EVALSHA, for NOSCRIPT
    RedisDone done;
    absl::Time queued;
    bool resent = false;
  };

  Lane(std::string host, int port, RedisOptions options)
      : host_(std::move(host)), port_(port), options_(options), thread_([this] { Run(); }) {}

  ~Lane() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
    if (context_) redisFree(context_);
  }

  void Submit(Request request) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(request));
  }

 private:
  void Run() {
    while (true) {
      std::vector<Request> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Lane* lane) { return lane->stopping_ || !lane->queue_.empty(); }, this));
        if (queue_.empty()) return;  // stopping, nothing left
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      RoundTrip(batch);
    }
  }

  void RoundTrip(std::vector<Request>& batch) {
    if (!context_) {
      if (absl::Status connected = Reconnect(); !connected.ok()) {
        for (Request& r : batch) Finish(r, connected);
        return;
      }
    }
    for (Request& r : batch) {
      // A script's first use on a connection goes as EVAL, which also caches it. Sending EVALSHA
      // and retrying on NOSCRIPT would let the commands pipelined behind it overtake it.
      if (!r.eval_fallback.empty() && scripts_sent_.insert(r.args[1]).second) {
        r.args = std::move(r.eval_fallback);
        r.eval_fallback.clear();
      }
      std::vector<const char*> argv;
      std::vector<size_t> lens;
      for (const std::string& a : r.args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    std::vector<Request> again;  // sent once more, in order, at the front of the queue
    for (size_t i = 0; i < batch.size(); ++i) {
      Request& r = batch[i];
      void* raw = nullptr;
      if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
        const std::string why = context_->errstr[0] ? context_->errstr : "connection closed";
        log::Warn("redis.connection_lost", {{"address", Address()}, {"error", why}});
        redisFree(context_);
        context_ = nullptr;
        for (size_t j = i; j < batch.size(); ++j) {
          Request& lost = batch[j];
          if (!lost.resent && IsReadOnlyRedisCommand(lost.args[0])) {
            lost.resent = true;
            again.push_back(std::move(lost));
          } else {
            Finish(lost, absl::UnavailableError(absl::StrCat("connection to Redis at ", Address(), " lost (", why,
                                                             ") before ", lost.args[0],
                                                             " was answered; it may or may not have run")));
          }
        }
        break;
      }
      std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw), &freeReplyObject);
      if (reply->type == REDIS_REPLY_ERROR) {
        absl::string_view error(reply->str, reply->len);
        if (absl::StartsWith(error, "NOSCRIPT") && !r.eval_fallback.empty()) {
          // Nothing ran: the server lost its script cache (SCRIPT FLUSH). Send the source.
          r.args = std::move(r.eval_fallback);
          r.eval_fallback.clear();
          again.push_back(std::move(r));
          continue;
        }
        Finish(r, RedisErrorStatus(r.args[0], error));
        continue;
      }
      Finish(r, Convert(reply.get()));
    }
    if (!again.empty()) {
      absl::MutexLock lock(&mu_);
      for (auto it = again.rbegin(); it != again.rend(); ++it) queue_.push_front(std::move(*it));
    }
  }

  absl::Status Reconnect() {
    const absl::Time now = absl::Now();
    if (now < next_connect_) {
      return absl::UnavailableError(absl::StrCat("Redis at ", Address(), " is unreachable: ", last_connect_error_));
    }
    redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, absl::ToTimeval(options_.connect_timeout));
    if (!c || c->err) {
      last_connect_error_ = c ? c->errstr : "out of memory";
      if (c) redisFree(c);
      next_connect_ = now + options_.reconnect_backoff;
      return absl::UnavailableError(absl::StrCat("Redis at ", Address(), " is unreachable: ", last_connect_error_));
    }
    redisSetTimeout(c, absl::ToTimeval(options_.io_timeout));
    context_ = c;
    scripts_sent_.clear();  // perhaps a restarted server, with an empty script cache
    Reconnects().Increment();
    return absl::OkStatus();
  }

  static void Finish(Request& r, absl::StatusOr<RedisReply> result) {
    CommandLatency().Observe(absl::ToDoubleSeconds(absl::Now() - r.queued));
    r.done(std::move(result));
  }

  std::string Address() const { return absl::StrCat(host_, ":", port_); }

  const std::string host_;
  const int port_;
  const RedisOptions options_;
  absl::Mutex mu_;
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Only the I/O thread touches these.
  redisContext* context_ = nullptr;
  absl::flat_hash_set<std::string> scripts_sent_;  // SHA1s sent as EVAL on this connection
  absl::Time next_connect_ = absl::InfinitePast();
  std::string last_connect_error_;
  std::thread thread_;  // last: starts once everything above is set
};

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Connect(const std::string& address, RedisOptions options) {
  std::string host;
  int port = 0;
  RETURN_IF_ERROR(SplitHostPort(address, &host, &port));
  if (options.connections < 1) return absl::InvalidArgumentError("redis connections: must be at least 1");
  std::vector<std::unique_ptr<Lane>> lanes;
  for (int i = 0; i < options.connections; ++i) lanes.push_back(std::make_unique<Lane>(host, port, options));
  std::unique_ptr<RedisClient> client(new RedisClient(address, std::move(lanes)));
  absl::StatusOr<RedisReply> pong =
      client->Command({"PING"}, absl::Now() + options.connect_timeout + options.io_timeout);
  if (!pong.ok()) return absl::UnavailableError(absl::StrCat("redis ", address, ": ", pong.status().message()));
  return client;
}

RedisClient::RedisClient(std::string address, std::vector<std::unique_ptr<Lane>> lanes)
    : address_(std::move(address)), lanes_(std::move(lanes)) {}

RedisClient::~RedisClient() = default;

void RedisClient::Submit(std::vector<std::string> args, std::vector<std::string> eval_fallback, RedisDone done) {
  Lane& lane = *lanes_[RedisLaneFor(args, lanes_.size())];
  lane.Submit({.args = std::move(args),
               .eval_fallback = std::move(eval_fallback),
               .done = std::move(done),
               .queued = absl::Now(),
               .resent = false});
}

void RedisClient::CommandAsync(std::vector<std::string> args, RedisDone done) {
  Submit(std::move(args), {}, std::move(done));
}

absl::StatusOr<RedisReply> RedisClient::AwaitReply(const std::function<void(RedisDone)>& submit, absl::Time deadline,
                                                   absl::string_view what) {
  struct Waiter {
    absl::Notification done;
    absl::StatusOr<RedisReply> result;
  };
  auto waiter = std::make_shared<Waiter>();  // shared: the reply may come after we gave up
  submit([waiter](absl::StatusOr<RedisReply> r) {
    waiter->result = std::move(r);
    waiter->done.Notify();
  });
  if (!waiter->done.WaitForNotificationWithDeadline(deadline)) {
    return absl::DeadlineExceededError(absl::StrCat("Redis at ", address_, " did not answer ", what, " in time"));
  }
  return std::move(waiter->result);
}

absl::StatusOr<RedisReply> RedisClient::Command(std::vector<std::string> args, absl::Time deadline) {
  const std::string name = args.empty() ? "" : args[0];
  return AwaitReply([&](RedisDone done) { CommandAsync(std::move(args), std::move(done)); }, deadline, name);
}

void RedisClient::EvalAsync(const RedisScript& script, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args, RedisDone done) {
  std::vector<std::string> evalsha = {"EVALSHA", script.sha1(), absl::StrCat(keys.size())};
  evalsha.insert(evalsha.end(), keys.begin(), keys.end());
  evalsha.insert(evalsha.end(), args.begin(), args.end());
  std::vector<std::string> eval = evalsha;
  eval[0] = "EVAL";
  eval[1] = script.source();
  Submit(std::move(evalsha), std::move(eval), std::move(done));
}

absl::StatusOr<RedisReply> RedisClient::Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                             const std::vector<std::string>& args, absl::Time deadline) {
  return AwaitReply([&](RedisDone done) { EvalAsync(script, keys, args, std::move(done)); }, deadline, "a script");
}

struct RedisBatch::Shared {
  absl::Mutex mu;
  int in_flight ABSL_GUARDED_BY(mu) = 0;
  absl::Status first_error ABSL_GUARDED_BY(mu);
};

RedisBatch::RedisBatch(RedisClient* redis, int max_in_flight)
    : redis_(redis), max_in_flight_(std::max(1, max_in_flight)), shared_(std::make_shared<Shared>()) {}

RedisDone RedisBatch::Slot() {
  absl::MutexLock lock(&shared_->mu);
  const int most = max_in_flight_;
  Shared* shared = shared_.get();
  auto room = [shared, most]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) { return shared->in_flight < most; };
  shared_->mu.Await(absl::Condition(&room));
  ++shared_->in_flight;
  return [shared = shared_](absl::StatusOr<RedisReply> reply) {
    absl::MutexLock lock(&shared->mu);
    if (!reply.ok() && shared->first_error.ok()) shared->first_error = reply.status();
    --shared->in_flight;
  };
}

void RedisBatch::Command(std::vector<std::string> args) { redis_->CommandAsync(std::move(args), Slot()); }

void RedisBatch::Eval(const RedisScript& script, const std::vector<std::string>& keys,
                      const std::vector<std::string>& args) {
  redis_->EvalAsync(script, keys, args, Slot());
}

absl::Status RedisBatch::Wait() {
  absl::MutexLock lock(&shared_->mu);
  Shared* shared = shared_.get();
  auto idle = [shared]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) { return shared->in_flight == 0; };
  shared_->mu.Await(absl::Condition(&idle));
  return shared_->first_error;
}

}  // namespace csec
