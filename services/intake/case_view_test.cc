#include "services/intake/case_view.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/message_differencer.h"
#include "services/common/clock.h"
#include "services/common/protocol_config.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::CaseView;
using csec::dispatch::v1::DeadlineState;
using csec::dispatch::v1::DeadlineStatus;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::PlacementKind;
using csec::dispatch::v1::ResponderRole;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr auto kPending = csec::dispatch::v1::DEADLINE_STATE_PENDING;
constexpr auto kMet = csec::dispatch::v1::DEADLINE_STATE_MET;
constexpr auto kMetLate = csec::dispatch::v1::DEADLINE_STATE_MET_LATE;
constexpr auto kMissed = csec::dispatch::v1::DEADLINE_STATE_MISSED;
constexpr auto kResponder = csec::dispatch::v1::RESPONDER_ROLE_RESPONDER;
constexpr auto kAdvocate = csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE;
constexpr auto kSodaPad = csec::dispatch::v1::PLACEMENT_KIND_SODA_PAD_BED;
constexpr auto kHome = csec::dispatch::v1::PLACEMENT_KIND_HOME;
constexpr auto kOther = csec::dispatch::v1::PLACEMENT_KIND_OTHER;

// Deadlines short enough to read at a glance; the rest is the least a valid config needs.
constexpr absl::string_view kConfigYaml = R"yaml(
deadlines:
  responder_arrival: {minutes: 90, escalate_to: [ctu-supervisor, mart-supervisor]}
  advocate_arrival: {minutes: 60, escalate_to: [advocacy-supervisor]}
  medical_exam: {hours: 72, escalate_to: [dhs-hub-coordinator]}
  initial_mdt: {days: 7, escalate_to: [mart-supervisor]}
  soda_pad_stay: {days: 30, escalate_to: [mart-supervisor]}
  advocacy_case_management: {days: 90, escalate_to: [advocacy-supervisor]}
  page_ack_timeout: {minutes: 10, escalate_to: [cph-supervisor]}
agencies:
  - {id: lbpd, name: Long Beach PD, kind: law_enforcement}
stations:
  - {id: lbpd-long-beach, name: Long Beach PD, agency_id: lbpd, area_id: spa-8, participating: true}
teams:
  - {id: ctu-8, name: CTU SPA 8, agency: ctu}
  - {id: mart-8, name: MART SPA 8, agency: mart}
  - {id: hotline, name: Hotline, agency: hotline}
advocacy_agencies:
  - {id: advocates, name: Advocates}
hubs:
  - {id: harbor-ucla, name: Harbor-UCLA, area_id: spa-8, daily_capacity: 4}
areas:
  - {id: spa-8, name: South Bay, ctu_team_id: ctu-8, mart_team_id: mart-8,
     advocacy_agency_id: advocates, hub_ids: [harbor-ucla]}
routing:
  dual_status_default_lead: dcfs
  standard_response_team_id: hotline
  standard_response_area_id: spa-8
  supervisor_id: cph-supervisor
)yaml";

const ProtocolConfig& Config() {
  static const std::shared_ptr<const ProtocolConfig> config = [] {
    absl::StatusOr<std::shared_ptr<const ProtocolConfig>> parsed =
        ParseProtocolConfig(kConfigYaml, "test.yaml");
    if (!parsed.ok()) {
      ADD_FAILURE() << parsed.status();
      std::abort();
    }
    return *parsed;
  }();
  return *config;
}

absl::Duration Days(int64_t n) { return absl::Hours(24 * n); }  // absl has no Days

constexpr char kCase[] = "case-1";
// T0: when the officer identified the youth. The referral reaches intake a few minutes later.
const absl::Time kT0 =
    absl::FromCivil(absl::CivilSecond(2026, 11, 22, 3, 0, 0), absl::UTCTimeZone());
const absl::Time kReported = kT0 + absl::Minutes(5);

Envelope Base(const std::string& id, absl::Time occurred_at) {
  Envelope e;
  e.set_event_id(id);
  e.set_case_id(kCase);
  *e.mutable_occurred_at() = ToProtoTime(occurred_at);
  e.set_producer("intake");
  return e;
}

