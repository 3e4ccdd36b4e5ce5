// What an event means for a case's pages: the paging service's decisions, in one pure function.
// No Kafka, no Redis, no clock: the caller passes the case's state, the event, who is on call
// and the time, and gets the case's next state and the events to produce.
//
//   PagingDecision d = DecidePaging(state, envelope, {.config = &config, .on_call = lookup, .now = now});
//   RETURN_IF_ERROR(producer->ProduceAll(d.events));   // first
//   store->Save(case_id, d.state);                     // then
//
// A page is one (case, role, reason), its id derived from them, so a replayed or duplicated
// event opens nothing new. Each notification of people is an `attempt`; the wait for its
// acknowledgement is a timer ("page_step", subject "<page id>|<attempt>"), so a restart during
// a wait never ends an escalation. Every produced event's id is derived from the page, the
// attempt and what happened: producing the same decision twice is harmless downstream.
#ifndef CSEC_SERVICES_PAGING_PAGE_ENGINE_H_
#define CSEC_SERVICES_PAGING_PAGE_ENGINE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/paging_state.pb.h"
#include "services/paging/on_call.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

// Wait kinds paging asks the timers service for.
inline constexpr char kStepWait[] = "page_step";            // subject "<page id>|<attempt>"
inline constexpr char kShiftNoticeWait[] = "shift_notice";  // case "roster:<id>", subject "<start ms>"
inline constexpr char kCaseRoutedReason[] = "case_routed";
// The medical service found no slot: "medical_scheduling_failed:<booking number>", so a later
// failure (a new booking number) pages again and a replay does not.
inline constexpr char kMedicalFailedReasonPrefix[] = "medical_scheduling_failed:";
// Emergency care comes first: the team is told once per case.
inline constexpr char kMedicalEmergencyReason[] = "medical_emergency";

// The case id under which a roster's events (RosterChanged, ShiftStarting, its waits) travel.
std::string RosterCaseId(absl::string_view roster_id);
// The page of (case, role, reason).
std::string PageId(absl::string_view case_id, absl::string_view role, absl::string_view reason);

struct EngineContext {
  const PagingConfig* config = nullptr;
  // Who is on call on a roster at an instant (the configured rotation plus runtime changes).
  std::function<OnCall(const std::string& roster_id, absl::Time at)> on_call;
  absl::Time now;
  // A CaseRouted or DeadlineMissed older than this opens no page (the case view still has it):
  // a consumer group started on a topic with months of history must not page for all of it.
  absl::Duration page_horizon = absl::Hours(24);
};

struct PagingDecision {
  csec::dispatch::v1::PagingCaseState state;
  // To produce, in order, before `state` is stored (each keyed by its case id).
  std::vector<csec::dispatch::v1::Envelope> events;
  bool changed = false;  // false: nothing to produce or store
};

// Whether DecidePaging acts on this event at all (the rest are skipped without reading state).
bool PagingActsOn(const csec::dispatch::v1::Envelope& event);

// The case's pages after `event` (see the event handling in page_engine.cc's header comment).
PagingDecision DecidePaging(const csec::dispatch::v1::PagingCaseState& state, const csec::dispatch::v1::Envelope& event,
                            const EngineContext& context);

// A roster's "shift_notice" wait fired for the shift starting at `shift_start`: the
// ShiftStarting for whoever is on call then, and the wait for the next shift's notice.
std::vector<csec::dispatch::v1::Envelope> ShiftNoticeEvents(const Roster& roster, absl::Time shift_start,
                                                            const EngineContext& context);
// The wait for the notice of the first shift starting after `context.now` (none without a
// rotation): asked for at start-up; asking again is the same wait.
std::vector<csec::dispatch::v1::Envelope> FirstShiftNoticeWait(const Roster& roster, const EngineContext& context);

// The protocol role a "case_routed" page stands for, for RecordArrival: responder (the team's
// page) or advocate (the advocacy agency's); UNSPECIFIED for any other page.
csec::dispatch::v1::ResponderRole ArrivalRoleOf(const csec::dispatch::v1::PagingCaseState& state,
                                                const csec::dispatch::v1::PageRecord& page);

const csec::dispatch::v1::PageRecord* FindPage(const csec::dispatch::v1::PagingCaseState& state,
                                               absl::string_view page_id);

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGE_ENGINE_H_
