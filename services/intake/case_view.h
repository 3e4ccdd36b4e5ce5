// The case view: the whole story of one case (referral, routing decision, arrivals, MDTs,
// placement, Medical Hub appointments and exam, closure, and the state of each protocol
// deadline), assembled from the case's events. It is what IntakeService.GetCase answers and
// WatchCase streams. Pure: no I/O, no clock and no config, so the same events always give the
// same view.
//
// Deadlines are shown as the timers service reported them on csec.timers.v1 (DeadlineArmed with
// its due instant and config version, DeadlineMet, DeadlineMissed, DeadlineCancelled): nobody
// recomputes a due time from the current config, so a config reload never moves a case's
// deadlines, and a view reads the same whenever it is built.
//
//   std::vector<Envelope> events = ...;  // the case's events, e.g. a Redis hash by event id
//   CaseView view = BuildCaseView(case_id, std::move(events));
//   for (const DeadlineStatus& d : view.deadlines()) {
//     if (d.state() == DEADLINE_STATE_MISSED) ...;  // d.escalate_to() says who heard of it
//   }
//
// Events may come in any order (topics are ordered each on its own, not with each other: an
// arrival can be recorded before routing has decided, a deadline met before it was armed) and
// may repeat: they are deduplicated by event id and put in order of occurred_at, ties broken by
// event id, so the view does not depend on the order they are given in.
#ifndef CSEC_SERVICES_INTAKE_CASE_VIEW_H_
#define CSEC_SERVICES_INTAKE_CASE_VIEW_H_

#include <string>
#include <vector>

#include "csec/dispatch/v1/case_view.pb.h"
#include "csec/dispatch/v1/events.pb.h"

namespace csec::intake {

// Builds the view of `case_id` from its events.
//
// - version: the number of distinct event ids among `events` (events that name another case
//   are ignored; an event whose body this build does not know still counts).
// - referral (youth.identity always cleared), referral_event_id and reported_at (the envelope's
//   occurred_at): from the first ReferralReceived. routing: the latest CaseRouted. arrivals and
//   mdts: every one, in the order they happened. placement: the latest. medical_exam: the first.
//   closed: the first CaseClosed.
// - "When it happened" is the fact's own time (arrived_at, held_at, placed_at, examined_at,
//   closed_at), or the envelope's occurred_at if the fact has none.
// - deadlines: one per deadline id named by a DeadlineArmed, DeadlineMet, DeadlineMissed or
//   DeadlineCancelled, in kAllDeadlineIds order, then any other id alphabetically.
//     due_at, config_version  from the first DeadlineArmed (else due_at from the first of the
//                             others that carries one, config_version from a DeadlineMissed)
//     met_at                  the earliest met_at of the DeadlineMet events
//     missed_at, escalate_to  from the first DeadlineMissed (missed_at: its fired_at)
//   State: MET (met at or before due, even if reported after a miss), MET_LATE (met after due),
//   else MISSED (a DeadlineMissed), else CANCELLED (a DeadlineCancelled), else PENDING.
//   DeadlineReminder and the Wait* events change nothing in the view.
// - medical (set once the case has a medical event): the medical service's events and
//   MedicalExamRecorded, in event order, told by ApplyToMedicalView (services/common/
//   medical_view.h) exactly as the medical service tells it; each adds a history entry at the
//   envelope's occurred_at. Once an exam completed it, a later MedicalExamRecorded (the same exam
//   recorded on csec.intake.v1 too) adds nothing there. HubDayChanged is about a hub's calendar
//   (case id "hub:<hub id>"), never a case: it changes nothing.
csec::dispatch::v1::CaseView BuildCaseView(const std::string& case_id,
                                           std::vector<csec::dispatch::v1::Envelope> events);

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_CASE_VIEW_H_
