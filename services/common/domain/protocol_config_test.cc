#include "services/common/domain/protocol_config.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace csec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A small, valid configuration; each error test breaks one thing in it.
constexpr absl::string_view kSmallConfig = R"yaml(
deadlines:
  responder_arrival:
    minutes: 90
    escalate_to: [ctu-supervisor, mart-supervisor]
  advocate_arrival:
    minutes: 45
    escalate_to: [advocacy-supervisor]
  medical_exam:
    hours: 72
    escalate_to: [mart-supervisor]
  initial_mdt:
    days: 7
    escalate_to: [mart-supervisor]
  soda_pad_stay:
    days: 30
    escalate_to: [mart-supervisor]
  advocacy_case_management:
    days: 90
    escalate_to: [advocacy-supervisor]
  page_ack_timeout:
    seconds: 600
    escalate_to: [cph-supervisor]
agencies:
  - id: sheriff
    name: County Sheriff
    kind: law_enforcement
    notify_on_identification: [sheriff-htb]
  - id: indie-pd
    name: Independent City PD
    kind: law_enforcement
  - id: cph
    name: Child Protection Hotline
    kind: hotline
stations:
  - id: sheriff-north
    name: Sheriff North Station
    agency_id: sheriff
    area_id: north
    participating: true
  - id: indie-pd
    name: Independent City PD
    agency_id: indie-pd
    area_id: south
    participating: false
teams:
  - {id: ctu-north, name: CTU North, agency: ctu}
  - {id: mart-north, name: MART North, agency: mart}
  - {id: ctu-south, name: CTU South, agency: ctu}
  - {id: mart-south, name: MART South, agency: mart}
  - {id: hotline-team, name: Hotline standard response, agency: hotline}
advocacy_agencies:
  - {id: advocates, name: Advocates Inc}
hubs:
  - id: hub-a
    name: Hub A
    area_id: north
    daily_capacity: 4
    latitude: 34.5
    longitude: -118.2
  - id: hub-b
    name: Hub B
    area_id: south
    daily_capacity: 6
areas:
  - id: north
    name: North
    ctu_team_id: ctu-north
    mart_team_id: mart-north
    advocacy_agency_id: advocates
    hub_ids: [hub-a, hub-b]
  - id: south
    name: South
    ctu_team_id: ctu-south
    mart_team_id: mart-south
    advocacy_agency_id: advocates
    hub_ids: [hub-b, hub-a]
routing:
  dual_status_default_lead: dcfs
  standard_response_team_id: hotline-team
  standard_response_area_id: south
  supervisor_id: cph-supervisor
)yaml";

constexpr absl::string_view kFile = "small.yaml";

// kSmallConfig with `from` (which must occur exactly once) replaced by `to`.
std::string Break(absl::string_view from, absl::string_view to) {
  const std::string text(kSmallConfig);
  const std::string needle(from);
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << "not in the test config: " << from;
  EXPECT_EQ(text.find(needle, at + 1), std::string::npos) << "more than once: " << from;
  if (at == std::string::npos) return text;
  return text.substr(0, at) + std::string(to) + text.substr(at + from.size());
}

