// Events and what they do:
// - CaseRouted: the case summary; pages the routed team's chain (the responder) and the advocacy
//   agency's chain (the advocate), reason "case_routed".
// - DeadlineMissed: pages each escalate_to role whose chain applies to the case's agency, reason
//   "deadline_missed:<deadline id>".
// - WaitFired "page_step" for the page's current attempt: not acknowledged, next step.
// - PageDeclined by someone paged at the current attempt: next step at once.
// - PageAcknowledged: the chain stops (the deadline behind it does not).
// - ArrivalRecorded: closes the role's "case_routed" page. DeadlineMet: closes that deadline's
//   pages. CaseClosed: closes every page.
// - MedicalSchedulingFailed: the case summary's medical_note says why; pages the hub coordinator
//   (the chain of coordinator_hub_id, else kHubCoordinatorFallbackChain) and the case's team,
//   reason "medical_scheduling_failed:<booking number>".
// - MedicalAppointmentScheduled: the medical_note says where and when; closes the failure pages
//   of this booking number or an earlier one ("medical appointment booked"); with
//   emergency_care_first, pages the team, reason "medical_emergency" (once per case).
// - MedicalExamRecorded: the medical_note says so; closes every failure page ("exam recorded").
//   Once an emergency booking was seen, every later medical_note starts by saying emergency care
//   comes first. Nothing in a note comes from the youth's identity: hubs, times, cause and why.
// - CaseRouted after a medical failure or emergency (topics are not ordered with each other):
//   the team is paged for what it has not heard yet.
// Moving on: the next step, then the chain again while `repeat` allows, then ChainExhausted,
// which opens a page of the chain's on_exhausted role. A step with nobody to page is skipped at
// once (StepSkipped), never waited out.
#include "services/paging/page_engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::CaseSummary;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::PageRecord;
using csec::dispatch::v1::PageState;
using csec::dispatch::v1::PagingCaseState;

constexpr char kProducer[] = "paging";
constexpr char kDeadlineReasonPrefix[] = "deadline_missed:";
constexpr char kExhaustedReasonPrefix[] = "chain_exhausted:";
// Once an emergency booking was seen, every medical_note of the case starts with this (and
// CaseRouted looks for it).
constexpr char kEmergencyNote[] = "Emergency care comes first: the referral reported an immediate medical need.";
// A chain_exhausted page may itself exhaust and page its chain's on_exhausted role; this many
// levels at most, so a cycle of on_exhausted roles cannot page forever.
constexpr int kMaxExhaustedDepth = 2;

bool IsOver(const PageRecord& page) { return page.state() == csec::dispatch::v1::PAGE_STATE_CLOSED; }
bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}
void AddOnce(google::protobuf::RepeatedPtrField<std::string>* list, absl::string_view value) {
  if (!Contains(*list, value)) list->Add(std::string(value));
}

// Builds the events of one decision; ids derive from what they are about.
class Decider {
 public:
  Decider(PagingCaseState state, const Envelope& cause, const EngineContext& context)
      : state_(std::move(state)), cause_(cause), context_(context), config_(*context.config) {}

  PagingDecision Finish(bool changed) {
    const bool any = changed || !events_.empty();
    return {.state = std::move(state_), .events = std::move(events_), .changed = any};
  }

  PagingCaseState& state() { return state_; }
  const std::string& case_id() const { return cause_.case_id(); }

  Envelope& Emit(absl::string_view purpose, absl::string_view about) {
    events_.push_back(NewEnvelope(DeriveId(absl::StrCat("paging.", purpose), about), case_id()));
    return events_.back();
  }

  PageRecord* Find(absl::string_view page_id) {
    for (PageRecord& p : *state_.mutable_pages()) {
      if (p.page_id() == page_id) return &p;
    }
    return nullptr;
  }

