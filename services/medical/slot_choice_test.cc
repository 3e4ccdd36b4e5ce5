#include "services/medical/slot_choice.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/domain/protocol_config.h"
#include "services/medical/medical_test_protocol.h"

namespace csec::medical {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

using csec::medical::testing::kProtocol;

// Weekdays 08:00-17:00, one-hour exams; hub-north 45-minute exams; hub-far also Saturday morning.
constexpr absl::string_view kMedical = R"yaml(
lead_time_minutes: 60
default_hours:
  exam_minutes: 60
  monday: "08:00-17:00"
  tuesday: "08:00-17:00"
  wednesday: "08:00-17:00"
  thursday: "08:00-17:00"
  friday: "08:00-17:00"
hubs:
  - id: hub-north
    exam_minutes: 45
  - id: hub-far
    hours:
      monday: "08:00-17:00"
      tuesday: "08:00-17:00"
      wednesday: "08:00-17:00"
      thursday: "08:00-17:00"
      friday: "08:00-17:00"
      saturday: "09:00-13:00"
)yaml";

// "hub-central 2026-03-03 [3-8] rank 0": what a test expects of a group, in one line.
std::string Describe(const SlotGroup& group) {
  return absl::StrCat(group.hub_id, " ", FormatLocalDate(group.day), " [", group.first_slot, "-", group.last_slot,
                      "] rank ", group.hub_rank);
}

std::vector<std::string> Describe(const std::vector<SlotGroup>& groups) {
  std::vector<std::string> lines;
  for (const SlotGroup& group : groups) lines.push_back(Describe(group));
  return lines;
}

class SlotChoiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(absl::LoadTimeZone("America/Los_Angeles", &la_));
    absl::StatusOr<std::shared_ptr<const ProtocolConfig>> protocol =
        ParseProtocolConfig(kProtocol, "protocol-test.yaml");
    ASSERT_TRUE(protocol.ok()) << protocol.status();
    protocol_ = *protocol;
    absl::StatusOr<MedicalConfig> config = ParseMedicalConfig(kMedical, "medical-test.yaml", *protocol_);
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }

  absl::Time Local(int year, int month, int day, int hour, int minute) const {
    return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), la_);
  }
  static absl::Time Utc(int year, int month, int day, int hour, int minute) {
    return absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), absl::UTCTimeZone());
  }

  // The search of a case in `area` (its protocol hub list) identified at `identified`, asked at `now`.
  SlotSearch SearchFor(absl::string_view area, absl::Time identified, absl::Time now) const {
    const Area* found = protocol_->FindArea(area);
    EXPECT_NE(found, nullptr) << "test bug: no area " << area;
    return NewSlotSearch(config_, area, identified, now,
                         found != nullptr ? found->hub_ids : std::vector<std::string>{});
  }

  HubCalendar& Hub(absl::string_view id) {
    for (HubCalendar& hub : config_.hubs) {
      if (hub.hub_id == id) return hub;
    }
    ADD_FAILURE() << "test bug: no hub " << id;
    return config_.hubs.front();
  }

  // Index of the first group of `hub_id` on `day`, or -1.
  static int IndexOf(const std::vector<SlotGroup>& ranked, absl::string_view hub_id, absl::CivilDay day) {
    for (size_t i = 0; i < ranked.size(); ++i) {
      if (ranked[i].hub_id == hub_id && ranked[i].day == day) return static_cast<int>(i);
    }
    return -1;
  }

  absl::TimeZone la_;
  std::shared_ptr<const ProtocolConfig> protocol_;
  MedicalConfig config_;
};

TEST_F(SlotChoiceTest, TestDatesFallOnTheWeekdaysTheTestsAssume) {
  EXPECT_EQ(absl::GetWeekday(absl::CivilDay(2026, 3, 3)), absl::Weekday::tuesday);
  EXPECT_EQ(absl::GetWeekday(absl::CivilDay(2026, 3, 6)), absl::Weekday::friday);
  EXPECT_EQ(absl::GetWeekday(absl::CivilDay(2026, 3, 8)), absl::Weekday::sunday);
  EXPECT_EQ(absl::GetWeekday(absl::CivilDay(2026, 10, 30)), absl::Weekday::friday);
  EXPECT_EQ(absl::GetWeekday(absl::CivilDay(2026, 11, 1)), absl::Weekday::sunday);
}

