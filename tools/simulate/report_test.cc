#include "tools/simulate/report.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/base/clock.h"
#include "tools/simulate/invariants.h"

namespace csec::simulate {
namespace {

using csec::dispatch::v1::Envelope;
namespace v1 = csec::dispatch::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// 2026-03-02 08:00 in Los Angeles (PST): the simulated start.
const absl::Time kSimStart = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 16, 0, 0), absl::UTCTimeZone());
const absl::Time kRealStart = absl::FromCivil(absl::CivilSecond(2030, 1, 1, 0, 0, 0), absl::UTCTimeZone());
constexpr double kScale = 60;

// Builds RunFacts by hand: every Add* appends one record, its broker time by default the real
// instant of the event's simulated time.
class FactsBuilder {
 public:
  FactsBuilder() {
    facts_.clock.scale = kScale;
    facts_.clock.sim_origin = kSimStart;
    facts_.clock.real_origin = kRealStart;
    facts_.sim_start = kSimStart;
    facts_.sim_end = kSimStart + absl::Hours(24 * 10);
    facts_.label = "baseline";
  }

  RunFacts& facts() { return facts_; }
  absl::Time RealAt(absl::Time sim) const { return facts_.clock.RealAt(sim); }

  // Appends `e` on `topic`; broker time RealAt(at) unless given.
  TopicRecord& Add(const std::string& topic, Envelope e, absl::Time at,
                   std::optional<absl::Time> broker_time = std::nullopt) {
    TopicRecord r;
    r.topic = topic;
    r.partition = 0;
    r.offset = static_cast<int64_t>(facts_.records.size());
    r.broker_time = broker_time.value_or(RealAt(at));
    *e.mutable_occurred_at() = ToProtoTime(at);
    r.envelope = std::move(e);
    facts_.records.push_back(std::move(r));
    return facts_.records.back();
  }
  // The last record again, as a replay (same event id, later offset and broker time).
  void Replay(const TopicRecord& r) {
    TopicRecord copy = r;
    copy.offset = static_cast<int64_t>(facts_.records.size());
    copy.broker_time += absl::Seconds(5);
    facts_.records.push_back(std::move(copy));
  }

  static Envelope Env(const std::string& event_id, const std::string& case_id) {
    Envelope e;
    e.set_event_id(event_id);
    e.set_case_id(case_id);
    return e;
  }

  void Referral(const std::string& case_id, absl::Time identified) {
    facts_.reported_case_ids.push_back(case_id);
    Envelope e = Env("ref-" + case_id, case_id);
    e.set_producer("intake");
    *e.mutable_referral_received()->mutable_referral()->mutable_identified_at() = ToProtoTime(identified);
    Add("csec.intake.v1", e, identified);
  }
  const TopicRecord& Routed(const std::string& case_id, absl::Time identified, const std::string& area,
                            const std::string& event_id = "") {
    Envelope e = Env(event_id.empty() ? "routed-" + case_id : event_id, case_id);
    e.mutable_case_routed()->set_area_id(area);
    *e.mutable_case_routed()->mutable_identified_at() = ToProtoTime(identified);
    return Add("csec.routing.v1", e, identified + absl::Seconds(1));
  }
  std::string Arrival(const std::string& case_id, v1::ResponderRole role, absl::Time at,
                      std::optional<absl::Time> broker_time = std::nullopt) {
    const std::string id = absl::StrCat("arr-", case_id, "-", static_cast<int>(role), "-", absl::ToUnixSeconds(at));
    Envelope e = Env(id, case_id);
    e.mutable_arrival_recorded()->set_role(role);
    e.mutable_arrival_recorded()->set_person_id("p1");
    *e.mutable_arrival_recorded()->mutable_arrived_at() = ToProtoTime(at);
    Add("csec.intake.v1", e, at, broker_time);
    return id;
  }
  void Armed(const std::string& case_id, const std::string& deadline, absl::Time starts, absl::Duration d) {
    Envelope e = Env(absl::StrCat("armed-", case_id, "-", deadline), case_id);
    auto* a = e.mutable_deadline_armed();
    a->set_deadline_id(deadline);
    *a->mutable_starts_at() = ToProtoTime(starts);
    *a->mutable_due_at() = ToProtoTime(starts + d);
    Add("csec.timers.v1", e, starts + absl::Seconds(2));
  }
  void Met(const std::string& case_id, const std::string& deadline, absl::Time due, absl::Time met_at,
           const std::string& by_event_id, absl::Time reported) {
    Envelope e = Env(absl::StrCat("met-", case_id, "-", deadline), case_id);
    auto* m = e.mutable_deadline_met();
    m->set_deadline_id(deadline);
    *m->mutable_due_at() = ToProtoTime(due);
    *m->mutable_met_at() = ToProtoTime(met_at);
    m->set_met_by_event_id(by_event_id);
    Add("csec.timers.v1", e, reported);
  }
  const TopicRecord& Missed(const std::string& case_id, const std::string& deadline, absl::Time due,
                            absl::Duration late, const std::string& suffix = "") {
    Envelope e = Env(absl::StrCat("missed-", case_id, "-", deadline, suffix), case_id);
    auto* m = e.mutable_deadline_missed();
    m->set_deadline_id(deadline);
    *m->mutable_due_at() = ToProtoTime(due);
    *m->mutable_fired_at() = ToProtoTime(due + late);
    m->mutable_late_by()->set_seconds(absl::ToInt64Seconds(late));
    return Add("csec.timers.v1", e, due + late);
  }
  void Cancelled(const std::string& case_id, const std::string& deadline, absl::Time due, absl::Time at) {
    Envelope e = Env(absl::StrCat("cancelled-", case_id, "-", deadline), case_id);
    auto* c = e.mutable_deadline_cancelled();
    c->set_deadline_id(deadline);
    *c->mutable_due_at() = ToProtoTime(due);
    *c->mutable_cancelled_at() = ToProtoTime(at);
    Add("csec.timers.v1", e, at);
  }
  const TopicRecord& Page(const std::string& case_id, const std::string& page_id, const std::string& role,
                          const std::string& reason, int attempt, const std::string& person, absl::Time at,
                          const std::string& event_id = "") {
    Envelope e = Env(event_id.empty() ? absl::StrCat("sent-", page_id, "-", attempt, "-", person) : event_id, case_id);
    auto* p = e.mutable_page_sent();
    p->set_page_id(page_id);
    p->set_role(role);
    p->set_reason(reason);
    p->set_attempt(attempt);
    p->set_person_id(person);
    *p->mutable_sent_at() = ToProtoTime(at);
    return Add("csec.paging.v1", e, at);
  }
  void Ack(const std::string& case_id, const std::string& page_id, const std::string& person, absl::Time at) {
    Envelope e = Env(absl::StrCat("ack-", page_id, "-", person), case_id);
    e.mutable_page_acknowledged()->set_page_id(page_id);
    e.mutable_page_acknowledged()->set_person_id(person);
    Add("csec.paging.v1", e, at);
  }
  void Booked(const std::string& case_id, const std::string& hub, const std::string& local_date, int booking,
              absl::Time at) {
    Envelope e = Env(absl::StrCat("booked-", case_id, "-", booking), case_id);
    auto* s = e.mutable_medical_appointment_scheduled();
    s->mutable_appointment()->set_hub_id(hub);
    s->mutable_appointment()->set_local_date(local_date);
    s->set_booking_number(booking);
    Add("csec.medical.v1", e, at);
  }
  std::string Exam(const std::string& case_id, const std::string& hub, absl::Time at) {
    const std::string id = "exam-" + case_id;
    Envelope e = Env(id, case_id);
    e.mutable_medical_exam_recorded()->set_hub_id(hub);
    *e.mutable_medical_exam_recorded()->mutable_examined_at() = ToProtoTime(at);
    Add("csec.intake.v1", e, at);
    return id;
  }
  void Placement(const std::string& case_id, v1::PlacementKind kind, absl::Time at) {
    Envelope e = Env(absl::StrCat("placed-", case_id, "-", absl::ToUnixSeconds(at)), case_id);
    e.mutable_placement_recorded()->set_kind(kind);
    *e.mutable_placement_recorded()->mutable_placed_at() = ToProtoTime(at);
    Add("csec.intake.v1", e, at);
  }

