// One simulation run on the real stack: a fresh Kafka broker and Redis (tools/stack/stack.sh),
// the five services as real processes under one scaled clock, the scenario's referrals reported
// at their simulated instants, people answering pages and arriving as the people model says,
// youths coming (or not) to their Medical Hub appointments, and faults injected on the way.
// Afterwards every record of the run's cases is read back from the topics (RunFacts), for the
// invariant checker and the report.
//
//   SimulationOptions options{...};
//   absl::StatusOr<RunFacts> facts = RunSimulation(options);
#ifndef CSEC_TOOLS_SIMULATE_SIMULATION_H_
#define CSEC_TOOLS_SIMULATE_SIMULATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/simulate/run_facts.h"
#include "tools/simulate/scenario.h"

namespace csec::simulate {

// A fault, at a fraction of the run's simulated span.
struct FaultPlan {
  std::string target;  // a service ("intake", ..., "medical"), "broker" or "redis"
  double at = 0.5;     // 0..1 of the run
};
// Each service killed with SIGKILL and restarted once, then the broker and Redis restarted,
// spread over the run.
std::vector<FaultPlan> EveryFault();

struct SimulationOptions {
  ScenarioOptions scenario;
  PeopleModel people;
  double scale = 15000;  // simulated seconds per real second
  // After the last identification the clock runs on this long, so its deadlines come due.
  absl::Duration tail = absl::Hours(24 * 8);
  int people_per_roster = 0;  // 0: the shipped deploy/config/paging.yaml; else a what-if roster size
  std::vector<FaultPlan> faults;
  std::string source_dir;  // the repository (configs, tools/stack/stack.sh)
  std::string bin_dir;     // the service binaries
  std::string work_dir;    // this run's stack, configs and service logs
  std::string label;
};

absl::StatusOr<RunFacts> RunSimulation(const SimulationOptions& options);

// Writes `text` to `path`, replacing it; names the path when it cannot.
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace csec::simulate

#endif  // CSEC_TOOLS_SIMULATE_SIMULATION_H_
