#include "services/common/redis.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "absl/strings/str_cat.h"
#include "services/common/http_server.h"

namespace csec {
namespace {

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

}  // namespace

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Connect(const std::string& address, absl::Duration timeout) {
  std::string host;
  int port = 0;
  if (absl::Status s = SplitHostPort(address, &host, &port); !s.ok()) return s;
  std::unique_ptr<RedisClient> client(new RedisClient(host, port, timeout));
  absl::MutexLock lock(&client->mu_);
  if (absl::Status s = client->ReconnectLocked(); !s.ok()) return s;
  return client;
}

RedisClient::RedisClient(std::string host, int port, absl::Duration timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

RedisClient::~RedisClient() {
  absl::MutexLock lock(&mu_);
  if (context_) redisFree(context_);
}

absl::Status RedisClient::ReconnectLocked() {
  if (context_) {
    redisFree(context_);
    context_ = nullptr;
  }
  redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, absl::ToTimeval(timeout_));
  if (!c || c->err) {
    std::string err = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return absl::UnavailableError(absl::StrCat("redis ", host_, ":", port_, ": ", err));
  }
  redisSetTimeout(c, absl::ToTimeval(timeout_));
  context_ = c;
  return absl::OkStatus();
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  absl::MutexLock lock(&mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!context_) {
      if (absl::Status s = ReconnectLocked(); !s.ok()) return s;
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (!reply) {
      // The connection broke (the server restarted, a timeout): open a new one and retry once.
      redisFree(context_);
      context_ = nullptr;
      continue;
    }
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(reply, &freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR) {
      return absl::InternalError(absl::StrCat("redis ", args.empty() ? "" : args[0], ": ",
                                              std::string(reply->str, reply->len)));
    }
    return Convert(reply);
  }
  return absl::UnavailableError(absl::StrCat("redis ", host_, ":", port_, ": connection lost"));
}

}  // namespace csec
