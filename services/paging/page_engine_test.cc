// The paging decisions, without Kafka or Redis: what each event does to a case's pages.
#include "services/paging/page_engine.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/base/clock.h"
#include "services/paging/page_delivery.h"
#include "services/paging/paging_replay.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::PagingCaseState;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1'780'000'000);

// Team ctu-spa-4 (step 1 its roster, step 2 the CTU supervisor line, repeat 1, then
// cph-supervisor), advocacy saving-innocence (its roster, then advocacy-supervisor).
PagingConfig TestConfig() {
  PagingConfig c;
  c.time_zone = absl::UTCTimeZone();
  for (const char* id : {"ctu-a", "ctu-b", "ctu-boss", "adv-a", "adv-boss", "cph-boss", "hub-a-coord", "dhs-coord"}) {
    c.people.push_back({.id = id});
  }
  for (const char* id : {"ctu-spa-4", "ctu-supervisor", "saving-innocence", "advocacy-supervisor", "cph-supervisor",
                         "hub-a", "dhs-hub-coordinator"}) {
    c.rosters.push_back({.id = id});
  }
  auto on_call = [](const char* roster) { return ChainTarget{.kind = ChainTarget::Kind::kOnCall, .id = roster}; };
  c.chains.push_back({.id = "ctu-spa-4",
                      .steps = {{.targets = {on_call("ctu-spa-4")}, .wait = absl::Minutes(10)},
                                {.targets = {on_call("ctu-supervisor")}, .wait = absl::Minutes(5)}},
                      .repeat = 1,
                      .on_exhausted = "cph-supervisor"});
  c.chains.push_back({.id = "saving-innocence",
                      .steps = {{.targets = {on_call("saving-innocence")}, .wait = absl::Minutes(10)},
                                {.targets = {on_call("advocacy-supervisor")}, .wait = absl::Minutes(10)}},
                      .on_exhausted = "cph-supervisor"});
  c.chains.push_back({.id = "ctu-supervisor",
                      .steps = {{.targets = {on_call("ctu-supervisor")}, .wait = absl::Minutes(10)}},
                      .on_exhausted = "cph-supervisor",
                      .applies_to_agency = csec::dispatch::v1::RESPONDER_AGENCY_CTU});
  c.chains.push_back({.id = "mart-supervisor",
                      .steps = {{.targets = {on_call("ctu-supervisor")}, .wait = absl::Minutes(10)}},
                      .applies_to_agency = csec::dispatch::v1::RESPONDER_AGENCY_MART});
  c.chains.push_back({.id = "advocacy-supervisor",
                      .steps = {{.targets = {on_call("advocacy-supervisor")}, .wait = absl::Minutes(10)}}});
  c.chains.push_back({.id = "cph-supervisor",
                      .steps = {{.targets = {on_call("cph-supervisor")}, .wait = absl::Minutes(10)}},
                      .on_exhausted = "cph-supervisor"});
  // Hub hub-a's coordinator, then the DHS line; hub-b has no chain of its own.
  c.chains.push_back({.id = "hub-a",
                      .steps = {{.targets = {on_call("hub-a")}, .wait = absl::Minutes(10)},
                                {.targets = {on_call("dhs-hub-coordinator")}, .wait = absl::Minutes(10)}},
                      .on_exhausted = "cph-supervisor"});
  c.chains.push_back({.id = "dhs-hub-coordinator",
                      .steps = {{.targets = {on_call("dhs-hub-coordinator")}, .wait = absl::Minutes(10)}},
                      .on_exhausted = "cph-supervisor"});
  return c;
}

class PageEngineTest : public ::testing::Test {
 protected:
  PageEngineTest() : config_(TestConfig()) {
    on_call_ = {{"ctu-spa-4", "ctu-a"},
                {"ctu-supervisor", "ctu-boss"},
                {"saving-innocence", "adv-a"},
                {"advocacy-supervisor", "adv-boss"},
                {"cph-supervisor", "cph-boss"},
                {"hub-a", "hub-a-coord"},
                {"dhs-hub-coordinator", "dhs-coord"}};
  }

  EngineContext Context() {
    return {.config = &config_,
            .on_call =
                [this](const std::string& roster, absl::Time) {
                  auto it = on_call_.find(roster);
                  return it == on_call_.end() ? OnCall{} : OnCall{.person_id = it->second, .source = "rotation"};
                },
            .now = now_};
  }

