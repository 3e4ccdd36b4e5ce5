// The paging service killed with SIGKILL in the middle of a chain: the chain resumes where it
// was (its waits are timers, its state in Redis), and nobody is paged twice for one step.
#include <signal.h>

#include <fstream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/common/events.h"
#include "services/common/ids.h"
#include "tests/integration/harness.h"
#include "tests/integration/paging_support.h"
#include "tests/integration/timers_support.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;

constexpr absl::Duration kPatience = absl::Seconds(90);

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
  ASSERT_TRUE(WaitFor([&] { return PagesSent(PagingEvents(stack, cases), responder).size() >= cases.size(); },
                      kPatience));
  // Killed while every chain waits for its first acknowledgement.
  (*paging)->Signal(SIGKILL);
  paging = ServiceProcess::Start("csec-paging", stack, args);
  ASSERT_TRUE(paging.ok()) << paging.status();

  std::vector<Envelope> events;
  ASSERT_TRUE(WaitFor([&] {
    events = PagingEvents(stack, cases);
    return PagesSent(events, supervisor).size() >= cases.size();
  }, kPatience)) << "a chain did not resume after the restart";
  // One notification per (page, attempt, person): copies of one event (same id) are allowed,
  // two different notifications of the same step are not.
  std::map<std::string, std::set<std::string>> ids_by_notification;
  for (const Envelope& e : PagesSent(events)) {
    ids_by_notification[absl::StrCat(e.page_sent().page_id(), "|", e.page_sent().attempt(), "|",
                                     e.page_sent().person_id())]
        .insert(e.event_id());
  }
  for (const auto& [notification, ids] : ids_by_notification) {
    EXPECT_EQ(ids.size(), 1u) << notification << " was paged as " << ids.size() << " different events";
  }
  for (const std::string& case_id : cases) {
    int to_supervisor = 0;
    for (const Envelope& e : PagesSent(events, supervisor)) to_supervisor += e.case_id() == case_id;
    EXPECT_EQ(to_supervisor, 1) << case_id;
  }
}

}  // namespace
}  // namespace csec::testing
