// The shared consumer on the real broker: a handler failing on one partition holds up only that
// partition (the others keep flowing, the failed message is retried until it succeeds, in
// order), handlers complete asynchronously, and an orderly Stop commits what was handled, so
// the group's next member starts after it. Topic creation: partitions and retention.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/events.h"
#include "services/common/ids.h"
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
  absl::Status made = EnsureTopics(stack.kafka("consumer-test"), {topic},
                                   {.partitions = partitions, .replication_factor = 1, .min_insync_replicas = 1,
                                    .retention = absl::Hours(1)});
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
  auto consumer = KafkaConsumer::Start(
      {.kafka = stack.kafka("consumer-test"), .group_id = absl::StrCat("consumer-test-", NewRandomId()),
       .topics = {topic}, .min_retry_backoff = absl::Milliseconds(50), .max_retry_backoff = absl::Milliseconds(200)},
      producer->get(), [&](const ConsumedMessage& m, HandlerDone done) {
        seen.Attempted(m);
        if (m.partition == failing_partition.load()) return done(absl::UnavailableError("dependency away (test)"));
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
    for (const std::string& key : keys) ASSERT_TRUE((*producer)->Produce(topic, key, absl::StrCat(key, "/", event)).ok());
  }
  ASSERT_TRUE(WaitFor([&] {
    for (const std::string& key : other_keys) {
      if (!seen.WasHandled(key + "/2")) return false;
    }
    return true;
  }, absl::Seconds(30))) << "the healthy partition kept flowing";
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

TEST(Topics, KeepEventsLongerThanTheLongestDeadlineAndAgreeOnPartitions) {
  StackEnv stack = StackEnv::FromEnvironment();
  // Created by the services with the default margin: advocacy's 90 days plus 30.
  auto intake = ServiceProcess::Start("csec-intake", stack, {});
  ASSERT_TRUE(intake.ok()) << intake.status();
  absl::StatusOr<absl::Duration> retention;
  // Topics the service just created take a moment to be describable.
  EXPECT_TRUE(WaitFor([&] {
    retention = DescribeRetention(stack.kafka("topics-test"), kIntakeTopic);
    return retention.ok();
  }, absl::Seconds(10))) << retention.status();
  EXPECT_EQ(*retention, absl::Hours(24 * 120));

  // An existing topic that keeps too little is raised; one with another partition count is refused.
  const std::string topic = NewTopic(stack, 2);
  absl::Status raised = EnsureTopics(stack.kafka("topics-test"), {topic},
                                     {.partitions = 2, .replication_factor = 1, .min_insync_replicas = 1,
                                      .retention = absl::Hours(5)});
  ASSERT_TRUE(raised.ok()) << raised;
  // The broker applies a config change shortly after answering it.
  EXPECT_TRUE(WaitFor([&] {
    retention = DescribeRetention(stack.kafka("topics-test"), topic);
    return retention.ok() && *retention == absl::Hours(5);
  }, absl::Seconds(10))) << retention.status() << " " << (retention.ok() ? absl::FormatDuration(*retention) : "");
  absl::Status mismatch = EnsureTopics(stack.kafka("topics-test"), {topic},
                                       {.partitions = 6, .replication_factor = 1, .min_insync_replicas = 1,
                                        .retention = absl::Hours(5)});
  EXPECT_TRUE(absl::IsFailedPrecondition(mismatch)) << mismatch;
  EXPECT_NE(mismatch.message().find(topic), absl::string_view::npos) << mismatch;
}

}  // namespace
}  // namespace csec::testing
