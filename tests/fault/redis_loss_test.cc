// A Redis that loses everything (FLUSHALL: what a restart without persistence or a failover to an
// empty replica does) under a running service: the service must not go on deciding from the empty
// store. Intake refuses at once, exits (code 3) so that its restart rebuilds its state from
// csec.intake.v1, and afterwards the same idempotency key is the same case again while another
// referral under it is ALREADY_EXISTS, exactly as before the loss.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/common/redis/redis.h"
#include "tests/integration/harness.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::IntakeService;
using csec::dispatch::v1::RecordArrivalRequest;
using csec::dispatch::v1::RecordFactResponse;
using csec::dispatch::v1::ReportIdentificationRequest;
using csec::dispatch::v1::ReportIdentificationResponse;
using csec::tools::SampleKind;
using ::testing::HasSubstr;

class IntakeAfterRedisLoss : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    StartIntake();
  }

  void StartIntake() {
    auto intake = ServiceProcess::Start("csec-intake", stack_, {});
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);
    stub_ = IntakeService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", intake_->port("grpc_port")),
                                                       grpc::InsecureChannelCredentials()));
  }

  grpc::Status Report(const ReportIdentificationRequest& request, ReportIdentificationResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub_->ReportIdentification(&context, request, response);
  }

  grpc::Status Arrive(const RecordArrivalRequest& request, RecordFactResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return stub_->RecordArrival(&context, request, response);
  }

  static RecordArrivalRequest Arrival(const std::string& case_id, const std::string& person_id, absl::Time at) {
    RecordArrivalRequest r;
    r.set_request_id(absl::StrCat("arrival-", case_id));
    r.set_case_id(case_id);
    r.mutable_arrival()->set_role(csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE);
    r.mutable_arrival()->set_person_id(person_id);
    *r.mutable_arrival()->mutable_arrived_at() = ToProtoTime(at);
    return r;
  }

  // Every event of `case_id` on csec.intake.v1.
  std::vector<Envelope> IntakeEvents(const std::string& case_id) {
    std::vector<Envelope> events;
    EXPECT_TRUE(ScanTopic(stack_.kafka("test"), kIntakeTopic, absl::Seconds(30), true, [&](const ConsumedMessage& m) {
                  Envelope e;
                  if (m.key == case_id && e.ParseFromString(m.payload)) events.push_back(e);
                  return true;
                }).ok());
    return events;
  }

  void FlushRedis() {
    auto redis = RedisClient::Connect(stack_.redis_address);
    ASSERT_TRUE(redis.ok()) << redis.status();
    ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
  }

  StackEnv stack_;
  std::unique_ptr<ServiceProcess> intake_;
  std::unique_ptr<IntakeService::Stub> stub_;
};

TEST_F(IntakeAfterRedisLoss, TheSameKeyIsTheSameCaseAndAnotherReferralUnderItIsRefused) {
  const absl::Time identified = absl::Now() - absl::Minutes(20);
  const ReportIdentificationRequest request =
      csec::tools::SampleReferral(SampleKind::kNewToBoth, absl::StrCat("loss-", NewRandomId()), identified);
  ReportIdentificationResponse first;
  ASSERT_TRUE(Report(request, &first).ok());
  const absl::Time arrived_at = absl::Now() - absl::Minutes(1);
  RecordFactResponse arrived;
  ASSERT_TRUE(Arrive(Arrival(first.case_id(), "adv-0007", arrived_at), &arrived).ok());

  FlushRedis();
  // Until it is gone, intake refuses rather than take the key as new; then it exits to rebuild.
  ReportIdentificationResponse during;
  grpc::Status refused = Report(request, &during);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_EQ(intake_->WaitForExit(absl::Seconds(30)), std::optional<int>(3)) << "intake exits to rebuild";

  StartIntake();  // what the supervisor does
  ReportIdentificationResponse again;
  grpc::Status same = Report(request, &again);
  ASSERT_TRUE(same.ok()) << same.error_message();
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.case_id(), first.case_id());
  EXPECT_EQ(again.event_id(), first.event_id());

  ReportIdentificationRequest other = request;
  *other.mutable_referral()->mutable_identified_at() = ToProtoTime(identified - absl::Minutes(5));
  ReportIdentificationResponse conflict;
  grpc::Status exists = Report(other, &conflict);
  EXPECT_EQ(exists.error_code(), grpc::StatusCode::ALREADY_EXISTS) << exists.error_message();
  EXPECT_THAT(exists.error_message(), HasSubstr("idempotency_key"));

  // Facts too: the same request id again is a duplicate, with another content it is refused.
  RecordFactResponse arrived_again;
  grpc::Status same_fact = Arrive(Arrival(first.case_id(), "adv-0007", arrived_at), &arrived_again);
  ASSERT_TRUE(same_fact.ok()) << same_fact.error_message();
  EXPECT_TRUE(arrived_again.duplicate());
  EXPECT_EQ(arrived_again.event_id(), arrived.event_id());
  RecordFactResponse other_arrival;
  EXPECT_EQ(Arrive(Arrival(first.case_id(), "adv-0099", arrived_at), &other_arrival).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  // The topic holds the one referral, as first reported, and the one arrival.
  const std::vector<Envelope> events = IntakeEvents(first.case_id());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_id(), first.event_id());
  EXPECT_EQ(FromProtoTime(events[0].referral_received().referral().identified_at()),
            FromProtoTime(request.referral().identified_at()));
  EXPECT_EQ(events[1].event_id(), arrived.event_id());

  // And the case reads as before: the referral with its first identification time.
  csec::dispatch::v1::GetCaseRequest get;
  get.set_case_id(first.case_id());
  csec::dispatch::v1::CaseView view;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetCase(&context, get, &view).ok());
  EXPECT_EQ(FromProtoTime(view.referral().identified_at()), FromProtoTime(request.referral().identified_at()));

  // A new key is a new case.
  ReportIdentificationResponse fresh;
  ASSERT_TRUE(
      Report(csec::tools::SampleReferral(SampleKind::kNewToBoth, absl::StrCat("loss-", NewRandomId()), absl::Now()),
             &fresh)
          .ok());
  EXPECT_FALSE(fresh.duplicate());
  EXPECT_NE(fresh.case_id(), first.case_id());
}

}  // namespace
}  // namespace csec::testing
