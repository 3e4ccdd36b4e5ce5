// The case view: the whole story of one case (referral, routing decision, arrivals, MDTs,
// placement, Medical Hub exam, closure, and the state of each protocol deadline), assembled from
// the case's events. It is what IntakeService.GetCase answers and WatchCase streams. Pure: no
// I/O and no clock of its own, so the same events, config and `now` always give the same view.
//
//   std::vector<Envelope> events = ...;  // the case's events, e.g. a Redis hash by event id
//   CaseView view = BuildCaseView(case_id, std::move(events), *config_store->Current(),
//                                 clock.Now());
//   for (const DeadlineStatus& d : view.deadlines()) {
//     if (d.state() == DEADLINE_STATE_MISSED) ...;  // d.escalate_to() says who hears of it
//   }
//
// Events may come in any order (topics are ordered each on its own, not with each other: an
// arrival can be recorded before routing has decided) and may repeat: they are deduplicated by
// event id and put in order of occurred_at, ties broken by event id, so the view does not depend
// on the order they are given in.
#ifndef CSEC_SERVICES_INTAKE_CASE_VIEW_H_
#define CSEC_SERVICES_INTAKE_CASE_VIEW_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "csec/dispatch/v1/case_view.pb.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/protocol_config.h"

namespace csec::intake {

// Builds the view of `case_id` from its events, with deadlines computed at `now` against
// `config`.
//
// - version: the number of distinct event ids among `events` (events that name another case
//   are ignored; an event whose body this build does not know still counts).
// - referral (youth.identity always cleared), referral_event_id and reported_at (the envelope's
//   occurred_at): from the first ReferralReceived. routing: the latest CaseRouted. arrivals and
//   mdts: every one, in the order they happened. placement: the latest. medical_exam: the first.
//   closed: the first CaseClosed.
// - "When it happened" is the fact's own time (arrived_at, held_at, placed_at, examined_at,
//   closed_at), or the envelope's occurred_at if the fact has none.
// - deadlines, only once the referral is known, each from the config (skipped if absent there),
//   the clock starting at referral.identified_at (reported_at if unset):
//     responder_arrival  met by the first arrival of a RESPONDER
//     advocate_arrival   met by the first arrival of an ADVOCATE
//     medical_exam       met by the first MedicalExamRecorded
//     initial_mdt        met by the first MdtRecorded
//     soda_pad_stay      only while or after the youth is in a SODA/PAD bed: due the configured
//                        time after the stay began (the first of the latest run of SODA/PAD
//                        placements; a move to another SODA/PAD bed does not restart it), met
//                        when a placement of another kind or the case's closure ends the stay.
//   State: MET (met at or before due), MET_LATE (met after due), MISSED (not met and
//   now >= due), else PENDING. Closing a case meets none of them but soda_pad_stay.
// - config_version: config.version.
csec::dispatch::v1::CaseView BuildCaseView(const std::string& case_id,
                                           std::vector<csec::dispatch::v1::Envelope> events,
                                           const ProtocolConfig& config, absl::Time now);

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_CASE_VIEW_H_
