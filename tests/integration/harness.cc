#include "tests/integration/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/base/ids.h"

extern char** environ;

namespace csec::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    std::fprintf(stderr, "%s is not set: run integration tests through ctest, which starts the stack\n", name);
    std::abort();
  }
  return v;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Default instance ids held by live service processes of this test binary.
absl::Mutex instance_slots_mu;
std::set<std::string>& HeldInstanceSlots() {
  static std::set<std::string>* held = new std::set<std::string>();
  return *held;
}

std::string TakeInstanceSlot(const std::string& binary) {
  absl::MutexLock lock(&instance_slots_mu);
  for (int n = 0;; ++n) {
    std::string slot = absl::StrCat(binary, "-test-", n);
    if (HeldInstanceSlots().insert(slot).second) return slot;
  }
}

void ReleaseInstanceSlot(const std::string& slot) {
  if (slot.empty()) return;
  absl::MutexLock lock(&instance_slots_mu);
  HeldInstanceSlots().erase(slot);
}

}  // namespace

StackEnv StackEnv::FromEnvironment() {
  StackEnv env;
  env.bin_dir = RequireEnv("CSEC_BIN_DIR");
  env.source_dir = RequireEnv("CSEC_SOURCE_DIR");
  const std::string env_file = RequireEnv("CSEC_STACK_ENV");
  env.stack_dir = std::filesystem::path(env_file).parent_path().string();
  for (absl::string_view line : absl::StrSplit(ReadFile(env_file), '\n')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.first == "KAFKA_BROKERS") env.kafka_brokers = kv.second;
    if (kv.first == "REDIS_ADDR") env.redis_address = kv.second;
  }
  if (env.kafka_brokers.empty() || env.redis_address.empty()) {
    std::fprintf(stderr, "stack env file lacks KAFKA_BROKERS or REDIS_ADDR\n");
    std::abort();
  }
  return env;
}

absl::Status StackEnv::Control(const std::string& command, const std::string& part) const {
  const std::string line = absl::StrCat("'", source_dir, "/tools/stack/stack.sh' ", command, " ", part, " --dir '",
                                        stack_dir, "' >/dev/null 2>&1");
  const int rc = std::system(line.c_str());
  if (rc != 0) return absl::InternalError(absl::StrCat(line, " exited with ", rc));
  return absl::OkStatus();
}