  // A case that keeps every promise: referral, routing, both arrivals in time, the exam and the
  // MDT, every deadline armed and met, two pages acknowledged.
  void CleanCase(const std::string& c, absl::Time t0, const std::string& area = "spa-4") {
    Referral(c, t0);
    Routed(c, t0, area);
    const absl::Time due90 = t0 + absl::Minutes(90);
    Armed(c, "responder_arrival", t0, absl::Minutes(90));
    Armed(c, "advocate_arrival", t0, absl::Minutes(90));
    Armed(c, "medical_exam", t0, absl::Hours(72));
    Armed(c, "initial_mdt", t0, absl::Hours(24 * 7));
    Page(c, "pg-" + c + "-r", "ctu-spa-4", "case_routed", 1, "resp-1", t0 + absl::Seconds(3));
    Page(c, "pg-" + c + "-a", "adv-spa-4", "case_routed", 1, "adv-1", t0 + absl::Seconds(3));
    Ack(c, "pg-" + c + "-r", "resp-1", t0 + absl::Minutes(2));
    Ack(c, "pg-" + c + "-a", "adv-1", t0 + absl::Minutes(3));
    const absl::Time r_at = t0 + absl::Minutes(40), a_at = t0 + absl::Minutes(60);
    Met(c, "responder_arrival", due90, r_at, Arrival(c, v1::RESPONDER_ROLE_RESPONDER, r_at), r_at);
    Met(c, "advocate_arrival", due90, a_at, Arrival(c, v1::RESPONDER_ROLE_ADVOCATE, a_at), a_at);
    Booked(c, "hub-lac-usc", "2026-03-03", 1, t0 + absl::Minutes(1));
    const absl::Time exam_at = t0 + absl::Hours(26);
    Met(c, "medical_exam", t0 + absl::Hours(72), exam_at, Exam(c, "hub-lac-usc", exam_at), exam_at);
    Envelope mdt = Env("mdt-" + c, c);
    *mdt.mutable_mdt_recorded()->mutable_held_at() = ToProtoTime(t0 + absl::Hours(48));
    Add("csec.intake.v1", mdt, t0 + absl::Hours(48));
    Met(c, "initial_mdt", t0 + absl::Hours(24 * 7), t0 + absl::Hours(48), "mdt-" + c, t0 + absl::Hours(48));
    Placement(c, v1::PLACEMENT_KIND_HOME, t0 + absl::Hours(5));
  }

 private:
  RunFacts facts_;
};

std::vector<std::string> Invariants(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const Violation& v : vs) out.push_back(v.invariant);
  return out;
}

std::string Describe(const std::vector<Violation>& vs) {
  std::string out;
  for (const Violation& v : vs) absl::StrAppend(&out, v.invariant, " ", v.case_id, ": ", v.detail, "\n");
  return out;
}

// ----- invariants ------------------------------------------------------------------------------

