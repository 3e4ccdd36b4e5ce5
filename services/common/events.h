// Topic names and the envelope every event travels in, plus the consumer-side guard that makes
// a handler idempotent by event id.
//
//   Envelope e = NewEnvelope(event_id, case_id, "intake", clock.Now());
//   *e.mutable_referral_received() = ...;
//   producer.Produce(kIntakeTopic, e.case_id(), e.SerializeAsString());
//
//   MessageHandler h = HandleEachEventOnce(redis, "routing", [&](const Envelope& e) { ... });
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
#include "services/common/kafka.h"
#include "services/common/redis.h"

namespace csec {

// One topic per producing service, so ACLs can say who writes what.
inline constexpr char kIntakeTopic[] = "csec.intake.v1";
inline constexpr char kRoutingTopic[] = "csec.routing.v1";
inline constexpr char kDeadLetterTopic[] = "csec.deadletter.v1";
// Every csec topic has this many partitions, so one case is on one partition number everywhere.
inline constexpr int kTopicPartitions = 6;

// Every csec topic, for creating them.
std::vector<std::string> AllTopics();
// The topics that carry a case's events (all but the dead letters), for projections.
std::vector<std::string> ProjectedTopics();

csec::dispatch::v1::Envelope NewEnvelope(const std::string& event_id, const std::string& case_id,
                                         const std::string& producer, absl::Time occurred_at);

// Parses a consumed message as an Envelope with an event id and a case id; anything else is
// InvalidArgument (so the consumer dead-letters it, with this reason).
absl::StatusOr<csec::dispatch::v1::Envelope> ParseEnvelope(const ConsumedMessage& message);

using EnvelopeHandler = std::function<absl::Status(const csec::dispatch::v1::Envelope&)>;

// Parses each message as an Envelope (unparseable → dead letter), skips an event id this
// consumer has handled before, and records the id once `handle` succeeded. A crash between
// the effect and the record replays the event: effects must themselves be keyed by event id
// (derived ids downstream), which is why this guard is cheap insurance, not the only one.
MessageHandler HandleEachEventOnce(RedisClient* redis, const std::string& consumer, EnvelopeHandler handle);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_EVENTS_H_
