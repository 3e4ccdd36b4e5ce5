// The timers service on the real broker and Redis, with arrival deadlines of seconds: what arms a
// deadline, what meets it, what fires, and what TimerService says. Events are produced the way the
// services that own them produce them (CaseRouted on csec.routing.v1, arrivals on csec.intake.v1).
#include <signal.h>

#include <fstream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/timer_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "tests/integration/harness.h"
#include "tests/integration/timers_support.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::RESPONDER_ROLE_RESPONDER;

constexpr absl::Duration kArrival = absl::Seconds(6);
constexpr absl::Duration kPatience = absl::Seconds(60);

class TimersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    dir_ = MakeTempDir();
    config_path_ = WriteTimersConfig(stack_, dir_, kArrival);
    timers_ = ServiceProcess::Start("csec-timers", stack_, {"--config=" + config_path_, "--timer_lease=2s"});
    ASSERT_TRUE(timers_.ok()) << timers_.status();
    stub_ = csec::dispatch::v1::TimerService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", (*timers_)->port("grpc_port")), grpc::InsecureChannelCredentials()));
  }

  // Waits until `done` holds for the case's timer events; returns them.
  std::vector<Envelope> AwaitEvents(const std::string& case_id,
                                    const std::function<bool(const std::vector<Envelope>&)>& done) {
    std::vector<Envelope> events;
    WaitFor(
        [&] {
          events = TimerEvents(stack_, {case_id});
          return done(events);
        },
        kPatience);
    return events;
  }

  csec::dispatch::v1::GetCaseDeadlinesResponse Deadlines(const std::string& case_id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    csec::dispatch::v1::GetCaseDeadlinesRequest request;
    request.set_case_id(case_id);
    csec::dispatch::v1::GetCaseDeadlinesResponse response;
    grpc::Status s = stub_->GetCaseDeadlines(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  StackEnv stack_;
  std::string dir_;
  std::string config_path_;
  absl::StatusOr<std::unique_ptr<ServiceProcess>> timers_;
  std::unique_ptr<csec::dispatch::v1::TimerService::Stub> stub_;
};

TEST_F(TimersTest, AMissedArrivalEscalatesOnceEvenWhenArmedTwice) {
  const std::string case_id = NewRandomId();
  const absl::Time identified = NowMillis();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(case_id, identified)).ok());
  // A second CaseRouted (another event id) is the same timer, not a second one.
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(case_id, identified)).ok());

  auto events = AwaitEvents(case_id, [&](const auto& e) {
    return CountMissed(e, case_id, "responder_arrival").messages > 0 &&
           FindTimerEvent(e, case_id, Envelope::kDeadlineReminder, "responder_arrival") != nullptr;
  });
  const MissedCount missed = CountMissed(events, case_id, "responder_arrival");
  EXPECT_EQ(missed.messages, 1);
  EXPECT_EQ(missed.distinct, 1);
  const Envelope* m = FindTimerEvent(events, case_id, Envelope::kDeadlineMissed, "responder_arrival");
  ASSERT_NE(m, nullptr);
  // Due 6 s after identification, whenever the CaseRouted was read; escalated to the config's roles.
  EXPECT_EQ(FromProtoTime(m->deadline_missed().due_at()), identified + kArrival);
  EXPECT_GE(FromProtoTime(m->deadline_missed().fired_at()), FromProtoTime(m->deadline_missed().due_at()));
  EXPECT_EQ(m->deadline_missed().escalate_to(0), "ctu-supervisor");
  // One DeadlineArmed id however often it was armed; the reminder came before the miss.
  std::set<std::string> armed_ids;
  for (const Envelope& e : events) {
    if (e.has_deadline_armed() && e.deadline_armed().deadline_id() == "responder_arrival")
      armed_ids.insert(e.event_id());
  }
  EXPECT_EQ(armed_ids.size(), 1u);
  const Envelope* reminder = FindTimerEvent(events, case_id, Envelope::kDeadlineReminder, "responder_arrival");
  EXPECT_LT(FromProtoTime(reminder->deadline_reminder().fired_at()), FromProtoTime(m->deadline_missed().fired_at()));

  // TimerService: missed.
  bool found = false;
  const auto deadlines = Deadlines(case_id);
  for (const auto& d : deadlines.deadlines()) {
    if (d.deadline_id() != "responder_arrival") continue;
    found = true;
    EXPECT_EQ(d.state(), csec::dispatch::v1::TIMER_STATE_MISSED);
  }
  EXPECT_TRUE(found);
}