TEST(Invariants, CleanCasesHoldEveryInvariant) {
  FactsBuilder b;
  b.CleanCase("case-1", kSimStart + absl::Hours(1));
  b.CleanCase("case-2", kSimStart + absl::Hours(2));
  b.Replay(b.facts().records[1]);  // CaseRouted of case-1 again, same event id
  b.Replay(b.facts().records[7]);  // a PageSent again
  const std::vector<Violation> vs = CheckInvariants(b.facts());
  EXPECT_THAT(vs, IsEmpty()) << Describe(vs);
}

TEST(Invariants, LostReferralIsFlagged) {
  FactsBuilder b;
  b.CleanCase("case-1", kSimStart);
  b.facts().reported_case_ids.push_back("case-lost");  // nothing on any topic
  b.Referral("case-unrouted", kSimStart);              // no CaseRouted
  const std::vector<Violation> vs = CheckNoReferralLost(b.facts());
  ASSERT_THAT(vs, SizeIs(3)) << Describe(vs);
  EXPECT_EQ(vs[0].case_id, "case-lost");
  EXPECT_THAT(vs[0].detail, HasSubstr("no ReferralReceived"));
  EXPECT_EQ(vs[1].case_id, "case-lost");
  EXPECT_THAT(vs[1].detail, HasSubstr("no CaseRouted"));
  EXPECT_EQ(vs[2].case_id, "case-unrouted");
  EXPECT_THAT(vs[2].detail, HasSubstr("no CaseRouted"));
  EXPECT_THAT(Invariants(CheckInvariants(b.facts())), ::testing::Contains(kNoReferralLost));
}

TEST(Invariants, CaseRoutedOnTheWrongTopicIsNotRouted) {
  FactsBuilder b;
  b.Referral("case-1", kSimStart);
  Envelope e = FactsBuilder::Env("routed-case-1", "case-1");
  e.mutable_case_routed()->set_area_id("spa-4");
  b.Add("csec.intake.v1", e, kSimStart);
  EXPECT_THAT(CheckNoReferralLost(b.facts()), SizeIs(1));
}

TEST(Invariants, RoutedTwiceWithTwoEventIdsIsFlagged) {
  FactsBuilder b;
  b.CleanCase("case-1", kSimStart);
  b.Routed("case-1", kSimStart, "spa-4", "routed-case-1-again");
  const std::vector<Violation> vs = CheckInvariants(b.facts());
  ASSERT_THAT(vs, SizeIs(1)) << Describe(vs);
  EXPECT_EQ(vs[0].invariant, kRoutedOnce);
  EXPECT_EQ(vs[0].case_id, "case-1");
  EXPECT_THAT(vs[0].detail, HasSubstr("routed-case-1-again"));
}

TEST(Invariants, SameCaseRoleReasonWithTwoPageIdsIsFlagged) {
  FactsBuilder b;
  b.CleanCase("case-1", kSimStart);
  b.Page("case-1", "pg-other", "ctu-spa-4", "case_routed", 1, "resp-2", kSimStart + absl::Minutes(1));
  const std::vector<Violation> vs = CheckInvariants(b.facts());
  ASSERT_THAT(vs, SizeIs(1)) << Describe(vs);
  EXPECT_EQ(vs[0].invariant, kPagedOnce);
  EXPECT_THAT(vs[0].detail, HasSubstr("pg-other"));
}

TEST(Invariants, OneAttemptSentToOnePersonUnderTwoEventIdsIsFlagged) {
  FactsBuilder b;
  b.CleanCase("case-1", kSimStart);
  b.Page("case-1", "pg-case-1-r", "ctu-spa-4", "case_routed", 1, "resp-1", kSimStart + absl::Minutes(1), "sent-again");
  const std::vector<Violation> vs = CheckPagedOnce(b.facts());
  ASSERT_THAT(vs, SizeIs(1)) << Describe(vs);
  EXPECT_THAT(vs[0].detail, HasSubstr("attempt 1 sent to resp-1 2 times"));
}

TEST(Invariants, OneAttemptToTwoPeopleAndLaterAttemptsAreNotFlagged) {
  FactsBuilder b;
  b.CleanCase("case-1", kSimStart);
  b.Page("case-1", "pg-case-1-r", "ctu-spa-4", "case_routed", 1, "resp-2", kSimStart);  // same step, 2nd person
  b.Page("case-1", "pg-case-1-r", "ctu-spa-4", "case_routed", 2, "resp-1", kSimStart + absl::Minutes(10));
  EXPECT_THAT(CheckPagedOnce(b.facts()), IsEmpty());
}

TEST(Invariants, DeadlineMissedTwiceIsFlagged) {
  FactsBuilder b;
  const absl::Time t0 = kSimStart;
  b.Referral("case-1", t0);
  b.Routed("case-1", t0, "spa-4");
  b.Armed("case-1", "responder_arrival", t0, absl::Minutes(90));
  const TopicRecord& first = b.Missed("case-1", "responder_arrival", t0 + absl::Minutes(90), absl::Seconds(3));
  b.Replay(first);  // the same escalation again: one
  EXPECT_THAT(CheckDeadlineResolvedOnce(b.facts()), IsEmpty());
  b.Missed("case-1", "responder_arrival", t0 + absl::Minutes(90), absl::Seconds(9), "-second");
  const std::vector<Violation> vs = CheckDeadlineResolvedOnce(b.facts());
  ASSERT_THAT(vs, SizeIs(1)) << Describe(vs);
  EXPECT_EQ(vs[0].invariant, kDeadlineResolvedOnce);
  EXPECT_THAT(vs[0].detail, HasSubstr("escalated twice"));
}