  // Applies the event to the kept state; returns the events decided.
  std::vector<Envelope> Apply(const Envelope& e) {
    PagingDecision d = DecidePaging(state_, e, Context());
    if (d.changed) state_ = d.state;
    return d.events;
  }

  Envelope Event(const std::string& id) const {
    Envelope e;
    e.set_event_id(id);
    e.set_case_id("case-1");
    *e.mutable_occurred_at() = ToProtoTime(now_);
    return e;
  }
  Envelope Routed() const {
    Envelope e = Event("routed-1");
    auto* r = e.mutable_case_routed();
    r->set_agency(csec::dispatch::v1::RESPONDER_AGENCY_CTU);
    r->set_team_id("ctu-spa-4");
    r->set_advocacy_agency_id("saving-innocence");
    r->set_area_id("spa-4");
    return e;
  }
  Envelope StepFired(const std::string& page_id, int attempt) const {
    Envelope e = Event("fired-" + page_id + std::to_string(attempt));
    e.mutable_wait_fired()->set_kind(kStepWait);
    e.mutable_wait_fired()->set_subject(page_id + "|" + std::to_string(attempt));
    return e;
  }
  Envelope Missed(const std::string& deadline, std::vector<std::string> roles) const {
    Envelope e = Event("missed-" + deadline);
    e.mutable_deadline_missed()->set_deadline_id(deadline);
    for (auto& r : roles) e.mutable_deadline_missed()->add_escalate_to(r);
    return e;
  }

  // The medical service's events (csec.medical.v1). Ids are made up; medical derives its own.
  Envelope SchedulingFailed(int booking, const std::string& coordinator_hub_id = "hub-a") const {
    Envelope e = Event("medical-failed-" + std::to_string(booking));
    auto* f = e.mutable_medical_scheduling_failed();
    f->set_cause("no_capacity");
    f->set_why("hub-a and hub-b are full through 2026-05-31");
    f->set_trigger(booking == 1 ? "case_routed" : "no_show");
    f->set_booking_number(booking);
    f->set_coordinator_hub_id(coordinator_hub_id);
    return e;
  }
  Envelope Scheduled(int booking, bool emergency = false) const {
    Envelope e = Event("medical-scheduled-" + std::to_string(booking));
    auto* s = e.mutable_medical_appointment_scheduled();
    s->mutable_appointment()->set_appointment_id("appt-" + std::to_string(booking));
    s->mutable_appointment()->set_hub_id("hub-a");
    s->mutable_appointment()->set_local_date("2026-05-28");
    *s->mutable_appointment()->mutable_starts_at() = ToProtoTime(kT0 + absl::Hours(3));
    s->set_reason("soonest slot");
    s->set_trigger(booking == 1 ? "case_routed" : "reschedule");
    s->set_booking_number(booking);
    s->set_emergency_care_first(emergency);
    return e;
  }
  Envelope ExamRecorded() const {
    Envelope e = Event("medical-exam");
    e.mutable_medical_exam_recorded()->set_hub_id("hub-a");
    *e.mutable_medical_exam_recorded()->mutable_examined_at() = ToProtoTime(now_);
    return e;
  }
  std::string FailedPage(const std::string& role, int booking) const {
    return PageId("case-1", role, "medical_scheduling_failed:" + std::to_string(booking));
  }

  static std::vector<std::string> PagedPeople(const std::vector<Envelope>& events) {
    std::vector<std::string> people;
    for (const Envelope& e : events) {
      if (e.has_page_sent()) people.push_back(e.page_sent().person_id());
    }
    return people;
  }
  static std::vector<std::string> Reasons(const std::vector<Envelope>& events) {
    std::vector<std::string> reasons;
    for (const Envelope& e : events) {
      if (e.has_page_sent()) reasons.push_back(e.page_sent().role() + " " + e.page_sent().reason());
    }
    return reasons;
  }
  static std::vector<std::string> Closed(const std::vector<Envelope>& events) {
    std::vector<std::string> closed;
    for (const Envelope& e : events) {
      if (e.has_page_closed()) closed.push_back(e.page_closed().page_id() + " " + e.page_closed().why());
    }
    return closed;
  }
  static int Count(const std::vector<Envelope>& events, Envelope::BodyCase body) {
    int n = 0;
    for (const Envelope& e : events) n += e.body_case() == body;
    return n;
  }
  static const Envelope* First(const std::vector<Envelope>& events, Envelope::BodyCase body) {
    for (const Envelope& e : events) {
      if (e.body_case() == body) return &e;
    }
    return nullptr;
  }

