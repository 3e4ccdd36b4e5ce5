// Test harness for integration and end-to-end tests: the real Kafka broker and Redis that the
// CTest fixture `stack` started (tools/stack/stack.sh), and services run as real processes.
//
//   StackEnv stack = StackEnv::FromEnvironment();        // reads $CSEC_STACK_ENV
//   auto intake = ServiceProcess::Start("csec-intake", stack, {});
//   int port = (*intake)->port("grpc_port");
//
// Waiting is always on a condition with a deadline, never a fixed sleep.
#ifndef CSEC_TESTS_INTEGRATION_HARNESS_H_
#define CSEC_TESTS_INTEGRATION_HARNESS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/kafka/kafka.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::testing {

struct StackEnv {
  std::string kafka_brokers;
  std::string redis_address;
  std::string bin_dir;     // where the service binaries are ($CSEC_BIN_DIR)
  std::string source_dir;  // the repository ($CSEC_SOURCE_DIR)
  std::string stack_dir;   // where tools/stack/stack.sh keeps this stack (the env file's folder)

  static StackEnv FromEnvironment();
  KafkaSettings kafka(const std::string& client_id) const {
    return {.brokers = kafka_brokers, .client_id = client_id, .extra = {}};
  }
  std::string protocol_config() const { return source_dir + "/deploy/config/protocol.yaml"; }

  // Runs `tools/stack/stack.sh <command> <part> --dir <stack_dir>`, e.g. ("stop", "redis") to
  // take Redis away and ("start", "") to bring back whatever is down; OK when it exits 0.
  absl::Status Control(const std::string& command, const std::string& part) const;
};

// GET http://127.0.0.1:<port><path>: the status code (0 when nothing answered within
// `timeout`, connection included) and the body.
struct HttpAnswer {
  int status = 0;
  std::string body;
};
HttpAnswer HttpGet(int port, const std::string& path, absl::Duration timeout = absl::Seconds(5));

// True when the service at 127.0.0.1:<http_port> reports (csec_kafka_consumer_lag on /metrics,
// from the broker) `partitions` partitions of consumer group `group`, none with a message left to
// handle. A process started after the messages were produced cannot read a stale 0.
bool ConsumerCaughtUp(int http_port, const std::string& group, int partitions);

// grpc.health.v1.Health/Check of `service` ("" for the server as a whole) at 127.0.0.1:<port>:
// "SERVING", "NOT_SERVING", or the gRPC error.
std::string GrpcHealth(int port, const std::string& service);

// A service binary run as a child process; stopped with SIGTERM (or killed) on destruction,
// which also removes its temporary directory.
class ServiceProcess {
 public:
  // Starts `binary` (a name in bin_dir) with the stack's Kafka and Redis and `extra_args`,
  // and waits until it wrote its ready file. Unless `extra_args` names one, the process gets
  // --instance_id=<binary>-test-<n>, n the lowest not held by a live process of that binary:
  // static group members leave no partitions behind when they die, so each test's first routing
  // takes over the previous test's (as a restarted replica does) instead of waiting out its
  // session.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const std::string& binary, const StackEnv& stack,
                                                               std::vector<std::string> extra_args,
                                                               absl::Duration timeout = absl::Seconds(60));
  ~ServiceProcess();

  int port(const std::string& name) const;
  pid_t pid() const { return pid_; }
  // Sends `signal` and, for SIGKILL/SIGTERM, reaps the process.
  void Signal(int signal);
  // Waits until the process exits by itself (reaping it): its exit code, or -1 when it was killed
  // by a signal, or nullopt when it still runs after `timeout`.
  std::optional<int> WaitForExit(absl::Duration timeout);
  std::string log_path() const { return log_path_; }

 private:
  ServiceProcess(pid_t pid, std::string dir, std::string log_path, std::map<std::string, int> ports,
                 std::string instance_slot)
      : pid_(pid),
        dir_(std::move(dir)),
        log_path_(std::move(log_path)),
        ports_(std::move(ports)),
        instance_slot_(std::move(instance_slot)) {}
  pid_t pid_;
  std::string dir_;  // ready file and log; removed with the process
  std::string log_path_;
  std::map<std::string, int> ports_;
  std::string instance_slot_;  // the default --instance_id it holds while alive, if any
};

// Reports a synthetic referral of `kind` (tools/dispatchctl/sample_referrals.h) under
// `idempotency_key` to intake at 127.0.0.1:<intake_port>, with a call deadline of `deadline`.
grpc::Status ReportSample(int intake_port, csec::tools::SampleKind kind, const std::string& idempotency_key,
                          csec::dispatch::v1::ReportIdentificationResponse* response,
                          absl::Duration deadline = absl::Seconds(30));

// Scans csec.routing.v1 until the CaseRouted of `case_id` is there (true) or `timeout` passes.
bool AwaitCaseRouted(const StackEnv& stack, const std::string& case_id, absl::Duration timeout,
                     csec::dispatch::v1::CaseRouted* routed = nullptr);

// Polls `condition` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// A fresh temporary directory for one test.
std::string MakeTempDir();

}  // namespace csec::testing

#endif  // CSEC_TESTS_INTEGRATION_HARNESS_H_