TEST_F(SlotChoiceTest, SameDayBeatsNextDayEvenAtAFartherHub) {
  const absl::Time identified = Local(2026, 3, 3, 10, 0);  // Tuesday
  const SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_FALSE(ranked.empty());
  // Not before 11:00 (the lead time): slot 3 of an 08:00 hub with one-hour exams.
  EXPECT_EQ(Describe(ranked[0]), "hub-central 2026-03-03 [3-8] rank 0");

  const int far_same_day = IndexOf(ranked, "hub-far", absl::CivilDay(2026, 3, 3));
  const int own_next_day = IndexOf(ranked, "hub-central", absl::CivilDay(2026, 3, 4));
  ASSERT_GE(far_same_day, 0);
  ASSERT_GE(own_next_day, 0);
  EXPECT_LT(far_same_day, own_next_day);
  EXPECT_TRUE(std::is_sorted(ranked.begin(), ranked.end(),
                             [](const SlotGroup& a, const SlotGroup& b) { return a.day < b.day; }));
  EXPECT_EQ(ExplainChoice(config_, search, ranked, far_same_day),
            "same day (2026-03-03) at hub-far, 4th nearest hub for central; earlier: hub-central 2026-03-03, "
            "hub-north 2026-03-03, hub-south 2026-03-03 full or closed");
}

TEST_F(SlotChoiceTest, OwnAreasHubBeatsAnotherOnTheSameDay) {
  const absl::Time identified = Local(2026, 3, 3, 10, 0);
  for (absl::string_view area : {"central", "south"}) {
    SCOPED_TRACE(area);
    const SlotSearch search = SearchFor(area, identified, identified);
    const std::vector<SlotGroup> ranked = RankSlots(config_, search);
    ASSERT_GE(ranked.size(), 2u);
    const std::string own_hub = area == "central" ? "hub-central" : "hub-south";
    EXPECT_EQ(ranked[0].hub_id, own_hub);
    EXPECT_EQ(ranked[0].hub_rank, 0);
    EXPECT_EQ(ranked[1].day, ranked[0].day);
    EXPECT_NE(ranked[1].hub_id, own_hub);
    EXPECT_EQ(ExplainChoice(config_, search, ranked, 0),
              absl::StrCat("same day (2026-03-03) at ", own_hub, ", the hub serving ", area));
  }
  // An area with no hub of its own: its first hub is only the nearest.
  SlotSearch search = SearchFor("south", identified, identified);
  search.area_id = "east";
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(ExplainChoice(config_, search, ranked, 0), "same day (2026-03-03) at hub-south, nearest hub for east");
}

TEST_F(SlotChoiceTest, ClosedWeekdaysMakeNoGroup) {
  const absl::Time identified = Local(2026, 3, 7, 10, 0);  // Saturday
  const SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  // Saturday: only hub-far (09:00-13:00) is open, from 11:00; Sunday: nothing; then Monday and
  // Tuesday (the window ends Tuesday 11:00 PDT).
  ASSERT_GE(ranked.size(), 2u);
  EXPECT_EQ(Describe(ranked[0]), "hub-far 2026-03-07 [2-3] rank 3");
  EXPECT_EQ(Describe(ranked[1]), "hub-central 2026-03-09 [0-8] rank 0");
  for (const SlotGroup& group : ranked) {
    EXPECT_NE(absl::GetWeekday(group.day), absl::Weekday::sunday) << Describe(group);
    if (group.hub_id != "hub-far") {
      EXPECT_NE(absl::GetWeekday(group.day), absl::Weekday::saturday) << Describe(group);
    }
  }
  EXPECT_EQ(Describe(ranked.back()), "hub-far 2026-03-10 [0-2] rank 3");
}

