// What one simulation run leaves behind, as the checker (invariants.h) and the report
// (report.h) read it: every record of the csec topics for the run's cases, with the broker's
// real timestamp, and how simulated time maps to real time.
#ifndef CSEC_TOOLS_SIMULATE_RUN_FACTS_H_
#define CSEC_TOOLS_SIMULATE_RUN_FACTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"

namespace csec::simulate {

// Simulated time runs `scale` times faster than real time: at real instant `real_origin` it was
// `sim_origin`. Every service of the run was started with the same mapping.
struct ClockMapping {
  double scale = 1;
  absl::Time sim_origin;
  absl::Time real_origin;
  absl::Time SimAt(absl::Time real) const { return sim_origin + (real - real_origin) * scale; }
  absl::Time RealAt(absl::Time sim) const { return real_origin + (sim - sim_origin) / scale; }
};

struct TopicRecord {
  std::string topic;  // e.g. "csec.timers.v1"
  int32_t partition = 0;
  int64_t offset = 0;
  absl::Time broker_time;  // the message's Kafka timestamp: real time, when the producer sent it
  csec::dispatch::v1::Envelope envelope;
};

// A fault injected during the run, for the report.
struct FaultRecord {
  std::string what;       // "kill intake", "restart broker", "restart redis"
  absl::Time real_start;  // when it was killed / stopped
  absl::Time real_end;    // when it was serving again
};

struct RunFacts {
  ClockMapping clock;
  absl::Time sim_start;  // first identification may come from here
  absl::Time sim_end;    // the run's simulated clock stopped here; timers due later are still open
  // Every case the simulator reported and intake accepted (its case id), in report order.
  std::vector<std::string> reported_case_ids;
  // Every record of csec.intake.v1, csec.routing.v1, csec.timers.v1, csec.paging.v1 and
  // csec.medical.v1 whose envelope's case_id is one of reported_case_ids, in topic/partition/
  // offset order (a replayed event can appear twice with the same event_id).
  std::vector<TopicRecord> records;
  std::vector<FaultRecord> faults;
  std::string label;  // e.g. "roster 3 per rotation"; what-if runs differ by it
};

}  // namespace csec::simulate

#endif  // CSEC_TOOLS_SIMULATE_RUN_FACTS_H_
