// Nothing lost, nothing doubled, across a crash: routing is killed with SIGKILL while referrals
// stream in, and restarted. Every referral must still be routed, and every copy of a case's
// CaseRouted must carry the same event id, so consumers that dedupe by id see exactly one.
#include <signal.h>

#include <map>
#include <set>

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

constexpr int kReferrals = 40;
constexpr int kKillAfter = 15;

TEST(RoutingCrash, EveryReferralIsRoutedOnceDespiteASigkill) {
  StackEnv stack = StackEnv::FromEnvironment();
  auto intake = ServiceProcess::Start("csec-intake", stack, {});
  ASSERT_TRUE(intake.ok()) << intake.status();
  auto routing = ServiceProcess::Start("csec-routing", stack, {});
  ASSERT_TRUE(routing.ok()) << routing.status();
  auto stub = csec::dispatch::v1::IntakeService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*intake)->port("grpc_port")), grpc::InsecureChannelCredentials()));

  std::set<std::string> cases;
  const csec::tools::SampleKind kinds[] = {csec::tools::SampleKind::kNewToBoth, csec::tools::SampleKind::kOpenDcfs,
                                           csec::tools::SampleKind::kOpenProbation};
  for (int i = 0; i < kReferrals; ++i) {
    if (i == kKillAfter) {
      // Mid-stream: whatever routing had produced but not yet committed is replayed.
      (*routing)->Signal(SIGKILL);
      routing = ServiceProcess::Start("csec-routing", stack, {});
      ASSERT_TRUE(routing.ok()) << routing.status();
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    csec::dispatch::v1::ReportIdentificationResponse response;
    grpc::Status s = stub->ReportIdentification(
        &context, csec::tools::SampleReferral(kinds[i % 3], absl::StrCat("crash-", NewRandomId()), absl::Now()),
        &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    cases.insert(response.case_id());
  }

  // Every case routed; all copies of its decision share one event id.
  std::map<std::string, std::set<std::string>> routed_ids;
  ASSERT_TRUE(WaitFor(
      [&] {
        routed_ids.clear();
        absl::Status s =
            ScanTopic(stack.kafka("test"), kRoutingTopic, absl::Seconds(30), true, [&](const ConsumedMessage& m) {
              Envelope e;
              if (e.ParseFromString(m.payload) && cases.count(e.case_id()) && e.has_case_routed()) {
                routed_ids[e.case_id()].insert(e.event_id());
              }
              return true;
            });
        return s.ok() && routed_ids.size() == cases.size();
      },
      absl::Seconds(120)))
      << routed_ids.size() << " of " << cases.size() << " referrals routed";
  for (const auto& [case_id, ids] : routed_ids) {
    EXPECT_EQ(ids.size(), 1u) << "case " << case_id << " was routed under " << ids.size() << " different event ids";
  }
}

}  // namespace
}  // namespace csec::testing