Envelope Referral(const std::string& id = "ev-referral", absl::Time occurred_at = kReported) {
  Envelope e = Base(id, occurred_at);
  auto* r = e.mutable_referral_received()->mutable_referral();
  r->mutable_source()->set_station_id("lbpd-long-beach");
  *r->mutable_identified_at() = ToProtoTime(kT0);
  r->mutable_youth()->set_pseudonym_ref("LBPD-Y-0001");
  r->mutable_youth()->set_age_years(15);
  return e;
}

Envelope Routed(const std::string& id, absl::Time occurred_at, const std::string& team) {
  Envelope e = Base(id, occurred_at);
  e.set_producer("routing");
  auto* r = e.mutable_case_routed();
  r->set_referral_event_id("ev-referral");
  r->set_agency(csec::dispatch::v1::RESPONDER_AGENCY_MART);
  r->set_team_id(team);
  r->set_rule_id("new-to-both");
  return e;
}

// An arrival recorded at `occurred_at` that happened at `arrived_at`.
Envelope Arrival(const std::string& id, ResponderRole role, absl::Time arrived_at,
                 std::optional<absl::Time> occurred_at = std::nullopt) {
  Envelope e = Base(id, occurred_at.value_or(arrived_at));
  auto* a = e.mutable_arrival_recorded();
  a->set_role(role);
  a->set_person_id(id + "-person");
  *a->mutable_arrived_at() = ToProtoTime(arrived_at);
  return e;
}

Envelope Mdt(const std::string& id, absl::Time held_at) {
  Envelope e = Base(id, held_at + absl::Minutes(30));
  *e.mutable_mdt_recorded()->mutable_held_at() = ToProtoTime(held_at);
  return e;
}

Envelope Placement(const std::string& id, PlacementKind kind, absl::Time placed_at) {
  Envelope e = Base(id, placed_at + absl::Minutes(1));
  auto* p = e.mutable_placement_recorded();
  p->set_kind(kind);
  p->set_facility_id(id + "-facility");
  *p->mutable_placed_at() = ToProtoTime(placed_at);
  return e;
}

Envelope Exam(const std::string& id, absl::Time examined_at) {
  Envelope e = Base(id, examined_at + absl::Hours(1));
  auto* m = e.mutable_medical_exam_recorded();
  m->set_hub_id("harbor-ucla");
  *m->mutable_examined_at() = ToProtoTime(examined_at);
  return e;
}

Envelope Closed(const std::string& id, absl::Time closed_at) {
  Envelope e = Base(id, closed_at);
  *e.mutable_case_closed()->mutable_closed_at() = ToProtoTime(closed_at);
  e.mutable_case_closed()->set_reason("case management handed over");
  return e;
}

const DeadlineStatus* FindDeadline(const CaseView& view, absl::string_view id) {
  for (const DeadlineStatus& d : view.deadlines()) {
    if (d.deadline_id() == id) return &d;
  }
  return nullptr;
}

std::vector<std::string> DeadlineIds(const CaseView& view) {
  std::vector<std::string> ids;
  for (const DeadlineStatus& d : view.deadlines()) ids.push_back(d.deadline_id());
  return ids;
}

std::vector<std::string> ArrivalPeople(const CaseView& view) {
  std::vector<std::string> people;
  for (const auto& a : view.arrivals()) people.push_back(a.person_id());
  return people;
}

