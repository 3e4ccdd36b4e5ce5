#include "services/paging/on_call.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/base/clock.h"

namespace csec::paging {
namespace {

using ::csec::dispatch::v1::RosterChanges;
using ::csec::dispatch::v1::RosterOverride;

class OnCallTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(absl::LoadTimeZone("America/Los_Angeles", &la_)); }

  // A local wall-clock time that happens exactly once.
  absl::Time Local(int y, int mo, int d, int h, int mi = 0) const {
    const absl::CivilSecond civil(y, mo, d, h, mi, 0);
    EXPECT_EQ(la_.At(civil).kind, absl::TimeZone::TimeInfo::UNIQUE) << "test bug: ambiguous local time";
    return absl::FromCivil(civil, la_);
  }
  static absl::Time Utc(int y, int mo, int d, int h, int mi = 0) {
    return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
  }
  absl::CivilSecond LocalOf(absl::Time t) const { return la_.At(t).cs; }

  static Roster MakeRoster(absl::CivilDay starts, std::vector<absl::Duration> handoffs, int shifts_per_turn,
                           std::vector<std::string> members) {
    Roster roster;
    roster.id = "team";
    roster.name = "Team on call";
    roster.rotation = Rotation{starts, std::move(handoffs), shifts_per_turn, std::move(members)};
    return roster;
  }
  // 12-hour shifts at 08:00 and 20:00 from Monday 2026-01-05: a, b, c, a, ...
  static Roster TwelveHour() {
    return MakeRoster(absl::CivilDay(2026, 1, 5), {absl::Hours(8), absl::Hours(20)}, 1, {"a", "b", "c"});
  }
  static void AddOverride(RosterChanges& changes, const std::string& id, const std::string& person, absl::Time starts,
                          absl::Time ends) {
    RosterOverride* o = changes.add_overrides();
    o->set_override_id(id);
    o->set_person_id(person);
    *o->mutable_starts_at() = ToProtoTime(starts);
    *o->mutable_ends_at() = ToProtoTime(ends);
  }

  OnCall At(const Roster& roster, absl::Time t, const RosterChanges& changes = {}) const {
    return OnCallAt(roster, changes, t, la_);
  }
  Shift ShiftAt(const Roster& roster, absl::Time t, const RosterChanges& changes = {}) const {
    std::optional<Shift> shift = RotationShiftAt(roster, changes, t, la_);
    EXPECT_TRUE(shift.has_value());
    return shift.value_or(Shift{});
  }

  absl::TimeZone la_;
};

TEST_F(OnCallTest, MembersTakeTwelveHourShiftsInOrder) {
  const Roster roster = TwelveHour();
  OnCall first = At(roster, Local(2026, 1, 5, 8, 0));
  EXPECT_EQ(first.person_id, "a");
  EXPECT_EQ(first.source, "rotation");
  EXPECT_EQ(first.starts_at, Local(2026, 1, 5, 8));
  EXPECT_EQ(first.ends_at, Local(2026, 1, 5, 20));
  EXPECT_EQ(At(roster, Local(2026, 1, 5, 19, 59)).person_id, "a");
  EXPECT_EQ(At(roster, Local(2026, 1, 5, 20, 0)).person_id, "b");
  EXPECT_EQ(At(roster, Local(2026, 1, 6, 3, 0)).person_id, "b");
  EXPECT_EQ(At(roster, Local(2026, 1, 6, 8, 0)).person_id, "c");
  EXPECT_EQ(At(roster, Local(2026, 1, 6, 20, 0)).person_id, "a");
}

TEST_F(OnCallTest, NobodyBeforeTheFirstHandoff) {
  const Roster roster = TwelveHour();
  const OnCall early = At(roster, Local(2026, 1, 5, 7, 59));
  EXPECT_EQ(early.person_id, "");
  EXPECT_EQ(early.source, "");
  EXPECT_EQ(early.starts_at, absl::InfinitePast());
  EXPECT_EQ(early.ends_at, Local(2026, 1, 5, 8));
  EXPECT_EQ(At(roster, Local(2025, 12, 25, 12)).person_id, "");

  const Shift shift = ShiftAt(roster, Local(2026, 1, 4, 12));
  EXPECT_EQ(shift.person_id, "");
  EXPECT_EQ(shift.ends_at, Local(2026, 1, 5, 8));  // the first handoff is the next one
}

