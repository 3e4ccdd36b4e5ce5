// The protocol's event stream: the topic of each producing service and the envelope every event
// travels in. Pure: no Kafka or Redis here (runtime/event_handlers.h consumes envelopes).
//
//   Envelope e = NewEnvelope(event_id, case_id, "intake", clock.Now());
//   *e.mutable_referral_received() = ...;
//   producer->Produce(e, deadline);   // EventProducer (runtime/event_producer.h): onto kIntakeTopic
//   absl::StatusOr<Envelope> parsed = ParseEnvelope(message.payload);
#ifndef CSEC_SERVICES_COMMON_DOMAIN_EVENTS_H_
#define CSEC_SERVICES_COMMON_DOMAIN_EVENTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"

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

// The one topic each service writes ("intake" → csec.intake.v1, ...), or "" for a name that is
// not a producing service.
std::string TopicOfService(absl::string_view service);

// Every csec topic, for creating them.
std::vector<std::string> AllTopics();
// The topics that carry a case's events (all but the dead letters), for projections.
std::vector<std::string> ProjectedTopics();

csec::dispatch::v1::Envelope NewEnvelope(const std::string& event_id, const std::string& case_id,
                                         const std::string& producer, absl::Time occurred_at);

// When the fact an event reports happened: the body's own time (arrived_at, held_at, placed_at,
// examined_at, closed_at, met_at) when it carries one, else when the event was written.
absl::Time FactTime(const csec::dispatch::v1::Envelope& event);

// The protocol's T0 as the event knows it: the referral's identified_at, or CaseRouted's copy of
// it; an event that carries neither, FactTime.
absl::Time IdentifiedAt(const csec::dispatch::v1::Envelope& event);

// Parses a consumed message as an Envelope with an event id, a case id and a complete body (a
// ReferralReceived carries its referral); anything else is InvalidArgument, so every consumer
// dead-letters it with this reason and none takes half an event.
absl::StatusOr<csec::dispatch::v1::Envelope> ParseEnvelope(absl::string_view payload);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_DOMAIN_EVENTS_H_
