#include "services/intake/case_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/status_macros.h"
#include "services/intake/intake_keys.h"

namespace csec::intake {

const RedisScript& CaseStore::AddScript() {
  static const RedisScript* script = new RedisScript(
      "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
      "  return redis.call('INCR', KEYS[2]) "
      "end "
      "return 0");
  return *script;
}

void CaseStore::AddAsync(const csec::dispatch::v1::Envelope& event, absl::AnyInvocable<void(absl::Status)> done) {
  redis_->EvalAsync(AddScript(), {redis_keys::CaseEvents(event.case_id()), redis_keys::CaseVersion(event.case_id())},
                    {event.event_id(), event.SerializeAsString()},
                    [done = std::move(done)](absl::StatusOr<RedisReply> r) mutable { done(r.status()); });
}

absl::StatusOr<bool> CaseStore::Exists(const std::string& case_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"EXISTS", redis_keys::CaseEvents(case_id)}));
  return r.integer == 1;
}

absl::StatusOr<std::vector<csec::dispatch::v1::Envelope>> CaseStore::Events(const std::string& case_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"HVALS", redis_keys::CaseEvents(case_id)}));
  std::vector<csec::dispatch::v1::Envelope> events;
  for (const RedisReply& value : r.elements) {
    csec::dispatch::v1::Envelope e;
    if (!e.ParseFromString(value.str)) return absl::DataLossError(absl::StrCat("case ", case_id, ": unreadable event"));
    events.push_back(std::move(e));
  }
  return events;
}

absl::StatusOr<int64_t> CaseStore::Version(const std::string& case_id) {
  ASSIGN_OR_RETURN(RedisReply r, redis_->Command({"GET", redis_keys::CaseVersion(case_id)}));
  int64_t version = 0;
  if (r.is_nil()) return 0;
  if (!absl::SimpleAtoi(r.str, &version)) return absl::DataLossError(absl::StrCat("case ", case_id, ": bad version"));
  return version;
}

}  // namespace csec::intake
