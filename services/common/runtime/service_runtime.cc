#include "services/common/runtime/service_runtime.h"

#include <signal.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/common/base/log.h"
#include "services/common/domain/events.h"
#include "services/common/serving/grpc_server.h"
#include "services/common/serving/http_server.h"

ABSL_FLAG(std::string, config, "deploy/config/protocol.yaml", "Protocol configuration (YAML)");
ABSL_FLAG(std::string, kafka_brokers, "127.0.0.1:9092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "Redis host:port");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:0", "gRPC listen address (port 0 picks one)");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:0", "/livez, /readyz and /metrics listen address");
ABSL_FLAG(std::string, ready_file, "", "If set, a JSON file with the bound ports, written once serving");
ABSL_FLAG(std::string, instance_id, "",
          "Stable name of this replica (e.g. the pod name) for static Kafka group membership: restarted "
          "under the same name it gets its partitions back at once. Never shared by two live replicas.");
ABSL_FLAG(bool, ensure_topics, true, "Create missing csec topics at start (and raise too short retention)");
ABSL_FLAG(int, topic_partitions, csec::kTopicPartitions, "Partitions of every csec topic (one count for all)");
ABSL_FLAG(int, topic_replication_factor, 1, "Replication factor of the csec topics (3 on a three-broker cluster)");
ABSL_FLAG(int, topic_min_insync_replicas, 0,
          "min.insync.replicas of the csec topics; 0 picks 2 when replicated 3 or more times, else 1");
ABSL_FLAG(absl::Duration, topic_retention_margin, absl::Hours(24 * 30),
          "Topics keep events for the longest protocol deadline plus this margin (a lost Redis is rebuilt by replay)");
ABSL_FLAG(absl::Duration, kafka_session_timeout, absl::Seconds(10),
          "How long the group waits for a silent member before moving its partitions");
ABSL_FLAG(absl::Duration, kafka_stall_after, absl::Seconds(30),
          "A consumed partition with messages waiting and no progress this long makes the service not ready");
ABSL_FLAG(absl::Duration, shutdown_flush_timeout, absl::Seconds(10),
          "On stop, how long to wait for Kafka to acknowledge what is still queued");
ABSL_FLAG(absl::Duration, dedupe_horizon, absl::Hours(24 * 7),
          "How long a consumer remembers an event id it handled (its Redis marker's expiry)");
ABSL_FLAG(int, redis_connections, 2, "Pipelined Redis connections per process");
ABSL_FLAG(double, clock_scale, 1,
          "Simulations only: protocol time runs this many times faster than real time (1: the real clock)");
ABSL_FLAG(std::string, clock_origin, "",
          "With --clock_scale: the simulated instant (RFC3339, e.g. 2026-01-05T00:00:00-08:00) the clock read "
          "at --clock_origin_real");
ABSL_FLAG(std::string, clock_origin_real, "",
          "With --clock_scale: the real instant (RFC3339, sub-second precision) at which the clock read "
          "--clock_origin; every process of one simulation gets the same three values");

namespace csec {
namespace {

// How often the monitor looks at Redis and Kafka, and how long each look may take.
constexpr absl::Duration kMonitorInterval = absl::Seconds(1);
constexpr absl::Duration kProbeTimeout = absl::Seconds(2);
constexpr absl::Duration kGrpcDrainTimeout = absl::Seconds(5);

// --clock_origin / --clock_origin_real: required and RFC3339 when the clock is scaled, else empty.
absl::Time ClockOriginFlag(const char* flag, const std::string& value, bool scaled) {
  if (!scaled) {
    if (!value.empty()) {
      ExitOnStartupError(flag, absl::InvalidArgumentError("must be empty when --clock_scale is 1 (the real clock)"));
    }
    return absl::Time();
  }
  if (value.empty()) ExitOnStartupError(flag, absl::InvalidArgumentError("required when --clock_scale is not 1"));
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, value, &t, &error)) {
    ExitOnStartupError(
        flag, absl::InvalidArgumentError(
                  absl::StrCat("\"", value, "\" is not an RFC3339 instant (e.g. 2026-01-05T00:00:00-08:00): ", error)));
  }
  return t;
}

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

