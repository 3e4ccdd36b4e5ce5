#include "services/timers/timer_policy.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/base/clock.h"
#include "services/common/domain/events.h"

namespace csec::timers {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::TimerClass;
using csec::dispatch::v1::TimerRecord;
using ::testing::HasSubstr;

std::shared_ptr<const ProtocolConfig> Config() {
  static auto config = LoadProtocolConfig(std::string(CSEC_SOURCE_DIR) + "/deploy/config/protocol.yaml");
  return *config;
}

const absl::Time kT0 = absl::FromUnixSeconds(1800000000);  // 2027-01-15

Envelope Routed(absl::Time identified_at, absl::Time occurred_at) {
  Envelope e = NewEnvelope("ev-routed", "case-1", "routing", occurred_at);
  *e.mutable_case_routed()->mutable_identified_at() = ToProtoTime(identified_at);
  return e;
}

Envelope Arrival(csec::dispatch::v1::ResponderRole role, absl::Time at) {
  Envelope e = NewEnvelope("ev-arrival", "case-1", "intake", at + absl::Minutes(3));
  e.mutable_arrival_recorded()->set_role(role);
  *e.mutable_arrival_recorded()->mutable_arrived_at() = ToProtoTime(at);
  return e;
}

const TimerOp* FindArm(const TimerPlan& plan, absl::string_view kind, TimerClass c = TimerClass::TIMER_CLASS_DEADLINE) {
  for (const TimerOp& op : plan.ops) {
    if (op.kind == TimerOp::Kind::kArm && op.record.kind() == kind && op.record.timer_class() == c) return &op;
  }
  return nullptr;
}

TEST(PlanTimers, CaseRoutedArmsTheConfiguredDeadlinesFromIdentificationNotFromWhenRead) {
  // Routed 20 minutes after identification: the clocks still run from identification.
  auto plan = PlanTimers(*Config(), Routed(kT0, kT0 + absl::Minutes(20)));
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (absl::string_view id :
       {kResponderArrivalDeadline, kAdvocateArrivalDeadline, kMedicalExamDeadline, kInitialMdtDeadline}) {
    const TimerOp* arm = FindArm(*plan, id);
    ASSERT_NE(arm, nullptr) << id;
    EXPECT_EQ(absl::FromUnixMillis(arm->record.due_ms()), kT0 + Config()->GetDeadline(id).duration) << id;
    EXPECT_EQ(arm->record.config_version(), Config()->version);
    EXPECT_EQ(arm->record.armed_by_event_id(), "ev-routed");
  }
  EXPECT_EQ(FindArm(*plan, kSodaPadStayDeadline), nullptr);
  EXPECT_EQ(FindArm(*plan, kPageAckTimeoutDeadline), nullptr);  // no armed_by: a duration for waits
  // Reminders 30 and 10 minutes before the arrival is due, tied to the deadline's id.
  const TimerOp* responder = FindArm(*plan, kResponderArrivalDeadline);
  int reminders = 0;
  for (const TimerOp& op : plan->ops) {
    if (op.record.timer_class() != TimerClass::TIMER_CLASS_REMINDER || op.record.kind() != kResponderArrivalDeadline)
      continue;
    ++reminders;
    EXPECT_THAT(op.timer_id, ::testing::StartsWith(responder->timer_id + ":r"));
    EXPECT_EQ(op.record.deadline_due_ms(), responder->record.due_ms());
    EXPECT_EQ(op.record.due_ms() + op.record.remind_before_ms(), responder->record.due_ms());
  }
  EXPECT_EQ(reminders, 2);
}

TEST(PlanTimers, SeventyTwoHoursAcrossADaylightSavingChangeAreSeventyTwoRealHours) {
  // Identified Saturday 2027-03-13 20:00 in Los Angeles (PST, UTC-8); clocks spring forward on
  // the 14th. Due 72 real hours later: Tuesday 21:00 PDT on the wall, not 20:00.
  const absl::Time identified = absl::FromCivil(absl::CivilSecond(2027, 3, 13, 20, 0, 0), Config()->time_zone);
  auto plan = PlanTimers(*Config(), Routed(identified, identified));
  ASSERT_TRUE(plan.ok());
  const TimerOp* exam = FindArm(*plan, kMedicalExamDeadline);
  ASSERT_NE(exam, nullptr);
  const absl::Time due = absl::FromUnixMillis(exam->record.due_ms());
  EXPECT_EQ(due - identified, absl::Hours(72));
  EXPECT_EQ(absl::ToCivilSecond(due, Config()->time_zone), absl::CivilSecond(2027, 3, 16, 21, 0, 0));
}

TEST(PlanTimers, AnArrivalOfTheRightRoleMeetsItsDeadlineAtTheArrivalsOwnTime) {
  auto plan = PlanTimers(*Config(), Arrival(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, kT0 + absl::Minutes(80)));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ops.size(), 1u);
  const TimerOp& close = plan->ops[0];
  EXPECT_EQ(close.kind, TimerOp::Kind::kClose);
  EXPECT_EQ(close.close_state, TimerState::kMet);
  EXPECT_EQ(close.record.kind(), kResponderArrivalDeadline);
  EXPECT_EQ(absl::FromUnixMillis(close.record.finished_ms()), kT0 + absl::Minutes(80));
  EXPECT_EQ(close.timer_id, FindArm(*PlanTimers(*Config(), Routed(kT0, kT0)), kResponderArrivalDeadline)->timer_id);
}

