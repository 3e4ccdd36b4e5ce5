// The Redis keys the shared plumbing writes. Each service names its own keys beside its code, in
// the same namespace, so an operator finds everything that lives in Redis in five short files:
//   services/intake/intake_keys.h    the case view, idempotency reservations, sealing keys
//   services/timers/timer_keys.h     timer shards
//   services/paging/paging_keys.h    case states, stopped marks, delivery marks, rosters
//   services/medical/medical_keys.h  hub days, bookings, case states
// Redis Cluster slots are chosen deliberately: a case's keys share the hash tag {<case_id>}, so
// one script may touch them all.
//
//   redis.Command({"EXISTS", redis_keys::Handled("routing", event_id)});
#ifndef CSEC_SERVICES_COMMON_REDIS_REDIS_KEYS_H_
#define CSEC_SERVICES_COMMON_REDIS_REDIS_KEYS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec::redis_keys {

// A consumer's "already handled" marker for an event it acted on; expires after the consumer's
// dedupe horizon (--dedupe_horizon), so markers do not grow without bound.
inline std::string Handled(absl::string_view consumer, absl::string_view event_id) {
  return absl::StrCat("csec:handled:", consumer, ":", event_id);
}

}  // namespace csec::redis_keys

#endif  // CSEC_SERVICES_COMMON_REDIS_REDIS_KEYS_H_
