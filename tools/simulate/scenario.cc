#include "tools/simulate/scenario.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/common/base/clock.h"
#include "services/common/base/status_macros.h"
#include "services/paging/paging_config.h"
#include "yaml-cpp/yaml.h"

namespace csec::simulate {
namespace {

using csec::dispatch::v1::ReportIdentificationRequest;

// ---------------------------------------------------------------------------------------------
// Randomness: std::mt19937_64's output is fixed by the standard; everything else is ours.

// SplitMix64's finaliser: spreads (seed, index) pairs into unrelated generator seeds.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Mix(uint64_t a, uint64_t b) { return Mix(Mix(a) ^ (b + 0x632be59bd9b4e019ULL)); }

// FNV-1a over the bytes, stable across processes and platforms.
class StableHash {
 public:
  void Add(absl::string_view bytes) {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
    // A separator, so ("ab", "c") and ("a", "bc") differ.
    h_ ^= 0xff;
    h_ *= 0x100000001b3ULL;
  }
  void Add(uint64_t value) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (value >> (8 * i)) & 0xff;
      h_ *= 0x100000001b3ULL;
    }
  }
  uint64_t value() const { return Mix(h_); }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  // Uniform integer in [0, n), n > 0. The modulo bias is below 2^-40 for any n used here.
  uint64_t Below(uint64_t n) { return engine_() % n; }
  // Exponential with this mean: -log(1 - u) * mean.
  double Exponential(double mean) { return -std::log1p(-Uniform()) * mean; }
  // Standard normal, Box-Muller (one of the pair).
  double Normal() {
    const double r = std::sqrt(-2.0 * std::log1p(-Uniform()));
    return r * std::cos(2.0 * std::numbers::pi * Uniform());
  }
  // Log-normal with this median and sigma (the standard deviation of the log).
  absl::Duration LogNormal(absl::Duration median, double sigma) { return median * std::exp(sigma * Normal()); }
  // An index drawn by the weights (non-negative, not all zero).
  template <typename Weights>
  size_t Pick(const Weights& weights) {
    double total = 0;
    for (double w : weights) total += std::max(0.0, w);
    double u = Uniform() * total;
    size_t last_positive = 0;
    for (size_t i = 0; i < std::size(weights); ++i) {
      const double w = std::max(0.0, static_cast<double>(weights[i]));
      if (w <= 0) continue;
      last_positive = i;
      if (u < w) return i;
      u -= w;
    }
    return last_positive;  // rounding at the very end
  }

 private:
  std::mt19937_64 engine_;
};

// Whole seconds, never negative: durations in the plan read cleanly in reports.
absl::Duration WholeSeconds(absl::Duration d) { return absl::Seconds(std::max<int64_t>(0, absl::ToInt64Seconds(d))); }

absl::Duration Clamp(absl::Duration d, absl::Duration lo, absl::Duration hi) { return std::min(std::max(d, lo), hi); }

// ---------------------------------------------------------------------------------------------
// Synthetic people: invented names, never a real person's on purpose.

constexpr absl::string_view kGivenFemale[] = {"Amara",  "Brisa",  "Celene",  "Dalia",   "Elowen", "Fabiola", "Giselle",
                                              "Halona", "Imani",  "Jessa",   "Kalinda", "Lupita", "Marisol", "Nayeli",
                                              "Odalys", "Paloma", "Quinn",   "Rosalin", "Saniya", "Tamsin",  "Ursula",
                                              "Vianey", "Wrenna", "Xiomara", "Yaretzi", "Zuri"};
constexpr absl::string_view kGivenMale[] = {"Adriel", "Bastian", "Caius",   "Dorian", "Emilio", "Fenris",
                                            "Gael",   "Hollis",  "Isandro", "Jaden",  "Kairo",  "Leandro"};
constexpr absl::string_view kGivenNeutral[] = {"Alexis", "Blake",   "Cameron", "Dakota", "Emerson",
                                               "Jordan", "Kendall", "Riley",   "Rowan",  "Sky"};
// Made-up family names.
constexpr absl::string_view kFamily[] = {"Ambervale",  "Brightwater", "Castellano-Reyes", "Dunmore",   "Esperanzo",
                                         "Fairhollow", "Galvareth",   "Hollenbrook",      "Ibarrola",  "Juniperro",
                                         "Kestrelton", "Lunaverde",   "Marchetti-Sol",    "Northwynd", "Oakhurst",
                                         "Pennaluna",  "Quintavera",  "Rivenhall",        "Solarez",   "Thistlewood",
                                         "Umbravera",  "Valdemoro",   "Westerlin",        "Yarrowby",  "Zephyrine"};