  // Opens the page of (role, reason) unless it exists; pages its first step.
  void Open(const std::string& role, const std::string& reason, const std::string& deadline_id) {
    const std::string page_id = PageId(case_id(), role, reason);
    if (Find(page_id) != nullptr) return;
    PageRecord* page = state_.add_pages();
    page->set_page_id(page_id);
    page->set_role(role);
    page->set_reason(reason);
    page->set_deadline_id(deadline_id);
    page->set_state(csec::dispatch::v1::PAGE_STATE_OPEN);
    page->set_opened_ms(absl::ToUnixMillis(context_.now));
    const Chain* chain = config_.FindChain(role);
    if (chain == nullptr) {
      // The config validated at start-up names every role the protocol pages; a role that is
      // not there (a DeadlineMissed of an older config) is recorded, not silently dropped.
      Skip(*page, absl::StrCat("no escalation chain for role ", role));
      Exhaust(*page);
      return;
    }
    page->set_step_index(0);
    page->set_round(0);
    if (!Notify(*page, *chain)) MoveOn(*page, "step skipped");
  }

  // The current step's people, or false (recorded as StepSkipped) when it has nobody.
  bool Notify(PageRecord& page, const Chain& chain) {
    const ChainStep& step = chain.steps[page.step_index()];
    std::vector<std::pair<std::string, std::string>> people;  // person, how found
    std::vector<std::string> nobody;
    for (const ChainTarget& target : step.targets) {
      std::string person;
      std::string how;
      if (target.kind == ChainTarget::Kind::kPerson) {
        person = target.id;
        how = absl::StrCat("person:", target.id);
      } else {
        person = context_.on_call(target.id, context_.now).person_id;
        how = absl::StrCat("on_call:", target.id);
        if (person.empty()) nobody.push_back(target.id);
      }
      if (person.empty()) continue;
      if (std::none_of(people.begin(), people.end(), [&](const auto& p) { return p.first == person; })) {
        people.emplace_back(person, how);
      }
    }
    if (people.empty()) {
      Skip(page, absl::StrCat("nobody on call on ", absl::StrJoin(nobody, ", ")));
      return false;
    }
    page.set_attempt(page.attempt() + 1);
    page.clear_current_person_ids();
    const absl::Time ack_due = context_.now + step.wait;
    page.set_ack_due_ms(absl::ToUnixMillis(ack_due));
    for (const auto& [person, how] : people) {
      page.add_current_person_ids(person);
      AddOnce(page.mutable_paged_person_ids(), person);
      Envelope& e = Emit("page-sent", absl::StrCat(page.page_id(), "|", page.attempt(), "|", person));
      auto* sent = e.mutable_page_sent();
      sent->set_page_id(page.page_id());
      sent->set_role(page.role());
      sent->set_reason(page.reason());
      sent->set_attempt(page.attempt());
      sent->set_step_index(page.step_index());
      sent->set_round(page.round());
      sent->set_person_id(person);
      sent->set_target(how);
      *sent->mutable_case_summary() = state_.summary();
      *sent->mutable_sent_at() = ToProtoTime(context_.now);
      *sent->mutable_ack_due_at() = ToProtoTime(ack_due);
    }
    Envelope& wait = Emit("step-wait", absl::StrCat(page.page_id(), "|", page.attempt()));
    wait.mutable_wait_requested()->set_kind(kStepWait);
    wait.mutable_wait_requested()->set_subject(StepSubject(page));
    *wait.mutable_wait_requested()->mutable_due_at() = ToProtoTime(ack_due);
    return true;
  }

  static std::string StepSubject(const PageRecord& page) { return absl::StrCat(page.page_id(), "|", page.attempt()); }

  void CancelStepWait(const PageRecord& page) {
    if (page.attempt() == 0) return;
    Envelope& e = Emit("step-wait-cancel", StepSubject(page));
    e.mutable_wait_cancelled()->set_kind(kStepWait);
    e.mutable_wait_cancelled()->set_subject(StepSubject(page));
  }