TEST_F(SlotChoiceTest, AFullGroupPassesToTheNextHubThenTheNextDay) {
  const absl::Time identified = Local(2026, 3, 3, 10, 0);
  const SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_GE(ranked.size(), 6u);
  // hub-central full: the next group is the next hub the same day.
  EXPECT_EQ(Describe(ranked[1]), "hub-north 2026-03-03 [4-11] rank 1");
  EXPECT_EQ(ExplainChoice(config_, search, ranked, 1),
            "same day (2026-03-03) at hub-north, 2nd nearest hub for central; earlier: hub-central 2026-03-03 full "
            "or closed");
  // Every hub full that day: the next group is the first hub the next day.
  const int first_next_day = IndexOf(ranked, "hub-central", absl::CivilDay(2026, 3, 4));
  ASSERT_EQ(first_next_day, 4);
  EXPECT_EQ(Describe(ranked[3]), "hub-far 2026-03-03 [3-8] rank 3");
  EXPECT_EQ(ExplainChoice(config_, search, ranked, 4),
            "next day (2026-03-04) at hub-central, the hub serving central; earlier: hub-central 2026-03-03, "
            "hub-north 2026-03-03, hub-south 2026-03-03 and 1 more full or closed");
  EXPECT_EQ(ranked[4].capacity, 4);
  EXPECT_EQ(ranked[1].capacity, 3);
}

TEST_F(SlotChoiceTest, WindowIsMeasuredFromIdentificationNotFromNow) {
  const absl::Time identified = Local(2026, 3, 2, 10, 0);  // Monday
  const absl::Time now = identified + absl::Hours(70);     // Thursday 08:00
  const SlotSearch search = SearchFor("central", identified, now);
  EXPECT_EQ(search.window_ends_at, Local(2026, 3, 5, 10, 0));
  EXPECT_EQ(search.not_before, Local(2026, 3, 5, 9, 0));
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  // Only the 09:00-10:00 exams fit; hub-north's 45-minute times (08:45, 09:30) do not.
  EXPECT_THAT(Describe(ranked), ElementsAre("hub-central 2026-03-05 [1-1] rank 0", "hub-south 2026-03-05 [1-1] rank 2",
                                            "hub-far 2026-03-05 [1-1] rank 3"));
  for (const SlotGroup& group : ranked) {
    EXPECT_LE(SlotEnd(*config_.FindHub(group.hub_id), group.day, group.last_slot, la_), identified + absl::Hours(72));
  }
  // A clock behind the identification does not start the search before it (plus the time to get
  // the youth to a hub).
  const SlotSearch early = SearchFor("central", identified, identified - absl::Hours(3));
  EXPECT_EQ(early.not_before, identified + absl::Hours(1));
  EXPECT_EQ(early.window_ends_at, identified + absl::Hours(72));
}

TEST_F(SlotChoiceTest, LateNightIdentificationGoesToTheNextMorning) {
  const absl::Time identified = Local(2026, 3, 3, 23, 30);  // Tuesday
  const SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(IndexOf(ranked, "hub-central", absl::CivilDay(2026, 3, 3)), -1);
  EXPECT_EQ(Describe(ranked[0]), "hub-central 2026-03-04 [0-8] rank 0");
  EXPECT_EQ(SlotStart(Hub("hub-central"), ranked[0].day, ranked[0].first_slot, la_), Local(2026, 3, 4, 8, 0));
  EXPECT_EQ(ExplainChoice(config_, search, ranked, 0), "next day (2026-03-04) at hub-central, the hub serving central");
}

TEST_F(SlotChoiceTest, LateFridayWithWeekdayHubsGoesToMondayWithinTheWindow) {
  Hub("hub-far").hours[DayIndex(absl::Weekday::saturday)].reset();  // weekday hubs only
  Hub("hub-central").hours[DayIndex(absl::Weekday::monday)] =
      OpeningHours{.open_minute = 8 * 60, .close_minute = 24 * 60};
  const absl::Time identified = Local(2026, 3, 6, 22, 0);  // Friday, PST
  const SlotSearch search = SearchFor("central", identified, identified);
  // 72 hours later is Monday 23:00 PDT (the clocks went forward on Sunday).
  EXPECT_EQ(search.window_ends_at, Local(2026, 3, 9, 23, 0));
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  // hub-central's Monday runs to midnight: its exams fit up to the one ending 23:00 (slot 14).
  EXPECT_THAT(Describe(ranked),
              ElementsAre("hub-central 2026-03-09 [0-14] rank 0", "hub-north 2026-03-09 [0-11] rank 1",
                          "hub-south 2026-03-09 [0-8] rank 2", "hub-far 2026-03-09 [0-8] rank 3"));
  EXPECT_EQ(SlotEnd(Hub("hub-central"), absl::CivilDay(2026, 3, 9), 14, la_), search.window_ends_at);
  EXPECT_EQ(ExplainChoice(config_, search, ranked, 0), "day 3 (2026-03-09) at hub-central, the hub serving central");
}

