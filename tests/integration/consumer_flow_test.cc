// The shared consumer on the real broker: a handler failing on one partition holds up only that
// partition (the others keep flowing, the failed message is retried until it succeeds, in
// order), handlers complete asynchronously, and an orderly Stop commits what was handled, so
// the group's next member starts after it. A rebalance while partitions are paused loses none of
// them; a partition that makes no progress is reported with its lag from the broker. Topic
// creation: partitions and retention.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/serving/metrics.h"
#include "tests/integration/harness.h"

namespace csec::testing {
namespace {

// What the handler saw and what it handled successfully, in order, from any thread.
class Seen {
 public:
  void Attempted(const ConsumedMessage& m) {
    std::lock_guard<std::mutex> lock(mu_);
    attempts_[m.payload]++;
    partition_of_[m.key] = m.partition;
  }
  void Handled(const ConsumedMessage& m) {
    std::lock_guard<std::mutex> lock(mu_);
    handled_.push_back(m.payload);
  }
  int Attempts(const std::string& payload) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[payload];
  }
  std::vector<std::string> HandledInOrder() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_;
  }
  bool WasHandled(const std::string& payload) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::find(handled_.begin(), handled_.end(), payload) != handled_.end();
  }
  std::map<std::string, int32_t> PartitionOfKey() {
    std::lock_guard<std::mutex> lock(mu_);
    return partition_of_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> attempts_;
  std::map<std::string, int32_t> partition_of_;
  std::vector<std::string> handled_;
};

std::string NewTopic(const StackEnv& stack, int partitions) {
  const std::string topic = absl::StrCat("csec.test.consumer.", NewRandomId());
  absl::Status made = EnsureTopics(
      stack.kafka("consumer-test"), {topic},
      {.partitions = partitions, .replication_factor = 1, .min_insync_replicas = 1, .retention = absl::Hours(1)});
  EXPECT_TRUE(made.ok()) << made;
  return topic;
}

TEST(ConsumerFlow, AFailingPartitionHoldsOnlyItselfAndIsRetriedInOrder) {
  StackEnv stack = StackEnv::FromEnvironment();
  const std::string topic = NewTopic(stack, 2);
  auto producer = KafkaProducer::Create(stack.kafka("consumer-test"));
  ASSERT_TRUE(producer.ok());

  Seen seen;
  std::atomic<int32_t> failing_partition{-1};
  auto consumer = KafkaConsumer::Start({.kafka = stack.kafka("consumer-test"),
                                        .group_id = absl::StrCat("consumer-test-", NewRandomId()),
                                        .topics = {topic},
                                        .min_retry_backoff = absl::Milliseconds(50),
                                        .max_retry_backoff = absl::Milliseconds(200)},
                                       producer->get(), [&](const ConsumedMessage& m, HandlerDone done) {
                                         seen.Attempted(m);
                                         if (m.partition == failing_partition.load())
                                           return done(absl::UnavailableError("dependency away (test)"));
                                         // Completes on another thread, as handlers waiting for Redis or Kafka do.
                                         std::thread([&seen, m, done = std::move(done)]() mutable {
                                           seen.Handled(m);
                                           done(absl::OkStatus());
                                         }).detach();
                                       });
  ASSERT_TRUE(consumer.ok()) << consumer.status();

  // Twenty cases spread over both partitions by key; a first event each, all handled, shows
  // which partition each case is on.
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back(NewRandomId());
  for (const std::string& key : keys) ASSERT_TRUE((*producer)->Produce(topic, key, key + "/0").ok());
  ASSERT_TRUE(WaitFor([&] { return seen.HandledInOrder().size() == keys.size(); }, absl::Seconds(30)));
  const std::map<std::string, int32_t> partition_of = seen.PartitionOfKey();
  const int32_t failing = partition_of.at(keys[0]);
  std::vector<std::string> other_keys;
  for (const std::string& key : keys) {
    if (partition_of.at(key) != failing) other_keys.push_back(key);
  }
  ASSERT_FALSE(other_keys.empty()) << "all twenty keys on one partition";

  // Partition `failing` now fails every message (its dependency is away).
  failing_partition = failing;
  for (int event = 1; event < 3; ++event) {
    for (const std::string& key : keys)
      ASSERT_TRUE((*producer)->Produce(topic, key, absl::StrCat(key, "/", event)).ok());
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& key : other_keys) {
          if (!seen.WasHandled(key + "/2")) return false;
        }
        return true;
      },
      absl::Seconds(30)))
      << "the healthy partition kept flowing";
  const std::string stuck = keys[0] + "/1";
  ASSERT_TRUE(WaitFor([&] { return seen.Attempts(stuck) >= 3; }, absl::Seconds(30))) << "the failed message is retried";
  EXPECT_EQ(seen.Attempts(keys[0] + "/2"), 0) << "a case's next event waits for the one being retried";

  failing_partition = -1;  // the dependency is back
  ASSERT_TRUE(WaitFor([&] { return seen.HandledInOrder().size() == 3 * keys.size(); }, absl::Seconds(30)))
      << seen.HandledInOrder().size() << " of " << 3 * keys.size() << " handled";
  // Each case's events were handled in the order they were produced, each exactly once.
  std::map<std::string, int> next_event;
  for (const std::string& payload : seen.HandledInOrder()) {
    const std::string key = payload.substr(0, payload.find('/'));
    EXPECT_EQ(payload, absl::StrCat(key, "/", next_event[key]++)) << "out of order";
  }
  (*consumer)->Stop();
}

