// The simulator's compliance report: what one run's records say about the protocol's promises
// (deadlines met, time to arrival, pages, Medical Hub use, where youth were at 72 hours), and
// the invariant check (invariants.h). Pure functions over RunFacts; plain data out, rendered as
// JSON (for machines), aligned text tables (for the terminal) and an SVG picture.
//
//   Report report = BuildReport(facts);
//   WriteFile("report.json", ReportJson(report));
//   std::cout << ReportText(report);        // ends with "invariants: all held" or the list
//   WriteFile("report.svg", ReportSvg(report));
//   std::cout << WhatIfText({baseline, variant});   // one column per run, by its label
//
// Conventions: durations are simulated unless named real; events are counted once per event id
// (a replayed event is one); percentiles are nearest-rank (the value at rank ceil(p/100 * n)
// of the n sorted values; p100 is the max); instants are UTC.
#ifndef CSEC_TOOLS_SIMULATE_REPORT_H_
#define CSEC_TOOLS_SIMULATE_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/simulate/invariants.h"
#include "tools/simulate/run_facts.h"

namespace csec::simulate {

// Nearest-rank percentiles of a set of durations. Zero when count is 0.
struct DurationStats {
  int64_t count = 0;
  absl::Duration p50 = absl::ZeroDuration();
  absl::Duration p90 = absl::ZeroDuration();
  absl::Duration max = absl::ZeroDuration();
};
DurationStats ComputeDurationStats(std::vector<absl::Duration> values);
// The nearest-rank p-th percentile (0 < p <= 100) of `sorted` (ascending, not empty).
absl::Duration NearestRank(const std::vector<absl::Duration>& sorted, int p);

// A key and how many: a hub, a person, a reason, ...
struct Count {
  std::string key;
  int64_t count = 0;
};

struct FaultSummary {
  std::string what;
  double real_seconds = 0;  // real_end - real_start
  double sim_minutes = 0;   // the same, in simulated minutes
};

struct RunSummary {
  std::string label;
  double scale = 1;
  absl::Time sim_start;
  absl::Time sim_end;
  absl::Duration real_duration = absl::ZeroDuration();  // (sim_end - sim_start) / scale
  int64_t referrals_reported = 0;
  int64_t events = 0;  // distinct events among the records
  std::vector<FaultSummary> faults;
};

// One deadline kind (DeadlineArmed.deadline_id). Each armed deadline is exactly one of met in
// time, missed, cancelled, open (armed = their sum):
// - met_in_time: a DeadlineMet with met_at <= due_at (also when an escalation went out anyway:
//   see escalated_met_in_time);
// - missed: not met in time and it came due: escalated (a DeadlineMissed) or met late;
// - cancelled: a DeadlineCancelled, neither met nor escalated;
// - open: none of those by the end of the run, or due after the end (the services' clocks run
//   on while the run stops; what comes due then is not judged).
// Beside them: escalated (deadlines with a DeadlineMissed, any outcome), met_late (met, after
// due_at), escalated_met_in_time (escalated although met in time; invariant 5 judges them).
struct DeadlineKindStats {
  std::string deadline_id;
  absl::Duration duration = absl::ZeroDuration();  // due_at - starts_at of its first DeadlineArmed
  int64_t armed = 0;
  int64_t met_in_time = 0;
  int64_t missed = 0;
  int64_t cancelled = 0;
  int64_t open = 0;
  int64_t escalated = 0;
  int64_t met_late = 0;
  int64_t escalated_met_in_time = 0;
  // met_in_time / (met_in_time + missed), in %; nullopt when nothing came due.
  std::optional<double> compliance_pct;
};

// Time to arrival of one role: identification (CaseRouted.identified_at) to the role's first
// ArrivalRecorded.arrived_at, per case.
struct AreaArrival {
  std::string area_id;  // CaseRouted.area_id; "(none)" when empty
  DurationStats stats;
};
struct ArrivalStats {
  std::string role;  // "responder" or "advocate"
  DurationStats overall;
  std::vector<AreaArrival> by_area;          // by area id
  int64_t routed_cases_without_arrival = 0;  // routed, no arrival of this role recorded
  std::vector<absl::Duration> sorted;        // every case's time to arrival, ascending (the histogram)
};

// Escalations: distinct DeadlineMissed events.
struct EscalationStats {
  int64_t escalations = 0;
  DurationStats late_by;  // DeadlineMissed.late_by, simulated
  // Real lateness: the DeadlineMissed's (earliest) broker_time - clock.RealAt(due_at), real
  // time, as measured (slightly negative only if the broker's clock is behind the run's).
  DurationStats real_late;
  int64_t in_flight = 0;  // escalated while the meeting fact was in flight (invariant 5)
  // Escalated although met in time, by a fact that reached the broker only after the due
  // instant (reported late with an earlier own time): the escalation was right.
  int64_t met_in_time_reported_after_due = 0;
};

struct PageStats {
  int64_t sent = 0;               // PageSent events (notifications of people)
  int64_t pages = 0;              // distinct page ids
  double sent_per_case_mean = 0;  // over the reported cases
  int64_t sent_per_case_max = 0;
  int64_t persons = 0;                // distinct people paged
  std::vector<Count> per_person_top;  // the most paged people, most first (at most 10)
  int64_t acknowledged = 0;           // PageAcknowledged
  int64_t declined = 0;               // PageDeclined
  int64_t chains_exhausted = 0;       // ChainExhausted
  std::vector<Count> sent_by_reason;  // PageSent by reason up to its ':' (case_routed, deadline_missed, ...)
};

struct MedicalStats {
  int64_t booked = 0;                // MedicalAppointmentScheduled (first bookings and rebookings)
  std::vector<Count> booked_by_hub;  // appointment.hub_id
  // First bookings (booking_number 1) by the local day of the appointment against the local day
  // of identification, in the county's time zone (America/Los_Angeles): 0 same, 1 next, later.
  // day_share_known false when the time zone could not be loaded; unknown_day: first bookings
  // whose case's identification or whose local date is not known.
  bool day_share_known = false;
  int64_t first_bookings = 0;
  int64_t same_day = 0;
  int64_t next_day = 0;
  int64_t later_day = 0;
  int64_t unknown_day = 0;
  int64_t no_shows = 0;                  // MedicalNoShowRecorded
  int64_t scheduling_failures = 0;       // MedicalSchedulingFailed
  std::vector<Count> failures_by_cause;  // its cause
  int64_t cancelled = 0;                 // MedicalAppointmentCancelled
  int64_t exams_recorded = 0;            // MedicalExamRecorded
  std::vector<Count> exams_by_hub;
};

// Where each reported case was at 72 hours: its latest PlacementRecorded with
// placed_at <= identified_at + 72h (by placed_at; identification from CaseRouted, else the
// referral's identified_at, else its occurred_at).
struct PlacementAt72h {
  int64_t cases = 0;
  int64_t home = 0;
  int64_t soda_pad_bed = 0;
  int64_t other = 0;  // PLACEMENT_KIND_OTHER (and unspecified)
  int64_t none = 0;   // none recorded by then
};

// Per deadline kind and simulated week of its due instant (week 1 starts at sim_start): met in
// time vs missed (as in DeadlineKindStats).
struct WeekCount {
  int week = 1;
  int64_t met_in_time = 0;
  int64_t missed = 0;
};
struct DeadlineWeeks {
  std::string deadline_id;
  std::vector<WeekCount> weeks;  // weeks 1 .. Report::weeks, every one
};

struct Report {
  RunSummary run;
  std::vector<DeadlineKindStats> deadlines;  // by deadline id
  std::vector<ArrivalStats> arrivals;        // responder, advocate
  EscalationStats escalations;
  PageStats pages;
  MedicalStats medical;
  PlacementAt72h placement_72h;
  int weeks = 0;  // simulated weeks the run's due instants span (at least the run's own)
  std::vector<DeadlineWeeks> compliance_by_week;  // by deadline id
  std::vector<Violation> violations;              // CheckInvariants(facts)
};

Report BuildReport(const RunFacts& facts);

// One JSON object (UTF-8): durations in seconds ("..._s", simulated) or real milliseconds
// ("..._real_ms"), instants RFC 3339, a percentage null when undefined.
std::string ReportJson(const Report& report);
// Aligned tables for a terminal; the last line is "invariants: all held" or
// "invariants: N violated", after the list.
std::string ReportText(const Report& report);
// A self-contained SVG 1.1 picture: compliance by week per deadline kind (lines), and the
// time-to-arrival histogram of responders and advocates (10-minute bins), with titles, axis
// labels and legends.
std::string ReportSvg(const Report& report);

// Runs side by side, one column per run (its label); rows: per deadline kind met in time,
// missed and compliance, arrival p50/p90 per role, pages per case, escalations, violations.
std::string WhatIfText(const std::vector<Report>& runs);
// {"runs": [labels], "rows": [{"metric": ..., "values": [one per run]}]}.
std::string WhatIfJson(const std::vector<Report>& runs);

}  // namespace csec::simulate

#endif  // CSEC_TOOLS_SIMULATE_REPORT_H_