TEST(ProtocolConfigTest, ParsesEverySection) {
  auto config = ParseProtocolConfig(kSmallConfig, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  const ProtocolConfig& c = **config;

  ASSERT_EQ(c.deadlines.size(), kAllDeadlineIds.size());
  EXPECT_EQ(c.GetDeadline(kResponderArrivalDeadline).duration, absl::Minutes(90));
  EXPECT_THAT(c.GetDeadline(kResponderArrivalDeadline).escalate_to, ElementsAre("ctu-supervisor", "mart-supervisor"));
  EXPECT_EQ(c.GetDeadline(kMedicalExamDeadline).duration, absl::Hours(72));
  EXPECT_EQ(c.GetDeadline(kInitialMdtDeadline).duration, absl::Hours(7 * 24));
  EXPECT_EQ(c.GetDeadline(kPageAckTimeoutDeadline).duration, absl::Minutes(10));

  const Agency* sheriff = c.FindAgency("sheriff");
  ASSERT_NE(sheriff, nullptr);
  EXPECT_EQ(sheriff->kind, AgencyKind::kLawEnforcement);
  EXPECT_THAT(sheriff->notify_on_identification, ElementsAre("sheriff-htb"));
  EXPECT_EQ(c.FindAgency("cph")->kind, AgencyKind::kHotline);
  EXPECT_TRUE(c.FindAgency("indie-pd")->notify_on_identification.empty());

  const Station* indie = c.FindStation("indie-pd");
  ASSERT_NE(indie, nullptr);
  EXPECT_FALSE(indie->participating);
  EXPECT_EQ(indie->area_id, "south");
  EXPECT_TRUE(c.FindStation("sheriff-north")->participating);

  const Area* north = c.FindArea("north");
  ASSERT_NE(north, nullptr);
  EXPECT_EQ(north->ctu_team_id, "ctu-north");
  EXPECT_EQ(north->mart_team_id, "mart-north");
  EXPECT_EQ(north->advocacy_agency_id, "advocates");
  EXPECT_THAT(north->hub_ids, ElementsAre("hub-a", "hub-b"));

  EXPECT_EQ(c.FindTeam("hotline-team")->agency, TeamAgency::kHotline);
  EXPECT_EQ(c.FindAdvocacyAgency("advocates")->name, "Advocates Inc");
  const Hub* hub_a = c.FindHub("hub-a");
  ASSERT_NE(hub_a, nullptr);
  EXPECT_EQ(hub_a->daily_capacity, 4);
  EXPECT_EQ(hub_a->latitude, 34.5);
  EXPECT_EQ(hub_a->longitude, -118.2);
  EXPECT_FALSE(c.FindHub("hub-b")->latitude.has_value());

  EXPECT_EQ(c.routing.dual_status_default_lead, LeadAgency::kDcfs);
  EXPECT_EQ(c.routing.standard_response_team_id, "hotline-team");
  EXPECT_EQ(c.routing.standard_response_area_id, "south");
  EXPECT_EQ(c.routing.supervisor_id, "cph-supervisor");

  EXPECT_EQ(c.FindStation("nowhere"), nullptr);
  EXPECT_EQ(c.FindArea(""), nullptr);
  EXPECT_EQ(c.file_name, "small.yaml");
}

TEST(ProtocolConfigTest, TheShippedConfigHasATimerPolicyForEveryDeadlineEventsArm) {
  auto config = LoadProtocolConfig(std::string(CSEC_SOURCE_DIR) + "/deploy/config/protocol.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const Deadline& arrival = (*config)->GetDeadline(kResponderArrivalDeadline);
  EXPECT_THAT(arrival.armed_by, ElementsAre("case_routed"));
  EXPECT_EQ(arrival.starts_at, DeadlineStart::kIdentifiedAt);
  EXPECT_THAT(arrival.met_by, ElementsAre("arrival_recorded.responder"));
  EXPECT_THAT(arrival.remind_before, ElementsAre(absl::Minutes(30), absl::Minutes(10)));
  const Deadline& stay = (*config)->GetDeadline(kSodaPadStayDeadline);
  EXPECT_THAT(stay.armed_by, ElementsAre("placement_recorded.soda_pad_bed"));
  EXPECT_EQ(stay.starts_at, DeadlineStart::kEventTime);
  // Paging's acknowledgement timeout is a duration for its own waits: no event arms it.
  EXPECT_TRUE((*config)->GetDeadline(kPageAckTimeoutDeadline).armed_by.empty());
}

TEST(ProtocolConfigTest, VersionIsAShortHashOfTheBytes) {
  auto config = ParseProtocolConfig(kSmallConfig, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string& version = (*config)->version;
  EXPECT_EQ(version.size(), 12u);
  EXPECT_EQ(version.find_first_not_of("0123456789abcdef"), std::string::npos) << version;

  auto same = ParseProtocolConfig(kSmallConfig, "other-name.yaml");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)->version, version);
  // Any edit is a new version, even one that changes no value.
  auto commented = ParseProtocolConfig(std::string(kSmallConfig) + "# a comment\n", kFile);
  ASSERT_TRUE(commented.ok());
  EXPECT_NE((*commented)->version, version);
}

struct BrokenConfigCase {
  std::string name;
  std::string from;
  std::string to;
  std::string expected_error;
};

// gtest prints a parameter by name, not as raw bytes, in test listings.
void PrintTo(const BrokenConfigCase& c, std::ostream* os) { *os << c.name; }

class BrokenConfigTest : public ::testing::TestWithParam<BrokenConfigCase> {};

TEST_P(BrokenConfigTest, IsRefusedNamingFileKeyAndProblem) {
  const BrokenConfigCase& c = GetParam();
  auto config = ParseProtocolConfig(Break(c.from, c.to), kFile);
  ASSERT_FALSE(config.ok()) << "accepted a config with " << c.name;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr(c.expected_error));
}