  void Skip(PageRecord& page, const std::string& why) {
    Envelope& e = Emit("step-skipped",
                       absl::StrCat(page.page_id(), "|", page.round(), "|", page.step_index(), "|", page.attempt()));
    auto* skipped = e.mutable_step_skipped();
    skipped->set_page_id(page.page_id());
    skipped->set_step_index(page.step_index());
    skipped->set_round(page.round());
    skipped->set_why(why);
    *skipped->mutable_skipped_at() = ToProtoTime(context_.now);
  }

  // From the current step to the next one that has somebody, or to exhaustion.
  void MoveOn(PageRecord& page, std::string why) {
    const Chain* chain = config_.FindChain(page.role());
    if (chain == nullptr) return Exhaust(page);
    const int total_steps = static_cast<int>(chain->steps.size()) * (chain->repeat + 1);
    for (int tried = 0; tried < total_steps; ++tried) {
      int next = page.step_index() + 1;
      int round = page.round();
      if (next >= static_cast<int>(chain->steps.size())) {
        if (round >= chain->repeat) return Exhaust(page);
        next = 0;
        ++round;
      }
      Envelope& e = Emit("escalated", absl::StrCat(page.page_id(), "|", page.round(), "|", page.step_index(), "|",
                                                   page.attempt(), "|", why));
      auto* escalated = e.mutable_page_escalated();
      escalated->set_page_id(page.page_id());
      escalated->set_from_step(page.step_index());
      escalated->set_to_step(next);
      escalated->set_round(round);
      escalated->set_why(why);
      *escalated->mutable_escalated_at() = ToProtoTime(context_.now);
      page.set_step_index(next);
      page.set_round(round);
      if (Notify(page, *chain)) return;
      why = "step skipped";
    }
    Exhaust(page);
  }

  int ExhaustedDepth(const PageRecord& page) {
    int depth = 0;
    const PageRecord* at = &page;
    while (at != nullptr && absl::StartsWith(at->reason(), kExhaustedReasonPrefix) && depth <= kMaxExhaustedDepth) {
      ++depth;
      at = Find(at->reason().substr(sizeof(kExhaustedReasonPrefix) - 1));
    }
    return depth;
  }

  void Exhaust(PageRecord& page) {
    page.set_state(csec::dispatch::v1::PAGE_STATE_EXHAUSTED);
    page.set_ack_due_ms(0);
    const Chain* chain = config_.FindChain(page.role());
    std::string next_role = chain == nullptr ? "" : chain->on_exhausted;
    if (next_role == page.role() || ExhaustedDepth(page) >= kMaxExhaustedDepth) next_role.clear();
    Envelope& e = Emit("exhausted", page.page_id());
    auto* exhausted = e.mutable_chain_exhausted();
    exhausted->set_page_id(page.page_id());
    exhausted->set_role(page.role());
    exhausted->set_reason(page.reason());
    exhausted->set_escalated_to(next_role);
    *exhausted->mutable_exhausted_at() = ToProtoTime(context_.now);
    // `page` may move when a page is added: copy what the new page needs first.
    const std::string reason = absl::StrCat(kExhaustedReasonPrefix, page.page_id());
    const std::string deadline_id = page.deadline_id();
    if (!next_role.empty()) Open(next_role, reason, deadline_id);
  }

  void Close(PageRecord& page, const std::string& why) {
    if (IsOver(page)) return;
    if (page.state() == csec::dispatch::v1::PAGE_STATE_OPEN) CancelStepWait(page);
    page.set_state(csec::dispatch::v1::PAGE_STATE_CLOSED);
    page.set_ack_due_ms(0);
    Envelope& e = Emit("closed", page.page_id());
    auto* closed = e.mutable_page_closed();
    closed->set_page_id(page.page_id());
    closed->set_why(why);
    *closed->mutable_closed_at() = ToProtoTime(context_.now);
  }

  Envelope NewEnvelope(const std::string& event_id, const std::string& case_id) {
    Envelope e;
    e.set_event_id(event_id);
    e.set_case_id(case_id);
    *e.mutable_occurred_at() = ToProtoTime(context_.now);
    e.set_producer(kProducer);
    e.set_trace_id(cause_.trace_id());
    return e;
  }

