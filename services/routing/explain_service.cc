#include "services/routing/explain_service.h"

#include "services/common/serving/grpc_server.h"
#include "services/common/serving/metrics.h"
#include "services/routing/routing_rules.h"

namespace csec::routing {

using csec::dispatch::v1::CaseRouted;
using csec::dispatch::v1::ExplainRequest;
using csec::dispatch::v1::ExplainResponse;
using csec::dispatch::v1::Referral;

absl::StatusOr<CaseRouted> ExplainReferral(const ProtocolConfig& config, const Referral& referral) {
  // Intake's rule: only a referral the hotline originates may lack a station.
  if (referral.source().station_id().empty() &&
      referral.source().kind() != csec::dispatch::v1::SOURCE_KIND_HOTLINE) {
    return absl::InvalidArgumentError(
        "referral.source.station_id is required unless source.kind is HOTLINE: the rules route by the "
        "identifying station");
  }
  return DecideRoute(config, referral);
}

grpc::Status ExplainService::Explain(grpc::ServerContext* /*context*/, const ExplainRequest* request,
                                     ExplainResponse* response) {
  static Counter& explained =
      Metrics::Get().GetCounter("csec_routing_explained_total", "Referrals explained without being recorded");
  absl::StatusOr<CaseRouted> decision = ExplainReferral(*config_->Current(), request->referral());
  if (!decision.ok()) return ToGrpcStatus(decision.status());
  explained.Increment();
  *response->mutable_decision() = *std::move(decision);
  return grpc::Status::OK;
}

}  // namespace csec::routing
