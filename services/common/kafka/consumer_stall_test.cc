#include "services/common/kafka/consumer_stall.h"

#include <gtest/gtest.h>

namespace csec {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);
const TopicPartitionId kP0{"csec.routing.v1", 0};
const absl::Duration kBound = absl::Seconds(30);

// A partition as the book sees it, with the broker's answer.
PartitionLook Look(ConsumerBook::PartitionState state, std::optional<int64_t> high,
                   std::optional<int64_t> committed = std::nullopt) {
  state.partition = kP0;
  return {.state = state, .low_watermark = 0, .high_watermark = high, .committed = committed};
}

PartitionVerdict Only(ConsumerStallWatch& watch, const PartitionLook& look, absl::Time now) {
  std::vector<PartitionVerdict> v = watch.Look({look}, now);
  EXPECT_EQ(v.size(), 1u);
  return v.at(0);
}

TEST(ConsumerStallWatch, APartitionNeverFetchedAfterAssignmentIsStalledOnceTheBoundPasses) {
  // The rebalance bug: assigned at generation 2, committed at 100, the broker holds 8129, and
  // nothing is ever taken.
  ConsumerStallWatch watch(kBound);
  const ConsumerBook::PartitionState idle{.generation = 2};
  PartitionVerdict first = Only(watch, Look(idle, 8129, 100), kStart);
  EXPECT_FALSE(first.stalled);
  EXPECT_EQ(first.lag, 8029);

  PartitionVerdict before = Only(watch, Look(idle, 8129, 100), kStart + kBound - absl::Seconds(1));
  EXPECT_FALSE(before.stalled);

  PartitionVerdict after = Only(watch, Look(idle, 9000, 100), kStart + kBound);
  EXPECT_TRUE(after.stalled);
  EXPECT_EQ(after.lag, 8900) << "lag follows the broker while stalled";
  EXPECT_TRUE(after.fetch_stopped_unpaused);
  EXPECT_NE(after.reason.find("8900 message(s) waiting"), std::string::npos) << after.reason;
  EXPECT_NE(after.reason.find("none taken although fetching should run"), std::string::npos) << after.reason;
}

TEST(ConsumerStallWatch, ProgressOfTheFetchOrOfTheHandlingRestartsTheClock) {
  ConsumerStallWatch watch(kBound);
  ConsumerBook::PartitionState s{.generation = 1, .fetched_next = 10, .handled_next = 5, .unfinished = 5};
  Only(watch, Look(s, 1000), kStart);
  s.handled_next = 6;  // one more handled
  EXPECT_FALSE(Only(watch, Look(s, 1000), kStart + absl::Seconds(29)).stalled);
  s.fetched_next = 20;  // more taken, nothing handled
  EXPECT_FALSE(Only(watch, Look(s, 1000), kStart + absl::Seconds(58)).stalled);
  PartitionVerdict stuck = Only(watch, Look(s, 1000), kStart + absl::Seconds(88));
  EXPECT_TRUE(stuck.stalled);
  EXPECT_EQ(stuck.without_progress, absl::Seconds(30));
  EXPECT_EQ(stuck.lag, 994);
  EXPECT_FALSE(stuck.fetch_stopped_unpaused) << "messages in hand: librdkafka is not the one stuck";
}

TEST(ConsumerStallWatch, NothingWaitingIsNeverStalledHoweverLongItIsQuiet) {
  ConsumerStallWatch watch(kBound);
  const ConsumerBook::PartitionState caught_up{.generation = 1, .fetched_next = 50, .handled_next = 50};
  Only(watch, Look(caught_up, 50), kStart);
  PartitionVerdict later = Only(watch, Look(caught_up, 50), kStart + absl::Hours(5));
  EXPECT_FALSE(later.stalled);
  EXPECT_EQ(later.lag, 0);
  // A message arriving after a long quiet starts its own clock: not stalled at once.
  EXPECT_FALSE(Only(watch, Look(caught_up, 51), kStart + absl::Hours(5) + absl::Seconds(1)).stalled);
  EXPECT_TRUE(Only(watch, Look(caught_up, 51), kStart + absl::Hours(5) + absl::Seconds(31)).stalled);
}

TEST(ConsumerStallWatch, AHandlerThatNeverAnswersAndAFailingRetryAreNamed) {
  ConsumerStallWatch hung(kBound);
  const ConsumerBook::PartitionState in_hand{
      .generation = 1, .fetched_next = 3, .handled_next = 0, .unfinished = 3, .paused = true};
  Only(hung, Look(in_hand, 3), kStart);
  PartitionVerdict h = Only(hung, Look(in_hand, 3), kStart + kBound);
  EXPECT_TRUE(h.stalled);
  EXPECT_NE(h.reason.find("3 message(s) in hand and none completed (fetching paused"), std::string::npos) << h.reason;

  ConsumerStallWatch retrying(kBound);
  const ConsumerBook::PartitionState failing{
      .generation = 1, .fetched_next = 1, .handled_next = 0, .unfinished = 1, .paused = true, .retrying = true};
  Only(retrying, Look(failing, 1), kStart);
  PartitionVerdict r = Only(retrying, Look(failing, 1), kStart + kBound);
  EXPECT_TRUE(r.stalled);
  EXPECT_NE(r.reason.find("being retried"), std::string::npos) << r.reason;
}

TEST(ConsumerStallWatch, ANewAssignmentIsProgressAndABrokerThatDoesNotAnswerKeepsTheLastEnd) {
  ConsumerStallWatch watch(kBound);
  ConsumerBook::PartitionState s{.generation = 1};
  Only(watch, Look(s, 500, 0), kStart);
  s.generation = 2;  // revoked and assigned again
  EXPECT_FALSE(Only(watch, Look(s, 500, 0), kStart + absl::Seconds(40)).stalled);
  PartitionVerdict unanswered = Only(watch, Look(s, std::nullopt, 0), kStart + absl::Seconds(70));
  EXPECT_TRUE(unanswered.stalled);
  EXPECT_EQ(unanswered.lag, 500);
}

TEST(ConsumerStallWatch, ACommittedOffsetRetentionDeletedPastIsNotWaiting) {
  // Committed at 100 long ago; retention since deleted everything up to the end, 250.
  ConsumerStallWatch watch(kBound);
  const ConsumerBook::PartitionState idle{.generation = 1};
  PartitionLook look = Look(idle, 250, 100);
  look.low_watermark = 250;
  Only(watch, look, kStart);
  const PartitionVerdict later = Only(watch, look, kStart + absl::Hours(1));
  EXPECT_FALSE(later.stalled);
  EXPECT_EQ(later.lag, 0);
}

TEST(ConsumerStallWatch, APartitionNoLongerOwnedIsForgotten) {
  ConsumerStallWatch watch(kBound);
  const ConsumerBook::PartitionState s{.generation = 1};
  Only(watch, Look(s, 500, 0), kStart);
  EXPECT_TRUE(watch.Look({}, kStart + absl::Seconds(10)).empty());
  // Owned again later (same generation number is impossible, but the clock must restart anyway).
  EXPECT_FALSE(Only(watch, Look(s, 500, 0), kStart + absl::Seconds(40)).stalled);
}

}  // namespace
}  // namespace csec