TEST_F(TimersTest, AnArrivalOneSecondBeforeTheDeadlinePreventsTheEscalationOneSecondAfterDoesNot) {
  const std::string on_time = NewRandomId();
  const std::string late = NewRandomId();
  const absl::Time identified = NowMillis();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(on_time, identified)).ok());
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(late, identified)).ok());
  // Recorded now, for an arrival one second before the deadline.
  ASSERT_TRUE(ProduceEvent(stack_, kIntakeTopic,
                           ArrivalEvent(on_time, RESPONDER_ROLE_RESPONDER, identified + kArrival - absl::Seconds(1)))
                  .ok());
  // The late one is recorded once the deadline has escalated, for one second after it.
  auto late_events =
      AwaitEvents(late, [&](const auto& e) { return CountMissed(e, late, "responder_arrival").messages > 0; });
  ASSERT_EQ(CountMissed(late_events, late, "responder_arrival").messages, 1);
  ASSERT_TRUE(ProduceEvent(stack_, kIntakeTopic,
                           ArrivalEvent(late, RESPONDER_ROLE_RESPONDER, identified + kArrival + absl::Seconds(1)))
                  .ok());
  late_events = AwaitEvents(late, [&](const auto& e) {
    return FindTimerEvent(e, late, Envelope::kDeadlineMet, "responder_arrival") != nullptr;
  });
  const Envelope* met_late = FindTimerEvent(late_events, late, Envelope::kDeadlineMet, "responder_arrival");
  ASSERT_NE(met_late, nullptr);
  EXPECT_GT(FromProtoTime(met_late->deadline_met().met_at()), FromProtoTime(met_late->deadline_met().due_at()));
  EXPECT_EQ(CountMissed(late_events, late, "responder_arrival").messages, 1);

  // On time: met, and never missed. The advocate's deadline (same due instant, no arrival)
  // escalating shows the loop has been past the due instant for this case too.
  auto events =
      AwaitEvents(on_time, [&](const auto& e) { return CountMissed(e, on_time, "advocate_arrival").messages > 0; });
  ASSERT_EQ(CountMissed(events, on_time, "advocate_arrival").messages, 1);
  EXPECT_EQ(CountMissed(events, on_time, "responder_arrival").messages, 0);
  const Envelope* met = FindTimerEvent(events, on_time, Envelope::kDeadlineMet, "responder_arrival");
  ASSERT_NE(met, nullptr);
  EXPECT_LT(FromProtoTime(met->deadline_met().met_at()), FromProtoTime(met->deadline_met().due_at()));
  const auto deadlines = Deadlines(on_time);
  for (const auto& d : deadlines.deadlines()) {
    if (d.deadline_id() == "responder_arrival") {
      EXPECT_EQ(d.state(), csec::dispatch::v1::TIMER_STATE_MET);
    } else if (d.deadline_id() == "advocate_arrival") {
      EXPECT_EQ(d.state(), csec::dispatch::v1::TIMER_STATE_MISSED);
    }
  }
}

