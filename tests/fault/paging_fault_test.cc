// The paging service killed with SIGKILL in the middle of a chain: the chain resumes where it
// was (its waits are timers, its state in Redis), and nobody is paged twice for one step. And
// Redis losing everything in the middle of a chain: paging (and timers) exit, rebuild from Kafka
// on restart, the chain resumes, an acknowledged page stays acknowledged, nobody is paged twice.
#include <signal.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/redis/redis.h"
#include "tests/integration/harness.h"
#include "tests/integration/paging_support.h"
#include "tests/integration/timers_support.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;

// One notification per (page, attempt, person): copies of one event (same id) are allowed, two
// different notifications of the same step are not.
void ExpectEachNotificationOnce(const std::vector<Envelope>& events) {
  std::map<std::string, std::set<std::string>> ids_by_notification;
  for (const Envelope& e : PagesSent(events)) {
    ids_by_notification[absl::StrCat(e.page_sent().page_id(), "|", e.page_sent().attempt(), "|",
                                     e.page_sent().person_id())]
        .insert(e.event_id());
  }
  for (const auto& [notification, ids] : ids_by_notification) {
    EXPECT_EQ(ids.size(), 1u) << notification << " was paged as " << ids.size() << " different events";
  }
}

constexpr absl::Duration kPatience = absl::Seconds(90);

// PagingService.Acknowledge of `page` (a PageSent) by its person, at the paging process `paging`.
grpc::Status Acknowledge(const ServiceProcess& paging, const Envelope& page,
                         csec::dispatch::v1::PageActionResponse* response) {
  auto stub = csec::dispatch::v1::PagingService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", paging.port("grpc_port")), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  csec::dispatch::v1::AcknowledgeRequest request;
  request.set_case_id(page.case_id());
  request.set_page_id(page.page_sent().page_id());
  request.set_person_id(page.page_sent().person_id());
  return stub->Acknowledge(&context, request, response);
}

TEST(PagingFaultTest, ChainResumesAfterSigkillDuringItsWait) {
  StackEnv stack = StackEnv::FromEnvironment();
  const std::string dir = MakeTempDir();
  const std::string protocol = WriteTimersConfig(stack, dir, absl::Seconds(600));
  PagingTestConfig config;
  config.step_wait = absl::Seconds(4);
  const std::string paging_config = WritePagingConfig(protocol, dir, config);
  auto timers = ServiceProcess::Start("csec-timers", stack, {"--config=" + protocol, "--timer_lease=2s"});
  ASSERT_TRUE(timers.ok()) << timers.status();
  const std::vector<std::string> args = {"--config=" + protocol, "--paging_config=" + paging_config,
                                         "--instance_id=paging-fault-test"};
  auto paging = ServiceProcess::Start("csec-paging", stack, args);
  ASSERT_TRUE(paging.ok()) << paging.status();

  std::set<std::string> cases;
  for (int i = 0; i < 3; ++i) {
    const std::string case_id = absl::StrCat("case-paging-fault-", NewRandomId());
    ASSERT_TRUE(ProduceEvent(stack, kRoutingTopic, RoutedEvent(case_id, NowMillis())).ok());
    cases.insert(case_id);
  }
  const std::string responder = OnCallPerson("mart-spa-6");
  const std::string supervisor = OnCallPerson("mart-supervisor");
  ASSERT_TRUE(
      WaitFor([&] { return PagesSent(PagingEvents(stack, cases), responder).size() >= cases.size(); }, kPatience));
  // Killed while every chain waits for its first acknowledgement.
  (*paging)->Signal(SIGKILL);
  paging = ServiceProcess::Start("csec-paging", stack, args);
  ASSERT_TRUE(paging.ok()) << paging.status();

  std::vector<Envelope> events;
  ASSERT_TRUE(WaitFor(
      [&] {
        events = PagingEvents(stack, cases);
        return PagesSent(events, supervisor).size() >= cases.size();
      },
      kPatience))
      << "a chain did not resume after the restart";
  ExpectEachNotificationOnce(events);
  for (const std::string& case_id : cases) {
    int to_supervisor = 0;
    for (const Envelope& e : PagesSent(events, supervisor)) to_supervisor += e.case_id() == case_id;
    EXPECT_EQ(to_supervisor, 1) << case_id;
  }
}