TEST(ConsumerFlow, AnOrderlyStopCommitsWhatWasHandled) {
  StackEnv stack = StackEnv::FromEnvironment();
  const std::string topic = NewTopic(stack, 2);
  const std::string group = absl::StrCat("consumer-test-", NewRandomId());
  auto producer = KafkaProducer::Create(stack.kafka("consumer-test"));
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*producer)->Produce(topic, NewRandomId(), absl::StrCat("old-", i)).ok());

  Seen first;
  {
    auto consumer = KafkaConsumer::Start({.kafka = stack.kafka("consumer-test"), .group_id = group, .topics = {topic}},
                                         producer->get(), FinishingInline([&](const ConsumedMessage& m) {
                                           first.Handled(m);
                                           return absl::OkStatus();
                                         }));
    ASSERT_TRUE(consumer.ok());
    ASSERT_TRUE(WaitFor([&] { return first.HandledInOrder().size() == 10; }, absl::Seconds(30)));
    (*consumer)->Stop();
  }

  ASSERT_TRUE((*producer)->Produce(topic, NewRandomId(), "new").ok());
  Seen second;
  auto consumer = KafkaConsumer::Start({.kafka = stack.kafka("consumer-test"), .group_id = group, .topics = {topic}},
                                       producer->get(), FinishingInline([&](const ConsumedMessage& m) {
                                         second.Attempted(m);
                                         return absl::OkStatus();
                                       }));
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(WaitFor([&] { return second.Attempts("new") == 1; }, absl::Seconds(30)));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(second.Attempts(absl::StrCat("old-", i)), 0) << "replayed old-" << i;
}

