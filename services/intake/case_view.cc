#include "services/intake/case_view.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/string_view.h"
#include "services/common/clock.h"

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
using csec::dispatch::v1::PlacementRecorded;
using google::protobuf::Timestamp;

std::tuple<int64_t, int32_t> TimeKey(const Timestamp& t) { return {t.seconds(), t.nanos()}; }

// When a fact happened: its own time, or the envelope's if the fact carries none.
absl::Time FactTime(bool has_own, const Timestamp& own, const Envelope& e) {
  return FromProtoTime(has_own ? own : e.occurred_at());
}

// A fact with the time it happened; a vector of them is kept in event order and then
// stable-sorted by time, so equal times keep the (deterministic) event order.
template <typename T>
struct Timed {
  absl::Time at;
  const T* fact;
};

template <typename T>
void SortByTime(std::vector<Timed<T>>& facts) {
  std::stable_sort(facts.begin(), facts.end(),
                   [](const Timed<T>& a, const Timed<T>& b) { return a.at < b.at; });
}

void AddDeadline(const ProtocolConfig& config, absl::string_view id, absl::Time start,
                 std::optional<absl::Time> met_at, absl::Time now, CaseView& view) {
  const Deadline* deadline = config.FindDeadline(id);
  if (deadline == nullptr) return;  // the config validator decides which are required
  const absl::Time due = start + deadline->duration;
  DeadlineStatus& status = *view.add_deadlines();
  status.set_deadline_id(std::string(id));
  *status.mutable_due_at() = ToProtoTime(due);
  DeadlineState state;
  if (met_at.has_value()) {
    *status.mutable_met_at() = ToProtoTime(*met_at);
    state = *met_at <= due ? csec::dispatch::v1::DEADLINE_STATE_MET
                           : csec::dispatch::v1::DEADLINE_STATE_MET_LATE;
  } else {
    state = now >= due ? csec::dispatch::v1::DEADLINE_STATE_MISSED
                       : csec::dispatch::v1::DEADLINE_STATE_PENDING;
  }
  status.set_state(state);
  for (const std::string& who : deadline->escalate_to) status.add_escalate_to(who);
}

}  // namespace

CaseView BuildCaseView(const std::string& case_id, std::vector<Envelope> events,
                       const ProtocolConfig& config, absl::Time now) {
  // Another case's event has no business here; leave it out rather than mix two stories.
  std::erase_if(events, [&](const Envelope& e) {
    return !e.case_id().empty() && e.case_id() != case_id;
  });

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
  view.set_config_version(config.version);

  const Envelope* referral = nullptr;
  std::vector<Timed<ArrivalRecorded>> arrivals;
  std::vector<Timed<MdtRecorded>> mdts;
  std::vector<Timed<PlacementRecorded>> placements;
  std::vector<Timed<MedicalExamRecorded>> exams;
  std::vector<Timed<CaseClosed>> closures;

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
        arrivals.push_back({FactTime(a.has_arrived_at(), a.arrived_at(), e), &a});
        break;
      }
      case Envelope::kMdtRecorded: {
        const MdtRecorded& m = e.mdt_recorded();
        mdts.push_back({FactTime(m.has_held_at(), m.held_at(), e), &m});
        break;
      }
      case Envelope::kPlacementRecorded: {
        const PlacementRecorded& p = e.placement_recorded();
        placements.push_back({FactTime(p.has_placed_at(), p.placed_at(), e), &p});
        break;
      }
      case Envelope::kMedicalExamRecorded: {
        const MedicalExamRecorded& m = e.medical_exam_recorded();
        exams.push_back({FactTime(m.has_examined_at(), m.examined_at(), e), &m});
        break;
      }
      case Envelope::kCaseClosed: {
        const CaseClosed& c = e.case_closed();
        closures.push_back({FactTime(c.has_closed_at(), c.closed_at(), e), &c});
        break;
      }
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

  if (referral == nullptr) return view;  // no clock runs before the referral is known

  *view.mutable_referral() = referral->referral_received().referral();
  if (view.referral().has_youth()) view.mutable_referral()->mutable_youth()->clear_identity();
  view.set_referral_event_id(referral->event_id());
  *view.mutable_reported_at() = referral->occurred_at();

  // T0 of the protocol: when the youth was identified.
  const absl::Time t0 = view.referral().has_identified_at()
                            ? FromProtoTime(view.referral().identified_at())
                            : FromProtoTime(view.reported_at());

  auto first_arrival = [&](csec::dispatch::v1::ResponderRole role) -> std::optional<absl::Time> {
    for (const auto& a : arrivals) {
      if (a.fact->role() == role) return a.at;
    }
    return std::nullopt;
  };
  auto first = [](const auto& facts) -> std::optional<absl::Time> {
    if (facts.empty()) return std::nullopt;
    return facts.front().at;
  };
  AddDeadline(config, kResponderArrivalDeadline, t0,
              first_arrival(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER), now, view);
  AddDeadline(config, kAdvocateArrivalDeadline, t0,
              first_arrival(csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE), now, view);
  AddDeadline(config, kMedicalExamDeadline, t0, first(exams), now, view);
  AddDeadline(config, kInitialMdtDeadline, t0, first(mdts), now, view);

  // SODA/PAD stay: the latest run of SODA/PAD placements (a move between beds is one stay),
  // ended by the next placement of another kind or by the case's closure.
  const auto is_soda = [](const Timed<PlacementRecorded>& p) {
    return p.fact->kind() == csec::dispatch::v1::PLACEMENT_KIND_SODA_PAD_BED;
  };
  const auto last_soda = std::find_if(placements.rbegin(), placements.rend(), is_soda);
  if (last_soda != placements.rend()) {
    auto stay_begin = last_soda.base() - 1;  // the last SODA/PAD placement
    while (stay_begin != placements.begin() && is_soda(*(stay_begin - 1))) --stay_begin;
    const absl::Time stay_start = stay_begin->at;
    std::optional<absl::Time> ended;
    if (last_soda.base() != placements.end()) ended = last_soda.base()->at;  // another kind
    if (!closures.empty()) {
      // A closure recorded before the placement's time still leaves no stay open.
      const absl::Time closed = std::max(closures.front().at, stay_start);
      ended = ended.has_value() ? std::min(*ended, closed) : closed;
    }
    AddDeadline(config, kSodaPadStayDeadline, stay_start, ended, now, view);
  }
  return view;
}

}  // namespace csec::intake
