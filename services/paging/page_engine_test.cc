// The paging decisions, without Kafka or Redis: what each event does to a case's pages.
#include "services/paging/page_engine.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/clock.h"

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
  for (const char* id : {"ctu-a", "ctu-b", "ctu-boss", "adv-a", "adv-boss", "cph-boss"}) c.people.push_back({.id = id});
  for (const char* id : {"ctu-spa-4", "ctu-supervisor", "saving-innocence", "advocacy-supervisor", "cph-supervisor"}) {
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
  return c;
}

class PageEngineTest : public ::testing::Test {
 protected:
  PageEngineTest() : config_(TestConfig()) {
    on_call_ = {{"ctu-spa-4", "ctu-a"},
                {"ctu-supervisor", "ctu-boss"},
                {"saving-innocence", "adv-a"},
                {"advocacy-supervisor", "adv-boss"},
                {"cph-supervisor", "cph-boss"}};
  }

  EngineContext Context() {
    return {.config = &config_,
            .on_call = [this](const std::string& roster, absl::Time) {
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

  static std::vector<std::string> PagedPeople(const std::vector<Envelope>& events) {
    std::vector<std::string> people;
    for (const Envelope& e : events) {
      if (e.has_page_sent()) people.push_back(e.page_sent().person_id());
    }
    return people;
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
  std::vector<Envelope> events = Apply(Missed("responder_arrival", {"ctu-supervisor", "mart-supervisor", "cph-supervisor"}));
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
  context.on_call = [&](const std::string&, absl::Time at) {
    return OnCallAt(roster, {}, at, config_.time_zone);
  };
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

}  // namespace
}  // namespace csec::paging
