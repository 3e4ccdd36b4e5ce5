// The routing service's event handler: for each ReferralReceived on csec.intake.v1, decide
// CTU, MART or the standard hotline response (DecideRoute, the one place that decides) and
// emit CaseRouted on csec.routing.v1 with the rule, its inputs and the config version.
//
// The CaseRouted event id is derived from the referral's event id, so a replay emits the same
// event, which consumers drop. An incomplete ReferralReceived never gets here (ParseEnvelope
// dead-letters it). Other event kinds on the topic are not routing's business.
// Handle is called on the consumer's thread and answers asynchronously, once Kafka acknowledged
// CaseRouted; the config store may be reloaded from another thread meanwhile.
#ifndef CSEC_SERVICES_ROUTING_ROUTING_SERVICE_H_
#define CSEC_SERVICES_ROUTING_ROUTING_SERVICE_H_

#include "absl/status/status.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/runtime/event_producer.h"

namespace csec::routing {

class RoutingHandler {
 public:
  RoutingHandler(ProtocolConfigStore* config, EventProducer* producer, const Clock* clock)
      : config_(config), producer_(producer), clock_(clock) {}

  // The events routing acts on (the rest are passed over).
  static bool ActsOn(const csec::dispatch::v1::Envelope& event) { return event.has_referral_received(); }
  void Handle(const csec::dispatch::v1::Envelope& event, HandlerDone done);

 private:
  ProtocolConfigStore* config_;
  EventProducer* producer_;
  const Clock* clock_;
};

}  // namespace csec::routing

#endif  // CSEC_SERVICES_ROUTING_ROUTING_SERVICE_H_
