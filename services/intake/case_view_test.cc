#include "services/intake/case_view.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/message_differencer.h"
#include "services/common/base/clock.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::CaseView;
using csec::dispatch::v1::DeadlineStatus;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::PlacementKind;
using csec::dispatch::v1::ResponderRole;
using ::testing::ElementsAre;

constexpr auto kPending = csec::dispatch::v1::DEADLINE_STATE_PENDING;
constexpr auto kMet = csec::dispatch::v1::DEADLINE_STATE_MET;
constexpr auto kMetLate = csec::dispatch::v1::DEADLINE_STATE_MET_LATE;
constexpr auto kMissed = csec::dispatch::v1::DEADLINE_STATE_MISSED;
constexpr auto kCancelled = csec::dispatch::v1::DEADLINE_STATE_CANCELLED;
constexpr auto kResponder = csec::dispatch::v1::RESPONDER_ROLE_RESPONDER;
constexpr auto kAdvocate = csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE;
constexpr auto kSodaPad = csec::dispatch::v1::PLACEMENT_KIND_SODA_PAD_BED;
constexpr auto kHome = csec::dispatch::v1::PLACEMENT_KIND_HOME;
constexpr auto kOther = csec::dispatch::v1::PLACEMENT_KIND_OTHER;

absl::Duration Days(int64_t n) { return absl::Hours(24 * n); }  // absl has no Days

constexpr char kCase[] = "case-1";
// T0: when the officer identified the youth. The referral reaches intake a few minutes later.
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 22, 3, 0, 0), absl::UTCTimeZone());
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

// The timers service's events (csec.timers.v1). Their event ids are made up here; the service
// derives them from the timer.
constexpr char kConfigV1[] = "config-v1";
constexpr char kConfigV2[] = "config-v2";

Envelope Timers(const std::string& id, absl::Time occurred_at) {
  Envelope e = Base(id, occurred_at);
  e.set_producer("timers");
  return e;
}

Envelope Armed(const std::string& id, const std::string& deadline_id, absl::Time due_at,
               const std::string& config_version = kConfigV1, std::optional<absl::Time> occurred_at = std::nullopt) {
  Envelope e = Timers(id, occurred_at.value_or(kReported + absl::Seconds(3)));
  auto* a = e.mutable_deadline_armed();
  a->set_deadline_id(deadline_id);
  *a->mutable_starts_at() = ToProtoTime(kT0);
  *a->mutable_due_at() = ToProtoTime(due_at);
  a->set_config_version(config_version);
  a->set_armed_by_event_id("ev-routed");
  return e;
}

// Met at `met_at`, reported at `occurred_at` (by default when it was met).
Envelope Met(const std::string& id, const std::string& deadline_id, absl::Time due_at, absl::Time met_at,
             std::optional<absl::Time> occurred_at = std::nullopt) {
  Envelope e = Timers(id, occurred_at.value_or(met_at));
  auto* m = e.mutable_deadline_met();
  m->set_deadline_id(deadline_id);
  *m->mutable_due_at() = ToProtoTime(due_at);
  *m->mutable_met_at() = ToProtoTime(met_at);
  m->set_met_by_event_id(id + "-fact");
  return e;
}

Envelope Missed(const std::string& id, const std::string& deadline_id, absl::Time due_at, absl::Time fired_at,
                std::vector<std::string> escalate_to, const std::string& config_version = kConfigV1) {
  Envelope e = Timers(id, fired_at);
  auto* m = e.mutable_deadline_missed();
  m->set_deadline_id(deadline_id);
  *m->mutable_due_at() = ToProtoTime(due_at);
  *m->mutable_fired_at() = ToProtoTime(fired_at);
  m->mutable_late_by()->set_seconds(absl::ToInt64Seconds(fired_at - due_at));
  for (const std::string& who : escalate_to) m->add_escalate_to(who);
  m->set_config_version(config_version);
  return e;
}

Envelope Cancelled(const std::string& id, const std::string& deadline_id, std::optional<absl::Time> due_at,
                   absl::Time cancelled_at) {
  Envelope e = Timers(id, cancelled_at);
  auto* c = e.mutable_deadline_cancelled();
  c->set_deadline_id(deadline_id);
  if (due_at.has_value()) *c->mutable_due_at() = ToProtoTime(*due_at);
  *c->mutable_cancelled_at() = ToProtoTime(cancelled_at);
  c->set_cancelled_by_event_id("ev-closed");
  return e;
}

Envelope Reminder(const std::string& id, const std::string& deadline_id, absl::Time due_at, absl::Duration before) {
  Envelope e = Timers(id, due_at - before);
  auto* r = e.mutable_deadline_reminder();
  r->set_deadline_id(deadline_id);
  *r->mutable_due_at() = ToProtoTime(due_at);
  r->mutable_remind_before()->set_seconds(absl::ToInt64Seconds(before));
  *r->mutable_fired_at() = ToProtoTime(due_at - before);
  return e;
}

// The medical service's events (csec.medical.v1).
Envelope Medical(const std::string& id, absl::Time occurred_at) {
  Envelope e = Base(id, occurred_at);
  e.set_producer("medical");
  return e;
}

