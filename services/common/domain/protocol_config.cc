#include "services/common/domain/protocol_config.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/yaml_config.h"

namespace csec {
namespace {

constexpr size_t kVersionHexDigits = 12;

std::string VersionOf(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) {
    return "unknown";  // OpenSSL cannot fail here short of memory exhaustion
  }
  const std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), digest_length));
  return hex.substr(0, kVersionHexDigits);
}

// Reads `key` of `map` as one of the named values of an enum.
template <typename Enum>
Enum ReadEnum(YamlMap& map, absl::string_view key, std::initializer_list<std::pair<absl::string_view, Enum>> choices,
              Enum fallback) {
  const std::string text = map.String(key);
  if (text.empty()) return fallback;  // already reported
  std::vector<absl::string_view> names;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    names.push_back(name);
  }
  map.AddError(key, absl::StrCat("must be one of ", absl::StrJoin(names, ", "), ", got \"", text, "\""));
  return fallback;
}

// Ids of one list, for "duplicate id" and "no such ..." checks.
class IdIndex {
 public:
  explicit IdIndex(std::string list_name) : list_name_(std::move(list_name)) {}

  void Add(YamlMap& item, const std::string& id) {
    if (id.empty()) return;  // missing id already reported
    auto [it, inserted] = paths_.emplace(id, item.path());
    if (!inserted) {
      item.AddError("id", absl::StrCat("duplicate id \"", id, "\", already used by ", it->second));
    }
  }
  bool Contains(const std::string& id) const { return paths_.contains(id); }
  // Reports a reference to an id that is not in this list; empty ids were reported already.
  void CheckReference(YamlMap& item, absl::string_view key, const std::string& id) const {
    if (id.empty() || Contains(id)) return;
    item.AddError(key, absl::StrCat("names \"", id, "\", which is not the id of any entry in '", list_name_, "'"));
  }

 private:
  std::string list_name_;
  std::map<std::string, std::string> paths_;  // id → path of the entry that defined it
};