bool SameView(const CaseView& a, const CaseView& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// A whole first week: referral, a routing decision revised once, arrivals (one recorded before
// routing decided, one recorded late), a SODA/PAD bed then home, the exam, the MDT, closure.
std::vector<Envelope> WholeStory() {
  return {
      Referral(),
      Arrival("ev-arrive-adv", kAdvocate, kT0 + absl::Minutes(7)),  // before routing
      Routed("ev-routed-1", kReported + absl::Seconds(2), "mart-8"),
      Routed("ev-routed-2", kReported + absl::Minutes(3), "ctu-8"),
      Arrival("ev-arrive-resp", kResponder, kT0 + absl::Minutes(50),
              /*occurred_at=*/kT0 + absl::Hours(4)),  // recorded late
      Placement("ev-place-soda", kSodaPad, kT0 + absl::Hours(5)),
      Exam("ev-exam", kT0 + absl::Hours(20)),
      Mdt("ev-mdt", kT0 + Days(3)),
      Placement("ev-place-home", kHome, kT0 + Days(4)),
      Closed("ev-closed", kT0 + Days(6)),
  };
}

TEST(CaseViewTest, NoEventsGiveAnEmptyViewWithoutDeadlines) {
  CaseView view = BuildCaseView(kCase, {}, Config(), kT0);
  EXPECT_EQ(view.case_id(), kCase);
  EXPECT_EQ(view.version(), 0);
  EXPECT_FALSE(view.has_referral());
  EXPECT_THAT(view.deadlines(), IsEmpty());
  EXPECT_EQ(view.config_version(), Config().version);
}

TEST(CaseViewTest, AssemblesTheWholeStory) {
  const absl::Time now = kT0 + Days(10);
  CaseView view = BuildCaseView(kCase, WholeStory(), Config(), now);

  EXPECT_EQ(view.version(), 10);
  EXPECT_EQ(view.referral().youth().pseudonym_ref(), "LBPD-Y-0001");
  EXPECT_EQ(view.referral_event_id(), "ev-referral");
  EXPECT_EQ(FromProtoTime(view.reported_at()), kReported);
  EXPECT_EQ(view.routing().team_id(), "ctu-8");  // the later decision
  EXPECT_THAT(ArrivalPeople(view), ElementsAre("ev-arrive-adv-person", "ev-arrive-resp-person"));
  ASSERT_EQ(view.mdts_size(), 1);
  EXPECT_EQ(view.placement().kind(), kHome);
  EXPECT_EQ(view.medical_exam().hub_id(), "harbor-ucla");
  EXPECT_EQ(FromProtoTime(view.closed().closed_at()), kT0 + Days(6));
  EXPECT_EQ(view.config_version(), Config().version);

  EXPECT_THAT(DeadlineIds(view), ElementsAre("responder_arrival", "advocate_arrival",
                                             "medical_exam", "initial_mdt", "soda_pad_stay"));
  for (const DeadlineStatus& d : view.deadlines()) EXPECT_EQ(d.state(), kMet) << d.deadline_id();
  const DeadlineStatus* soda = FindDeadline(view, "soda_pad_stay");
  ASSERT_NE(soda, nullptr);
  EXPECT_EQ(FromProtoTime(soda->due_at()), kT0 + absl::Hours(5) + Days(30));
  EXPECT_EQ(FromProtoTime(soda->met_at()), kT0 + Days(4));  // the move home
}

TEST(CaseViewTest, AnyInputOrderGivesTheSameView) {
  std::vector<Envelope> events = WholeStory();
  const absl::Time now = kT0 + Days(2);
  const CaseView expected = BuildCaseView(kCase, events, Config(), now);

  // Every permutation of a subset (all 720 of six events) and many of the whole story.
  std::vector<Envelope> six(events.begin(), events.begin() + 6);
  std::sort(six.begin(), six.end(), [](const Envelope& a, const Envelope& b) {
    return a.event_id() < b.event_id();
  });
  const CaseView expected_six = BuildCaseView(kCase, six, Config(), now);
  int permutations = 0;
  do {
    ++permutations;
    ASSERT_TRUE(SameView(BuildCaseView(kCase, six, Config(), now), expected_six))
        << "permutation " << permutations;
  } while (std::next_permutation(
      six.begin(), six.end(),
      [](const Envelope& a, const Envelope& b) { return a.event_id() < b.event_id(); }));
  EXPECT_EQ(permutations, 720);

  std::reverse(events.begin(), events.end());
  EXPECT_TRUE(SameView(BuildCaseView(kCase, events, Config(), now), expected));
  for (size_t i = 1; i < events.size(); ++i) {
    std::rotate(events.begin(), events.begin() + 3, events.end());
    std::swap(events[0], events[i]);
    EXPECT_TRUE(SameView(BuildCaseView(kCase, events, Config(), now), expected)) << i;
  }
}

TEST(CaseViewTest, TiesInTimeAreBrokenByEventId) {
  // Two decisions and two arrivals at the same instant: the event id decides, in any order.
  const absl::Time at = kT0 + absl::Minutes(20);
  const Envelope routed_a = Routed("ev-routed-a", at, "mart-8");
  const Envelope routed_b = Routed("ev-routed-b", at, "ctu-8");
  const Envelope arrive_a = Arrival("ev-arrive-a", kAdvocate, at);
  const Envelope arrive_b = Arrival("ev-arrive-b", kResponder, at);
  for (const std::vector<Envelope>& events :
       {std::vector<Envelope>{Referral(), routed_a, routed_b, arrive_a, arrive_b},
        std::vector<Envelope>{arrive_b, routed_b, arrive_a, routed_a, Referral()}}) {
    CaseView view = BuildCaseView(kCase, events, Config(), at);
    EXPECT_EQ(view.routing().team_id(), "ctu-8");
    EXPECT_THAT(ArrivalPeople(view), ElementsAre("ev-arrive-a-person", "ev-arrive-b-person"));
  }
}

TEST(CaseViewTest, ArrivalBeforeRoutingIsKeptAndOrderedByWhenItHappened) {
  // The advocate's arrival is recorded before routing decides, the responder's is recorded
  // later than it happened; the view orders them by arrival time, not by record time.
  std::vector<Envelope> events = {
      Arrival("ev-b", kResponder, kT0 + absl::Minutes(30), kT0 + absl::Hours(3)),
      Routed("ev-routed", kT0 + absl::Hours(1), "mart-8"),
      Arrival("ev-a", kAdvocate, kT0 + absl::Minutes(40), kT0 + absl::Minutes(40)),
      Referral("ev-referral", kT0 + absl::Minutes(10)),
  };
  CaseView view = BuildCaseView(kCase, events, Config(), kT0 + absl::Hours(4));
  EXPECT_EQ(view.version(), 4);
  EXPECT_EQ(view.routing().team_id(), "mart-8");
  EXPECT_THAT(ArrivalPeople(view), ElementsAre("ev-b-person", "ev-a-person"));
  EXPECT_EQ(FindDeadline(view, "responder_arrival")->state(), kMet);
  EXPECT_EQ(FindDeadline(view, "advocate_arrival")->state(), kMet);
}

TEST(CaseViewTest, FactsBeforeTheReferralHaveNoDeadlinesYet) {
  // An arrival can reach the store before the referral's event: no clock runs until T0 is known.
  CaseView view = BuildCaseView(kCase, {Arrival("ev-a", kResponder, kT0 + absl::Minutes(30))},
                                Config(), kT0 + Days(30));
  EXPECT_EQ(view.version(), 1);
  EXPECT_EQ(view.arrivals_size(), 1);
  EXPECT_FALSE(view.has_referral());
  EXPECT_THAT(view.deadlines(), IsEmpty());
}

// One deadline, the facts given and the time it is read at, and what it should say.
struct DeadlineCase {
  const char* name;
  absl::string_view deadline_id;
  std::vector<Envelope> facts;  // besides the referral (T0 = kT0)
  absl::Duration now;           // after kT0
  DeadlineState state;
  std::optional<absl::Duration> met_at;  // after kT0
  absl::Duration due;                    // after kT0
};

class DeadlineStateTest : public ::testing::TestWithParam<DeadlineCase> {};

TEST_P(DeadlineStateTest, ComputesStateDueAndMet) {
  const DeadlineCase& c = GetParam();
  std::vector<Envelope> events = c.facts;
  events.push_back(Referral());
  CaseView view = BuildCaseView(kCase, events, Config(), kT0 + c.now);
  const DeadlineStatus* d = FindDeadline(view, c.deadline_id);
  ASSERT_NE(d, nullptr) << view.DebugString();
  EXPECT_EQ(d->state(), c.state) << view.DebugString();
  EXPECT_EQ(FromProtoTime(d->due_at()), kT0 + c.due);
  if (c.met_at.has_value()) {
    ASSERT_TRUE(d->has_met_at());
    EXPECT_EQ(FromProtoTime(d->met_at()), kT0 + *c.met_at);
  } else {
    EXPECT_FALSE(d->has_met_at());
  }
}

const absl::Duration k90m = absl::Minutes(90);
const absl::Duration k60m = absl::Minutes(60);
const absl::Duration k72h = absl::Hours(72);
const absl::Duration k7d = Days(7);
const absl::Duration kSoda = absl::Hours(2);  // the SODA/PAD placements below start at T0+2h
const absl::Duration k30d = Days(30);

INSTANTIATE_TEST_SUITE_P(
    EachState, DeadlineStateTest,
    ::testing::Values(
        // responder_arrival: 90 minutes from T0, met by the first RESPONDER arrival.
        DeadlineCase{"ResponderPending", "responder_arrival", {}, k90m - absl::Seconds(1),
                     kPending, std::nullopt, k90m},
        DeadlineCase{"ResponderMissedAtDue", "responder_arrival", {}, k90m, kMissed,
                     std::nullopt, k90m},
        DeadlineCase{"ResponderMetAtDue", "responder_arrival",
                     {Arrival("a", kResponder, kT0 + k90m)}, absl::Hours(3), kMet, k90m, k90m},
        DeadlineCase{"ResponderMetLate", "responder_arrival",
                     {Arrival("a", kResponder, kT0 + k90m + absl::Seconds(1))}, absl::Hours(3),
                     kMetLate, k90m + absl::Seconds(1), k90m},
        DeadlineCase{"ResponderFirstArrivalCounts", "responder_arrival",
                     {Arrival("late", kResponder, kT0 + absl::Hours(2), kT0 + absl::Hours(2)),
                      Arrival("early", kResponder, kT0 + absl::Minutes(80),
                              kT0 + absl::Hours(3))},
                     absl::Hours(4), kMet, absl::Minutes(80), k90m},
        DeadlineCase{"AdvocateDoesNotMeetResponder", "responder_arrival",
                     {Arrival("a", kAdvocate, kT0 + absl::Minutes(10))}, absl::Hours(2), kMissed,
                     std::nullopt, k90m},
        // advocate_arrival: 60 minutes (test config), met by the first ADVOCATE arrival.
        DeadlineCase{"AdvocatePending", "advocate_arrival",
                     {Arrival("r", kResponder, kT0 + absl::Minutes(10))}, absl::Minutes(30),
                     kPending, std::nullopt, k60m},
        DeadlineCase{"AdvocateMet", "advocate_arrival",
                     {Arrival("a", kAdvocate, kT0 + absl::Minutes(59))}, absl::Hours(2), kMet,
                     absl::Minutes(59), k60m},
        DeadlineCase{"AdvocateMetLate", "advocate_arrival",
                     {Arrival("a", kAdvocate, kT0 + absl::Minutes(61))}, absl::Hours(2),
                     kMetLate, absl::Minutes(61), k60m},
        DeadlineCase{"AdvocateMissed", "advocate_arrival", {}, absl::Hours(2), kMissed,
                     std::nullopt, k60m},
        // medical_exam: 72 hours, met by the first exam.
        DeadlineCase{"ExamPending", "medical_exam", {}, absl::Hours(71), kPending, std::nullopt,
                     k72h},
        DeadlineCase{"ExamMet", "medical_exam",
                     {Exam("e2", kT0 + absl::Hours(80)), Exam("e1", kT0 + absl::Hours(30))},
                     absl::Hours(90), kMet, absl::Hours(30), k72h},
        DeadlineCase{"ExamMetLate", "medical_exam", {Exam("e", kT0 + absl::Hours(73))},
                     absl::Hours(90), kMetLate, absl::Hours(73), k72h},
        DeadlineCase{"ExamMissed", "medical_exam", {}, absl::Hours(73), kMissed, std::nullopt,
                     k72h},
        // initial_mdt: 7 days, met by the first MDT.
        DeadlineCase{"MdtPending", "initial_mdt", {}, Days(6), kPending, std::nullopt,
                     k7d},
        DeadlineCase{"MdtMet", "initial_mdt", {Mdt("m", kT0 + Days(2))}, Days(3),
                     kMet, Days(2), k7d},
        DeadlineCase{"MdtMetLate", "initial_mdt", {Mdt("m", kT0 + Days(8))},
                     Days(9), kMetLate, Days(8), k7d},
        DeadlineCase{"MdtMissed", "initial_mdt", {}, Days(7) + absl::Hours(1), kMissed,
                     std::nullopt, k7d},
        // soda_pad_stay: 30 days from the SODA/PAD placement, ended by another kind of
        // placement or by closure.
        DeadlineCase{"SodaPending", "soda_pad_stay",
                     {Placement("p", kSodaPad, kT0 + kSoda)}, Days(20), kPending,
                     std::nullopt, kSoda + k30d},
        DeadlineCase{"SodaMissed", "soda_pad_stay", {Placement("p", kSodaPad, kT0 + kSoda)},
                     kSoda + k30d, kMissed, std::nullopt, kSoda + k30d},
        DeadlineCase{"SodaEndedByHome", "soda_pad_stay",
                     {Placement("p", kSodaPad, kT0 + kSoda),
                      Placement("h", kHome, kT0 + Days(10))},
                     Days(40), kMet, Days(10), kSoda + k30d},
        DeadlineCase{"SodaEndedLate", "soda_pad_stay",
                     {Placement("p", kSodaPad, kT0 + kSoda),
                      Placement("o", kOther, kT0 + Days(35))},
                     Days(40), kMetLate, Days(35), kSoda + k30d},
        DeadlineCase{"SodaEndedByClosure", "soda_pad_stay",
                     {Placement("p", kSodaPad, kT0 + kSoda), Closed("c", kT0 + Days(12))},
                     Days(40), kMet, Days(12), kSoda + k30d},
        DeadlineCase{"SodaMoveBetweenBedsIsOneStay", "soda_pad_stay",
                     {Placement("p1", kSodaPad, kT0 + kSoda),
                      Placement("p2", kSodaPad, kT0 + Days(20))},
                     Days(31), kMissed, std::nullopt, kSoda + k30d},
        DeadlineCase{"SodaNewStayAfterGoingHome", "soda_pad_stay",
                     {Placement("p1", kSodaPad, kT0 + kSoda),
                      Placement("h", kHome, kT0 + Days(3)),
                      Placement("p2", kSodaPad, kT0 + Days(5))},
                     Days(31), kPending, std::nullopt, Days(35)},
        // A closed case: a closure meets none of the others.
        DeadlineCase{"ClosureDoesNotMeetExam", "medical_exam",
                     {Closed("c", kT0 + absl::Hours(10))}, absl::Hours(80), kMissed,
                     std::nullopt, k72h},
        DeadlineCase{"ClosedCaseStillPending", "initial_mdt",
                     {Closed("c", kT0 + absl::Hours(10))}, Days(1), kPending,
                     std::nullopt, k7d}),
    [](const ::testing::TestParamInfo<DeadlineCase>& info) { return info.param.name; });

TEST(CaseViewTest, NoSodaPadDeadlineWithoutASodaPadPlacement) {
  CaseView view =
      BuildCaseView(kCase, {Referral(), Placement("h", kHome, kT0 + absl::Hours(3))}, Config(),
                    kT0 + Days(40));
  EXPECT_EQ(FindDeadline(view, "soda_pad_stay"), nullptr);
  EXPECT_THAT(DeadlineIds(view), ElementsAre("responder_arrival", "advocate_arrival",
                                             "medical_exam", "initial_mdt"));
}

TEST(CaseViewTest, ClockStartsAtIdentificationNotAtReport) {
  Envelope referral = Referral("ev-referral", kT0 + absl::Minutes(45));
  CaseView view = BuildCaseView(kCase, {referral}, Config(), kT0 + absl::Minutes(100));
  EXPECT_EQ(FromProtoTime(FindDeadline(view, "responder_arrival")->due_at()), kT0 + k90m);
  EXPECT_EQ(FindDeadline(view, "responder_arrival")->state(), kMissed);
}

TEST(CaseViewTest, EscalationAndConfigVersionComeFromTheConfig) {
  CaseView view = BuildCaseView(kCase, {Referral()}, Config(), kT0);
  EXPECT_THAT(FindDeadline(view, "responder_arrival")->escalate_to(),
              ElementsAre("ctu-supervisor", "mart-supervisor"));
  EXPECT_THAT(FindDeadline(view, "medical_exam")->escalate_to(),
              ElementsAre("dhs-hub-coordinator"));
  EXPECT_FALSE(view.config_version().empty());
  EXPECT_EQ(view.config_version(), Config().version);
}

TEST(CaseViewTest, DeadlineMissingFromTheConfigIsSkipped) {
  ProtocolConfig config = Config();
  std::erase_if(config.deadlines, [](const Deadline& d) { return d.id == "advocate_arrival"; });
  CaseView view = BuildCaseView(kCase, {Referral()}, config, kT0);
  EXPECT_THAT(DeadlineIds(view), ElementsAre("responder_arrival", "medical_exam", "initial_mdt"));
}

TEST(CaseViewTest, YouthIdentityIsNeverInTheView) {
  Envelope referral = Referral();
  auto* identity =
      referral.mutable_referral_received()->mutable_referral()->mutable_youth()->mutable_identity();
  identity->set_given_name("Jane");
  identity->set_family_name("Doe-Synthetic");
  identity->set_home_address("1 Synthetic Way");
  CaseView view = BuildCaseView(kCase, {referral}, Config(), kT0);
  EXPECT_EQ(view.referral().youth().pseudonym_ref(), "LBPD-Y-0001");
  EXPECT_FALSE(view.referral().youth().has_identity());
  const std::string bytes = view.SerializeAsString();
  EXPECT_EQ(bytes.find("Doe-Synthetic"), std::string::npos);
  EXPECT_EQ(bytes.find("Synthetic Way"), std::string::npos);
}

TEST(CaseViewTest, ReferralWithoutYouthGetsNoEmptyYouth) {
  Envelope referral = Referral();
  referral.mutable_referral_received()->mutable_referral()->clear_youth();
  CaseView view = BuildCaseView(kCase, {referral}, Config(), kT0);
  EXPECT_TRUE(view.has_referral());
  EXPECT_FALSE(view.referral().has_youth());
}

TEST(CaseViewTest, DuplicateEventIdsCountOnce) {
  const Envelope arrival = Arrival("ev-a", kResponder, kT0 + absl::Minutes(20));
  CaseView view = BuildCaseView(kCase, {arrival, Referral(), arrival, Referral(), arrival},
                                Config(), kT0 + absl::Hours(1));
  EXPECT_EQ(view.version(), 2);
  EXPECT_EQ(view.arrivals_size(), 1);
}

TEST(CaseViewTest, EventsOfAnotherCaseAreIgnored) {
  Envelope stray = Arrival("ev-stray", kResponder, kT0 + absl::Minutes(20));
  stray.set_case_id("case-2");
  CaseView view = BuildCaseView(kCase, {Referral(), stray}, Config(), kT0 + absl::Hours(2));
  EXPECT_EQ(view.version(), 1);
  EXPECT_THAT(view.arrivals(), IsEmpty());
  EXPECT_EQ(FindDeadline(view, "responder_arrival")->state(), kMissed);
}

TEST(CaseViewTest, LatestPlacementFirstExamFirstClosure) {
  std::vector<Envelope> events = {
      Referral(),
      Placement("p-late", kOther, kT0 + Days(2)),
      Placement("p-early", kSodaPad, kT0 + absl::Hours(3)),
      Exam("x-late", kT0 + absl::Hours(50)),
      Exam("x-early", kT0 + absl::Hours(20)),
      Mdt("m-2", kT0 + Days(5)),
      Mdt("m-1", kT0 + Days(2)),
      Closed("c-2", kT0 + Days(9)),
      Closed("c-1", kT0 + Days(8)),
  };
  events[4].mutable_medical_exam_recorded()->set_hub_id("first-hub");
  CaseView view = BuildCaseView(kCase, events, Config(), kT0 + Days(10));
  EXPECT_EQ(view.placement().facility_id(), "p-late-facility");
  EXPECT_EQ(view.medical_exam().hub_id(), "first-hub");
  ASSERT_EQ(view.mdts_size(), 2);
  EXPECT_EQ(FromProtoTime(view.mdts(0).held_at()), kT0 + Days(2));
  EXPECT_EQ(FromProtoTime(view.closed().closed_at()), kT0 + Days(8));
}

TEST(CaseViewTest, BodilessEventCountsInVersionOnly) {
  // An event whose body this build does not know (a newer schema) still moves the version.
  CaseView view =
      BuildCaseView(kCase, {Referral(), Base("ev-future", kT0 + absl::Hours(1))}, Config(), kT0);
  EXPECT_EQ(view.version(), 2);
}

}  // namespace
}  // namespace csec::intake