TEST(Invariants, DeadlineNeverResolvedIsFlaggedUnlessDueInTheGrace) {
  FactsBuilder b;
  const absl::Time end = b.facts().sim_end;
  b.Referral("case-1", kSimStart);
  b.Routed("case-1", kSimStart, "spa-4");
  b.Armed("case-1", "responder_arrival", kSimStart, absl::Minutes(90));
  // Due 30 simulated minutes before the end: inside the grace (1 h + 2 real s), not judged.
  b.Armed("case-1", "medical_exam", end - absl::Minutes(30) - absl::Hours(72), absl::Hours(72));
  // Due 1 h + 3 min before the end: 2 real s are 2 simulated min at 60x, so judged.
  b.Armed("case-1", "initial_mdt", end - absl::Minutes(63) - absl::Hours(24 * 7), absl::Hours(24 * 7));
  EXPECT_EQ(ResolutionGrace(b.facts().clock), absl::Minutes(62));
  const std::vector<Violation> vs = CheckDeadlineResolvedOnce(b.facts());
  ASSERT_THAT(vs, SizeIs(2)) << Describe(vs);
  EXPECT_THAT(vs[0].detail, HasSubstr("initial_mdt"));
  EXPECT_THAT(vs[0].detail, HasSubstr("never resolved"));
  EXPECT_THAT(vs[1].detail, HasSubstr("responder_arrival"));
}

TEST(Invariants, CancelledAndEscalatedIsResolvedTwice) {
  FactsBuilder b;
  b.Referral("case-1", kSimStart);
  b.Routed("case-1", kSimStart, "spa-4");
  b.Armed("case-1", "responder_arrival", kSimStart, absl::Minutes(90));
  b.Cancelled("case-1", "responder_arrival", kSimStart + absl::Minutes(90), kSimStart + absl::Minutes(91));
  b.Missed("case-1", "responder_arrival", kSimStart + absl::Minutes(90), absl::Seconds(2));
  const std::vector<Violation> vs = CheckDeadlineResolvedOnce(b.facts());
  ASSERT_THAT(vs, SizeIs(1)) << Describe(vs);
  EXPECT_THAT(vs[0].detail, HasSubstr("resolved more than once: escalated and cancelled"));
}

TEST(Invariants, MetLateAfterEscalationOrWithoutOneIsResolved) {
  FactsBuilder b;
  const absl::Time t0 = kSimStart, due = t0 + absl::Minutes(90);
  b.Referral("case-1", t0);
  b.Routed("case-1", t0, "spa-4");
  b.Armed("case-1", "responder_arrival", t0, absl::Minutes(90));
  b.Armed("case-1", "advocate_arrival", t0, absl::Minutes(90));
  b.Missed("case-1", "responder_arrival", due, absl::Seconds(2));
  const absl::Time late = due + absl::Minutes(20);
  b.Met("case-1", "responder_arrival", due, late, b.Arrival("case-1", v1::RESPONDER_ROLE_RESPONDER, late), late);
  const absl::Time just_late = due + absl::Seconds(1);
  b.Met("case-1", "advocate_arrival", due, just_late, b.Arrival("case-1", v1::RESPONDER_ROLE_ADVOCATE, just_late),
        just_late);
  const std::vector<Violation> vs = CheckInvariants(b.facts());
  EXPECT_THAT(vs, IsEmpty()) << Describe(vs);
}

// A responder arrival in time (10 simulated minutes before due), escalated anyway.
FactsBuilder EscalatedAlthoughArrivedInTime(absl::Duration fact_on_broker_before_due) {
  FactsBuilder b;
  const absl::Time t0 = kSimStart, due = t0 + absl::Minutes(90), arrived = due - absl::Minutes(10);
  b.Referral("case-1", t0);
  b.Routed("case-1", t0, "spa-4");
  b.Armed("case-1", "responder_arrival", t0, absl::Minutes(90));
  b.Missed("case-1", "responder_arrival", due, absl::Seconds(1));
  const std::string fact =
      b.Arrival("case-1", v1::RESPONDER_ROLE_RESPONDER, arrived, b.RealAt(due) - fact_on_broker_before_due);
  b.Met("case-1", "responder_arrival", due, arrived, fact, due + absl::Minutes(1));
  return b;
}

TEST(Invariants, EscalatedAlthoughTheMeetingFactWasOnTheBrokerBeforeDueIsFlagged) {
  FactsBuilder b = EscalatedAlthoughArrivedInTime(absl::Seconds(1));
  const std::vector<Violation> vs = CheckInvariants(b.facts());
  ASSERT_THAT(vs, SizeIs(1)) << Describe(vs);
  EXPECT_EQ(vs[0].invariant, kNoEscalationWhenMetInTime);
  EXPECT_THAT(vs[0].detail, HasSubstr("1000 real ms before the due instant"));
  EXPECT_EQ(BuildReport(b.facts()).escalations.in_flight, 0);
}

TEST(Invariants, MeetingFactInFlightAtTheDueInstantIsNotFlaggedButCounted) {
  FactsBuilder b = EscalatedAlthoughArrivedInTime(absl::Milliseconds(100));
  EXPECT_THAT(CheckInvariants(b.facts()), IsEmpty());
  const Report r = BuildReport(b.facts());
  EXPECT_EQ(r.escalations.in_flight, 1);
  EXPECT_EQ(r.escalations.met_in_time_reported_after_due, 0);
}

TEST(Invariants, MeetingFactThatReachedTheBrokerAfterDueIsNotFlagged) {
  FactsBuilder b = EscalatedAlthoughArrivedInTime(-absl::Seconds(1));
  const std::vector<Violation> vs = CheckInvariants(b.facts());
  EXPECT_THAT(vs, IsEmpty()) << Describe(vs);
  const Report r = BuildReport(b.facts());
  EXPECT_EQ(r.escalations.in_flight, 0);
  EXPECT_EQ(r.escalations.met_in_time_reported_after_due, 1);
  ASSERT_THAT(r.deadlines, SizeIs(1));
  EXPECT_EQ(r.deadlines[0].met_in_time, 1);
  EXPECT_EQ(r.deadlines[0].escalated, 1);
  EXPECT_EQ(r.deadlines[0].escalated_met_in_time, 1);
}