  const std::string responder_page_ = PageId("case-1", "ctu-spa-4", "case_routed");
  const std::string advocate_page_ = PageId("case-1", "saving-innocence", "case_routed");
  PagingConfig config_;
  std::map<std::string, std::string> on_call_;
  absl::Time now_ = kT0;
  PagingCaseState state_;
};

TEST_F(PageEngineTest, RoutedCasePagesResponderAndAdvocateEachWithAnAcknowledgementWait) {
  std::vector<Envelope> events = Apply(Routed());
  EXPECT_THAT(PagedPeople(events), ElementsAre("ctu-a", "adv-a"));
  ASSERT_EQ(Count(events, Envelope::kWaitRequested), 2);
  const Envelope* wait = First(events, Envelope::kWaitRequested);
  EXPECT_EQ(wait->wait_requested().kind(), kStepWait);
  EXPECT_EQ(wait->wait_requested().subject(), responder_page_ + "|1");
  EXPECT_EQ(FromProtoTime(wait->wait_requested().due_at()), kT0 + absl::Minutes(10));
  const Envelope* sent = First(events, Envelope::kPageSent);
  EXPECT_EQ(sent->page_sent().case_summary().team_id(), "ctu-spa-4");
  EXPECT_EQ(sent->page_sent().target(), "on_call:ctu-spa-4");
  EXPECT_EQ(sent->case_id(), "case-1");
}

TEST_F(PageEngineTest, ReplayedRoutingPagesNobodyAgain) {
  Apply(Routed());
  PagingDecision again = DecidePaging(state_, Routed(), Context());
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(again.events, IsEmpty());
}

TEST_F(PageEngineTest, SameDecisionGivesSameEventIds) {
  PagingDecision a = DecidePaging(state_, Routed(), Context());
  PagingDecision b = DecidePaging(state_, Routed(), Context());
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) EXPECT_EQ(a.events[i].event_id(), b.events[i].event_id());
}

TEST_F(PageEngineTest, NoAcknowledgementMovesToTheNextStepAndAStaleWaitDoesNothing) {
  Apply(Routed());
  now_ += absl::Minutes(10);
  std::vector<Envelope> events = Apply(StepFired(responder_page_, 1));
  EXPECT_THAT(PagedPeople(events), ElementsAre("ctu-boss"));
  const Envelope* escalated = First(events, Envelope::kPageEscalated);
  ASSERT_NE(escalated, nullptr);
  EXPECT_EQ(escalated->page_escalated().why(), "not acknowledged");
  EXPECT_EQ(escalated->page_escalated().to_step(), 1);
  EXPECT_EQ(First(events, Envelope::kPageSent)->page_sent().attempt(), 2);
  EXPECT_THAT(Apply(StepFired(responder_page_, 1)), IsEmpty());
}

TEST_F(PageEngineTest, StepWithNobodyOnCallIsSkippedAtOnceNotWaitedOut) {
  on_call_.erase("ctu-spa-4");
  std::vector<Envelope> events = Apply(Routed());
  const Envelope* skipped = First(events, Envelope::kStepSkipped);
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->step_skipped().page_id(), responder_page_);
  EXPECT_TRUE(absl::StrContains(skipped->step_skipped().why(), "ctu-spa-4")) << skipped->step_skipped().why();
  // The supervisor is paged in the same decision: no wait was asked for the empty step.
  EXPECT_THAT(PagedPeople(events), ElementsAre("ctu-boss", "adv-a"));
  const Envelope* wait = First(events, Envelope::kWaitRequested);
  EXPECT_EQ(FromProtoTime(wait->wait_requested().due_at()), kT0 + absl::Minutes(5));
}

TEST_F(PageEngineTest, ExhaustedChainPagesTheSupervisorLine) {
  Apply(Routed());
  std::vector<std::string> people;
  std::vector<Envelope> last;
  for (int attempt = 1; attempt <= 4; ++attempt) {  // 2 steps, repeated once
    last = Apply(StepFired(responder_page_, attempt));
    for (auto& p : PagedPeople(last)) people.push_back(p);
  }
  EXPECT_THAT(people, ElementsAre("ctu-boss", "ctu-a", "ctu-boss", "cph-boss"));
  const Envelope* exhausted = First(last, Envelope::kChainExhausted);
  ASSERT_NE(exhausted, nullptr);
  EXPECT_EQ(exhausted->chain_exhausted().escalated_to(), "cph-supervisor");
  EXPECT_EQ(First(last, Envelope::kPageSent)->page_sent().reason(), "chain_exhausted:" + responder_page_);
  EXPECT_EQ(FindPage(state_, responder_page_)->state(), csec::dispatch::v1::PAGE_STATE_EXHAUSTED);
}

