// What every service's main does the same way, once: flags, the protocol config, Redis, the
// topics, the producer, the operations endpoint (/livez, /readyz, /metrics), gRPC with health
// checking and reflection, the consumers, a dependency monitor that keeps readiness true, signals
// (SIGHUP reloads the config; SIGTERM/SIGINT stop), and an orderly stop.
//
//   int main(int argc, char** argv) {
//     return csec::ServiceRuntime::Run("routing", argc, argv, [](csec::ServiceContext& s) {
//       auto* handler = s.Own(std::make_unique<RoutingHandler>(s.config(), s.producer(), s.clock()));
//       s.Consume({.group_id = "routing", .topics = {kIntakeTopic}}, handler->AsConsumerHandler());
//       s.Serve(RoutingService::service_full_name(), s.Own(std::make_unique<ExplainService>(s.config())));
//       return absl::OkStatus();
//     });
//   }
//
// Start order: flags → /livez,/readyz → config → Redis → topics → producer → setup → gRPC →
// consumers → monitor → ready file. Stop order: readiness fails ("stopping") → gRPC stops taking
// calls and finishes those in hand → consumers finish the messages in hand, store and commit
// their offsets → OnStop hooks → the producer flushes (at most --shutdown_flush_timeout) → exit 0. A bad flag or
// config, or a dependency unreachable at start, exits 1 with a message naming what is wrong.
#ifndef CSEC_SERVICES_COMMON_RUNTIME_SERVICE_RUNTIME_H_
#define CSEC_SERVICES_COMMON_RUNTIME_SERVICE_RUNTIME_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/kafka.h"
#include "services/common/redis/redis.h"
#include "services/common/runtime/event_producer.h"
#include "services/common/serving/health.h"

namespace grpc {
class Service;
}

namespace csec {

struct ServiceFlags {
  std::string config_path;                // --config: the protocol YAML
  std::string kafka_brokers;              // --kafka_brokers
  std::string redis_address;              // --redis
  std::string grpc_listen;                // --grpc_listen
  std::string http_listen;                // --http_listen: /livez, /readyz, /metrics
  std::string ready_file;                 // --ready_file: written once serving
  std::string instance_id;                // --instance_id: static group membership
  bool ensure_topics = true;              // --ensure_topics: create missing topics at start (off under ACLs)
  TopicSettings topics;                   // --topic_partitions, --topic_replication_factor, retention from config
  absl::Duration session_timeout;         // --kafka_session_timeout
  absl::Duration shutdown_flush_timeout;  // --shutdown_flush_timeout
  absl::Duration dedupe_horizon;          // --dedupe_horizon
  int redis_connections = 2;              // --redis_connections
  // --clock_scale, --clock_origin, --clock_origin_real: a simulation's protocol clock, `scale`
  // times faster than real time and reading `clock_origin` at `clock_origin_real`. 1: the real clock.
  double clock_scale = 1;
  absl::Time clock_origin;
  absl::Time clock_origin_real;
};

// What a service's setup gets from Run: the shared connections, and where to register its
// consumers and gRPC services. Everything registered or owned lives until the process stops.
class ServiceContext {
 public:
  const ServiceFlags& flags() const { return flags_; }
  const std::string& service() const { return service_; }
  KafkaSettings kafka() const { return {.brokers = flags_.kafka_brokers, .client_id = service_, .extra = {}}; }
  ProtocolConfigStore* config() const { return config_; }
  RedisClient* redis() const { return redis_; }
  // The service's events, onto its own topic (TopicOfService).
  EventProducer* producer() const { return producer_; }
  const HealthState* health() const { return health_; }
  // Protocol time: the real clock, or the scaled one of a simulation (--clock_scale).
  const Clock* clock() const { return clock_; }

  // A consumer, started once setup returns. --kafka_brokers, --instance_id and the session
  // timeout are filled in. While `needed_for_readiness` and it owns no partition, /readyz says so.
  void Consume(ConsumerOptions options, AsyncMessageHandler handler, bool needed_for_readiness = true) {
    consumers_.push_back({std::move(options), std::move(handler), needed_for_readiness});
  }
  // A gRPC service by its full name (e.g. IntakeService::service_full_name()), which
  // grpc.health.v1 then answers for.
  void Serve(std::string name, grpc::Service* service) { services_.emplace_back(std::move(name), service); }
  // A check that the service's state in Redis is still whole (CheckStateEpoch, state_epoch.h),
  // looked at every second with the dependencies. FailedPrecondition means Redis lost it: the
  // process logs service.state_lost and exits with code 3, like a crash, so that its restart
  // rebuilds the state from Kafka before it is ready again (work in hand is redone: handlers are
  // idempotent). Any other error is ignored here: Redis away is the "redis" check's business.
  void WatchState(std::function<absl::Status()> check) { state_checks_.push_back(std::move(check)); }
  // Called once on the way out, after the consumers stopped and before the producer flushes:
  // for a service's own threads that produce (the timers' firing loop).
  void OnStop(std::function<void()> stop) { on_stop_.push_back(std::move(stop)); }
  // Keeps `object` alive until the consumers and gRPC have stopped.
  template <typename T>
  T* Own(std::unique_ptr<T> object) {
    T* raw = object.get();
    owned_.push_back(std::shared_ptr<void>(std::move(object)));
    return raw;
  }

 private:
  friend class ServiceRuntime;
  struct ConsumerSpec {
    ConsumerOptions options;
    AsyncMessageHandler handler;
    bool needed_for_readiness;
  };

  std::unique_ptr<Clock> owned_clock_;  // first: outlives everything owned below
  const Clock* clock_ = &SystemClock::Get();
  std::string service_;
  ServiceFlags flags_;
  ProtocolConfigStore* config_ = nullptr;
  RedisClient* redis_ = nullptr;
  EventProducer* producer_ = nullptr;
  const HealthState* health_ = nullptr;
  std::vector<ConsumerSpec> consumers_;
  std::vector<std::pair<std::string, grpc::Service*>> services_;
  std::vector<std::shared_ptr<void>> owned_;
  std::vector<std::function<void()>> on_stop_;
  std::vector<std::function<absl::Status()>> state_checks_;
};

class ServiceRuntime {
 public:
  using Setup = std::function<absl::Status(ServiceContext&)>;
  // Runs the service until SIGTERM/SIGINT; returns main's exit code. Call first thing in main,
  // before any thread starts (it blocks the signals it waits for).
  static int Run(const std::string& service, int argc, char** argv, const Setup& setup);
};

// How long the csec topics keep events: the longest protocol deadline plus `margin`, because a
// lost Redis is rebuilt by replaying them.
absl::Duration TopicRetention(const ProtocolConfig& config, absl::Duration margin);

// For SIGHUP: reloads the protocol config and logs the outcome; a bad file is refused (logged
// with file, key and problem) and the old config keeps serving.
void ReloadProtocolConfig(ProtocolConfigStore& store);

// Logs a start-up failure and exits non-zero: for start-up only.
[[noreturn]] void ExitOnStartupError(const std::string& what, const absl::Status& status);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_RUNTIME_SERVICE_RUNTIME_H_