// ----- report ----------------------------------------------------------------------------------

TEST(Report, NearestRankPercentiles) {
  std::vector<absl::Duration> v;
  for (int i = 1; i <= 10; ++i) v.push_back(absl::Minutes(i));
  EXPECT_EQ(NearestRank(v, 50), absl::Minutes(5));
  EXPECT_EQ(NearestRank(v, 90), absl::Minutes(9));
  EXPECT_EQ(NearestRank(v, 91), absl::Minutes(10));
  EXPECT_EQ(NearestRank(v, 100), absl::Minutes(10));
  EXPECT_EQ(NearestRank({absl::Seconds(7)}, 50), absl::Seconds(7));
  const DurationStats s = ComputeDurationStats(
      {absl::Minutes(30), absl::Minutes(10), absl::Minutes(50), absl::Minutes(20), absl::Minutes(40)});
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.p50, absl::Minutes(30));  // rank ceil(2.5) = 3
  EXPECT_EQ(s.p90, absl::Minutes(50));  // rank ceil(4.5) = 5
  EXPECT_EQ(s.max, absl::Minutes(50));
  EXPECT_EQ(ComputeDurationStats({}).count, 0);
}

// Five cases with known outcomes of responder_arrival (90 min):
//   a: arrived at 10 min (met in time)        b: arrived at 20 min, area spa-6
//   c: escalated 30 s late, arrived at 100 min (missed, met late)
//   d: escalated 90 s late, no arrival (missed)     e: cancelled at 60 min
// and f: due after the run's end (open).
FactsBuilder KnownSet() {
  FactsBuilder b;
  auto t = [](int minutes) { return kSimStart + absl::Minutes(minutes); };
  const std::vector<std::string> cases = {"a", "b", "c", "d", "e"};
  for (size_t i = 0; i < cases.size(); ++i) {
    b.Referral(cases[i], t(0));
    b.Routed(cases[i], t(0), cases[i] == "b" ? "spa-6" : "spa-4");
    b.Armed(cases[i], "responder_arrival", t(0), absl::Minutes(90));
  }
  const absl::Time due = t(90);
  b.Met("a", "responder_arrival", due, t(10), b.Arrival("a", v1::RESPONDER_ROLE_RESPONDER, t(10)), t(10));
  b.Met("b", "responder_arrival", due, t(20), b.Arrival("b", v1::RESPONDER_ROLE_RESPONDER, t(20)), t(20));
  b.Arrival("b", v1::RESPONDER_ROLE_RESPONDER, t(25));  // a second responder: the first counts
  b.Missed("c", "responder_arrival", due, absl::Seconds(30));
  b.Met("c", "responder_arrival", due, t(100), b.Arrival("c", v1::RESPONDER_ROLE_RESPONDER, t(100)), t(100));
  // d's escalation reached the broker 4 real s after due (1.5 simulated min late at 60x would be 1.5 s).
  b.Add(
      "csec.timers.v1",
      [&] {
        Envelope e = FactsBuilder::Env("missed-d", "d");
        auto* m = e.mutable_deadline_missed();
        m->set_deadline_id("responder_arrival");
        *m->mutable_due_at() = ToProtoTime(due);
        m->mutable_late_by()->set_seconds(90);
        return e;
      }(),
      due + absl::Seconds(90), b.RealAt(due) + absl::Seconds(4));
  b.Cancelled("e", "responder_arrival", due, t(60));
  b.Arrival("a", v1::RESPONDER_ROLE_ADVOCATE, t(45));
  // f: identified near the end; its deadline is due after the run's end.
  const absl::Time late_t0 = b.facts().sim_end - absl::Minutes(30);
  b.Referral("f", late_t0);
  b.Routed("f", late_t0, "spa-4");
  b.Armed("f", "responder_arrival", late_t0, absl::Minutes(90));
  // Week 2: case g met in time 8 days in.
  const absl::Time g0 = kSimStart + absl::Hours(24 * 8);
  b.Referral("g", g0);
  b.Routed("g", g0, "spa-4");
  b.Armed("g", "responder_arrival", g0, absl::Minutes(90));
  b.Met("g", "responder_arrival", g0 + absl::Minutes(90), g0 + absl::Minutes(30),
        b.Arrival("g", v1::RESPONDER_ROLE_RESPONDER, g0 + absl::Minutes(30)), g0 + absl::Minutes(30));
  // Pages: a has 3 notifications (2 people), b 1; one decline, one exhausted chain.
  b.Page("a", "pg-a", "ctu-spa-4", "case_routed", 1, "resp-1", t(0));
  b.Page("a", "pg-a", "ctu-spa-4", "case_routed", 2, "resp-2", t(10));
  b.Page("a", "pg-a-sup", "ctu-supervisor", "chain_exhausted:pg-a", 1, "resp-2", t(20));
  const TopicRecord& replayed =
      b.Page("b", "pg-b", "ctu-supervisor", "deadline_missed:responder_arrival", 1, "sup-1", t(91));
  b.Replay(replayed);
  b.Ack("a", "pg-a", "resp-2", t(12));
  Envelope declined = FactsBuilder::Env("declined-1", "a");
  declined.mutable_page_declined()->set_page_id("pg-a");
  b.Add("csec.paging.v1", declined, t(5));
  Envelope exhausted = FactsBuilder::Env("exhausted-1", "a");
  exhausted.mutable_chain_exhausted()->set_page_id("pg-a");
  b.Add("csec.paging.v1", exhausted, t(19));
  // Medical: a same day (08:00 PST identification, 2026-03-02), b next day, c in 3 days (hub-2),
  // c rebooked; one no-show, one failure, one exam.
  b.Booked("a", "hub-1", "2026-03-02", 1, t(1));
  b.Booked("b", "hub-1", "2026-03-03", 1, t(1));
  b.Booked("c", "hub-2", "2026-03-05", 1, t(1));
  b.Booked("c", "hub-1", "2026-03-04", 2, t(1));
  Envelope no_show = FactsBuilder::Env("noshow-c", "c");
  no_show.mutable_medical_no_show_recorded()->set_hub_id("hub-2");
  b.Add("csec.medical.v1", no_show, t(3000));
  Envelope failed = FactsBuilder::Env("failed-d", "d");
  failed.mutable_medical_scheduling_failed()->set_cause("no_capacity");
  b.Add("csec.medical.v1", failed, t(2));
  b.Exam("a", "hub-1", t(600));
  // Placements: a home, b SODA/PAD then home after 72 h (still SODA/PAD at 72 h), c other.
  b.Placement("a", v1::PLACEMENT_KIND_HOME, t(200));
  b.Placement("b", v1::PLACEMENT_KIND_SODA_PAD_BED, t(300));
  b.Placement("b", v1::PLACEMENT_KIND_HOME, t(72 * 60 + 1));
  b.Placement("c", v1::PLACEMENT_KIND_OTHER, t(72 * 60));
  b.facts().faults.push_back({"kill intake", kRealStart + absl::Seconds(10), kRealStart + absl::Seconds(13)});
  return b;
}