HttpAnswer HttpGet(int port, const std::string& path, absl::Duration timeout) {
  HttpAnswer answer;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return answer;
  const absl::Time deadline = absl::Now() + timeout;
  const timeval tv = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return answer;
  }
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buf[4096];
  for (ssize_t n; absl::Now() < deadline && (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (absl::Now() > deadline) return answer;  // too late counts as no answer
  if (response.size() < 12 || !absl::SimpleAtoi(response.substr(9, 3), &answer.status)) return answer;
  if (size_t body = response.find("\r\n\r\n"); body != std::string::npos) answer.body = response.substr(body + 4);
  return answer;
}

bool ConsumerCaughtUp(int http_port, const std::string& group, int partitions) {
  const HttpAnswer metrics = HttpGet(http_port, "/metrics");
  if (metrics.status != 200) return false;
  const std::string prefix = absl::StrCat("csec_kafka_consumer_lag{group=\"", group, "\",");
  int seen = 0;
  for (absl::string_view line : absl::StrSplit(metrics.body, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    ++seen;
    if (!absl::EndsWith(line, " 0")) return false;
  }
  return seen == partitions;
}

std::string GrpcHealth(int port, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = stub->Check(&context, request, &response);
  if (!s.ok()) return absl::StrCat("error ", s.error_code(), ": ", s.error_message());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

grpc::Status ReportSample(int intake_port, csec::tools::SampleKind kind, const std::string& idempotency_key,
                          csec::dispatch::v1::ReportIdentificationResponse* response, absl::Duration deadline) {
  auto stub = csec::dispatch::v1::IntakeService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", intake_port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return stub->ReportIdentification(&context, csec::tools::SampleReferral(kind, idempotency_key, absl::Now()),
                                    response);
}

bool AwaitCaseRouted(const StackEnv& stack, const std::string& case_id, absl::Duration timeout,
                     csec::dispatch::v1::CaseRouted* routed) {
  return WaitFor(
      [&] {
        bool found = false;
        // A scan that fails (the broker briefly away) just means not found yet.
        (void)ScanTopic(stack.kafka("test-await-routed"), "csec.routing.v1", absl::Seconds(30), true,
                        [&](const ConsumedMessage& m) {
                          csec::dispatch::v1::Envelope e;
                          if (e.ParseFromString(m.payload) && e.case_id() == case_id && e.has_case_routed()) {
                            if (routed) *routed = e.case_routed();
                            found = true;
                            return false;
                          }
                          return true;
                        });
        return found;
      },
      timeout);
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));  // poll interval of a condition wait
  }
  return condition();
}

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(base && *base ? base : "/tmp", "/csec-test-XXXXXX");
  return mkdtemp(pattern.data());
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(const std::string& binary, const StackEnv& stack,
                                                                      std::vector<std::string> extra_args,
                                                                      absl::Duration timeout) {
  std::string instance_slot;
  if (std::none_of(extra_args.begin(), extra_args.end(),
                   [](const std::string& a) { return absl::StartsWith(a, "--instance_id="); })) {
    instance_slot = TakeInstanceSlot(binary);
    extra_args.push_back("--instance_id=" + instance_slot);
  }
  const std::string dir = MakeTempDir();
  const std::string ready_file = dir + "/ready.json";
  const std::string log_path = absl::StrCat(dir, "/", binary, ".log");
  std::vector<std::string> args = {stack.bin_dir + "/" + binary,     "--kafka_brokers=" + stack.kafka_brokers,
                                   "--redis=" + stack.redis_address, "--config=" + stack.protocol_config(),
                                   "--grpc_listen=127.0.0.1:0",      "--http_listen=127.0.0.1:0",
                                   "--ready_file=" + ready_file};
  for (auto& a : extra_args) args.push_back(std::move(a));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": ", strerror(rc)));

  bool exited = false;
  bool ready = WaitFor(
      [&] {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) exited = true;
        return exited || access(ready_file.c_str(), R_OK) == 0;
      },
      timeout);
  if (!ready || exited) {
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    std::string log = ReadFile(log_path);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    ReleaseInstanceSlot(instance_slot);
    return absl::UnavailableError(
        absl::StrCat(binary, exited ? " exited" : " not ready in time", " during start-up; its log:\n", log));
  }
  std::map<std::string, int> ports;
  static const std::regex kPort("\"([a-z_]+)\":([0-9]+)");
  const std::string ready_json = ReadFile(ready_file);
  for (auto it = std::sregex_iterator(ready_json.begin(), ready_json.end(), kPort); it != std::sregex_iterator();
       ++it) {
    ports[(*it)[1]] = std::stoi((*it)[2]);
  }
  return std::unique_ptr<ServiceProcess>(new ServiceProcess(pid, dir, log_path, std::move(ports), instance_slot));
}

int ServiceProcess::port(const std::string& name) const {
  auto it = ports_.find(name);
  return it == ports_.end() ? 0 : it->second;
}

std::optional<int> ServiceProcess::WaitForExit(absl::Duration timeout) {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  if (!WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout)) return std::nullopt;
  pid_ = 0;
  ReleaseInstanceSlot(instance_slot_);
  instance_slot_.clear();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServiceProcess::Signal(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  if (signal == SIGKILL || signal == SIGTERM) {
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
    ReleaseInstanceSlot(instance_slot_);
    instance_slot_.clear();
  }
}

ServiceProcess::~ServiceProcess() {
  Signal(SIGTERM);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace csec::testing
