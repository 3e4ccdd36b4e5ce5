// The webhook delivery channel: POSTs a notification as JSON to the contact's URL (http:// or
// https://, the server's certificate verified against the system's CAs), signed so the receiver
// can tell it came from us and was not replayed later.
//
//   WebhookChannel webhook(secret, config.delivery);   // secret: bytes from a file or the env
//   DeliveryResult r = webhook.Send(notification);      // blocks up to delivery.send_timeout
//
// The request:
//   POST <contact.address>
//   Content-Type: application/json
//   X-Csec-Delivery: <delivery id>            (the same on every try: receivers drop repeats)
//   X-Csec-Timestamp: <unix seconds>
//   X-Csec-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   {"deliveryId": "...", "personId": "...", "tryNumber": 1, "event": <the Envelope, protobuf JSON>}
//
// A receiver recomputes WebhookSignature(secret, timestamp header, raw body), compares it in
// constant time, and refuses a timestamp far from its own clock.
//
// Any 2xx answer is delivered (receipt "HTTP <code>"); any other answer, a connection error or
// the send_timeout passing is not (the error says which). Redirects are not followed.
//
// Thread-safe: Send may run on several threads at once (one HTTP connection per send). Owns one
// watchdog thread that ends a send still running at its send_timeout; joined by the destructor,
// which must not run while a Send is in progress.
#ifndef CSEC_SERVICES_PAGING_WEBHOOK_CHANNEL_H_
#define CSEC_SERVICES_PAGING_WEBHOOK_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/base/clock.h"
#include "services/paging/delivery_channel.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

// "sha256=" + lower-case hex HMAC-SHA256 keyed by `secret` over `timestamp` + "." + `body`: the
// X-Csec-Signature header's value.
std::string WebhookSignature(absl::string_view secret, absl::string_view timestamp, absl::string_view body);
// Lower-case hex HMAC-SHA256(key, data).
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);
// The JSON body posted for `notification` (InvalidArgument only if the envelope cannot be
// printed as JSON).
absl::StatusOr<std::string> WebhookBody(const Notification& notification);

class WebhookChannel : public DeliveryChannel {
 public:
  // Uses settings.send_timeout; `clock` (for X-Csec-Timestamp) must outlive the channel.
  WebhookChannel(std::string secret, DeliverySettings settings, const Clock* clock = &SystemClock::Get());
  ~WebhookChannel() override;
  WebhookChannel(const WebhookChannel&) = delete;
  WebhookChannel& operator=(const WebhookChannel&) = delete;

  DeliveryResult Send(const Notification& notification) override;

  class Watchdog;

 private:
  const std::string secret_;
  const DeliverySettings settings_;
  const Clock* clock_;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_WEBHOOK_CHANNEL_H_
