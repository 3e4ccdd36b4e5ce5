// RoutingService.Explain: the routing rules run on a referral a person sends, with the live
// protocol config, and the decision sent back — nothing produced, nothing stored. For operators
// asking "where would this referral go, and by which rule?" (`dispatchctl route --explain`) and
// for checking a config edit before it meets a real referral.
//
//   ExplainService explain(config_store);                 // config_store outlives it
//   auto server = StartGrpcServer(flags.grpc_listen, {&explain});
//
// Owned by routing's main. gRPC calls Explain on its own threads, concurrently; the config
// store may be reloaded meanwhile (each call uses the config current when it starts).
#ifndef CSEC_SERVICES_ROUTING_EXPLAIN_SERVICE_H_
#define CSEC_SERVICES_ROUTING_EXPLAIN_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/referral.pb.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "services/common/domain/protocol_config.h"

namespace csec::routing {

// The decision DecideRoute makes for `referral` under `config`, after the minimal validation
// the rules need: InvalidArgument naming the field when referral.source.station_id is empty.
// Pure; referral_event_id stays empty (nothing was recorded).
absl::StatusOr<csec::dispatch::v1::CaseRouted> ExplainReferral(const ProtocolConfig& config,
                                                               const csec::dispatch::v1::Referral& referral);

class ExplainService final : public csec::dispatch::v1::RoutingService::Service {
 public:
  explicit ExplainService(const ProtocolConfigStore* config) : config_(config) {}

  grpc::Status Explain(grpc::ServerContext* context, const csec::dispatch::v1::ExplainRequest* request,
                       csec::dispatch::v1::ExplainResponse* response) override;

 private:
  const ProtocolConfigStore* config_;
};

}  // namespace csec::routing

#endif  // CSEC_SERVICES_ROUTING_EXPLAIN_SERVICE_H_
