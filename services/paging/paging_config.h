// The paging configuration (deploy/config/paging.yaml, --paging_config): the people on call and
// how to reach them, the rosters that say who is on call when, and the escalation chains that
// say whom to page in what order. Versioned apart from the protocol config: a roster edit does
// not change the version recorded on routing decisions.
//
//   absl::StatusOr<PagingConfig> config = LoadPagingConfig("deploy/config/paging.yaml", protocol);
//   if (!config.ok()) return config.status();   // names the file, the key and the problem
//   const Chain* chain = config->FindChain("ctu-spa-4");
//
// Loaded once at start-up; immutable after. Runtime roster changes (members, overrides) are
// events, kept apart (roster_book.h), never written back here.
#ifndef CSEC_SERVICES_PAGING_PAGING_CONFIG_H_
#define CSEC_SERVICES_PAGING_PAGING_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/domain/protocol_config.h"

namespace csec::paging {

// The DHS Medical Hub coordinator line: paged about a medical scheduling failure when the hub
// the medical service names has no chain of its own (each hub's coordinator chain has the hub's
// id). Required whenever the protocol config has a hub.
inline constexpr char kHubCoordinatorFallbackChain[] = "dhs-hub-coordinator";

// One way to reach a person, tried `after` the page was sent (0: at once), in the person's order.
struct ContactMethod {
  enum class Kind { kWebhook, kSms, kVoice, kLog };
  Kind kind = Kind::kLog;
  std::string address = {};  // the webhook's URL, or a phone number; empty for log
  absl::Duration after = absl::ZeroDuration();
};
// "webhook", "sms", "voice", "log": the channel names on PageDelivered.
absl::string_view ContactKindName(ContactMethod::Kind kind);

// Every person is also reached live on their WatchPages stream (the on-call app); contacts are
// the other ways, in their order.
struct Person {
  std::string id = {};
  std::string name = {};  // staff display name
  std::vector<ContactMethod> contacts = {};
};

// Who is on call by turns, in the county's time zone: shifts change hands at the `handoffs`
// local times of every day from `starts` (the first shift starts at the first handoff of that
// day); each member takes `shifts_per_turn` consecutive shifts, in order, then the next member.
// Because handoffs are local wall-clock times, a shift across a daylight-saving change is an
// hour shorter or longer. E.g. handoffs [08:00, 20:00], shifts_per_turn 1: 12-hour shifts;
// handoffs [09:00], shifts_per_turn 7: weekly turns handed over Mondays at 09:00 if `starts` is
// a Monday.
struct Rotation {
  absl::CivilDay starts;
  std::vector<absl::Duration> handoffs;  // since local midnight, increasing, each < 24h
  int shifts_per_turn = 1;
  std::vector<std::string> members;  // person ids; may be empty (nobody on call by rotation)
};

// A team's, an advocacy agency's, a hub coordinator's or a supervisor line's on-call roster.
struct Roster {
  std::string id = {};
  std::string name = {};
  std::optional<Rotation> rotation = {};  // none: only runtime overrides put anyone on call
};

// Whom a chain step pages: whoever is on call on a roster, or a named person.
struct ChainTarget {
  enum class Kind { kOnCall, kPerson };
  Kind kind = Kind::kOnCall;
  std::string id = {};  // roster id or person id
};

struct ChainStep {
  std::vector<ChainTarget> targets = {};  // never empty
  // How long the step waits for an acknowledgement before the next step. Default: the protocol
  // config's page_ack_timeout.
  absl::Duration wait = absl::ZeroDuration();
};

// An escalation chain, named by a role id: a team id (its responders), an advocacy agency id
// (its advocates), or a line named by a deadline's escalate_to / routing's supervisor_id.
struct Chain {
  std::string id = {};
  std::string name = {};
  std::vector<ChainStep> steps = {};  // never empty
  int repeat = 0;                     // further times through all steps before it is exhausted
  // The role paged when the chain is exhausted (a chain id); empty: none (operations still see
  // ChainExhausted).
  std::string on_exhausted = {};
  // For a deadline's escalate_to: the line applies only to cases routed to this agency (e.g. the
  // CTU supervisor for CTU cases). Unset: every case.
  std::optional<csec::dispatch::v1::ResponderAgency> applies_to_agency = {};
};

// How contact methods are retried (webhooks; adapters that report failure).
struct DeliverySettings {
  int tries = 4;                                  // sends per contact method before moving on
  absl::Duration first_retry = absl::Seconds(1);  // doubled after each failure
  absl::Duration max_retry = absl::Seconds(30);
  absl::Duration send_timeout = absl::Seconds(2);  // one send (connect + answer)
};

struct PagingConfig {
  std::string path;          // the file it was read from, for messages
  std::string version;       // first 12 hex digits of the file's SHA-256
  absl::TimeZone time_zone;  // the protocol config's time_zone
  // Tell people this long before their shift starts (ShiftStarting). Key `shift_notice_before`.
  absl::Duration shift_notice_before = absl::Minutes(30);
  DeliverySettings delivery;
  std::vector<Person> people;
  std::vector<Roster> rosters;
  std::vector<Chain> chains;

  const Person* FindPerson(absl::string_view id) const;
  const Roster* FindRoster(absl::string_view id) const;
  const Chain* FindChain(absl::string_view id) const;
};

// Reads and validates `path`. Every error names the file, the key as a dotted path (e.g.
// `chains[3].steps[0].targets[1].on_call`) and the problem; unknown keys are errors. Besides
// the file's own references (members and targets name people and rosters; on_exhausted names a
// chain), every role the protocol config pages must have a chain: each team id, each advocacy
// agency id, each deadline's escalate_to, routing's supervisor_id and, when the protocol config
// has any hub, kHubCoordinatorFallbackChain. A hub's own coordinator chain (its id the hub's) is
// optional: without one, the fallback line is paged.
absl::StatusOr<PagingConfig> LoadPagingConfig(const std::string& path, const ProtocolConfig& protocol);
// The same from text (tests); `path` only names it in messages.
absl::StatusOr<PagingConfig> ParsePagingConfig(absl::string_view yaml_text, const std::string& path,
                                               const ProtocolConfig& protocol);

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGING_CONFIG_H_
