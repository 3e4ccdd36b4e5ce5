#include "services/medical/medical_config.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/yaml_config.h"

namespace csec::medical {
namespace {

constexpr size_t kVersionHexDigits = 12;
constexpr int kMinutesPerDay = 24 * 60;
constexpr int64_t kDefaultExamMinutes = 60;

// Indexed by DayIndex.
constexpr std::array<absl::string_view, 7> kWeekdayKeys = {"monday", "tuesday",  "wednesday", "thursday",
                                                           "friday", "saturday", "sunday"};

using Week = std::array<std::optional<OpeningHours>, 7>;

std::string FormatMinute(int minute) { return absl::StrFormat("%02d:%02d", minute / 60, minute % 60); }

std::string FormatHours(const OpeningHours& hours) {
  return absl::StrCat(FormatMinute(hours.open_minute), "-", FormatMinute(hours.close_minute));
}

// "HH:MM", 00:00 to 24:00, as minutes after local midnight.
std::optional<int> ParseClock(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(text[i])) return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return hours * 60 + minutes;
}

// "HH:MM-HH:MM" into `hours`; on failure, the problem.
std::optional<std::string> ParseOpeningHours(absl::string_view text, OpeningHours& hours) {
  const size_t dash = text.find('-');
  std::optional<int> open;
  std::optional<int> close;
  if (dash != absl::string_view::npos) {
    open = ParseClock(text.substr(0, dash));
    close = ParseClock(text.substr(dash + 1));
  }
  if (!open || !close) {
    return absl::StrCat(
        "must be opening hours written \"HH:MM-HH:MM\" (local time, 00:00 to 24:00, "
        "e.g. \"08:00-17:00\") or \"closed\", got \"",
        text, "\"");
  }
  if (*open >= *close) {
    return absl::StrCat("must open before it closes (\"HH:MM-HH:MM\", the same day), got \"", text, "\"");
  }
  hours.open_minute = *open;
  hours.close_minute = *close;
  return std::nullopt;
}

// The weekday keys of `map` (absent, null or "closed": closed). Other keys are the caller's.
Week ReadWeek(YamlMap& map) {
  Week week;
  for (size_t day = 0; day < kWeekdayKeys.size(); ++day) {
    std::optional<std::string> text = map.OptionalString(kWeekdayKeys[day]);
    if (!text || *text == "closed") continue;
    OpeningHours hours;
    if (std::optional<std::string> problem = ParseOpeningHours(*text, hours)) {
      map.AddError(kWeekdayKeys[day], *problem);
      continue;
    }
    week[day] = hours;
  }
  return week;
}

bool AnyOpen(const Week& week) {
  for (const std::optional<OpeningHours>& hours : week) {
    if (hours) return true;
  }
  return false;
}

// An optional `exam_minutes` of `map`: a positive integer, at most a day.
std::optional<int64_t> ReadExamMinutes(YamlMap& map) {
  if (!map.Has("exam_minutes")) return std::nullopt;
  const int64_t minutes = map.PositiveInt("exam_minutes");
  if (minutes <= 0) return std::nullopt;  // reported
  if (minutes > kMinutesPerDay) {
    map.AddError("exam_minutes", absl::StrCat("must be at most ", kMinutesPerDay, " (a day), got ", minutes));
    return std::nullopt;
  }
  return minutes;
}

// Reports each open weekday of `week` (keys of `hours_map`) too short for one exam.
void CheckExamFitsOwnHours(YamlMap& hours_map, const Week& week, int64_t exam_minutes, absl::string_view exam_source) {
  for (size_t day = 0; day < week.size(); ++day) {
    if (!week[day]) continue;
    const int length = week[day]->close_minute - week[day]->open_minute;
    if (length >= exam_minutes) continue;
    hours_map.AddError(kWeekdayKeys[day], absl::StrCat("is open ", length, " minutes (", FormatHours(*week[day]),
                                                       "), shorter than one exam (", exam_minutes, " minutes, ",
                                                       exam_source, "): no exam fits that day"));
  }
}

struct Defaults {
  Week week;
  int64_t exam_minutes = kDefaultExamMinutes;
  bool present = false;
};

Defaults ReadDefaults(YamlMap& root) {
  Defaults defaults;
  if (!root.Has("default_hours")) return defaults;
  std::optional<YamlMap> map = root.Map("default_hours");
  if (!map) return defaults;  // reported by Map
  defaults.present = true;
  if (std::optional<int64_t> exam = ReadExamMinutes(*map)) defaults.exam_minutes = *exam;
  defaults.week = ReadWeek(*map);
  map->RejectUnknownKeys();
  CheckExamFitsOwnHours(*map, defaults.week, defaults.exam_minutes,
                        map->Has("exam_minutes") ? "default_hours.exam_minutes" : "the default");
  return defaults;
}

// One `hubs[i]` entry, applied over the defaults to the protocol hub it names.
struct HubEntry {
  std::string path;
  std::optional<int64_t> exam_minutes;
  bool has_hours = false;
  bool hours_unreadable = false;
  Week week;
};

void ReadHubEntry(YamlMap& map, const Defaults& defaults, HubEntry& entry) {
  entry.path = map.path();
  entry.exam_minutes = ReadExamMinutes(map);
  const int64_t exam_minutes = entry.exam_minutes.value_or(defaults.exam_minutes);
  if (map.Has("hours")) {
    entry.has_hours = true;
    if (std::optional<YamlMap> hours = map.Map("hours")) {
      entry.week = ReadWeek(*hours);
      hours->RejectUnknownKeys();
      CheckExamFitsOwnHours(*hours, entry.week, exam_minutes,
                            entry.exam_minutes ? "this hub's exam_minutes" : "default_hours.exam_minutes");
    } else {
      entry.hours_unreadable = true;  // reported by Map
    }
  } else if (entry.exam_minutes) {
    // Its own exam length over the default hours.
    for (size_t day = 0; day < defaults.week.size(); ++day) {
      const std::optional<OpeningHours>& hours = defaults.week[day];
      if (!hours || hours->close_minute - hours->open_minute >= exam_minutes) continue;
      map.AddError("exam_minutes",
                   absl::StrCat("(", exam_minutes, ") is longer than the default_hours for ", kWeekdayKeys[day], " (",
                                FormatHours(*hours), "): no exam fits that day; give this hub its own hours"));
    }
  }
}

}  // namespace