// Handler answers held back until Release(): a handler waiting on something that does not come.
class HeldAnswers {
 public:
  void Hold(const ConsumedMessage& m, HandlerDone done) {
    absl::MutexLock lock(&mu_);
    held_.push_back({m, std::move(done)});
  }
  // Answers everything held so far with OK, recording each as handled in `seen`.
  void Release(Seen& seen) {
    std::vector<std::pair<ConsumedMessage, HandlerDone>> held;
    {
      absl::MutexLock lock(&mu_);
      held = std::exchange(held_, {});
    }
    for (auto& [m, done] : held) {
      seen.Handled(m);
      done(absl::OkStatus());
    }
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<ConsumedMessage, HandlerDone>> held_ ABSL_GUARDED_BY(mu_);
};

double GroupGauge(const std::string& name, const std::string& group) {
  return Metrics::Get().GetGauge(name, "", Labels({{"group", group}})).Value();
}

// The consumer patterns the services use, and the two reasons a partition is paused.
enum class Pattern { kKeyed, kUnkeyed, kWithHooks };
enum class PauseCause { kRetryBackOff, kFullBuffer };
struct RebalanceCase {
  Pattern pattern;
  PauseCause cause;
};

class RebalanceWhilePaused : public ::testing::TestWithParam<RebalanceCase> {};

// The stall the issue "Nothing silent" found: librdkafka keeps a partition paused across a
// rebalance, so a member that got back a partition it had paused never fetched from it again.
TEST_P(RebalanceWhilePaused, LosesNoPartition) {
  const RebalanceCase c = GetParam();
  StackEnv stack = StackEnv::FromEnvironment();
  constexpr int kPartitions = 4;
  const std::string topic = NewTopic(stack, kPartitions);
  const std::string group = absl::StrCat("consumer-test-", NewRandomId());
  auto producer = KafkaProducer::Create(stack.kafka("consumer-test"));
  ASSERT_TRUE(producer.ok());

  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(NewRandomId());
  std::set<std::string> produced;
  auto produce_round = [&](int round) {
    for (const std::string& key : keys) {
      const std::string payload = absl::StrCat(key, "/", round);
      ASSERT_TRUE((*producer)->Produce(topic, key, payload).ok());
      produced.insert(payload);
    }
  };
  for (int round = 0; round < 3; ++round) produce_round(round);

  Seen seen;
  std::atomic<bool> blocked{true};
  HeldAnswers held;
  std::atomic<int> assigned_calls{0}, revoked_calls{0};
  ConsumerOptions options{.kafka = stack.kafka("consumer-test"), .group_id = group, .topics = {topic}};
  options.one_at_a_time_per_key = c.pattern != Pattern::kUnkeyed;
  options.drain_timeout = absl::Milliseconds(500);
  // Beyond every wait below: the watchdog would resume a partition librdkafka stopped fetching,
  // and this test is about the rebalance itself losing none.
  options.stall_after = absl::Minutes(5);
  if (c.cause == PauseCause::kRetryBackOff) {
    // Long back-offs: the partitions are paused nearly all the time, so the rebalance finds them so.
    options.min_retry_backoff = absl::Seconds(1);
    options.max_retry_backoff = absl::Seconds(1);
  } else {
    options.max_in_flight_per_partition = 1;
    options.max_buffered_per_partition = 2;
  }
  if (c.pattern == Pattern::kWithHooks) {
    options.on_assigned = [&](const std::vector<TopicPartitionId>&) { assigned_calls++; };
    options.on_revoked = [&](const std::vector<TopicPartitionId>&) { revoked_calls++; };
  }
  auto handler = [&](const ConsumedMessage& m, HandlerDone done) {
    seen.Attempted(m);
    if (!blocked.load()) {
      seen.Handled(m);
      return done(absl::OkStatus());
    }
    if (c.cause == PauseCause::kRetryBackOff) return done(absl::UnavailableError("dependency away (test)"));
    held.Hold(m, std::move(done));  // never answers while blocked: the buffer fills
  };

  auto first = KafkaConsumer::Start(options, producer->get(), handler);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(
      WaitFor([&] { return GroupGauge("csec_kafka_partitions_paused", group) == kPartitions; }, absl::Seconds(30)))
      << "every partition paused before the rebalance; paused: " << GroupGauge("csec_kafka_partitions_paused", group);

  // A second member joins: the first gives back all four and gets two of them again.
  auto second = KafkaConsumer::Start(options, producer->get(), handler);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(WaitFor(
      [&] {
        return (*first)->assigned_partitions() + (*second)->assigned_partitions() == kPartitions &&
               (*second)->HasAssignment() && (*first)->HasAssignment();
      },
      absl::Seconds(30)))
      << "first " << (*first)->assigned_partitions() << ", second " << (*second)->assigned_partitions();

  blocked = false;
  // Answers for the first member's old assignment are ignored: those messages come again.
  ASSERT_TRUE(WaitFor(
      [&] {
        held.Release(seen);
        for (const std::string& payload : produced) {
          if (!seen.WasHandled(payload)) return false;
        }
        return true;
      },
      absl::Seconds(60)))
      << seen.HandledInOrder().size() << " handled of " << produced.size();

  // And they keep flowing afterwards.
  produce_round(3);
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& key : keys) {
          if (!seen.WasHandled(key + "/3")) return false;
        }
        return true;
      },
      absl::Seconds(30)));
  EXPECT_TRUE((*first)->Progress().ok()) << (*first)->Progress();
  EXPECT_TRUE((*second)->Progress().ok()) << (*second)->Progress();
  if (c.pattern == Pattern::kWithHooks) {
    EXPECT_GE(assigned_calls.load(), 3) << "first, then both members after the rebalance";
    EXPECT_GE(revoked_calls.load(), 1);
  }
  (*second)->Stop();
  (*first)->Stop();
}

constexpr RebalanceCase kRebalanceCases[] = {
    {Pattern::kKeyed, PauseCause::kRetryBackOff},     {Pattern::kKeyed, PauseCause::kFullBuffer},
    {Pattern::kUnkeyed, PauseCause::kRetryBackOff},   {Pattern::kUnkeyed, PauseCause::kFullBuffer},
    {Pattern::kWithHooks, PauseCause::kRetryBackOff}, {Pattern::kWithHooks, PauseCause::kFullBuffer},
};

std::string CaseName(const ::testing::TestParamInfo<RebalanceCase>& info) {
  const char* pattern[] = {"Keyed", "Unkeyed", "WithHooks"};
  const char* cause[] = {"RetryBackOff", "FullBuffer"};
  return absl::StrCat(pattern[static_cast<int>(info.param.pattern)], cause[static_cast<int>(info.param.cause)]);
}

INSTANTIATE_TEST_SUITE_P(EveryPatternAndCause, RebalanceWhilePaused, ::testing::ValuesIn(kRebalanceCases), CaseName);