ServiceFlags ParseFlags(const std::string& service, int argc, char** argv) {
  absl::SetProgramUsageMessage(absl::StrCat("csec-dispatch ", service, " service"));
  absl::ParseCommandLine(argc, argv);
  ServiceFlags f{
      .config_path = absl::GetFlag(FLAGS_config),
      .kafka_brokers = absl::GetFlag(FLAGS_kafka_brokers),
      .redis_address = absl::GetFlag(FLAGS_redis),
      .grpc_listen = absl::GetFlag(FLAGS_grpc_listen),
      .http_listen = absl::GetFlag(FLAGS_http_listen),
      .ready_file = absl::GetFlag(FLAGS_ready_file),
      .instance_id = absl::GetFlag(FLAGS_instance_id),
      .ensure_topics = absl::GetFlag(FLAGS_ensure_topics),
      .topics = {.partitions = absl::GetFlag(FLAGS_topic_partitions),
                 .replication_factor = absl::GetFlag(FLAGS_topic_replication_factor),
                 .min_insync_replicas = absl::GetFlag(FLAGS_topic_min_insync_replicas),
                 .retention = absl::ZeroDuration()},
      .session_timeout = absl::GetFlag(FLAGS_kafka_session_timeout),
      .shutdown_flush_timeout = absl::GetFlag(FLAGS_shutdown_flush_timeout),
      .dedupe_horizon = absl::GetFlag(FLAGS_dedupe_horizon),
      .redis_connections = absl::GetFlag(FLAGS_redis_connections),
      .clock_scale = absl::GetFlag(FLAGS_clock_scale),
      .clock_origin = absl::Time(),  // below, once the scale is known
      .clock_origin_real = absl::Time(),
  };
  if (f.topics.partitions < 1)
    ExitOnStartupError("--topic_partitions", absl::InvalidArgumentError("must be at least 1"));
  if (f.topics.replication_factor < 1) {
    ExitOnStartupError("--topic_replication_factor", absl::InvalidArgumentError("must be at least 1"));
  }
  if (f.topics.min_insync_replicas == 0) f.topics.min_insync_replicas = f.topics.replication_factor >= 3 ? 2 : 1;
  if (f.topics.min_insync_replicas > f.topics.replication_factor) {
    ExitOnStartupError("--topic_min_insync_replicas",
                       absl::InvalidArgumentError("must not exceed --topic_replication_factor"));
  }
  if (f.redis_connections < 1)
    ExitOnStartupError("--redis_connections", absl::InvalidArgumentError("must be at least 1"));
  if (absl::GetFlag(FLAGS_kafka_stall_after) < absl::Seconds(1)) {
    ExitOnStartupError("--kafka_stall_after", absl::InvalidArgumentError("must be at least 1s"));
  }
  if (f.session_timeout < absl::Seconds(1)) {
    ExitOnStartupError("--kafka_session_timeout", absl::InvalidArgumentError("must be at least 1s"));
  }
  // A scale below 1 would stretch every lease and retry; NaN fails this comparison too.
  if (!(f.clock_scale >= 1) || !std::isfinite(f.clock_scale)) {
    ExitOnStartupError("--clock_scale",
                       absl::InvalidArgumentError(absl::StrCat("must be a finite number, at least 1, got ",
                                                               absl::GetFlag(FLAGS_clock_scale))));
  }
  const bool scaled = f.clock_scale != 1;
  f.clock_origin = ClockOriginFlag("--clock_origin", absl::GetFlag(FLAGS_clock_origin), scaled);
  f.clock_origin_real = ClockOriginFlag("--clock_origin_real", absl::GetFlag(FLAGS_clock_origin_real), scaled);
  return f;
}

void WriteReadyFile(const std::string& path, const std::vector<std::pair<std::string, int>>& ports) {
  std::string json = "{";
  for (const auto& [name, port] : ports) {
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", log::JsonEscape(name), "\":", port);
  }
  json += "}\n";
  if (!path.empty()) {
    // Written whole under another name, then renamed: a reader never sees half a file.
    const std::string tmp = path + ".tmp";
    std::ofstream(tmp) << json;
    std::rename(tmp.c_str(), path.c_str());
  }
  log::Info("service.ready", {{"ports", json.substr(0, json.size() - 1)}});
}

