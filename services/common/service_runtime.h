// What every service's main does the same way: command-line flags for where Kafka, Redis and
// the listeners are; signals (SIGTERM/SIGINT stop, SIGHUP reloads the protocol config); a
// ready file for supervisors and tests that says the ports once everything is serving.
//
//   int main(int argc, char** argv) {
//     ServiceRuntime runtime = ServiceRuntime::Init("routing", argc, argv);  // first thing
//     ServiceConnections connections = runtime.ConnectOrExit();
//     ... start consumers and servers ...
//     runtime.WriteReadyFile({{"grpc_port", port}});
//     runtime.WaitForStop([&] { config->Reload(); });
//   }
#ifndef CSEC_SERVICES_COMMON_SERVICE_RUNTIME_H_
#define CSEC_SERVICES_COMMON_SERVICE_RUNTIME_H_

#include <functional>
#include <memory>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "services/common/kafka.h"
#include "services/common/protocol_config.h"
#include "services/common/redis.h"

namespace csec {

struct ServiceFlags {
  std::string config_path;   // --config: the protocol YAML
  std::string kafka_brokers; // --kafka_brokers
  std::string redis_address; // --redis
  std::string grpc_listen;   // --grpc_listen
  std::string http_listen;   // --http_listen: /metrics and /healthz
  std::string ready_file;    // --ready_file: written once serving
  bool ensure_topics = true; // --ensure_topics: create missing topics at start (off under ACLs)
};

// What every service connects to at start-up; owned by main.
struct ServiceConnections {
  std::unique_ptr<ProtocolConfigStore> config;
  std::unique_ptr<RedisClient> redis;
  std::unique_ptr<KafkaProducer> producer;
};

class ServiceRuntime {
 public:
  // Parses flags, names the service in logs, blocks the signals that WaitForStop handles (so
  // it must run before any thread starts). Exits with a message on bad flags.
  static ServiceRuntime Init(const std::string& service, int argc, char** argv);

  const ServiceFlags& flags() const { return flags_; }
  const std::string& service() const { return service_; }
  KafkaSettings kafka() const { return {.brokers = flags_.kafka_brokers, .client_id = service_, .extra = {}}; }

  // Loads the protocol config, connects to Redis, creates the csec topics (--ensure_topics)
  // and the producer; on any failure logs which flag is wrong and exits.
  ServiceConnections ConnectOrExit() const;

  // Writes {"name": value, ...} as JSON atomically to --ready_file, if given.
  void WriteReadyFile(std::initializer_list<std::pair<std::string, int>> ports) const;
  // Blocks until SIGTERM or SIGINT; runs `on_reload` for each SIGHUP.
  void WaitForStop(const std::function<void()>& on_reload) const;

 private:
  std::string service_;
  ServiceFlags flags_;
};

// For SIGHUP: reloads the protocol config and logs the outcome; a bad file is refused (logged
// with file, key and problem) and the old config keeps serving.
void ReloadProtocolConfig(ProtocolConfigStore& store);

// Logs a start-up failure and exits non-zero: for main() only.
[[noreturn]] void ExitOnStartupError(const std::string& what, const absl::Status& status);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVICE_RUNTIME_H_