INSTANTIATE_TEST_SUITE_P(
    EachMistake, BrokenConfigTest,
    ::testing::ValuesIn(std::vector<BrokenConfigCase>{
        {"unknown_timer_event", "minutes: 90\n",
         "minutes: 90\n    armed_by: [case_routed]\n    met_by: [arrival_recorded.sheriff]\n",
         R"(key 'deadlines.responder_arrival.met_by': "arrival_recorded.sheriff" is not an event the timers service knows)"},
        {"met_without_arm", "minutes: 90\n", "minutes: 90\n    met_by: [arrival_recorded.responder]\n",
         R"(key 'deadlines.responder_arrival.armed_by': is required when met_by or cancelled_by is given)"},
        {"bad_starts_at", "minutes: 90\n", "minutes: 90\n    armed_by: [case_routed]\n    starts_at: routed_at\n",
         R"(key 'deadlines.responder_arrival.starts_at': must be identified_at or event_time, got "routed_at")"},
        {"reminder_longer_than_deadline", "minutes: 90\n",
         "minutes: 90\n    armed_by: [case_routed]\n    remind_before: [{hours: 2}]\n",
         "key 'deadlines.responder_arrival.remind_before[0]': a reminder 2h before must be shorter than the deadline "
         "(1h30m)"},
        {"reminders_out_of_order", "minutes: 90\n",
         "minutes: 90\n    armed_by: [case_routed]\n    remind_before: [{minutes: 10}, {minutes: 30}]\n",
         "remind_before[1]': reminders must be listed longest first"},
        {"non_numeric_duration", "minutes: 90", "minutes: abc",
         R"(small.yaml: key 'deadlines.responder_arrival.minutes': must be a positive integer, got "abc")"},
        {"zero_duration", "hours: 72", "hours: 0",
         R"(key 'deadlines.medical_exam.hours': must be a positive integer, got "0")"},
        {"negative_duration", "days: 7", "days: -7",
         R"(key 'deadlines.initial_mdt.days': must be a positive integer, got "-7")"},
        {"fractional_duration", "days: 30", "days: 1.5",
         R"(key 'deadlines.soda_pad_stay.days': must be a positive integer, got "1.5")"},
        {"two_duration_units", "minutes: 45", "minutes: 45\n    hours: 1",
         "key 'deadlines.advocate_arrival': must give its duration as exactly one of seconds, "
         "minutes, hours or days, got minutes and hours"},
        {"no_duration_unit", "seconds: 600", "weeks: 1",
         "key 'deadlines.page_ack_timeout': must give its duration as exactly one of"},
        {"unit_key_typo_also_named", "seconds: 600", "seconds: 600\n    weeks: 1",
         "key 'deadlines.page_ack_timeout.weeks': unknown key"},
        {"missing_deadline", "  medical_exam:\n", "  medical_exams:\n", "key 'deadlines.medical_exam': is required"},
        {"misspelt_deadline_named", "  medical_exam:\n", "  medical_exams:\n",
         "key 'deadlines.medical_exams': unknown key (a typo?); expected one of:"},
        {"empty_escalation", "escalate_to: [cph-supervisor]", "escalate_to: []",
         "key 'deadlines.page_ack_timeout.escalate_to': must not be empty"},
        {"missing_escalation", "    escalate_to: [cph-supervisor]\n", "",
         "key 'deadlines.page_ack_timeout.escalate_to': is required"},
        {"unknown_top_level_key", "routing:\n", "routnig:\n", "key 'routnig': unknown key (a typo?)"},
        {"unknown_station_key", "    participating: false", "    participating: false\n    notes: x",
         "key 'stations[1].notes': unknown key (a typo?); expected one of: agency_id, area_id, "
         "id, name, participating"},
        {"not_a_boolean", "participating: false", "participating: no",
         R"(key 'stations[1].participating': must be true or false, got "no")"},
        {"missing_required_string", "    name: Sheriff North Station\n", "", "key 'stations[0].name': is required"},
        {"duplicate_station_id", "  - id: indie-pd\n    name: Independent City PD\n    agency_id",
         "  - id: sheriff-north\n    name: Independent City PD\n    agency_id",
         R"(key 'stations[1].id': duplicate id "sheriff-north", already used by stations[0])"},
        {"station_names_unknown_agency", "agency_id: indie-pd", "agency_id: lapd",
         R"(key 'stations[1].agency_id': names "lapd", which is not the id of any entry in 'agencies')"},
        {"station_names_unknown_area", "agency_id: sheriff\n    area_id: north",
         "agency_id: sheriff\n    area_id: west",
         R"(key 'stations[0].area_id': names "west", which is not the id of any entry in 'areas')"},
        {"area_names_unknown_hub", "hub_ids: [hub-b, hub-a]", "hub_ids: [hub-b, hub-z]",
         R"(key 'areas[1].hub_ids[1]': names "hub-z", which is not the id of any entry in 'hubs')"},
        {"area_lists_hub_twice", "hub_ids: [hub-b, hub-a]", "hub_ids: [hub-b, hub-b]",
         R"(key 'areas[1].hub_ids[1]': lists hub "hub-b" twice)"},
        {"area_without_hubs", "hub_ids: [hub-b, hub-a]", "hub_ids: []", "key 'areas[1].hub_ids': must not be empty"},
        {"ctu_slot_names_mart_team", "ctu_team_id: ctu-south", "ctu_team_id: mart-south",
         R"(key 'areas[1].ctu_team_id': names team "mart-south", which is a mart team; expected a ctu team)"},
        {"area_names_unknown_advocacy", "advocacy_agency_id: advocates\n    hub_ids: [hub-a",
         "advocacy_agency_id: nobody\n    hub_ids: [hub-a", R"(key 'areas[0].advocacy_agency_id': names "nobody")"},
        {"hub_names_unknown_area", "area_id: south\n    daily_capacity: 6", "area_id: east\n    daily_capacity: 6",
         R"(key 'hubs[1].area_id': names "east", which is not the id of any entry in 'areas')"},
        {"hub_zero_capacity", "daily_capacity: 6", "daily_capacity: 0",
         R"(key 'hubs[1].daily_capacity': must be a positive integer, got "0")"},
        {"hub_latitude_without_longitude", "    longitude: -118.2\n", "",
         "key 'hubs[0]': must give both latitude and longitude, or neither"},
        {"hub_latitude_not_a_number", "latitude: 34.5", "latitude: north",
         R"(key 'hubs[0].latitude': must be a number, got "north")"},
        {"bad_agency_kind", "kind: hotline", "kind: phone",
         R"(key 'agencies[2].kind': must be one of law_enforcement, safe_youth_zone, hotline, got "phone")"},
        {"bad_team_agency", "agency: hotline}", "agency: cph}",
         R"(key 'teams[4].agency': must be one of ctu, mart, hotline, got "cph")"},
        {"bad_default_lead", "dual_status_default_lead: dcfs", "dual_status_default_lead: court",
         R"(key 'routing.dual_status_default_lead': must be one of probation, dcfs, got "court")"},
        {"standard_response_team_not_hotline", "standard_response_team_id: hotline-team",
         "standard_response_team_id: mart-south",
         "key 'routing.standard_response_team_id': names team \"mart-south\", which is a mart "
         "team; expected a hotline team"},
        {"standard_response_area_unknown", "standard_response_area_id: south", "standard_response_area_id: nowhere",
         "key 'routing.standard_response_area_id': names"},
        {"section_of_wrong_type", "advocacy_agencies:\n  - {id: advocates, name: Advocates Inc}",
         "advocacy_agencies: advocates",
         R"(key 'advocacy_agencies': must be a non-empty list of maps, got "advocates")"},
        {"list_item_not_a_map", "  - {id: advocates, name: Advocates Inc}", "  - advocates",
         R"(key 'advocacy_agencies[0]': must be a map of keys, got "advocates")"},
        {"key_written_twice", "  supervisor_id: cph-supervisor",
         "  supervisor_id: cph-supervisor\n  supervisor_id: other",
         "key 'routing.supervisor_id': is written more than once"},
        {"not_yaml", "escalate_to: [mart-supervisor]\n  soda", "escalate_to: [mart-supervisor\n  soda",
         "small.yaml: not valid YAML"},
        {"unknown_time_zone", "routing:\n", "time_zone: America/Springfield\nrouting:\n",
         R"(small.yaml: key 'time_zone': cannot load time zone "America/Springfield" from the )"
         R"(system's time zone database (tzdata); expected an IANA name such as America/Los_Angeles)"},
        {"time_zone_misspelt", "routing:\n", "time_zone: america/los angeles\nrouting:\n",
         R"(key 'time_zone': cannot load time zone "america/los angeles")"},
        {"time_zone_empty", "routing:\n", "time_zone: \"\"\nrouting:\n", "key 'time_zone': must be a non-empty string"},
        {"time_zone_not_a_string", "routing:\n", "time_zone: [America/Los_Angeles]\nrouting:\n",
         "key 'time_zone': must be a non-empty string"},
        {"time_zone_of_the_machine", "routing:\n", "time_zone: localtime\nrouting:\n",
         R"(key 'time_zone': must be an IANA time zone name such as America/Los_Angeles, got "localtime")"},
        {"time_zone_as_a_path", "routing:\n", "time_zone: /usr/share/zoneinfo/America/Los_Angeles\nrouting:\n",
         "key 'time_zone': must be an IANA time zone name"},
        {"time_zone_written_twice", "routing:\n", "time_zone: America/Los_Angeles\ntime_zone: UTC\nrouting:\n",
         "key 'time_zone': is written more than once"},
    }),
    [](const ::testing::TestParamInfo<BrokenConfigCase>& info) { return info.param.name; });

