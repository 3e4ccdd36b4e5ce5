#include "services/intake/case_view.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/string_view.h"
#include "services/common/base/clock.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "services/medical/medical_view.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::ArrivalRecorded;
using csec::dispatch::v1::CaseClosed;
using csec::dispatch::v1::CaseView;
using csec::dispatch::v1::DeadlineState;
using csec::dispatch::v1::DeadlineStatus;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::MdtRecorded;
using csec::dispatch::v1::MedicalExamRecorded;
using csec::dispatch::v1::MedicalView;
using csec::dispatch::v1::PageSummary;
using csec::dispatch::v1::PlacementRecorded;
using google::protobuf::Timestamp;

std::tuple<int64_t, int32_t> TimeKey(const Timestamp& t) { return {t.seconds(), t.nanos()}; }

// A fact with the time it happened; a vector of them is kept in event order and then
// stable-sorted by time, so equal times keep the (deterministic) event order.
template <typename T>
struct Timed {
  absl::Time at;
  const T* fact;
};

template <typename T>
void SortByTime(std::vector<Timed<T>>& facts) {
  std::stable_sort(facts.begin(), facts.end(), [](const Timed<T>& a, const Timed<T>& b) { return a.at < b.at; });
}

// What the timers service said about one deadline of the case, gathered in event order.
struct DeadlineFacts {
  const Envelope* armed = nullptr;   // the first DeadlineArmed
  const Envelope* missed = nullptr;  // the first DeadlineMissed
  std::optional<absl::Time> met_at;  // the earliest met_at of any DeadlineMet
  bool cancelled = false;
  // The first due_at carried by a Met, Missed or Cancelled: used only when nothing armed it.
  std::optional<Timestamp> reported_due_at;
};

void NoteDueAt(DeadlineFacts& facts, bool has_due_at, const Timestamp& due_at) {
  if (has_due_at && !facts.reported_due_at.has_value()) facts.reported_due_at = due_at;
}

DeadlineStatus FoldDeadline(const std::string& id, const DeadlineFacts& facts) {
  DeadlineStatus status;
  status.set_deadline_id(id);
  if (facts.armed != nullptr) {
    const csec::dispatch::v1::DeadlineArmed& armed = facts.armed->deadline_armed();
    if (armed.has_due_at()) *status.mutable_due_at() = armed.due_at();
    status.set_config_version(armed.config_version());
  }
  if (!status.has_due_at() && facts.reported_due_at.has_value()) {
    *status.mutable_due_at() = *facts.reported_due_at;
  }
  if (facts.missed != nullptr) {
    const csec::dispatch::v1::DeadlineMissed& missed = facts.missed->deadline_missed();
    *status.mutable_missed_at() = missed.has_fired_at() ? missed.fired_at() : facts.missed->occurred_at();
    for (const std::string& who : missed.escalate_to()) status.add_escalate_to(who);
    if (status.config_version().empty()) status.set_config_version(missed.config_version());
  }
  if (facts.met_at.has_value()) *status.mutable_met_at() = ToProtoTime(*facts.met_at);

  // A fact that happened in time is MET even when it was reported after the timer fired; a
  // deadline with no known due instant cannot be called late.
  DeadlineState state = csec::dispatch::v1::DEADLINE_STATE_PENDING;
  if (facts.met_at.has_value()) {
    state = !status.has_due_at() || *facts.met_at <= FromProtoTime(status.due_at())
                ? csec::dispatch::v1::DEADLINE_STATE_MET
                : csec::dispatch::v1::DEADLINE_STATE_MET_LATE;
  } else if (facts.missed != nullptr) {
    state = csec::dispatch::v1::DEADLINE_STATE_MISSED;
  } else if (facts.cancelled) {
    state = csec::dispatch::v1::DEADLINE_STATE_CANCELLED;
  }
  status.set_state(state);
  return status;
}

// The protocol's deadlines in kAllDeadlineIds order, then any other id alphabetically.
std::vector<std::string> DeadlineOrder(const std::map<std::string, DeadlineFacts>& deadlines) {
  std::vector<std::string> order;
  for (absl::string_view id : kAllDeadlineIds) {
    if (deadlines.contains(std::string(id))) order.emplace_back(id);
  }
  for (const auto& [id, facts] : deadlines) {
    if (std::find(kAllDeadlineIds.begin(), kAllDeadlineIds.end(), id) == kAllDeadlineIds.end()) {
      order.push_back(id);  // a map: already alphabetical
    }
  }
  return order;
}

}  // namespace