csec::dispatch::v1::MedicalAppointment Appointment(int booking, const std::string& hub, absl::Time starts_at) {
  csec::dispatch::v1::MedicalAppointment a;
  a.set_appointment_id(std::string(kCase) + "-appt-" + std::to_string(booking));
  a.set_hub_id(hub);
  a.set_local_date("2026-11-22");
  a.set_slot_index(booking);
  *a.mutable_starts_at() = ToProtoTime(starts_at);
  *a.mutable_ends_at() = ToProtoTime(starts_at + absl::Hours(1));
  return a;
}

Envelope Scheduled(const std::string& id, absl::Time occurred_at, int booking, const std::string& hub,
                   absl::Time starts_at, const std::string& trigger, bool emergency = false) {
  Envelope e = Medical(id, occurred_at);
  auto* s = e.mutable_medical_appointment_scheduled();
  *s->mutable_appointment() = Appointment(booking, hub, starts_at);
  s->set_reason("booked at " + hub + " (" + trigger + ")");
  s->set_trigger(trigger);
  s->set_booking_number(booking);
  *s->mutable_window_ends_at() = ToProtoTime(kT0 + absl::Hours(72));
  s->set_emergency_care_first(emergency);
  if (booking > 1) s->set_replaces_appointment_id(Appointment(booking - 1, hub, kT0).appointment_id());
  return e;
}

Envelope SchedulingFailed(const std::string& id, absl::Time occurred_at, int booking) {
  Envelope e = Medical(id, occurred_at);
  auto* f = e.mutable_medical_scheduling_failed();
  f->set_cause("no_capacity");
  f->set_why("hub-a and hub-b are full until the window ends");
  f->set_trigger("case_routed");
  f->set_booking_number(booking);
  *f->mutable_window_ends_at() = ToProtoTime(kT0 + absl::Hours(72));
  f->set_coordinator_hub_id("hub-a");
  return e;
}

Envelope NoShow(const std::string& id, absl::Time occurred_at, const std::string& appointment_id,
                const std::string& hub) {
  Envelope e = Medical(id, occurred_at);
  auto* n = e.mutable_medical_no_show_recorded();
  n->set_appointment_id(appointment_id);
  n->set_hub_id(hub);
  n->set_recorded_by("coordinator-1");
  *n->mutable_recorded_at() = ToProtoTime(occurred_at);
  return e;
}

Envelope AppointmentCancelled(const std::string& id, absl::Time occurred_at, const std::string& appointment_id,
                              const std::string& hub) {
  Envelope e = Medical(id, occurred_at);
  auto* c = e.mutable_medical_appointment_cancelled();
  c->set_appointment_id(appointment_id);
  c->set_hub_id(hub);
  c->set_reason("case closed");
  c->set_cancelled_by("intake");
  *c->mutable_cancelled_at() = ToProtoTime(occurred_at);
  return e;
}

std::vector<std::string> MedicalHistory(const CaseView& view) {
  std::vector<std::string> what;
  for (const auto& h : view.medical().history()) what.push_back(h.what());
  return what;
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

bool SameView(const CaseView& a, const CaseView& b) { return google::protobuf::util::MessageDifferencer::Equals(a, b); }

// The one deadline of a view built from `events` (plus the referral); fails the test when the
// view does not have exactly that one.
DeadlineStatus OnlyDeadline(std::vector<Envelope> events) {
  events.push_back(Referral());
  const CaseView view = BuildCaseView(kCase, std::move(events));
  EXPECT_EQ(view.deadlines_size(), 1) << view.DebugString();
  return view.deadlines_size() == 0 ? DeadlineStatus() : view.deadlines(0);
}

const absl::Time kResponderDue = kT0 + absl::Minutes(90);
const absl::Time kAdvocateDue = kT0 + absl::Minutes(60);
const absl::Time kExamDue = kT0 + absl::Hours(72);
const absl::Time kMdtDue = kT0 + Days(7);
const absl::Time kSodaDue = kT0 + absl::Hours(5) + Days(30);

// A whole first week: referral, a routing decision revised once, arrivals (one recorded before
// routing decided, one recorded late), a SODA/PAD bed then home, the exam, the MDT, closure; and
// what the timers service said of each deadline.
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
      Armed("tm-arm-resp", "responder_arrival", kResponderDue),
      Armed("tm-arm-adv", "advocate_arrival", kAdvocateDue),
      Armed("tm-arm-exam", "medical_exam", kExamDue),
      Armed("tm-arm-mdt", "initial_mdt", kMdtDue),
      Armed("tm-arm-soda", "soda_pad_stay", kSodaDue, kConfigV1, kT0 + absl::Hours(5)),
      Met("tm-met-adv", "advocate_arrival", kAdvocateDue, kT0 + absl::Minutes(7)),
      Met("tm-met-resp", "responder_arrival", kResponderDue, kT0 + absl::Minutes(50), kT0 + absl::Hours(4)),
      Met("tm-met-exam", "medical_exam", kExamDue, kT0 + absl::Hours(20)),
      Met("tm-met-mdt", "initial_mdt", kMdtDue, kT0 + Days(3)),
      Met("tm-met-soda", "soda_pad_stay", kSodaDue, kT0 + Days(4)),
  };
}

