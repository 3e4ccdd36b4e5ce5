// Following one topic live, outside any consumer group: every partition, from positions the
// caller kept (a resume token) or from the current end. For streams to one client (the paging
// service's WatchPages), where each reader has its own place in the topic and nothing may be
// committed for it. Tuned for latency (fetch.wait.max.ms 10, fetch.min.bytes 1), not throughput.
//
//   auto tail = TopicTail::Open(settings, kPagingTopic, std::nullopt);   // from the end
//   if (!tail.ok()) return tail.status();
//   Send((*tail)->positions());                 // where this reader starts
//   while (!cancelled) {
//     absl::StatusOr<std::optional<ConsumedMessage>> m = (*tail)->Next(absl::Milliseconds(200));
//     if (!m.ok()) return m.status();           // the topic is gone, or Kafka failed for good
//     if (!m->has_value()) continue;            // nothing new yet
//     Use(**m, (*tail)->positions());           // positions now include this message
//   }
//
// Positions are per partition "the next offset not yet returned": handing them to a later
// Open neither repeats nor skips a message. A partition the positions do not name starts at
// its beginning (so does one the topic gains after Open: new partitions are picked up every
// 30 s). A position older than what the topic still retains starts at the oldest retained
// message; one past a partition's end (the topic was recreated, or the positions are from
// another cluster) is refused by Open with OutOfRange.
//
// Brokers that go away and come back are waited out (Next keeps answering "nothing yet", and
// reconnects within a second of their return); Next fails only when the topic no longer exists
// (noticed within 30 s), reading it is not authorized, or the client hit a fatal error.
//
// No consumer group is involved at all (librdkafka's simple consumer: no group id, nothing
// committed, no coordinator), so any number of tails read the same topic independently.
//
// Threads: not thread-safe. One owner opens it, calls Next and positions() from one thread at
// a time, and destroys it (at once: nothing to commit). Each TopicTail is its own librdkafka
// client (a few threads, a connection per broker, up to 4 MB read ahead), so one per stream.
#ifndef CSEC_SERVICES_COMMON_KAFKA_TOPIC_TAIL_H_
#define CSEC_SERVICES_COMMON_KAFKA_TOPIC_TAIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_message.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec {

class TopicTail {
 public:
  // Reads `topic` from `from` (partition → next offset; nullopt: from the current end of every
  // partition). Waits up to `timeout` for the cluster's answers: Unavailable when it does not
  // answer in time, NotFound when the topic does not exist, InvalidArgument for a negative
  // offset, OutOfRange for a partition the topic lacks or an offset past a partition's end.
  static absl::StatusOr<std::unique_ptr<TopicTail>> Open(const KafkaSettings& settings, const std::string& topic,
                                                         std::optional<std::map<int32_t, int64_t>> from,
                                                         absl::Duration timeout = absl::Seconds(10));

  // The next message of any partition (each partition in order), waiting up to `timeout`;
  // nullopt when none came in time. An error when the topic was deleted, reading it is not
  // authorized, or the client failed fatally: the tail is finished then.
  absl::StatusOr<std::optional<ConsumedMessage>> Next(absl::Duration timeout);

  // For every partition of the topic: the next offset not yet returned by Next. Right after
  // Open from the end: the partitions' end offsets.
  const std::map<int32_t, int64_t>& positions() const;

  const std::string& topic() const;

  ~TopicTail();
  TopicTail(const TopicTail&) = delete;
  TopicTail& operator=(const TopicTail&) = delete;

 private:
  class Impl;
  explicit TopicTail(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_TOPIC_TAIL_H_
