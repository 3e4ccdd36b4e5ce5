#include "services/medical/medical_config.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/base/ids.h"
#include "services/common/domain/protocol_config.h"
#include "services/medical/medical_test_protocol.h"
#include "services/medical/slot_choice.h"

namespace csec::medical {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

const std::string kSourceDir = CSEC_SOURCE_DIR;
constexpr char kTestFile[] = "medical-test.yaml";

using csec::medical::testing::kProtocol;

// A valid file for kProtocol; each error test breaks one thing in it.
constexpr absl::string_view kConfig = R"yaml(
lead_time_minutes: 30
default_hours:
  exam_minutes: 60
  monday: "08:00-17:00"
  tuesday: "08:00-17:00"
  wednesday: "08:00-17:00"
  thursday: "08:00-17:00"
  friday: "07:30-16:00"
  saturday: closed
hubs:
  - id: hub-north
    exam_minutes: 45
  - id: hub-far
    hours: {monday: "10:00-14:00", saturday: "09:00-13:00", sunday: "20:00-24:00"}
)yaml";

std::shared_ptr<const ProtocolConfig> TestProtocol(absl::string_view text = kProtocol) {
  absl::StatusOr<std::shared_ptr<const ProtocolConfig>> protocol = ParseProtocolConfig(text, "protocol-test.yaml");
  EXPECT_TRUE(protocol.ok()) << protocol.status();
  return protocol.ok() ? *protocol : nullptr;
}

absl::StatusOr<MedicalConfig> Parse(absl::string_view text) {
  std::shared_ptr<const ProtocolConfig> protocol = TestProtocol();
  if (protocol == nullptr) return absl::InternalError("test protocol does not parse");
  return ParseMedicalConfig(text, kTestFile, *protocol);
}

// kConfig with `from` replaced by `to` (which must occur).
std::string ConfigWith(absl::string_view from, absl::string_view to) {
  const std::string text(kConfig);
  EXPECT_THAT(text, HasSubstr(std::string(from))) << "test bug: not in the config";
  return absl::StrReplaceAll(text, {{from, to}});
}

// The error message of parsing `text`, which must fail.
std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<MedicalConfig> config = Parse(text);
  EXPECT_FALSE(config.ok()) << "parsed, but an error was expected";
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST(MedicalConfigTest, ParsesHoursOverProtocolHubs) {
  absl::StatusOr<MedicalConfig> config = Parse(kConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->path, kTestFile);
  EXPECT_EQ(config->time_zone.name(), "America/Los_Angeles");
  EXPECT_EQ(config->window, absl::Hours(72));
  EXPECT_EQ(config->lead_time, absl::Minutes(30));
  ASSERT_THAT(config->hubs, SizeIs(4));
  EXPECT_EQ(config->hubs[0].hub_id, "hub-central");  // protocol.yaml's order, not this file's
  EXPECT_EQ(config->hubs[1].hub_id, "hub-north");
  EXPECT_EQ(config->hubs[2].hub_id, "hub-south");
  EXPECT_EQ(config->hubs[3].hub_id, "hub-far");

  // hub-central: no entry, the defaults.
  const HubCalendar& central = config->hubs[0];
  EXPECT_EQ(central.area_id, "central");
  EXPECT_EQ(central.daily_capacity, 4);
  ASSERT_TRUE(central.latitude && central.longitude);
  EXPECT_DOUBLE_EQ(*central.latitude, 34.05);
  EXPECT_DOUBLE_EQ(*central.longitude, -118.25);
  EXPECT_EQ(central.exam_length, absl::Hours(1));
  ASSERT_TRUE(central.hours[0].has_value());
  EXPECT_EQ(central.hours[0]->open_minute, 8 * 60);
  EXPECT_EQ(central.hours[0]->close_minute, 17 * 60);
  ASSERT_TRUE(central.hours[4].has_value());
  EXPECT_EQ(central.hours[4]->open_minute, 7 * 60 + 30);
  EXPECT_EQ(central.hours[4]->close_minute, 16 * 60);
  EXPECT_FALSE(central.hours[5].has_value());  // "closed"
  EXPECT_FALSE(central.hours[6].has_value());  // absent

  // hub-north: its own exam length over the default hours.
  const HubCalendar& north = config->hubs[1];
  EXPECT_EQ(north.exam_length, absl::Minutes(45));
  ASSERT_TRUE(north.hours[2].has_value());
  EXPECT_EQ(north.hours[2]->open_minute, 8 * 60);
  EXPECT_EQ(north.daily_capacity, 3);

  // hub-far: its own hours replace the defaults as a whole; 24:00 closes at midnight.
  const HubCalendar& far = config->hubs[3];
  EXPECT_EQ(far.exam_length, absl::Hours(1));
  ASSERT_TRUE(far.hours[0].has_value());
  EXPECT_EQ(far.hours[0]->open_minute, 10 * 60);
  EXPECT_EQ(far.hours[0]->close_minute, 14 * 60);
  EXPECT_FALSE(far.hours[1].has_value());  // tuesday: not in its own hours
  ASSERT_TRUE(far.hours[5].has_value());
  EXPECT_EQ(far.hours[5]->open_minute, 9 * 60);
  ASSERT_TRUE(far.hours[6].has_value());
  EXPECT_EQ(far.hours[6]->close_minute, 24 * 60);

  EXPECT_EQ(config->FindHub("hub-far"), &config->hubs[3]);
  EXPECT_EQ(config->FindHub("hub-nowhere"), nullptr);
}

