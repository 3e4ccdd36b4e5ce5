// The ways a page reaches a person besides their WatchPages stream: one interface, so SMS and
// voice providers plug in as adapters. Shipped: the webhook (webhook_channel.h) and a log-only
// adapter for local runs (LogChannel below).
//
//   DeliveryResult r = channel->Send(notification);   // blocks up to the channel's timeout
//   if (!r.delivered) { /* retried later with back-off, then the person's next contact method */ }
//
// Send is called from the delivery pool's threads, several at once: implementations are
// thread-safe. A notification never carries a youth's identity (PageSent has none).
#ifndef CSEC_SERVICES_PAGING_DELIVERY_CHANNEL_H_
#define CSEC_SERVICES_PAGING_DELIVERY_CHANNEL_H_

#include <string>

#include "csec/dispatch/v1/events.pb.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

struct Notification {
  // Stable for one (page event, person, contact method): the same on every try, so a receiver
  // drops a repeat (e.g. a send that succeeded but whose answer was lost).
  std::string delivery_id;
  std::string person_id;
  ContactMethod contact;
  int try_number = 1;                  // 1 for the first send
  csec::dispatch::v1::Envelope event;  // the PageSent or ShiftStarting being delivered
};

struct DeliveryResult {
  bool delivered = false;
  std::string receipt;  // delivered: e.g. "HTTP 200", a provider's message id
  std::string error;    // not delivered: why, for PageDeliveryFailed and the log
};

class DeliveryChannel {
 public:
  virtual ~DeliveryChannel() = default;
  virtual DeliveryResult Send(const Notification& notification) = 0;
};

// Writes one log line per notification (person, channel, page: never case details) and reports
// it delivered. For local runs and as the SMS/voice adapter until a provider is configured.
class LogChannel : public DeliveryChannel {
 public:
  DeliveryResult Send(const Notification& notification) override;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_DELIVERY_CHANNEL_H_
