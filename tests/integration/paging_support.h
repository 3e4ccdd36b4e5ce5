// What the paging tests share: a paging config with waits of seconds and rosters a test shapes,
// and the csec.paging.v1 events of some cases read back.
#ifndef CSEC_TESTS_INTEGRATION_PAGING_SUPPORT_H_
#define CSEC_TESTS_INTEGRATION_PAGING_SUPPORT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "tests/integration/harness.h"

namespace csec::testing {

// The people the test config puts on call: every roster's one member is "<roster id>-on-call".
inline std::string OnCallPerson(const std::string& roster_id) { return roster_id + "-on-call"; }

struct PagingTestConfig {
  // Each chain step's wait for an acknowledgement.
  absl::Duration step_wait = absl::Seconds(3);
  // Rosters with nobody on call.
  std::set<std::string> empty_rosters = {};
  // Extra contact methods, by person: YAML flow maps such as
  // `{method: webhook, address: "http://127.0.0.1:8000/"}`.
  std::map<std::string, std::vector<std::string>> contacts = {};
  int tries = 2;
  absl::Duration first_retry = absl::Seconds(1);
  absl::Duration send_timeout = absl::Seconds(2);
};

// Writes a paging.yaml covering every role of `protocol_config_path` into `dir`; returns its
// path. Every roster has one member on call around the clock. Team chains: the team's roster,
// then the team's supervisor line, no repeat, then cph-supervisor; the advocacy agency's: its
// roster, then advocacy-supervisor, then cph-supervisor; lines: their own roster.
std::string WritePagingConfig(const std::string& protocol_config_path, const std::string& dir,
                              const PagingTestConfig& options);

// Every csec.paging.v1 event of `cases` so far, in topic order, copies included.
std::vector<csec::dispatch::v1::Envelope> PagingEvents(const StackEnv& stack, const std::set<std::string>& cases);

// The PageSent events among `events`, optionally only those to `person_id`.
std::vector<csec::dispatch::v1::Envelope> PagesSent(const std::vector<csec::dispatch::v1::Envelope>& events,
                                                    const std::string& person_id = "");

}  // namespace csec::testing

#endif  // CSEC_TESTS_INTEGRATION_PAGING_SUPPORT_H_