TEST_F(OnCallTest, SpringForwardNightShiftIsElevenHoursAndHandoffsStayAtLocalTime) {
  const Roster roster = TwelveHour();
  // 2026-03-08: at 02:00 PST clocks go to 03:00 PDT. The night shift from Saturday 20:00 to
  // Sunday 08:00 is shift 123 (61 days after 01-05, second shift of the day): member a.
  for (absl::Time t :
       {Local(2026, 3, 7, 20), Local(2026, 3, 8, 1, 59), Local(2026, 3, 8, 3, 0), Local(2026, 3, 8, 7, 59)}) {
    const Shift night = ShiftAt(roster, t);
    EXPECT_EQ(night.person_id, "a");
    EXPECT_EQ(LocalOf(night.starts_at), absl::CivilSecond(2026, 3, 7, 20, 0, 0));
    EXPECT_EQ(LocalOf(night.ends_at), absl::CivilSecond(2026, 3, 8, 8, 0, 0));
    EXPECT_EQ(night.ends_at - night.starts_at, absl::Hours(11));
    const OnCall on_call = At(roster, t);
    EXPECT_EQ(on_call.person_id, "a");
    EXPECT_EQ(on_call.starts_at, night.starts_at);
    EXPECT_EQ(on_call.ends_at, night.ends_at);
  }
  const Shift day = ShiftAt(roster, Local(2026, 3, 8, 8));
  EXPECT_EQ(day.person_id, "b");
  EXPECT_EQ(LocalOf(day.ends_at), absl::CivilSecond(2026, 3, 8, 20, 0, 0));
  EXPECT_EQ(day.ends_at - day.starts_at, absl::Hours(12));
}

TEST_F(OnCallTest, FallBackNightShiftIsThirteenHoursAndHandoffsStayAtLocalTime) {
  const Roster roster = TwelveHour();
  // 2026-11-01: at 02:00 PDT clocks go back to 01:00 PST. Shift 599, member c.
  for (absl::Time t : {Local(2026, 10, 31, 20), Utc(2026, 11, 1, 8, 30) /* 01:30 PDT */,
                       Utc(2026, 11, 1, 9, 30) /* 01:30 PST */, Local(2026, 11, 1, 7, 59)}) {
    const Shift night = ShiftAt(roster, t);
    EXPECT_EQ(night.person_id, "c");
    EXPECT_EQ(LocalOf(night.starts_at), absl::CivilSecond(2026, 10, 31, 20, 0, 0));
    EXPECT_EQ(LocalOf(night.ends_at), absl::CivilSecond(2026, 11, 1, 8, 0, 0));
    EXPECT_EQ(night.ends_at - night.starts_at, absl::Hours(13));
  }
  const Shift day = ShiftAt(roster, Local(2026, 11, 1, 12));
  EXPECT_EQ(day.person_id, "a");
  EXPECT_EQ(day.ends_at - day.starts_at, absl::Hours(12));
  EXPECT_EQ(LocalOf(day.starts_at), absl::CivilSecond(2026, 11, 1, 8, 0, 0));
}

