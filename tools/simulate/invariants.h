// The simulator's invariant checker: what must hold of every run, whatever its load or faults,
// checked over the records the run left on the csec topics (RunFacts). Pure: no Kafka, no
// clock, the same facts give the same answer.
//
//   RunFacts facts = ...;                                  // read back from the topics
//   for (const Violation& v : CheckInvariants(facts)) {
//     std::cerr << v.invariant << " " << v.case_id << ": " << v.detail << "\n";
//   }
//
// The invariants, as the issue states them and as they are checked (every "distinct" counts
// event ids: a replayed event, the same id on the topic again, is one event):
//
// 1. kNoReferralLost, "no referral lost": every case in facts.reported_case_ids has its
//    ReferralReceived on csec.intake.v1 and its CaseRouted on csec.routing.v1.
// 2. kRoutedOnce, "every case routed once": no case has two distinct CaseRouted event ids
//    (none at all is invariant 1's finding, not repeated here).
// 3. kPagedOnce, "no page sent twice for the same (case, role, reason)": every PageSent of one
//    (case, role, reason) carries one page_id; and within a page, no (attempt, person) was sent
//    under two distinct event ids (one attempt notifies every person of its step, each under its
//    own id; a person gets one attempt of a page at most once).
// 4. kDeadlineResolvedOnce, "every deadline either met or escalated exactly once": for every
//    (case, deadline id) with a DeadlineArmed whose due_at <= facts.sim_end - ResolutionGrace()
//    (deadlines due later may still be firing when the run's clock stops), exactly one outcome:
//      - met: a DeadlineMet and no DeadlineMissed (met in time, met_at <= due_at; or met late,
//        met_at > due_at, when the meeting fact reached timers before it fired: the deadline was
//        met, an escalation would have come after its meeting),
//      - escalated: exactly one distinct DeadlineMissed (a DeadlineMet after it is allowed:
//        met late),
//      - cancelled: a DeadlineCancelled.
//    Flagged: no outcome ("never resolved"), two or more distinct DeadlineMissed ("escalated
//    twice"), and two different outcomes (e.g. cancelled and escalated).
// 5. kNoEscalationWhenMetInTime, "no escalation for a deadline met in time": no DeadlineMissed
//    for a deadline with a DeadlineMet whose met_at <= due_at and whose meeting fact (the record
//    with event id met_by_event_id, its earliest broker_time) was on the broker clearly before
//    the deadline came due in real time: broker_time < clock.RealAt(due_at) - kInFlightAllowance.
//    A fact on the broker less than kInFlightAllowance before the due instant was in flight
//    (timers may not have consumed it yet): a race of its delivery, counted by the report, not a
//    violation. Neither is a fact that reached the broker after the due instant (reported late
//    with an earlier own time: nobody could have known in time), nor one not found among the
//    records.
//
// Also here, shared with the report (report.h) so both count deadlines the same way:
// CollectDeadlines, one history per (case, deadline id).
#ifndef CSEC_TOOLS_SIMULATE_INVARIANTS_H_
#define CSEC_TOOLS_SIMULATE_INVARIANTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/simulate/run_facts.h"

namespace csec::simulate {

inline constexpr char kNoReferralLost[] = "no_referral_lost";
inline constexpr char kRoutedOnce[] = "routed_once";
inline constexpr char kPagedOnce[] = "paged_once";
inline constexpr char kDeadlineResolvedOnce[] = "deadline_resolved_once";
inline constexpr char kNoEscalationWhenMetInTime[] = "no_escalation_when_met_in_time";

struct Violation {
  std::string invariant;  // one of the k... names above
  std::string case_id;
  std::string detail;  // for people: which events, which ids, how late
};

// Every violation of the five invariants, in invariant order (none: all held).
std::vector<Violation> CheckInvariants(const RunFacts& facts);

// One function per invariant (CheckInvariants runs them all).
std::vector<Violation> CheckNoReferralLost(const RunFacts& facts);
std::vector<Violation> CheckRoutedOnce(const RunFacts& facts);
std::vector<Violation> CheckPagedOnce(const RunFacts& facts);
std::vector<Violation> CheckDeadlineResolvedOnce(const RunFacts& facts);
std::vector<Violation> CheckNoEscalationWhenMetInTime(const RunFacts& facts);

// How long a meeting fact may have been on the broker before a deadline's due instant (real
// time) and still not have reached the timers service when it fired: its consumer's poll and
// handling. 250 real ms.
inline constexpr absl::Duration kInFlightAllowance = absl::Milliseconds(250);

// Invariant 4 judges only deadlines due at least this long before the run's simulated end: one
// simulated hour, plus two real seconds in simulated time (what the timers service may take to
// fire a due deadline), so a fire still in flight when the run stops is not flagged.
absl::Duration ResolutionGrace(const ClockMapping& clock);

// One deadline of one case, as its csec.timers.v1 events tell it. Points into the RunFacts it
// was collected from (keep those alive). Events are distinct by event id: the first record of
// each id.
struct DeadlineHistory {
  std::string case_id;
  std::string deadline_id;             // the deadline's kind, e.g. "responder_arrival" (DeadlineArmed)
  const TopicRecord* armed = nullptr;  // the first DeadlineArmed; nullptr: outcomes only
  absl::Time starts_at = absl::InfinitePast();
  absl::Time due_at = absl::InfiniteFuture();  // DeadlineArmed's, else the outcomes' own
  std::vector<const TopicRecord*> met;         // DeadlineMet
  std::vector<const TopicRecord*> missed;      // DeadlineMissed
  std::vector<const TopicRecord*> cancelled;   // DeadlineCancelled

  bool MetInTime() const;  // a DeadlineMet with met_at <= due_at
  bool MetLate() const;    // a DeadlineMet, none of them in time
};

// Every deadline with any csec.timers.v1 event, ordered by (case id, deadline id).
std::vector<DeadlineHistory> CollectDeadlines(const RunFacts& facts);

// For a deadline escalated although met in time: where its meeting fact was when it came due.
enum class MeetingFactTiming {
  kOnBrokerBeforeDue,      // broker_time < RealAt(due) - kInFlightAllowance: invariant 5 broken
  kInFlight,               // within kInFlightAllowance before RealAt(due): a delivery race
  kReachedBrokerAfterDue,  // reported after the due instant: the escalation was right
  kNotFound,               // met_by_event_id is not among the records
};
// nullopt unless the deadline has a DeadlineMissed and a DeadlineMet in time. With several
// in-time DeadlineMet events the earliest meeting fact on the broker counts.
std::optional<MeetingFactTiming> EscalatedMetInTime(const DeadlineHistory& deadline, const RunFacts& facts,
                                                    const std::map<std::string, absl::Time>& broker_time_by_event_id);

// Earliest broker_time of every event id among the records (a replay comes later).
std::map<std::string, absl::Time> EarliestBrokerTimes(const RunFacts& facts);

}  // namespace csec::simulate

#endif  // CSEC_TOOLS_SIMULATE_INVARIANTS_H_
