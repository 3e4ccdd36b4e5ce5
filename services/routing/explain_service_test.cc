#include "services/routing/explain_service.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/routing_rules.h"

namespace csec::routing {
namespace {

using ::csec::dispatch::v1::ExplainRequest;
using ::csec::dispatch::v1::ExplainResponse;
using ::csec::dispatch::v1::Referral;
using ::testing::HasSubstr;

const std::string kConfigPath = std::string(CSEC_SOURCE_DIR) + "/deploy/config/protocol.yaml";

Referral ProbationReferral() {
  Referral r;
  r.mutable_source()->set_agency_id("lasd");
  r.mutable_source()->set_station_id("lasd-compton");
  r.mutable_youth()->mutable_jurisdiction()->set_open_probation_case(true);
  return r;
}

TEST(ExplainReferral, DecidesLikeTheRoutingRules) {
  auto config = LoadProtocolConfig(kConfigPath);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<csec::dispatch::v1::CaseRouted> decision = ExplainReferral(**config, ProbationReferral());
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->SerializeAsString(), DecideRoute(**config, ProbationReferral()).SerializeAsString());
  EXPECT_EQ(decision->rule_id(), kRuleOpenProbation);
  EXPECT_EQ(decision->config_version(), (*config)->version);
  EXPECT_TRUE(decision->referral_event_id().empty());
}

TEST(ExplainReferral, StationIsRequiredAndNamed) {
  auto config = LoadProtocolConfig(kConfigPath);
  ASSERT_TRUE(config.ok()) << config.status();
  Referral referral = ProbationReferral();
  referral.mutable_source()->clear_station_id();
  absl::StatusOr<csec::dispatch::v1::CaseRouted> decision = ExplainReferral(**config, referral);
  EXPECT_EQ(decision.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decision.status().message(), HasSubstr("referral.source.station_id"));
}

TEST(ExplainReferral, AHotlineReferralNeedsNoStation) {
  auto config = LoadProtocolConfig(kConfigPath);
  ASSERT_TRUE(config.ok()) << config.status();
  Referral referral = ProbationReferral();
  referral.mutable_source()->set_kind(csec::dispatch::v1::SOURCE_KIND_HOTLINE);
  referral.mutable_source()->set_agency_id("cph");
  referral.mutable_source()->clear_station_id();
  absl::StatusOr<csec::dispatch::v1::CaseRouted> decision = ExplainReferral(**config, referral);
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->rule_id(), kRuleHotlineOriginated);
}

TEST(ExplainService, AnswersWithTheLiveConfigAndMapsErrors) {
  auto store = ProtocolConfigStore::Create(kConfigPath);
  ASSERT_TRUE(store.ok()) << store.status();
  ExplainService service(store->get());

  ExplainRequest request;
  *request.mutable_referral() = ProbationReferral();
  ExplainResponse response;
  grpc::Status status = service.Explain(nullptr, &request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.decision().rule_id(), kRuleOpenProbation);
  EXPECT_EQ(response.decision().config_version(), (*store)->Current()->version);

  ExplainRequest empty;
  ExplainResponse unused;
  status = service.Explain(nullptr, &empty, &unused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("referral.source.station_id"));
}

}  // namespace
}  // namespace csec::routing