TEST_F(OnCallTest, HandoffInTheSkippedHourHappensAtTheChange) {
  // Daily handoff at 02:30, which does not exist on 2026-03-08 (02:00 PST → 03:00 PDT, 10:00 UTC).
  const Roster roster = MakeRoster(absl::CivilDay(2026, 3, 1), {absl::Hours(2) + absl::Minutes(30)}, 1, {"a", "b"});
  const absl::Time change = Utc(2026, 3, 8, 10, 0);
  const Shift before = ShiftAt(roster, change - absl::Seconds(1));
  EXPECT_EQ(before.person_id, "a");  // shift 6, from 03-07 02:30 PST
  EXPECT_EQ(before.starts_at, Local(2026, 3, 7, 2, 30));
  EXPECT_EQ(before.ends_at, change);
  const Shift after = ShiftAt(roster, change);
  EXPECT_EQ(after.person_id, "b");  // shift 7
  EXPECT_EQ(after.starts_at, change);
  EXPECT_EQ(LocalOf(after.starts_at), absl::CivilSecond(2026, 3, 8, 3, 0, 0));
  EXPECT_EQ(after.ends_at, Local(2026, 3, 9, 2, 30));  // back to 02:30 the next day
  EXPECT_EQ(after.ends_at - after.starts_at, absl::Hours(23) + absl::Minutes(30));
}

TEST_F(OnCallTest, HandoffInTheRepeatedHourHappensTheFirstTime) {
  // Daily handoff at 01:30, which happens twice on 2026-11-01: 08:30 UTC (PDT), 09:30 UTC (PST).
  const Roster roster = MakeRoster(absl::CivilDay(2026, 10, 25), {absl::Hours(1) + absl::Minutes(30)}, 1, {"a", "b"});
  const absl::Time first = Utc(2026, 11, 1, 8, 30);
  EXPECT_EQ(ShiftAt(roster, first - absl::Seconds(1)).person_id, "a");  // shift 6, from 10-31
  EXPECT_EQ(ShiftAt(roster, first - absl::Seconds(1)).ends_at, first);
  for (absl::Time t : {first, Utc(2026, 11, 1, 9, 0), Utc(2026, 11, 1, 9, 30), Utc(2026, 11, 1, 9, 45)}) {
    const Shift shift = ShiftAt(roster, t);
    EXPECT_EQ(shift.person_id, "b") << t;  // shift 7: no second handoff at the second 01:30
    EXPECT_EQ(shift.starts_at, first);
    EXPECT_EQ(shift.ends_at, Local(2026, 11, 2, 1, 30));
    EXPECT_EQ(shift.ends_at - shift.starts_at, absl::Hours(25));
  }
}

TEST_F(OnCallTest, WeeklyTurns) {
  // Supervisor lines: a daily 08:00 handoff, 7 shifts a turn, from Monday 2026-01-05.
  const Roster roster = MakeRoster(absl::CivilDay(2026, 1, 5), {absl::Hours(8)}, 7, {"x", "y"});
  const OnCall midweek = At(roster, Local(2026, 1, 7, 12));
  EXPECT_EQ(midweek.person_id, "x");
  // The answer holds for the whole turn, Monday to Monday.
  EXPECT_EQ(midweek.starts_at, Local(2026, 1, 5, 8));
  EXPECT_EQ(midweek.ends_at, Local(2026, 1, 12, 8));
  EXPECT_EQ(At(roster, Local(2026, 1, 12, 7, 59)).person_id, "x");
  EXPECT_EQ(At(roster, Local(2026, 1, 12, 8)).person_id, "y");
  EXPECT_EQ(At(roster, Local(2026, 1, 18, 23)).person_id, "y");
  EXPECT_EQ(At(roster, Local(2026, 1, 19, 8)).person_id, "x");
  // RotationShiftAt's shift is one handoff to the next: a day.
  const Shift shift = ShiftAt(roster, Local(2026, 1, 7, 12));
  EXPECT_EQ(shift.person_id, "x");
  EXPECT_EQ(shift.starts_at, Local(2026, 1, 7, 8));
  EXPECT_EQ(shift.ends_at, Local(2026, 1, 8, 8));
  // The turn with the spring-forward change in it is an hour short.
  const OnCall dst_week = At(roster, Local(2026, 3, 5, 12));
  EXPECT_EQ(dst_week.person_id, "x");  // turn 8
  EXPECT_EQ(dst_week.starts_at, Local(2026, 3, 2, 8));
  EXPECT_EQ(dst_week.ends_at, Local(2026, 3, 9, 8));
  EXPECT_EQ(dst_week.ends_at - dst_week.starts_at, absl::Hours(7 * 24 - 1));
}

