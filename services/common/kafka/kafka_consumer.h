// Consuming events: a consumer-group member that handles many messages at once and never lets
// one bad message stall the rest.
//
//   auto consumer = KafkaConsumer::Start(
//       {.kafka = settings, .group_id = "routing", .instance_id = "routing-0", .topics = {kIntakeTopic}},
//       producer, [&](const ConsumedMessage& m, HandlerDone done) { StartHandling(m, std::move(done)); });
//   ...
//   (*consumer)->Stop();   // finish what is in hand, store and commit its offsets, leave
//
// Delivery is at-least-once, effects exactly-once:
//   - A handler reports through `done`, exactly once, from any thread, now or later. Messages of
//     one key (one case) are handled one at a time, in order; other keys of the partition run
//     alongside (up to max_in_flight_per_partition). With one_at_a_time_per_key = false any
//     message starts as soon as that bound allows, its key's earlier messages done or not.
//   - Per partition, the offset stored is the one after the highest message whose handling, and
//     every earlier one's, has completed (PartitionPipeline); stored offsets are committed every
//     second, and explicitly when partitions are revoked and on Stop.
//   - A handler error that retrying cannot fix (IsPermanentFailure) sends the message to the
//     dead-letter topic with the reason and the group, and the partition moves on. Any other
//     error pauses only that partition and retries the message after a back-off (doubling up to
//     max_retry_backoff); the other partitions keep flowing.
//   - With `instance_id` (static membership, group.instance.id) a member that crashed and restarts
//     under the same name gets its partitions back at once instead of after the session timeout.
//
// Owns one thread, which runs librdkafka's poll loop, the rebalance hooks and the handlers'
// starts; handlers that complete later do so on their own threads.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_CONSUMER_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_CONSUMER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/consumer_book.h"
#include "services/common/kafka/kafka_message.h"
#include "services/common/kafka/kafka_producer.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec {

using HandlerDone = absl::AnyInvocable<void(absl::Status)>;
// Starts handling a message; calls `done` exactly once when finished. Runs on the consumer's
// thread: it must not block for long (start asynchronous work and return).
using AsyncMessageHandler = std::function<void(const ConsumedMessage&, HandlerDone done)>;
// A handler that finishes before it returns, run on the consumer's thread.
using MessageHandler = std::function<absl::Status(const ConsumedMessage&)>;
AsyncMessageHandler FinishingInline(MessageHandler handler);

using PartitionsHook = std::function<void(const std::vector<TopicPartitionId>&)>;

struct ConsumerOptions {
  KafkaSettings kafka = {};
  std::string group_id = {};
  // group.instance.id: a stable name for this member (e.g. the pod name); empty for dynamic
  // membership. Two live members must never share one.
  std::string instance_id = {};
  std::vector<std::string> topics = {};
  std::string dead_letter_topic = "csec.deadletter.v1";
  size_t max_in_flight_per_partition = 256;
  // true: a case's messages are handled one at a time, in offset order. false: for handlers
  // whose messages of one key must not wait for each other (paging's deliveries); offsets are
  // still stored only past what completed, in order.
  bool one_at_a_time_per_key = true;
  // Fetched-but-unstarted messages per partition above which its fetching pauses.
  size_t max_buffered_per_partition = 2048;
  absl::Duration min_retry_backoff = absl::Milliseconds(100);
  absl::Duration max_retry_backoff = absl::Seconds(5);
  // How long the group waits for a silent member before giving its partitions to others.
  absl::Duration session_timeout = absl::Seconds(10);
  // On revoke and on Stop: how long to wait for messages in hand before committing.
  absl::Duration drain_timeout = absl::Seconds(10);
  // Messages waiting on an owned partition this long with no progress make Progress() fail.
  absl::Duration stall_after = absl::Seconds(30);
  // Called on the consumer's thread: after partitions are assigned (before their first message
  // is handled), and after revoked partitions' work is finished and committed.
  PartitionsHook on_assigned = {};
  PartitionsHook on_revoked = {};
};

class KafkaConsumer {
 public:
  // `dead_letters` must outlive the consumer.
  static absl::StatusOr<std::unique_ptr<KafkaConsumer>> Start(const ConsumerOptions& options,
                                                              MessageProducer* dead_letters,
                                                              AsyncMessageHandler handler);
  ~KafkaConsumer();  // Stop()s
  // Stops taking messages, waits up to drain_timeout for those in hand, stores and commits their
  // offsets, and closes. Idempotent.
  void Stop();
  // Partitions this member owns now (0 before the first assignment): for readiness and tests.
  int assigned_partitions() const;
  bool HasAssignment() const { return assigned_partitions() > 0; }
  // OK, or Unavailable naming each stalled partition and what it is doing (see the top).
  absl::Status Progress() const;
  const std::string& group_id() const;

  class Impl;

 private:
  explicit KafkaConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_CONSUMER_H_
