// routing: csec.intake.v1 → DecideRoute → csec.routing.v1, and RoutingService.Explain on
// --grpc_listen (the same rules, nothing recorded). Flags: services/common/service_runtime.h.
// SIGHUP reloads the protocol config; a bad file is refused and the old one keeps serving.
#include "absl/time/clock.h"
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/http_server.h"
#include "services/common/log.h"
#include "services/common/protocol_config.h"
#include "services/common/service_runtime.h"
#include "services/routing/explain_service.h"
#include "services/routing/routing_service.h"

int main(int argc, char** argv) {
  using namespace csec;
  ServiceRuntime runtime = ServiceRuntime::Init("routing", argc, argv);
  const ServiceFlags& flags = runtime.flags();
  ServiceConnections c = runtime.ConnectOrExit();

  routing::RoutingHandler handler(c.config.get(), c.producer.get(), &SystemClock::Get());
  auto consumer = KafkaConsumer::Start(
      {.kafka = runtime.kafka(), .group_id = "routing", .topics = {kIntakeTopic}}, c.producer.get(),
      HandleEachEventOnce(c.redis.get(), "routing", [&](const auto& e) { return handler.Handle(e); }));
  if (!consumer.ok()) ExitOnStartupError("--kafka_brokers", consumer.status());

  auto http = HttpServer::Start(flags.http_listen, [&]() -> absl::Status {
    if (!(*consumer)->HasAssignment()) return absl::UnavailableError("waiting for a Kafka partition assignment");
    return absl::OkStatus();
  });
  if (!http.ok()) ExitOnStartupError("--http_listen", http.status());

  routing::ExplainService explain(c.config.get());
  auto grpc_server = StartGrpcServer(flags.grpc_listen, {&explain});
  if (!grpc_server.ok()) ExitOnStartupError("--grpc_listen", grpc_server.status());

  runtime.WriteReadyFile({{"grpc_port", grpc_server->port}, {"http_port", (*http)->port()}});
  runtime.WaitForStop([&] { ReloadProtocolConfig(*c.config); });
  grpc_server->server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  (*consumer)->Stop();
  return 0;
}