TEST(ProtocolConfigTest, TimeZoneDefaultsToLosAngelesWhenAbsent) {
  auto config = ParseProtocolConfig(kSmallConfig, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->time_zone.name(), "America/Los_Angeles");
  // The zone really is Los Angeles, not UTC under that name: 05:00 UTC on New Year's Day is
  // still New Year's Eve there.
  const absl::Time new_year_utc = absl::FromCivil(absl::CivilSecond(2026, 1, 1, 5, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(absl::ToCivilDay(new_year_utc, (*config)->time_zone), absl::CivilDay(2025, 12, 31));
}

TEST(ProtocolConfigTest, TimeZoneIsRead) {
  auto config = ParseProtocolConfig(Break("routing:\n", "time_zone: America/New_York\nrouting:\n"), kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->time_zone.name(), "America/New_York");
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 1, 1, 4, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(absl::ToCivilDay(t, (*config)->time_zone), absl::CivilDay(2025, 12, 31));

  auto utc = ParseProtocolConfig(Break("routing:\n", "time_zone: UTC\nrouting:\n"), kFile);
  ASSERT_TRUE(utc.ok()) << utc.status();
  EXPECT_EQ(absl::ToCivilDay(t, (*utc)->time_zone), absl::CivilDay(2026, 1, 1));
}

TEST(ProtocolConfigTest, ErrorsCarryTheLineNumber) {
  auto config = ParseProtocolConfig(Break("minutes: 90", "minutes: abc"), kFile);
  ASSERT_FALSE(config.ok());
  // The first line of kSmallConfig is empty; responder_arrival.minutes is on line 4.
  EXPECT_THAT(config.status().message(), HasSubstr("(line 4)"));
}

TEST(ProtocolConfigTest, ReportsEveryErrorAtOnce) {
  std::string text = Break("minutes: 90", "minutes: abc");
  text = absl::StrReplaceAll(
      text, {{"agency_id: indie-pd", "agency_id: lapd"}, {"daily_capacity: 6", "daily_capacity: many"}});
  auto config = ParseProtocolConfig(text, kFile);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("deadlines.responder_arrival.minutes"));
  EXPECT_THAT(config.status().message(), HasSubstr("stations[1].agency_id"));
  EXPECT_THAT(config.status().message(), HasSubstr("hubs[1].daily_capacity"));
}

TEST(ProtocolConfigTest, TopLevelMustBeAMap) {
  for (absl::string_view text : {"", "- a\n- b\n", "just words"}) {
    auto config = ParseProtocolConfig(text, kFile);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_THAT(config.status().message(), HasSubstr("small.yaml: the top level must be a map"));
  }
}

TEST(ProtocolConfigTest, OptionalNotifyListMayBeEmpty) {
  auto config =
      ParseProtocolConfig(Break("notify_on_identification: [sheriff-htb]", "notify_on_identification: []"), kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE((*config)->FindAgency("sheriff")->notify_on_identification.empty());
}

// A temporary file that the test may rewrite; removed at the end.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "protocol_config_test_XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd >= 0) close(fd);
    path_ = pattern;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  void Write(absl::string_view text) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << text;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadProtocolConfigTest, MissingFileIsNotFoundNamingIt) {
  auto config = LoadProtocolConfig("/nonexistent/protocol.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/protocol.yaml"));
}

