// EventProducer over a recording MessageProducer whose acknowledgements the test gives by hand,
// in any order, the way a broker's delivery reports arrive.
#include "services/common/runtime/event_producer.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "services/common/domain/events.h"

namespace csec {
namespace {

using csec::dispatch::v1::Envelope;

class RecordingProducer final : public MessageProducer {
 public:
  struct Sent {
    std::string topic, key, value;
    ProduceDone done;
  };
  absl::Status Produce(absl::string_view topic, absl::string_view key, absl::string_view value, absl::Time) override {
    absl::MutexLock lock(&mu_);
    sent_.push_back({std::string(topic), std::string(key), std::string(value), nullptr});
    return absl::OkStatus();
  }
  void ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value,
                    ProduceDone done) override {
    absl::MutexLock lock(&mu_);
    sent_.push_back({std::string(topic), std::string(key), std::string(value), std::move(done)});
  }
  // Answers the i-th message sent.
  void Answer(size_t i, absl::Status status) {
    ProduceDone done;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(sent_.at(i).done);
    }
    done(std::move(status));
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return sent_.size();
  }
  Sent at(size_t i) {
    absl::MutexLock lock(&mu_);
    return {sent_.at(i).topic, sent_.at(i).key, sent_.at(i).value, nullptr};
  }

 private:
  absl::Mutex mu_;
  std::vector<Sent> sent_;
};

Envelope Event(const std::string& id, const std::string& case_id) {
  Envelope e = NewEnvelope(id, case_id, "timers", absl::FromUnixSeconds(1000));
  e.mutable_deadline_armed()->set_deadline_id("responder_arrival");
  return e;
}

TEST(EventProducer, SendsTheWholeEnvelopeOntoItsTopicKeyedByCase) {
  RecordingProducer messages;
  EventProducer events(&messages, kPagingTopic);
  ASSERT_TRUE(events.Produce(Event("e-1", "case-1")).ok());
  ASSERT_EQ(messages.count(), 1u);
  EXPECT_EQ(messages.at(0).topic, kPagingTopic);
  EXPECT_EQ(messages.at(0).key, "case-1");
  absl::StatusOr<Envelope> parsed = ParseEnvelope(messages.at(0).value);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->event_id(), "e-1");
  EXPECT_EQ(parsed->deadline_armed().deadline_id(), "responder_arrival");
}

TEST(EventProducer, ProduceAllAnswersOnceAfterEveryAcknowledgementWithTheFirstFailure) {
  RecordingProducer messages;
  EventProducer events(&messages, kTimersTopic);
  std::optional<absl::Status> answer;
  int answers = 0;
  events.ProduceAllAsync({Event("e-1", "c"), Event("e-2", "c"), Event("e-3", "c")}, [&](absl::Status s) {
    answer = std::move(s);
    ++answers;
  });
  ASSERT_EQ(messages.count(), 3u) << "all queued at once, not one after another's answer";
  messages.Answer(2, absl::OkStatus());
  messages.Answer(0, absl::UnavailableError("broker away"));
  EXPECT_EQ(answers, 0) << "answered before every message had its answer";
  messages.Answer(1, absl::DeadlineExceededError("timed out"));
  ASSERT_EQ(answers, 1);
  EXPECT_EQ(answer->code(), absl::StatusCode::kUnavailable) << *answer;
}

TEST(EventProducer, ProduceAllOfNothingAnswersOkAtOnce) {
  RecordingProducer messages;
  EventProducer events(&messages, kTimersTopic);
  std::optional<absl::Status> answer;
  events.ProduceAllAsync({}, [&](absl::Status s) { answer = std::move(s); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_TRUE(answer->ok());
}

TEST(EventProducer, ProduceAllWaitsForTheAnswersGivenOnAnotherThread) {
  RecordingProducer messages;
  EventProducer events(&messages, kMedicalTopic);
  std::thread broker([&] {
    // The broker answers whatever was queued, as its delivery reports would.
    size_t answered = 0;
    while (answered < 2) {
      if (messages.count() > answered)
        messages.Answer(answered++, absl::OkStatus());
      else
        std::this_thread::yield();
    }
  });
  EXPECT_TRUE(events.ProduceAll({Event("e-1", "c"), Event("e-2", "c")}).ok());
  broker.join();
}

TEST(EventProducer, ProduceAllGivesUpAtItsDeadlineAndTheLateAnswerIsHarmless) {
  RecordingProducer messages;
  EventProducer events(&messages, kMedicalTopic);
  absl::Status waited = events.ProduceAll({Event("e-1", "c")}, absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(waited.code(), absl::StatusCode::kDeadlineExceeded) << waited;
  messages.Answer(0, absl::OkStatus());  // after the caller left: must not touch its stack
}

}  // namespace
}  // namespace csec
