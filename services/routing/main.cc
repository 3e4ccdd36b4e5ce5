// routing: csec.intake.v1 → DecideRoute → csec.routing.v1, and RoutingService.Explain on
// --grpc_listen (the same rules, nothing recorded). Flags: services/common/runtime/service_runtime.cc.
// SIGHUP reloads the protocol config; a bad file is refused and the old one keeps serving.
#include "services/common/runtime/event_handlers.h"
#include "services/common/runtime/service_runtime.h"
#include "services/routing/explain_service.h"
#include "services/routing/routing_service.h"

int main(int argc, char** argv) {
  using namespace csec;
  return ServiceRuntime::Run("routing", argc, argv, [](ServiceContext& s) {
    auto* handler = s.Own(std::make_unique<routing::RoutingHandler>(s.config(), s.producer(), s.clock()));
    s.Consume(
        {.group_id = "routing", .topics = {kIntakeTopic}},
        HandleEachEventOnce(
            s.redis(),
            {.consumer = "routing", .horizon = s.flags().dedupe_horizon, .acts_on = &routing::RoutingHandler::ActsOn},
            [handler](const csec::dispatch::v1::Envelope& e, HandlerDone done) {
              handler->Handle(e, std::move(done));
            }));
    s.Serve(csec::dispatch::v1::RoutingService::service_full_name(),
            s.Own(std::make_unique<routing::ExplainService>(s.config())));
    return absl::OkStatus();
  });
}