TEST(MedicalConfigTest, VersionIsTheFilesHash) {
  absl::StatusOr<MedicalConfig> config = Parse(kConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->version, Sha256Hex(kConfig).substr(0, 12));
  EXPECT_THAT(config->version, SizeIs(12));
  absl::StatusOr<MedicalConfig> edited = Parse(absl::StrCat(kConfig, "# a comment\n"));
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_NE(edited->version, config->version);
}

TEST(MedicalConfigTest, WindowIsTheProtocolsMedicalExamDeadline) {
  std::string protocol_text(kProtocol);
  protocol_text = absl::StrReplaceAll(protocol_text, {{"medical_exam: {hours: 72", "medical_exam: {hours: 48"}});
  std::shared_ptr<const ProtocolConfig> protocol = TestProtocol(protocol_text);
  ASSERT_NE(protocol, nullptr);
  absl::StatusOr<MedicalConfig> config = ParseMedicalConfig(kConfig, kTestFile, *protocol);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->window, absl::Hours(48));
}

TEST(MedicalConfigTest, LeadTimeDefaultsToAnHourAndMayBeZero) {
  absl::StatusOr<MedicalConfig> absent = Parse(ConfigWith("lead_time_minutes: 30\n", ""));
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_EQ(absent->lead_time, absl::Hours(1));
  absl::StatusOr<MedicalConfig> zero = Parse(ConfigWith("lead_time_minutes: 30", "lead_time_minutes: 0"));
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->lead_time, absl::ZeroDuration());
}

TEST(MedicalConfigTest, DayIndexIsMondayFirst) {
  EXPECT_EQ(DayIndex(absl::Weekday::monday), 0);
  EXPECT_EQ(DayIndex(absl::Weekday::wednesday), 2);
  EXPECT_EQ(DayIndex(absl::Weekday::sunday), 6);
  EXPECT_EQ(DayIndex(absl::GetWeekday(absl::CivilDay(2026, 3, 7))), 5);  // a Saturday
}

TEST(MedicalConfigTest, RefusesUnknownHub) {
  const std::string error = ErrorOf(ConfigWith("  - id: hub-far\n", "  - id: hub-nowhere\n"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[1].id'"), HasSubstr("\"hub-nowhere\""),
                           HasSubstr("not a hub of protocol-test.yaml")));
}

TEST(MedicalConfigTest, RefusesDuplicateHubEntry) {
  const std::string error = ErrorOf(absl::StrCat(kConfig, "  - {id: hub-north, exam_minutes: 30}\n"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[2].id'"), HasSubstr("\"hub-north\""),
                           HasSubstr("already has an entry (hubs[0])")));
}

