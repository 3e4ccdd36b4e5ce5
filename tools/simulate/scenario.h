// The pure part of the end-to-end simulator: what happens in a run, decided up front from a
// seed. Synthetic referrals (who is identified, where and when, and what then happens to her
// case: travel times, the MDT, the Medical Hub, placement, closing), a model of how paged people
// answer, and paging configurations with other roster sizes for "what-if" runs.
//
//   ScenarioOptions options;
//   options.seed = 7;
//   options.start = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 8, 0, 0), config.time_zone);
//   options.length = absl::Hours(24 * 365);
//   std::vector<PlannedReferral> plan = PlanReferrals(config, options);
//   // report plan[i].request at plan[i].identified_at, then record its facts as planned
//   PageAnswer answer = AnswerPage(PeopleModel(), options.seed, plan[i].idempotency_key,
//                                  "mart-spa-6", "referral", /*attempt=*/0, "mart-spa-6-a");
//
// No I/O, no clock, no Kafka. Deterministic: the seed alone decides every draw, through
// std::mt19937_64 (whose output the standard fixes) and this file's own distribution code (the
// std:: distributions are implementation-defined), so a seed gives the same run everywhere.
//
// Figures from shared/PROTOCOL-FACTS.md are cited where used; every other share or spread is an
// "(uncertain)" choice, kept as a field with a default so that a run can change it.
#ifndef CSEC_TOOLS_SIMULATE_SCENARIO_H_
#define CSEC_TOOLS_SIMULATE_SCENARIO_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.pb.h"
#include "services/common/domain/protocol_config.h"

namespace csec::simulate {

// The shares and spreads of the synthetic referrals. Defaults are documented one by one;
// "(uncertain)" marks a value no source states.
struct ReferralModel {
  // Where youth are identified: every participating station of the protocol config whose
  // agency is law enforcement or the Safe Youth Zone network (never the hotline itself, never a
  // non-participating station). (uncertain) Safe Youth Zone walk-ins are this share of all
  // referrals, split evenly between the zones; the rest evenly between the police and sheriff's
  // stations (no source gives per-station volumes). With no zone (or no station) in the config,
  // the other kind takes every referral.
  double safe_youth_zone_share = 0.08;

  // Ages 11 to 17 (weights for 11, 12, ..., 17). PROTOCOL-FACTS: "Aug 2014 - Jul 2016: average
  // age 15.7", "youngest 11". (uncertain) The shape: skewed to 16-17, mean 15.71.
  std::array<double, 7> age_weights = {0.01, 0.02, 0.04, 0.09, 0.20, 0.30, 0.34};
  // (uncertain) Share of referrals with the youth's birth date known (else age_years only).
  double birth_date_known = 0.85;

  // Jurisdiction. PROTOCOL-FACTS: "in 2015-16, 74% of DCFS CSEC referrals were new to DCFS, 26%
  // had an open referral or case": new 0.62 and open DCFS 0.22 keep that 74:26 ratio.
  // (uncertain) Probation (WIC 602) and dual status (WIC 241.1) youth are not in the DCFS
  // figures: 11% and 5% are chosen. The shares are normalised by their sum.
  double new_to_dcfs = 0.62;
  double open_dcfs = 0.22;
  double probation = 0.11;
  double dual_status = 0.05;
  // (uncertain) For dual status: the lead recorded as probation, as DCFS, or left unrecorded
  // (routing's dual_status_default_lead decides), by these weights.
  std::array<double, 3> dual_lead_weights = {1.0, 1.0, 1.0};

  // Immediate needs. (uncertain) PROTOCOL-FACTS gives no share of medical emergencies; these
  // are chosen.
  double medical_emergency = 0.05;
  double safety_threat = 0.15;
  double exploiter_present = 0.10;

  // (uncertain) Gender (female, male, transgender female, nonbinary) and language (Spanish,
  // else English) shares.
  std::array<double, 4> gender_weights = {0.85, 0.10, 0.03, 0.02};
  double spanish = 0.20;