TEST_F(SlotChoiceTest, LateFridayASaturdayHubComesFirstThoughFarther) {
  const absl::Time identified = Local(2026, 3, 6, 22, 0);
  const SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_GE(ranked.size(), 2u);
  EXPECT_EQ(Describe(ranked[0]), "hub-far 2026-03-07 [0-3] rank 3");
  EXPECT_EQ(Describe(ranked[1]), "hub-central 2026-03-09 [0-8] rank 0");
  EXPECT_EQ(ExplainChoice(config_, search, ranked, 0), "next day (2026-03-07) at hub-far, 4th nearest hub for central");
}

TEST_F(SlotChoiceTest, WindowAcrossSpringForward) {
  Hub("hub-central").hours[DayIndex(absl::Weekday::monday)] =
      OpeningHours{.open_minute = 8 * 60, .close_minute = 24 * 60};
  const absl::Time identified = Local(2026, 3, 6, 21, 0);  // Friday 21:00 PST = Saturday 05:00 UTC
  EXPECT_EQ(identified, Utc(2026, 3, 7, 5, 0));
  const SlotSearch search = SearchFor("central", identified, identified);
  // 72 real hours end Monday 22:00 PDT: 73 hours later on the wall clock.
  EXPECT_EQ(search.window_ends_at, Utc(2026, 3, 10, 5, 0));
  EXPECT_EQ(search.window_ends_at, Local(2026, 3, 9, 22, 0));
  EXPECT_EQ(absl::ToCivilSecond(search.window_ends_at, la_) - absl::ToCivilSecond(identified, la_), 73 * 3600);

  const HubCalendar& central = Hub("hub-central");
  EXPECT_EQ(SlotStart(central, absl::CivilDay(2026, 3, 6), 0, la_), Utc(2026, 3, 6, 16, 0));  // 08:00 PST
  EXPECT_EQ(SlotStart(central, absl::CivilDay(2026, 3, 9), 0, la_), Utc(2026, 3, 9, 15, 0));  // 08:00 PDT

  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  const int monday = IndexOf(ranked, "hub-central", absl::CivilDay(2026, 3, 9));
  ASSERT_GE(monday, 0);
  EXPECT_EQ(Describe(ranked[monday]), "hub-central 2026-03-09 [0-13] rank 0");  // the last ends 22:00 PDT
}

TEST_F(SlotChoiceTest, WindowAcrossFallBack) {
  Hub("hub-central").hours[DayIndex(absl::Weekday::monday)] =
      OpeningHours{.open_minute = 8 * 60, .close_minute = 24 * 60};
  const absl::Time identified = Local(2026, 10, 30, 21, 0);  // Friday 21:00 PDT = Saturday 04:00 UTC
  EXPECT_EQ(identified, Utc(2026, 10, 31, 4, 0));
  const SlotSearch search = SearchFor("central", identified, identified);
  // 72 real hours end Monday 20:00 PST: 71 hours later on the wall clock.
  EXPECT_EQ(search.window_ends_at, Local(2026, 11, 2, 20, 0));
  EXPECT_EQ(absl::ToCivilSecond(search.window_ends_at, la_) - absl::ToCivilSecond(identified, la_), 71 * 3600);

  const HubCalendar& central = Hub("hub-central");
  EXPECT_EQ(SlotStart(central, absl::CivilDay(2026, 10, 30), 0, la_), Utc(2026, 10, 30, 15, 0));  // 08:00 PDT
  EXPECT_EQ(SlotStart(central, absl::CivilDay(2026, 11, 2), 0, la_), Utc(2026, 11, 2, 16, 0));    // 08:00 PST

  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  const int monday = IndexOf(ranked, "hub-central", absl::CivilDay(2026, 11, 2));
  ASSERT_GE(monday, 0);
  EXPECT_EQ(Describe(ranked[monday]), "hub-central 2026-11-02 [0-11] rank 0");  // the last ends 20:00 PST
  EXPECT_THAT(ExplainChoice(config_, search, ranked, monday),
              StartsWith("day 3 (2026-11-02) at hub-central, the hub serving central; earlier: hub-far 2026-10-31"));
}