CaseView BuildCaseView(const std::string& case_id, std::vector<Envelope> events) {
  // Another case's event has no business here; leave it out rather than mix two stories.
  std::erase_if(events, [&](const Envelope& e) { return !e.case_id().empty() && e.case_id() != case_id; });

  // Order: occurred_at, ties broken by event id, so the view never depends on the order the
  // events were read in. The store keys events by id; a repeated id (a copy) is dropped.
  std::sort(events.begin(), events.end(), [](const Envelope& a, const Envelope& b) {
    if (TimeKey(a.occurred_at()) != TimeKey(b.occurred_at())) {
      return TimeKey(a.occurred_at()) < TimeKey(b.occurred_at());
    }
    return a.event_id() < b.event_id();
  });
  events.erase(std::unique(events.begin(), events.end(),
                           [](const Envelope& a, const Envelope& b) { return a.event_id() == b.event_id(); }),
               events.end());

  CaseView view;
  view.set_case_id(case_id);
  view.set_version(static_cast<int64_t>(events.size()));

  const Envelope* referral = nullptr;
  std::vector<Timed<ArrivalRecorded>> arrivals;
  std::vector<Timed<MdtRecorded>> mdts;
  std::vector<Timed<PlacementRecorded>> placements;
  std::vector<Timed<MedicalExamRecorded>> exams;
  std::vector<Timed<CaseClosed>> closures;
  std::map<std::string, DeadlineFacts> deadlines;  // by deadline id
  // The facts of a deadline event; none for one that names no deadline.
  auto deadline = [&deadlines](const std::string& id) -> DeadlineFacts* {
    return id.empty() ? nullptr : &deadlines[id];
  };

  // The Medical Hub story, told as the medical service tells it (services/medical/medical_view.h).
  MedicalView medical;
  bool any_medical = false;
  auto ApplyMedical = [&](const Envelope& e) { any_medical |= ApplyToMedicalView(e, &medical); };

  std::vector<std::string> page_order;
  std::map<std::string, PageSummary> pages;  // by page id
  auto PageOf = [&](const std::string& page_id) -> PageSummary& {
    auto [it, added] = pages.try_emplace(page_id);
    if (added) {
      it->second.set_page_id(page_id);
      page_order.push_back(page_id);
    }
    return it->second;
  };

  for (const Envelope& e : events) {
    switch (e.body_case()) {
      case Envelope::kReferralReceived:
        if (referral == nullptr) referral = &e;
        break;
      case Envelope::kCaseRouted:
        *view.mutable_routing() = e.case_routed();  // events are in order: the latest wins
        break;
      case Envelope::kArrivalRecorded: {
        const ArrivalRecorded& a = e.arrival_recorded();
        arrivals.push_back({FactTime(e), &a});
        break;
      }
      case Envelope::kMdtRecorded: {
        const MdtRecorded& m = e.mdt_recorded();
        mdts.push_back({FactTime(e), &m});
        break;
      }
      case Envelope::kPlacementRecorded: {
        const PlacementRecorded& p = e.placement_recorded();
        placements.push_back({FactTime(e), &p});
        break;
      }
      case Envelope::kMedicalExamRecorded: {
        const MedicalExamRecorded& m = e.medical_exam_recorded();
        exams.push_back({FactTime(e), &m});
        // Intake and the medical service may both record the exam: as the medical service
        // does, the first completes it and a later record adds nothing to the medical story.
        if (medical.status() != csec::dispatch::v1::MEDICAL_STATUS_COMPLETED) ApplyMedical(e);
        break;
      }
      case Envelope::kMedicalAppointmentScheduled:
      case Envelope::kMedicalSchedulingFailed:
      case Envelope::kMedicalNoShowRecorded:
      case Envelope::kMedicalAppointmentCancelled:
        ApplyMedical(e);
        break;
      case Envelope::kCaseClosed: {
        const CaseClosed& c = e.case_closed();
        closures.push_back({FactTime(e), &c});
        break;
      }
      case Envelope::kDeadlineArmed:
        if (DeadlineFacts* d = deadline(e.deadline_armed().deadline_id()); d && d->armed == nullptr) {
          d->armed = &e;  // events are in order: the first arming wins
        }
        break;
      case Envelope::kDeadlineMet:
        if (DeadlineFacts* d = deadline(e.deadline_met().deadline_id())) {
          const csec::dispatch::v1::DeadlineMet& met = e.deadline_met();
          const absl::Time at = FactTime(e);
          if (!d->met_at.has_value() || at < *d->met_at) d->met_at = at;
          NoteDueAt(*d, met.has_due_at(), met.due_at());
        }
        break;
      case Envelope::kDeadlineMissed:
        if (DeadlineFacts* d = deadline(e.deadline_missed().deadline_id())) {
          if (d->missed == nullptr) d->missed = &e;
          NoteDueAt(*d, e.deadline_missed().has_due_at(), e.deadline_missed().due_at());
        }
        break;
      case Envelope::kDeadlineCancelled:
        if (DeadlineFacts* d = deadline(e.deadline_cancelled().deadline_id())) {
          d->cancelled = true;
          NoteDueAt(*d, e.deadline_cancelled().has_due_at(), e.deadline_cancelled().due_at());
        }
        break;
      case Envelope::kPageSent: {
        PageSummary& page = PageOf(e.page_sent().page_id());
        page.set_role(e.page_sent().role());
        page.set_reason(e.page_sent().reason());
        page.set_attempts(std::max(page.attempts(), e.page_sent().attempt()));
        if (page.state() == csec::dispatch::v1::PAGE_STATE_UNSPECIFIED)
          page.set_state(csec::dispatch::v1::PAGE_STATE_OPEN);
        const auto& people = page.paged_person_ids();
        if (std::find(people.begin(), people.end(), e.page_sent().person_id()) == people.end()) {
          page.add_paged_person_ids(e.page_sent().person_id());
        }
        break;
      }
      case Envelope::kPageAcknowledged: {
        PageSummary& page = PageOf(e.page_acknowledged().page_id());
        if (page.state() != csec::dispatch::v1::PAGE_STATE_CLOSED)
          page.set_state(csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED);
        page.set_acknowledged_by(e.page_acknowledged().person_id());
        break;
      }
      case Envelope::kChainExhausted: {
        PageSummary& page = PageOf(e.chain_exhausted().page_id());
        if (page.state() == csec::dispatch::v1::PAGE_STATE_OPEN)
          page.set_state(csec::dispatch::v1::PAGE_STATE_EXHAUSTED);
        break;
      }
      case Envelope::kPageClosed:
        PageOf(e.page_closed().page_id()).set_state(csec::dispatch::v1::PAGE_STATE_CLOSED);
        break;
      case Envelope::kPageDelivered:  // how a page reached someone: paging's own record
      case Envelope::kPageDeliveryFailed:
      case Envelope::kPageDeclined:  // what followed shows as the page's next attempt
      case Envelope::kPageEscalated:
      case Envelope::kStepSkipped:
      case Envelope::kShiftStarting:  // roster events: not about a case
      case Envelope::kRosterChanged:
      case Envelope::kHubDayChanged:     // a hub's calendar (case id "hub:<id>"): not a case's
      case Envelope::kDeadlineReminder:  // a nudge before the due time: changes no state
      case Envelope::kWaitRequested:     // other services' waits are their own business
      case Envelope::kWaitCancelled:
      case Envelope::kWaitFired:
        break;
      case Envelope::BODY_NOT_SET:
        break;  // a body this build does not know: counted in version, nothing else
    }
  }
  SortByTime(arrivals);
  SortByTime(mdts);
  SortByTime(placements);
  SortByTime(exams);
  SortByTime(closures);

  for (const auto& a : arrivals) *view.add_arrivals() = *a.fact;
  for (const auto& m : mdts) *view.add_mdts() = *m.fact;
  if (!placements.empty()) *view.mutable_placement() = *placements.back().fact;
  if (!exams.empty()) *view.mutable_medical_exam() = *exams.front().fact;
  if (!closures.empty()) *view.mutable_closed() = *closures.front().fact;
  if (any_medical) *view.mutable_medical() = std::move(medical);

  for (const std::string& id : DeadlineOrder(deadlines)) {
    *view.add_deadlines() = FoldDeadline(id, deadlines.at(id));
  }
  for (const std::string& id : page_order) *view.add_pages() = pages.at(id);

  if (referral == nullptr) return view;

  *view.mutable_referral() = referral->referral_received().referral();
  if (view.referral().has_youth()) view.mutable_referral()->mutable_youth()->clear_identity();
  view.set_referral_event_id(referral->event_id());
  *view.mutable_reported_at() = referral->occurred_at();
  return view;
}

}  // namespace csec::intake