TEST_F(TimersTest, AnArrivalReadBeforeItsCaseRoutedLeavesAMarkTheArmDoesNotUndo) {
  const std::string case_id = NewRandomId();
  const absl::Time identified = NowMillis();
  // Topics are ordered each on its own: intake's arrival can be read before routing's decision.
  ASSERT_TRUE(
      ProduceEvent(stack_, kIntakeTopic, ArrivalEvent(case_id, RESPONDER_ROLE_RESPONDER, identified + absl::Seconds(2)))
          .ok());
  ASSERT_TRUE(WaitFor([&] { return Deadlines(case_id).deadlines_size() > 0; }, kPatience));  // the mark
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(case_id, identified)).ok());

  auto events =
      AwaitEvents(case_id, [&](const auto& e) { return CountMissed(e, case_id, "advocate_arrival").messages > 0; });
  EXPECT_EQ(CountMissed(events, case_id, "responder_arrival").messages, 0);
  EXPECT_NE(FindTimerEvent(events, case_id, Envelope::kDeadlineArmed, "responder_arrival"), nullptr);
  const Envelope* met = FindTimerEvent(events, case_id, Envelope::kDeadlineMet, "responder_arrival");
  ASSERT_NE(met, nullptr);
  EXPECT_EQ(FromProtoTime(met->deadline_met().met_at()), identified + absl::Seconds(2));
}

TEST_F(TimersTest, AConfigReloadDoesNotMoveADeadlineAlreadyArmed) {
  const std::string before_reload = NewRandomId();
  const absl::Time identified = NowMillis();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(before_reload, identified)).ok());
  auto armed = AwaitEvents(before_reload, [&](const auto& e) {
    return FindTimerEvent(e, before_reload, Envelope::kDeadlineArmed, "responder_arrival") != nullptr;
  });
  const Envelope* first = FindTimerEvent(armed, before_reload, Envelope::kDeadlineArmed, "responder_arrival");
  ASSERT_NE(first, nullptr);
  const std::string old_version = first->deadline_armed().config_version();

  // The county lengthens the arrival deadline to 10 minutes; SIGHUP reloads it.
  WriteTimersConfig(stack_, dir_, absl::Minutes(10));
  (*timers_)->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        std::ifstream log((*timers_)->log_path());
        std::stringstream text;
        text << log.rdbuf();
        return text.str().find("config.reloaded") != std::string::npos;
      },
      kPatience));

  const std::string after_reload = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(after_reload, identified)).ok());
  auto later = AwaitEvents(after_reload, [&](const auto& e) {
    return FindTimerEvent(e, after_reload, Envelope::kDeadlineArmed, "responder_arrival") != nullptr;
  });
  const Envelope* second = FindTimerEvent(later, after_reload, Envelope::kDeadlineArmed, "responder_arrival");
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second->deadline_armed().config_version(), old_version);
  EXPECT_EQ(FromProtoTime(second->deadline_armed().due_at()), identified + absl::Minutes(10));

  // The one armed before still escalates 6 s after identification, under the version it was armed with.
  auto events = AwaitEvents(
      before_reload, [&](const auto& e) { return CountMissed(e, before_reload, "responder_arrival").messages > 0; });
  const Envelope* missed = FindTimerEvent(events, before_reload, Envelope::kDeadlineMissed, "responder_arrival");
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ(FromProtoTime(missed->deadline_missed().due_at()), identified + kArrival);
  EXPECT_EQ(missed->deadline_missed().config_version(), old_version);
}