TEST_F(PageEngineTest, SupervisorLineThatNamesItselfOnExhaustionStops) {
  on_call_.clear();  // nobody anywhere: every step is skipped
  std::vector<Envelope> events = Apply(Routed());
  EXPECT_THAT(PagedPeople(events), IsEmpty());
  // responder chain → cph-supervisor page → exhausted, not again (it names itself).
  EXPECT_EQ(Count(events, Envelope::kChainExhausted), 4);  // two chains, each then cph-supervisor
}

TEST_F(PageEngineTest, AcknowledgementStopsTheChainNotTheDeadline) {
  Apply(Routed());
  Envelope ack = Event("ack-1");
  ack.mutable_page_acknowledged()->set_page_id(responder_page_);
  ack.mutable_page_acknowledged()->set_person_id("ctu-a");
  std::vector<Envelope> events = Apply(ack);
  ASSERT_EQ(Count(events, Envelope::kWaitCancelled), 1);
  EXPECT_EQ(First(events, Envelope::kWaitCancelled)->wait_cancelled().subject(), responder_page_ + "|1");
  EXPECT_EQ(FindPage(state_, responder_page_)->state(), csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED);
  EXPECT_THAT(Apply(StepFired(responder_page_, 1)), IsEmpty());
  // The missed arrival deadline still escalates.
  EXPECT_THAT(PagedPeople(Apply(Missed("responder_arrival", {"ctu-supervisor", "mart-supervisor"}))),
              ElementsAre("ctu-boss"));
}

TEST_F(PageEngineTest, DeclineMovesOnAtOnce) {
  Apply(Routed());
  Envelope declined = Event("decline-1");
  declined.mutable_page_declined()->set_page_id(responder_page_);
  declined.mutable_page_declined()->set_person_id("ctu-a");
  declined.mutable_page_declined()->set_attempt(1);
  std::vector<Envelope> events = Apply(declined);
  EXPECT_EQ(Count(events, Envelope::kWaitCancelled), 1);
  EXPECT_THAT(PagedPeople(events), ElementsAre("ctu-boss"));
  EXPECT_EQ(First(events, Envelope::kPageEscalated)->page_escalated().why(), "declined");
  // Someone not paged now cannot decline it.
  declined.mutable_page_declined()->set_attempt(2);
  EXPECT_THAT(Apply(declined), IsEmpty());
}

TEST_F(PageEngineTest, RepeatedPageCarriesTheCaseAsItIsNow) {
  Apply(Routed());
  Envelope arrival = Event("arrival-1");
  arrival.mutable_arrival_recorded()->set_role(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER);
  arrival.mutable_arrival_recorded()->set_person_id("ctu-a");
  std::vector<Envelope> closed = Apply(arrival);
  EXPECT_EQ(First(closed, Envelope::kPageClosed)->page_closed().page_id(), responder_page_);
  std::vector<Envelope> events = Apply(StepFired(advocate_page_, 1));
  const Envelope* sent = First(events, Envelope::kPageSent);
  ASSERT_NE(sent, nullptr);
  ASSERT_EQ(sent->page_sent().case_summary().arrivals_size(), 1);
  EXPECT_EQ(sent->page_sent().case_summary().arrivals(0).person_id(), "ctu-a");
}

TEST_F(PageEngineTest, MissedDeadlinePagesOnlyLinesForTheCasesAgencyOnce) {
  Apply(Routed());
  std::vector<Envelope> events =
      Apply(Missed("responder_arrival", {"ctu-supervisor", "mart-supervisor", "cph-supervisor"}));
  EXPECT_THAT(PagedPeople(events), ElementsAre("ctu-boss", "cph-boss"));
  EXPECT_EQ(First(events, Envelope::kPageSent)->page_sent().reason(), "deadline_missed:responder_arrival");
  EXPECT_THAT(Apply(Missed("responder_arrival", {"ctu-supervisor", "mart-supervisor", "cph-supervisor"})), IsEmpty());
}

