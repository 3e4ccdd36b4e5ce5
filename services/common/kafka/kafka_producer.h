// Producing events: the idempotent producer every service writes with.
//
//   auto producer = KafkaProducer::Create({.brokers = "127.0.0.1:9092", .client_id = "intake"});
//   absl::Status acked = (*producer)->Produce(kIntakeTopic, case_id, bytes, call_deadline);
//   (*producer)->ProduceAsync(kRoutingTopic, case_id, bytes, [](absl::Status acked) { ... });
//
// Idempotent (enable.idempotence=true) with acks=all: a message is acknowledged once it is on
// every in-sync replica, and the client's own retries never write it twice. A crash between the
// broker's write and our acknowledgement can still leave a second copy when the caller sends
// again: every event carries an id derived from its cause, and consumers drop repeated ids.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_PRODUCER_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_PRODUCER_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec {

using ProduceDone = absl::AnyInvocable<void(absl::Status)>;

// Sends messages as bytes. Services send their events through EventProducer
// (runtime/event_producer.h), which serialises envelopes onto the service's topic; this level is
// for dead letters, tools and tests. An interface so a test can record what is sent; integration
// tests always use KafkaProducer against a real broker.
class MessageProducer {
 public:
  virtual ~MessageProducer() = default;
  // Waits until the broker has the message on all in-sync replicas, failed for good, or
  // `deadline` passed: DeadlineExceeded then, and the message may still be written later.
  virtual absl::Status Produce(absl::string_view topic, absl::string_view key, absl::string_view value,
                               absl::Time deadline = absl::InfiniteFuture()) = 0;
  // Queues the message and returns at once, never sleeping. `done` runs exactly once with the
  // broker's answer: later, on the producer's poll thread (keep it short), or at once, on the
  // calling thread, when the message could not be queued (e.g. the local queue is full:
  // Unavailable).
  virtual void ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value,
                            ProduceDone done) = 0;
};

struct ProducerOptions {
  // How long the destructor waits for queued messages to be acknowledged (--shutdown_flush_timeout).
  absl::Duration flush_timeout = absl::Seconds(10);
  // A message the broker has not acknowledged by then fails (message.timeout.ms).
  absl::Duration message_timeout = absl::Seconds(30);
};

// Owns a poll thread that serves delivery reports, stopped by a flag and joined in the
// destructor after a flush bounded by flush_timeout; what is still unacknowledged then is
// reported failed to its waiter. Any number of threads may produce at once.
class KafkaProducer final : public MessageProducer {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(const KafkaSettings& settings,
                                                               ProducerOptions options = {});
  ~KafkaProducer() override;

  absl::Status Produce(absl::string_view topic, absl::string_view key, absl::string_view value,
                       absl::Time deadline = absl::InfiniteFuture()) override;
  void ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value, ProduceDone done) override;

  // Waits up to `timeout` for every queued message's answer; DeadlineExceeded if some remain.
  absl::Status Flush(absl::Duration timeout);
  // Asks the cluster for its metadata: Unavailable when no broker answers within `timeout`.
  // For readiness checks.
  absl::Status CheckBrokers(absl::Duration timeout);

  class Impl;

 private:
  explicit KafkaProducer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_PRODUCER_H_