TEST_F(TimersTest, AnotherServicesWaitFiresBackUnlessCancelled) {
  const std::string case_id = NewRandomId();
  const absl::Time now = NowMillis();
  auto wait = [&](const std::string& subject, absl::Time due) {
    Envelope e = NewEnvelope(NewRandomId(), case_id, "paging", absl::Now());
    e.mutable_wait_requested()->set_kind("page_ack");
    e.mutable_wait_requested()->set_subject(subject);
    *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(due);
    return e;
  };
  // Seconds ahead: a wait already due when it is read fires at once, before a cancel behind it.
  ASSERT_TRUE(ProduceEvent(stack_, kPagingTopic, wait("page-1", now + absl::Seconds(5))).ok());
  ASSERT_TRUE(ProduceEvent(stack_, kPagingTopic, wait("page-2", now + absl::Seconds(4))).ok());
  Envelope cancel = NewEnvelope(NewRandomId(), case_id, "paging", absl::Now());
  cancel.mutable_wait_cancelled()->set_kind("page_ack");
  cancel.mutable_wait_cancelled()->set_subject("page-2");
  ASSERT_TRUE(ProduceEvent(stack_, kPagingTopic, cancel).ok());
  // A third, due after the cancelled one, shows the loop went past page-2's due instant.
  ASSERT_TRUE(ProduceEvent(stack_, kPagingTopic, wait("page-3", now + absl::Seconds(6))).ok());

  auto fired_subjects = [&](const std::vector<Envelope>& events) {
    std::multiset<std::string> subjects;
    for (const Envelope& e : events) {
      if (e.has_wait_fired()) subjects.insert(e.wait_fired().subject());
    }
    return subjects;
  };
  auto events = AwaitEvents(case_id, [&](const auto& e) { return fired_subjects(e).count("page-3") > 0; });
  const auto subjects = fired_subjects(events);
  EXPECT_EQ(subjects.count("page-1"), 1u);
  EXPECT_EQ(subjects.count("page-2"), 0u);
  EXPECT_EQ(subjects.count("page-3"), 1u);
  for (const Envelope& e : events) {
    if (e.has_wait_fired() && e.wait_fired().subject() == "page-1") {
      EXPECT_EQ(FromProtoTime(e.wait_fired().due_at()), now + absl::Seconds(5));
    }
  }
}

TEST_F(TimersTest, ABadWaitGoesToTheDeadLettersWithItsReason) {
  const std::string case_id = NewRandomId();
  Envelope e = NewEnvelope(NewRandomId(), case_id, "paging", absl::Now());
  e.mutable_wait_requested()->set_kind("Page Ack!");
  *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(absl::Now());
  ASSERT_TRUE(ProduceEvent(stack_, kPagingTopic, e).ok());
  std::string reason;
  ASSERT_TRUE(WaitFor(
      [&] {
        (void)ScanTopic(stack_.kafka("timers-test"), kDeadLetterTopic, absl::Seconds(30), true,
                        [&](const ConsumedMessage& m) {
                          csec::dispatch::v1::DeadLetter letter;
                          if (letter.ParseFromString(m.payload) && letter.key() == case_id) reason = letter.reason();
                          return true;
                        });
        return !reason.empty();
      },
      kPatience));
  EXPECT_NE(reason.find("wait.kind"), std::string::npos) << reason;
}

TEST_F(TimersTest, TimerServiceRefusesABadRequestNamingTheField) {
  grpc::ClientContext context;
  csec::dispatch::v1::GetCaseDeadlinesResponse response;
  grpc::Status s = stub_->GetCaseDeadlines(&context, {}, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("case_id"), std::string::npos);

  grpc::ClientContext list_context;
  csec::dispatch::v1::ListDueSoonRequest bad;
  bad.set_limit(5000);
  csec::dispatch::v1::ListDueSoonResponse listed;
  s = stub_->ListDueSoon(&list_context, bad, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("limit"), std::string::npos);
}

TEST_F(TimersTest, ListDueSoonShowsArmedDeadlinesSoonestFirst) {
  const std::string case_id = NewRandomId();
  // The exam deadline (72 hours) stays armed for the rest of the run.
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(case_id, absl::Now())).ok());
  ASSERT_TRUE(AwaitEvents(case_id, [&](const auto& e) {
                return FindTimerEvent(e, case_id, Envelope::kDeadlineArmed, "medical_exam") != nullptr;
              }).size() > 0);
  grpc::ClientContext context;
  csec::dispatch::v1::ListDueSoonRequest request;
  request.set_limit(1000);
  csec::dispatch::v1::ListDueSoonResponse response;
  grpc::Status s = stub_->ListDueSoon(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool found = false;
  for (int i = 0; i < response.timers_size(); ++i) {
    if (i > 0) {
      EXPECT_LE(FromProtoTime(response.timers(i - 1).due_at()), FromProtoTime(response.timers(i).due_at()));
    }
    found |= response.timers(i).case_id() == case_id && response.timers(i).deadline_id() == "medical_exam";
  }
  EXPECT_TRUE(found);
}

