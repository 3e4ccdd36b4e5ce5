// Routing's protocol configuration on a real routing process against the real stack:
// RoutingService.Explain answers with the live config and records nothing, and a config edit
// during a run is refused when broken (routing goes on with the old config) and taken when valid.
#include <signal.h>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "tests/integration/harness.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::CaseRouted;
using csec::dispatch::v1::ExplainRequest;
using csec::dispatch::v1::ExplainResponse;
using csec::dispatch::v1::RoutingService;
using csec::tools::SampleKind;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// The log lines (one JSON object each) of `event`, as of now.
std::vector<std::string> LogLines(const ServiceProcess& process, const std::string& event) {
  std::vector<std::string> lines;
  const std::string needle = absl::StrCat("\"event\":\"", event, "\"");
  for (absl::string_view line : absl::StrSplit(ReadFile(process.log_path()), '\n')) {
    if (absl::StrContains(line, needle)) lines.emplace_back(line);
  }
  return lines;
}

// Waits until the process has logged `event` more than `seen` times; returns the newest line.
std::string AwaitLogLine(const ServiceProcess& process, const std::string& event, size_t seen) {
  std::vector<std::string> lines;
  const bool logged = WaitFor(
      [&] {
        lines = LogLines(process, event);
        return lines.size() > seen;
      },
      absl::Seconds(30));
  EXPECT_TRUE(logged) << event << " not logged in time; log:\n" << ReadFile(process.log_path());
  return logged ? lines.back() : "";
}

class RoutingConfig : public ::testing::Test {
 protected:
  void SetUp() override { stack_ = StackEnv::FromEnvironment(); }

  void StartRouting(std::vector<std::string> extra_args) {
    auto routing = ServiceProcess::Start("csec-routing", stack_, std::move(extra_args));
    ASSERT_TRUE(routing.ok()) << routing.status();
    routing_ = *std::move(routing);
    ASSERT_NE(routing_->port("grpc_port"), 0) << "routing's ready file names no grpc_port";
    ASSERT_NE(routing_->port("http_port"), 0) << "routing's ready file names no http_port";
    stub_ = RoutingService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", routing_->port("grpc_port")),
                                                        grpc::InsecureChannelCredentials()));
  }

  grpc::Status Explain(const ExplainRequest& request, CaseRouted* decision) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ExplainResponse response;
    grpc::Status status = stub_->Explain(&context, request, &response);
    *decision = response.decision();
    return status;
  }

  static ExplainRequest Sample(SampleKind kind) {
    ExplainRequest request;
    *request.mutable_referral() = tools::SampleReferral(kind, "routing-config-test", absl::Now()).referral();
    return request;
  }

  // The config version routing decides with now, asked through Explain.
  std::string LiveConfigVersion() {
    CaseRouted decision;
    grpc::Status status = Explain(Sample(SampleKind::kOpenProbation), &decision);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return decision.config_version();
  }

  size_t MessageCount(const std::string& topic) {
    size_t n = 0;
    absl::Status s =
        ScanTopic(stack_.kafka("routing-config-test"), topic, absl::Seconds(30), true, [&](const ConsumedMessage&) {
          ++n;
          return true;
        });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }

  StackEnv stack_;
  std::unique_ptr<ServiceProcess> routing_;
  std::unique_ptr<RoutingService::Stub> stub_;
};

TEST_F(RoutingConfig, ExplainAnswersWithTheRuleAndRecordsNothing) {
  ASSERT_NO_FATAL_FAILURE(StartRouting({}));
  auto config = LoadProtocolConfig(stack_.protocol_config());
  ASSERT_TRUE(config.ok()) << config.status();
  const size_t routed_before = MessageCount(kRoutingTopic);

  CaseRouted probation;
  grpc::Status status = Explain(Sample(SampleKind::kOpenProbation), &probation);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(probation.rule_id(), "ctu.open-probation");
  EXPECT_EQ(probation.agency(), csec::dispatch::v1::RESPONDER_AGENCY_CTU);
  EXPECT_EQ(probation.team_id(), "ctu-spa-6");
  EXPECT_EQ(probation.config_version(), (*config)->version);
  EXPECT_TRUE(probation.referral_event_id().empty()) << "Explain recorded a referral event";

  CaseRouted nonparticipating;
  status = Explain(Sample(SampleKind::kNonParticipating), &nonparticipating);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(nonparticipating.rule_id(), "hotline.non-participating-station");
  EXPECT_EQ(nonparticipating.team_id(), "cph-standard-response");
  EXPECT_EQ(nonparticipating.config_version(), (*config)->version);

  ExplainRequest no_station = Sample(SampleKind::kNewToBoth);
  no_station.mutable_referral()->mutable_source()->clear_station_id();
  CaseRouted unused;
  status = Explain(no_station, &unused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("referral.source.station_id"));

  EXPECT_EQ(MessageCount(kRoutingTopic), routed_before) << "Explain wrote to " << kRoutingTopic;
}

