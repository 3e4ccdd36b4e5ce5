// The case as agency systems follow it: GetCase assembles every topic, WatchCase streams each
// change, facts are idempotent and refused for unknown cases, deadlines show as the timers
// service reported them on csec.timers.v1, and the view is rebuilt from Kafka. intake and routing
// run as real processes against the real broker and Redis; the timers service's events are
// produced by the test.
#include <signal.h>

#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_producer.h"
#include "services/common/redis/redis.h"
#include "tests/integration/harness.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::CaseView;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::IntakeService;
using csec::dispatch::v1::RecordArrivalRequest;
using csec::dispatch::v1::RecordFactResponse;
using csec::tools::SampleKind;
using csec::tools::SampleReferral;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CaseViewFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    StartIntake("case-view");
    auto routing = ServiceProcess::Start("csec-routing", stack_, {});
    ASSERT_TRUE(routing.ok()) << routing.status();
    routing_ = *std::move(routing);
  }

  void StartIntake(const std::string& projector_group) {
    stub_.reset();
    intake_.reset();
    auto intake = ServiceProcess::Start("csec-intake", stack_, {"--case_view_group=" + projector_group});
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);
    stub_ = IntakeService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", intake_->port("grpc_port")),
                                                       grpc::InsecureChannelCredentials()));
  }

  static std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    return context;
  }

  std::string ReportCase(SampleKind kind) {
    csec::dispatch::v1::ReportIdentificationResponse response;
    grpc::Status s = stub_->ReportIdentification(
        Context().get(), SampleReferral(kind, absl::StrCat("cv-", NewRandomId()), absl::Now() - absl::Minutes(30)),
        &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.case_id();
  }

  grpc::Status GetCase(const std::string& case_id, CaseView* view) {
    csec::dispatch::v1::GetCaseRequest request;
    request.set_case_id(case_id);
    return stub_->GetCase(Context().get(), request, view);
  }

  // Polls GetCase until `done` holds for the view or the deadline passes.
  CaseView AwaitCase(const std::string& case_id, const std::function<bool(const CaseView&)>& done) {
    CaseView view;
    EXPECT_TRUE(WaitFor([&] { return GetCase(case_id, &view).ok() && done(view); }, absl::Seconds(60)))
        << "case " << case_id << " never reached the expected state; last view:\n"
        << view.DebugString();
    return view;
  }

  static RecordArrivalRequest Arrival(const std::string& case_id, const std::string& request_id,
                                      csec::dispatch::v1::ResponderRole role, absl::Time at) {
    RecordArrivalRequest r;
    r.set_request_id(request_id);
    r.set_case_id(case_id);
    r.mutable_arrival()->set_role(role);
    r.mutable_arrival()->set_person_id(role == csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE ? "adv-0007"
                                                                                           : "mart-sw-0031");
    *r.mutable_arrival()->mutable_arrived_at() = ToProtoTime(at);
    return r;
  }

  size_t IntakeEventCount(const std::string& case_id) {
    size_t n = 0;
    EXPECT_TRUE(ScanTopic(stack_.kafka("test"), kIntakeTopic, absl::Seconds(30), true, [&](const ConsumedMessage& m) {
                  n += m.key == case_id;
                  return true;
                }).ok());
    return n;
  }

  StackEnv stack_;
  std::unique_ptr<ServiceProcess> intake_;
  std::unique_ptr<ServiceProcess> routing_;
  std::unique_ptr<IntakeService::Stub> stub_;
};

TEST_F(CaseViewFlow, GetCaseAssemblesTheReferralAndTheRoutingDecision) {
  const std::string case_id = ReportCase(SampleKind::kOpenProbation);
  CaseView view = AwaitCase(case_id, [](const CaseView& v) { return v.has_routing(); });
  EXPECT_EQ(view.case_id(), case_id);
  EXPECT_EQ(view.referral().source().station_id(), "lasd-compton");
  EXPECT_FALSE(view.referral().youth().has_identity()) << "the case view must never carry the youth's identity";
  EXPECT_EQ(view.routing().agency(), csec::dispatch::v1::RESPONDER_AGENCY_CTU);
  EXPECT_EQ(view.routing().rule_id(), "ctu.open-probation");
  EXPECT_EQ(view.version(), 2);  // ReferralReceived + CaseRouted
}

