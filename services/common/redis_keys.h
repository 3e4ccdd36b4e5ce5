// Every Redis key csec-dispatch writes, named in one place, so an operator can see what lives in
// Redis and why, and Redis Cluster slots are chosen deliberately: a case's keys share the hash
// tag {<case_id>}, so one script may touch them all.
//
//   redis.Command({"HVALS", redis_keys::CaseEvents(case_id)});
#ifndef CSEC_SERVICES_COMMON_REDIS_KEYS_H_
#define CSEC_SERVICES_COMMON_REDIS_KEYS_H_

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

// A consumer's "already handled" marker for an event it acted on; expires after the consumer's
// dedupe horizon (--dedupe_horizon), so markers do not grow without bound.
inline std::string Handled(absl::string_view consumer, absl::string_view event_id) {
  return absl::StrCat("csec:handled:", consumer, ":", event_id);
}

// The timers service (services/timers/timer_store.h): one shard of timers is a sorted set of
// timer ids by the next instant something must happen to them (due, a claim's lease running out,
// a closed timer's mark expiring) and a hash of timer id → state letter + TimerRecord. Shards are
// named by the Kafka partition of their cases and an index within it; the hash tag keeps a
// shard's two keys in one Redis Cluster slot, so one script may touch both. Derived from Kafka.
inline std::string TimerShardDue(int partition, int index) {
  return absl::StrCat("csec:timers:{t", partition, ".", index, "}:due");
}
inline std::string TimerShardBodies(int partition, int index) {
  return absl::StrCat("csec:timers:{t", partition, ".", index, "}:bodies");
}
// Names the timer state now in Redis ("<id>;shards=<n>"): missing means Redis lost it (or never
// had it) and the timers service rebuilds it from Kafka under a new consumer group.
inline std::string TimersEpoch() { return "csec:timers:epoch"; }

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

#endif  // CSEC_SERVICES_COMMON_REDIS_KEYS_H_