constexpr absl::string_view kStreets[] = {"Example Ave",     "Sample St",    "Synthetic Blvd",
                                          "Placeholder Way", "Fictional Ln", "Imaginary Ct"};
constexpr absl::string_view kOfficerFamily[] = {"Alderidge", "Bramblecott", "Corvantes", "Delacroix-Ng",
                                                "Everhart",  "Fallowmere",  "Grantholm", "Hazelrigg"};

template <size_t N>
std::string PickName(Random& random, const absl::string_view (&names)[N]) {
  return std::string(names[random.Below(N)]);
}

// The youth's age in whole years on `day`, as intake reckons it (referral_validation.cc): a
// Feb 29 birthday counts as March 1 in a common year.
int AgeOn(absl::CivilDay birth, absl::CivilDay day) {
  const absl::CivilDay birthday(day.year(), birth.month(), birth.day());
  return static_cast<int>(day.year() - birth.year()) - (day < birthday ? 1 : 0);
}

// A birth date at which the youth is exactly `age` on `identified`.
absl::CivilDay BirthDateForAge(Random& random, int age, absl::CivilDay identified) {
  const absl::CivilDay latest(identified.year() - age, identified.month(), identified.day());
  const absl::CivilDay earliest = absl::CivilDay(identified.year() - age - 1, identified.month(), identified.day()) + 1;
  const int64_t span = std::max<int64_t>(1, latest - earliest + 1);
  absl::CivilDay birth = earliest + static_cast<int64_t>(random.Below(static_cast<uint64_t>(span)));
  // Leap days can put the ends one day off: step until the age is right (a day or two at most).
  for (int i = 0; i < 400 && AgeOn(birth, identified) != age; ++i) {
    birth += AgeOn(birth, identified) > age ? -1 : 1;
  }
  return birth;
}

// ---------------------------------------------------------------------------------------------
// Where and when.

struct Site {
  const Station* station = nullptr;
  csec::dispatch::v1::SourceKind kind = csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT;
  double weight = 0;
};

std::vector<Site> Sites(const ProtocolConfig& config, const ReferralModel& model) {
  std::vector<Site> police;
  std::vector<Site> zones;
  for (const Station& station : config.stations) {
    if (!station.participating) continue;
    const Agency* agency = config.FindAgency(station.agency_id);
    if (agency == nullptr) continue;
    if (agency->kind == AgencyKind::kLawEnforcement) {
      police.push_back({&station, csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT, 0});
    } else if (agency->kind == AgencyKind::kSafeYouthZone) {
      zones.push_back({&station, csec::dispatch::v1::SOURCE_KIND_SAFE_YOUTH_ZONE, 0});
    }
  }
  double zone_share = std::clamp(model.safe_youth_zone_share, 0.0, 1.0);
  if (zones.empty()) zone_share = 0;
  if (police.empty()) zone_share = 1;
  std::vector<Site> sites;
  for (Site& s : police) {
    s.weight = (1 - zone_share) / static_cast<double>(police.size());
    sites.push_back(s);
  }
  for (Site& s : zones) {
    s.weight = zone_share / static_cast<double>(zones.size());
    sites.push_back(s);
  }
  return sites;
}

absl::Duration TravelMedian(const ReferralModel& model, absl::string_view area_id) {
  for (const auto& [area, median] : model.area_travel_median) {
    if (area == area_id) return median;
  }
  return model.default_travel_median;
}

