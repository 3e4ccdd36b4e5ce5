#include "services/common/kafka/partition_pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace csec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

ConsumedMessage Message(int64_t offset, std::string key) {
  return {.topic = "t", .partition = 0, .offset = offset, .key = std::move(key), .payload = "", .timestamp_ms = -1};
}

std::vector<int64_t> Offsets(const std::vector<const ConsumedMessage*>& messages) {
  std::vector<int64_t> out;
  for (const ConsumedMessage* m : messages) out.push_back(m->offset);
  return out;
}

TEST(PartitionPipeline, DifferentKeysRunTogetherSameKeyWaitsItsTurn) {
  PartitionPipeline p({.max_in_flight = 10});
  p.Add(Message(10, "case-a"));
  p.Add(Message(11, "case-b"));
  p.Add(Message(12, "case-a"));
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(10, 11));
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), IsEmpty()) << "12 waits for 10, an earlier event of its case";
  p.Completed(10);
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(12));
}

TEST(PartitionPipeline, StoresOnlyPastTheHighestContiguousCompletion) {
  PartitionPipeline p({.max_in_flight = 10});
  for (int64_t o = 100; o < 104; ++o) p.Add(Message(o, "k" + std::to_string(o)));
  ASSERT_EQ(p.TakeReady(kNow).size(), 4u);
  EXPECT_EQ(p.TakeCommittable(), 100) << "nothing done yet: the position itself";
  p.Completed(102);
  p.Completed(103);
  EXPECT_EQ(p.TakeCommittable(), std::nullopt) << "100 is still open: storing past it could lose it";
  p.Completed(100);
  EXPECT_EQ(p.TakeCommittable(), 101);
  p.Completed(101);
  EXPECT_EQ(p.TakeCommittable(), 104);
  EXPECT_EQ(p.TakeCommittable(), std::nullopt) << "no movement, nothing to store again";
  EXPECT_EQ(p.Committable(), 104);
}

TEST(PartitionPipeline, MaxInFlightBoundsWhatStarts) {
  PartitionPipeline p({.max_in_flight = 2});
  for (int64_t o = 0; o < 5; ++o) p.Add(Message(o, "k" + std::to_string(o)));
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(0, 1));
  EXPECT_EQ(p.buffered(), 3u);
  p.Completed(1);
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(2));
}

TEST(PartitionPipeline, AFailedMessageHoldsThePartitionUntilItsRetry) {
  PartitionPipeline p({.max_in_flight = 10});
  p.Add(Message(0, "a"));
  p.Add(Message(1, "b"));
  ASSERT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(0, 1));
  p.Add(Message(2, "c"));
  p.Failed(0, kNow + absl::Seconds(1));
  EXPECT_TRUE(p.waiting_to_retry());
  EXPECT_EQ(p.NextRetry(), kNow + absl::Seconds(1));
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), IsEmpty()) << "paused: 2 must not start before 0 is retried";
  p.Completed(1);  // what was already in flight still completes
  EXPECT_EQ(p.TakeCommittable(), 0);
  EXPECT_THAT(Offsets(p.TakeReady(kNow + absl::Seconds(1))), ElementsAre(0, 2)) << "the retry, then the rest";
  EXPECT_FALSE(p.waiting_to_retry());
  p.Completed(0);
  p.Completed(2);
  EXPECT_EQ(p.TakeCommittable(), 3);
}

TEST(PartitionPipeline, ARetriedMessageKeepsItsKeyBusy) {
  PartitionPipeline p({.max_in_flight = 10});
  p.Add(Message(0, "a"));
  p.Add(Message(1, "a"));
  ASSERT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(0));
  p.Failed(0, kNow);
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(0)) << "retry due now";
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), IsEmpty()) << "1 still waits for 0";
  p.Completed(0);
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(1));
}

TEST(PartitionPipeline, UnorderedKeysStartTogetherAndStoreInOrder) {
  // Paging's deliveries: the responder's and the advocate's pages share a case id (the key)
  // and must not wait for each other; what is stored still never passes an open message.
  PartitionPipeline p({.max_in_flight = 3, .one_at_a_time_per_key = false});
  p.Add(Message(0, "case-a"));
  p.Add(Message(1, "case-a"));
  p.Add(Message(2, "case-b"));
  p.Add(Message(3, "case-a"));
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(0, 1, 2)) << "one key, all at once, up to max_in_flight";
  EXPECT_EQ(p.buffered(), 1u);
  p.Completed(1);
  EXPECT_EQ(p.TakeCommittable(), 0) << "0 is still open";
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(3)) << "3 starts though 0, of its key, is in flight";
  p.Completed(3);
  p.Completed(2);
  EXPECT_EQ(p.TakeCommittable(), std::nullopt);
  p.Completed(0);
  EXPECT_EQ(p.TakeCommittable(), 4);

  // A failure still holds the partition until its retry, and the retry starts without waiting
  // for its key's other message.
  p.Add(Message(4, "case-a"));
  p.Add(Message(5, "case-a"));
  ASSERT_THAT(Offsets(p.TakeReady(kNow)), ElementsAre(4, 5));
  p.Failed(4, kNow + absl::Seconds(1));
  p.Add(Message(6, "case-c"));
  EXPECT_THAT(Offsets(p.TakeReady(kNow)), IsEmpty());
  EXPECT_THAT(Offsets(p.TakeReady(kNow + absl::Seconds(1))), ElementsAre(4, 6));
  p.Completed(5);
  p.Completed(6);
  EXPECT_EQ(p.TakeCommittable(), std::nullopt);
  p.Completed(4);
  EXPECT_EQ(p.TakeCommittable(), 7);
  EXPECT_EQ(p.in_flight(), 0u);
}

TEST(PartitionPipeline, CompletionsOfUnknownOrRepeatedOffsetsChangeNothing) {
  // After a revoke and a new assignment the consumer starts a fresh pipeline; a late completion
  // from the old one, or a doubled one, must not move the stored offset.
  PartitionPipeline p({.max_in_flight = 10});
  p.Add(Message(5, "a"));
  p.Add(Message(6, "b"));
  ASSERT_EQ(p.TakeReady(kNow).size(), 2u);
  p.Completed(99);
  p.Completed(6);
  p.Completed(6);
  EXPECT_EQ(p.in_flight(), 1u);
  EXPECT_EQ(p.Committable(), 5);
}

TEST(PartitionPipeline, EmptyPipelineHasNothingToStore) {
  PartitionPipeline p({});
  EXPECT_EQ(p.TakeCommittable(), std::nullopt);
  EXPECT_EQ(p.NextRetry(), std::nullopt);
}

}  // namespace
}  // namespace csec
