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

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka.h"

namespace csec::testing {

struct StackEnv {
  std::string kafka_brokers;
  std::string redis_address;
  std::string bin_dir;     // where the service binaries are ($CSEC_BIN_DIR)
  std::string source_dir;  // the repository ($CSEC_SOURCE_DIR)

  static StackEnv FromEnvironment();
  KafkaSettings kafka(const std::string& client_id) const {
    return {.brokers = kafka_brokers, .client_id = client_id, .extra = {}};
  }
  std::string protocol_config() const { return source_dir + "/deploy/config/protocol.yaml"; }
};

// A service binary run as a child process; stopped with SIGTERM (or killed) on destruction,
// which also removes its temporary directory.
class ServiceProcess {
 public:
  // Starts `binary` (a name in bin_dir) with the stack's Kafka and Redis and `extra_args`,
  // and waits until it wrote its ready file.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const std::string& binary, const StackEnv& stack,
                                                               std::vector<std::string> extra_args,
                                                               absl::Duration timeout = absl::Seconds(60));
  ~ServiceProcess();

  int port(const std::string& name) const;
  pid_t pid() const { return pid_; }
  // Sends `signal` and, for SIGKILL/SIGTERM, reaps the process.
  void Signal(int signal);
  std::string log_path() const { return log_path_; }

 private:
  ServiceProcess(pid_t pid, std::string dir, std::string log_path, std::map<std::string, int> ports)
      : pid_(pid), dir_(std::move(dir)), log_path_(std::move(log_path)), ports_(std::move(ports)) {}
  pid_t pid_;
  std::string dir_;  // ready file and log; removed with the process
  std::string log_path_;
  std::map<std::string, int> ports_;
};

// Polls `condition` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// A fresh temporary directory for one test.
std::string MakeTempDir();

}  // namespace csec::testing

#endif  // CSEC_TESTS_INTEGRATION_HARNESS_H_