  // Identifications come at every hour and on every day of the week, more in the evening and at
  // night: weights for each local hour 00..23 (the protocol config's time zone), normalised so
  // that their mean is 1 and the yearly rate is kept. (uncertain) CSEC recoveries are often
  // night operations; no source gives an hourly profile. Days of the week are alike.
  std::array<double, 24> hour_weights = {1.6, 1.6, 1.4, 1.1, 0.7, 0.5, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7,
                                         0.8, 0.8, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.4, 1.5, 1.6, 1.6};

  // Responder travel, from the acknowledgement of the page to arrival at the staging area:
  // log-normal with a median by the station's area and `travel_sigma` (the log's standard
  // deviation). (uncertain) Denser, central areas shorter, the Antelope Valley longest; with
  // sigma 0.45 some arrivals take over 90 minutes, so some responder_arrival deadlines are missed.
  std::vector<std::pair<std::string, absl::Duration>> area_travel_median = {
      {"spa-1", absl::Minutes(55)}, {"spa-2", absl::Minutes(45)}, {"spa-3", absl::Minutes(42)},
      {"spa-4", absl::Minutes(30)}, {"spa-5", absl::Minutes(35)}, {"spa-6", absl::Minutes(30)},
      {"spa-7", absl::Minutes(40)}, {"spa-8", absl::Minutes(35)}};
  absl::Duration default_travel_median = absl::Minutes(40);  // an area not listed above
  double travel_sigma = 0.45;
  // (uncertain) The advocacy agency serves the whole county from fewer offices: its advocates'
  // median is the area's times this factor, same sigma.
  double advocate_travel_factor = 1.2;

  // Initial MDT. (uncertain) `mdt_never` of cases never hold one; `mdt_late` hold it after the
  // 7 days (uniformly up to `mdt_late_max`); the rest within 7 days, log-normal around
  // `mdt_median` (clipped to [6 hours, 7 days - 1 hour]).
  double mdt_never = 0.03;
  double mdt_late = 0.10;
  absl::Duration mdt_median = absl::Hours(72);
  double mdt_sigma = 0.5;
  absl::Duration mdt_late_max = absl::Hours(24 * 14);

  // (uncertain) The youth misses the first Medical Hub appointment.
  double misses_first_exam = 0.12;

  // Placement at 72 hours. (uncertain) PROTOCOL-FACTS has no 72-hour status shares ("about 70% of
  // pilot youth remained stable" is about later stability): home 55%, a SODA/PAD bed 30%, the
  // rest elsewhere. Placed log-normally around `placed_median`, clipped to [4 h, 71 h].
  double placed_home = 0.55;
  double placed_soda_pad = 0.30;
  absl::Duration placed_median = absl::Hours(12);
  double placed_sigma = 0.6;

  // SODA/PAD stays (the soda_pad_stay deadline is 30 days, PROTOCOL-FACTS). (uncertain)
  // Log-normal, median 12 days, sigma 0.6: about 6% stay longer than 30 days. Clipped to
  // [1 day, 90 days].
  absl::Duration soda_pad_stay_median = absl::Hours(24 * 12);
  double soda_pad_stay_sigma = 0.6;

