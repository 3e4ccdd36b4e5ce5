#include "services/routing/explain_service.h"

#include "services/common/base/status_macros.h"
#include "services/common/domain/referral_source.h"
#include "services/common/serving/grpc_call.h"
#include "services/common/serving/metrics.h"
#include "services/routing/routing_rules.h"

namespace csec::routing {

using csec::dispatch::v1::CaseRouted;
using csec::dispatch::v1::ExplainRequest;
using csec::dispatch::v1::ExplainResponse;
using csec::dispatch::v1::Referral;

absl::StatusOr<CaseRouted> ExplainReferral(const ProtocolConfig& config, const Referral& referral) {
  // Intake's rule, so an explanation is of a referral intake would record.
  if (referral.source().station_id().empty() && NeedsStation(referral.source())) {
    return absl::InvalidArgumentError(
        "referral.source.station_id is required unless source.kind is HOTLINE: the rules route by the "
        "identifying station");
  }
  return DecideRoute(config, referral);
}

grpc::Status ExplainService::Explain(grpc::ServerContext* context, const ExplainRequest* request,
                                     ExplainResponse* response) {
  static Counter& explained =
      Metrics::Get().GetCounter("csec_routing_explained_total", "Referrals explained without being recorded");
  return Answer(context, "Explain", [&](const RpcCall&) -> absl::Status {
    ASSIGN_OR_RETURN(*response->mutable_decision(), ExplainReferral(*config_->Current(), request->referral()));
    explained.Increment();
    return absl::OkStatus();
  });
}

}  // namespace csec::routing