 private:
  PagingCaseState state_;
  const Envelope& cause_;
  const EngineContext& context_;
  const PagingConfig& config_;
  std::vector<Envelope> events_;
};

bool ChainAppliesTo(const Chain* chain, const CaseSummary& summary) {
  if (chain == nullptr || !chain->applies_to_agency.has_value()) return true;
  // Not routed yet (order holds within a topic, not across): page every line rather than none.
  if (summary.agency() == csec::dispatch::v1::RESPONDER_AGENCY_UNSPECIFIED) return true;
  return *chain->applies_to_agency == summary.agency();
}

// The booking number of a "medical_scheduling_failed:<n>" page, or nullopt for any other page.
std::optional<int> FailedBookingOf(const PageRecord& page) {
  int booking = 0;
  if (!absl::StartsWith(page.reason(), kMedicalFailedReasonPrefix) ||
      !absl::SimpleAtoi(absl::string_view(page.reason()).substr(sizeof(kMedicalFailedReasonPrefix) - 1), &booking)) {
    return std::nullopt;
  }
  return booking;
}

// "hub-lac-usc on 2026-03-06 at 10:00 PST" (the county's time zone).
std::string AppointmentText(const csec::dispatch::v1::MedicalAppointment& appointment, absl::TimeZone zone) {
  std::string text = appointment.hub_id();
  if (appointment.has_starts_at()) {
    absl::StrAppend(&text, " on ",
                    absl::FormatTime("%Y-%m-%d at %H:%M %Z", FromProtoTime(appointment.starts_at()), zone));
  } else if (!appointment.local_date().empty()) {
    absl::StrAppend(&text, " on ", appointment.local_date());
  }
  return text;
}

// Sets the case's medical_note to `news`, after kEmergencyNote on an emergency case; true if it
// changed.
bool SetMedicalNote(CaseSummary& summary, bool emergency, absl::string_view news) {
  emergency |= absl::StartsWith(summary.medical_note(), kEmergencyNote);
  std::string note = emergency ? absl::StrCat(kEmergencyNote, " ", news) : std::string(news);
  if (summary.medical_note() == note) return false;
  summary.set_medical_note(std::move(note));
  return true;
}

// "<page id>|<attempt>" → the two parts, or false.
bool ParseStepSubject(absl::string_view subject, std::string* page_id, int* attempt) {
  std::vector<absl::string_view> parts = absl::StrSplit(subject, '|');
  return parts.size() == 2 && !parts[0].empty() && absl::SimpleAtoi(parts[1], attempt) &&
         (*page_id = std::string(parts[0]), true);
}

}  // namespace

std::string RosterCaseId(absl::string_view roster_id) { return absl::StrCat("roster:", roster_id); }

std::string PageId(absl::string_view case_id, absl::string_view role, absl::string_view reason) {
  return absl::StrCat("pg-", DeriveId("paging.page", absl::StrCat(case_id, "|", role, "|", reason)).substr(0, 18));
}

const PageRecord* FindPage(const PagingCaseState& state, absl::string_view page_id) {
  for (const PageRecord& p : state.pages()) {
    if (p.page_id() == page_id) return &p;
  }
  return nullptr;
}

csec::dispatch::v1::ResponderRole ArrivalRoleOf(const PagingCaseState& state, const PageRecord& page) {
  if (page.reason() != kCaseRoutedReason) return csec::dispatch::v1::RESPONDER_ROLE_UNSPECIFIED;
  if (page.role() == state.summary().advocacy_agency_id()) return csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE;
  if (page.role() == state.summary().team_id()) return csec::dispatch::v1::RESPONDER_ROLE_RESPONDER;
  return csec::dispatch::v1::RESPONDER_ROLE_UNSPECIFIED;
}