// Keeps the readiness checks true: Redis answers, a Kafka broker answers, each consumer that
// the service needs owns partitions, and no consumer is stalled. Its own thread, looking every
// second.
class DependencyMonitor {
 public:
  struct Watched {
    const KafkaConsumer* consumer;
    bool needs_partitions;  // owning no partition makes the service not ready
  };

  DependencyMonitor(HealthState* health, RedisClient* redis, KafkaProducer* producer, std::vector<Watched> consumers,
                    std::vector<std::function<absl::Status()>> state_checks)
      : health_(health),
        redis_(redis),
        producer_(producer),
        consumers_(std::move(consumers)),
        state_checks_(std::move(state_checks)) {}
  ~DependencyMonitor() {
    stop_.Notify();
    if (thread_.joinable()) thread_.join();
  }

  void LookOnce() {
    absl::StatusOr<RedisReply> pong = redis_->Command({"PING"}, absl::Now() + kProbeTimeout);
    health_->Set("redis", pong.ok() ? absl::OkStatus()
                                    : absl::UnavailableError(absl::StrCat(
                                          "Redis ", redis_->address(), " does not answer: ", pong.status().message())));
    absl::Status brokers = producer_->CheckBrokers(kProbeTimeout);
    health_->Set("kafka", brokers.ok()
                              ? absl::OkStatus()
                              : absl::UnavailableError(absl::StrCat("Kafka unreachable: ", brokers.message())));
    for (const Watched& w : consumers_) {
      if (w.needs_partitions) {
        health_->Set(absl::StrCat("partitions ", w.consumer->group_id()),
                     w.consumer->HasAssignment()
                         ? absl::OkStatus()
                         : absl::UnavailableError(absl::StrCat("consumer group ", w.consumer->group_id(),
                                                               " has assigned this member no partition")));
      }
      health_->Set(absl::StrCat("progress ", w.consumer->group_id()), w.consumer->Progress());
    }
    for (const auto& check : state_checks_) {
      if (absl::Status whole = check(); absl::IsFailedPrecondition(whole)) {
        // Working on would act on state that is gone (a reservation forgotten, a slot given
        // twice); a fresh start rebuilds it from Kafka first.
        log::Error("service.state_lost", {{"error", whole.ToString()}});
        std::_Exit(3);
      }
    }
  }

  void Start() {
    thread_ = std::thread([this] {
      while (!stop_.WaitForNotificationWithTimeout(kMonitorInterval)) LookOnce();
    });
  }

