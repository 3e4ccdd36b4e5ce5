// The medical service's Redis state (medical_store.h) as its events tell it, pure: what a rebuild
// writes back after Redis lost it. Fed in each topic's order (a case's events keep their order
// within a topic):
//   - csec.routing.v1: CaseRouted, the inputs of a case's slot search;
//   - csec.medical.v1: every booking, failure, no-show, cancellation and exam, and the hub days'
//     coordinator changes (HubDayChanged);
//   - csec.intake.v1: CaseClosed, and exams recorded through intake.
//
//   MedicalReplay replay;
//   for (each event of each topic) replay.Apply(event, bytes);
//   for (const auto& [id, state] : replay.Cases()) ...   // MedicalCaseState, as the handler saves it
//
// Slot holders follow the booking script's rules: a booking takes its slot, and frees the one of
// the appointment it replaces; a cancellation frees its slot; a no-show or an exam frees nothing.
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_REPLAY_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_REPLAY_H_

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/medical_state.pb.h"

namespace csec::medical {

class MedicalReplay {
 public:
  using HubDate = std::pair<std::string, std::string>;  // hub id, local date
  struct Day {
    std::map<int, std::string> holders;                            // slot → "<case id>|<appointment id>"
    std::optional<csec::dispatch::v1::HubDayChanged> coordinator;  // the latest change, by version
  };

  void Apply(const csec::dispatch::v1::Envelope& event, const std::string& bytes);

  // Every case the medical service acted on (booked, failed, or closed), as it would have saved it.
  std::map<std::string, csec::dispatch::v1::MedicalCaseState> Cases() const;
  // Every appointment ever booked → "<hub>|<date>|<slot>" (the booking record: a replay of the
  // same appointment id gets that slot back, and takes no other).
  const std::map<std::string, std::string>& bookings() const { return bookings_; }
  const std::map<HubDate, Day>& days() const { return days_; }
  // SetHubDay requests applied: (hub, request id) → the HubDayChanged envelope's bytes.
  const std::map<HubDate, std::string>& hub_requests() const { return hub_requests_; }

 private:
  void ApplyMedical(const csec::dispatch::v1::Envelope& event, const std::string& bytes);
  void Free(const std::string& appointment_id);

  std::map<std::string, csec::dispatch::v1::CaseRouted> routed_;
  std::map<std::string, csec::dispatch::v1::MedicalCaseState> cases_;
  std::map<std::string, std::string> bookings_;
  std::map<HubDate, Day> days_;
  std::map<HubDate, std::string> hub_requests_;
};

}  // namespace csec::medical

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_REPLAY_H_