TEST_F(OnCallTest, ShiftsPerTurnGivesEachMemberConsecutiveShifts) {
  const Roster roster = MakeRoster(absl::CivilDay(2026, 1, 5), {absl::Hours(8), absl::Hours(20)}, 2, {"a", "b", "c"});
  EXPECT_EQ(At(roster, Local(2026, 1, 5, 9)).person_id, "a");
  const OnCall night = At(roster, Local(2026, 1, 5, 21));
  EXPECT_EQ(night.person_id, "a");
  EXPECT_EQ(night.starts_at, Local(2026, 1, 5, 8));
  EXPECT_EQ(night.ends_at, Local(2026, 1, 6, 8));
  EXPECT_EQ(At(roster, Local(2026, 1, 6, 9)).person_id, "b");
  EXPECT_EQ(At(roster, Local(2026, 1, 6, 21)).person_id, "b");
  EXPECT_EQ(At(roster, Local(2026, 1, 7, 9)).person_id, "c");
  EXPECT_EQ(At(roster, Local(2026, 1, 8, 21)).person_id, "a");
  const Shift shift = ShiftAt(roster, Local(2026, 1, 5, 21));
  EXPECT_EQ(shift.starts_at, Local(2026, 1, 5, 20));
  EXPECT_EQ(shift.ends_at, Local(2026, 1, 6, 8));
}

TEST_F(OnCallTest, MembersReplacedAtRuntime) {
  const Roster roster = TwelveHour();
  RosterChanges changes;
  changes.add_members("z");
  changes.add_members("y");
  // Not replaced: the listed members are ignored.
  EXPECT_EQ(At(roster, Local(2026, 1, 5, 9), changes).person_id, "a");
  changes.set_members_replaced(true);
  EXPECT_EQ(At(roster, Local(2026, 1, 5, 9), changes).person_id, "z");
  EXPECT_EQ(At(roster, Local(2026, 1, 5, 21), changes).person_id, "y");
  EXPECT_EQ(At(roster, Local(2026, 1, 6, 9), changes).person_id, "z");
  EXPECT_EQ(ShiftAt(roster, Local(2026, 1, 5, 21), changes).person_id, "y");

  RosterChanges emptied;
  emptied.set_members_replaced(true);
  const OnCall nobody = At(roster, Local(2026, 1, 5, 9), emptied);
  EXPECT_EQ(nobody.person_id, "");
  EXPECT_EQ(nobody.source, "");
}

TEST_F(OnCallTest, NoMembersOrNoRotationMeansNobody) {
  const Roster empty = MakeRoster(absl::CivilDay(2026, 1, 5), {absl::Hours(8)}, 1, {});
  const OnCall nobody = At(empty, Local(2026, 2, 1, 12));
  EXPECT_EQ(nobody.person_id, "");
  EXPECT_EQ(nobody.source, "");
  EXPECT_EQ(nobody.starts_at, absl::InfinitePast());
  EXPECT_EQ(nobody.ends_at, absl::InfiniteFuture());
  const Shift shift = ShiftAt(empty, Local(2026, 2, 1, 12));
  EXPECT_EQ(shift.person_id, "");
  EXPECT_EQ(shift.starts_at, Local(2026, 2, 1, 8));
  EXPECT_EQ(shift.ends_at, Local(2026, 2, 2, 8));

  Roster no_rotation;
  no_rotation.id = "advocates";
  EXPECT_EQ(At(no_rotation, Local(2026, 2, 1, 12)).person_id, "");
  EXPECT_FALSE(RotationShiftAt(no_rotation, {}, Local(2026, 2, 1, 12), la_).has_value());
  // Only an override puts someone on call.
  RosterChanges changes;
  AddOverride(changes, "ov-1", "sub", Local(2026, 2, 1, 10), Local(2026, 2, 1, 14));
  const OnCall covered = At(no_rotation, Local(2026, 2, 1, 12), changes);
  EXPECT_EQ(covered.person_id, "sub");
  EXPECT_EQ(covered.source, "override:ov-1");
  const OnCall after = At(no_rotation, Local(2026, 2, 1, 15), changes);
  EXPECT_EQ(after.person_id, "");
  EXPECT_EQ(after.starts_at, Local(2026, 2, 1, 14));
  EXPECT_EQ(after.ends_at, absl::InfiniteFuture());
}

