// The Redis keys of the paging service.
// Part of the key catalogue that starts in services/common/redis/redis_keys.h.
#ifndef CSEC_SERVICES_PAGING_PAGING_KEYS_H_
#define CSEC_SERVICES_PAGING_PAGING_KEYS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec::redis_keys {

// The paging service (services/paging). Per case, under the case's hash tag:
// - state: PagingCaseState (what paging knows of the case and each page), written only by the
//   owner of the case's partition after the events it decided are in Kafka;
// - stopped:<page id>: set the moment a page is acknowledged or closed, so every pending
//   notification of it (any contact method, any retry) is dropped before it is sent;
// - sent:<event id>: the PageSent or ShiftStarting a later retry or delayed contact sends again;
// - delivered:<delivery id>: a contact method's send succeeded or was given up (no second send).
// All expire after the dedupe horizon once the page is over.
inline std::string PagingCase(absl::string_view case_id) { return absl::StrCat("csec:paging:{", case_id, "}:state"); }
inline std::string PageStopped(absl::string_view case_id, absl::string_view page_id) {
  return absl::StrCat("csec:paging:{", case_id, "}:stopped:", page_id);
}
inline std::string PageSentBody(absl::string_view case_id, absl::string_view event_id) {
  return absl::StrCat("csec:paging:{", case_id, "}:sent:", event_id);
}
inline std::string DeliveryDone(absl::string_view case_id, absl::string_view delivery_id) {
  return absl::StrCat("csec:paging:{", case_id, "}:delivered:", delivery_id);
}
// Names the paging state now in Redis (case states, stopped marks, kept notifications, delivery
// marks, roster changes): missing means Redis lost it (or never had it), and paging rebuilds it
// from Kafka (services/paging/paging_replay.h).
inline std::string PagingEpoch() { return "csec:paging:epoch"; }
// Runtime roster changes: hash roster id → RosterChanges (the latest RosterChanged of each
// roster on csec.paging.v1, so rebuilt from Kafka when missing).
inline std::string PagingRosters() { return "csec:paging:rosters"; }

}  // namespace csec::redis_keys

#endif  // CSEC_SERVICES_PAGING_PAGING_KEYS_H_