TEST_F(CaseViewFlow, GetCaseShowsADeadlineAsTheTimersServiceReportedIt) {
  const std::string case_id = ReportCase(SampleKind::kOpenProbation);
  const CaseView routed = AwaitCase(case_id, [](const CaseView& v) { return v.has_routing(); });

  // What the timers service would write: armed at routing, missed when it came due (the sample
  // youth was identified 30 minutes ago; a 20-minute clock is already past). The due instant and
  // config version are the events' own: nothing intake could compute from its config.
  const absl::Time identified = FromProtoTime(routed.referral().identified_at());
  const absl::Time due = identified + absl::Minutes(20);
  const absl::Time fired = due + absl::Seconds(3);
  const std::string config_version = absl::StrCat("test-config-", NewRandomId());
  Envelope armed = NewEnvelope(absl::StrCat("timers.deadline-armed/", NewRandomId()), case_id, "timers",
                               FromProtoTime(routed.reported_at()) + absl::Seconds(1));
  armed.mutable_deadline_armed()->set_deadline_id("responder_arrival");
  *armed.mutable_deadline_armed()->mutable_starts_at() = ToProtoTime(identified);
  *armed.mutable_deadline_armed()->mutable_due_at() = ToProtoTime(due);
  armed.mutable_deadline_armed()->set_config_version(config_version);
  Envelope missed = NewEnvelope(absl::StrCat("timers.deadline-missed/", NewRandomId()), case_id, "timers", fired);
  missed.mutable_deadline_missed()->set_deadline_id("responder_arrival");
  *missed.mutable_deadline_missed()->mutable_due_at() = ToProtoTime(due);
  *missed.mutable_deadline_missed()->mutable_fired_at() = ToProtoTime(fired);
  missed.mutable_deadline_missed()->mutable_late_by()->set_seconds(3);
  missed.mutable_deadline_missed()->add_escalate_to("ctu-supervisor");
  missed.mutable_deadline_missed()->add_escalate_to("cph-supervisor");
  missed.mutable_deadline_missed()->set_config_version(config_version);

  auto producer = KafkaProducer::Create(stack_.kafka("case-view-test"));
  ASSERT_TRUE(producer.ok()) << producer.status();
  const absl::Time produce_deadline = absl::Now() + absl::Seconds(30);
  ASSERT_TRUE((*producer)->Produce(kTimersTopic, case_id, armed.SerializeAsString(), produce_deadline).ok());
  ASSERT_TRUE((*producer)->Produce(kTimersTopic, case_id, missed.SerializeAsString(), produce_deadline).ok());

  const CaseView view = AwaitCase(case_id, [](const CaseView& v) {
    return v.deadlines_size() == 1 && v.deadlines(0).state() == csec::dispatch::v1::DEADLINE_STATE_MISSED;
  });
  ASSERT_EQ(view.deadlines_size(), 1) << view.DebugString();
  const csec::dispatch::v1::DeadlineStatus& d = view.deadlines(0);
  EXPECT_EQ(d.deadline_id(), "responder_arrival");
  EXPECT_EQ(d.state(), csec::dispatch::v1::DEADLINE_STATE_MISSED);
  EXPECT_EQ(FromProtoTime(d.due_at()), due);
  EXPECT_EQ(FromProtoTime(d.missed_at()), fired);
  EXPECT_EQ(d.config_version(), config_version);
  EXPECT_THAT(d.escalate_to(), ElementsAre("ctu-supervisor", "cph-supervisor"));
  EXPECT_FALSE(d.has_met_at());
  EXPECT_EQ(view.version(), 4);  // ReferralReceived, CaseRouted, DeadlineArmed, DeadlineMissed
}

TEST_F(CaseViewFlow, WatchCaseSeesALaterArrival) {
  const std::string case_id = ReportCase(SampleKind::kNewToBoth);
  auto context = Context(60);
  csec::dispatch::v1::WatchCaseRequest request;
  request.set_case_id(case_id);
  auto stream = stub_->WatchCase(context.get(), request);
  CaseView view;
  ASSERT_TRUE(stream->Read(&view));
  EXPECT_EQ(view.case_id(), case_id);
  EXPECT_TRUE(view.arrivals().empty());

  RecordFactResponse response;
  ASSERT_TRUE(stub_
                  ->RecordArrival(Context().get(),
                                  Arrival(case_id, "arr-1", csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, absl::Now()),
                                  &response)
                  .ok());
  bool seen = false;
  while (!seen && stream->Read(&view)) seen = view.arrivals_size() == 1;
  ASSERT_TRUE(seen) << "WatchCase ended without showing the arrival";
  EXPECT_EQ(view.arrivals(0).person_id(), "mart-sw-0031");
  context->TryCancel();
  stream->Finish();
}

