#include "services/routing/routing_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/domain/events.h"
#include "services/common/serving/metrics.h"
#include "services/routing/routing_rules.h"

namespace csec::routing {

using csec::dispatch::v1::Envelope;

void RoutingHandler::Handle(const Envelope& event, HandlerDone done) {
  if (!ActsOn(event)) return done(absl::OkStatus());
  csec::dispatch::v1::CaseRouted routed = DecideRoute(*config_->Current(), event.referral_received().referral());
  routed.set_referral_event_id(event.event_id());
  // T0 travels with the decision: the timers service arms the arrival deadlines from it.
  *routed.mutable_identified_at() = ToProtoTime(IdentifiedAt(event));

  Envelope out =
      NewEnvelope(DeriveId("routing.case-routed", event.event_id()), event.case_id(), "routing", clock_->Now());
  out.set_trace_id(event.trace_id());
  out.set_request_id(event.request_id());
  *out.mutable_case_routed() = routed;
  // Logged once Kafka has it; the fields are copied now, the envelope does not outlive this call.
  auto logged = [case_id = out.case_id(), event_id = out.event_id(),
                 agency = csec::dispatch::v1::ResponderAgency_Name(routed.agency()), team_id = routed.team_id(),
                 rule_id = routed.rule_id(), config_version = routed.config_version(),
                 done = std::move(done)](absl::Status acked) mutable {
    if (acked.ok()) {
      static Counter& routed_count =
          Metrics::Get().GetCounter("csec_routing_cases_routed_total", "Referrals routed to a responding agency");
      routed_count.Increment();
      log::Info("routing.case_routed", {{"case_id", case_id},
                                        {"event_id", event_id},
                                        {"agency", agency},
                                        {"team_id", team_id},
                                        {"rule_id", rule_id},
                                        {"config_version", config_version}});
    }
    done(std::move(acked));  // Unavailable: the consumer retries this referral, it is not dropped
  };
  producer_->ProduceAsync(out, std::move(logged));
}

}  // namespace csec::routing
