// The consumer-side layers every service's handler sits behind: parse each message as an Envelope
// (unparseable → dead letter) and make a handler idempotent by event id.
//
//   AsyncMessageHandler h = HandleEachEventOnce(
//       redis, {.consumer = "routing", .horizon = absl::Hours(24 * 7),
//               .acts_on = [](const Envelope& e) { return e.has_referral_received(); }},
//       [&](const Envelope& e, HandlerDone done) { ... done(status); });
#ifndef CSEC_SERVICES_COMMON_RUNTIME_EVENT_HANDLERS_H_
#define CSEC_SERVICES_COMMON_RUNTIME_EVENT_HANDLERS_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/redis/redis.h"

namespace csec {

using AsyncEnvelopeHandler = std::function<void(const csec::dispatch::v1::Envelope&, HandlerDone)>;

// Parses each message (unparseable → dead letter) and hands the envelope on; records the event's
// age when handled (now − occurred_at) under `consumer`.
AsyncMessageHandler HandleEnvelopes(const std::string& consumer, AsyncEnvelopeHandler handle);

struct OnceOptions {
  std::string consumer = {};  // names its markers, e.g. "routing"
  // How long a handled event's marker is kept. Repeats come from a crash replaying what was
  // handled but not yet committed (seconds) or a producer's retried send (adjacent), so days
  // are plenty; markers past it expire, and an older repeat is still harmless because effects
  // are keyed by event id downstream.
  absl::Duration horizon = absl::Hours(24 * 7);
  // The events the handler acts on; the rest are passed over without touching Redis or
  // leaving a marker.
  std::function<bool(const csec::dispatch::v1::Envelope&)> acts_on = {};
};

// HandleEnvelopes plus a guard: an event id handled before by `options.consumer` is skipped, and
// one the handler acted on is marked (SET PX horizon) once it succeeded. A crash between the
// effect and the mark replays the event: effects must themselves be keyed by event id (derived
// ids downstream), which is why this guard is cheap insurance, not the only one.
AsyncMessageHandler HandleEachEventOnce(RedisClient* redis, OnceOptions options, AsyncEnvelopeHandler handle);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_RUNTIME_EVENT_HANDLERS_H_