TEST(PlanTimers, AnAdvocatesArrivalMeetsHerDeadlineAndStartsTheAdvocacyClock) {
  auto plan = PlanTimers(*Config(), Arrival(csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE, kT0 + absl::Minutes(50)));
  ASSERT_TRUE(plan.ok());
  const TimerOp* advocacy = FindArm(*plan, kAdvocacyCaseManagementDeadline);
  ASSERT_NE(advocacy, nullptr);
  EXPECT_EQ(absl::FromUnixMillis(advocacy->record.due_ms()), kT0 + absl::Minutes(50) + absl::Hours(24 * 90));
  bool met_advocate = false;
  for (const TimerOp& op : plan->ops) {
    met_advocate |= op.kind == TimerOp::Kind::kClose && op.record.kind() == kAdvocateArrivalDeadline;
    EXPECT_FALSE(op.kind == TimerOp::Kind::kClose && op.record.kind() == kResponderArrivalDeadline);
  }
  EXPECT_TRUE(met_advocate);
}

TEST(PlanTimers, ASodaPadPlacementArmsTheStayFromThePlacementAndAHomePlacementEndsIt) {
  Envelope bed = NewEnvelope("ev-bed", "case-1", "intake", kT0 + absl::Hours(30));
  bed.mutable_placement_recorded()->set_kind(csec::dispatch::v1::PLACEMENT_KIND_SODA_PAD_BED);
  *bed.mutable_placement_recorded()->mutable_placed_at() = ToProtoTime(kT0 + absl::Hours(29));
  auto plan = PlanTimers(*Config(), bed);
  ASSERT_TRUE(plan.ok());
  const TimerOp* stay = FindArm(*plan, kSodaPadStayDeadline);
  ASSERT_NE(stay, nullptr);
  EXPECT_EQ(absl::FromUnixMillis(stay->record.due_ms()), kT0 + absl::Hours(29) + absl::Hours(24 * 30));

  Envelope home = NewEnvelope("ev-home", "case-1", "intake", kT0 + absl::Hours(300));
  home.mutable_placement_recorded()->set_kind(csec::dispatch::v1::PLACEMENT_KIND_HOME);
  auto ended = PlanTimers(*Config(), home);
  ASSERT_TRUE(ended.ok());
  ASSERT_EQ(ended->ops.size(), 1u);
  EXPECT_EQ(ended->ops[0].timer_id, stay->timer_id);
  EXPECT_EQ(ended->ops[0].close_state, TimerState::kMet);
}