TEST(Report, CountsAndPercentilesOfAKnownSet) {
  FactsBuilder b = KnownSet();
  const Report r = BuildReport(b.facts());

  EXPECT_EQ(r.run.label, "baseline");
  EXPECT_EQ(r.run.scale, 60);
  EXPECT_EQ(r.run.referrals_reported, 7);
  EXPECT_EQ(r.run.real_duration, absl::Hours(4));  // 10 days / 60
  ASSERT_THAT(r.run.faults, SizeIs(1));
  EXPECT_DOUBLE_EQ(r.run.faults[0].real_seconds, 3);
  EXPECT_DOUBLE_EQ(r.run.faults[0].sim_minutes, 3);

  ASSERT_THAT(r.deadlines, SizeIs(1));
  const DeadlineKindStats& d = r.deadlines[0];
  EXPECT_EQ(d.deadline_id, "responder_arrival");
  EXPECT_EQ(d.duration, absl::Minutes(90));
  EXPECT_EQ(d.armed, 7);
  EXPECT_EQ(d.met_in_time, 3);  // a, b, g
  EXPECT_EQ(d.missed, 2);       // c, d
  EXPECT_EQ(d.escalated, 2);
  EXPECT_EQ(d.met_late, 1);   // c
  EXPECT_EQ(d.cancelled, 1);  // e
  EXPECT_EQ(d.open, 1);       // f
  ASSERT_TRUE(d.compliance_pct.has_value());
  EXPECT_DOUBLE_EQ(*d.compliance_pct, 60.0);

  ASSERT_THAT(r.arrivals, SizeIs(2));
  const ArrivalStats& resp = r.arrivals[0];
  EXPECT_EQ(resp.role, "responder");
  // a 10, b 20, c 100, g 30 → sorted 10 20 30 100: p50 rank 2, p90 rank 4.
  EXPECT_EQ(resp.overall.count, 4);
  EXPECT_EQ(resp.overall.p50, absl::Minutes(20));
  EXPECT_EQ(resp.overall.p90, absl::Minutes(100));
  EXPECT_EQ(resp.overall.max, absl::Minutes(100));
  EXPECT_EQ(resp.routed_cases_without_arrival, 3);  // d, e, f
  ASSERT_THAT(resp.by_area, SizeIs(2));
  EXPECT_EQ(resp.by_area[0].area_id, "spa-4");
  EXPECT_EQ(resp.by_area[0].stats.count, 3);
  EXPECT_EQ(resp.by_area[0].stats.p50, absl::Minutes(30));
  EXPECT_EQ(resp.by_area[1].area_id, "spa-6");
  EXPECT_EQ(resp.by_area[1].stats.max, absl::Minutes(20));
  const ArrivalStats& adv = r.arrivals[1];
  EXPECT_EQ(adv.role, "advocate");
  EXPECT_EQ(adv.overall.count, 1);
  EXPECT_EQ(adv.overall.p50, absl::Minutes(45));

  const EscalationStats& e = r.escalations;
  EXPECT_EQ(e.escalations, 2);
  EXPECT_EQ(e.late_by.p50, absl::Seconds(30));
  EXPECT_EQ(e.late_by.max, absl::Seconds(90));
  EXPECT_EQ(e.real_late.p50, absl::Milliseconds(500));  // 30 simulated s at 60x
  EXPECT_EQ(e.real_late.max, absl::Seconds(4));

  const PageStats& p = r.pages;
  EXPECT_EQ(p.sent, 4);  // the replay is one
  EXPECT_EQ(p.pages, 3);
  EXPECT_DOUBLE_EQ(p.sent_per_case_mean, 4.0 / 7.0);
  EXPECT_EQ(p.sent_per_case_max, 3);
  EXPECT_EQ(p.persons, 3);
  ASSERT_THAT(p.per_person_top, SizeIs(3));
  EXPECT_EQ(p.per_person_top[0].key, "resp-2");
  EXPECT_EQ(p.per_person_top[0].count, 2);
  EXPECT_EQ(p.acknowledged, 1);
  EXPECT_EQ(p.declined, 1);
  EXPECT_EQ(p.chains_exhausted, 1);
  ASSERT_THAT(p.sent_by_reason, SizeIs(3));
  EXPECT_EQ(p.sent_by_reason[0].key, "case_routed");
  EXPECT_EQ(p.sent_by_reason[0].count, 2);
  EXPECT_EQ(p.sent_by_reason[1].key, "chain_exhausted");
  EXPECT_EQ(p.sent_by_reason[2].key, "deadline_missed");

  const MedicalStats& m = r.medical;
  EXPECT_EQ(m.booked, 4);
  ASSERT_THAT(m.booked_by_hub, SizeIs(2));
  EXPECT_EQ(m.booked_by_hub[0].key, "hub-1");
  EXPECT_EQ(m.booked_by_hub[0].count, 3);
  EXPECT_EQ(m.first_bookings, 3);
  ASSERT_TRUE(m.day_share_known);
  EXPECT_EQ(m.same_day, 1);
  EXPECT_EQ(m.next_day, 1);
  EXPECT_EQ(m.later_day, 1);
  EXPECT_EQ(m.no_shows, 1);
  EXPECT_EQ(m.scheduling_failures, 1);
  EXPECT_EQ(m.exams_recorded, 1);

  const PlacementAt72h& pl = r.placement_72h;
  EXPECT_EQ(pl.cases, 7);
  EXPECT_EQ(pl.home, 1);
  EXPECT_EQ(pl.soda_pad_bed, 1);
  EXPECT_EQ(pl.other, 1);
  EXPECT_EQ(pl.none, 4);

  EXPECT_EQ(r.weeks, 2);
  ASSERT_THAT(r.compliance_by_week, SizeIs(1));
  const auto& w = r.compliance_by_week[0].weeks;
  ASSERT_THAT(w, SizeIs(2));
  EXPECT_EQ(w[0].week, 1);
  EXPECT_EQ(w[0].met_in_time, 2);
  EXPECT_EQ(w[0].missed, 2);
  EXPECT_EQ(w[1].week, 2);
  EXPECT_EQ(w[1].met_in_time, 1);
  EXPECT_EQ(w[1].missed, 0);

  // Nothing lost, nothing doubled; f's deadline is not due yet.
  EXPECT_THAT(r.violations, IsEmpty()) << Describe(r.violations);
}

