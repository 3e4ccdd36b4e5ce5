#include "services/intake/case_store.h"

#include "absl/strings/str_cat.h"

namespace csec::intake {
namespace {

std::string EventsKey(const std::string& case_id) { return absl::StrCat("csec:case:{", case_id, "}:events"); }
std::string VersionKey(const std::string& case_id) { return absl::StrCat("csec:case:{", case_id, "}:version"); }

// Adds the event and bumps the version in one step, so a watcher never sees a version that
// does not match the events.
constexpr char kAddScript[] =
    "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
    "  return redis.call('INCR', KEYS[2]) "
    "end "
    "return 0";

}  // namespace

absl::StatusOr<bool> CaseStore::Add(const csec::dispatch::v1::Envelope& event) {
  absl::StatusOr<RedisReply> r = redis_->Command({"EVAL", kAddScript, "2", EventsKey(event.case_id()),
                                                  VersionKey(event.case_id()), event.event_id(),
                                                  event.SerializeAsString()});
  if (!r.ok()) return r.status();
  return r->integer > 0;
}

absl::StatusOr<bool> CaseStore::Exists(const std::string& case_id) {
  absl::StatusOr<RedisReply> r = redis_->Command({"EXISTS", EventsKey(case_id)});
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

absl::StatusOr<bool> CaseStore::HasEvent(const std::string& case_id, const std::string& event_id) {
  absl::StatusOr<RedisReply> r = redis_->Command({"HEXISTS", EventsKey(case_id), event_id});
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

absl::StatusOr<std::vector<csec::dispatch::v1::Envelope>> CaseStore::Events(const std::string& case_id) {
  absl::StatusOr<RedisReply> r = redis_->Command({"HVALS", EventsKey(case_id)});
  if (!r.ok()) return r.status();
  std::vector<csec::dispatch::v1::Envelope> events;
  for (const RedisReply& value : r->elements) {
    csec::dispatch::v1::Envelope e;
    if (!e.ParseFromString(value.str)) return absl::DataLossError(absl::StrCat("case ", case_id, ": unreadable event"));
    events.push_back(std::move(e));
  }
  return events;
}

absl::StatusOr<int64_t> CaseStore::Version(const std::string& case_id) {
  absl::StatusOr<RedisReply> r = redis_->Command({"GET", VersionKey(case_id)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return 0;
  return std::stoll(r->str);
}

}  // namespace csec::intake