TEST(MedicalConfigTest, RefusesBadTimeText) {
  for (absl::string_view bad : {"8:00-17:00", "08:00-17:60", "08:00-25:00", "24:30-24:45", "08:00", "08:00 - 17:00",
                                "08.00-17.00", "open", "08:00-17:00-18:00"}) {
    SCOPED_TRACE(bad);
    const std::string error = ErrorOf(ConfigWith("monday: \"08:00-17:00\"", absl::StrCat("monday: \"", bad, "\"")));
    EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'default_hours.monday'"), HasSubstr("HH:MM-HH:MM"),
                             HasSubstr(absl::StrCat("got \"", bad, "\""))));
  }
  for (absl::string_view backwards : {"17:00-08:00", "09:00-09:00"}) {
    SCOPED_TRACE(backwards);
    const std::string error =
        ErrorOf(ConfigWith("saturday: \"09:00-13:00\"", absl::StrCat("saturday: \"", backwards, "\"")));
    EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[1].hours.saturday'"),
                             HasSubstr("must open before it closes")));
  }
}

TEST(MedicalConfigTest, RefusesUnknownWeekday) {
  std::string error = ErrorOf(ConfigWith("tuesday: \"08:00-17:00\"", "tues: \"08:00-17:00\""));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'default_hours.tues'"), HasSubstr("unknown key"),
                           HasSubstr("tuesday")));
  error = ErrorOf(ConfigWith("saturday: \"09:00", "satruday: \"09:00"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[1].hours.satruday'"), HasSubstr("unknown key")));
}

TEST(MedicalConfigTest, RefusesExamMinutesNotPositive) {
  for (absl::string_view bad : {"0", "-15", "forty"}) {
    SCOPED_TRACE(bad);
    const std::string error = ErrorOf(ConfigWith("exam_minutes: 60", absl::StrCat("exam_minutes: ", bad)));
    EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'default_hours.exam_minutes'"),
                             HasSubstr("must be a positive integer")));
  }
}

TEST(MedicalConfigTest, RefusesExamLongerThanTheDay) {
  // Its own hours, the default exam length.
  std::string error = ErrorOf(ConfigWith("saturday: \"09:00-13:00\"", "saturday: \"09:00-09:30\""));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[1].hours.saturday'"),
                           HasSubstr("shorter than one exam (60 minutes")));
  // Its own exam length, the default hours (friday is the shortest: 8.5 hours).
  error = ErrorOf(ConfigWith("exam_minutes: 45", "exam_minutes: 520"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[0].exam_minutes'"),
                           HasSubstr("longer than the default_hours for friday")));
  EXPECT_THAT(error, Not(HasSubstr("for monday")));
  // The defaults themselves: reported once, not again for every hub using them.
  error = ErrorOf(ConfigWith("friday: \"07:30-16:00\"", "friday: \"07:30-08:15\""));
  EXPECT_THAT(error,
              AllOf(HasSubstr("medical-test.yaml: key 'default_hours.friday'"), HasSubstr("shorter than one exam")));
  EXPECT_THAT(std::vector<std::string>(absl::StrSplit(error, '\n')), SizeIs(1)) << error;
}

TEST(MedicalConfigTest, RefusesNegativeLeadTime) {
  const std::string error = ErrorOf(ConfigWith("lead_time_minutes: 30", "lead_time_minutes: -5"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'lead_time_minutes'"), HasSubstr("must not be negative")));
}

TEST(MedicalConfigTest, RefusesHubWithNoHours) {
  // No default hours: hub-central and hub-south (no entry) and hub-north (exam length only).
  std::string text(kConfig);
  text = text.substr(0, text.find("default_hours:")) + text.substr(text.find("hubs:"));
  std::string error = ErrorOf(text);
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs': hub \"hub-central\""),
                           HasSubstr("medical-test.yaml: key 'hubs': hub \"hub-south\""),
                           HasSubstr("medical-test.yaml: key 'hubs[0]': hub \"hub-north\" is open on no weekday")));
  EXPECT_THAT(error, Not(HasSubstr("hub-far")));
  // Its own hours, every one closed.
  error = ErrorOf(ConfigWith("hours: {monday: \"10:00-14:00\", saturday: \"09:00-13:00\", sunday: \"20:00-24:00\"}",
                             "hours: {monday: closed, sunday: closed}"));
  EXPECT_THAT(error, HasSubstr("medical-test.yaml: key 'hubs[1].hours': hub \"hub-far\" is open on no weekday"));
}