TEST(Report, ADeadlineDueAfterTheEndIsOpenEvenIfItEscalatedWhileTheRunStopped) {
  FactsBuilder b;
  const absl::Time end = b.facts().sim_end;
  b.Referral("case-1", end - absl::Minutes(60));
  b.Routed("case-1", end - absl::Minutes(60), "spa-4");
  // The services' clocks run on while the run stops: this one came due 30 minutes after the end.
  b.Armed("case-1", "responder_arrival", end - absl::Minutes(60), absl::Minutes(90));
  b.Missed("case-1", "responder_arrival", end + absl::Minutes(30), absl::Seconds(3));
  const Report r = BuildReport(b.facts());
  ASSERT_THAT(r.deadlines, SizeIs(1));
  EXPECT_EQ(r.deadlines[0].armed, 1);
  EXPECT_EQ(r.deadlines[0].open, 1);
  EXPECT_EQ(r.deadlines[0].missed, 0);
  EXPECT_EQ(r.deadlines[0].escalated, 0);
  EXPECT_FALSE(r.deadlines[0].compliance_pct.has_value());
  EXPECT_EQ(r.escalations.escalations, 0);
}

TEST(Report, IncludesTheViolations) {
  FactsBuilder b = KnownSet();
  b.facts().reported_case_ids.push_back("lost");
  const Report r = BuildReport(b.facts());
  ASSERT_THAT(r.violations, SizeIs(2));
  const std::string text = ReportText(r);
  EXPECT_THAT(text, HasSubstr("no_referral_lost  lost  reported, but no ReferralReceived"));
  EXPECT_TRUE(absl::EndsWith(text, "invariants: 2 violated\n")) << text;
}

// Balanced {} and [] outside strings, strings closed, no ",}" or ",]" and no "[,": a minimal
// structural check of JSON (no parser in a unit test).
void ExpectJsonStructure(const std::string& json) {
  std::vector<char> stack;
  bool in_string = false, escaped = false;
  char last = 0;  // last non-space char outside strings
  for (char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        last = '"';
      } else {
        ASSERT_GE(static_cast<unsigned char>(c), 0x20) << "control character inside a JSON string";
      }
      continue;
    }
    if (c == ' ' || c == '\n') continue;
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c == '{' || c == '[') stack.push_back(c);
    if (c == '}' || c == ']') {
      ASSERT_FALSE(stack.empty()) << "unbalanced " << c;
      ASSERT_EQ(stack.back(), c == '}' ? '{' : '[');
      ASSERT_NE(last, ',') << "trailing comma";
      stack.pop_back();
    }
    if (c == ',') {
      ASSERT_TRUE(last != ',' && last != '{' && last != '[') << "empty element";
    }
    last = c;
  }
  EXPECT_FALSE(in_string);
  EXPECT_TRUE(stack.empty());
  EXPECT_EQ(json.front(), '{');
}