TEST_F(RoutingConfig, ABrokenConfigEditIsRefusedAndRoutingGoesOnWithTheOldConfig) {
  const std::string original = ReadFile(stack_.protocol_config());
  ASSERT_FALSE(original.empty());
  const std::string config_path = MakeTempDir() + "/protocol.yaml";
  ASSERT_NO_FATAL_FAILURE(WriteFile(config_path, original));
  // A later --config wins over the harness's default one (absl flags: the last value counts).
  ASSERT_NO_FATAL_FAILURE(StartRouting({"--config=" + config_path}));

  const std::string old_version = LiveConfigVersion();
  ASSERT_FALSE(old_version.empty());
  auto expected_old = LoadProtocolConfig(config_path);
  ASSERT_TRUE(expected_old.ok()) << expected_old.status();
  EXPECT_EQ(old_version, (*expected_old)->version);

  // 1. Valid YAML, invalid protocol: an area names a hub the file does not have.
  const std::string unknown_hub = absl::StrReplaceAll(
      original,
      {{"hub_ids: [hub-mlk, hub-lac-usc, hub-harbor-ucla]", "hub_ids: [hub-nowhere, hub-lac-usc, hub-harbor-ucla]"}});
  ASSERT_NE(unknown_hub, original) << "protocol.yaml changed: pick another area to break";
  ASSERT_NO_FATAL_FAILURE(WriteFile(config_path, unknown_hub));
  routing_->Signal(SIGHUP);
  std::string refused = AwaitLogLine(*routing_, "config.reload_refused", 0);
  EXPECT_THAT(refused, HasSubstr(config_path));
  EXPECT_THAT(refused, HasSubstr(".hub_ids[0]"));
  EXPECT_THAT(refused, HasSubstr("hub-nowhere"));
  EXPECT_EQ(LiveConfigVersion(), old_version);

  // 2. Not YAML at all.
  ASSERT_NO_FATAL_FAILURE(WriteFile(config_path, original + "\nareas: [unclosed, {id: spa-9\n"));
  routing_->Signal(SIGHUP);
  refused = AwaitLogLine(*routing_, "config.reload_refused", 1);
  EXPECT_THAT(refused, HasSubstr(config_path));
  EXPECT_EQ(LiveConfigVersion(), old_version);
  EXPECT_THAT(LogLines(*routing_, "config.reloaded"), ::testing::IsEmpty());

  // 3. A valid edit: a hub's capacity changes, so does the version, and routing takes it.
  const std::string valid_edit = absl::StrReplaceAll(original, {{"daily_capacity: 4\n", "daily_capacity: 5\n"}});
  ASSERT_NE(valid_edit, original) << "protocol.yaml changed: pick another value to edit";
  ASSERT_NO_FATAL_FAILURE(WriteFile(config_path, valid_edit));
  auto expected_new = LoadProtocolConfig(config_path);
  ASSERT_TRUE(expected_new.ok()) << expected_new.status();
  routing_->Signal(SIGHUP);
  const std::string reloaded = AwaitLogLine(*routing_, "config.reloaded", 0);
  EXPECT_THAT(reloaded, HasSubstr((*expected_new)->version));
  const std::string new_version = LiveConfigVersion();
  EXPECT_NE(new_version, old_version);
  EXPECT_EQ(new_version, (*expected_new)->version);
  EXPECT_THAT(LogLines(*routing_, "config.reload_refused"), ::testing::SizeIs(2));
}

}  // namespace
}  // namespace csec::testing
