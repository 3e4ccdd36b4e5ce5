// What the timers tests share: a protocol config with deadlines of seconds, events produced the
// way other services produce them, and the csec.timers.v1 events of some cases read back.
#ifndef CSEC_TESTS_INTEGRATION_TIMERS_SUPPORT_H_
#define CSEC_TESTS_INTEGRATION_TIMERS_SUPPORT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "tests/integration/harness.h"

namespace csec::testing {

// Now, to the millisecond: timers keep instants in Unix milliseconds.
inline absl::Time NowMillis() { return absl::FromUnixMillis(absl::ToUnixMillis(absl::Now())); }

// Writes deploy/config/protocol.yaml with the two arrival deadlines set to `arrival` (and their
// reminders to one, `arrival` / 2 before) into `dir`; returns the file's path.
std::string WriteTimersConfig(const StackEnv& stack, const std::string& dir, absl::Duration arrival);

// A CaseRouted for `case_id` (a fresh id) whose youth was identified at `identified_at`.
csec::dispatch::v1::Envelope RoutedEvent(const std::string& case_id, absl::Time identified_at);
// An arrival of `role` at `arrived_at`.
csec::dispatch::v1::Envelope ArrivalEvent(const std::string& case_id, csec::dispatch::v1::ResponderRole role,
                                          absl::Time arrived_at);

// Produces `event` on `topic`, keyed by its case, and waits for Kafka's acknowledgement.
absl::Status ProduceEvent(const StackEnv& stack, const std::string& topic, const csec::dispatch::v1::Envelope& event);

// Every csec.timers.v1 event of `cases` so far, in topic order, copies included.
std::vector<csec::dispatch::v1::Envelope> TimerEvents(const StackEnv& stack, const std::set<std::string>& cases);

// How many DeadlineMissed of `deadline_id` for `case_id` are in `events`: messages (copies
// included) and distinct event ids.
struct MissedCount {
  int messages = 0;
  int distinct = 0;
};
MissedCount CountMissed(const std::vector<csec::dispatch::v1::Envelope>& events, const std::string& case_id,
                        const std::string& deadline_id);

// The first event of `case_id` in `events` whose body is `body` (and, when given, of
// `deadline_id`); nullptr when none.
const csec::dispatch::v1::Envelope* FindTimerEvent(const std::vector<csec::dispatch::v1::Envelope>& events,
                                                   const std::string& case_id,
                                                   csec::dispatch::v1::Envelope::BodyCase body,
                                                   const std::string& deadline_id = "");

}  // namespace csec::testing

#endif  // CSEC_TESTS_INTEGRATION_TIMERS_SUPPORT_H_