TEST_F(SlotChoiceTest, SlotInstantsOnDaylightSavingDays) {
  HubCalendar& central = Hub("hub-central");
  for (auto& day : central.hours) day = OpeningHours{.open_minute = 0, .close_minute = 24 * 60};
  struct Case {
    absl::CivilDay day;
    absl::Duration length;
  };
  for (const Case& c :
       {Case{absl::CivilDay(2026, 3, 7), absl::Hours(24)}, Case{absl::CivilDay(2026, 3, 8), absl::Hours(23)},
        Case{absl::CivilDay(2026, 11, 1), absl::Hours(25)}}) {
    SCOPED_TRACE(FormatLocalDate(c.day));
    ASSERT_EQ(SlotsOn(central, c.day), 24);
    EXPECT_EQ(SlotEnd(central, c.day, 23, la_) - SlotStart(central, c.day, 0, la_), c.length);
    EXPECT_EQ(SlotStart(central, c.day, 0, la_), absl::FromCivil(absl::CivilSecond(c.day), la_));
  }
  // After the change, local hours are the new offset's.
  EXPECT_EQ(SlotStart(central, absl::CivilDay(2026, 3, 8), 8, la_), Utc(2026, 3, 8, 15, 0));    // 08:00 PDT
  EXPECT_EQ(SlotStart(central, absl::CivilDay(2026, 11, 1), 8, la_), Utc(2026, 11, 1, 16, 0));  // 08:00 PST
  EXPECT_EQ(SlotEnd(central, absl::CivilDay(2026, 3, 8), 8, la_), Utc(2026, 3, 8, 16, 0));
}

TEST_F(SlotChoiceTest, SlotsOnFollowsHoursAndExamLength) {
  EXPECT_EQ(SlotsOn(Hub("hub-central"), absl::CivilDay(2026, 3, 2)), 9);  // Monday, 9 hours of 60 minutes
  EXPECT_EQ(SlotsOn(Hub("hub-north"), absl::CivilDay(2026, 3, 2)), 12);   // 9 hours of 45 minutes
  EXPECT_EQ(SlotsOn(Hub("hub-central"), absl::CivilDay(2026, 3, 7)), 0);  // Saturday, closed
  EXPECT_EQ(SlotsOn(Hub("hub-far"), absl::CivilDay(2026, 3, 7)), 4);      // Saturday 09:00-13:00
  Hub("hub-south").exam_length = absl::Minutes(50);
  EXPECT_EQ(SlotsOn(Hub("hub-south"), absl::CivilDay(2026, 3, 2)), 10);  // 540 / 50, rounded down
  EXPECT_EQ(SlotStart(Hub("hub-north"), absl::CivilDay(2026, 3, 2), 3, la_), Local(2026, 3, 2, 10, 15));
}

TEST_F(SlotChoiceTest, EmergencyOrdersEverySlotByStartTimeAcrossHubs) {
  const absl::Time identified = Local(2026, 3, 3, 10, 0);
  SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> grouped = RankSlots(config_, search);
  search.emergency = true;
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_GE(ranked.size(), 6u);
  // 11:00 at every hub, in hub order; then hub-north's 11:45 before the others' 12:00.
  const std::vector<std::string> described = Describe(ranked);
  EXPECT_THAT(std::vector<std::string>(described.begin(), described.begin() + 6),
              ElementsAre("hub-central 2026-03-03 [3-3] rank 0", "hub-north 2026-03-03 [4-4] rank 1",
                          "hub-south 2026-03-03 [3-3] rank 2", "hub-far 2026-03-03 [3-3] rank 3",
                          "hub-north 2026-03-03 [5-5] rank 1", "hub-central 2026-03-03 [4-4] rank 0"));
  size_t slots = 0;
  for (const SlotGroup& group : grouped) slots += group.last_slot - group.first_slot + 1;
  EXPECT_EQ(ranked.size(), slots);
  for (size_t i = 0; i < ranked.size(); ++i) {
    EXPECT_EQ(ranked[i].first_slot, ranked[i].last_slot);
    if (i == 0) continue;
    const absl::Time previous =
        SlotStart(*config_.FindHub(ranked[i - 1].hub_id), ranked[i - 1].day, ranked[i - 1].first_slot, la_);
    const absl::Time start = SlotStart(*config_.FindHub(ranked[i].hub_id), ranked[i].day, ranked[i].first_slot, la_);
    EXPECT_TRUE(previous < start || (previous == start && ranked[i - 1].hub_rank < ranked[i].hub_rank))
        << Describe(ranked[i - 1]) << " then " << Describe(ranked[i]);
  }
  EXPECT_THAT(ExplainChoice(config_, search, ranked, 4),
              AllOf(StartsWith("soonest slot at any hub: 11:45 PST same day (2026-03-03) at hub-north, 2nd nearest hub "
                               "for central"),
                    HasSubstr("earlier: hub-central 2026-03-03 11:00, hub-north 2026-03-03 11:00")));
}