TEST_F(PageEngineTest, DeadlineMetAndCaseClosedClosePages) {
  Apply(Routed());
  Apply(Missed("responder_arrival", {"ctu-supervisor"}));
  Envelope met = Event("met-1");
  met.mutable_deadline_met()->set_deadline_id("responder_arrival");
  std::vector<Envelope> events = Apply(met);
  EXPECT_EQ(Count(events, Envelope::kPageClosed), 1);
  Envelope closed = Event("closed-1");
  closed.mutable_case_closed();
  events = Apply(closed);
  EXPECT_EQ(Count(events, Envelope::kPageClosed), 2) << state_.DebugString();  // the responder's and the advocate's
  for (const auto& page : state_.pages()) EXPECT_EQ(page.state(), csec::dispatch::v1::PAGE_STATE_CLOSED);
  EXPECT_THAT(Apply(Missed("advocate_arrival", {"advocacy-supervisor"})), IsEmpty());
}

TEST_F(PageEngineTest, EventsOlderThanTheHorizonOpenNoPage) {
  Envelope routed = Routed();
  now_ += absl::Hours(25);  // a consumer group reading old history
  std::vector<Envelope> events = Apply(routed);
  EXPECT_THAT(PagedPeople(events), IsEmpty());
  EXPECT_EQ(state_.summary().team_id(), "ctu-spa-4");  // still known to later pages
}

TEST_F(PageEngineTest, ShiftNoticeGoesToWhoeverTakesOverAndAsksForTheNextOne) {
  Roster roster{.id = "ctu-spa-4",
                .rotation = Rotation{.starts = absl::CivilDay(2026, 1, 5),
                                     .handoffs = {absl::Hours(8), absl::Hours(20)},
                                     .members = {"ctu-a", "ctu-b"}}};
  config_.rosters = {roster};
  config_.time_zone = absl::UTCTimeZone();
  EngineContext context = Context();
  context.on_call = [&](const std::string&, absl::Time at) { return OnCallAt(roster, {}, at, config_.time_zone); };
  const absl::Time handoff = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 20, 0, 0), absl::UTCTimeZone());
  std::vector<Envelope> events = ShiftNoticeEvents(roster, handoff, context);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[0].has_shift_starting());
  EXPECT_EQ(events[0].shift_starting().person_id(), OnCallAt(roster, {}, handoff, config_.time_zone).person_id);
  EXPECT_NE(events[0].shift_starting().person_id(),
            OnCallAt(roster, {}, handoff - absl::Minutes(1), config_.time_zone).person_id);
  ASSERT_TRUE(events[1].has_wait_requested());
  EXPECT_EQ(events[1].wait_requested().kind(), kShiftNoticeWait);
  EXPECT_EQ(FromProtoTime(events[1].wait_requested().due_at()),
            handoff + absl::Hours(12) - config_.shift_notice_before);

  // A weekly turn's daily handoff to the same person tells nobody, but still asks for the next.
  roster.rotation->shifts_per_turn = 7;
  roster.rotation->handoffs = {absl::Hours(8)};
  const absl::Time mid_turn = absl::FromCivil(absl::CivilSecond(2026, 1, 7, 8, 0, 0), absl::UTCTimeZone());
  events = ShiftNoticeEvents(roster, mid_turn, context);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].has_wait_requested());
}

// --- Medical Hub: scheduling failures and emergencies (csec.medical.v1) ---------------------

TEST_F(PageEngineTest, PagingActsOnTheMedicalEventsItEscalates) {
  EXPECT_TRUE(PagingActsOn(SchedulingFailed(1)));
  EXPECT_TRUE(PagingActsOn(Scheduled(1)));
  EXPECT_TRUE(PagingActsOn(ExamRecorded()));
  Envelope day = Event("hub-day");
  day.set_case_id("hub:hub-a");
  day.mutable_hub_day_changed()->set_hub_id("hub-a");
  EXPECT_FALSE(PagingActsOn(day));
  Envelope no_show = Event("no-show");
  no_show.mutable_medical_no_show_recorded()->set_appointment_id("appt-1");
  EXPECT_FALSE(PagingActsOn(no_show));  // a rebooking or a failure follows: that one pages
}