bool PagingActsOn(const Envelope& e) {
  switch (e.body_case()) {
    case Envelope::kCaseRouted:
    case Envelope::kDeadlineMissed:
    case Envelope::kDeadlineMet:
    case Envelope::kArrivalRecorded:
    case Envelope::kCaseClosed:
    case Envelope::kPageAcknowledged:
    case Envelope::kPageDeclined:
    case Envelope::kMedicalSchedulingFailed:
    case Envelope::kMedicalAppointmentScheduled:
    case Envelope::kMedicalExamRecorded:
      return true;
    case Envelope::kWaitFired:
      return e.wait_fired().kind() == kStepWait || e.wait_fired().kind() == kShiftNoticeWait;
    default:
      return false;
  }
}

PagingDecision DecidePaging(const PagingCaseState& state, const Envelope& event, const EngineContext& context) {
  Decider d(state, event, context);
  CaseSummary& summary = *d.state().mutable_summary();
  summary.set_case_id(event.case_id());
  const bool too_old = context.now - FromProtoTime(event.occurred_at()) > context.page_horizon;
  switch (event.body_case()) {
    case Envelope::kCaseRouted: {
      const auto& routed = event.case_routed();
      const bool first = summary.team_id().empty();
      summary.set_agency(routed.agency());
      summary.set_team_id(routed.team_id());
      summary.set_advocacy_agency_id(routed.advocacy_agency_id());
      summary.set_area_id(routed.area_id());
      *summary.mutable_identified_at() = routed.identified_at();
      summary.set_supervisor_review(routed.supervisor_review());
      if (summary.closed() || too_old) return d.Finish(first);
      if (!routed.team_id().empty()) d.Open(routed.team_id(), kCaseRoutedReason, "");
      if (!routed.advocacy_agency_id().empty()) d.Open(routed.advocacy_agency_id(), kCaseRoutedReason, "");
      if (!routed.team_id().empty()) {
        // Medical news that came before the routing decision: the team has not heard it yet.
        std::vector<std::string> failures;
        for (const PageRecord& page : d.state().pages()) {
          if (FailedBookingOf(page).has_value() && !IsOver(page)) failures.push_back(page.reason());
        }
        for (const std::string& reason : failures) d.Open(routed.team_id(), reason, "");
        if (absl::StartsWith(summary.medical_note(), kEmergencyNote)) {
          d.Open(routed.team_id(), kMedicalEmergencyReason, "");
        }
      }
      return d.Finish(first);
    }
    case Envelope::kDeadlineMissed: {
      const auto& missed = event.deadline_missed();
      const bool known = std::find(summary.missed_deadline_ids().begin(), summary.missed_deadline_ids().end(),
                                   missed.deadline_id()) != summary.missed_deadline_ids().end();
      AddOnce(summary.mutable_missed_deadline_ids(), missed.deadline_id());
      if (summary.closed() || too_old) return d.Finish(!known);
      for (const std::string& role : missed.escalate_to()) {
        if (!ChainAppliesTo(context.config->FindChain(role), summary)) continue;
        d.Open(role, absl::StrCat(kDeadlineReasonPrefix, missed.deadline_id()), missed.deadline_id());
      }
      return d.Finish(!known);
    }
    case Envelope::kDeadlineMet: {
      for (PageRecord& page : *d.state().mutable_pages()) {
        if (page.deadline_id() == event.deadline_met().deadline_id()) {
          d.Close(page, absl::StrCat(event.deadline_met().deadline_id(), " met"));
        }
      }
      return d.Finish(false);
    }
    case Envelope::kArrivalRecorded: {
      const auto& arrival = event.arrival_recorded();
      bool known = false;
      for (const auto& a : summary.arrivals())
        known |= a.role() == arrival.role() && a.person_id() == arrival.person_id();
      if (!known) *summary.add_arrivals() = arrival;
      for (PageRecord& page : *d.state().mutable_pages()) {
        if (ArrivalRoleOf(d.state(), page) == arrival.role()) d.Close(page, "arrived");
      }
      return d.Finish(!known);
    }
    case Envelope::kMedicalSchedulingFailed: {
      const auto& failed = event.medical_scheduling_failed();
      const std::string reason = absl::StrCat(kMedicalFailedReasonPrefix, failed.booking_number());
      std::string coordinator = failed.coordinator_hub_id();
      if (coordinator.empty() || context.config->FindChain(coordinator) == nullptr) {
        coordinator = kHubCoordinatorFallbackChain;
      }
      // A replay (its page is there, open or not) changes nothing, not even the note.
      if (d.Find(PageId(event.case_id(), coordinator, reason)) != nullptr) return d.Finish(false);
      const bool changed = SetMedicalNote(
          summary, false, absl::StrCat("Medical Hub scheduling failed (", failed.cause(), "): ", failed.why()));
      if (summary.closed() || too_old) return d.Finish(changed);
      d.Open(coordinator, reason, "");
      // Not routed yet: CaseRouted pages the team.
      if (!summary.team_id().empty()) d.Open(summary.team_id(), reason, "");
      return d.Finish(changed);
    }
    case Envelope::kMedicalAppointmentScheduled: {
      const auto& scheduled = event.medical_appointment_scheduled();
      // A replayed earlier booking after a later failure is old news: it closes and notes nothing.
      for (const PageRecord& page : d.state().pages()) {
        if (std::optional<int> booking = FailedBookingOf(page);
            booking.has_value() && scheduled.booking_number() > 0 && *booking > scheduled.booking_number()) {
          return d.Finish(false);
        }
      }
      const std::string where = AppointmentText(scheduled.appointment(), context.config->time_zone);
      const bool changed = SetMedicalNote(summary, scheduled.emergency_care_first(),
                                          absl::StrCat("Medical Hub exam booked at ", where, "."));
      for (PageRecord& page : *d.state().mutable_pages()) {
        std::optional<int> booking = FailedBookingOf(page);
        if (booking.has_value() && (scheduled.booking_number() <= 0 || *booking <= scheduled.booking_number())) {
          d.Close(page, "medical appointment booked");
        }
      }
      if (scheduled.emergency_care_first() && !summary.closed() && !too_old && !summary.team_id().empty()) {
        d.Open(summary.team_id(), kMedicalEmergencyReason, "");
      }
      return d.Finish(changed);
    }
    case Envelope::kMedicalExamRecorded: {
      const auto& exam = event.medical_exam_recorded();
      const bool changed = SetMedicalNote(
          summary, false,
          absl::StrCat("Medical Hub exam recorded", exam.hub_id().empty() ? "" : " at ", exam.hub_id(), "."));
      for (PageRecord& page : *d.state().mutable_pages()) {
        if (FailedBookingOf(page).has_value()) d.Close(page, "exam recorded");
      }
      return d.Finish(changed);
    }
    case Envelope::kCaseClosed: {
      const bool was_closed = summary.closed();
      summary.set_closed(true);
      for (PageRecord& page : *d.state().mutable_pages()) d.Close(page, "case closed");
      return d.Finish(!was_closed);
    }
    case Envelope::kPageAcknowledged: {
      PageRecord* page = d.Find(event.page_acknowledged().page_id());
      if (page == nullptr || IsOver(*page) || page->state() == csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED) {
        return d.Finish(false);
      }
      if (page->state() == csec::dispatch::v1::PAGE_STATE_OPEN) d.CancelStepWait(*page);
      page->set_state(csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED);
      page->set_acknowledged_by(event.page_acknowledged().person_id());
      page->set_ack_due_ms(0);
      AddOnce(summary.mutable_acknowledged_roles(), page->role());
      return d.Finish(true);
    }
    case Envelope::kPageDeclined: {
      const auto& declined = event.page_declined();
      PageRecord* page = d.Find(declined.page_id());
      if (page == nullptr || page->state() != csec::dispatch::v1::PAGE_STATE_OPEN ||
          declined.attempt() != page->attempt() || !Contains(page->current_person_ids(), declined.person_id())) {
        return d.Finish(false);
      }
      d.CancelStepWait(*page);
      d.MoveOn(*page, "declined");
      return d.Finish(true);
    }
    case Envelope::kWaitFired: {
      if (event.wait_fired().kind() != kStepWait) return d.Finish(false);
      std::string page_id;
      int attempt = 0;
      if (!ParseStepSubject(event.wait_fired().subject(), &page_id, &attempt)) return d.Finish(false);
      PageRecord* page = d.Find(page_id);
      if (page == nullptr || page->state() != csec::dispatch::v1::PAGE_STATE_OPEN || page->attempt() != attempt) {
        return d.Finish(false);
      }
      d.MoveOn(*page, "not acknowledged");
      return d.Finish(true);
    }
    default:
      return d.Finish(false);
  }
}