TEST_F(SlotChoiceTest, ExcludedSlotSplitsItsGroup) {
  const absl::Time identified = Local(2026, 3, 3, 10, 0);
  SlotSearch search = SearchFor("central", identified, identified);
  search.exclude = SlotRef{.hub_id = "hub-central", .day = absl::CivilDay(2026, 3, 4), .slot_index = 3};
  std::vector<SlotGroup> ranked = RankSlots(config_, search);
  const int split = IndexOf(ranked, "hub-central", absl::CivilDay(2026, 3, 4));
  ASSERT_GE(split, 0);
  ASSERT_LT(split + 1, static_cast<int>(ranked.size()));
  EXPECT_EQ(Describe(ranked[split]), "hub-central 2026-03-04 [0-2] rank 0");
  EXPECT_EQ(Describe(ranked[split + 1]), "hub-central 2026-03-04 [4-8] rank 0");
  // At a group's edge it only shortens the group.
  search.exclude = SlotRef{.hub_id = "hub-central", .day = absl::CivilDay(2026, 3, 3), .slot_index = 3};
  ranked = RankSlots(config_, search);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(Describe(ranked[0]), "hub-central 2026-03-03 [4-8] rank 0");
  EXPECT_EQ(Describe(ranked[1]), "hub-north 2026-03-03 [4-11] rank 1");
}

TEST_F(SlotChoiceTest, OnlyHubAndOnlyDay) {
  const absl::Time identified = Local(2026, 3, 3, 10, 0);
  SlotSearch search = SearchFor("central", identified, identified);
  search.only_hub = "hub-south";
  EXPECT_THAT(Describe(RankSlots(config_, search)),
              ElementsAre("hub-south 2026-03-03 [3-8] rank 2", "hub-south 2026-03-04 [0-8] rank 2",
                          "hub-south 2026-03-05 [0-8] rank 2", "hub-south 2026-03-06 [0-1] rank 2"));
  search.only_day = absl::CivilDay(2026, 3, 4);
  EXPECT_THAT(Describe(RankSlots(config_, search)), ElementsAre("hub-south 2026-03-04 [0-8] rank 2"));
  search.only_hub.reset();
  EXPECT_THAT(Describe(RankSlots(config_, search)),
              ElementsAre("hub-central 2026-03-04 [0-8] rank 0", "hub-north 2026-03-04 [0-11] rank 1",
                          "hub-south 2026-03-04 [0-8] rank 2", "hub-far 2026-03-04 [0-8] rank 3"));
  search.only_day = absl::CivilDay(2026, 3, 12);  // after the window
  EXPECT_THAT(RankSlots(config_, search), IsEmpty());
}

TEST_F(SlotChoiceTest, HubOrderIsCandidatesThenDistance) {
  // From hub-north: hub-central ~43 km, hub-far ~64 km, hub-south ~74 km.
  EXPECT_THAT(HubOrder(config_, {"hub-north"}), ElementsAre("hub-north", "hub-central", "hub-far", "hub-south"));
  // From hub-central: hub-south ~34 km, hub-north ~43 km, hub-far ~96 km.
  EXPECT_THAT(HubOrder(config_, {"hub-central"}), ElementsAre("hub-central", "hub-south", "hub-north", "hub-far"));
  // The candidates' own order is kept; unknown and repeated ids are dropped.
  EXPECT_THAT(HubOrder(config_, {"hub-nowhere", "hub-far", "hub-south", "hub-far"}),
              ElementsAre("hub-far", "hub-south", "hub-north", "hub-central"));
  EXPECT_THAT(HubOrder(config_, {}), ElementsAre("hub-central", "hub-north", "hub-south", "hub-far"));

  Hub("hub-central").latitude.reset();
  Hub("hub-central").longitude.reset();
  // A hub without coordinates comes last; a candidate without them is skipped as the origin.
  EXPECT_THAT(HubOrder(config_, {"hub-north"}), ElementsAre("hub-north", "hub-far", "hub-south", "hub-central"));
  EXPECT_THAT(HubOrder(config_, {"hub-central", "hub-south"}),
              ElementsAre("hub-central", "hub-south", "hub-north", "hub-far"));
}