int DayIndex(absl::Weekday weekday) {
  switch (weekday) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

const HubCalendar* MedicalConfig::FindHub(absl::string_view hub_id) const {
  for (const HubCalendar& hub : hubs) {
    if (hub.hub_id == hub_id) return &hub;
  }
  return nullptr;
}

absl::StatusOr<MedicalConfig> ParseMedicalConfig(absl::string_view yaml_text, absl::string_view file_name,
                                                 const ProtocolConfig& protocol) {
  YamlConfigReader reader{std::string(file_name)};
  std::optional<YamlMap> root = reader.Parse(yaml_text);
  if (!root) return reader.status();

  MedicalConfig config;
  config.path = std::string(file_name);
  config.version = Sha256Hex(yaml_text).substr(0, kVersionHexDigits);
  config.time_zone = protocol.time_zone;
  if (const Deadline* exam = protocol.FindDeadline(kMedicalExamDeadline)) config.window = exam->duration;
  const std::string protocol_name = protocol.file_name.empty() ? "the protocol config" : protocol.file_name;

  if (std::optional<std::string> lead = root->OptionalString("lead_time_minutes")) {
    int64_t minutes = 0;
    if (!absl::SimpleAtoi(*lead, &minutes)) {
      root->AddError("lead_time_minutes",
                     absl::StrCat("must be a whole number of minutes, 0 or more, got \"", *lead, "\""));
    } else if (minutes < 0) {
      root->AddError("lead_time_minutes",
                     absl::StrCat("must not be negative (minutes from a booking to the earliest exam it may "
                                  "take), got ",
                                  minutes));
    } else if (absl::Minutes(minutes) >= config.window) {
      root->AddError("lead_time_minutes",
                     absl::StrCat("must be shorter than the medical_exam window of ", protocol_name, " (",
                                  absl::FormatDuration(config.window), "), got ", minutes));
    } else {
      config.lead_time = absl::Minutes(minutes);
    }
  }

  const Defaults defaults = ReadDefaults(*root);

  std::map<std::string, HubEntry, std::less<>> entries;  // hub id → its entry
  if (root->Has("hubs")) {
    std::vector<YamlMap> hub_maps = root->MapList("hubs");
    for (YamlMap& map : hub_maps) {
      const std::string id = map.String("id");
      HubEntry entry;
      ReadHubEntry(map, defaults, entry);
      map.RejectUnknownKeys();
      if (id.empty()) continue;  // reported by String
      if (protocol.FindHub(id) == nullptr) {
        map.AddError("id", absl::StrCat("names \"", id, "\", which is not a hub of ", protocol_name,
                                        " (hubs are declared there; this file only gives their hours)"));
        continue;
      }
      auto [it, inserted] = entries.emplace(id, std::move(entry));
      if (!inserted) {
        map.AddError("id", absl::StrCat("hub \"", id, "\" already has an entry (", it->second.path,
                                        "); give each hub one entry"));
      }
    }
  }
  root->RejectUnknownKeys();

  for (const Hub& hub : protocol.hubs) {
    HubCalendar calendar;
    calendar.hub_id = hub.id;
    calendar.area_id = hub.area_id;
    calendar.daily_capacity = static_cast<int>(hub.daily_capacity);
    calendar.latitude = hub.latitude;
    calendar.longitude = hub.longitude;
    calendar.hours = defaults.week;
    int64_t exam_minutes = defaults.exam_minutes;

    auto it = entries.find(hub.id);
    if (it != entries.end()) {
      const HubEntry& entry = it->second;
      if (entry.exam_minutes) exam_minutes = *entry.exam_minutes;
      if (entry.has_hours) calendar.hours = entry.week;
      if (!AnyOpen(calendar.hours) && !entry.hours_unreadable) {
        reader.AddError(entry.has_hours ? absl::StrCat(entry.path, ".hours") : entry.path,
                        absl::StrCat("hub \"", hub.id, "\" is open on no weekday",
                                     entry.has_hours ? "" : " (no hours of its own, and no default_hours open)",
                                     ": it could never hold an exam; give it opening hours"));
      }
    } else if (!AnyOpen(calendar.hours) && (defaults.present || !root->Has("default_hours"))) {
      reader.AddError(
          "hubs",
          absl::StrCat("hub \"", hub.id, "\" of ", protocol_name, " has no opening hours: it has no entry here and ",
                       defaults.present ? "default_hours opens no weekday" : "there are no default_hours",
                       "; add an entry for it with hours, or default_hours"));
    }
    calendar.exam_length = absl::Minutes(exam_minutes);
    config.hubs.push_back(std::move(calendar));
  }

  RETURN_IF_ERROR(reader.status());
  return config;
}

absl::StatusOr<MedicalConfig> LoadMedicalConfig(const std::string& path, const ProtocolConfig& protocol) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    const std::string reason = error != 0 ? std::strerror(error) : "cannot open";
    const std::string message = absl::StrCat(path, ": cannot read the medical configuration: ", reason);
    if (error == ENOENT) return absl::NotFoundError(message);
    return absl::FailedPreconditionError(message);
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot read the medical configuration: read error"));
  }
  return ParseMedicalConfig(contents.str(), path, protocol);
}

}  // namespace csec::medical
