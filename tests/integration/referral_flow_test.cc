// A referral from a gRPC call, through the real Kafka broker, to a routing decision: intake
// and routing run as real processes against the stack that the CTest fixture started.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "tests/integration/harness.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::ReportIdentificationRequest;
using csec::dispatch::v1::ReportIdentificationResponse;
using csec::tools::SampleKind;
using csec::tools::SampleReferral;
using ::testing::HasSubstr;
using ::testing::Not;

class ReferralFlow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new StackEnv(StackEnv::FromEnvironment());
    auto intake = ServiceProcess::Start("csec-intake", *stack_, {});
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = intake->release();
    auto routing = ServiceProcess::Start("csec-routing", *stack_, {});
    ASSERT_TRUE(routing.ok()) << routing.status();
    routing_ = routing->release();
    stub_ = csec::dispatch::v1::IntakeService::NewStub(
                grpc::CreateChannel(absl::StrCat("127.0.0.1:", intake_->port("grpc_port")),
                                    grpc::InsecureChannelCredentials()))
                .release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete routing_;
    delete intake_;
    delete stack_;
  }

  static grpc::Status Report(const ReportIdentificationRequest& request, ReportIdentificationResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->ReportIdentification(&context, request, response);
  }

  static std::string UniqueKey() { return absl::StrCat("it-", NewRandomId()); }

  // Every event on `topic` for `case_id`, as of now.
  static std::vector<Envelope> EventsOf(const std::string& topic, const std::string& case_id) {
    std::vector<Envelope> events;
    absl::Status s = ScanTopic(stack_->kafka("test"), topic, absl::Seconds(30), true, [&](const ConsumedMessage& m) {
      Envelope e;
      if (e.ParseFromString(m.payload) && e.case_id() == case_id) events.push_back(e);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return events;
  }

  static size_t MessageCount(const std::string& topic) {
    size_t n = 0;
    EXPECT_TRUE(ScanTopic(stack_->kafka("test"), topic, absl::Seconds(30), true, [&](const ConsumedMessage&) {
                  ++n;
                  return true;
                }).ok());
    return n;
  }

  // Waits for the case's CaseRouted on the real csec.routing.v1 topic.
  static absl::StatusOr<Envelope> AwaitRouted(const std::string& case_id) {
    Envelope found;
    absl::Status s =
        ScanTopic(stack_->kafka("test"), kRoutingTopic, absl::Seconds(60), false, [&](const ConsumedMessage& m) {
          Envelope e;
          if (e.ParseFromString(m.payload) && e.case_id() == case_id && e.has_case_routed()) {
            found = e;
            return false;
          }
          return true;
        });
    if (!s.ok()) return s;
    return found;
  }

  static StackEnv* stack_;
  static ServiceProcess* intake_;
  static ServiceProcess* routing_;
  static csec::dispatch::v1::IntakeService::Stub* stub_;
};

StackEnv* ReferralFlow::stack_ = nullptr;
ServiceProcess* ReferralFlow::intake_ = nullptr;
ServiceProcess* ReferralFlow::routing_ = nullptr;
csec::dispatch::v1::IntakeService::Stub* ReferralFlow::stub_ = nullptr;

struct JurisdictionCase {
  const char* name;
  SampleKind kind;
  csec::dispatch::v1::ResponderAgency agency;
  const char* rule_id;
  const char* team_id;
};

void PrintTo(const JurisdictionCase& c, std::ostream* os) { *os << c.name; }

class RoutedByJurisdiction : public ReferralFlow, public ::testing::WithParamInterface<JurisdictionCase> {};

TEST_P(RoutedByJurisdiction, ReportedReferralIsRoutedOnTheRealTopic) {
  ReportIdentificationResponse response;
  grpc::Status status = Report(SampleReferral(GetParam().kind, UniqueKey(), absl::Now() - absl::Minutes(5)), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(response.case_id().empty());

  absl::StatusOr<Envelope> routed = AwaitRouted(response.case_id());
  ASSERT_TRUE(routed.ok()) << routed.status();
  EXPECT_EQ(routed->producer(), "routing");
  EXPECT_EQ(routed->case_routed().referral_event_id(), response.event_id());
  EXPECT_EQ(routed->case_routed().agency(), GetParam().agency);
  EXPECT_EQ(routed->case_routed().rule_id(), GetParam().rule_id);
  EXPECT_EQ(routed->case_routed().team_id(), GetParam().team_id);
  EXPECT_FALSE(routed->case_routed().config_version().empty());
}

INSTANTIATE_TEST_SUITE_P(
    EachJurisdiction, RoutedByJurisdiction,
    ::testing::Values(JurisdictionCase{"NewToBoth", SampleKind::kNewToBoth, csec::dispatch::v1::RESPONDER_AGENCY_MART,
                                       "mart.new-to-both", "mart-spa-8"},
                      JurisdictionCase{"OpenDcfs", SampleKind::kOpenDcfs, csec::dispatch::v1::RESPONDER_AGENCY_MART,
                                       "mart.open-dcfs", "mart-spa-6"},
                      JurisdictionCase{"OpenProbation", SampleKind::kOpenProbation,
                                       csec::dispatch::v1::RESPONDER_AGENCY_CTU, "ctu.open-probation", "ctu-spa-6"},
                      JurisdictionCase{"DualStatus", SampleKind::kDualStatus, csec::dispatch::v1::RESPONDER_AGENCY_CTU,
                                       "dual-status.recorded-lead", "ctu-spa-1"},
                      JurisdictionCase{"NonParticipating", SampleKind::kNonParticipating,
                                       csec::dispatch::v1::RESPONDER_AGENCY_STANDARD_HOTLINE,
                                       "hotline.non-participating-station", "cph-standard-response"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ReferralFlow, MalformedReferralIsRefusedWithTheFieldNamedAndNothingIsWritten) {
  const size_t before = MessageCount(kIntakeTopic);
  ReportIdentificationRequest request = SampleReferral(SampleKind::kNewToBoth, UniqueKey(), absl::Now());
  request.mutable_referral()->clear_staging();
  request.mutable_referral()->mutable_source()->clear_station_id();
  ReportIdentificationResponse response;
  grpc::Status status = Report(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("referral.staging.address: required"));
  EXPECT_THAT(status.error_message(), HasSubstr("referral.source.station_id: required"));
  // intake answers only after Kafka acknowledged; a refusal must have written nothing.
  EXPECT_EQ(MessageCount(kIntakeTopic), before);
}

TEST_F(ReferralFlow, AnAdultIsRefusedAsOutsideTheProtocol) {
  const size_t before = MessageCount(kIntakeTopic);
  ReportIdentificationRequest request = SampleReferral(SampleKind::kNewToBoth, UniqueKey(), absl::Now());
  request.mutable_referral()->mutable_youth()->set_age_years(19);
  request.mutable_referral()->mutable_youth()->mutable_identity()->clear_birth_date();
  ReportIdentificationResponse response;
  grpc::Status status = Report(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("covers minors"));
  EXPECT_EQ(MessageCount(kIntakeTopic), before);
}

TEST_F(ReferralFlow, TheSameIdempotencyKeyTwiceIsOneCaseAndOneEvent) {
  const ReportIdentificationRequest request = SampleReferral(SampleKind::kNewToBoth, UniqueKey(), absl::Now());
  ReportIdentificationResponse first, second;
  ASSERT_TRUE(Report(request, &first).ok());
  ASSERT_TRUE(Report(request, &second).ok());
  EXPECT_EQ(second.case_id(), first.case_id());
  EXPECT_EQ(second.event_id(), first.event_id());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(EventsOf(kIntakeTopic, first.case_id()).size(), 1u);

  // The same key for a different referral is a caller's mistake, not a duplicate.
  ReportIdentificationRequest changed = request;
  changed.mutable_referral()->mutable_youth()->set_language("es");
  ReportIdentificationResponse third;
  grpc::Status status = Report(changed, &third);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("idempotency_key"));
}

TEST_F(ReferralFlow, TheYouthsIdentityIsNeverInClearOnTheTopic) {
  ReportIdentificationRequest request = SampleReferral(SampleKind::kOpenDcfs, UniqueKey(), absl::Now());
  request.mutable_referral()->mutable_youth()->mutable_identity()->set_given_name("Zelphinora");
  request.mutable_referral()->mutable_youth()->mutable_identity()->set_birth_date("2011-07-19");
  ReportIdentificationResponse response;
  ASSERT_TRUE(Report(request, &response).ok());
  std::vector<std::string> payloads;
  ASSERT_TRUE(ScanTopic(stack_->kafka("test"), kIntakeTopic, absl::Seconds(30), true, [&](const ConsumedMessage& m) {
                if (m.key == response.case_id()) payloads.push_back(m.payload);
                return true;
              }).ok());
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_THAT(payloads[0], Not(HasSubstr("Zelphinora")));
  EXPECT_THAT(payloads[0], Not(HasSubstr("2011-07-19")));
  EXPECT_THAT(payloads[0], Not(HasSubstr("SYNTH-DCFS-0001")));
  Envelope e;
  ASSERT_TRUE(e.ParseFromString(payloads[0]));
  EXPECT_FALSE(e.referral_received().sealed_identity().ciphertext().empty());
}

TEST_F(ReferralFlow, AnUnreadableMessageGoesToTheDeadLetterTopicAndRoutingGoesOn) {
  auto producer = KafkaProducer::Create(stack_->kafka("test"));
  ASSERT_TRUE(producer.ok());
  const std::string key = absl::StrCat("garbage-", NewRandomId());
  ASSERT_TRUE((*producer)->Produce(kIntakeTopic, key, "\xff\xfe not a protobuf").ok());

  csec::dispatch::v1::DeadLetter letter;
  absl::Status s =
      ScanTopic(stack_->kafka("test"), kDeadLetterTopic, absl::Seconds(60), false, [&](const ConsumedMessage& m) {
        // Each consumer group dead-letters it on its own; this is routing's.
        return !(letter.ParseFromString(m.payload) && letter.key() == key && letter.consumer() == "routing");
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(letter.source_topic(), kIntakeTopic);
  EXPECT_EQ(letter.consumer(), "routing");
  EXPECT_THAT(letter.reason(), HasSubstr("not a csec.dispatch.v1.Envelope"));

  // The bad message did not stop the partition: a referral after it is still routed.
  ReportIdentificationResponse response;
  ASSERT_TRUE(Report(SampleReferral(SampleKind::kNewToBoth, UniqueKey(), absl::Now()), &response).ok());
  EXPECT_TRUE(AwaitRouted(response.case_id()).ok());
}

}  // namespace
}  // namespace csec::testing