TEST_F(OnCallTest, OverrideWinsOverTheRotationWithinItsBounds) {
  const Roster roster = TwelveHour();
  RosterChanges changes;
  AddOverride(changes, "ov-1", "sub", Local(2026, 1, 10, 10), Local(2026, 1, 10, 14));
  // 2026-01-10 08:00-20:00 is shift 10: member b.
  const OnCall during = At(roster, Local(2026, 1, 10, 12), changes);
  EXPECT_EQ(during.person_id, "sub");
  EXPECT_EQ(during.source, "override:ov-1");
  EXPECT_EQ(during.starts_at, Local(2026, 1, 10, 10));
  EXPECT_EQ(during.ends_at, Local(2026, 1, 10, 14));
  EXPECT_EQ(At(roster, Local(2026, 1, 10, 10), changes).person_id, "sub");  // [starts, ends)
  EXPECT_EQ(At(roster, Local(2026, 1, 10, 14) - absl::Seconds(1), changes).person_id, "sub");

  // The rotation's answer holds until the override starts, and again from its end.
  const OnCall before = At(roster, Local(2026, 1, 10, 9), changes);
  EXPECT_EQ(before.person_id, "b");
  EXPECT_EQ(before.source, "rotation");
  EXPECT_EQ(before.starts_at, Local(2026, 1, 10, 8));
  EXPECT_EQ(before.ends_at, Local(2026, 1, 10, 10));
  const OnCall after = At(roster, Local(2026, 1, 10, 14), changes);
  EXPECT_EQ(after.person_id, "b");
  EXPECT_EQ(after.starts_at, Local(2026, 1, 10, 14));
  EXPECT_EQ(after.ends_at, Local(2026, 1, 10, 20));

  // RotationShiftAt ignores overrides.
  EXPECT_EQ(ShiftAt(roster, Local(2026, 1, 10, 12), changes).person_id, "b");
}

TEST_F(OnCallTest, LatestOverrideWins) {
  const Roster roster = TwelveHour();
  RosterChanges changes;
  AddOverride(changes, "long", "sub-1", Local(2026, 1, 10, 10), Local(2026, 1, 10, 14));
  AddOverride(changes, "short", "sub-2", Local(2026, 1, 10, 11), Local(2026, 1, 10, 12));
  const OnCall inner = At(roster, Local(2026, 1, 10, 11, 30), changes);
  EXPECT_EQ(inner.person_id, "sub-2");
  EXPECT_EQ(inner.source, "override:short");
  EXPECT_EQ(inner.starts_at, Local(2026, 1, 10, 11));
  EXPECT_EQ(inner.ends_at, Local(2026, 1, 10, 12));
  // The first override holds around the later one, which cuts its bounds.
  const OnCall before = At(roster, Local(2026, 1, 10, 10, 30), changes);
  EXPECT_EQ(before.person_id, "sub-1");
  EXPECT_EQ(before.starts_at, Local(2026, 1, 10, 10));
  EXPECT_EQ(before.ends_at, Local(2026, 1, 10, 11));
  const OnCall after = At(roster, Local(2026, 1, 10, 12, 30), changes);
  EXPECT_EQ(after.person_id, "sub-1");
  EXPECT_EQ(after.starts_at, Local(2026, 1, 10, 12));
  EXPECT_EQ(after.ends_at, Local(2026, 1, 10, 14));

  // Added in the other order, the long one (added last) wins throughout.
  RosterChanges reversed;
  AddOverride(reversed, "short", "sub-2", Local(2026, 1, 10, 11), Local(2026, 1, 10, 12));
  AddOverride(reversed, "long", "sub-1", Local(2026, 1, 10, 10), Local(2026, 1, 10, 14));
  const OnCall covered = At(roster, Local(2026, 1, 10, 11, 30), reversed);
  EXPECT_EQ(covered.person_id, "sub-1");
  EXPECT_EQ(covered.starts_at, Local(2026, 1, 10, 10));
  EXPECT_EQ(covered.ends_at, Local(2026, 1, 10, 14));
}

