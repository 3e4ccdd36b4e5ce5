// The Medical Hubs' calendars (deploy/config/medical.yaml, --medical_config): opening hours by
// weekday in the county's time zone, the length of an exam (which spaces the day's exam times),
// and how soon after a booking the youth can be at a hub. The hubs themselves (area, daily
// capacity, location) stay in protocol.yaml; every hub there has hours here (its own or the
// file's defaults), and a hub here that protocol.yaml does not know is refused.
//
//   lead_time_minutes: 60          # no slot starts sooner than this after identification or booking
//   default_hours:
//     exam_minutes: 60
//     monday: "08:00-17:00"        # ... sunday; "closed" or absent: closed that weekday
//   hubs:
//     - id: hub-lac-usc
//       exam_minutes: 45
//       hours: {monday: "08:00-20:00", saturday: "09:00-13:00"}   # replaces the defaults
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_CONFIG_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_CONFIG_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/domain/protocol_config.h"

namespace csec::medical {

// One weekday's hours, in minutes after local midnight; open < close <= 24*60.
struct OpeningHours {
  int open_minute = 0;
  int close_minute = 0;
};

struct HubCalendar {
  std::string hub_id;
  std::string area_id;  // protocol.yaml
  // Indexed by DayIndex (monday 0 ... sunday 6); nullopt: closed that weekday.
  std::array<std::optional<OpeningHours>, 7> hours = {};
  absl::Duration exam_length = absl::Hours(1);  // > 0; exam i of a day starts open + i * exam_length
  int daily_capacity = 0;                       // protocol.yaml: exams a day, unless a coordinator changes a day
  std::optional<double> latitude;
  std::optional<double> longitude;
};

// monday 0 ... sunday 6.
int DayIndex(absl::Weekday weekday);

struct MedicalConfig {
  std::string path;
  std::string version;                      // first 12 hex digits of the SHA-256 of the file's bytes
  absl::TimeZone time_zone;                 // the protocol config's
  absl::Duration window = absl::Hours(72);  // protocol.yaml deadlines.medical_exam
  absl::Duration lead_time = absl::Hours(1);
  std::vector<HubCalendar> hubs;  // one per protocol.yaml hub, in its order

  const HubCalendar* FindHub(absl::string_view hub_id) const;  // nullptr when unknown
};

// Errors (InvalidArgument) list every problem, one a line: "<file>: key '<path>': <problem>".
absl::StatusOr<MedicalConfig> ParseMedicalConfig(absl::string_view yaml_text, absl::string_view file_name,
                                                 const ProtocolConfig& protocol);
absl::StatusOr<MedicalConfig> LoadMedicalConfig(const std::string& path, const ProtocolConfig& protocol);

}  // namespace csec::medical

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_CONFIG_H_
