// Health that tells the truth, and recovery without a restart: Redis or Kafka is taken away
// under running intake and routing (tools/stack/stack.sh stop redis|kafka), and brought back.
// While it is away both say so (/readyz 503 naming it, gRPC health NOT_SERVING) and a report is
// answered UNAVAILABLE (or DEADLINE_EXCEEDED) promptly with nothing recorded; once it is back
// they become ready again by themselves and a report made during the outage is still routed.
//
// A crashed routing instance restarted under its --instance_id (static group membership) takes
// its partitions straight back instead of waiting out the group's session timeout.
#include <signal.h>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "tests/integration/harness.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::ReportIdentificationResponse;
using csec::tools::SampleKind;

constexpr char kIntakeService[] = "csec.dispatch.v1.IntakeService";

class DependencyOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    auto intake = ServiceProcess::Start("csec-intake", stack_, {});
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);
    auto routing = ServiceProcess::Start("csec-routing", stack_, {});
    ASSERT_TRUE(routing.ok()) << routing.status();
    routing_ = *std::move(routing);
    ASSERT_TRUE(WaitFor([&] { return Ready(*intake_) && Ready(*routing_); }, absl::Seconds(60)))
        << "intake /readyz: " << HttpGet(intake_->port("http_port"), "/readyz").body
        << "routing /readyz: " << HttpGet(routing_->port("http_port"), "/readyz").body;
  }

  void TearDown() override {
    // Whatever a failed test left down comes back for the tests after it.
    ASSERT_TRUE(stack_.Control("start", "").ok());
  }

  static bool Ready(const ServiceProcess& p) { return HttpGet(p.port("http_port"), "/readyz").status == 200; }
  static bool NotReadyBecauseOf(const ServiceProcess& p, const std::string& dependency) {
    HttpAnswer a = HttpGet(p.port("http_port"), "/readyz");
    return a.status == 503 && absl::StrContains(a.body, dependency);
  }

  StackEnv stack_;
  std::unique_ptr<ServiceProcess> intake_;
  std::unique_ptr<ServiceProcess> routing_;
};

TEST_F(DependencyOutage, RedisAwayIsReportedAndRecoveredWithoutRestart) {
  ASSERT_TRUE(stack_.Control("stop", "redis").ok());

  ASSERT_TRUE(WaitFor([&] { return NotReadyBecauseOf(*intake_, "redis") && NotReadyBecauseOf(*routing_, "redis"); },
                      absl::Seconds(20)))
      << "intake: " << HttpGet(intake_->port("http_port"), "/readyz").body;
  EXPECT_EQ(GrpcHealth(intake_->port("grpc_port"), ""), "NOT_SERVING");
  EXPECT_EQ(GrpcHealth(intake_->port("grpc_port"), kIntakeService), "NOT_SERVING");
  EXPECT_EQ(HttpGet(intake_->port("http_port"), "/livez").status, 200) << "the process itself works";

  ReportIdentificationResponse refused;
  grpc::Status during = ReportSample(intake_->port("grpc_port"), SampleKind::kOpenDcfs,
                                     absl::StrCat("redis-outage-", NewRandomId()), &refused, absl::Seconds(10));
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE) << during.error_message();

  // A referral that reached Kafka while Redis is away: routing cannot check it yet, holds it
  // (retrying), and routes it once Redis is back.
  auto producer = KafkaProducer::Create(stack_.kafka("outage-test"));
  ASSERT_TRUE(producer.ok());
  const std::string case_id = NewRandomId();
  Envelope referral = NewEnvelope(NewRandomId(), case_id, "intake", absl::Now());
  *referral.mutable_referral_received()->mutable_referral() =
      csec::tools::SampleReferral(SampleKind::kNewToBoth, "direct", absl::Now()).referral();
  referral.mutable_referral_received()->mutable_referral()->mutable_youth()->clear_identity();
  ASSERT_TRUE((*producer)->Produce(kIntakeTopic, case_id, referral.SerializeAsString()).ok());

  ASSERT_TRUE(stack_.Control("start", "").ok());
  ASSERT_TRUE(WaitFor([&] { return Ready(*intake_) && Ready(*routing_); }, absl::Seconds(30)));
  EXPECT_EQ(GrpcHealth(intake_->port("grpc_port"), ""), "SERVING");
  EXPECT_TRUE(AwaitCaseRouted(stack_, case_id, absl::Seconds(60))) << "the held referral was routed";

  ReportIdentificationResponse accepted;
  grpc::Status after = ReportSample(intake_->port("grpc_port"), SampleKind::kOpenDcfs,
                                    absl::StrCat("redis-back-", NewRandomId()), &accepted);
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_TRUE(AwaitCaseRouted(stack_, accepted.case_id(), absl::Seconds(60)));
}

