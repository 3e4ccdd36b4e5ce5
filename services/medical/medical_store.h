// The medical service's state in Redis (keys: redis_keys.h, "The medical service"): hub days and
// their booked slots, bookings by appointment id, each case's MedicalCaseState, and short locks
// that keep two changes of one case (the consumer's and a gRPC call's, in any process) apart.
//
// Booking is one Lua script: it takes the first free slot of the first group (in the order given)
// whose day is open and under capacity, records the booking under its appointment id, and
// releases the appointment it replaces, atomically. The same appointment id again returns the
// slot it already holds: a replayed event books nothing new.
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_STORE_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/medical_state.pb.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/redis/redis.h"
#include "services/medical/medical_replay.h"
#include "services/medical/slot_choice.h"

namespace csec::medical {

struct BookingOutcome {
  bool booked = false;
  SlotRef slot = {};
  int group_index = -1;   // which of the groups given; -1 when the booking already existed
  bool existed = false;   // the appointment id held this slot already (a replay)
  int closed_groups = 0;  // when nothing was booked: groups whose day a coordinator closed
};

// One hub day as Redis has it.
struct HubDayState {
  std::map<int, std::string> booked_case_by_slot;  // slot → case id
  int booked = 0;
  std::optional<int> capacity;        // a coordinator's, else the configured one applies
  std::optional<std::string> closed;  // reason, when a coordinator closed the day
  int64_t version = 0;                // of the last coordinator change applied
};

class MedicalStore {
 public:
  explicit MedicalStore(RedisClient* redis) : redis_(redis) {}

  // Takes the case's (or "hub:<id>"'s) lock, waiting until `deadline`; Unavailable when another
  // holder keeps it that long. The lock expires by itself after `lease` (a holder that died).
  absl::StatusOr<std::string> Lock(const std::string& subject, absl::Time deadline,
                                   absl::Duration lease = absl::Seconds(30));
  void Unlock(const std::string& subject, const std::string& token);

  absl::StatusOr<std::optional<csec::dispatch::v1::MedicalCaseState>> LoadCase(const std::string& case_id);
  absl::Status SaveCase(const csec::dispatch::v1::MedicalCaseState& state);

  // `replaces`: the appointment this booking replaces, released only if this one is booked.
  absl::StatusOr<BookingOutcome> Book(const std::string& appointment_id, const std::string& case_id,
                                      const std::vector<SlotGroup>& groups,
                                      const std::optional<std::pair<SlotRef, std::string>>& replaces);
  // Frees the slot if `appointment_id` still holds it.
  absl::Status Release(const SlotRef& slot, const std::string& appointment_id);

  absl::StatusOr<HubDayState> ReadDay(const std::string& hub_id, const std::string& local_date);
  // A coordinator's change number `version` of the day: capacity (-1: back to configured) and
  // closed (with reason). Applied only over an older version; returns the day after.
  absl::StatusOr<HubDayState> SetDay(const std::string& hub_id, const std::string& local_date, int capacity,
                                     bool closed, const std::string& reason, int64_t version);

  // The HubDayChanged (bytes) a SetHubDay request id produced, if it was applied before.
  absl::StatusOr<std::optional<std::string>> HubRequest(const std::string& hub_id, const std::string& request_id);
  absl::Status RememberHubRequest(const std::string& hub_id, const std::string& request_id, const std::string& event);

  // After Redis lost the medical state (no epoch): writes back what `replay` derived from Kafka,
  // never over what is already there. Changes above answer Unavailable while the epoch is missing.
  absl::Status Restore(const MedicalReplay& replay);

 private:
  RedisClient* redis_;
};

// After Redis lost the medical state: reads csec.routing.v1, csec.medical.v1 and csec.intake.v1
// whole (MedicalReplay) and restores bookings, slot holders, hub days, case states and applied
// requests. Idempotent; `events` counts the events read.
absl::Status RebuildMedicalState(MedicalStore* store, const KafkaSettings& kafka, int64_t* events);

}  // namespace csec::medical

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_STORE_H_