// The identification instants: candidates of a homogeneous Poisson process at the peak hourly
// rate (exponential gaps), each kept with probability weight(local hour) / peak weight. The
// weights are normalised to mean 1, so the expected count is referrals_per_year * length / year.
std::vector<absl::Time> IdentificationTimes(const ProtocolConfig& config, const ScenarioOptions& options) {
  std::vector<absl::Time> times;
  const ReferralModel& model = options.model;
  double sum = 0;
  double peak = 0;
  for (double w : model.hour_weights) {
    sum += std::max(0.0, w);
    peak = std::max(peak, w);
  }
  if (sum <= 0 || peak <= 0) return times;
  const double mean_weight = sum / 24.0;
  const double per_second = options.referrals_per_year / (365.25 * 86400.0);
  const double peak_per_second = per_second * peak / mean_weight;
  const double length_seconds = absl::ToDoubleSeconds(options.length);

  Random random(Mix(options.seed, 0x7e57a11ULL));
  double offset = 0;
  while (true) {
    offset += random.Exponential(1.0 / peak_per_second);
    if (offset >= length_seconds) break;
    // Whole seconds after the start, still inside [start, start + length).
    const absl::Time t = options.start + absl::Seconds(std::floor(offset));
    const int hour = absl::ToCivilHour(t, config.time_zone).hour();
    const double keep = std::max(0.0, model.hour_weights[static_cast<size_t>(hour)]) / peak;
    if (random.Uniform() < keep) times.push_back(t);
  }
  return times;
}

// ---------------------------------------------------------------------------------------------
// One referral, from its own generator.

void FillRequest(const ProtocolConfig& config, const ReferralModel& model, const Site& site, Random& random,
                 PlannedReferral& plan) {
  ReportIdentificationRequest& r = plan.request;
  r.set_idempotency_key(plan.idempotency_key);
  auto* ref = r.mutable_referral();
  auto* source = ref->mutable_source();
  source->set_kind(site.kind);
  source->set_agency_id(site.station->agency_id);
  source->set_station_id(site.station->id);
  *ref->mutable_identified_at() = ToProtoTime(plan.identified_at);
  ref->mutable_staging()->set_address(site.station->name);

  auto* officer = ref->mutable_reporting_officer();
  const bool zone = site.kind == csec::dispatch::v1::SOURCE_KIND_SAFE_YOUTH_ZONE;
  officer->set_name(absl::StrCat(zone ? "Staff member " : "Officer ", PickName(random, kOfficerFamily)));
  officer->set_badge_number(absl::StrFormat("SIM-%04d", static_cast<int>(random.Below(10000))));
  // 555-0100 to 555-0199: the numbers reserved for fiction.
  officer->set_phone(absl::StrFormat("+1-213-555-01%02d", static_cast<int>(random.Below(100))));

  auto* youth = ref->mutable_youth();
  // The agency's pseudonymous reference, e.g. "SIM-1-42-Y1" for key "sim-1-42".
  youth->set_pseudonym_ref(absl::StrCat(absl::AsciiStrToUpper(plan.idempotency_key), "-Y1"));
  const int age = 11 + static_cast<int>(random.Pick(model.age_weights));
  youth->set_age_years(age);
  constexpr csec::dispatch::v1::Gender kGenders[] = {csec::dispatch::v1::GENDER_FEMALE, csec::dispatch::v1::GENDER_MALE,
                                                     csec::dispatch::v1::GENDER_TRANSGENDER_FEMALE,
                                                     csec::dispatch::v1::GENDER_NONBINARY};
  const csec::dispatch::v1::Gender gender = kGenders[random.Pick(model.gender_weights)];
  youth->set_gender(gender);
  youth->set_language(random.Chance(model.spanish) ? "es" : "en");

  auto* identity = youth->mutable_identity();
  switch (gender) {
    case csec::dispatch::v1::GENDER_MALE:
      identity->set_given_name(PickName(random, kGivenMale));
      break;
    case csec::dispatch::v1::GENDER_NONBINARY:
      identity->set_given_name(PickName(random, kGivenNeutral));
      break;
    default:
      identity->set_given_name(PickName(random, kGivenFemale));
      break;
  }
  identity->set_family_name(PickName(random, kFamily));
  const absl::CivilDay identified_day = absl::ToCivilDay(plan.identified_at, config.time_zone);
  const absl::CivilDay birth = BirthDateForAge(random, age, identified_day);
  if (random.Chance(model.birth_date_known)) identity->set_birth_date(absl::FormatCivilTime(birth));
  identity->set_home_address(
      absl::StrCat(1 + random.Below(9999), " ", PickName(random, kStreets), ", Los Angeles County, CA (synthetic)"));

  auto* jurisdiction = youth->mutable_jurisdiction();
  const std::array<double, 4> shares = {model.new_to_dcfs, model.open_dcfs, model.probation, model.dual_status};
  const size_t j = random.Pick(shares);
  const std::string serial = absl::StrFormat("%06d", static_cast<int>(random.Below(1000000)));
  switch (j) {
    case 0:
      plan.jurisdiction = std::string(kNewToDcfs);
      break;
    case 1:
      plan.jurisdiction = std::string(kOpenDcfs);
      jurisdiction->set_open_dcfs_case(true);
      jurisdiction->set_dcfs_social_worker_id(absl::StrCat("sim-sw-", serial.substr(0, 4)));
      identity->set_dcfs_case_number(absl::StrCat("SIM-DCFS-", serial));
      break;
    case 2:
      plan.jurisdiction = std::string(kProbation);
      jurisdiction->set_open_probation_case(true);
      identity->set_probation_case_number(absl::StrCat("SIM-PROB-", serial));
      break;
    default: {
      plan.jurisdiction = std::string(kDualStatus);
      jurisdiction->set_open_probation_case(true);
      jurisdiction->set_open_dcfs_case(true);
      jurisdiction->set_dual_status(true);
      constexpr csec::dispatch::v1::LeadAgency kLeads[] = {csec::dispatch::v1::LEAD_AGENCY_PROBATION,
                                                           csec::dispatch::v1::LEAD_AGENCY_DCFS,
                                                           csec::dispatch::v1::LEAD_AGENCY_UNSPECIFIED};
      jurisdiction->set_dual_status_lead(kLeads[random.Pick(model.dual_lead_weights)]);
      jurisdiction->set_dcfs_social_worker_id(absl::StrCat("sim-sw-", serial.substr(0, 4)));
      identity->set_dcfs_case_number(absl::StrCat("SIM-DCFS-", serial));
      identity->set_probation_case_number(absl::StrCat("SIM-PROB-", serial));
      break;
    }
  }

  auto* needs = ref->mutable_needs();
  needs->set_medical_emergency(random.Chance(model.medical_emergency));
  needs->set_safety_threat(random.Chance(model.safety_threat));
  needs->set_exploiter_present(random.Chance(model.exploiter_present));
}