TEST_F(PageEngineTest, SchedulingFailurePagesTheHubsCoordinatorAndTheTeamSayingWhy) {
  Apply(Routed());
  std::vector<Envelope> events = Apply(SchedulingFailed(1));
  EXPECT_THAT(PagedPeople(events), ElementsAre("hub-a-coord", "ctu-a"));
  EXPECT_THAT(Reasons(events),
              ElementsAre("hub-a medical_scheduling_failed:1", "ctu-spa-4 medical_scheduling_failed:1"));
  EXPECT_EQ(Count(events, Envelope::kWaitRequested), 2);
  const Envelope* sent = First(events, Envelope::kPageSent);
  EXPECT_EQ(sent->page_sent().page_id(), FailedPage("hub-a", 1));
  EXPECT_EQ(sent->page_sent().case_summary().medical_note(),
            "Medical Hub scheduling failed (no_capacity): hub-a and hub-b are full through 2026-05-31");
  EXPECT_EQ(sent->page_sent().case_summary().team_id(), "ctu-spa-4");
  EXPECT_EQ(state_.summary().medical_note(), sent->page_sent().case_summary().medical_note());

  // Unacknowledged, the coordinator's page moves on like any other: the DHS line next.
  now_ += absl::Minutes(10);
  EXPECT_THAT(PagedPeople(Apply(StepFired(FailedPage("hub-a", 1), 1))), ElementsAre("dhs-coord"));
}

TEST_F(PageEngineTest, SchedulingFailureFallsBackToTheDhsHubCoordinatorLine) {
  Apply(Routed());
  // No hub named, then a hub without a chain of its own.
  std::vector<Envelope> events = Apply(SchedulingFailed(1, ""));
  EXPECT_THAT(Reasons(events),
              ElementsAre("dhs-hub-coordinator medical_scheduling_failed:1", "ctu-spa-4 medical_scheduling_failed:1"));
  EXPECT_THAT(PagedPeople(events), ElementsAre("dhs-coord", "ctu-a"));
  events = Apply(SchedulingFailed(2, "hub-b"));
  EXPECT_THAT(Reasons(events),
              ElementsAre("dhs-hub-coordinator medical_scheduling_failed:2", "ctu-spa-4 medical_scheduling_failed:2"));
}

TEST_F(PageEngineTest, ReplayedSchedulingFailurePagesNobodyAgain) {
  Apply(Routed());
  Apply(SchedulingFailed(1));
  PagingDecision again = DecidePaging(state_, SchedulingFailed(1), Context());
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(again.events, IsEmpty());
  // Nor once the failure is over and the case has moved on.
  Apply(Scheduled(2));
  again = DecidePaging(state_, SchedulingFailed(1), Context());
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(again.events, IsEmpty());
}

TEST_F(PageEngineTest, ALaterFailureWithANewBookingNumberPagesAgain) {
  Apply(Routed());
  Apply(SchedulingFailed(1));
  Apply(Scheduled(2));  // a coordinator opened a day: booked
  // The youth did not come, and nothing is left in the window: booking 3 fails.
  Envelope later = SchedulingFailed(3);
  later.mutable_medical_scheduling_failed()->set_cause("window_passed");
  later.mutable_medical_scheduling_failed()->set_why("the 72-hour window ended 2026-05-31 20:26 UTC");
  std::vector<Envelope> events = Apply(later);
  EXPECT_THAT(Reasons(events),
              ElementsAre("hub-a medical_scheduling_failed:3", "ctu-spa-4 medical_scheduling_failed:3"));
  EXPECT_EQ(First(events, Envelope::kPageSent)->page_sent().case_summary().medical_note(),
            "Medical Hub scheduling failed (window_passed): the 72-hour window ended 2026-05-31 20:26 UTC");
  EXPECT_THAT(Apply(later), IsEmpty());
}

TEST_F(PageEngineTest, EmergencyCarePagesTheTeamOnceWithWhereAndWhen) {
  Apply(Routed());
  std::vector<Envelope> events = Apply(Scheduled(1, /*emergency=*/true));
  EXPECT_THAT(Reasons(events), ElementsAre("ctu-spa-4 medical_emergency"));
  EXPECT_THAT(PagedPeople(events), ElementsAre("ctu-a"));
  const Envelope* sent = First(events, Envelope::kPageSent);
  EXPECT_EQ(sent->page_sent().page_id(), PageId("case-1", "ctu-spa-4", "medical_emergency"));
  EXPECT_EQ(sent->page_sent().case_summary().medical_note(),
            "Emergency care comes first: the referral reported an immediate medical need. Medical Hub exam booked "
            "at hub-a on 2026-05-28 at 23:26 UTC.");
  // A replay, and a rebooking of the same emergency, page nobody again.
  EXPECT_THAT(Apply(Scheduled(1, true)), IsEmpty());
  EXPECT_THAT(PagedPeople(Apply(Scheduled(2, true))), IsEmpty());
  // An ordinary booking pages nobody, and only notes where and when.
  state_ = {};
  Apply(Routed());
  events = Apply(Scheduled(1));
  EXPECT_THAT(PagedPeople(events), IsEmpty());
  EXPECT_EQ(state_.summary().medical_note(), "Medical Hub exam booked at hub-a on 2026-05-28 at 23:26 UTC.");
}

