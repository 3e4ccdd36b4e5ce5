#include "services/common/kafka/consumer_book.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace csec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const TopicPartitionId kP0{"csec.intake.v1", 0};
const TopicPartitionId kP1{"csec.intake.v1", 1};

ConsumedMessage Message(const TopicPartitionId& p, int64_t offset, std::string key = "") {
  return {.topic = p.topic,
          .partition = p.partition,
          .offset = offset,
          .key = key.empty() ? "case-" + std::to_string(offset) : key,
          .payload = "",
          .timestamp_ms = -1};
}

ConsumerBook::Options Small() {
  return {.max_in_flight_per_partition = 8,
          .max_buffered_per_partition = 3,
          .min_retry_backoff = absl::Milliseconds(100),
          .max_retry_backoff = absl::Milliseconds(400)};
}

ConsumerBook::Completion Answer(const ConsumerBook::Start& s, absl::Status status, bool dead_letter = false) {
  return {.partition = s.partition,
          .offset = s.message->offset,
          .generation = s.generation,
          .dead_letter = dead_letter,
          .status = std::move(status)};
}

TEST(ConsumerBook, AFailingPartitionPausesAloneAndTheOtherKeepsFlowing) {
  ConsumerBook book(Small());
  book.Assign({kP0, kP1});
  book.Accept(Message(kP0, 0));
  book.Accept(Message(kP1, 0));
  std::vector<ConsumerBook::Start> started = book.TakeReady(kNow);
  ASSERT_EQ(started.size(), 2u);

  EXPECT_EQ(book.Apply(Answer(started[0], absl::UnavailableError("redis away")), kNow).verdict,
            ConsumerBook::Verdict::kRetry);
  EXPECT_EQ(book.Apply(Answer(started[1], absl::OkStatus()), kNow).verdict, ConsumerBook::Verdict::kDone);
  ConsumerBook::PauseChanges changes = book.TakePauseChanges();
  EXPECT_THAT(changes.pause, ElementsAre(kP0));
  EXPECT_THAT(changes.resume, IsEmpty());

  book.Accept(Message(kP1, 1));
  book.Accept(Message(kP0, 1));
  std::vector<ConsumerBook::Start> next = book.TakeReady(kNow);
  ASSERT_EQ(next.size(), 1u) << "partition 0 holds until its retry";
  EXPECT_EQ(next[0].partition, kP1);
  EXPECT_THAT(book.TakeStores(), ElementsAre(Pair(kP0, 0), Pair(kP1, 1)));
}

TEST(ConsumerBook, RetryBackOffDoublesUpToItsCapAndASuccessResetsIt) {
  ConsumerBook book(Small());
  book.Assign({kP0});
  book.Accept(Message(kP0, 7));
  absl::Time now = kNow;
  std::vector<absl::Duration> waits;
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<ConsumerBook::Start> s = book.TakeReady(now);
    ASSERT_EQ(s.size(), 1u) << "attempt " << attempt;
    ConsumerBook::Outcome o = book.Apply(Answer(s[0], absl::UnavailableError("broker away")), now);
    waits.push_back(o.retry_in);
    if (attempt == 0) {
      EXPECT_THAT(book.TakePauseChanges().pause, ElementsAre(kP0));
    }
    EXPECT_TRUE(book.TakeReady(now + o.retry_in - absl::Milliseconds(1)).empty()) << "not before its time";
    EXPECT_EQ(book.IdleWait(now, absl::Seconds(1)), o.retry_in);
    now += o.retry_in;
  }
  EXPECT_THAT(waits, ElementsAre(absl::Milliseconds(100), absl::Milliseconds(200), absl::Milliseconds(400),
                                 absl::Milliseconds(400)));
  std::vector<ConsumerBook::Start> s = book.TakeReady(now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_THAT(book.TakePauseChanges().resume, ElementsAre(kP0)) << "the retry started: fetching resumes";
  EXPECT_EQ(book.Apply(Answer(s[0], absl::OkStatus()), now).verdict, ConsumerBook::Verdict::kDone);
  book.Accept(Message(kP0, 8));
  std::vector<ConsumerBook::Start> again = book.TakeReady(now);
  EXPECT_EQ(book.Apply(Answer(again[0], absl::UnavailableError("again")), now).retry_in, absl::Milliseconds(100));
}