template <typename T>
const T* FindById(const std::vector<T>& items, absl::string_view id) {
  for (const T& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

// An optional list of kTimerEventSelectors; absent is empty.
std::vector<std::string> EventSelectors(YamlMap& entry, absl::string_view key) {
  if (!entry.Has(key)) return {};
  std::vector<std::string> selectors = entry.StringList(key, /*allow_empty=*/true);
  for (const std::string& selector : selectors) {
    if (std::find(kTimerEventSelectors.begin(), kTimerEventSelectors.end(), selector) == kTimerEventSelectors.end()) {
      entry.AddError(key, absl::StrCat("\"", selector, "\" is not an event the timers service knows; one of: ",
                                       absl::StrJoin(kTimerEventSelectors, ", ")));
    }
  }
  return selectors;
}

// armed_by, starts_at, met_by, cancelled_by, remind_before: all optional.
void ParseTimerPolicy(YamlMap& entry, Deadline& deadline) {
  deadline.armed_by = EventSelectors(entry, "armed_by");
  deadline.met_by = EventSelectors(entry, "met_by");
  deadline.cancelled_by = EventSelectors(entry, "cancelled_by");
  if (std::optional<std::string> start = entry.OptionalString("starts_at")) {
    if (*start == "identified_at") {
      deadline.starts_at = DeadlineStart::kIdentifiedAt;
    } else if (*start == "event_time") {
      deadline.starts_at = DeadlineStart::kEventTime;
    } else {
      entry.AddError("starts_at", absl::StrCat("must be identified_at or event_time, got \"", *start, "\""));
    }
  }
  if (deadline.armed_by.empty() && (!deadline.met_by.empty() || !deadline.cancelled_by.empty())) {
    entry.AddError("armed_by", "is required when met_by or cancelled_by is given: nothing would arm the timer");
  }
  if (!entry.Has("remind_before")) return;
  std::vector<YamlMap> reminders = entry.MapList("remind_before");
  for (size_t i = 0; i < reminders.size(); ++i) {
    const absl::Duration before = reminders[i].DurationFromUnitKey();
    reminders[i].RejectUnknownKeys();
    if (before <= absl::ZeroDuration()) continue;  // reported by DurationFromUnitKey
    if (before >= deadline.duration) {
      reminders[i].AddErrorHere(absl::StrCat("a reminder ", absl::FormatDuration(before),
                                             " before must be shorter than the deadline (",
                                             absl::FormatDuration(deadline.duration), ")"));
    } else if (!deadline.remind_before.empty() && before >= deadline.remind_before.back()) {
      reminders[i].AddErrorHere("reminders must be listed longest first, each shorter than the one before");
    }
    deadline.remind_before.push_back(before);
  }
}

void ParseDeadlines(YamlMap& root, ProtocolConfig& config) {
  std::optional<YamlMap> deadlines = root.Map("deadlines");
  if (!deadlines) return;
  for (absl::string_view id : kAllDeadlineIds) {
    std::optional<YamlMap> entry = deadlines->Map(id);
    if (!entry) continue;
    Deadline deadline;
    deadline.id = std::string(id);
    deadline.duration = entry->DurationFromUnitKey();
    deadline.escalate_to = entry->StringList("escalate_to");
    ParseTimerPolicy(*entry, deadline);
    entry->RejectUnknownKeys();
    config.deadlines.push_back(std::move(deadline));
  }
  deadlines->RejectUnknownKeys();
}

// Returns the routing map, for the reference checks that follow.
std::optional<YamlMap> ParseRouting(YamlMap& root, ProtocolConfig& config) {
  std::optional<YamlMap> routing = root.Map("routing");
  if (!routing) return routing;
  config.routing.dual_status_default_lead =
      ReadEnum<LeadAgency>(*routing, "dual_status_default_lead",
                           {{"probation", LeadAgency::kProbation}, {"dcfs", LeadAgency::kDcfs}}, LeadAgency::kDcfs);
  config.routing.standard_response_team_id = routing->String("standard_response_team_id");
  config.routing.standard_response_area_id = routing->String("standard_response_area_id");
  config.routing.supervisor_id = routing->String("supervisor_id");
  routing->RejectUnknownKeys();
  return routing;
}

// The optional top-level `time_zone`. A name that is not a zone of the system's database is an
// error, never a silent fall-back to UTC: every birthday and "next day" would shift with it.
void ParseTimeZone(YamlMap& root, ProtocolConfig& config) {
  const std::string name = root.OptionalString("time_zone").value_or(std::string(kDefaultTimeZone));
  // absl would also accept "localtime" (the machine's own zone) and file paths: the answer would
  // then depend on the host the service runs on, so only zone names are taken.
  if (name == "localtime" || absl::StartsWith(name, "/") || absl::StartsWith(name, "file:") ||
      absl::StrContains(name, "..")) {
    root.AddError("time_zone",
                  absl::StrCat("must be an IANA time zone name such as ", kDefaultTimeZone, ", got \"", name, "\""));
    return;
  }
  if (!absl::LoadTimeZone(name, &config.time_zone)) {
    root.AddError("time_zone", absl::StrCat("cannot load time zone \"", name,
                                            "\" from the system's time zone database (tzdata); expected an "
                                            "IANA name such as ",
                                            kDefaultTimeZone));
  }
}

}  // namespace

const Deadline* ProtocolConfig::FindDeadline(absl::string_view id) const { return FindById(deadlines, id); }
const Agency* ProtocolConfig::FindAgency(absl::string_view id) const { return FindById(agencies, id); }
const Station* ProtocolConfig::FindStation(absl::string_view id) const { return FindById(stations, id); }
const Area* ProtocolConfig::FindArea(absl::string_view id) const { return FindById(areas, id); }
const Team* ProtocolConfig::FindTeam(absl::string_view id) const { return FindById(teams, id); }
const AdvocacyAgency* ProtocolConfig::FindAdvocacyAgency(absl::string_view id) const {
  return FindById(advocacy_agencies, id);
}
const Hub* ProtocolConfig::FindHub(absl::string_view id) const { return FindById(hubs, id); }

const Deadline& ProtocolConfig::GetDeadline(absl::string_view id) const {
  const Deadline* deadline = FindDeadline(id);
  // Validation refuses a config without every id of kAllDeadlineIds; anything else is a bug.
  if (deadline == nullptr) std::abort();
  return *deadline;
}

absl::StatusOr<std::shared_ptr<const ProtocolConfig>> ParseProtocolConfig(absl::string_view yaml_text,
                                                                          absl::string_view file_name) {
  YamlConfigReader reader{std::string(file_name)};
  std::optional<YamlMap> root = reader.Parse(yaml_text);
  if (!root) return reader.status();

  auto config = std::make_shared<ProtocolConfig>();
  config->file_name = std::string(file_name);
  config->version = VersionOf(yaml_text);

  ParseTimeZone(*root, *config);
  ParseDeadlines(*root, *config);

  // Each list is read whole first, keeping the YAML maps, so that references can then be checked
  // against every id and reported at the entry that makes them.
  IdIndex agency_ids("agencies");
  std::vector<YamlMap> agency_maps = root->MapList("agencies");
  for (YamlMap& map : agency_maps) {
    Agency agency;
    agency.id = map.String("id");
    agency.name = map.String("name");
    agency.kind = ReadEnum<AgencyKind>(map, "kind",
                                       {{"law_enforcement", AgencyKind::kLawEnforcement},
                                        {"safe_youth_zone", AgencyKind::kSafeYouthZone},
                                        {"hotline", AgencyKind::kHotline}},
                                       AgencyKind::kLawEnforcement);
    if (map.Has("notify_on_identification")) {
      agency.notify_on_identification = map.StringList("notify_on_identification", /*allow_empty=*/true);
    }
    map.RejectUnknownKeys();
    agency_ids.Add(map, agency.id);
    config->agencies.push_back(std::move(agency));
  }

  IdIndex team_ids("teams");
  std::vector<YamlMap> team_maps = root->MapList("teams");
  for (YamlMap& map : team_maps) {
    Team team;
    team.id = map.String("id");
    team.name = map.String("name");
    team.agency = ReadEnum<TeamAgency>(
        map, "agency", {{"ctu", TeamAgency::kCtu}, {"mart", TeamAgency::kMart}, {"hotline", TeamAgency::kHotline}},
        TeamAgency::kMart);
    map.RejectUnknownKeys();
    team_ids.Add(map, team.id);
    config->teams.push_back(std::move(team));
  }

  IdIndex advocacy_ids("advocacy_agencies");
  std::vector<YamlMap> advocacy_maps = root->MapList("advocacy_agencies");
  for (YamlMap& map : advocacy_maps) {
    AdvocacyAgency advocacy;
    advocacy.id = map.String("id");
    advocacy.name = map.String("name");
    map.RejectUnknownKeys();
    advocacy_ids.Add(map, advocacy.id);
    config->advocacy_agencies.push_back(std::move(advocacy));
  }

  IdIndex hub_ids("hubs");
  std::vector<YamlMap> hub_maps = root->MapList("hubs");
  for (YamlMap& map : hub_maps) {
    Hub hub;
    hub.id = map.String("id");
    hub.name = map.String("name");
    hub.area_id = map.String("area_id");
    hub.daily_capacity = map.PositiveInt("daily_capacity");
    hub.latitude = map.OptionalDouble("latitude");
    hub.longitude = map.OptionalDouble("longitude");
    if (hub.latitude.has_value() != hub.longitude.has_value()) {
      map.AddErrorHere("must give both latitude and longitude, or neither");
    }
    if (hub.latitude && (*hub.latitude < -90 || *hub.latitude > 90)) {
      map.AddError("latitude", absl::StrCat("must be between -90 and 90, got ", *hub.latitude));
    }
    if (hub.longitude && (*hub.longitude < -180 || *hub.longitude > 180)) {
      map.AddError("longitude", absl::StrCat("must be between -180 and 180, got ", *hub.longitude));
    }
    map.RejectUnknownKeys();
    hub_ids.Add(map, hub.id);
    config->hubs.push_back(std::move(hub));
  }

  IdIndex area_ids("areas");
  std::vector<YamlMap> area_maps = root->MapList("areas");
  for (YamlMap& map : area_maps) {
    Area area;
    area.id = map.String("id");
    area.name = map.String("name");
    area.ctu_team_id = map.String("ctu_team_id");
    area.mart_team_id = map.String("mart_team_id");
    area.advocacy_agency_id = map.String("advocacy_agency_id");
    area.hub_ids = map.StringList("hub_ids");
    map.RejectUnknownKeys();
    area_ids.Add(map, area.id);
    config->areas.push_back(std::move(area));
  }

  IdIndex station_ids("stations");
  std::vector<YamlMap> station_maps = root->MapList("stations");
  for (YamlMap& map : station_maps) {
    Station station;
    station.id = map.String("id");
    station.name = map.String("name");
    station.agency_id = map.String("agency_id");
    station.area_id = map.String("area_id");
    station.participating = map.Bool("participating");
    map.RejectUnknownKeys();
    station_ids.Add(map, station.id);
    config->stations.push_back(std::move(station));
  }

  std::optional<YamlMap> routing_map = ParseRouting(*root, *config);
  root->RejectUnknownKeys();

  // References. The maps and structs are index-aligned: a map that was not a map produced
  // neither, and every entry that was produced one of each.
  for (size_t i = 0; i < config->stations.size(); ++i) {
    agency_ids.CheckReference(station_maps[i], "agency_id", config->stations[i].agency_id);
    area_ids.CheckReference(station_maps[i], "area_id", config->stations[i].area_id);
  }
  for (size_t i = 0; i < config->hubs.size(); ++i) {
    area_ids.CheckReference(hub_maps[i], "area_id", config->hubs[i].area_id);
  }
  auto check_team = [&](YamlMap& map, absl::string_view key, const std::string& id, TeamAgency expected) {
    const Team* team = config->FindTeam(id);
    if (team == nullptr) {
      team_ids.CheckReference(map, key, id);
    } else if (team->agency != expected) {
      map.AddError(key, absl::StrCat("names team \"", id, "\", which is a ", TeamAgencyName(team->agency),
                                     " team; expected a ", TeamAgencyName(expected), " team"));
    }
  };
  for (size_t i = 0; i < config->areas.size(); ++i) {
    const Area& area = config->areas[i];
    YamlMap& map = area_maps[i];
    check_team(map, "ctu_team_id", area.ctu_team_id, TeamAgency::kCtu);
    check_team(map, "mart_team_id", area.mart_team_id, TeamAgency::kMart);
    advocacy_ids.CheckReference(map, "advocacy_agency_id", area.advocacy_agency_id);
    std::map<std::string, size_t> seen_hubs;
    for (size_t h = 0; h < area.hub_ids.size(); ++h) {
      const std::string& hub_id = area.hub_ids[h];
      const std::string key = absl::StrCat("hub_ids[", h, "]");
      if (!hub_ids.Contains(hub_id)) {
        map.AddError(key, absl::StrCat("names \"", hub_id, "\", which is not the id of any entry in 'hubs'"));
      }
      if (!seen_hubs.emplace(hub_id, h).second) {
        map.AddError(key, absl::StrCat("lists hub \"", hub_id, "\" twice"));
      }
    }
  }
  if (routing_map) {
    YamlMap* routing = &*routing_map;
    check_team(*routing, "standard_response_team_id", config->routing.standard_response_team_id, TeamAgency::kHotline);
    area_ids.CheckReference(*routing, "standard_response_area_id", config->routing.standard_response_area_id);
  }

  RETURN_IF_ERROR(reader.status());
  return std::shared_ptr<const ProtocolConfig>(std::move(config));
}

absl::StatusOr<std::shared_ptr<const ProtocolConfig>> LoadProtocolConfig(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    const std::string reason = error != 0 ? std::strerror(error) : "cannot open";
    const std::string message = absl::StrCat(path, ": cannot read the protocol configuration: ", reason);
    if (error == ENOENT) return absl::NotFoundError(message);
    return absl::FailedPreconditionError(message);
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot read the protocol configuration: read error"));
  }
  return ParseProtocolConfig(contents.str(), path);
}

