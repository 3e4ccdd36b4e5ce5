#include "services/common/runtime/event_producer.h"

#include <memory>

#include "absl/synchronization/notification.h"
#include "services/common/base/status_join.h"

namespace csec {

using csec::dispatch::v1::Envelope;

absl::Status EventProducer::Produce(const Envelope& event, absl::Time deadline) {
  return Produce(event, event.SerializeAsString(), deadline);
}

void EventProducer::ProduceAsync(const Envelope& event, ProduceDone done) {
  ProduceAsync(event, event.SerializeAsString(), std::move(done));
}

absl::Status EventProducer::Produce(const Envelope& event, absl::string_view serialized, absl::Time deadline) {
  return messages_->Produce(topic_, event.case_id(), serialized, deadline);
}

void EventProducer::ProduceAsync(const Envelope& event, absl::string_view serialized, ProduceDone done) {
  messages_->ProduceAsync(topic_, event.case_id(), serialized, std::move(done));
}

void EventProducer::ProduceAllAsync(absl::Span<const Envelope> events, ProduceDone done) {
  std::shared_ptr<StatusJoin> join = StatusJoin::Make(std::move(done));
  for (const Envelope& event : events) ProduceAsync(event, join->Part());
  join->Release();
}

absl::Status EventProducer::ProduceAll(absl::Span<const Envelope> events, absl::Time deadline) {
  // Shared with the callback, which may run after a wait that gave up.
  struct Answer {
    absl::Notification done;
    absl::Status status;
  };
  auto answer = std::make_shared<Answer>();
  ProduceAllAsync(events, [answer](absl::Status status) {
    answer->status = std::move(status);
    answer->done.Notify();
  });
  if (!answer->done.WaitForNotificationWithDeadline(deadline)) {
    return absl::DeadlineExceededError("Kafka did not answer in time; the events may still be written");
  }
  return answer->status;
}

}  // namespace csec
