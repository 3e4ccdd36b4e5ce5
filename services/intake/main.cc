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

  auto config = ProtocolConfigStore::Create(flags.config_path);
  if (!config.ok()) ExitOnStartupError("--config", config.status());
  auto redis = RedisClient::Connect(flags.redis_address);
  if (!redis.ok()) ExitOnStartupError("--redis", redis.status());
  if (flags.ensure_topics) {
    if (absl::Status s = EnsureTopics(runtime.kafka(), AllTopics(), kTopicPartitions, 1); !s.ok()) {
      ExitOnStartupError("--kafka_brokers", s);
    }
  }
  auto producer = KafkaProducer::Create(runtime.kafka());
  if (!producer.ok()) ExitOnStartupError("--kafka_brokers", producer.status());

  // The projector: every event of every topic into its case. Adding is idempotent by event id,
  // so no separate once-only guard is needed.
  intake::CaseStore projection(redis->get());
  auto projector = KafkaConsumer::Start(
      {.kafka = runtime.kafka(), .group_id = absl::GetFlag(FLAGS_case_view_group), .topics = ProjectedTopics()},
      producer->get(), [&](const ConsumedMessage& m) -> absl::Status {
        csec::dispatch::v1::Envelope e;
        if (!e.ParseFromString(m.payload)) return absl::InvalidArgumentError("payload is not a csec.dispatch.v1.Envelope");
        if (e.event_id().empty() || e.case_id().empty()) {
          return absl::InvalidArgumentError("envelope.event_id and envelope.case_id are required");
        }
        return projection.Add(e).status();
      });
  if (!projector.ok()) ExitOnStartupError("--kafka_brokers", projector.status());

  intake::Intake intake(producer->get(), redis->get(), config->get(), &SystemClock::Get());
  intake::IntakeGrpcService grpc_service(&intake);
  auto grpc_server = StartGrpcServer(flags.grpc_listen, {&grpc_service});
  if (!grpc_server.ok()) ExitOnStartupError("--grpc_listen", grpc_server.status());
  auto http = HttpServer::Start(flags.http_listen, [&] {
    auto pong = (*redis)->Command({"PING"});
    return pong.ok() ? absl::OkStatus() : pong.status();
  });
  if (!http.ok()) ExitOnStartupError("--http_listen", http.status());

  log::Info("config.loaded", {{"config_version", (*config)->Current()->version}});
  runtime.WriteReadyFile({{"grpc_port", grpc_server->port}, {"http_port", (*http)->port()}});
  runtime.WaitForStop([&] { ReloadProtocolConfig(**config); });
  grpc_server->server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  (*projector)->Stop();
  return 0;
}