TEST_F(SlotChoiceTest, LocalDates) {
  EXPECT_EQ(FormatLocalDate(absl::CivilDay(2026, 3, 6)), "2026-03-06");
  EXPECT_EQ(ParseLocalDate("2026-03-06"), absl::CivilDay(2026, 3, 6));
  EXPECT_EQ(ParseLocalDate("2028-02-29"), absl::CivilDay(2028, 2, 29));
  for (absl::string_view bad : {"2026-02-30", "2026-3-6", "", "2026-03-06x", "06/03/2026", "2026-03-06T10:00"}) {
    EXPECT_EQ(ParseLocalDate(bad), std::nullopt) << bad;
  }
}

TEST_F(SlotChoiceTest, FailureWhenTheWindowHasPassed) {
  const absl::Time identified = Local(2026, 3, 2, 10, 0);
  const SlotSearch search = SearchFor("central", identified, identified + absl::Hours(71) + absl::Minutes(30));
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_THAT(ranked, IsEmpty());
  const SchedulingFailure failure = ExplainFailure(config_, search, ranked, 0);
  EXPECT_EQ(failure.cause, "window_passed");
  EXPECT_THAT(failure.why, AllOf(HasSubstr("2026-03-05 10:00 PST"), HasSubstr("4 hubs"), Not(HasSubstr("youth"))));
}

TEST_F(SlotChoiceTest, FailureWhenEveryHubIsClosedInTheWindow) {
  SlotSearch search;
  search.area_id = "central";
  search.identified_at = Local(2026, 3, 7, 10, 0);  // Saturday
  search.not_before = search.identified_at;
  search.window_ends_at = Local(2026, 3, 8, 20, 0);  // Sunday
  search.hub_order = {"hub-central", "hub-north", "hub-south"};
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_THAT(ranked, IsEmpty());
  const SchedulingFailure failure = ExplainFailure(config_, search, ranked, 0);
  EXPECT_EQ(failure.cause, "hubs_closed");
  EXPECT_THAT(failure.why, AllOf(HasSubstr("2026-03-08 20:00 PDT"), HasSubstr("3 hubs"), HasSubstr("2 local days")));
}

TEST_F(SlotChoiceTest, FailureWhenGroupsAreFullOrClosed) {
  const absl::Time identified = Local(2026, 3, 6, 22, 0);  // Friday
  const SlotSearch search = SearchFor("central", identified, identified);
  const std::vector<SlotGroup> ranked = RankSlots(config_, search);
  ASSERT_EQ(ranked.size(), 5u);  // hub-far Saturday, every hub Monday
  const int all = static_cast<int>(ranked.size());

  SchedulingFailure failure = ExplainFailure(config_, search, ranked, all);
  EXPECT_EQ(failure.cause, "hubs_closed");
  EXPECT_THAT(failure.why, AllOf(HasSubstr("2026-03-09 23:00 PDT"), HasSubstr("closed by a hub coordinator"),
                                 HasSubstr("4 hubs over 2 days")));

  failure = ExplainFailure(config_, search, ranked, 1);
  EXPECT_EQ(failure.cause, "no_capacity");
  EXPECT_THAT(failure.why,
              AllOf(HasSubstr("2026-03-09 23:00 PDT"), HasSubstr("fully booked"), HasSubstr("4 hubs over 2 days"),
                    HasSubstr("1 of 5 hub days closed by a hub coordinator")));
  failure = ExplainFailure(config_, search, ranked, 0);
  EXPECT_EQ(failure.cause, "no_capacity");
  EXPECT_THAT(failure.why, Not(HasSubstr("closed by")));
}

}  // namespace
}  // namespace csec::medical
