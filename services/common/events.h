// Topic names and the envelope every event travels in, plus the consumer-side layers that parse
// it and make a handler idempotent by event id.
//
//   Envelope e = NewEnvelope(event_id, case_id, "intake", clock.Now());
//   *e.mutable_referral_received() = ...;
//   producer.Produce(kIntakeTopic, e.case_id(), e.SerializeAsString());
//
//   AsyncMessageHandler h = HandleEachEventOnce(
//       redis, {.consumer = "routing", .horizon = absl::Hours(24 * 7),
//               .acts_on = [](const Envelope& e) { return e.has_referral_received(); }},
//       [&](const Envelope& e, HandlerDone done) { ... done(status); });
#ifndef CSEC_SERVICES_COMMON_EVENTS_H_
#define CSEC_SERVICES_COMMON_EVENTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/clock.h"
#include "services/common/kafka_consumer.h"
#include "services/common/redis.h"

namespace csec {

// One topic per producing service, so ACLs can say who writes what.
inline constexpr char kIntakeTopic[] = "csec.intake.v1";
inline constexpr char kRoutingTopic[] = "csec.routing.v1";
// Written by the services of the next wave; created now so every consumer of "every topic"
// (the case view, the timers service) reads them from the start.
inline constexpr char kPagingTopic[] = "csec.paging.v1";
inline constexpr char kMedicalTopic[] = "csec.medical.v1";
inline constexpr char kTimersTopic[] = "csec.timers.v1";
inline constexpr char kDeadLetterTopic[] = "csec.deadletter.v1";
// The default partition count of every csec topic (--topic_partitions): one count for all, so
// one case is on one partition number everywhere.
inline constexpr int kTopicPartitions = 6;

// Every csec topic, for creating them.
std::vector<std::string> AllTopics();
// The topics that carry a case's events (all but the dead letters), for projections.
std::vector<std::string> ProjectedTopics();

csec::dispatch::v1::Envelope NewEnvelope(const std::string& event_id, const std::string& case_id,
                                         const std::string& producer, absl::Time occurred_at);

// Parses a consumed message as an Envelope with an event id, a case id and a complete body (a
// ReferralReceived carries its referral); anything else is InvalidArgument, so every consumer
// dead-letters it with this reason and none takes half an event.
absl::StatusOr<csec::dispatch::v1::Envelope> ParseEnvelope(const ConsumedMessage& message);

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

#endif  // CSEC_SERVICES_COMMON_EVENTS_H_
