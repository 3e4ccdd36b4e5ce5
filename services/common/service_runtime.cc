#include "services/common/service_runtime.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "services/common/events.h"
#include "services/common/log.h"

ABSL_FLAG(std::string, config, "deploy/config/protocol.yaml", "Protocol configuration (YAML)");
ABSL_FLAG(std::string, kafka_brokers, "127.0.0.1:9092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "Redis host:port");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:0", "gRPC listen address (port 0 picks one)");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:0", "/metrics and /healthz listen address");
ABSL_FLAG(std::string, ready_file, "", "If set, a JSON file with the bound ports, written once serving");
ABSL_FLAG(bool, ensure_topics, true, "Create missing csec topics at start");

namespace csec {
namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

ServiceRuntime ServiceRuntime::Init(const std::string& service, int argc, char** argv) {
  absl::SetProgramUsageMessage(absl::StrCat("csec-dispatch ", service, " service"));
  absl::ParseCommandLine(argc, argv);
  log::SetService(service);
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  ServiceRuntime runtime;
  runtime.service_ = service;
  runtime.flags_ = {
      .config_path = absl::GetFlag(FLAGS_config),
      .kafka_brokers = absl::GetFlag(FLAGS_kafka_brokers),
      .redis_address = absl::GetFlag(FLAGS_redis),
      .grpc_listen = absl::GetFlag(FLAGS_grpc_listen),
      .http_listen = absl::GetFlag(FLAGS_http_listen),
      .ready_file = absl::GetFlag(FLAGS_ready_file),
      .ensure_topics = absl::GetFlag(FLAGS_ensure_topics),
  };
  return runtime;
}

ServiceConnections ServiceRuntime::ConnectOrExit() const {
  ServiceConnections c;
  auto config = ProtocolConfigStore::Create(flags_.config_path);
  if (!config.ok()) ExitOnStartupError("--config", config.status());
  c.config = *std::move(config);
  log::Info("config.loaded", {{"file", flags_.config_path}, {"config_version", c.config->Current()->version}});
  auto redis = RedisClient::Connect(flags_.redis_address);
  if (!redis.ok()) ExitOnStartupError("--redis", redis.status());
  c.redis = *std::move(redis);
  if (flags_.ensure_topics) {
    if (absl::Status s = EnsureTopics(kafka(), AllTopics(), kTopicPartitions, 1); !s.ok()) {
      ExitOnStartupError("--kafka_brokers", s);
    }
  }
  auto producer = KafkaProducer::Create(kafka());
  if (!producer.ok()) ExitOnStartupError("--kafka_brokers", producer.status());
  c.producer = *std::move(producer);
  return c;
}

void ServiceRuntime::WriteReadyFile(std::initializer_list<std::pair<std::string, int>> ports) const {
  std::string json = "{";
  for (const auto& [name, port] : ports) {
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", log::JsonEscape(name), "\":", port);
  }
  json += "}\n";
  if (!flags_.ready_file.empty()) {
    // Written whole under another name, then renamed: a reader never sees half a file.
    const std::string tmp = flags_.ready_file + ".tmp";
    std::ofstream(tmp) << json;
    std::rename(tmp.c_str(), flags_.ready_file.c_str());
  }
  log::Info("service.ready", {{"ports", json.substr(0, json.size() - 1)}});
}

void ServiceRuntime::WaitForStop(const std::function<void()>& on_reload) const {
  sigset_t set = HandledSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log::Info("service.reload_requested");
      on_reload();
      continue;
    }
    log::Info("service.stopping", {{"signal", sig}});
    return;
  }
}

void ReloadProtocolConfig(ProtocolConfigStore& store) {
  if (absl::Status s = store.Reload(); !s.ok()) {
    log::Error("config.reload_refused", {{"file", store.path()}, {"error", std::string(s.message())},
                                         {"config_version", store.Current()->version}});
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