TEST_F(PageEngineTest, ALaterBookingClosesTheFailurePages) {
  Apply(Routed());
  Apply(SchedulingFailed(1));
  std::vector<Envelope> events = Apply(Scheduled(2));
  EXPECT_THAT(Closed(events), ElementsAre(FailedPage("hub-a", 1) + " medical appointment booked",
                                          FailedPage("ctu-spa-4", 1) + " medical appointment booked"));
  EXPECT_EQ(Count(events, Envelope::kWaitCancelled), 2);
  EXPECT_THAT(PagedPeople(events), IsEmpty());
  EXPECT_EQ(FindPage(state_, FailedPage("hub-a", 1))->state(), csec::dispatch::v1::PAGE_STATE_CLOSED);
  // The case_routed pages are not the medical service's to close.
  EXPECT_EQ(FindPage(state_, responder_page_)->state(), csec::dispatch::v1::PAGE_STATE_OPEN);

  // A replay of an earlier booking after a later failure closes nothing.
  Apply(SchedulingFailed(3));
  EXPECT_THAT(Closed(Apply(Scheduled(2))), IsEmpty());
  EXPECT_EQ(FindPage(state_, FailedPage("hub-a", 3))->state(), csec::dispatch::v1::PAGE_STATE_OPEN);
  EXPECT_THAT(state_.summary().medical_note(), ::testing::HasSubstr("scheduling failed"));

  // The exam closes them too, acknowledged or not.
  Envelope ack = Event("ack-failed-3");
  ack.mutable_page_acknowledged()->set_page_id(FailedPage("hub-a", 3));
  ack.mutable_page_acknowledged()->set_person_id("hub-a-coord");
  Apply(ack);
  events = Apply(ExamRecorded());
  EXPECT_THAT(Closed(events),
              ElementsAre(FailedPage("hub-a", 3) + " exam recorded", FailedPage("ctu-spa-4", 3) + " exam recorded"));
  EXPECT_EQ(Count(events, Envelope::kWaitCancelled), 1);  // the acknowledged page had no wait running
  EXPECT_EQ(state_.summary().medical_note(), "Medical Hub exam recorded at hub-a.");
}

TEST_F(PageEngineTest, CaseClosedClosesTheMedicalPagesAndAClosedCaseIsNotPaged) {
  Apply(Routed());
  Apply(SchedulingFailed(1));
  Apply(Scheduled(2, /*emergency=*/true));
  Apply(SchedulingFailed(3));
  Envelope closed = Event("closed-1");
  closed.mutable_case_closed();
  std::vector<Envelope> events = Apply(closed);
  // case_routed x2, medical_emergency, medical_scheduling_failed:3 x2 (the :1 pages were closed).
  EXPECT_EQ(Count(events, Envelope::kPageClosed), 5);
  for (const auto& page : state_.pages()) {
    EXPECT_EQ(page.state(), csec::dispatch::v1::PAGE_STATE_CLOSED) << page.reason();
  }
  EXPECT_THAT(PagedPeople(Apply(SchedulingFailed(4))), IsEmpty());
}

TEST_F(PageEngineTest, MedicalNewsBeforeTheRoutingDecisionReachesTheTeamWhenItIsRouted) {
  // Topics are not ordered with each other: the failure and the emergency may come first.
  std::vector<Envelope> events = Apply(SchedulingFailed(1));
  EXPECT_THAT(Reasons(events), ElementsAre("hub-a medical_scheduling_failed:1"));
  Apply(Scheduled(2, /*emergency=*/true));  // closes the failure: nothing left to tell of it
  Apply(SchedulingFailed(3, ""));
  events = Apply(Routed());
  EXPECT_THAT(Reasons(events), ElementsAre("ctu-spa-4 case_routed", "saving-innocence case_routed",
                                           "ctu-spa-4 medical_scheduling_failed:3", "ctu-spa-4 medical_emergency"));
  // On an emergency case every medical note says so first, the failure's too.
  EXPECT_EQ(state_.summary().medical_note(),
            "Emergency care comes first: the referral reported an immediate medical need. Medical Hub scheduling "
            "failed (no_capacity): hub-a and hub-b are full through 2026-05-31");
  EXPECT_THAT(Apply(Routed()), IsEmpty());
}

