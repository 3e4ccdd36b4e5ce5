// What a consumer decides for the partitions it owns, apart from librdkafka so it is tested
// without a broker: per partition a PartitionPipeline (what may start, what may be stored), the
// assignment generation (so a late answer for a revoked partition changes nothing), its retry
// back-off (doubling on each failure, reset by a success), and whether its fetching should be
// paused (waiting to retry, or too much fetched and unstarted).
//
//   ConsumerBook book(options);
//   book.Assign({{"csec.intake.v1", 0}});
//   book.Accept(message);
//   for (const auto& start : book.TakeReady(now)) handler(*start.message, ...start.generation...);
//   switch (book.Apply(completion, now).verdict) { ... }     // done, dead-letter it, retry later
//   for (const auto& [partition, offset] : book.TakeStores()) store(partition, offset);
//   ConsumerBook::PauseChanges changes = book.TakePauseChanges();
//   std::vector<PartitionOffset> commit = book.Revoke(ids);  // after the work in hand finished
//
// Not thread-safe: owned by the consumer's loop thread.
#ifndef CSEC_SERVICES_COMMON_KAFKA_CONSUMER_BOOK_H_
#define CSEC_SERVICES_COMMON_KAFKA_CONSUMER_BOOK_H_

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_message.h"
#include "services/common/kafka/partition_pipeline.h"

namespace csec {

using PartitionOffset = std::pair<TopicPartitionId, int64_t>;

// InvalidArgument, FailedPrecondition, NotFound, DataLoss, OutOfRange: the same message will fail
// the same way again, so it is dead-lettered instead of retried.
bool IsPermanentFailure(const absl::Status& status);

class ConsumerBook {
 public:
  struct Options {
    size_t max_in_flight_per_partition = 256;
    bool one_at_a_time_per_key = true;  // PartitionPipeline::Options::one_at_a_time_per_key
    size_t max_buffered_per_partition = 2048;
    absl::Duration min_retry_backoff = absl::Milliseconds(100);
    absl::Duration max_retry_backoff = absl::Seconds(5);
  };
  // A handler's (or a dead-letter send's) answer for one message.
  struct Completion {
    TopicPartitionId partition;
    int64_t offset = 0;
    uint64_t generation = 0;   // as handed out by TakeReady
    bool dead_letter = false;  // the answer to sending the message to the dead-letter topic
    absl::Status status;
  };
  enum class Verdict {
    kIgnored,     // for a partition no longer owned (or re-assigned since): nothing to do
    kDone,        // handled or dead-lettered: its offset may be stored
    kDeadLetter,  // failed for good: send it to the dead-letter topic, then Apply that answer
    kRetry,       // failed in a way a retry may fix: it starts again after `retry_in`
  };
  struct Outcome {
    Verdict verdict = Verdict::kIgnored;
    absl::Duration retry_in;
  };
  struct Start {
    TopicPartitionId partition;
    uint64_t generation = 0;
    const ConsumedMessage* message = nullptr;  // valid until its completion is applied
  };
  struct PauseChanges {
    std::vector<TopicPartitionId> pause;
    std::vector<TopicPartitionId> resume;
  };
  // Where one owned partition stands, for the stall watch (consumer_stall.h).
  struct PartitionState {
    TopicPartitionId partition = {};
    uint64_t generation = 0;
    std::optional<int64_t> fetched_next = std::nullopt;  // after the last message taken since assignment
    std::optional<int64_t> handled_next = std::nullopt;  // after the last message completed with all before it
    size_t unfinished = 0;                               // taken and not completed
    bool paused = false;
    bool retrying = false;  // a failed message waits for its retry
  };

  explicit ConsumerBook(Options options) : options_(options) {}

  // New partitions start empty, unpaused, with a new generation.
  void Assign(const std::vector<TopicPartitionId>& partitions);
  // Forgets the partitions and returns where each stands (the offset to commit), for those that
  // had any message. Work still in flight is abandoned: its answer will be kIgnored.
  std::vector<PartitionOffset> Revoke(const std::vector<TopicPartitionId>& partitions);
  std::vector<TopicPartitionId> Owned() const;

  // A fetched message; false (and dropped) when its partition is not owned.
  bool Accept(ConsumedMessage message);
  std::vector<Start> TakeReady(absl::Time now);
  Outcome Apply(const Completion& completion, absl::Time now);
  // The message of an in-flight offset (for the dead-letter topic), or null.
  const ConsumedMessage* Find(const TopicPartitionId& partition, int64_t offset) const;

  // Offsets that moved since the last call: safe to store.
  std::vector<PartitionOffset> TakeStores();
  // Where `partitions` stand now (for commits).
  std::vector<PartitionOffset> Committable(const std::vector<TopicPartitionId>& partitions) const;
  // Partitions whose fetching should now pause or resume.
  PauseChanges TakePauseChanges();

  std::vector<PartitionState> States() const;

  size_t InFlight(const std::vector<TopicPartitionId>& partitions) const;
  // How long the loop may wait for news before a retry falls due (at most `longest`).
  absl::Duration IdleWait(absl::Time now, absl::Duration longest) const;
  int paused() const;
  int assigned() const { return static_cast<int>(partitions_.size()); }

 private:
  struct Partition {
    PartitionPipeline pipeline;
    uint64_t generation = 0;
    bool paused = false;
    absl::Duration backoff;
  };
  Partition* FindCurrent(const TopicPartitionId& id, uint64_t generation);

  Options options_;
  std::map<TopicPartitionId, Partition> partitions_;
  uint64_t generations_ = 0;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_CONSUMER_BOOK_H_