void DecideCourse(const ReferralModel& model, Random& random, PlannedReferral& plan) {
  const absl::Duration median = TravelMedian(model, plan.area_id);
  plan.responder_travel =
      WholeSeconds(Clamp(random.LogNormal(median, model.travel_sigma), absl::Minutes(5), absl::Hours(6)));
  plan.advocate_travel = WholeSeconds(Clamp(random.LogNormal(median * model.advocate_travel_factor, model.travel_sigma),
                                            absl::Minutes(5), absl::Hours(6)));

  const absl::Duration week = absl::Hours(24 * 7);
  const double u = random.Uniform();
  if (u < model.mdt_never) {
    plan.mdt_after = std::nullopt;
  } else if (u < model.mdt_never + model.mdt_late) {
    const absl::Duration extra = std::max(model.mdt_late_max - week, absl::Hours(1));
    plan.mdt_after = WholeSeconds(week + absl::Minutes(1) + extra * random.Uniform());
  } else {
    plan.mdt_after =
        WholeSeconds(Clamp(random.LogNormal(model.mdt_median, model.mdt_sigma), absl::Hours(6), week - absl::Hours(1)));
  }

  plan.misses_first_exam = random.Chance(model.misses_first_exam);

  const std::array<double, 3> placement = {model.placed_home, model.placed_soda_pad,
                                           std::max(0.0, 1 - model.placed_home - model.placed_soda_pad)};
  constexpr Placement kPlacements[] = {Placement::kHome, Placement::kSodaPad, Placement::kOther};
  plan.placement = kPlacements[random.Pick(placement)];
  plan.placed_after =
      WholeSeconds(Clamp(random.LogNormal(model.placed_median, model.placed_sigma), absl::Hours(4), absl::Hours(71)));
  absl::Duration earliest_close = model.closed_min;
  if (plan.placement == Placement::kSodaPad) {
    plan.soda_pad_stay = WholeSeconds(Clamp(random.LogNormal(model.soda_pad_stay_median, model.soda_pad_stay_sigma),
                                            absl::Hours(24), absl::Hours(24 * 90)));
    earliest_close = std::max(earliest_close, plan.placed_after + *plan.soda_pad_stay + absl::Hours(24));
  }
  if (plan.mdt_after) earliest_close = std::max(earliest_close, *plan.mdt_after + absl::Hours(24));
  const absl::Duration latest_close = std::max(model.closed_max, earliest_close);
  plan.closed_after = WholeSeconds(earliest_close + (latest_close - earliest_close) * random.Uniform());
}

}  // namespace

