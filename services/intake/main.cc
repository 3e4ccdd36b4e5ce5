// intake: the gRPC front door. Flags: see services/common/service_runtime.h.
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/http_server.h"
#include "services/common/log.h"
#include "services/common/service_runtime.h"
#include "services/intake/intake_service.h"

int main(int argc, char** argv) {
  using namespace csec;
  ServiceRuntime runtime = ServiceRuntime::Init("intake", argc, argv);
  const ServiceFlags& flags = runtime.flags();

  auto redis = RedisClient::Connect(flags.redis_address);
  if (!redis.ok()) ExitOnStartupError("--redis", redis.status());
  if (flags.ensure_topics) {
    if (absl::Status s = EnsureTopics(runtime.kafka(), AllTopics(), kTopicPartitions, 1); !s.ok()) {
      ExitOnStartupError("--kafka_brokers", s);
    }
  }
  auto producer = KafkaProducer::Create(runtime.kafka());
  if (!producer.ok()) ExitOnStartupError("--kafka_brokers", producer.status());

  intake::Intake intake(producer->get(), redis->get(), &SystemClock::Get());
  intake::IntakeGrpcService grpc_service(&intake);
  auto grpc_server = StartGrpcServer(flags.grpc_listen, {&grpc_service});
  if (!grpc_server.ok()) ExitOnStartupError("--grpc_listen", grpc_server.status());
  auto http = HttpServer::Start(flags.http_listen, [&] {
    auto pong = (*redis)->Command({"PING"});
    return pong.ok() ? absl::OkStatus() : pong.status();
  });
  if (!http.ok()) ExitOnStartupError("--http_listen", http.status());

  runtime.WriteReadyFile({{"grpc_port", grpc_server->port}, {"http_port", (*http)->port()}});
  runtime.WaitForStop([] {});  // intake reads no protocol config yet: nothing to reload
  grpc_server->server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  return 0;
}
