// Each deadline fires once, through what goes wrong in production: two replicas at once, a
// replica killed between its claim and the event reaching Kafka, Redis restarted, and Redis that
// lost everything rebuilt from Kafka. Real broker, real Redis, real processes.
#include <signal.h>

#include <gtest/gtest.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/redis/redis.h"
#include "services/timers/timer_policy.h"
#include "services/timers/timer_store.h"
#include "tests/integration/harness.h"
#include "tests/integration/timers_support.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;

constexpr absl::Duration kArrival = absl::Seconds(6);
constexpr absl::Duration kPatience = absl::Seconds(90);

class TimersFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    dir_ = MakeTempDir();
    config_path_ = WriteTimersConfig(stack_, dir_, kArrival);
  }

  absl::StatusOr<std::unique_ptr<ServiceProcess>> StartTimers(const std::string& instance_id) {
    return ServiceProcess::Start("csec-timers", stack_,
                                 {"--config=" + config_path_, "--timer_lease=2s", "--instance_id=" + instance_id});
  }

  // Routes `n` new cases identified now; returns their ids.
  std::vector<std::string> RouteCases(int n, absl::Time identified) {
    std::vector<std::string> cases;
    for (int i = 0; i < n; ++i) {
      cases.push_back(NewRandomId());
      EXPECT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(cases.back(), identified)).ok());
    }
    return cases;
  }

  // Waits until each case's responder_arrival escalated; returns the events of all of them.
  std::vector<Envelope> AwaitAllMissed(const std::vector<std::string>& cases) {
    const std::set<std::string> wanted(cases.begin(), cases.end());
    std::vector<Envelope> events;
    WaitFor(
        [&] {
          events = TimerEvents(stack_, wanted);
          for (const std::string& c : cases) {
            if (CountMissed(events, c, "responder_arrival").messages == 0) return false;
          }
          return true;
        },
        kPatience);
    return events;
  }

  void ExpectEachMissedOnce(const std::vector<std::string>& cases, const std::vector<Envelope>& events,
                            bool allow_copies_with_the_same_id) {
    for (const std::string& c : cases) {
      const MissedCount missed = CountMissed(events, c, "responder_arrival");
      EXPECT_EQ(missed.distinct, 1) << c;
      if (!allow_copies_with_the_same_id) {
        EXPECT_EQ(missed.messages, 1) << c;
      }
    }
  }

  StackEnv stack_;
  std::string dir_;
  std::string config_path_;
};

TEST_F(TimersFaultTest, TwoReplicasFireEachDeadlineOnce) {
  auto a = StartTimers("timers-fault-a");
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = StartTimers("timers-fault-b");
  ASSERT_TRUE(b.ok()) << b.status();
  const std::vector<std::string> cases = RouteCases(40, absl::Now());
  const std::vector<Envelope> events = AwaitAllMissed(cases);
  // Not even a copy: the claim gives each due timer to one replica.
  ExpectEachMissedOnce(cases, events, /*allow_copies_with_the_same_id=*/false);
}

TEST_F(TimersFaultTest, AReplicaKilledBetweenItsClaimAndKafkaStillFiresOnce) {
  auto timers = StartTimers("timers-fault-kill");
  ASSERT_TRUE(timers.ok()) << timers.status();
  // Due in 20 s: time to take the broker away first.
  const std::vector<std::string> cases = RouteCases(1, NowMillis() + absl::Seconds(20) - kArrival);
  const std::string& case_id = cases[0];
  ASSERT_TRUE(WaitFor(
      [&] {
        return FindTimerEvent(TimerEvents(stack_, {case_id}), case_id, Envelope::kDeadlineArmed, "responder_arrival") !=
               nullptr;
      },
      kPatience));

  // With the broker away, the replica claims the due timer but cannot get its event out.
  ASSERT_TRUE(stack_.Control("stop", "kafka").ok());
  absl::Cleanup broker_back = [&] { (void)stack_.Control("start", "kafka"); };
  auto redis = RedisClient::Connect(stack_.redis_address);
  ASSERT_TRUE(redis.ok()) << redis.status();
  timers::TimerStore store(redis->get(), {});
  const timers::TimerShard shard = store.ShardOf(case_id);
  const std::string timer_id =
      timers::TimerId(csec::dispatch::v1::TIMER_CLASS_DEADLINE, case_id, "responder_arrival", "");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto stored = store.Get(shard, {timer_id}, absl::Now() + absl::Seconds(5));
        return stored.ok() && (*stored)[0].has_value() && (*stored)[0]->state == timers::TimerState::kClaimed;
      },
      kPatience));
  (*timers)->Signal(SIGKILL);

  ASSERT_TRUE(stack_.Control("start", "kafka").ok());
  std::move(broker_back).Cancel();
  timers = StartTimers("timers-fault-kill");
  ASSERT_TRUE(timers.ok()) << timers.status();
  const std::vector<Envelope> events = AwaitAllMissed(cases);
  ExpectEachMissedOnce(cases, events, /*allow_copies_with_the_same_id=*/true);
}