TEST_F(CaseViewFlow, AnArrivalBeforeRoutingIsAcceptedAndOrdered) {
  routing_->Signal(SIGTERM);  // routing is behind: the advocate gets there first
  const std::string case_id = ReportCase(SampleKind::kOpenDcfs);
  const absl::Time t0 = absl::Now();
  RecordFactResponse response;
  ASSERT_TRUE(
      stub_
          ->RecordArrival(Context().get(),
                          Arrival(case_id, "adv", csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE, t0 - absl::Minutes(2)),
                          &response)
          .ok());
  ASSERT_TRUE(
      stub_
          ->RecordArrival(Context().get(),
                          Arrival(case_id, "sw", csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, t0 - absl::Minutes(1)),
                          &response)
          .ok());
  auto routing = ServiceProcess::Start("csec-routing", stack_, {});
  ASSERT_TRUE(routing.ok()) << routing.status();
  routing_ = *std::move(routing);

  CaseView view = AwaitCase(case_id, [](const CaseView& v) { return v.has_routing(); });
  ASSERT_EQ(view.arrivals_size(), 2);
  EXPECT_EQ(view.arrivals(0).role(), csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE);
  EXPECT_EQ(view.arrivals(1).role(), csec::dispatch::v1::RESPONDER_ROLE_RESPONDER);
}

TEST_F(CaseViewFlow, TheSameFactTwiceIsRecordedOnce) {
  const std::string case_id = ReportCase(SampleKind::kNewToBoth);
  const auto request = Arrival(case_id, "dup", csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE, absl::Now());
  RecordFactResponse first, second;
  ASSERT_TRUE(stub_->RecordArrival(Context().get(), request, &first).ok());
  ASSERT_TRUE(stub_->RecordArrival(Context().get(), request, &second).ok());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(first.event_id(), second.event_id());
  EXPECT_EQ(IntakeEventCount(case_id), 2u);  // the referral and one arrival
}

TEST_F(CaseViewFlow, AFactForAnUnknownCaseIsNotFoundAndWritesNothing) {
  const std::string unknown = NewRandomId();
  RecordFactResponse response;
  grpc::Status s = stub_->RecordArrival(
      Context().get(), Arrival(unknown, "x", csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, absl::Now()), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("case_id"));
  EXPECT_EQ(IntakeEventCount(unknown), 0u);
  CaseView view;
  EXPECT_EQ(GetCase(unknown, &view).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(CaseViewFlow, ABadFactNamesTheFieldAndWritesNothing) {
  const std::string case_id = ReportCase(SampleKind::kNewToBoth);
  auto request = Arrival(case_id, "bad", csec::dispatch::v1::RESPONDER_ROLE_UNSPECIFIED, absl::Now() + absl::Hours(2));
  RecordFactResponse response;
  grpc::Status s = stub_->RecordArrival(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("arrival.role: required"));
  EXPECT_THAT(s.error_message(), HasSubstr("arrival.arrived_at: must not be in the future"));
  EXPECT_EQ(IntakeEventCount(case_id), 1u);  // just the referral
}

TEST_F(CaseViewFlow, TheCaseViewIsRebuiltFromKafkaAfterRedisLosesIt) {
  const std::string case_id = ReportCase(SampleKind::kDualStatus);
  RecordFactResponse response;
  ASSERT_TRUE(stub_
                  ->RecordArrival(Context().get(),
                                  Arrival(case_id, "a", csec::dispatch::v1::RESPONDER_ROLE_RESPONDER, absl::Now()),
                                  &response)
                  .ok());
  const CaseView before =
      AwaitCase(case_id, [](const CaseView& v) { return v.has_routing() && v.arrivals_size() == 1; });

  auto redis = RedisClient::Connect(stack_.redis_address);
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)
                  ->Command({"DEL", absl::StrCat("csec:case:{", case_id, "}:events"),
                             absl::StrCat("csec:case:{", case_id, "}:version")})
                  .ok());
  CaseView gone;
  ASSERT_EQ(GetCase(case_id, &gone).error_code(), grpc::StatusCode::NOT_FOUND);

  // A projector under a new group name replays every topic from the start.
  StartIntake(absl::StrCat("case-view-rebuild-", NewRandomId()));
  const CaseView after = AwaitCase(case_id, [&](const CaseView& v) { return v.version() == before.version(); });
  EXPECT_EQ(after.routing().rule_id(), before.routing().rule_id());
  EXPECT_EQ(after.arrivals_size(), 1);
  EXPECT_EQ(after.referral_event_id(), before.referral_event_id());
}

}  // namespace
}  // namespace csec::testing
