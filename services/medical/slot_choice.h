// The choice of an exam slot, pure: no Redis, no Kafka, no clock. The service asks RankSlots for
// every (hub, day) that fits the window, best first, and books the first with a free slot
// (atomically, in Redis); ExplainChoice and ExplainFailure say why, for people.
//
// The order the protocol asks for: the earliest local day first (the identification's day, then
// the next...), and on each day the hub serving the case's area, then the next nearest hub. An
// immediate medical need asks for the soonest slot at any hub instead: by start time, then hub.
#ifndef CSEC_SERVICES_MEDICAL_SLOT_CHOICE_H_
#define CSEC_SERVICES_MEDICAL_SLOT_CHOICE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/medical/medical_config.h"

namespace csec::medical {

// Exams a hub can hold on `day` at its configured hours (0 when closed that weekday).
int SlotsOn(const HubCalendar& hub, absl::CivilDay day);
// Slot `slot` of `day`: starts at open + slot * exam_length local time (in `zone`), lasts exam_length.
absl::Time SlotStart(const HubCalendar& hub, absl::CivilDay day, int slot, absl::TimeZone zone);
absl::Time SlotEnd(const HubCalendar& hub, absl::CivilDay day, int slot, absl::TimeZone zone);

// "2026-03-06" <-> CivilDay. ParseLocalDate fails on anything else (std::nullopt).
std::string FormatLocalDate(absl::CivilDay day);
std::optional<absl::CivilDay> ParseLocalDate(absl::string_view text);

// The hubs in the order a case tries them on any one day: `candidate_hub_ids` (the case's area's
// list from CaseRouted, nearest first; unknown ids dropped), then every other configured hub by
// distance from the first candidate (hubs without coordinates last, in config order).
std::vector<std::string> HubOrder(const MedicalConfig& config, const std::vector<std::string>& candidate_hub_ids);

struct SlotRef {
  std::string hub_id;
  absl::CivilDay day;
  int slot_index = 0;
};

struct SlotSearch {
  std::string area_id;  // for the reasons
  absl::Time identified_at;
  absl::Time not_before;                   // no slot starts earlier: max(identified_at, now) + lead_time
  absl::Time window_ends_at;               // identified_at + window: a slot must end by then
  std::vector<std::string> hub_order;      // HubOrder
  bool emergency = false;                  // soonest slot at any hub: each slot its own group, by start time
  std::optional<std::string> only_hub;     // a reschedule to one hub
  std::optional<absl::CivilDay> only_day;  // a reschedule to one day
  std::optional<SlotRef> exclude;          // a reschedule never takes the current slot
};

// The search for a case identified at `identified_at` (the window's start: never the time of
// asking), asked at `now`: not_before = max(identified_at, now) + config.lead_time (the time to
// get the youth there), window_ends_at = identified_at + config.window, hub_order = HubOrder(config,
// candidate_hub_ids).
SlotSearch NewSlotSearch(const MedicalConfig& config, absl::string_view area_id, absl::Time identified_at,
                         absl::Time now, const std::vector<std::string>& candidate_hub_ids);

// Consecutive slots of one hub on one local day that fit the search, earliest first.
struct SlotGroup {
  std::string hub_id;
  absl::CivilDay day;
  int first_slot = 0;
  int last_slot = 0;  // inclusive
  int capacity = 0;   // the configured daily capacity; the booking applies a coordinator's change
  int hub_rank = 0;   // position in hub_order
};

// Every group that fits, best first (see the file comment). Closed weekdays, slots starting
// before not_before or ending after window_ends_at, and the excluded slot make no group.
std::vector<SlotGroup> RankSlots(const MedicalConfig& config, const SlotSearch& search);

// Why ranked[chosen] (with slot `slot_index`) was booked: its day relative to the
// identification's local day, its hub relative to the case's area, and, when groups before it
// were passed over, that they were full or closed. E.g. "same day (2026-03-06) at hub-lac-usc,
// the hub serving spa-4" or "next day (2026-03-07) at hub-chla, 2nd nearest hub for spa-4:
// hub-lac-usc full or closed that day". Emergency: "soonest slot at any hub: ...".
std::string ExplainChoice(const MedicalConfig& config, const SlotSearch& search, const std::vector<SlotGroup>& ranked,
                          size_t chosen);

struct SchedulingFailure {
  std::string cause;  // "window_passed", "hubs_closed", "no_capacity"
  std::string why;    // names the window and what was tried
};
// Nothing was booked: `closed_groups` of the ranked groups were closed by a coordinator and the
// rest were full. No ranked group at all: the window has passed (not_before + an exam beyond
// window_ends_at) or every hub's hours are closed inside it.
SchedulingFailure ExplainFailure(const MedicalConfig& config, const SlotSearch& search,
                                 const std::vector<SlotGroup>& ranked, int closed_groups);

}  // namespace csec::medical

#endif  // CSEC_SERVICES_MEDICAL_SLOT_CHOICE_H_
