// The protocol configuration: the county's First Responder Protocol as data — deadlines and who
// is escalated to, the agencies and stations that identify youth, the Service Planning Areas
// with their CTU and MART teams, advocacy agency and Medical Hubs, and the routing settings.
// One YAML file (deploy/config/protocol.yaml documents the format), validated whole at load;
// `version` (a hash of the file's bytes) is recorded on every decision made with it.
//
//   absl::StatusOr<std::unique_ptr<ProtocolConfigStore>> store =
//       ProtocolConfigStore::Create("deploy/config/protocol.yaml");
//   if (!store.ok()) return store.status();          // names file, key and problem
//   std::shared_ptr<const ProtocolConfig> config = (*store)->Current();
//   const Station* station = config->FindStation(referral.source().station_id());
//   absl::Duration limit = config->GetDeadline(kResponderArrivalDeadline).duration;
//   ...
//   (*store)->Reload();  // on SIGHUP: a bad file is refused and the old config keeps serving
//
// A ProtocolConfig is immutable once parsed and shared by shared_ptr, so a decision keeps using
// the config it started with even if a reload swaps in a new one meanwhile.
#ifndef CSEC_SERVICES_COMMON_DOMAIN_PROTOCOL_CONFIG_H_
#define CSEC_SERVICES_COMMON_DOMAIN_PROTOCOL_CONFIG_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace csec {

// The protocol's clocks. Every one must be configured: code arms timers by these ids.
inline constexpr absl::string_view kResponderArrivalDeadline = "responder_arrival";
inline constexpr absl::string_view kAdvocateArrivalDeadline = "advocate_arrival";
inline constexpr absl::string_view kMedicalExamDeadline = "medical_exam";
inline constexpr absl::string_view kInitialMdtDeadline = "initial_mdt";
inline constexpr absl::string_view kSodaPadStayDeadline = "soda_pad_stay";
inline constexpr absl::string_view kAdvocacyCaseManagementDeadline = "advocacy_case_management";
inline constexpr absl::string_view kPageAckTimeoutDeadline = "page_ack_timeout";
inline constexpr std::array<absl::string_view, 7> kAllDeadlineIds = {
    kResponderArrivalDeadline, kAdvocateArrivalDeadline,        kMedicalExamDeadline,   kInitialMdtDeadline,
    kSodaPadStayDeadline,      kAdvocacyCaseManagementDeadline, kPageAckTimeoutDeadline};

// The events a deadline's timer policy can name (`armed_by`, `met_by`, `cancelled_by`): an
// Envelope body, narrowed by the arrival's role or the placement's kind where it has one.
inline constexpr std::array<absl::string_view, 10> kTimerEventSelectors = {"referral_received",
                                                                           "case_routed",
                                                                           "arrival_recorded.responder",
                                                                           "arrival_recorded.advocate",
                                                                           "mdt_recorded",
                                                                           "medical_exam_recorded",
                                                                           "placement_recorded.home",
                                                                           "placement_recorded.soda_pad_bed",
                                                                           "placement_recorded.other",
                                                                           "case_closed"};

// Where a deadline's clock starts (`starts_at`).
enum class DeadlineStart {
  kIdentifiedAt,  // when the youth was identified (the protocol's T0)
  kEventTime,     // the arming fact's own time (placed_at, arrived_at...), else its event's
};

struct Deadline {
  std::string id;  // one of kAllDeadlineIds
  absl::Duration duration;
  std::vector<std::string> escalate_to;  // role ids, e.g. "cph-supervisor"; never empty

  // The timer policy: the timers service arms this deadline on the first of `armed_by`, due
  // `duration` after `starts_at`, and closes it on the first of `met_by` (met) or of
  // `cancelled_by` (no longer applies), whichever order they come in. Empty `armed_by`: no event
  // arms it; the duration is one other services use for their own waits (page_ack_timeout).
  std::vector<std::string> armed_by;  // kTimerEventSelectors
  DeadlineStart starts_at = DeadlineStart::kIdentifiedAt;
  std::vector<std::string> met_by;        // kTimerEventSelectors; may be empty
  std::vector<std::string> cancelled_by;  // kTimerEventSelectors; may be empty
  // A DeadlineReminder this long before the due instant, for each; longest first, each shorter
  // than `duration`.
  std::vector<absl::Duration> remind_before;
};

enum class AgencyKind { kLawEnforcement, kSafeYouthZone, kHotline };

// An organisation that identifies youth: a police or sheriff's department, the Safe Youth Zone
// network, the Child Protection Hotline.
struct Agency {
  std::string id;  // e.g. "lasd"
  std::string name;
  AgencyKind kind = AgencyKind::kLawEnforcement;
  // Recipients told of every identification by this agency's stations, e.g. the Sheriff's
  // Human Trafficking Bureau ("lasd-htb").
  std::vector<std::string> notify_on_identification;
};

// A station or other identification site (a Safe Youth Zone) and the area it lies in.
struct Station {
  std::string id;  // e.g. "lasd-century"; Referral.source.station_id
  std::string name;
  std::string agency_id;
  std::string area_id;
  // False: the protocol is not (yet) run there; referrals get the hotline's standard response.
  bool participating = false;
};