TEST_F(TimersFaultTest, ARedisRestartKeepsEveryTimer) {
  auto timers = StartTimers("timers-fault-redis");
  ASSERT_TRUE(timers.ok()) << timers.status();
  const std::vector<std::string> cases = RouteCases(20, absl::Now() + absl::Seconds(6));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto events = TimerEvents(stack_, std::set<std::string>(cases.begin(), cases.end()));
        for (const std::string& c : cases) {
          if (FindTimerEvent(events, c, Envelope::kDeadlineArmed, "responder_arrival") == nullptr) return false;
        }
        return true;
      },
      kPatience));
  // Every timer is in Redis's append-only file; the restart replays it.
  ASSERT_TRUE(stack_.Control("restart", "redis").ok());
  const std::vector<Envelope> events = AwaitAllMissed(cases);
  ExpectEachMissedOnce(cases, events, /*allow_copies_with_the_same_id=*/true);
}

TEST_F(TimersFaultTest, RedisThatLostEverythingIsRebuiltFromKafkaAndWhatWasMissedFiresLate) {
  auto timers = StartTimers("timers-fault-rebuild");
  ASSERT_TRUE(timers.ok()) << timers.status();
  // One case escalates before Redis is lost; it must not escalate again after the rebuild.
  const std::vector<std::string> fired_before = RouteCases(1, absl::Now() - kArrival);
  ASSERT_FALSE(AwaitAllMissed(fired_before).empty());
  const absl::Time identified = NowMillis();
  const std::vector<std::string> pending = RouteCases(5, identified);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto events = TimerEvents(stack_, std::set<std::string>(pending.begin(), pending.end()));
        for (const std::string& c : pending) {
          if (FindTimerEvent(events, c, Envelope::kDeadlineArmed, "responder_arrival") == nullptr) return false;
        }
        return true;
      },
      kPatience));

  // The service stops, Redis loses everything, and the deadlines pass meanwhile.
  (*timers)->Signal(SIGTERM);
  auto redis = RedisClient::Connect(stack_.redis_address);
  ASSERT_TRUE(redis.ok());
  ASSERT_TRUE((*redis)->Command({"FLUSHALL"}).ok());
  const absl::Time due = identified + kArrival;
  ASSERT_TRUE(WaitFor([&] { return absl::Now() > due + absl::Seconds(2); }, kPatience));

  timers = StartTimers("timers-fault-rebuild");
  ASSERT_TRUE(timers.ok()) << timers.status();
  const std::vector<Envelope> events = AwaitAllMissed(pending);
  ExpectEachMissedOnce(pending, events, /*allow_copies_with_the_same_id=*/true);
  for (const std::string& c : pending) {
    const Envelope* missed = FindTimerEvent(events, c, Envelope::kDeadlineMissed, "responder_arrival");
    ASSERT_NE(missed, nullptr);
    // Marked late by how much: at least the two seconds it stayed down past the due instant.
    EXPECT_GE(missed->deadline_missed().late_by().seconds(), 2) << c;
  }
  // The one escalated before the loss: still once, no copy either (its own DeadlineMissed was read back first).
  const std::vector<Envelope> before = TimerEvents(stack_, {fired_before[0]});
  EXPECT_EQ(CountMissed(before, fired_before[0], "responder_arrival").messages, 1);
}

}  // namespace
}  // namespace csec::testing
