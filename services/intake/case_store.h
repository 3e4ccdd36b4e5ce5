// The case view's storage in Redis: each case's distinct events, keyed by event id, so adding
// an event twice is adding it once, and the order events arrive in does not matter. GetCase
// folds them into a CaseView (case_view.h). Derived state: Kafka stays the source of truth and
// a lost store is rebuilt by replaying the topics (see CaseProjector in intake's main).
//
//   CaseStore store(redis);
//   absl::StatusOr<bool> added = store.Add(envelope);   // false: had it already
//   absl::StatusOr<std::vector<Envelope>> events = store.Events(case_id);
//
// Keys: csec:case:{<case_id>}:events (hash event id → Envelope bytes) and
// csec:case:{<case_id>}:version (count of distinct events; a watcher's change counter). The
// braces keep both keys of a case in one Redis Cluster slot, for the atomic script.
// Thread-safe (RedisClient is).
#ifndef CSEC_SERVICES_INTAKE_CASE_STORE_H_
#define CSEC_SERVICES_INTAKE_CASE_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/redis.h"

namespace csec::intake {

class CaseStore {
 public:
  explicit CaseStore(RedisClient* redis) : redis_(redis) {}

  absl::StatusOr<bool> Add(const csec::dispatch::v1::Envelope& event);
  absl::StatusOr<bool> Exists(const std::string& case_id);
  absl::StatusOr<bool> HasEvent(const std::string& case_id, const std::string& event_id);
  absl::StatusOr<std::vector<csec::dispatch::v1::Envelope>> Events(const std::string& case_id);
  // 0 when the case is unknown.
  absl::StatusOr<int64_t> Version(const std::string& case_id);

 private:
  RedisClient* redis_;
};

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_CASE_STORE_H_