TEST(ConsumerBook, APermanentFailureIsDeadLetteredThenStored) {
  ConsumerBook book(Small());
  book.Assign({kP0});
  book.Accept(Message(kP0, 3));
  std::vector<ConsumerBook::Start> s = book.TakeReady(kNow);
  ConsumerBook::Completion bad = Answer(s[0], absl::InvalidArgumentError("no body"));
  EXPECT_EQ(book.Apply(bad, kNow).verdict, ConsumerBook::Verdict::kDeadLetter);
  ASSERT_NE(book.Find(kP0, 3), nullptr) << "the payload is still at hand for the dead letter";
  EXPECT_THAT(book.TakeStores(), ElementsAre(Pair(kP0, 3))) << "not past it until the dead letter is written";

  // The dead-letter topic refused: retried like any transient failure, never skipped.
  EXPECT_EQ(book.Apply(Answer(s[0], absl::UnavailableError("dlq away"), /*dead_letter=*/true), kNow).verdict,
            ConsumerBook::Verdict::kRetry);
  std::vector<ConsumerBook::Start> retried = book.TakeReady(kNow + absl::Seconds(1));
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(book.Apply(Answer(retried[0], absl::InvalidArgumentError("no body")), kNow).verdict,
            ConsumerBook::Verdict::kDeadLetter);
  EXPECT_EQ(book.Apply(Answer(retried[0], absl::OkStatus(), /*dead_letter=*/true), kNow).verdict,
            ConsumerBook::Verdict::kDone);
  EXPECT_THAT(book.TakeStores(), ElementsAre(Pair(kP0, 4)));
}

TEST(ConsumerBook, RevokeReportsWhereEachPartitionStandsAndLateAnswersChangeNothing) {
  ConsumerBook book(Small());
  book.Assign({kP0, kP1});
  for (int64_t o = 10; o < 13; ++o) book.Accept(Message(kP0, o));
  std::vector<ConsumerBook::Start> s = book.TakeReady(kNow);
  ASSERT_EQ(s.size(), 3u);
  book.Apply(Answer(s[0], absl::OkStatus()), kNow);
  book.Apply(Answer(s[2], absl::OkStatus()), kNow);
  EXPECT_EQ(book.InFlight({kP0}), 1u);

  // 11 never finished: the commit must stay at 11 so the next owner handles it again.
  EXPECT_THAT(book.Revoke({kP0, kP1}), ElementsAre(Pair(kP0, 11)));
  EXPECT_EQ(book.assigned(), 0);
  EXPECT_EQ(book.Apply(Answer(s[1], absl::OkStatus()), kNow).verdict, ConsumerBook::Verdict::kIgnored);

  // Assigned again: a new generation, so the old answer still changes nothing.
  book.Assign({kP0});
  EXPECT_FALSE(book.Accept(Message(kP1, 0))) << "a partition not owned is not taken";
  book.Accept(Message(kP0, 11));
  std::vector<ConsumerBook::Start> fresh = book.TakeReady(kNow);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_NE(fresh[0].generation, s[1].generation);
  EXPECT_EQ(book.Apply(Answer(s[1], absl::OkStatus()), kNow).verdict, ConsumerBook::Verdict::kIgnored);
  EXPECT_EQ(book.InFlight({kP0}), 1u);
}

TEST(ConsumerBook, AFullBufferPausesFetchingUntilItDrains) {
  ConsumerBook book({.max_in_flight_per_partition = 1,
                     .max_buffered_per_partition = 2,
                     .min_retry_backoff = absl::Milliseconds(100),
                     .max_retry_backoff = absl::Seconds(1)});
  book.Assign({kP0});
  for (int64_t o = 0; o < 3; ++o) book.Accept(Message(kP0, o));
  std::vector<ConsumerBook::Start> s = book.TakeReady(kNow);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_THAT(book.TakePauseChanges().pause, ElementsAre(kP0)) << "two waiting: the buffer is full";
  EXPECT_EQ(book.paused(), 1);
  book.Apply(Answer(s[0], absl::OkStatus()), kNow);
  book.TakeReady(kNow);
  EXPECT_THAT(book.TakePauseChanges().resume, ElementsAre(kP0));
  EXPECT_EQ(book.paused(), 0);
}

TEST(ConsumerBook, PermanentFailuresAreTheOnesRetryingCannotFix) {
  EXPECT_TRUE(IsPermanentFailure(absl::InvalidArgumentError("")));
  EXPECT_TRUE(IsPermanentFailure(absl::FailedPreconditionError("")));
  EXPECT_TRUE(IsPermanentFailure(absl::DataLossError("")));
  EXPECT_FALSE(IsPermanentFailure(absl::UnavailableError("")));
  EXPECT_FALSE(IsPermanentFailure(absl::DeadlineExceededError("")));
  EXPECT_FALSE(IsPermanentFailure(absl::InternalError("")));
}

}  // namespace
}  // namespace csec