std::vector<PlannedReferral> PlanReferrals(const ProtocolConfig& config, const ScenarioOptions& options) {
  std::vector<PlannedReferral> plans;
  if (options.length <= absl::ZeroDuration() || !(options.referrals_per_year > 0)) return plans;
  const std::vector<Site> sites = Sites(config, options.model);
  if (sites.empty()) return plans;
  std::vector<double> site_weights;
  for (const Site& s : sites) site_weights.push_back(s.weight);

  const std::vector<absl::Time> times = IdentificationTimes(config, options);
  plans.reserve(times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    PlannedReferral plan;
    plan.index = static_cast<int>(i);
    plan.idempotency_key = absl::StrCat("sim-", options.seed, "-", i);
    plan.identified_at = times[i];
    // The referral's own draws: from (seed, index) alone.
    Random random(Mix(options.seed, 0x5eed0000ULL + i));
    const Site& site = sites[random.Pick(site_weights)];
    plan.station_id = site.station->id;
    plan.area_id = site.station->area_id;
    FillRequest(config, options.model, site, random, plan);
    DecideCourse(options.model, random, plan);
    plans.push_back(std::move(plan));
  }
  return plans;
}

PageAnswer AnswerPage(const PeopleModel& model, uint64_t seed, absl::string_view referral_key, absl::string_view role,
                      absl::string_view reason, int attempt, absl::string_view person_id) {
  StableHash hash;
  hash.Add(seed);
  hash.Add(referral_key);
  hash.Add(role);
  hash.Add(reason);
  hash.Add(static_cast<uint64_t>(static_cast<int64_t>(attempt)));
  hash.Add(person_id);
  Random random(hash.value());
  const double u = random.Uniform();
  PageAnswer answer;
  if (u < model.never_answers) {
    answer.kind = PageAnswer::Kind::kNever;
    answer.after = absl::InfiniteDuration();
  } else if (u < model.never_answers + model.declines) {
    answer.kind = PageAnswer::Kind::kDecline;
    answer.after = WholeSeconds(
        Clamp(random.LogNormal(model.decline_median, model.decline_sigma), absl::Seconds(5), model.max_delay));
  } else {
    answer.kind = PageAnswer::Kind::kAcknowledge;
    answer.after =
        WholeSeconds(Clamp(random.LogNormal(model.ack_median, model.ack_sigma), absl::Seconds(5), model.max_delay));
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------
// Paging configs with other roster sizes.

namespace {

// `node[key]` when node is a map that has it, else a null node: reading a missing key of a const
// node gives an invalid node, on which yaml-cpp throws.
YAML::Node Child(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return YAML::Node();
  const YAML::Node value = node[key];
  return value.IsDefined() ? value : YAML::Node();
}

// Emits the tree keeping each collection's flow or block style and quoting the scalars the
// shipped file quoted (yaml-cpp tags those "!"): handoffs stay "08:00", which a YAML 1.1 reader
// would otherwise take for a sexagesimal number.
void Emit(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& entry : node) {
        out << YAML::Key;
        Emit(out, entry.first);
        out << YAML::Value;
        Emit(out, entry.second);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const YAML::Node& item : node) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") out << YAML::DoubleQuoted;
      out << node.Scalar();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

YAML::Node Quoted(const std::string& text) {
  YAML::Node node(text);
  node.SetTag("!");
  return node;
}

YAML::Node LogContacts() {
  YAML::Node contact;
  contact["method"] = "log";
  contact.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Node contacts;
  contacts.push_back(contact);
  contacts.SetStyle(YAML::EmitterStyle::Flow);
  return contacts;
}

YAML::Node PersonNode(const std::string& id, const std::string& name) {
  YAML::Node person;
  person["id"] = id;
  person["name"] = name;
  person["contacts"] = LogContacts();
  person.SetStyle(YAML::EmitterStyle::Flow);
  return person;
}

absl::StatusOr<std::string> Rewrite(absl::string_view shipped_yaml, int people_per_roster) {
  YAML::Node root = YAML::Load(std::string(shipped_yaml));
  if (!root.IsMap()) return absl::InvalidArgumentError("the shipped paging config is not a YAML map");
  YAML::Node rosters = Child(root, "rosters");
  if (!rosters.IsSequence() || rosters.size() == 0) {
    return absl::InvalidArgumentError("the shipped paging config has no 'rosters' list");
  }

  // People the chains name directly stay, reached by log.
  std::set<std::string> named;
  for (const YAML::Node& chain : Child(root, "chains")) {
    for (const YAML::Node& step : Child(chain, "steps")) {
      for (const YAML::Node& target : Child(step, "targets")) {
        if (const YAML::Node person = Child(target, "person"); person.IsScalar()) {
          named.insert(person.as<std::string>());
        }
      }
    }
  }
  YAML::Node people(YAML::NodeType::Sequence);
  std::set<std::string> ids;
  for (const YAML::Node& person : Child(root, "people")) {
    const YAML::Node id_node = Child(person, "id");
    if (!id_node.IsScalar()) continue;
    const std::string id = id_node.as<std::string>();
    if (!named.contains(id)) continue;
    const YAML::Node name = Child(person, "name");
    people.push_back(PersonNode(id, name.IsScalar() ? name.as<std::string>() : id));
    ids.insert(id);
  }

  // A rotation for rosters without one: the first rotation's start and handoffs.
  YAML::Node template_rotation;
  for (const YAML::Node& roster : rosters) {
    if (const YAML::Node rotation = Child(roster, "rotation"); rotation.IsMap()) {
      template_rotation = rotation;
      break;
    }
  }

  for (YAML::Node roster : rosters) {
    if (!Child(roster, "id").IsScalar()) {
      return absl::InvalidArgumentError("a roster of the shipped paging config has no id");
    }
    const std::string roster_id = Child(roster, "id").as<std::string>();
    const YAML::Node name = Child(roster, "name");
    const std::string roster_name = name.IsScalar() ? name.as<std::string>() : roster_id;
    if (!Child(roster, "rotation").IsMap()) {
      YAML::Node rotation;
      if (template_rotation.IsMap()) {
        rotation["starts"] = YAML::Clone(Child(template_rotation, "starts"));
        rotation["handoffs"] = YAML::Clone(Child(template_rotation, "handoffs"));
      } else {
        // (uncertain) No rotation anywhere in the file: 12-hour shifts, as the shipped file has.
        rotation["starts"] = "2026-01-05";
        YAML::Node handoffs;
        handoffs.push_back(Quoted("08:00"));
        handoffs.push_back(Quoted("20:00"));
        handoffs.SetStyle(YAML::EmitterStyle::Flow);
        rotation["handoffs"] = handoffs;
      }
      roster["rotation"] = rotation;
    }
    YAML::Node members(YAML::NodeType::Sequence);
    members.SetStyle(YAML::EmitterStyle::Flow);
    for (int k = 1; k <= people_per_roster; ++k) {
      const std::string id = absl::StrCat(roster_id, "-sim-", k);
      if (!ids.insert(id).second) {
        return absl::InvalidArgumentError(absl::StrCat("synthetic person id \"", id, "\" is already used"));
      }
      people.push_back(PersonNode(id, absl::StrCat("Synthetic member ", k, " of ", roster_name)));
      members.push_back(id);
    }
    roster["rotation"]["members"] = members;
  }
  root["people"] = people;

  YAML::Emitter out;
  Emit(out, root);
  if (!out.good()) return absl::InternalError(absl::StrCat("emitting the paging config: ", out.GetLastError()));
  return absl::StrCat("# Generated by csec::simulate::PagingConfigWithRosterSize: the rosters, chains and handoffs\n",
                      "# of the shipped paging config, ", people_per_roster,
                      " synthetic people per roster, reached by log only.\n", out.c_str(), "\n");
}

}  // namespace

absl::StatusOr<std::string> PagingConfigWithRosterSize(const ProtocolConfig& config, absl::string_view shipped_yaml,
                                                       int people_per_roster) {
  if (people_per_roster < 1) {
    return absl::InvalidArgumentError(absl::StrCat("people_per_roster must be at least 1, got ", people_per_roster));
  }
  absl::StatusOr<std::string> text;
  try {
    text = Rewrite(shipped_yaml, people_per_roster);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("the shipped paging config: ", e.what()));
  }
  if (!text.ok()) return text.status();
  const std::string name = absl::StrCat("<paging config with ", people_per_roster, " per roster>");
  ASSIGN_OR_RETURN(csec::paging::PagingConfig loaded, csec::paging::ParsePagingConfig(*text, name, config));
  return text;
}

}  // namespace csec::simulate