TEST(PlanTimers, AClosedCaseCancelsWhatItsPolicySays) {
  Envelope closed = NewEnvelope("ev-closed", "case-1", "intake", kT0 + absl::Hours(1));
  closed.mutable_case_closed()->set_reason("synthetic");
  auto plan = PlanTimers(*Config(), closed);
  ASSERT_TRUE(plan.ok());
  std::set<std::string> cancelled, met;
  for (const TimerOp& op : plan->ops)
    (op.close_state == TimerState::kCancelled ? cancelled : met).insert(op.record.kind());
  EXPECT_EQ(cancelled, (std::set<std::string>{"responder_arrival", "advocate_arrival", "medical_exam", "initial_mdt"}));
  EXPECT_EQ(met, (std::set<std::string>{"soda_pad_stay"}));  // closing ends a stay
}

TEST(PlanTimers, WaitsOfOtherServicesAreTimersKeyedByCaseKindAndSubject) {
  Envelope e = NewEnvelope("ev-page", "case-1", "paging", kT0);
  e.mutable_wait_requested()->set_kind("page_ack");
  e.mutable_wait_requested()->set_subject("page-7");
  *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(kT0 + absl::Minutes(10));
  auto plan = PlanTimers(*Config(), e);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ops.size(), 1u);
  EXPECT_EQ(plan->ops[0].timer_id, TimerId(TimerClass::TIMER_CLASS_WAIT, "case-1", "page_ack", "page-7"));
  EXPECT_EQ(absl::FromUnixMillis(plan->ops[0].record.due_ms()), kT0 + absl::Minutes(10));

  Envelope cancel = NewEnvelope("ev-ack", "case-1", "paging", kT0 + absl::Minutes(2));
  cancel.mutable_wait_cancelled()->set_kind("page_ack");
  cancel.mutable_wait_cancelled()->set_subject("page-7");
  auto cancelled = PlanTimers(*Config(), cancel);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->ops[0].timer_id, plan->ops[0].timer_id);
  EXPECT_EQ(cancelled->ops[0].close_state, TimerState::kCancelled);
}

TEST(PlanTimers, ADueInstantBetweenMillisecondsIsRoundedUpSoNothingFiresEarly) {
  Envelope e = NewEnvelope("ev-page", "case-1", "paging", kT0);
  e.mutable_wait_requested()->set_kind("page_ack");
  *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(kT0 + absl::Microseconds(1500));
  auto plan = PlanTimers(*Config(), e);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(absl::FromUnixMillis(plan->ops[0].record.due_ms()), kT0 + absl::Milliseconds(2));
}

TEST(PlanTimers, ABadWaitIsRefusedNamingTheField) {
  Envelope e = NewEnvelope("ev-bad", "case-1", "paging", kT0);
  e.mutable_wait_requested()->set_kind("Page Ack");
  *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(kT0);
  EXPECT_THAT(PlanTimers(*Config(), e).status().message(), HasSubstr("wait.kind"));
  e.mutable_wait_requested()->set_kind("page_ack");
  e.mutable_wait_requested()->clear_due_at();
  EXPECT_THAT(PlanTimers(*Config(), e).status().message(), HasSubstr("due_at is required"));
}

TEST(TimerIds, FollowFromTheirInputsAndDifferByClass) {
  EXPECT_EQ(TimerId(TimerClass::TIMER_CLASS_DEADLINE, "c", "k", ""),
            TimerId(TimerClass::TIMER_CLASS_DEADLINE, "c", "k", ""));
  EXPECT_NE(TimerId(TimerClass::TIMER_CLASS_DEADLINE, "c", "k", ""),
            TimerId(TimerClass::TIMER_CLASS_WAIT, "c", "k", ""));
  EXPECT_NE(TimerId(TimerClass::TIMER_CLASS_WAIT, "c", "k", "a"), TimerId(TimerClass::TIMER_CLASS_WAIT, "c", "k", "b"));
  EXPECT_EQ(TimerId(TimerClass::TIMER_CLASS_WAIT, "c", "k", "a").size(), 16u);
}