  // (uncertain) Cases close uniformly 40-120 days after identification, and always at least a
  // day after a SODA/PAD stay ends.
  absl::Duration closed_min = absl::Hours(24 * 40);
  absl::Duration closed_max = absl::Hours(24 * 120);
};

struct ScenarioOptions {
  uint64_t seed = 1;
  absl::Time start;       // simulated instant of the run's start
  absl::Duration length;  // identifications happen in [start, start + length)
  // PROTOCOL-FACTS: "DCFS, Sept 2015 - Aug 2016: 791 children identified".
  double referrals_per_year = 790;  // a year is 365.25 days here
  ReferralModel model;
};

enum class Placement { kHome, kSodaPad, kOther };  // where the youth is at 72 hours

// The Jurisdiction strings of PlannedReferral.
inline constexpr absl::string_view kNewToDcfs = "new_to_dcfs";
inline constexpr absl::string_view kOpenDcfs = "open_dcfs";
inline constexpr absl::string_view kProbation = "probation";
inline constexpr absl::string_view kDualStatus = "dual_status";

struct PlannedReferral {
  int index = 0;                // 0, 1, ... in identification order
  std::string idempotency_key;  // "sim-<seed>-<index>"
  absl::Time identified_at;
  // Valid for intake (services/intake/referral_validation.h) when reported at identified_at:
  // a synthetic youth (invented names, 555-01xx phone numbers), a participating station or Safe
  // Youth Zone of the config, ages 11-17.
  csec::dispatch::v1::ReportIdentificationRequest request;
  std::string jurisdiction;  // kNewToDcfs | kOpenDcfs | kProbation | kDualStatus
  std::string station_id;    // = request.referral().source().station_id()
  std::string area_id;       // the station's area in the config
  // Decided up front so a seed repeats the run:
  absl::Duration responder_travel;  // from the acknowledgement to arrival at the staging area, by area
  absl::Duration advocate_travel;
  std::optional<absl::Duration> mdt_after;  // after identification; > 7 days is late; nullopt: never held
  bool misses_first_exam = false;           // the youth does not come to the first Medical Hub appointment
  Placement placement = Placement::kHome;
  absl::Duration placed_after;                  // after identification, before 72 h
  std::optional<absl::Duration> soda_pad_stay;  // kSodaPad only: how long before moving home (some > 30 days)
  absl::Duration closed_after;                  // the case is closed this long after identification
};

// The referrals of a run, in identification order: a non-homogeneous Poisson process at
// `referrals_per_year` (shaped by the model's hour weights). Each referral's own draws depend only
// on (seed, index), so a shorter run of a seed is a prefix of a longer one. Empty when the length
// or rate is not positive or the config has no participating law-enforcement or Safe Youth Zone
// station.
std::vector<PlannedReferral> PlanReferrals(const ProtocolConfig& config, const ScenarioOptions& options);

// How paged people answer. (uncertain) No source gives response figures; every default is a
// chosen one.
struct PeopleModel {
  double never_answers = 0.06;  // a paged person never acknowledges (phone off, out of signal)
  double declines = 0.04;       // declines (busy with another youth, off sick)
  // Acknowledgement delay: log-normal, this median and sigma (the log's standard deviation).
  // With 4 minutes and 0.7, about 10% answer after the 10-minute page_ack_timeout, so the chain
  // moves on before they do.
  absl::Duration ack_median = absl::Minutes(4);
  double ack_sigma = 0.7;
  // Declines come quicker: log-normal, this median and sigma.
  absl::Duration decline_median = absl::Minutes(2);
  double decline_sigma = 0.5;
  // No answer comes later than this (a log-normal tail is otherwise unbounded).
  absl::Duration max_delay = absl::Hours(2);
};

struct PageAnswer {
  enum class Kind { kAcknowledge, kDecline, kNever } kind = Kind::kNever;
  absl::Duration after;  // after the page was sent; absl::InfiniteDuration() for kNever
};

// Deterministic per (seed, referral key, role, reason, attempt, person): the same page answered
// the same way in every run of the seed, whatever case/page ids the services chose. A stable
// hash of the arguments (FNV-1a, not absl::Hash, which may differ between processes) seeds the
// draws.
PageAnswer AnswerPage(const PeopleModel& model, uint64_t seed, absl::string_view referral_key, absl::string_view role,
                      absl::string_view reason, int attempt, absl::string_view person_id);

// A complete paging config (the YAML format of deploy/config/paging.yaml) with
// `people_per_roster` (>= 1) synthetic people in every roster of the shipped file: the same
// roster ids, names, chains and handoffs, each rotation's members replaced by
// "<roster id>-sim-<k>" (k = 1..people_per_roster), reached by {method: log} only. A roster
// without a rotation gets one (the first rotation's start and handoffs). People the chains name
// directly ({person: id}) are kept, reached by log. `shipped_yaml` is the content of
// deploy/config/paging.yaml. The result is checked with the paging service's own loader
// (ParsePagingConfig against `config`) before it is returned; InvalidArgument when the shipped
// text is not a paging config or the result does not load.
absl::StatusOr<std::string> PagingConfigWithRosterSize(const ProtocolConfig& config, absl::string_view shipped_yaml,
                                                       int people_per_roster);

}  // namespace csec::simulate

#endif  // CSEC_TOOLS_SIMULATE_SCENARIO_H_