absl::StatusOr<std::unique_ptr<ProtocolConfigStore>> ProtocolConfigStore::Create(std::string path) {
  ASSIGN_OR_RETURN(std::shared_ptr<const ProtocolConfig> config, LoadProtocolConfig(path));
  return std::unique_ptr<ProtocolConfigStore>(new ProtocolConfigStore(std::move(path), std::move(config)));
}

ProtocolConfigStore::ProtocolConfigStore(std::string path, std::shared_ptr<const ProtocolConfig> config)
    : path_(std::move(path)), current_(std::move(config)) {}

std::shared_ptr<const ProtocolConfig> ProtocolConfigStore::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status ProtocolConfigStore::Reload() {
  ASSIGN_OR_RETURN(std::shared_ptr<const ProtocolConfig> config, LoadProtocolConfig(path_));
  absl::MutexLock lock(&mu_);
  current_ = std::move(config);
  return absl::OkStatus();
}

absl::string_view AgencyKindName(AgencyKind kind) {
  switch (kind) {
    case AgencyKind::kLawEnforcement:
      return "law_enforcement";
    case AgencyKind::kSafeYouthZone:
      return "safe_youth_zone";
    case AgencyKind::kHotline:
      return "hotline";
  }
  return "unknown";
}

absl::string_view TeamAgencyName(TeamAgency agency) {
  switch (agency) {
    case TeamAgency::kCtu:
      return "ctu";
    case TeamAgency::kMart:
      return "mart";
    case TeamAgency::kHotline:
      return "hotline";
  }
  return "unknown";
}

absl::string_view DeadlineStartName(DeadlineStart start) {
  return start == DeadlineStart::kIdentifiedAt ? "identified_at" : "event_time";
}

absl::string_view LeadAgencyName(LeadAgency lead) {
  switch (lead) {
    case LeadAgency::kProbation:
      return "probation";
    case LeadAgency::kDcfs:
      return "dcfs";
  }
  return "unknown";
}

}  // namespace csec