TEST(EncodeTimer, RoundTripsAndAppendedFieldsMerge) {
  TimerRecord r;
  r.set_case_id("case-1");
  r.set_due_ms(42);
  std::string value = EncodeTimer(TimerState::kArmed, r);
  EXPECT_EQ(value[0], 'A');
  // What the close script does: a new state letter, the old record, the closing fields appended.
  TimerRecord closing;
  closing.set_finished_ms(99);
  value = "M" + value.substr(1) + closing.SerializeAsString();
  std::optional<StoredTimer> t = DecodeTimer(value);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, TimerState::kMet);
  EXPECT_EQ(t->record.case_id(), "case-1");
  EXPECT_EQ(t->record.due_ms(), 42);
  EXPECT_EQ(t->record.finished_ms(), 99);
  EXPECT_FALSE(DecodeTimer("Zgarbage").has_value());
}

std::optional<StoredTimer> Stored(TimerState s, const TimerRecord& r) { return StoredTimer{s, r}; }

TEST(EventsAfterApply, ANewArmReportsDeadlineArmedWithItsDueInstantAndConfigVersion) {
  auto plan = PlanTimers(*Config(), Routed(kT0, kT0));
  const TimerOp& arm = *FindArm(*plan, kResponderArrivalDeadline);
  auto events = EventsAfterApply(arm, std::nullopt, kT0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FromProtoTime(events[0].deadline_armed().due_at()), kT0 + absl::Minutes(90));
  EXPECT_EQ(events[0].deadline_armed().config_version(), Config()->version);
  EXPECT_EQ(events[0].producer(), "timers");
}

TEST(EventsAfterApply, ArmingAgainKeepsTheDueInstantAlreadyArmedEvenUnderAnotherConfig) {
  auto plan = PlanTimers(*Config(), Routed(kT0, kT0));
  TimerOp arm = *FindArm(*plan, kResponderArrivalDeadline);
  TimerRecord stored = arm.record;
  stored.set_due_ms(absl::ToUnixMillis(kT0 + absl::Minutes(60)));  // armed earlier under a 60-minute policy
  stored.set_config_version("older-config");
  auto events = EventsAfterApply(arm, Stored(TimerState::kArmed, stored), kT0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(FromProtoTime(events[0].deadline_armed().due_at()), kT0 + absl::Minutes(60));
  EXPECT_EQ(events[0].deadline_armed().config_version(), "older-config");
  // Same id as the first time: a copy consumers drop.
  EXPECT_EQ(events[0].event_id(), EventsAfterApply(arm, std::nullopt, kT0)[0].event_id());
}

TEST(EventsAfterApply, AMeetingEventBeforeTheArmIsReportedWhenTheArmComes) {
  auto meet_plan =
      PlanTimers(*Config(), Arrival(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, kT0 + absl::Minutes(40)));
  const TimerOp& close = meet_plan->ops[0];
  EXPECT_TRUE(EventsAfterApply(close, std::nullopt, kT0).empty());  // a mark only, for now
  // The script stored the mark as the close state plus the closing record.
  std::optional<StoredTimer> mark = Stored(TimerState::kMet, close.record);
  auto arm_plan = PlanTimers(*Config(), Routed(kT0, kT0 + absl::Minutes(45)));
  auto events = EventsAfterApply(*FindArm(*arm_plan, kResponderArrivalDeadline), mark, kT0 + absl::Minutes(45));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].has_deadline_armed());
  ASSERT_TRUE(events[1].has_deadline_met());
  EXPECT_EQ(FromProtoTime(events[1].deadline_met().met_at()), kT0 + absl::Minutes(40));
  EXPECT_EQ(FromProtoTime(events[1].deadline_met().due_at()), kT0 + absl::Minutes(90));
}

