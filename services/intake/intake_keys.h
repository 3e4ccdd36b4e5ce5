// The Redis keys of intake: the case view, the idempotency reservations and the sealing keys.
// Part of the key catalogue that starts in services/common/redis/redis_keys.h.
#ifndef CSEC_SERVICES_INTAKE_INTAKE_KEYS_H_
#define CSEC_SERVICES_INTAKE_INTAKE_KEYS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec::redis_keys {

// The case view: each distinct event of the case (hash event id → Envelope bytes), and a
// counter bumped with each new one (what WatchCase watches). Derived from Kafka: rebuilt by
// replaying the topics.
inline std::string CaseEvents(absl::string_view case_id) { return absl::StrCat("csec:case:{", case_id, "}:events"); }
inline std::string CaseVersion(absl::string_view case_id) { return absl::StrCat("csec:case:{", case_id, "}:version"); }

// The case's identity-sealing key (32 random bytes). Not derivable from Kafka: deleting it makes
// the sealed identity on every topic unreadable, by design.
inline std::string CaseSealingKey(absl::string_view case_id) { return absl::StrCat("csec:case:{", case_id, "}:key"); }

// Intake's idempotency reservations: "<state>:<fingerprint>" for each fact request id, and
// "<state>:<fingerprint>:<public fingerprint>" for a report (one per case: the case id is derived
// from the agency and its idempotency key); the public fingerprint leaves out the youth's identity,
// which is sealed on the topic, and is all a rebuild from Kafka can restore ("done::<public>").
// State "pending" until Kafka acknowledged the event, then "done".
inline std::string ReportReservation(absl::string_view case_id) {
  return absl::StrCat("csec:case:{", case_id, "}:report");
}
inline std::string FactReservation(absl::string_view case_id, absl::string_view request_id_hash) {
  return absl::StrCat("csec:case:{", case_id, "}:fact:", request_id_hash);
}
// How long intake remembers an idempotency key or request id: longer than any agency retries.
inline constexpr absl::Duration kReservationHorizon = absl::Hours(24 * 400);

// Names the intake state now in Redis (reservations and intake's own events in the case view):
// missing means Redis lost it (or never had it), and intake rebuilds it from csec.intake.v1.
inline std::string IntakeEpoch() { return "csec:intake:epoch"; }

}  // namespace csec::redis_keys

#endif  // CSEC_SERVICES_INTAKE_INTAKE_KEYS_H_
