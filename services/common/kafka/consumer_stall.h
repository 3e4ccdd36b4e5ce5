// The consumer's watchdog decision, apart from librdkafka so it is tested without a broker: does a
// partition this member owns have messages waiting (by the broker's high watermark, not by what
// the consumer believes) and has it made no progress on them for `stall_after`? Whatever the
// cause (a partition librdkafka left paused after a rebalance, a handler that never answers, a
// retry that never succeeds), the answer is the same, and readiness reports it.
//
//   ConsumerStallWatch watch(absl::Seconds(30));
//   std::vector<PartitionLook> looks = ...;   // ConsumerBook::States() plus broker offsets
//   for (const PartitionVerdict& v : watch.Look(looks, absl::Now())) lag_gauge(v.partition).Set(v.lag);
//
// Progress is any move of the partition's fetch or handled position, or a new assignment.
// Not thread-safe: one watchdog thread owns it.
#ifndef CSEC_SERVICES_COMMON_KAFKA_CONSUMER_STALL_H_
#define CSEC_SERVICES_COMMON_KAFKA_CONSUMER_STALL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/common/kafka/consumer_book.h"

namespace csec {

struct PartitionLook {
  ConsumerBook::PartitionState state = {};
  // From the broker; nullopt when it did not answer this time (the last answer is kept).
  std::optional<int64_t> low_watermark = std::nullopt;
  std::optional<int64_t> high_watermark = std::nullopt;
  // The group's committed offset, asked only while nothing was taken since assignment; nullopt
  // when unknown or none (then consuming starts at the low watermark: auto.offset.reset=earliest).
  std::optional<int64_t> committed = std::nullopt;
};

struct PartitionVerdict {
  TopicPartitionId partition = {};
  std::optional<int64_t> lag =
      std::nullopt;  // messages on the broker not yet handled; nullopt until the broker answered
  bool stalled = false;
  absl::Duration without_progress = absl::ZeroDuration();  // how long messages have waited with no progress
  std::string reason = {};                                 // when stalled: what the partition is doing, in words
  // Stalled with nothing taken from the broker while the consumer believes fetching runs: worth
  // telling librdkafka to resume the partition again.
  bool fetch_stopped_unpaused = false;
};

class ConsumerStallWatch {
 public:
  explicit ConsumerStallWatch(absl::Duration stall_after) : stall_after_(stall_after) {}

  // One look at every owned partition; forgets partitions not in `looks` (no longer owned).
  std::vector<PartitionVerdict> Look(const std::vector<PartitionLook>& looks, absl::Time now);

 private:
  struct Memory {
    uint64_t generation = 0;
    std::optional<int64_t> fetched_next = std::nullopt;
    std::optional<int64_t> handled_next = std::nullopt;
    std::optional<int64_t> low_watermark = std::nullopt;
    std::optional<int64_t> high_watermark = std::nullopt;
    absl::Time progress_at = {};  // last progress, or when messages started waiting
  };

  const absl::Duration stall_after_;
  std::map<TopicPartitionId, Memory> memory_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_CONSUMER_STALL_H_