TEST(EventsAfterApply, MeetingAnArmedOrAlreadyMissedDeadlineReportsDeadlineMet) {
  auto arm_plan = PlanTimers(*Config(), Routed(kT0, kT0));
  const TimerRecord armed = FindArm(*arm_plan, kResponderArrivalDeadline)->record;
  auto meet_plan =
      PlanTimers(*Config(), Arrival(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, kT0 + absl::Minutes(95)));
  for (TimerState before : {TimerState::kArmed, TimerState::kClaimed, TimerState::kFired}) {
    auto events = EventsAfterApply(meet_plan->ops[0], Stored(before, armed), kT0 + absl::Minutes(96));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(FromProtoTime(events[0].deadline_met().due_at()), kT0 + absl::Minutes(90));
    EXPECT_EQ(FromProtoTime(events[0].deadline_met().met_at()), kT0 + absl::Minutes(95));
  }
}

TEST(FireEvent, AMissedDeadlineSaysHowLateAndWhoIsEscalatedTo) {
  auto plan = PlanTimers(*Config(), Routed(kT0, kT0));
  const TimerOp& arm = *FindArm(*plan, kResponderArrivalDeadline);
  const absl::Time now = kT0 + absl::Minutes(90) + absl::Milliseconds(7);
  auto fired = FireEvent(arm.timer_id, arm.record, *Config(), now);
  ASSERT_TRUE(fired.has_value());
  const auto& missed = fired->deadline_missed();
  EXPECT_EQ(missed.deadline_id(), kResponderArrivalDeadline);
  EXPECT_EQ(missed.late_by().nanos(), 7000000);
  EXPECT_THAT(missed.escalate_to(),
              ::testing::ElementsAreArray(Config()->GetDeadline(kResponderArrivalDeadline).escalate_to));
  EXPECT_EQ(fired->case_id(), "case-1");
  // Fired again after a lease ran out: the same event id.
  EXPECT_EQ(fired->event_id(), FireEvent(arm.timer_id, arm.record, *Config(), now + absl::Seconds(10))->event_id());
}

TEST(FireEvent, AReminderOfADeadlineAlreadyDueSaysNothing) {
  auto plan = PlanTimers(*Config(), Routed(kT0, kT0));
  const TimerOp* reminder = FindArm(*plan, kResponderArrivalDeadline, TimerClass::TIMER_CLASS_REMINDER);
  ASSERT_NE(reminder, nullptr);
  const absl::Time due = absl::FromUnixMillis(reminder->record.due_ms());
  ASSERT_TRUE(FireEvent(reminder->timer_id, reminder->record, *Config(), due).has_value());
  EXPECT_FALSE(FireEvent(reminder->timer_id, reminder->record, *Config(), kT0 + absl::Minutes(91)).has_value());
}

TEST(PlanRebuild, ADeadlineArmedEventArmsWithItsRecordedDueAndAMissedOneMarksItFired) {
  auto arm_plan = PlanTimers(*Config(), Routed(kT0, kT0));
  const TimerOp& arm = *FindArm(*arm_plan, kResponderArrivalDeadline);
  Envelope armed = EventsAfterApply(arm, std::nullopt, kT0)[0];
  TimerPlan rebuilt = PlanRebuild(armed);
  ASSERT_EQ(rebuilt.ops.size(), 1u);
  EXPECT_EQ(rebuilt.ops[0].timer_id, arm.timer_id);
  EXPECT_EQ(rebuilt.ops[0].record.due_ms(), arm.record.due_ms());
  EXPECT_EQ(rebuilt.ops[0].record.config_version(), Config()->version);

  Envelope missed = *FireEvent(arm.timer_id, arm.record, *Config(), kT0 + absl::Minutes(91));
  TimerPlan fired = PlanRebuild(missed);
  ASSERT_EQ(fired.ops.size(), 1u);
  EXPECT_EQ(fired.ops[0].timer_id, arm.timer_id);
  EXPECT_EQ(fired.ops[0].close_state, TimerState::kFired);
}

}  // namespace
}  // namespace csec::timers