TEST(LoadProtocolConfigTest, ErrorsNameThePath) {
  TempFile file;
  file.Write(Break("hours: 72", "hours: soon"));
  auto config = LoadProtocolConfig(file.path());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(file.path() + ": key 'deadlines.medical_exam.hours'"));
}

TEST(ProtocolConfigStoreTest, CreateFailsOnMissingOrBadFile) {
  EXPECT_EQ(ProtocolConfigStore::Create("/nonexistent/protocol.yaml").status().code(), absl::StatusCode::kNotFound);
  TempFile file;
  file.Write("deadlines: {}\n");
  EXPECT_EQ(ProtocolConfigStore::Create(file.path()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProtocolConfigStoreTest, ReloadRefusesABadFileAndKeepsServingTheOldOne) {
  TempFile file;
  file.Write(kSmallConfig);
  auto store = ProtocolConfigStore::Create(file.path());
  ASSERT_TRUE(store.ok()) << store.status();
  std::shared_ptr<const ProtocolConfig> first = (*store)->Current();
  EXPECT_EQ(first->GetDeadline(kResponderArrivalDeadline).duration, absl::Minutes(90));

  // A broken edit: refused, the old config keeps serving.
  file.Write(Break("minutes: 90", "minutes: ninety"));
  absl::Status refused = (*store)->Reload();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("deadlines.responder_arrival.minutes"));
  EXPECT_EQ((*store)->Current(), first);

  // The file disappears: refused too.
  std::remove(file.path().c_str());
  EXPECT_EQ((*store)->Reload().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->Current(), first);

  // A good edit: served, with its own version; holders of the old one keep it intact.
  file.Write(Break("minutes: 90", "minutes: 60"));
  ASSERT_TRUE((*store)->Reload().ok());
  std::shared_ptr<const ProtocolConfig> second = (*store)->Current();
  EXPECT_EQ(second->GetDeadline(kResponderArrivalDeadline).duration, absl::Minutes(60));
  EXPECT_NE(second->version, first->version);
  EXPECT_EQ(first->GetDeadline(kResponderArrivalDeadline).duration, absl::Minutes(90));
}

TEST(ProtocolConfigStoreTest, ReadersNeverSeeATornConfigWhileReloading) {
  TempFile file;
  file.Write(kSmallConfig);
  auto store = ProtocolConfigStore::Create(file.path());
  ASSERT_TRUE(store.ok()) << store.status();
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::shared_ptr<const ProtocolConfig> config = (*store)->Current();
        ASSERT_NE(config, nullptr);
        ASSERT_EQ(config->deadlines.size(), kAllDeadlineIds.size());
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    file.Write(i % 2 == 0 ? Break("minutes: 90", "minutes: 60") : std::string(kSmallConfig));
    EXPECT_TRUE((*store)->Reload().ok());
    file.Write("not: [valid");
    EXPECT_FALSE((*store)->Reload().ok());
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
}

// The file the county runs with loads, and says what the seeds say.
TEST(ShippedProtocolConfigTest, DeployConfigLoads) {
  const std::string path = std::string(CSEC_SOURCE_DIR) + "/deploy/config/protocol.yaml";
  auto loaded = LoadProtocolConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const ProtocolConfig& c = **loaded;

  EXPECT_EQ(c.GetDeadline(kResponderArrivalDeadline).duration, absl::Minutes(90));
  EXPECT_EQ(c.GetDeadline(kAdvocateArrivalDeadline).duration, absl::Minutes(90));
  EXPECT_EQ(c.GetDeadline(kMedicalExamDeadline).duration, absl::Hours(72));
  EXPECT_EQ(c.GetDeadline(kInitialMdtDeadline).duration, absl::Hours(7 * 24));
  EXPECT_EQ(c.GetDeadline(kSodaPadStayDeadline).duration, absl::Hours(30 * 24));
  EXPECT_EQ(c.GetDeadline(kAdvocacyCaseManagementDeadline).duration, absl::Hours(90 * 24));

  for (absl::string_view station :
       {"lasd-century", "lasd-compton", "lasd-transit-la-basin", "lasd-lancaster", "lasd-palmdale",
        "lasd-santa-clarita-valley", "lapd-77th-street", "lapd-southeast", "lbpd"}) {
    const Station* s = c.FindStation(station);
    ASSERT_NE(s, nullptr) << station;
    EXPECT_TRUE(s->participating) << station;
  }
  bool some_station_not_participating = false;
  for (const Station& s : c.stations) some_station_not_participating |= !s.participating;
  EXPECT_TRUE(some_station_not_participating);
  EXPECT_THAT(c.FindAgency("lasd")->notify_on_identification, ElementsAre("lasd-htb"));

  ASSERT_EQ(c.areas.size(), 8u);
  for (const Area& area : c.areas) EXPECT_THAT(area.hub_ids, Not(::testing::IsEmpty()));
  EXPECT_EQ(c.FindArea("spa-1")->hub_ids.front(), "hub-high-desert");
  EXPECT_EQ(c.FindArea("spa-6")->hub_ids.front(), "hub-mlk");
  EXPECT_EQ(c.FindStation("lasd-transit-la-basin")->area_id, "spa-4");

  // Birthdays and "next day" are answered on the county's calendar.
  EXPECT_EQ(c.time_zone.name(), "America/Los_Angeles");
  // The hotline is an agency: a referral it originates names it (and no station).
  ASSERT_NE(c.FindAgency("cph"), nullptr);
  EXPECT_EQ(c.FindAgency("cph")->kind, AgencyKind::kHotline);
}

}  // namespace
}  // namespace csec