TEST(PagingFaultTest, AfterRedisLostEverythingChainsResumeAndAcknowledgedPagesStayAcknowledged) {
  StackEnv stack = StackEnv::FromEnvironment();
  const std::string dir = MakeTempDir();
  const std::string protocol = WriteTimersConfig(stack, dir, absl::Seconds(600));
  PagingTestConfig config;
  config.step_wait = absl::Seconds(6);
  const std::string paging_config = WritePagingConfig(protocol, dir, config);
  const std::vector<std::string> timers_args = {"--config=" + protocol, "--timer_lease=2s"};
  const std::vector<std::string> paging_args = {"--config=" + protocol, "--paging_config=" + paging_config,
                                                "--instance_id=paging-fault-test"};
  auto timers = ServiceProcess::Start("csec-timers", stack, timers_args);
  ASSERT_TRUE(timers.ok()) << timers.status();
  auto paging = ServiceProcess::Start("csec-paging", stack, paging_args);
  ASSERT_TRUE(paging.ok()) << paging.status();

  const std::string acknowledged_case = absl::StrCat("case-paging-loss-", NewRandomId());
  const std::string waiting_case = absl::StrCat("case-paging-loss-", NewRandomId());
  const std::set<std::string> cases = {acknowledged_case, waiting_case};
  for (const std::string& case_id : cases) {
    ASSERT_TRUE(ProduceEvent(stack, kRoutingTopic, RoutedEvent(case_id, NowMillis())).ok());
  }
  const std::string responder = OnCallPerson("mart-spa-6");
  const std::string supervisor = OnCallPerson("mart-supervisor");
  std::vector<Envelope> events;
  ASSERT_TRUE(WaitFor(
      [&] {
        events = PagingEvents(stack, cases);
        return PagesSent(events, responder).size() >= cases.size();
      },
      kPatience));
  Envelope first_page;
  for (const Envelope& e : PagesSent(events, responder)) {
    if (e.case_id() == acknowledged_case) first_page = e;
  }
  csec::dispatch::v1::PageActionResponse acknowledged;
  ASSERT_TRUE(Acknowledge(**paging, first_page, &acknowledged).ok());
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const Envelope& e : PagingEvents(stack, {acknowledged_case})) {
          if (e.has_wait_cancelled()) return true;  // the consumer applied the acknowledgement
        }
        return false;
      },
      kPatience));

  // Redis forgets everything while the other chain waits for its first acknowledgement.
  auto redis = RedisClient::Connect(stack.redis_address);
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
  EXPECT_EQ((*paging)->WaitForExit(absl::Seconds(30)), std::optional<int>(3)) << "paging exits to rebuild";
  EXPECT_EQ((*timers)->WaitForExit(absl::Seconds(30)), std::optional<int>(3)) << "timers exits to rebuild";
  timers = ServiceProcess::Start("csec-timers", stack, timers_args);  // what the supervisor does
  ASSERT_TRUE(timers.ok()) << timers.status();
  paging = ServiceProcess::Start("csec-paging", stack, paging_args);
  ASSERT_TRUE(paging.ok()) << paging.status();

  // The waiting chain goes on to the supervisor, once; the acknowledged one does not.
  ASSERT_TRUE(WaitFor(
      [&] {
        events = PagingEvents(stack, cases);
        for (const Envelope& e : PagesSent(events, supervisor)) {
          if (e.case_id() == waiting_case) return true;
        }
        return false;
      },
      kPatience))
      << "the waiting chain did not resume after the rebuild";
  // Past the acknowledged page's own step wait: had its state been lost, it would have escalated.
  const absl::Time acknowledged_due = FromProtoTime(first_page.page_sent().ack_due_at());
  ASSERT_TRUE(WaitFor([&] { return absl::Now() > acknowledged_due + absl::Seconds(3); }, kPatience));
  events = PagingEvents(stack, cases);
  ExpectEachNotificationOnce(events);
  int to_supervisor = 0;
  for (const Envelope& e : PagesSent(events, supervisor)) {
    EXPECT_NE(e.case_id(), acknowledged_case) << "an acknowledged page escalated after the rebuild";
    to_supervisor += e.case_id() == waiting_case;
  }
  EXPECT_EQ(to_supervisor, 1);

  // The rebuilt page answers over gRPC as before: acknowledging it again is a duplicate.
  csec::dispatch::v1::PageActionResponse duplicate;
  ASSERT_TRUE(Acknowledge(**paging, first_page, &duplicate).ok());
  EXPECT_TRUE(duplicate.duplicate());
}

}  // namespace
}  // namespace csec::testing
