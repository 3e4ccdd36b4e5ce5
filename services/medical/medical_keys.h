// The Redis keys of the medical service.
// Part of the key catalogue that starts in services/common/redis/redis_keys.h.
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_KEYS_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_KEYS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec::redis_keys {

// The medical service (services/medical). Every key shares the hash tag {medical}, so one script
// may book a slot on any hub's day and record the booking (one Redis Cluster slot; the county's
// volume is a few bookings an hour):
// - day:<hub>:<date>: hash of a hub's local day: "s<slot>" → "<case id>|<appointment id>" per
//   booked slot, "booked" (their count), and a coordinator's "capacity" and "closed" (reason);
// - booking:<appointment id>: "<hub>|<date>|<slot>", so a replayed booking takes no second slot;
// - case:<case id>: MedicalCaseState; lock:<case id or hub:id>: who is changing it now.
inline std::string MedicalDay(absl::string_view hub_id, absl::string_view local_date) {
  return absl::StrCat("csec:medical:{medical}:day:", hub_id, ":", local_date);
}
inline std::string MedicalBooking(absl::string_view appointment_id) {
  return absl::StrCat("csec:medical:{medical}:booking:", appointment_id);
}
inline std::string MedicalCase(absl::string_view case_id) {
  return absl::StrCat("csec:medical:{medical}:case:", case_id);
}
inline std::string MedicalLock(absl::string_view subject) {
  return absl::StrCat("csec:medical:{medical}:lock:", subject);
}
// Names the medical state now in Redis: missing means Redis lost it (or never had it), and the
// medical service rebuilds it from csec.medical.v1, csec.routing.v1 and csec.intake.v1.
inline std::string MedicalEpoch() { return "csec:medical:{medical}:epoch"; }
// A SetHubDay request already applied: the HubDayChanged it produced.
inline std::string MedicalHubRequest(absl::string_view hub_id, absl::string_view request_id) {
  return absl::StrCat("csec:medical:{medical}:request:", hub_id, ":", request_id);
}
// How long bookings and a case's medical state are kept: well past any window.
inline constexpr absl::Duration kMedicalHorizon = absl::Hours(24 * 400);

}  // namespace csec::redis_keys

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_KEYS_H_