TEST(MedicalConfigTest, RefusesUnknownKeys) {
  std::string error = ErrorOf(absl::StrCat(kConfig, "lead_time: 60\n"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'lead_time'"), HasSubstr("unknown key")));
  error = ErrorOf(ConfigWith("exam_minutes: 45", "exam_minutes: 45\n    capacity: 9"));
  EXPECT_THAT(error, AllOf(HasSubstr("medical-test.yaml: key 'hubs[0].capacity'"), HasSubstr("unknown key")));
}

TEST(MedicalConfigTest, ListsEveryProblem) {
  std::string text = ConfigWith("lead_time_minutes: 30", "lead_time_minutes: -1");
  text = absl::StrReplaceAll(
      text, {{"  - id: hub-far\n", "  - id: hub-nowhere\n"}, {"wednesday: \"08:00-17:00\"", "wednesday: \"8-5\""}});
  const std::string error = ErrorOf(text);
  EXPECT_THAT(std::vector<std::string>(absl::StrSplit(error, '\n')), SizeIs(3)) << error;
  EXPECT_THAT(error, AllOf(HasSubstr("key 'lead_time_minutes'"), HasSubstr("key 'hubs[1].id'"),
                           HasSubstr("key 'default_hours.wednesday'")));
}

TEST(MedicalConfigTest, MissingFileNamesIt) {
  std::shared_ptr<const ProtocolConfig> protocol = TestProtocol();
  ASSERT_NE(protocol, nullptr);
  absl::StatusOr<MedicalConfig> config = LoadMedicalConfig("/nonexistent/medical.yaml", *protocol);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/medical.yaml"));
}

TEST(MedicalConfigTest, ShippedFileLoadsAgainstShippedProtocol) {
  absl::StatusOr<std::shared_ptr<const ProtocolConfig>> protocol =
      LoadProtocolConfig(kSourceDir + "/deploy/config/protocol.yaml");
  ASSERT_TRUE(protocol.ok()) << protocol.status();
  absl::StatusOr<MedicalConfig> config = LoadMedicalConfig(kSourceDir + "/deploy/config/medical.yaml", **protocol);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->window, (*protocol)->GetDeadline(kMedicalExamDeadline).duration);
  EXPECT_EQ(config->lead_time, absl::Minutes(60));
  ASSERT_EQ(config->hubs.size(), (*protocol)->hubs.size());
  for (size_t i = 0; i < config->hubs.size(); ++i) {
    const HubCalendar& hub = config->hubs[i];
    const Hub& declared = (*protocol)->hubs[i];
    SCOPED_TRACE(hub.hub_id);
    EXPECT_EQ(hub.hub_id, declared.id);
    EXPECT_EQ(hub.area_id, declared.area_id);
    EXPECT_EQ(hub.daily_capacity, declared.daily_capacity);
    // A week: on every open day the hub has at least as many exam times as its capacity.
    int open_days = 0;
    for (absl::CivilDay day(2026, 3, 2); day < absl::CivilDay(2026, 3, 9); ++day) {
      if (!hub.hours[DayIndex(absl::GetWeekday(day))]) continue;
      ++open_days;
      EXPECT_GE(SlotsOn(hub, day), hub.daily_capacity) << FormatLocalDate(day);
    }
    EXPECT_GE(open_days, 5);
  }
  const HubCalendar* lac_usc = config->FindHub("hub-lac-usc");
  const HubCalendar* chla = config->FindHub("hub-chla");
  const HubCalendar* high_desert = config->FindHub("hub-high-desert");
  ASSERT_TRUE(lac_usc && chla && high_desert);
  EXPECT_TRUE(lac_usc->hours[DayIndex(absl::Weekday::saturday)].has_value());
  EXPECT_TRUE(chla->hours[DayIndex(absl::Weekday::saturday)].has_value());
  EXPECT_FALSE(high_desert->hours[DayIndex(absl::Weekday::saturday)].has_value());
  EXPECT_FALSE(high_desert->hours[DayIndex(absl::Weekday::sunday)].has_value());
}

}  // namespace
}  // namespace csec::medical
