// The timers service's decisions, pure: which timers an event arms or closes (the policy table
// `deadlines` of protocol.yaml, and other services' WaitRequested/WaitCancelled), what a timer
// that comes due fires, and which csec.timers.v1 events report each outcome. No Redis, no Kafka,
// no clock: the store (timer_store.h) applies the plan atomically and hands back what it found,
// and the handler (timers_service.h) turns that into events with the functions below.
//
//   absl::StatusOr<TimerPlan> plan = PlanTimers(*config, envelope);   // InvalidArgument: dead letter
//   ... store applies plan->ops, answering the state each timer had before ...
//   std::vector<Envelope> out = EventsAfterApply(plan->ops[i], prior, now);
//   ...
//   std::optional<Envelope> fired = FireEvent(timer_id, claimed_record, *config, now);
//
// Ids: a timer's id follows from (class, case, kind, subject), so arming twice is one timer; an
// event about a timer has an id derived from the timer's, so a re-fire or a replay repeats the
// same event id and consumers drop the copy.
#ifndef CSEC_SERVICES_TIMERS_TIMER_POLICY_H_
#define CSEC_SERVICES_TIMERS_TIMER_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/timer_record.pb.h"
#include "services/common/domain/protocol_config.h"

namespace csec::timers {

// A stored timer's state: the first byte of its value in Redis, read by the Lua scripts.
enum class TimerState : char {
  kArmed = 'A',
  kClaimed = 'C',    // due, being fired under a lease
  kMet = 'M',        // closed by its meeting event (or a mark left before it was armed)
  kCancelled = 'X',  // closed: no longer applies (or a mark left before it was armed)
  kFired = 'F',      // fired, or dropped when due (a reminder of a deadline already due)
};
inline bool IsOpen(TimerState s) { return s == TimerState::kArmed || s == TimerState::kClaimed; }

// What a timer looked like in Redis.
struct StoredTimer {
  TimerState state = TimerState::kArmed;
  csec::dispatch::v1::TimerRecord record;
};
// The Redis value: state letter + serialized record. Parse is nullopt for a value that is not one.
std::string EncodeTimer(TimerState state, const csec::dispatch::v1::TimerRecord& record);
std::optional<StoredTimer> DecodeTimer(absl::string_view value);

// "<16 base64url chars>": 96 bits of SHA-256 over (class, case, kind, subject).
std::string TimerId(csec::dispatch::v1::TimerClass timer_class, absl::string_view case_id, absl::string_view kind,
                    absl::string_view subject);
// A reminder's id is its deadline's id plus ":r<milliseconds before>", so the claim script can
// find the deadline and drop reminders of a deadline already closed.
std::string ReminderId(absl::string_view deadline_timer_id, absl::Duration before);

// One change to one timer, applied atomically with the rest of its plan.
struct TimerOp {
  enum class Kind {
    kArm,    // create `record` as armed, unless the id is already there (armed, closed or marked)
    kClose,  // an open timer becomes `close_state`; an absent one gets a mark of it (`record`
             // then holds what is known: case, kind, finished_*), which stops a later arm
    kFired,  // a claimed timer was fired (its event acknowledged): it becomes kFired
  };
  Kind kind = Kind::kArm;
  std::string timer_id;
  csec::dispatch::v1::TimerRecord record;     // kArm: the whole timer; kClose/kFired: fields to set
  TimerState close_state = TimerState::kMet;  // kClose
};

struct TimerPlan {
  std::vector<TimerOp> ops;
  bool empty() const { return ops.empty(); }
};

// The timers an event of another service arms or closes, from the config's policy table:
// - a deadline whose armed_by names the event is armed, due `duration` after its starts_at
//   (identified_at: CaseRouted.identified_at, or the referral's identified_at, else the event's
//   occurred_at; event_time: the fact's own time, else occurred_at), with one reminder timer for
//   each remind_before; the config version is recorded;
// - a deadline whose met_by (cancelled_by) names it is closed as met (cancelled) at the fact's
//   own time;
// - WaitRequested arms a wait, WaitCancelled closes it.
// A WaitRequested without kind or due_at, or with a kind that is not lower-case letters,
// digits, '-' and '_' (at most 64), is InvalidArgument naming the field. Events of the timers
// topic are not planned here (see PlanRebuild).
absl::StatusOr<TimerPlan> PlanTimers(const ProtocolConfig& config, const csec::dispatch::v1::Envelope& event);

// Rebuilding Redis from Kafka: one of our own csec.timers.v1 events, as the state it recorded.
// DeadlineArmed arms the deadline with its recorded due instant and config version (so a config
// edit since does not move it); DeadlineMet/DeadlineCancelled close it; DeadlineMissed,
// DeadlineReminder and WaitFired mark the timer fired, so it does not fire again.
TimerPlan PlanRebuild(const csec::dispatch::v1::Envelope& timers_event);

// The csec.timers.v1 events that report an applied op, given what the timer was before it
// (nullopt: absent). Produced every time, also on a replay: their ids are derived from the
// timer's, so repeats are dropped downstream.
// - arm of a deadline: DeadlineArmed from the stored timer (a new one, or the one already
//   there: its due instant is never recomputed); if a mark was there, also DeadlineMet or
//   DeadlineCancelled from it, with the new due instant.
// - close of an armed deadline: DeadlineMet / DeadlineCancelled; of one already fired (met
//   late): DeadlineMet; of one already closed: the same event again; of an absent one: nothing
//   yet (the arm will report it).
// Waits and reminders report nothing here; they report when they fire.
std::vector<csec::dispatch::v1::Envelope> EventsAfterApply(const TimerOp& op, const std::optional<StoredTimer>& prior,
                                                           absl::Time now);

// What a claimed timer fires at `now`: DeadlineMissed (escalate_to from `config`, the one in
// force now), DeadlineReminder, or WaitFired; nullopt for a reminder whose deadline is already
// due (the miss says more). The envelope's id is derived from the timer id.
std::optional<csec::dispatch::v1::Envelope> FireEvent(const std::string& timer_id,
                                                      const csec::dispatch::v1::TimerRecord& record,
                                                      const ProtocolConfig& config, absl::Time now);

// Fire lateness: now − due.
absl::Duration LateBy(const csec::dispatch::v1::TimerRecord& record, absl::Time now);

// "deadline" | "reminder" | "wait": the label of the fires-by-kind metric.
absl::string_view TimerClassLabel(csec::dispatch::v1::TimerClass timer_class);

}  // namespace csec::timers

#endif  // CSEC_SERVICES_TIMERS_TIMER_POLICY_H_