TEST_F(PageEngineTest, OldMedicalEventsOpenNoPage) {
  Apply(Routed());
  Envelope failed = SchedulingFailed(1);
  now_ += absl::Hours(25);
  std::vector<Envelope> events = Apply(failed);
  EXPECT_THAT(PagedPeople(events), IsEmpty());
  EXPECT_THAT(state_.summary().medical_note(), ::testing::HasSubstr("no_capacity"));  // still told on later pages
}

// The rebuild after a Redis loss (PagingReplay) must give back exactly the state the decisions
// left: the pages from paging's own events, the summary from the events it acted on.
TEST_F(PageEngineTest, ARebuildFromTheEventsGivesBackTheStateTheDecisionsLeft) {
  std::vector<Envelope> own;     // csec.paging.v1: what paging produced, and acknowledgements
  std::vector<Envelope> inputs;  // the other topics: what paging acted on
  auto decide = [&](const Envelope& e, bool on_paging_topic) {
    (on_paging_topic ? own : inputs).push_back(e);
    for (const Envelope& out : Apply(e)) own.push_back(out);
  };
  decide(Routed(), false);
  Envelope ack = Event("ack-advocate");
  ack.set_producer("paging");
  ack.mutable_page_acknowledged()->set_page_id(advocate_page_);
  ack.mutable_page_acknowledged()->set_person_id("adv-a");
  now_ += absl::Minutes(2);
  decide(ack, true);
  now_ += absl::Minutes(10);
  decide(StepFired(responder_page_, 1), false);  // not acknowledged: the CTU supervisor is paged
  decide(Missed("responder_arrival", {"ctu-supervisor", "mart-supervisor"}), false);
  now_ += absl::Minutes(5);
  decide(SchedulingFailed(1), false);
  decide(Scheduled(2), false);                    // closes the failure's pages
  Envelope arrival = Event("arrival-responder");  // the advocate's page stays acknowledged
  arrival.mutable_arrival_recorded()->set_role(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER);
  arrival.mutable_arrival_recorded()->set_person_id("ctu-a");
  now_ += absl::Minutes(20);
  decide(arrival, false);
  ASSERT_GE(state_.pages_size(), 5) << state_.DebugString();

  PagingReplay replay(&config_);
  for (const Envelope& e : own) replay.Apply(e, e.SerializeAsString(), FromProtoTime(e.occurred_at()));
  for (const Envelope& e : inputs) replay.Apply(e, e.SerializeAsString(), FromProtoTime(e.occurred_at()));
  const auto cases = replay.Cases();
  ASSERT_EQ(cases.count("case-1"), 1u);
  std::string differences;
  google::protobuf::util::MessageDifferencer differ;
  differ.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differ.Compare(state_, cases.at("case-1"))) << differences;

  // Delivery's part: every notification kept, for its later tries.
  int sent = 0;
  for (const Envelope& e : own) sent += e.has_page_sent();
  EXPECT_EQ(static_cast<int>(replay.sent_bodies().size()), sent);
}

TEST_F(PageEngineTest, ARebuildKnowsWhichContactsWereDeliveredOrGivenUp) {
  std::vector<Envelope> own = Apply(Routed());
  ASSERT_NE(First(own, Envelope::kPageSent), nullptr);
  const Envelope sent_event = *First(own, Envelope::kPageSent);  // a copy: `own` grows below
  const Envelope* sent = &sent_event;
  Envelope delivered = Event("delivered-1");
  delivered.set_producer("paging");
  auto* d = delivered.mutable_page_delivered();
  d->set_page_id(sent->page_sent().page_id());
  d->set_attempt(sent->page_sent().attempt());
  d->set_person_id(sent->page_sent().person_id());
  d->set_contact_index(1);
  own.push_back(delivered);
  PagingReplay replay(&config_);
  for (const Envelope& e : own) replay.Apply(e, e.SerializeAsString(), kT0);
  ASSERT_EQ(replay.deliveries_done().size(), 1u);
  const auto& [key, kept] = *replay.deliveries_done().begin();
  EXPECT_EQ(key.first, "case-1");
  EXPECT_EQ(key.second, DeliveryIdFor(sent->event_id(), 1)) << "the id delivery checks before a send";
  EXPECT_EQ(kept.value, "delivered");
}

}  // namespace
}  // namespace csec::paging
