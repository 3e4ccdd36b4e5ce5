// The case view's storage in Redis: each case's distinct events, keyed by event id, so adding
// an event twice is adding it once, and the order events arrive in does not matter. GetCase
// folds them into a CaseView (case_view.h). Derived state: Kafka stays the source of truth and
// a lost store is rebuilt by replaying the topics (the projector in intake's main).
//
//   CaseStore store(redis);
//   store.AddAsync(envelope, [](absl::Status added) { ... });   // the projector
//   absl::StatusOr<std::vector<Envelope>> events = store.Events(case_id);
//
// Keys: redis_keys::CaseEvents and CaseVersion (a watcher's change counter), both in the case's
// hash slot. Thread-safe (RedisClient is).
#ifndef CSEC_SERVICES_INTAKE_CASE_STORE_H_
#define CSEC_SERVICES_INTAKE_CASE_STORE_H_

#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/redis/redis.h"

namespace csec::intake {

class CaseStore {
 public:
  explicit CaseStore(RedisClient* redis) : redis_(redis) {}

  // Adds the event and bumps the case's version in one step, so a watcher never sees a version
  // that does not match the events. `done` runs on a Redis I/O thread.
  void AddAsync(const csec::dispatch::v1::Envelope& event, absl::AnyInvocable<void(absl::Status)> done);
  absl::StatusOr<bool> Exists(const std::string& case_id);
  absl::StatusOr<std::vector<csec::dispatch::v1::Envelope>> Events(const std::string& case_id);
  // 0 when the case is unknown.
  absl::StatusOr<int64_t> Version(const std::string& case_id);

  // KEYS: events, version; ARGV: event id, envelope bytes. Returns the new version, or 0 when
  // the event was there already. Shared with intake, which adds its own events right after
  // Kafka acknowledged them.
  static const RedisScript& AddScript();

 private:
  RedisClient* redis_;
};

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_CASE_STORE_H_