TEST(CaseViewTest, NoEventsGiveAnEmptyViewWithoutDeadlines) {
  CaseView view = BuildCaseView(kCase, {});
  EXPECT_EQ(view.case_id(), kCase);
  EXPECT_EQ(view.version(), 0);
  EXPECT_FALSE(view.has_referral());
  EXPECT_EQ(view.deadlines_size(), 0);
}

TEST(CaseViewTest, AssemblesTheWholeStory) {
  CaseView view = BuildCaseView(kCase, WholeStory());

  EXPECT_EQ(view.version(), 20);
  EXPECT_EQ(view.referral().youth().pseudonym_ref(), "LBPD-Y-0001");
  EXPECT_EQ(view.referral_event_id(), "ev-referral");
  EXPECT_EQ(FromProtoTime(view.reported_at()), kReported);
  EXPECT_EQ(view.routing().team_id(), "ctu-8");  // the later decision
  EXPECT_THAT(ArrivalPeople(view), ElementsAre("ev-arrive-adv-person", "ev-arrive-resp-person"));
  ASSERT_EQ(view.mdts_size(), 1);
  EXPECT_EQ(view.placement().kind(), kHome);
  EXPECT_EQ(view.medical_exam().hub_id(), "harbor-ucla");
  EXPECT_EQ(FromProtoTime(view.closed().closed_at()), kT0 + Days(6));

  EXPECT_THAT(DeadlineIds(view),
              ElementsAre("responder_arrival", "advocate_arrival", "medical_exam", "initial_mdt", "soda_pad_stay"));
  for (const DeadlineStatus& d : view.deadlines()) {
    EXPECT_EQ(d.state(), kMet) << d.deadline_id();
    EXPECT_EQ(d.config_version(), kConfigV1) << d.deadline_id();
  }
  const DeadlineStatus* soda = FindDeadline(view, "soda_pad_stay");
  ASSERT_NE(soda, nullptr);
  EXPECT_EQ(FromProtoTime(soda->due_at()), kSodaDue);
  EXPECT_EQ(FromProtoTime(soda->met_at()), kT0 + Days(4));  // the move home
}

TEST(CaseViewTest, FactsAloneShowNoDeadline) {
  // Intake computes no deadline of its own: without the timers service's events there is none,
  // however long ago the youth was identified.
  std::vector<Envelope> facts = WholeStory();
  std::erase_if(facts, [](const Envelope& e) { return e.producer() == "timers"; });
  CaseView view = BuildCaseView(kCase, facts);
  EXPECT_EQ(view.version(), 10);
  EXPECT_EQ(view.deadlines_size(), 0);
}