TEST(Report, JsonIsWellFormedAndHasItsKeys) {
  FactsBuilder b = KnownSet();
  b.facts().label = "roster \"3\" per rotation\n\\ok";
  b.facts().reported_case_ids.push_back("lost");
  const std::string json = ReportJson(BuildReport(b.facts()));
  ExpectJsonStructure(json);
  for (const char* key : {"\"run\":", "\"deadlines\":", "\"time_to_arrival\":", "\"escalations\":", "\"pages\":",
                          "\"medical\":", "\"placement_at_72h\":", "\"compliance_by_week\":", "\"invariants\":",
                          "\"compliance_pct\":60", "\"percentiles\":\"nearest-rank\"", "\"p50_real_ms\":500",
                          "\"all_held\":false", "\"label\":\"roster \\\"3\\\" per rotation\\n\\\\ok\""}) {
    EXPECT_THAT(json, HasSubstr(key));
  }
}

TEST(Report, JsonOfAnEmptyRun) {
  RunFacts facts;
  const Report r = BuildReport(facts);
  ExpectJsonStructure(ReportJson(r));
  EXPECT_THAT(ReportText(r), HasSubstr("invariants: all held\n"));
  const std::string svg = ReportSvg(r);
  EXPECT_TRUE(absl::StartsWith(svg, "<svg"));
  EXPECT_THAT(svg, HasSubstr("no deadline came due"));
}

TEST(Report, TextHasAlignedTablesAndEndsWithTheInvariants) {
  FactsBuilder b = KnownSet();
  const std::string text = ReportText(BuildReport(b.facts()));
  EXPECT_TRUE(absl::EndsWith(text, "invariants: all held\n")) << text;
  EXPECT_THAT(text, HasSubstr("responder_arrival"));
  EXPECT_THAT(text, HasSubstr("60.0%"));
  EXPECT_THAT(text, HasSubstr("nearest-rank"));
  EXPECT_THAT(text, HasSubstr("kill intake"));
  EXPECT_THAT(text, HasSubstr("late by (real, at scale 60x)"));
  // Every line of the deadlines table is as wide as its rule.
  const size_t header = text.find("  deadline ");
  ASSERT_NE(header, std::string::npos) << text;
  const size_t rule_start = text.find('\n', header) + 1;
  const size_t rule_end = text.find('\n', rule_start);
  const size_t row_start = rule_end + 1;
  const size_t row_end = text.find('\n', row_start);
  EXPECT_EQ(row_end - row_start, rule_end - rule_start) << text;
}

TEST(Report, SvgHasTitlesAxesAndLegend) {
  FactsBuilder b = KnownSet();
  b.facts().label = "a <b> & c";
  const std::string svg = ReportSvg(BuildReport(b.facts()));
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_THAT(svg, HasSubstr("Compliance by week per deadline"));
  EXPECT_THAT(svg, HasSubstr("Time to arrival"));
  EXPECT_THAT(svg, HasSubstr("compliance, %"));
  EXPECT_THAT(svg, HasSubstr("simulated minutes from identification"));
  EXPECT_THAT(svg, HasSubstr(">responder</text>"));
  EXPECT_THAT(svg, HasSubstr(">advocate</text>"));
  EXPECT_THAT(svg, HasSubstr(">responder_arrival</text>"));
  EXPECT_THAT(svg, HasSubstr("arrival deadline 90 min"));
  EXPECT_THAT(svg, HasSubstr("a &lt;b&gt; &amp; c"));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  // Every element opened is closed (tags counted, self-closing ones apart).
  size_t opens = 0, closes = 0;
  for (size_t i = 0; i + 1 < svg.size(); ++i) {
    if (svg[i] != '<') continue;
    if (svg[i + 1] == '/') {
      ++closes;
    } else {
      const size_t end = svg.find('>', i);
      ASSERT_NE(end, std::string::npos);
      if (svg[end - 1] != '/') ++opens;
    }
  }
  EXPECT_EQ(opens, closes);
}

TEST(Report, WhatIfPutsRunsSideBySide) {
  FactsBuilder base = KnownSet();
  FactsBuilder variant;
  variant.facts().label = "roster 3 per rotation";
  variant.CleanCase("x", kSimStart);
  const std::vector<Report> runs = {BuildReport(base.facts()), BuildReport(variant.facts())};
  const std::string text = WhatIfText(runs);
  const std::string header = text.substr(text.find('\n') + 1, text.find('\n', text.find('\n') + 1) - text.find('\n'));
  EXPECT_THAT(header, HasSubstr("baseline"));
  EXPECT_THAT(header, HasSubstr("roster 3 per rotation"));
  EXPECT_THAT(text, HasSubstr("responder_arrival compliance"));
  EXPECT_THAT(text, HasSubstr("60.0%"));
  EXPECT_THAT(text, HasSubstr("100.0%"));
  EXPECT_THAT(text, HasSubstr("responder arrival p50"));
  EXPECT_THAT(text, HasSubstr("pages sent per case"));
  EXPECT_THAT(text, HasSubstr("escalations"));
  // medical_exam exists only in the variant: "-" compliance? no: 0 met and 0 missed in the base.
  const std::string json = WhatIfJson(runs);
  ExpectJsonStructure(json);
  EXPECT_THAT(json, HasSubstr("\"runs\":[\"baseline\",\"roster 3 per rotation\"]"));
  EXPECT_THAT(json, HasSubstr("{\"metric\":\"responder_arrival.compliance_pct\",\"name\":\"responder_arrival "
                              "compliance\",\"values\":[60,100]}"));
  EXPECT_THAT(json, HasSubstr("{\"metric\":\"medical_exam.compliance_pct\",\"name\":\"medical_exam compliance\","
                              "\"values\":[null,100]}"));
  EXPECT_THAT(json, HasSubstr("{\"metric\":\"arrival.responder.p50_s\",\"name\":\"responder arrival p50\","
                              "\"values\":[1200,2400]}"));
}

}  // namespace
}  // namespace csec::simulate
