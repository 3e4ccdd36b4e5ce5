// The routing service's event handler: for each ReferralReceived on csec.intake.v1, decide
// CTU, MART or the standard hotline response (DecideRoute, the one place that decides) and
// emit CaseRouted on csec.routing.v1 with the rule, its inputs and the config version.
//
// The CaseRouted event id is derived from the referral's event id, so a replay emits the same
// event, which consumers drop. Other event kinds on the topic are not routing's business.
// Called on the consumer's thread; the config store may be reloaded from another thread.
#ifndef CSEC_SERVICES_ROUTING_ROUTING_SERVICE_H_
#define CSEC_SERVICES_ROUTING_ROUTING_SERVICE_H_

#include "absl/status/status.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/common/protocol_config.h"

namespace csec::routing {

class RoutingHandler {
 public:
  RoutingHandler(ProtocolConfigStore* config, EventProducer* producer, const Clock* clock)
      : config_(config), producer_(producer), clock_(clock) {}

  absl::Status Handle(const csec::dispatch::v1::Envelope& event);

 private:
  ProtocolConfigStore* config_;
  EventProducer* producer_;
  const Clock* clock_;
};

}  // namespace csec::routing

#endif  // CSEC_SERVICES_ROUTING_ROUTING_SERVICE_H_
