#include "services/medical/medical_replay.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/base/clock.h"
#include "services/common/domain/events.h"
#include "services/medical/medical_view.h"

namespace csec::medical {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::MedicalCaseState;

void MedicalReplay::Apply(const Envelope& event, const std::string& bytes) {
  const std::string& case_id = event.case_id();
  switch (event.body_case()) {
    case Envelope::kCaseRouted: {
      csec::dispatch::v1::CaseRouted routed = event.case_routed();
      if (!routed.has_identified_at())
        *routed.mutable_identified_at() = ToProtoTime(IdentifiedAt(event));  // as the handler does
      routed_.emplace(case_id, std::move(routed));  // the first: a re-routed case keeps its first booking
      return;
    }
    case Envelope::kCaseClosed: {
      MedicalCaseState& state = cases_[case_id];
      state.set_case_id(case_id);
      state.set_closed(true);
      return;
    }
    case Envelope::kMedicalExamRecorded:
      if (event.producer() != "medical") {  // recorded through intake: applied unless done already
        auto it = cases_.find(case_id);
        if (it != cases_.end() && it->second.view().status() != csec::dispatch::v1::MEDICAL_STATUS_COMPLETED) {
          ApplyToMedicalView(event, it->second.mutable_view());
        }
        return;
      }
      break;
    default:
      break;
  }
  if (event.producer() == "medical") ApplyMedical(event, bytes);
}

void MedicalReplay::ApplyMedical(const Envelope& event, const std::string& bytes) {
  if (event.has_hub_day_changed()) {
    const auto& change = event.hub_day_changed();
    const HubDate day{change.hub_id(), change.local_date()};
    std::optional<csec::dispatch::v1::HubDayChanged>& latest = days_[day].coordinator;
    if (!latest || latest->version() < change.version()) latest = change;
    if (!event.request_id().empty()) hub_requests_[{change.hub_id(), event.request_id()}] = bytes;
    return;
  }
  MedicalCaseState& state = cases_[event.case_id()];
  state.set_case_id(event.case_id());
  if (event.has_medical_appointment_scheduled()) {
    const auto& scheduled = event.medical_appointment_scheduled();
    const auto& a = scheduled.appointment();
    state.set_bookings(std::max(state.bookings(), scheduled.booking_number()));
    if (!scheduled.replaces_appointment_id().empty()) Free(scheduled.replaces_appointment_id());
    bookings_[a.appointment_id()] = absl::StrCat(a.hub_id(), "|", a.local_date(), "|", a.slot_index());
    days_[{a.hub_id(), a.local_date()}].holders[a.slot_index()] =
        absl::StrCat(event.case_id(), "|", a.appointment_id());
  } else if (event.has_medical_scheduling_failed()) {
    state.set_bookings(std::max(state.bookings(), event.medical_scheduling_failed().booking_number()));
  } else if (event.has_medical_appointment_cancelled()) {
    Free(event.medical_appointment_cancelled().appointment_id());
  }
  ApplyToMedicalView(event, state.mutable_view());
  if (!event.request_id().empty() && std::find(state.request_ids().begin(), state.request_ids().end(),
                                               event.request_id()) == state.request_ids().end()) {
    state.add_request_ids(event.request_id());
  }
}

void MedicalReplay::Free(const std::string& appointment_id) {
  auto booking = bookings_.find(appointment_id);
  if (booking == bookings_.end()) return;
  const std::vector<std::string> parts = absl::StrSplit(booking->second, '|');
  int slot = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &slot)) return;
  auto day = days_.find({parts[0], parts[1]});
  if (day == days_.end()) return;
  auto holder = day->second.holders.find(slot);
  // Only if this appointment still holds it, as the scripts check.
  if (holder != day->second.holders.end() && absl::EndsWith(holder->second, absl::StrCat("|", appointment_id))) {
    day->second.holders.erase(holder);
  }
}

std::map<std::string, MedicalCaseState> MedicalReplay::Cases() const {
  std::map<std::string, MedicalCaseState> cases = cases_;
  for (auto& [case_id, state] : cases) {
    auto routed = routed_.find(case_id);
    if (routed == routed_.end()) continue;
    state.set_area_id(routed->second.area_id());
    state.clear_candidate_hub_ids();
    for (const std::string& hub : routed->second.candidate_hub_ids()) state.add_candidate_hub_ids(hub);
    *state.mutable_identified_at() = routed->second.identified_at();
    state.set_medical_emergency(routed->second.medical_emergency());
  }
  return cases;
}

}  // namespace csec::medical
