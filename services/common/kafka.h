// Kafka plumbing, the only code in csec-dispatch that touches librdkafka.
//
//   auto producer = KafkaProducer::Create({.brokers = "127.0.0.1:9092", .client_id = "intake"});
//   absl::Status acked = (*producer)->Produce(kIntakeTopic, case_id, envelope_bytes);
//
//   auto consumer = KafkaConsumer::Start(
//       {.kafka = {...}, .group_id = "routing", .topics = {kIntakeTopic}},
//       producer->get(), [&](const ConsumedMessage& m) { return HandleIt(m); });
//
// Delivery is at-least-once, effects exactly-once: the producer is idempotent with acks=all,
// and the consumer stores a message's offset only after its handler succeeded. A handler error
// that retrying cannot fix (InvalidArgument, FailedPrecondition, NotFound, DataLoss) sends the
// message to the dead-letter topic with the reason and moves on; any other error is retried
// with back-off, holding the partition, until it succeeds or the consumer stops.
#ifndef CSEC_SERVICES_COMMON_KAFKA_H_
#define CSEC_SERVICES_COMMON_KAFKA_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec {

struct KafkaSettings {
  std::string brokers;    // bootstrap.servers
  std::string client_id;  // shows in broker logs and metrics
  // Any further librdkafka properties (e.g. security.protocol, sasl.*), applied last.
  std::map<std::string, std::string> extra;
};

// Sends events. An interface so that decision code can be tested with a recording fake;
// integration tests always use KafkaProducer against a real broker.
class EventProducer {
 public:
  virtual ~EventProducer() = default;
  // Blocks until the broker has the message on all in-sync replicas, or it failed for good.
  virtual absl::Status Produce(absl::string_view topic, absl::string_view key, absl::string_view value) = 0;
};

// Idempotent producer (enable.idempotence=true, acks=all). Owns a poll thread that serves
// delivery reports; the destructor flushes for at most `flush_timeout` and joins it.
// Produce may be called from any number of threads at once.
class KafkaProducer final : public EventProducer {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(const KafkaSettings& settings);
  ~KafkaProducer() override;

  absl::Status Produce(absl::string_view topic, absl::string_view key, absl::string_view value) override;
  // Non-blocking form: `done` runs on the poll thread once the broker answered.
  void ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value,
                    std::function<void(absl::Status)> done);

  class Impl;

 private:
  explicit KafkaProducer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ConsumedMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string payload;
};

// The handler's answer decides what happens to the offset: see the file comment.
using MessageHandler = std::function<absl::Status(const ConsumedMessage&)>;

bool IsPermanentFailure(const absl::Status& status);

struct ConsumerOptions {
  KafkaSettings kafka;
  std::string group_id;
  std::vector<std::string> topics;
  std::string dead_letter_topic = "csec.deadletter.v1";
  absl::Duration max_retry_backoff = absl::Seconds(5);
};

// A consumer group member with its own thread. Stop() (or the destructor) ends the loop, then
// closes the consumer, which commits the offsets stored so far and leaves the group.
class KafkaConsumer {
 public:
  // `dead_letters` must outlive the consumer.
  static absl::StatusOr<std::unique_ptr<KafkaConsumer>> Start(const ConsumerOptions& options,
                                                              EventProducer* dead_letters,
                                                              MessageHandler handler);
  ~KafkaConsumer();
  void Stop();
  // True once the group has given this member its partitions: for /healthz and tests.
  bool HasAssignment() const;

  class Impl;

 private:
  explicit KafkaConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Creates the topics that do not exist yet, each with `partitions` partitions (every csec
// topic has the same count, so one case lands on one partition number everywhere).
absl::Status EnsureTopics(const KafkaSettings& settings, const std::vector<std::string>& topics,
                          int partitions, int replication_factor, absl::Duration timeout = absl::Seconds(30));

// librdkafka's version, e.g. "2.0.2", for tools that print the setup they ran on.
std::string KafkaClientVersion();

// Reads every partition of `topic` from its beginning, outside any consumer group, calling
// `visit` for each message. Stops when `visit` returns false (found what it looked for), or
// with `stop_at_end` once the partitions' ends as of the call are reached; otherwise
// DeadlineExceeded after `timeout`. For tools and tests, not for services.
absl::Status ScanTopic(const KafkaSettings& settings, const std::string& topic, absl::Duration timeout,
                       bool stop_at_end, const std::function<bool(const ConsumedMessage&)>& visit);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_H_