namespace {

Envelope RosterEnvelope(const std::string& purpose, const std::string& about, const std::string& roster_id,
                        absl::Time now) {
  Envelope e;
  e.set_event_id(DeriveId(absl::StrCat("paging.", purpose), about));
  e.set_case_id(RosterCaseId(roster_id));
  *e.mutable_occurred_at() = ToProtoTime(now);
  e.set_producer(kProducer);
  return e;
}

void AddNoticeWait(const Roster& roster, absl::Time shift_start, const EngineContext& context,
                   std::vector<Envelope>* out) {
  const std::string subject = absl::StrCat(absl::ToUnixMillis(shift_start));
  Envelope e = RosterEnvelope("shift-notice-wait", absl::StrCat(roster.id, "|", subject), roster.id, context.now);
  e.mutable_wait_requested()->set_kind(kShiftNoticeWait);
  e.mutable_wait_requested()->set_subject(subject);
  *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(shift_start - context.config->shift_notice_before);
  out->push_back(std::move(e));
}

}  // namespace

std::vector<Envelope> ShiftNoticeEvents(const Roster& roster, absl::Time shift_start, const EngineContext& context) {
  std::vector<Envelope> out;
  // Who will be on call when the shift starts, overrides included: that person is told.
  const OnCall starting = context.on_call(roster.id, shift_start);
  // A handoff to the same person (a weekly turn's daily handoffs) starts nothing for them.
  const OnCall before = context.on_call(roster.id, shift_start - absl::Milliseconds(1));
  if (!starting.person_id.empty() && starting.person_id != before.person_id) {
    Envelope e = RosterEnvelope("shift-starting", absl::StrCat(roster.id, "|", absl::ToUnixMillis(shift_start)),
                                roster.id, context.now);
    auto* notice = e.mutable_shift_starting();
    notice->set_roster_id(roster.id);
    notice->set_person_id(starting.person_id);
    *notice->mutable_starts_at() = ToProtoTime(shift_start);
    if (starting.ends_at != absl::InfiniteFuture()) *notice->mutable_ends_at() = ToProtoTime(starting.ends_at);
    out.push_back(std::move(e));
  }
  if (roster.rotation.has_value()) {
    // The shift after this one: the end of the rotation shift that holds shift_start.
    std::optional<Shift> shift = RotationShiftAt(roster, {}, shift_start, context.config->time_zone);
    if (shift.has_value() && shift->ends_at > shift_start) AddNoticeWait(roster, shift->ends_at, context, &out);
  }
  return out;
}

std::vector<Envelope> FirstShiftNoticeWait(const Roster& roster, const EngineContext& context) {
  std::vector<Envelope> out;
  if (!roster.rotation.has_value()) return out;
  std::optional<Shift> shift = RotationShiftAt(roster, {}, context.now, context.config->time_zone);
  if (!shift.has_value()) return out;
  // The next shift's notice, or this one's when it has not started (before the first handoff).
  absl::Time next = shift->starts_at > context.now ? shift->starts_at : shift->ends_at;
  AddNoticeWait(roster, next, context, &out);
  return out;
}

}  // namespace csec::paging
