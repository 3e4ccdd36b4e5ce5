// Producing a service's events: whole envelopes, onto the one topic the service writes, keyed by
// case (so one case's events keep their order on one partition).
//
//   EventProducer* events = s.producer();          // ServiceContext: bound to the service's topic
//   RETURN_IF_ERROR(events->Produce(envelope, absl::Now() + absl::Seconds(5)));
//   events->ProduceAllAsync(decided, std::move(done));   // done once Kafka has every one
//
// Every event of one call shares its case, or at least its order does not matter across cases:
// the idempotent producer keeps one key's messages in the order they were queued.
#ifndef CSEC_SERVICES_COMMON_RUNTIME_EVENT_PRODUCER_H_
#define CSEC_SERVICES_COMMON_RUNTIME_EVENT_PRODUCER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/kafka/kafka_producer.h"

namespace csec {

class EventProducer {
 public:
  // `messages` must outlive this.
  EventProducer(MessageProducer* messages, std::string topic) : messages_(messages), topic_(std::move(topic)) {}

  const std::string& topic() const { return topic_; }

  // Waits for the broker's answer, as MessageProducer::Produce.
  absl::Status Produce(const csec::dispatch::v1::Envelope& event, absl::Time deadline = absl::InfiniteFuture());
  // Queues it and returns at once; `done` runs once with the broker's answer.
  void ProduceAsync(const csec::dispatch::v1::Envelope& event, ProduceDone done);
  // The same two, for a caller that keeps the event's bytes too (intake stores them in the case
  // view), so it is serialised once: `serialized` is event.SerializeAsString().
  absl::Status Produce(const csec::dispatch::v1::Envelope& event, absl::string_view serialized, absl::Time deadline);
  void ProduceAsync(const csec::dispatch::v1::Envelope& event, absl::string_view serialized, ProduceDone done);
  // Queues them all at once; `done` runs once, when the broker has answered for every one, with
  // the first failure (OK for none). A failure leaves the others sent: event ids are derived, so
  // sending them all again is harmless.
  void ProduceAllAsync(absl::Span<const csec::dispatch::v1::Envelope> events, ProduceDone done);
  // ProduceAllAsync, waited for until `deadline`: DeadlineExceeded then, and the events may
  // still be written later.
  absl::Status ProduceAll(absl::Span<const csec::dispatch::v1::Envelope> events,
                          absl::Time deadline = absl::InfiniteFuture());

 private:
  MessageProducer* messages_;
  std::string topic_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_RUNTIME_EVENT_PRODUCER_H_
