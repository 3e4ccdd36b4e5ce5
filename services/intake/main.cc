// intake: the gRPC front door, and the projector that keeps the case view (every topic → Redis)
// for GetCase and WatchCase. Flags: services/common/service_runtime.h, plus --case_view_group.
// SIGHUP reloads the protocol config (deadlines in the case view); a bad file is refused.
#include "absl/flags/flag.h"
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/http_server.h"
#include "services/common/log.h"
#include "services/common/protocol_config.h"
#include "services/common/service_runtime.h"
#include "services/intake/case_store.h"
#include "services/intake/intake_service.h"

ABSL_FLAG(std::string, case_view_group, "case-view",
          "Consumer group of the case-view projector; a new name replays every topic (a rebuild)");

int main(int argc, char** argv) {
  using namespace csec;
  ServiceRuntime runtime = ServiceRuntime::Init("intake", argc, argv);
  const ServiceFlags& flags = runtime.flags();

  ServiceConnections c = runtime.ConnectOrExit();

  // The projector: every event of every topic into its case. Adding is idempotent by event id,
  // so no separate once-only guard is needed.
  intake::CaseStore projection(c.redis.get());
  auto projector = KafkaConsumer::Start(
      {.kafka = runtime.kafka(), .group_id = absl::GetFlag(FLAGS_case_view_group), .topics = ProjectedTopics()},
      c.producer.get(), [&](const ConsumedMessage& m) -> absl::Status {
        absl::StatusOr<csec::dispatch::v1::Envelope> e = ParseEnvelope(m);
        return e.ok() ? projection.Add(*e).status() : e.status();
      });
  if (!projector.ok()) ExitOnStartupError("--kafka_brokers", projector.status());

  intake::Intake intake(c.producer.get(), c.redis.get(), c.config.get(), &SystemClock::Get());
  intake::IntakeGrpcService grpc_service(&intake);
  auto grpc_server = StartGrpcServer(flags.grpc_listen, {&grpc_service});
  if (!grpc_server.ok()) ExitOnStartupError("--grpc_listen", grpc_server.status());
  auto http = HttpServer::Start(flags.http_listen, [&] {
    auto pong = c.redis->Command({"PING"});
    return pong.ok() ? absl::OkStatus() : pong.status();
  });
  if (!http.ok()) ExitOnStartupError("--http_listen", http.status());

  runtime.WriteReadyFile({{"grpc_port", grpc_server->port}, {"http_port", (*http)->port()}});
  runtime.WaitForStop([&] { ReloadProtocolConfig(*c.config); });
  grpc_server->server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  (*projector)->Stop();
  return 0;
}