TEST(CaseViewTest, AnyInputOrderGivesTheSameView) {
  std::vector<Envelope> events = WholeStory();
  const CaseView expected = BuildCaseView(kCase, events);

  // Every permutation of a subset (all 720 of six events) and many of the whole story.
  std::vector<Envelope> six(events.begin(), events.begin() + 6);
  std::sort(six.begin(), six.end(), [](const Envelope& a, const Envelope& b) { return a.event_id() < b.event_id(); });
  const CaseView expected_six = BuildCaseView(kCase, six);
  int permutations = 0;
  do {
    ++permutations;
    ASSERT_TRUE(SameView(BuildCaseView(kCase, six), expected_six)) << "permutation " << permutations;
  } while (std::next_permutation(six.begin(), six.end(),
                                 [](const Envelope& a, const Envelope& b) { return a.event_id() < b.event_id(); }));
  EXPECT_EQ(permutations, 720);

  std::reverse(events.begin(), events.end());
  EXPECT_TRUE(SameView(BuildCaseView(kCase, events), expected));
  for (size_t i = 1; i < events.size(); ++i) {
    std::rotate(events.begin(), events.begin() + 3, events.end());
    std::swap(events[0], events[i]);
    EXPECT_TRUE(SameView(BuildCaseView(kCase, events), expected)) << i;
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
    CaseView view = BuildCaseView(kCase, events);
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
  CaseView view = BuildCaseView(kCase, events);
  EXPECT_EQ(view.version(), 4);
  EXPECT_EQ(view.routing().team_id(), "mart-8");
  EXPECT_THAT(ArrivalPeople(view), ElementsAre("ev-b-person", "ev-a-person"));
}

// --- Deadlines: as the timers service reported them ---

TEST(CaseViewDeadlineTest, ArmedIsPendingWithItsDueTimeAndConfigVersion) {
  const DeadlineStatus d = OnlyDeadline({Armed("tm-arm", "responder_arrival", kResponderDue)});
  EXPECT_EQ(d.deadline_id(), "responder_arrival");
  EXPECT_EQ(d.state(), kPending);
  EXPECT_EQ(FromProtoTime(d.due_at()), kResponderDue);
  EXPECT_EQ(d.config_version(), kConfigV1);
  EXPECT_FALSE(d.has_met_at());
  EXPECT_FALSE(d.has_missed_at());
  EXPECT_EQ(d.escalate_to_size(), 0);
}

TEST(CaseViewDeadlineTest, MetAtOrBeforeDueIsMet) {
  for (const absl::Time met_at : {kResponderDue - absl::Minutes(40), kResponderDue}) {
    const DeadlineStatus d = OnlyDeadline({Armed("tm-arm", "responder_arrival", kResponderDue),
                                           Met("tm-met", "responder_arrival", kResponderDue, met_at)});
    EXPECT_EQ(d.state(), kMet);
    EXPECT_EQ(FromProtoTime(d.met_at()), met_at);
    EXPECT_EQ(FromProtoTime(d.due_at()), kResponderDue);
    EXPECT_FALSE(d.has_missed_at());
  }
}

TEST(CaseViewDeadlineTest, MetAfterDueIsMetLate) {
  const absl::Time met_at = kExamDue + absl::Seconds(1);
  const DeadlineStatus d =
      OnlyDeadline({Armed("tm-arm", "medical_exam", kExamDue), Met("tm-met", "medical_exam", kExamDue, met_at)});
  EXPECT_EQ(d.state(), kMetLate);
  EXPECT_EQ(FromProtoTime(d.met_at()), met_at);
  EXPECT_FALSE(d.has_missed_at());
}

TEST(CaseViewDeadlineTest, MissedShowsWhenItFiredAndWhoWasEscalatedTo) {
  const absl::Time fired_at = kResponderDue + absl::Seconds(2);
  const DeadlineStatus d = OnlyDeadline(
      {Armed("tm-arm", "responder_arrival", kResponderDue),
       Missed("tm-missed", "responder_arrival", kResponderDue, fired_at, {"ctu-supervisor", "mart-supervisor"})});
  EXPECT_EQ(d.state(), kMissed);
  EXPECT_EQ(FromProtoTime(d.due_at()), kResponderDue);
  EXPECT_EQ(FromProtoTime(d.missed_at()), fired_at);
  EXPECT_THAT(d.escalate_to(), ElementsAre("ctu-supervisor", "mart-supervisor"));
  EXPECT_EQ(d.config_version(), kConfigV1);
  EXPECT_FALSE(d.has_met_at());
}

TEST(CaseViewDeadlineTest, MetOnTimeButReportedAfterTheMissIsMet) {
  // The responder arrived in time; the arrival was recorded after the timer had fired.
  const absl::Time met_at = kResponderDue - absl::Minutes(5);
  const absl::Time fired_at = kResponderDue + absl::Seconds(1);
  const DeadlineStatus d =
      OnlyDeadline({Armed("tm-arm", "responder_arrival", kResponderDue),
                    Missed("tm-missed", "responder_arrival", kResponderDue, fired_at, {"ctu-supervisor"}),
                    Met("tm-met", "responder_arrival", kResponderDue, met_at,
                        /*occurred_at=*/kResponderDue + absl::Minutes(20))});
  EXPECT_EQ(d.state(), kMet);
  EXPECT_EQ(FromProtoTime(d.met_at()), met_at);
  EXPECT_EQ(FromProtoTime(d.missed_at()), fired_at);  // the escalation did happen
  EXPECT_THAT(d.escalate_to(), ElementsAre("ctu-supervisor"));
}

TEST(CaseViewDeadlineTest, MetLateAfterTheMissIsMetLate) {
  const absl::Time fired_at = kAdvocateDue + absl::Seconds(1);
  const absl::Time met_at = kAdvocateDue + absl::Minutes(25);
  const DeadlineStatus d =
      OnlyDeadline({Armed("tm-arm", "advocate_arrival", kAdvocateDue),
                    Missed("tm-missed", "advocate_arrival", kAdvocateDue, fired_at, {"advocacy-supervisor"}),
                    Met("tm-met", "advocate_arrival", kAdvocateDue, met_at)});
  EXPECT_EQ(d.state(), kMetLate);
  EXPECT_EQ(FromProtoTime(d.met_at()), met_at);
  EXPECT_EQ(FromProtoTime(d.missed_at()), fired_at);
}

TEST(CaseViewDeadlineTest, CancelledUnlessAlreadyMetOrMissed) {
  const absl::Time closed_at = kT0 + absl::Hours(10);
  const Envelope armed = Armed("tm-arm", "medical_exam", kExamDue);
  const Envelope cancelled = Cancelled("tm-cancel", "medical_exam", kExamDue, closed_at);

  const DeadlineStatus open = OnlyDeadline({armed, cancelled});
  EXPECT_EQ(open.state(), kCancelled);
  EXPECT_EQ(FromProtoTime(open.due_at()), kExamDue);
  EXPECT_EQ(open.config_version(), kConfigV1);

  const DeadlineStatus met =
      OnlyDeadline({armed, Met("tm-met", "medical_exam", kExamDue, closed_at - absl::Hours(1)), cancelled});
  EXPECT_EQ(met.state(), kMet);

  const DeadlineStatus missed =
      OnlyDeadline({Armed("tm-arm", "responder_arrival", kResponderDue),
                    Missed("tm-missed", "responder_arrival", kResponderDue, kResponderDue, {"ctu-supervisor"}),
                    Cancelled("tm-cancel", "responder_arrival", kResponderDue, closed_at)});
  EXPECT_EQ(missed.state(), kMissed);
}

TEST(CaseViewDeadlineTest, WithoutAnArmingTheEventStillShowsWithItsOwnDueTime) {
  // Topics are not ordered with each other, and a store can lose an event: whatever arrives
  // shows.
  const DeadlineStatus met = OnlyDeadline({Met("tm-met", "initial_mdt", kMdtDue, kMdtDue + absl::Hours(1))});
  EXPECT_EQ(met.state(), kMetLate);
  EXPECT_EQ(FromProtoTime(met.due_at()), kMdtDue);
  EXPECT_TRUE(met.config_version().empty());

  const DeadlineStatus missed =
      OnlyDeadline({Missed("tm-missed", "initial_mdt", kMdtDue, kMdtDue, {"mart-supervisor"}, kConfigV2)});
  EXPECT_EQ(missed.state(), kMissed);
  EXPECT_EQ(FromProtoTime(missed.due_at()), kMdtDue);
  EXPECT_EQ(missed.config_version(), kConfigV2);  // the miss says which config it came from

  const DeadlineStatus cancelled_before_armed =
      OnlyDeadline({Cancelled("tm-cancel", "soda_pad_stay", std::nullopt, kT0 + Days(1))});
  EXPECT_EQ(cancelled_before_armed.state(), kCancelled);
  EXPECT_FALSE(cancelled_before_armed.has_due_at());
}

TEST(CaseViewDeadlineTest, TheFirstArmingWinsSoAConfigChangeMovesNoDueTime) {
  // Armed again later under another config (e.g. a replay after a reload): the first stands.
  const Envelope first = Armed("tm-arm-1", "responder_arrival", kResponderDue, kConfigV1);
  const Envelope again =
      Armed("tm-arm-2", "responder_arrival", kResponderDue + absl::Hours(1), kConfigV2, kReported + absl::Hours(2));
  for (const std::vector<Envelope>& events :
       {std::vector<Envelope>{first, again}, std::vector<Envelope>{again, first}}) {
    const DeadlineStatus d = OnlyDeadline(events);
    EXPECT_EQ(FromProtoTime(d.due_at()), kResponderDue);
    EXPECT_EQ(d.config_version(), kConfigV1);
  }
}

TEST(CaseViewDeadlineTest, RemindersAndWaitsChangeNothing) {
  const Envelope armed = Armed("tm-arm", "responder_arrival", kResponderDue);
  Envelope wait = Timers("tm-wait", kT0 + absl::Minutes(6));
  wait.mutable_wait_requested()->set_kind("page_ack");
  wait.mutable_wait_requested()->set_subject("page-1");
  *wait.mutable_wait_requested()->mutable_due_at() = ToProtoTime(kT0 + absl::Minutes(16));
  Envelope wait_fired = Timers("tm-wait-fired", kT0 + absl::Minutes(16));
  wait_fired.mutable_wait_fired()->set_kind("page_ack");
  wait_fired.mutable_wait_fired()->set_subject("page-1");
  Envelope wait_cancelled = Timers("tm-wait-cancel", kT0 + absl::Minutes(17));
  wait_cancelled.mutable_wait_cancelled()->set_kind("page_ack");

  CaseView plain = BuildCaseView(kCase, {Referral(), armed});
  CaseView busy = BuildCaseView(
      kCase, {Referral(), armed, Reminder("tm-remind", "responder_arrival", kResponderDue, absl::Minutes(15)), wait,
              wait_fired, wait_cancelled});
  EXPECT_EQ(busy.version(), 6);  // every event counts
  busy.set_version(plain.version());
  EXPECT_TRUE(SameView(busy, plain)) << busy.DebugString();

  // A reminder alone shows no deadline.
  CaseView reminder_only =
      BuildCaseView(kCase, {Referral(), Reminder("tm-remind", "medical_exam", kExamDue, absl::Hours(12))});
  EXPECT_EQ(reminder_only.deadlines_size(), 0);
}

TEST(CaseViewDeadlineTest, ProtocolOrderThenOtherIdsAlphabetically) {
  CaseView view = BuildCaseView(
      kCase,
      {Armed("a1", "zz_local_deadline", kT0 + Days(2)), Armed("a2", "page_ack_timeout", kT0 + absl::Minutes(10)),
       Armed("a3", "soda_pad_stay", kSodaDue),
       Missed("a4", "aa_local_deadline", kT0 + Days(1), kT0 + Days(1), {"cph-supervisor"}),
       Armed("a5", "advocacy_case_management", kT0 + Days(90)), Armed("a6", "responder_arrival", kResponderDue)});
  EXPECT_THAT(DeadlineIds(view), ElementsAre("responder_arrival", "soda_pad_stay", "advocacy_case_management",
                                             "page_ack_timeout", "aa_local_deadline", "zz_local_deadline"));
}

TEST(CaseViewDeadlineTest, AnyInputOrderGivesTheSameDeadlines) {
  // Seven events over three deadlines, in every one of their 5,040 orders.
  std::vector<Envelope> events = {
      Armed("tm-1", "responder_arrival", kResponderDue),
      Missed("tm-2", "responder_arrival", kResponderDue, kResponderDue, {"ctu-supervisor"}),
      Met("tm-3", "responder_arrival", kResponderDue, kResponderDue - absl::Minutes(1),
          kResponderDue + absl::Minutes(30)),
      Armed("tm-4", "medical_exam", kExamDue),
      Met("tm-5", "medical_exam", kExamDue, kExamDue + absl::Hours(2)),
      Cancelled("tm-6", "initial_mdt", kMdtDue, kT0 + Days(2)),
      Armed("tm-7", "initial_mdt", kMdtDue, kConfigV2),
  };
  const auto by_id = [](const Envelope& a, const Envelope& b) { return a.event_id() < b.event_id(); };
  std::sort(events.begin(), events.end(), by_id);
  const CaseView expected = BuildCaseView(kCase, events);
  ASSERT_THAT(DeadlineIds(expected), ElementsAre("responder_arrival", "medical_exam", "initial_mdt"));
  EXPECT_EQ(expected.deadlines(0).state(), kMet);
  EXPECT_EQ(expected.deadlines(1).state(), kMetLate);
  EXPECT_EQ(expected.deadlines(2).state(), kCancelled);
  EXPECT_EQ(expected.deadlines(2).config_version(), kConfigV2);
  int permutations = 0;
  do {
    ++permutations;
    ASSERT_TRUE(SameView(BuildCaseView(kCase, events), expected)) << "permutation " << permutations;
  } while (std::next_permutation(events.begin(), events.end(), by_id));
  EXPECT_EQ(permutations, 5040);
}

TEST(CaseViewDeadlineTest, DeadlinesShowBeforeTheReferralIsKnown) {
  // The timers topic can be projected ahead of intake's.
  CaseView view = BuildCaseView(kCase, {Armed("tm-arm", "responder_arrival", kResponderDue)});
  EXPECT_FALSE(view.has_referral());
  ASSERT_EQ(view.deadlines_size(), 1);
  EXPECT_EQ(view.deadlines(0).state(), kPending);
}

TEST(CaseViewDeadlineTest, AnotherCasesDeadlineEventsAreIgnored) {
  Envelope stray_armed = Armed("tm-stray-arm", "medical_exam", kExamDue);
  stray_armed.set_case_id("case-2");
  Envelope stray_missed =
      Missed("tm-stray-missed", "responder_arrival", kResponderDue, kResponderDue, {"ctu-supervisor"});
  stray_missed.set_case_id("case-2");
  CaseView view = BuildCaseView(
      kCase, {Referral(), Armed("tm-arm", "responder_arrival", kResponderDue), stray_armed, stray_missed});
  EXPECT_EQ(view.version(), 2);
  EXPECT_THAT(DeadlineIds(view), ElementsAre("responder_arrival"));
  EXPECT_EQ(view.deadlines(0).state(), kPending);
}

TEST(CaseViewDeadlineTest, ADeadlineEventWithoutAnIdShowsNothing) {
  CaseView view = BuildCaseView(kCase, {Referral(), Armed("tm-arm", "", kResponderDue)});
  EXPECT_EQ(view.version(), 2);
  EXPECT_EQ(view.deadlines_size(), 0);
}

// --- The rest of the view ---

TEST(CaseViewTest, YouthIdentityIsNeverInTheView) {
  Envelope referral = Referral();
  auto* identity = referral.mutable_referral_received()->mutable_referral()->mutable_youth()->mutable_identity();
  identity->set_given_name("Synthetic-Given");
  identity->set_family_name("Doe-Synthetic");
  identity->set_home_address("1 Synthetic Way");
  CaseView view = BuildCaseView(kCase, {referral});
  EXPECT_EQ(view.referral().youth().pseudonym_ref(), "LBPD-Y-0001");
  EXPECT_FALSE(view.referral().youth().has_identity());
  const std::string bytes = view.SerializeAsString();
  EXPECT_EQ(bytes.find("Doe-Synthetic"), std::string::npos);
  EXPECT_EQ(bytes.find("Synthetic Way"), std::string::npos);
}

TEST(CaseViewTest, ReferralWithoutYouthGetsNoEmptyYouth) {
  Envelope referral = Referral();
  referral.mutable_referral_received()->mutable_referral()->clear_youth();
  CaseView view = BuildCaseView(kCase, {referral});
  EXPECT_TRUE(view.has_referral());
  EXPECT_FALSE(view.referral().has_youth());
}

TEST(CaseViewTest, DuplicateEventIdsCountOnce) {
  const Envelope arrival = Arrival("ev-a", kResponder, kT0 + absl::Minutes(20));
  const Envelope met = Met("tm-met", "responder_arrival", kResponderDue, kT0 + absl::Minutes(20));
  CaseView view = BuildCaseView(kCase, {arrival, Referral(), met, arrival, Referral(), met, arrival});
  EXPECT_EQ(view.version(), 3);
  EXPECT_EQ(view.arrivals_size(), 1);
  EXPECT_EQ(view.deadlines_size(), 1);
}

TEST(CaseViewTest, EventsOfAnotherCaseAreIgnored) {
  Envelope stray = Arrival("ev-stray", kResponder, kT0 + absl::Minutes(20));
  stray.set_case_id("case-2");
  CaseView view = BuildCaseView(kCase, {Referral(), stray});
  EXPECT_EQ(view.version(), 1);
  EXPECT_EQ(view.arrivals_size(), 0);
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
  CaseView view = BuildCaseView(kCase, events);
  EXPECT_EQ(view.placement().facility_id(), "p-late-facility");
  EXPECT_EQ(view.medical_exam().hub_id(), "first-hub");
  ASSERT_EQ(view.mdts_size(), 2);
  EXPECT_EQ(FromProtoTime(view.mdts(0).held_at()), kT0 + Days(2));
  EXPECT_EQ(FromProtoTime(view.closed().closed_at()), kT0 + Days(8));
}

TEST(CaseViewTest, BodilessEventCountsInVersionOnly) {
  // An event whose body this build does not know (a newer schema) still moves the version.
  CaseView view = BuildCaseView(kCase, {Referral(), Base("ev-future", kT0 + absl::Hours(1))});
  EXPECT_EQ(view.version(), 2);
}

// --- Medical Hub: appointments and their history, from csec.medical.v1 ---

constexpr auto kMedScheduled = csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED;
constexpr auto kMedCompleted = csec::dispatch::v1::MEDICAL_STATUS_COMPLETED;
constexpr auto kMedNoShow = csec::dispatch::v1::MEDICAL_STATUS_NO_SHOW;
constexpr auto kMedCancelled = csec::dispatch::v1::MEDICAL_STATUS_CANCELLED;
constexpr auto kMedFailed = csec::dispatch::v1::MEDICAL_STATUS_FAILED;

TEST(CaseViewMedicalTest, NoMedicalEventsLeaveNoMedicalView) {
  const CaseView view = BuildCaseView(kCase, {Referral(), Routed("ev-r", kReported, "mart-8")});
  EXPECT_FALSE(view.has_medical());
}

TEST(CaseViewMedicalTest, ScheduledNoShowRescheduledIsTheWholeHistory) {
  const absl::Time first_at = kT0 + absl::Hours(6);
  const absl::Time second_at = kT0 + absl::Hours(30);
  const Envelope first = Scheduled("md-1", kReported + absl::Seconds(4), 1, "hub-a", first_at, "case_routed");
  const std::string first_id = first.medical_appointment_scheduled().appointment().appointment_id();
  const Envelope no_show = NoShow("md-2", first_at + absl::Minutes(45), first_id, "hub-a");
  const Envelope second =
      Scheduled("md-3", first_at + absl::Minutes(45) + absl::Seconds(1), 2, "hub-b", second_at, "no_show");

  CaseView view = BuildCaseView(kCase, {Referral(), first, no_show});
  EXPECT_EQ(view.medical().status(), kMedNoShow);
  EXPECT_EQ(view.medical().appointment().appointment_id(), first_id);

  std::vector<Envelope> events = {second, no_show, Referral(), first, no_show};  // any order
  view = BuildCaseView(kCase, events);
  EXPECT_EQ(view.version(), 4);
  const auto& medical = view.medical();
  EXPECT_EQ(medical.status(), kMedScheduled);
  EXPECT_EQ(medical.appointment().hub_id(), "hub-b");
  EXPECT_EQ(FromProtoTime(medical.appointment().starts_at()), second_at);
  EXPECT_FALSE(medical.emergency_care_first());
  EXPECT_THAT(MedicalHistory(view), ElementsAre("scheduled", "no_show", "scheduled"));
  ASSERT_EQ(medical.history_size(), 3);
  EXPECT_EQ(FromProtoTime(medical.history(0).at()), kReported + absl::Seconds(4));
  EXPECT_EQ(medical.history(0).appointment().appointment_id(), first_id);
  EXPECT_EQ(medical.history(0).detail(), "booked at hub-a (case_routed)");
  EXPECT_EQ(FromProtoTime(medical.history(1).at()), first_at + absl::Minutes(45));
  EXPECT_EQ(medical.history(1).appointment().appointment_id(), first_id);
  EXPECT_EQ(medical.history(1).detail(), "recorded by coordinator-1");
  EXPECT_EQ(medical.history(2).appointment().hub_id(), "hub-b");
  EXPECT_EQ(medical.history(2).detail(), "booked at hub-b (no_show)");

  std::reverse(events.begin(), events.end());
  EXPECT_TRUE(SameView(BuildCaseView(kCase, events), view));

  // The exam at the new appointment's hub completes it.
  Envelope exam = Exam("md-4", second_at + absl::Minutes(10));
  exam.mutable_medical_exam_recorded()->set_hub_id("hub-b");
  events.push_back(exam);
  view = BuildCaseView(kCase, events);
  EXPECT_EQ(view.medical().status(), kMedCompleted);
  EXPECT_EQ(view.medical_exam().hub_id(), "hub-b");
  EXPECT_THAT(MedicalHistory(view), ElementsAre("scheduled", "no_show", "scheduled", "exam_recorded"));
  EXPECT_EQ(view.medical().history(3).appointment().hub_id(), "hub-b");
  EXPECT_EQ(view.medical().history(3).detail(), "at hub-b");
  EXPECT_EQ(FromProtoTime(view.medical().history(3).at()), second_at + absl::Minutes(70));
}

TEST(CaseViewMedicalTest, FailureShowsCauseAndWhyThenARebookingSchedules) {
  const Envelope failed = SchedulingFailed("md-1", kReported + absl::Seconds(4), 1);
  CaseView view = BuildCaseView(kCase, {Referral(), failed});
  EXPECT_EQ(view.medical().status(), kMedFailed);
  EXPECT_FALSE(view.medical().has_appointment());
  ASSERT_EQ(view.medical().history_size(), 1);
  EXPECT_EQ(view.medical().history(0).what(), "scheduling_failed");
  EXPECT_EQ(view.medical().history(0).detail(), "no_capacity: hub-a and hub-b are full until the window ends");
  EXPECT_FALSE(view.medical().history(0).has_appointment());
  EXPECT_EQ(FromProtoTime(view.medical().history(0).at()), kReported + absl::Seconds(4));

  // A coordinator opened a day: the rebooking schedules, the failure stays in the history.
  view = BuildCaseView(
      kCase,
      {Referral(), failed, Scheduled("md-2", kT0 + absl::Hours(2), 2, "hub-a", kT0 + absl::Hours(50), "reschedule")});
  EXPECT_EQ(view.medical().status(), kMedScheduled);
  EXPECT_THAT(MedicalHistory(view), ElementsAre("scheduling_failed", "scheduled"));
}

TEST(CaseViewMedicalTest, EmergencyCareFirstAndCancellation) {
  const Envelope booked = Scheduled("md-1", kReported + absl::Seconds(4), 1, "hub-c", kT0 + absl::Minutes(40),
                                    "case_routed", /*emergency=*/true);
  const std::string id = booked.medical_appointment_scheduled().appointment().appointment_id();
  CaseView view = BuildCaseView(kCase, {Referral(), booked});
  EXPECT_TRUE(view.medical().emergency_care_first());

  view = BuildCaseView(kCase, {Referral(), booked, AppointmentCancelled("md-2", kT0 + absl::Hours(1), id, "hub-c")});
  EXPECT_EQ(view.medical().status(), kMedCancelled);
  ASSERT_EQ(view.medical().history_size(), 2);
  EXPECT_EQ(view.medical().history(1).what(), "cancelled");
  EXPECT_EQ(view.medical().history(1).detail(), "case closed");
  EXPECT_EQ(view.medical().history(1).appointment().appointment_id(), id);
}

TEST(CaseViewMedicalTest, TheSameExamRecordedTwiceCompletesItOnce) {
  const Envelope booked = Scheduled("md-1", kT0 + absl::Hours(1), 1, "hub-a", kT0 + absl::Hours(20), "case_routed");
  const std::string id = booked.medical_appointment_scheduled().appointment().appointment_id();
  Envelope by_medical = Exam("md-2", kT0 + absl::Hours(20));
  by_medical.mutable_medical_exam_recorded()->set_hub_id("hub-a");
  Envelope by_intake = by_medical;  // the same exam, also recorded on csec.intake.v1
  by_intake.set_event_id("ev-exam");
  *by_intake.mutable_occurred_at() = ToProtoTime(kT0 + absl::Hours(22));
  const CaseView view = BuildCaseView(kCase, {by_intake, Referral(), booked, by_medical});
  EXPECT_EQ(view.version(), 4);
  EXPECT_EQ(view.medical().status(), kMedCompleted);
  EXPECT_THAT(MedicalHistory(view), ElementsAre("scheduled", "exam_recorded"));
  EXPECT_EQ(view.medical().history(1).appointment().appointment_id(), id);
  EXPECT_EQ(FromProtoTime(view.medical().history(1).at()), kT0 + absl::Hours(21));  // the first record

  // An exam at another hub than the booked one names no appointment.
  Envelope elsewhere = Exam("ev-exam-2", kT0 + absl::Hours(5));
  const CaseView other = BuildCaseView(kCase, {Referral(), booked, elsewhere});
  EXPECT_EQ(other.medical().status(), kMedCompleted);
  ASSERT_EQ(other.medical().history_size(), 2);
  EXPECT_FALSE(other.medical().history(1).has_appointment());
  EXPECT_EQ(other.medical().appointment().appointment_id(), id);  // the last one booked
}

TEST(CaseViewMedicalTest, HubCalendarEventsAreNotACasesStory) {
  Envelope day = Medical("md-day", kT0 + absl::Hours(1));
  day.set_case_id("hub:hub-a");
  day.mutable_hub_day_changed()->set_hub_id("hub-a");
  day.mutable_hub_day_changed()->set_closed(true);
  CaseView view = BuildCaseView(kCase, {Referral(), day});
  EXPECT_EQ(view.version(), 1);
  EXPECT_FALSE(view.has_medical());
  day.clear_case_id();  // even one that names no case changes nothing but the version
  view = BuildCaseView(kCase, {Referral(), day});
  EXPECT_EQ(view.version(), 2);
  EXPECT_FALSE(view.has_medical());
}

}  // namespace
}  // namespace csec::intake