// A simulation's clock, 600 times real time (not the fixture: its real-clock replica would share
// the partitions). The loop sleeps the real equivalent of a wait's clock time, and the lease
// (2 s) stays real: as clock time it would run out 3 ms after the claim, before Kafka
// acknowledged the fire, and the wait would fire again.
TEST(ScaledClockTimersTest, WaitsFireOnceAndOnTimeUnderAScaledClock) {
  constexpr double kScale = 600;
  const StackEnv stack = StackEnv::FromEnvironment();
  const absl::Time sim_origin = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 0, 0, 0), absl::FixedTimeZone(-8 * 3600));
  const absl::Time real_origin = absl::Now();
  const ScaledClock clock(sim_origin, real_origin, kScale);  // what the service reads, read here too
  auto timers = ServiceProcess::Start(
      "csec-timers", stack,
      {"--timer_lease=2s", "--clock_scale=600", "--clock_origin=2026-01-05T00:00:00-08:00",
       "--clock_origin_real=" + absl::FormatTime(absl::RFC3339_full, real_origin, absl::UTCTimeZone())});
  ASSERT_TRUE(timers.ok()) << timers.status();
  // Its partitions are assigned before the waits are sent, so how late they fire is the loop's doing.
  ASSERT_TRUE(WaitFor([&] { return HttpGet((*timers)->port("http_port"), "/readyz").status == 200; }, kPatience));

  const std::string case_id = NewRandomId();
  auto wait = [&](const std::string& subject, absl::Time due) {
    Envelope e = NewEnvelope(NewRandomId(), case_id, "paging", clock.Now());
    e.mutable_wait_requested()->set_kind("page_ack");
    e.mutable_wait_requested()->set_subject(subject);
    *e.mutable_wait_requested()->mutable_due_at() = ToProtoTime(due);
    return e;
  };
  // Ten simulated minutes apart: one real second each.
  const absl::Time first_due = absl::FromUnixMillis(absl::ToUnixMillis(clock.Now() + absl::Minutes(10)));
  const absl::Time second_due = first_due + absl::Minutes(10);
  ASSERT_TRUE(ProduceEvent(stack, kPagingTopic, wait("sim-1", first_due)).ok());
  ASSERT_TRUE(ProduceEvent(stack, kPagingTopic, wait("sim-2", second_due)).ok());

  std::vector<Envelope> events;
  auto fired = [&](const std::string& subject) {
    std::vector<const Envelope*> out;
    for (const Envelope& e : events) {
      if (e.has_wait_fired() && e.wait_fired().subject() == subject) out.push_back(&e);
    }
    return out;
  };
  // The second fired a real second after the first: time enough for a lease of clock time to
  // have brought the first back.
  ASSERT_TRUE(WaitFor(
      [&] {
        events = TimerEvents(stack, {case_id});
        return !fired("sim-2").empty();
      },
      kPatience));
  ASSERT_EQ(fired("sim-1").size(), 1u);
  ASSERT_EQ(fired("sim-2").size(), 1u);
  for (const auto& [subject, due] : {std::pair<std::string, absl::Time>{"sim-1", first_due}, {"sim-2", second_due}}) {
    const auto& w = fired(subject).front()->wait_fired();
    EXPECT_EQ(FromProtoTime(w.due_at()), due) << subject;
    // Fired in simulated time, at most 3 simulated minutes (0.3 real s) late; a loop sleeping
    // clock time as real would wake only at its next state check, up to 10 minutes late.
    EXPECT_GE(FromProtoTime(w.fired_at()), due) << subject;
    EXPECT_LT(FromProtoTime(w.fired_at()), due + absl::Minutes(3)) << subject;
  }
}

}  // namespace
}  // namespace csec::testing