 private:
  HealthState* health_;
  RedisClient* redis_;
  KafkaProducer* producer_;
  std::vector<Watched> consumers_;
  std::vector<std::function<absl::Status()>> state_checks_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace

absl::Duration TopicRetention(const ProtocolConfig& config, absl::Duration margin) {
  absl::Duration longest = absl::ZeroDuration();
  for (const Deadline& d : config.deadlines) longest = std::max(longest, d.duration);
  return longest + margin;
}

int ServiceRuntime::Run(const std::string& service, int argc, char** argv, const Setup& setup) {
  sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles, a debugging aid that
  // costs a graph update per lock on every hot path; the tests run with it (see the unit tests).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  log::SetService(service);
  ServiceFlags flags = ParseFlags(service, argc, argv);
  if (flags.clock_scale != 1) {
    log::Info("clock.scaled",
              {{"scale", absl::StrCat(flags.clock_scale)},
               {"origin", absl::FormatTime(absl::RFC3339_full, flags.clock_origin, absl::UTCTimeZone())},
               {"origin_real", absl::FormatTime(absl::RFC3339_full, flags.clock_origin_real, absl::UTCTimeZone())}});
  }

  HealthState health;
  health.Set("startup", absl::UnavailableError("starting"));
  auto http = HttpServer::Start(flags.http_listen, &health);
  if (!http.ok()) ExitOnStartupError("--http_listen", http.status());

  auto config = ProtocolConfigStore::Create(flags.config_path);
  if (!config.ok()) ExitOnStartupError("--config", config.status());
  log::Info("config.loaded", {{"file", flags.config_path}, {"config_version", (*config)->Current()->version}});
  flags.topics.retention = TopicRetention(*(*config)->Current(), absl::GetFlag(FLAGS_topic_retention_margin));

  auto redis = RedisClient::Connect(flags.redis_address, {.connections = flags.redis_connections});
  if (!redis.ok()) ExitOnStartupError("--redis", redis.status());

  const KafkaSettings kafka{.brokers = flags.kafka_brokers, .client_id = service, .extra = {}};
  if (flags.ensure_topics) {
    if (absl::Status s = EnsureTopics(kafka, AllTopics(), flags.topics); !s.ok()) {
      ExitOnStartupError("--kafka_brokers", s);
    }
  }
  auto producer = KafkaProducer::Create(kafka, {.flush_timeout = flags.shutdown_flush_timeout});
  if (!producer.ok()) ExitOnStartupError("--kafka_brokers", producer.status());
  // Declared before the context, so it outlives everything the setup owns.
  EventProducer events(producer->get(), TopicOfService(service));

  ServiceContext context;
  if (flags.clock_scale != 1) {
    context.owned_clock_ =
        std::make_unique<ScaledClock>(flags.clock_origin, flags.clock_origin_real, flags.clock_scale);
    context.clock_ = context.owned_clock_.get();
  }
  context.service_ = service;
  context.flags_ = flags;
  context.config_ = config->get();
  context.redis_ = redis->get();
  context.producer_ = &events;
  context.health_ = &health;
  if (absl::Status s = setup(context); !s.ok()) ExitOnStartupError(service, s);

  std::vector<GrpcService> grpc_services;
  for (const auto& [name, impl] : context.services_) grpc_services.push_back({.name = name, .service = impl});
  auto grpc_server = StartGrpcServer(flags.grpc_listen, grpc_services, &health);
  if (!grpc_server.ok()) ExitOnStartupError("--grpc_listen", grpc_server.status());

  std::vector<std::unique_ptr<KafkaConsumer>> consumers;
  std::vector<DependencyMonitor::Watched> watched;
  for (ServiceContext::ConsumerSpec& spec : context.consumers_) {
    spec.options.kafka = kafka;
    spec.options.instance_id = flags.instance_id;
    spec.options.session_timeout = flags.session_timeout;
    spec.options.stall_after = absl::GetFlag(FLAGS_kafka_stall_after);
    auto consumer = KafkaConsumer::Start(spec.options, producer->get(), std::move(spec.handler));
    if (!consumer.ok()) ExitOnStartupError("--kafka_brokers", consumer.status());
    watched.push_back({.consumer = consumer->get(), .needs_partitions = spec.needed_for_readiness});
    consumers.push_back(*std::move(consumer));
  }

  DependencyMonitor monitor(&health, redis->get(), producer->get(), std::move(watched),
                            std::move(context.state_checks_));
  monitor.LookOnce();
  health.Set("startup", absl::OkStatus());
  monitor.Start();
  WriteReadyFile(flags.ready_file, {{"grpc_port", grpc_server->port}, {"http_port", (*http)->port()}});

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log::Info("service.reload_requested");
      ReloadProtocolConfig(**config);
      continue;
    }
    log::Info("service.stopping", {{"signal", sig}});
    break;
  }

  health.SetStopping();
  grpc_server->Shutdown(absl::Now() + kGrpcDrainTimeout);
  for (auto& consumer : consumers) consumer->Stop();
  for (auto& stop : context.on_stop_) stop();
  if (absl::Status flushed = (*producer)->Flush(flags.shutdown_flush_timeout); !flushed.ok()) {
    log::Warn("service.flush_incomplete", {{"error", flushed.ToString()}});
  }
  log::Info("service.stopped");
  return 0;
}

void ReloadProtocolConfig(ProtocolConfigStore& store) {
  if (absl::Status s = store.Reload(); !s.ok()) {
    log::Error(
        "config.reload_refused",
        {{"file", store.path()}, {"error", std::string(s.message())}, {"config_version", store.Current()->version}});
  } else {
    log::Info("config.reloaded", {{"file", store.path()}, {"config_version", store.Current()->version}});
  }
}

void ExitOnStartupError(const std::string& what, const absl::Status& status) {
  log::Error("service.startup_failed", {{"what", what}, {"error", status.ToString()}});
  std::fprintf(stderr, "%s: %s\n", what.c_str(), std::string(status.message()).c_str());
  std::exit(1);
}

}  // namespace csec