TEST_F(DependencyOutage, KafkaAwayIsReportedPromptlyAndRecoveredWithoutRestart) {
  ASSERT_TRUE(stack_.Control("stop", "kafka").ok());

  ASSERT_TRUE(WaitFor([&] { return NotReadyBecauseOf(*intake_, "kafka") && NotReadyBecauseOf(*routing_, "kafka"); },
                      absl::Seconds(30)))
      << "intake: " << HttpGet(intake_->port("http_port"), "/readyz").body;
  EXPECT_EQ(GrpcHealth(intake_->port("grpc_port"), kIntakeService), "NOT_SERVING");

  // The caller's deadline is honoured: an answer well before Kafka's own 30 s message timeout.
  const absl::Time sent = absl::Now();
  ReportIdentificationResponse refused;
  grpc::Status during = ReportSample(intake_->port("grpc_port"), SampleKind::kOpenProbation,
                                     absl::StrCat("kafka-outage-", NewRandomId()), &refused, absl::Seconds(3));
  const absl::Duration took = absl::Now() - sent;
  EXPECT_TRUE(during.error_code() == grpc::StatusCode::UNAVAILABLE ||
              during.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << during.error_code() << " " << during.error_message();
  EXPECT_LT(took, absl::Seconds(10)) << "answered after " << took;

  ASSERT_TRUE(stack_.Control("start", "").ok());
  ASSERT_TRUE(WaitFor([&] { return Ready(*intake_) && Ready(*routing_); }, absl::Seconds(60)))
      << "intake: " << HttpGet(intake_->port("http_port"), "/readyz").body
      << "routing: " << HttpGet(routing_->port("http_port"), "/readyz").body;
  EXPECT_EQ(GrpcHealth(intake_->port("grpc_port"), kIntakeService), "SERVING");

  ReportIdentificationResponse accepted;
  grpc::Status after = ReportSample(intake_->port("grpc_port"), SampleKind::kOpenProbation,
                                    absl::StrCat("kafka-back-", NewRandomId()), &accepted);
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_TRUE(AwaitCaseRouted(stack_, accepted.case_id(), absl::Seconds(60)));
}

// The group's session timeout is set to 60 s: a restarted member without a stable name would
// wait that long for the dead one's partitions. Under the same --instance_id it takes them back
// at once, so a referral reported after the restart is routed long before that.
TEST(StaticMembership, RoutingRestartedUnderItsNameResumesWithoutWaitingOutTheSession) {
  StackEnv stack = StackEnv::FromEnvironment();
  // The harness gives the restarted process the dead one's instance id (its lowest free one).
  const std::vector<std::string> flags = {"--kafka_session_timeout=60s"};
  auto intake = ServiceProcess::Start("csec-intake", stack, {});
  ASSERT_TRUE(intake.ok()) << intake.status();
  auto routing = ServiceProcess::Start("csec-routing", stack, flags);
  ASSERT_TRUE(routing.ok()) << routing.status();
  ASSERT_TRUE(
      WaitFor([&] { return HttpGet((*routing)->port("http_port"), "/readyz").status == 200; }, absl::Seconds(60)));

  (*routing)->Signal(SIGKILL);
  const absl::Time restarted = absl::Now();
  routing = ServiceProcess::Start("csec-routing", stack, flags);
  ASSERT_TRUE(routing.ok()) << routing.status();

  ReportIdentificationResponse response;
  grpc::Status s = ReportSample((*intake)->port("grpc_port"), SampleKind::kDualStatus,
                                absl::StrCat("restart-", NewRandomId()), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(AwaitCaseRouted(stack, response.case_id(), absl::Seconds(45)))
      << "not routed within 45 s of the restart: the partitions waited for the 60 s session timeout";
  EXPECT_LT(absl::Now() - restarted, absl::Seconds(45));
}

}  // namespace
}  // namespace csec::testing