TEST_F(OnCallTest, AnEmptyOverrideCoversNothing) {
  const Roster roster = TwelveHour();
  RosterChanges changes;
  AddOverride(changes, "backwards", "sub", Local(2026, 1, 10, 14), Local(2026, 1, 10, 10));
  AddOverride(changes, "empty", "sub", Local(2026, 1, 10, 12), Local(2026, 1, 10, 12));
  const OnCall on_call = At(roster, Local(2026, 1, 10, 12), changes);
  EXPECT_EQ(on_call.person_id, "b");
  EXPECT_EQ(on_call.starts_at, Local(2026, 1, 10, 8));
  EXPECT_EQ(on_call.ends_at, Local(2026, 1, 10, 20));
}

TEST_F(OnCallTest, InstantsYearsAfterStarts) {
  const Roster roster = TwelveHour();
  // 2046-07-15 is 7496 days after 2026-01-05: its 08:00 shift is 14992, member b.
  const OnCall on_call = At(roster, Local(2046, 7, 15, 13));
  EXPECT_EQ(on_call.person_id, "b");
  EXPECT_EQ(on_call.starts_at, Local(2046, 7, 15, 8));
  EXPECT_EQ(on_call.ends_at, Local(2046, 7, 15, 20));
  // Centuries on: still the shift around the instant, at local 08:00/20:00, in turn order.
  const absl::Time far = Local(2526, 12, 24, 23);
  const Shift shift = ShiftAt(roster, far);
  EXPECT_EQ(LocalOf(shift.starts_at), absl::CivilSecond(2526, 12, 24, 20, 0, 0));
  EXPECT_EQ(LocalOf(shift.ends_at), absl::CivilSecond(2526, 12, 25, 8, 0, 0));
  const int64_t k = (absl::CivilDay(2526, 12, 24) - absl::CivilDay(2026, 1, 5)) * 2 + 1;
  EXPECT_EQ(shift.person_id, std::string(1, static_cast<char>('a' + k % 3)));
}

// Through two years, every instant is in exactly one shift; shifts start at local 08:00 or
// 20:00, follow one another without gap or overlap, and members take them in order.
TEST_F(OnCallTest, ShiftsTileTimeAndRotateInOrder) {
  const Roster roster = TwelveHour();
  const std::vector<std::string> members = {"a", "b", "c"};
  for (absl::Time t = Local(2026, 1, 5, 8); t < Local(2028, 1, 5, 8); t += absl::Minutes(47)) {
    const Shift shift = ShiftAt(roster, t);
    ASSERT_LE(shift.starts_at, t);
    ASSERT_LT(t, shift.ends_at);
    const absl::CivilSecond start = LocalOf(shift.starts_at);
    ASSERT_TRUE((start.hour() == 8 || start.hour() == 20) && start.minute() == 0 && start.second() == 0) << start;
    ASSERT_LE(shift.ends_at - shift.starts_at, absl::Hours(13));
    ASSERT_GE(shift.ends_at - shift.starts_at, absl::Hours(11));
    const Shift next = ShiftAt(roster, shift.ends_at);
    ASSERT_EQ(next.starts_at, shift.ends_at);
    const size_t index = std::find(members.begin(), members.end(), shift.person_id) - members.begin();
    ASSERT_LT(index, members.size());
    ASSERT_EQ(next.person_id, members[(index + 1) % members.size()]);
  }
}

}  // namespace
}  // namespace csec::paging