// A Service Planning Area (SPA 1–8) and who serves it.
struct Area {
  std::string id;  // e.g. "spa-6"
  std::string name;
  std::string ctu_team_id;
  std::string mart_team_id;
  std::string advocacy_agency_id;
  std::vector<std::string> hub_ids;  // nearest first; never empty
};

// CTU: Probation's Child Trafficking Unit. MART: DCFS's Multi-Agency Response Team.
// Hotline: the Child Protection Hotline's standard response, for non-participating stations.
enum class TeamAgency { kCtu, kMart, kHotline };

struct Team {
  std::string id;  // paging rosters are keyed by it
  std::string name;
  TeamAgency agency = TeamAgency::kMart;
};

struct AdvocacyAgency {
  std::string id;
  std::string name;
};

// A DHS Medical Hub, where the medical and mental-health assessment happens.
struct Hub {
  std::string id;
  std::string name;
  std::string area_id;
  int64_t daily_capacity = 0;  // exams a day; > 0
  std::optional<double> latitude;
  std::optional<double> longitude;  // both or neither
};

enum class LeadAgency { kProbation, kDcfs };

struct RoutingSettings {
  // Dual status (WIC 241.1) with no lead recorded for the youth: who leads.
  LeadAgency dual_status_default_lead = LeadAgency::kDcfs;
  // Referrals from non-participating or unknown stations: the hotline team that responds, and
  // the area whose advocacy agency and hubs are offered when the station's own area is unknown.
  std::string standard_response_team_id;
  std::string standard_response_area_id;
  // Who is notified when a decision needs a supervisor's review.
  std::string supervisor_id;
};

// The county's time zone when the file names none: the protocol is Los Angeles County's.
inline constexpr absl::string_view kDefaultTimeZone = "America/Los_Angeles";

struct ProtocolConfig {
  std::string file_name;
  // First 12 hex digits of the SHA-256 of the file's bytes: names the config a decision used.
  std::string version;

  // Instants are UTC; calendar questions (a birthday, "same or next day", rotations) are
  // answered in this zone. Key `time_zone`, an IANA name loaded from the system's time zone
  // database; optional, kDefaultTimeZone when absent (so files written before the key, and
  // test configs, keep loading). ParseProtocolConfig always sets it; a ProtocolConfig built by
  // hand has absl's default, UTC.
  absl::TimeZone time_zone;

  std::vector<Deadline> deadlines;  // in kAllDeadlineIds order
  std::vector<Agency> agencies;
  std::vector<Station> stations;
  std::vector<Area> areas;
  std::vector<Team> teams;
  std::vector<AdvocacyAgency> advocacy_agencies;
  std::vector<Hub> hubs;
  RoutingSettings routing;

  // nullptr when no such id.
  const Deadline* FindDeadline(absl::string_view id) const;
  const Agency* FindAgency(absl::string_view id) const;
  const Station* FindStation(absl::string_view id) const;
  const Area* FindArea(absl::string_view id) const;
  const Team* FindTeam(absl::string_view id) const;
  const AdvocacyAgency* FindAdvocacyAgency(absl::string_view id) const;
  const Hub* FindHub(absl::string_view id) const;

  // For the ids in kAllDeadlineIds, which validation guarantees are present.
  const Deadline& GetDeadline(absl::string_view id) const;
};

// Parses and validates. `file_name` is only used in error messages. Errors (InvalidArgument)
// list every problem found, one a line: "<file>: key '<path>': <problem>".
absl::StatusOr<std::shared_ptr<const ProtocolConfig>> ParseProtocolConfig(absl::string_view yaml_text,
                                                                          absl::string_view file_name);

// Reads the file and parses it. A missing or unreadable file is an error naming the file.
absl::StatusOr<std::shared_ptr<const ProtocolConfig>> LoadProtocolConfig(const std::string& path);

// Holds the live configuration of a service. Owned by the service's main; Current() may be
// called from any thread, Reload() from any thread (typically the one handling SIGHUP).
class ProtocolConfigStore {
 public:
  // Loads the file; fails if it is missing or invalid.
  static absl::StatusOr<std::unique_ptr<ProtocolConfigStore>> Create(std::string path);

  std::shared_ptr<const ProtocolConfig> Current() const;

  // Re-reads the file. A missing or invalid file is refused: the error is returned and the
  // current config keeps serving.
  absl::Status Reload();

  const std::string& path() const { return path_; }

 private:
  ProtocolConfigStore(std::string path, std::shared_ptr<const ProtocolConfig> config);

  const std::string path_;
  mutable absl::Mutex mu_;  // held only to copy or swap the pointer, never while reading files
  std::shared_ptr<const ProtocolConfig> current_ ABSL_GUARDED_BY(mu_);
};

absl::string_view AgencyKindName(AgencyKind kind);         // "law_enforcement", ...
absl::string_view TeamAgencyName(TeamAgency agency);       // "ctu", "mart", "hotline"
absl::string_view LeadAgencyName(LeadAgency lead);         // "probation", "dcfs"
absl::string_view DeadlineStartName(DeadlineStart start);  // "identified_at", "event_time"

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_DOMAIN_PROTOCOL_CONFIG_H_