TEST(ConsumerWatchdog, APartitionWithoutProgressIsReportedWithItsLagFromTheBroker) {
  StackEnv stack = StackEnv::FromEnvironment();
  const std::string topic = NewTopic(stack, 2);
  const std::string group = absl::StrCat("consumer-test-", NewRandomId());
  auto producer = KafkaProducer::Create(stack.kafka("consumer-test"));
  ASSERT_TRUE(producer.ok());

  // Learn which partition a key lands on, then hang the handler for that partition only.
  Seen seen;
  HeldAnswers held;
  std::atomic<int32_t> hung_partition{-1};
  auto consumer = KafkaConsumer::Start(
      {.kafka = stack.kafka("consumer-test"), .group_id = group, .topics = {topic}, .stall_after = absl::Seconds(3)},
      producer->get(), [&](const ConsumedMessage& m, HandlerDone done) {
        seen.Attempted(m);
        if (m.partition == hung_partition.load()) return held.Hold(m, std::move(done));
        seen.Handled(m);
        done(absl::OkStatus());
      });
  ASSERT_TRUE(consumer.ok());
  const std::string probe = NewRandomId();
  ASSERT_TRUE((*producer)->Produce(topic, probe, probe + "/0").ok());
  ASSERT_TRUE(WaitFor([&] { return seen.WasHandled(probe + "/0"); }, absl::Seconds(30)));
  const int32_t hung = seen.PartitionOfKey().at(probe);
  hung_partition = hung;

  for (int i = 1; i <= 5; ++i) ASSERT_TRUE((*producer)->Produce(topic, probe, absl::StrCat(probe, "/", i)).ok());
  absl::Status progress;
  ASSERT_TRUE(WaitFor(
      [&] {
        progress = (*consumer)->Progress();
        return !progress.ok();
      },
      absl::Seconds(30)))
      << "a hung handler is reported";
  EXPECT_TRUE(absl::IsUnavailable(progress)) << progress;
  EXPECT_NE(progress.message().find(absl::StrCat(topic, "/", hung, ": 5 message(s) waiting")), absl::string_view::npos)
      << progress;
  EXPECT_NE(progress.message().find("in hand and none completed"), absl::string_view::npos) << progress;
  EXPECT_EQ(GroupGauge("csec_kafka_partitions_stalled", group), 1);
  Gauge& lag = Metrics::Get().GetGauge("csec_kafka_consumer_lag", "",
                                       Labels({{"group", group}, {"topic", topic}, {"partition", absl::StrCat(hung)}}));
  EXPECT_EQ(lag.Value(), 5);

  // The handler answers: progress resumes, readiness comes back by itself and the lag drains.
  hung_partition = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        held.Release(seen);
        return (*consumer)->Progress().ok() && lag.Value() == 0;
      },
      absl::Seconds(30)))
      << (*consumer)->Progress() << ", lag " << lag.Value();
  EXPECT_EQ(GroupGauge("csec_kafka_partitions_stalled", group), 0);
  (*consumer)->Stop();
}

TEST(Topics, KeepEventsLongerThanTheLongestDeadlineAndAgreeOnPartitions) {
  StackEnv stack = StackEnv::FromEnvironment();
  // Created by the services with the default margin: advocacy's 90 days plus 30.
  auto intake = ServiceProcess::Start("csec-intake", stack, {});
  ASSERT_TRUE(intake.ok()) << intake.status();
  absl::StatusOr<absl::Duration> retention;
  // Topics the service just created take a moment to be describable.
  EXPECT_TRUE(WaitFor(
      [&] {
        retention = DescribeRetention(stack.kafka("topics-test"), kIntakeTopic);
        return retention.ok();
      },
      absl::Seconds(10)))
      << retention.status();
  EXPECT_EQ(*retention, absl::Hours(24 * 120));

  // An existing topic that keeps too little is raised; one with another partition count is refused.
  const std::string topic = NewTopic(stack, 2);
  absl::Status raised =
      EnsureTopics(stack.kafka("topics-test"), {topic},
                   {.partitions = 2, .replication_factor = 1, .min_insync_replicas = 1, .retention = absl::Hours(5)});
  ASSERT_TRUE(raised.ok()) << raised;
  // The broker applies a config change shortly after answering it.
  EXPECT_TRUE(WaitFor(
      [&] {
        retention = DescribeRetention(stack.kafka("topics-test"), topic);
        return retention.ok() && *retention == absl::Hours(5);
      },
      absl::Seconds(10)))
      << retention.status() << " " << (retention.ok() ? absl::FormatDuration(*retention) : "");
  absl::Status mismatch =
      EnsureTopics(stack.kafka("topics-test"), {topic},
                   {.partitions = 6, .replication_factor = 1, .min_insync_replicas = 1, .retention = absl::Hours(5)});
  EXPECT_TRUE(absl::IsFailedPrecondition(mismatch)) << mismatch;
  EXPECT_NE(mismatch.message().find(topic), absl::string_view::npos) << mismatch;
}

}  // namespace
}  // namespace csec::testing
