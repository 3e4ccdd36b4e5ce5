#include "tools/simulate/scenario.h"

#include <array>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/intake/referral_validation.h"
#include "services/paging/paging_config.h"

namespace csec::simulate {
namespace {

const std::string kSourceDir = CSEC_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

const ProtocolConfig& Shipped() {
  static const std::shared_ptr<const ProtocolConfig> config = [] {
    auto loaded = LoadProtocolConfig(kSourceDir + "/deploy/config/protocol.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? *loaded : std::make_shared<const ProtocolConfig>();
  }();
  return *config;
}

ScenarioOptions YearOptions(uint64_t seed) {
  ScenarioOptions options;
  options.seed = seed;
  options.start = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 8, 0, 0), Shipped().time_zone);
  options.length = absl::Hours(24 * 365);
  return options;
}

const std::vector<PlannedReferral>& YearPlan() {
  static const std::vector<PlannedReferral> plan = PlanReferrals(Shipped(), YearOptions(1));
  return plan;
}

// Every field, the request as bytes.
std::string Fingerprint(const PlannedReferral& p) {
  auto opt = [](const std::optional<absl::Duration>& d) { return d ? absl::FormatDuration(*d) : std::string("none"); };
  return absl::StrCat(p.index, "|", p.idempotency_key, "|", absl::FormatTime(p.identified_at), "|",
                      p.request.SerializeAsString(), "|", p.jurisdiction, "|", p.station_id, "|", p.area_id, "|",
                      absl::FormatDuration(p.responder_travel), "|", absl::FormatDuration(p.advocate_travel), "|",
                      opt(p.mdt_after), "|", p.misses_first_exam, "|", static_cast<int>(p.placement), "|",
                      absl::FormatDuration(p.placed_after), "|", opt(p.soda_pad_stay), "|",
                      absl::FormatDuration(p.closed_after));
}

TEST(ScenarioPlanReferralsTest, SameSeedSamePlanOtherSeedOtherPlan) {
  const std::vector<PlannedReferral> again = PlanReferrals(Shipped(), YearOptions(1));
  ASSERT_EQ(again.size(), YearPlan().size());
  for (size_t i = 0; i < again.size(); ++i) {
    ASSERT_EQ(Fingerprint(again[i]), Fingerprint(YearPlan()[i])) << "referral " << i;
  }
  const std::vector<PlannedReferral> other = PlanReferrals(Shipped(), YearOptions(2));
  ASSERT_FALSE(other.empty());
  EXPECT_NE(other.front().identified_at, YearPlan().front().identified_at);
  int same = 0;
  for (size_t i = 0; i < std::min(other.size(), YearPlan().size()); ++i) {
    if (other[i].identified_at == YearPlan()[i].identified_at) ++same;
  }
  EXPECT_EQ(same, 0);
  EXPECT_EQ(other.front().idempotency_key, "sim-2-0");
}

TEST(ScenarioPlanReferralsTest, AShorterRunIsAPrefixOfALongerOne) {
  ScenarioOptions month = YearOptions(1);
  month.length = absl::Hours(24 * 30);
  const std::vector<PlannedReferral> plan = PlanReferrals(Shipped(), month);
  ASSERT_FALSE(plan.empty());
  ASSERT_LT(plan.size(), YearPlan().size());
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(Fingerprint(plan[i]), Fingerprint(YearPlan()[i]));
  }
  EXPECT_GE(YearPlan()[plan.size()].identified_at, month.start + month.length);
}

TEST(ScenarioPlanReferralsTest, AYearHasAboutTheDcfsCount) {
  // PROTOCOL-FACTS: 791 children identified in a year; Poisson sd is about 28.
  EXPECT_GE(YearPlan().size(), 700u);
  EXPECT_LE(YearPlan().size(), 880u);
}

TEST(ScenarioPlanReferralsTest, TheRateIsKeptOnAverage) {
  // The hour weights shape the day but keep the yearly rate: 20 seeds average 789.5 (365 days
  // at 790 a year of 365.25), with a standard error of about 6.
  double total = 0;
  for (uint64_t seed = 101; seed <= 120; ++seed) {
    total += static_cast<double>(PlanReferrals(Shipped(), YearOptions(seed)).size());
  }
  EXPECT_NEAR(total / 20, 789.5, 20);
}

TEST(ScenarioPlanReferralsTest, KeysIndicesAndTimesAreInOrderAndInsideTheRun) {
  const ScenarioOptions options = YearOptions(1);
  std::set<std::string> keys;
  for (size_t i = 0; i < YearPlan().size(); ++i) {
    const PlannedReferral& p = YearPlan()[i];
    EXPECT_EQ(p.index, static_cast<int>(i));
    EXPECT_EQ(p.idempotency_key, absl::StrCat("sim-1-", i));
    EXPECT_EQ(p.request.idempotency_key(), p.idempotency_key);
    EXPECT_TRUE(keys.insert(p.idempotency_key).second);
    EXPECT_GE(p.identified_at, options.start);
    EXPECT_LT(p.identified_at, options.start + options.length);
    EXPECT_EQ(FromProtoTime(p.request.referral().identified_at()), p.identified_at);
    if (i > 0) {
      EXPECT_GE(p.identified_at, YearPlan()[i - 1].identified_at);
    }
  }
}

TEST(ScenarioPlanReferralsTest, EveryReferralPassesIntakeValidation) {
  ASSERT_FALSE(YearPlan().empty());
  for (const PlannedReferral& p : YearPlan()) {
    // The simulator reports each referral at its identified_at.
    const absl::Status verdict = intake::ValidateReport(p.request, p.identified_at, Shipped());
    EXPECT_TRUE(verdict.ok()) << p.idempotency_key << ": " << verdict;
  }
}

TEST(ScenarioPlanReferralsTest, StationsAreParticipatingPoliceOrSafeYouthZones) {
  std::map<std::string, int> by_station;
  int zones = 0;
  for (const PlannedReferral& p : YearPlan()) {
    const Station* station = Shipped().FindStation(p.station_id);
    ASSERT_NE(station, nullptr) << p.station_id;
    EXPECT_TRUE(station->participating) << p.station_id;
    EXPECT_EQ(p.area_id, station->area_id);
    const auto& source = p.request.referral().source();
    EXPECT_EQ(source.station_id(), p.station_id);
    const Agency* agency = Shipped().FindAgency(source.agency_id());
    ASSERT_NE(agency, nullptr);
    if (agency->kind == AgencyKind::kSafeYouthZone) {
      ++zones;
      EXPECT_EQ(source.kind(), dispatch::v1::SOURCE_KIND_SAFE_YOUTH_ZONE);
    } else {
      EXPECT_EQ(agency->kind, AgencyKind::kLawEnforcement);
      EXPECT_EQ(source.kind(), dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT);
    }
    ++by_station[p.station_id];
  }
  int participating = 0;
  for (const Station& s : Shipped().stations) participating += s.participating ? 1 : 0;
  EXPECT_EQ(static_cast<int>(by_station.size()), participating);  // a year reaches every one
  const double zone_share = static_cast<double>(zones) / static_cast<double>(YearPlan().size());
  EXPECT_GT(zone_share, 0.03);
  EXPECT_LT(zone_share, 0.14);
}

TEST(ScenarioPlanReferralsTest, AgesAre11To17AveragingAbout15Point7) {
  double sum = 0;
  std::set<int> seen;
  for (const PlannedReferral& p : YearPlan()) {
    const auto& youth = p.request.referral().youth();
    ASSERT_TRUE(youth.has_age_years());
    EXPECT_GE(youth.age_years(), 11);
    EXPECT_LE(youth.age_years(), 17);
    sum += youth.age_years();
    seen.insert(youth.age_years());
    EXPECT_FALSE(youth.identity().given_name().empty());
    EXPECT_FALSE(youth.identity().family_name().empty());
  }
  const double mean = sum / static_cast<double>(YearPlan().size());
  EXPECT_GE(mean, 15.3);
  EXPECT_LE(mean, 16.1);
  EXPECT_TRUE(seen.contains(17));
  EXPECT_TRUE(seen.contains(13));
}

TEST(ScenarioPlanReferralsTest, BirthDatesGiveTheStatedAgeInTheCountysTimeZone) {
  int known = 0;
  for (const PlannedReferral& p : YearPlan()) {
    const auto& youth = p.request.referral().youth();
    if (youth.identity().birth_date().empty()) continue;
    ++known;
    absl::CivilDay birth;
    ASSERT_TRUE(absl::ParseCivilTime(youth.identity().birth_date(), &birth));
    const absl::CivilDay day = absl::ToCivilDay(p.identified_at, Shipped().time_zone);
    const absl::CivilDay birthday(day.year(), birth.month(), birth.day());
    const int age = static_cast<int>(day.year() - birth.year()) - (day < birthday ? 1 : 0);
    EXPECT_EQ(age, youth.age_years()) << p.idempotency_key;
  }
  EXPECT_GT(known, static_cast<int>(YearPlan().size()) / 2);
  EXPECT_LT(known, static_cast<int>(YearPlan().size()));
}

TEST(ScenarioPlanReferralsTest, JurisdictionMixFollowsTheModel) {
  std::map<std::string, int> counts;
  for (const PlannedReferral& p : YearPlan()) {
    ++counts[p.jurisdiction];
    const auto& j = p.request.referral().youth().jurisdiction();
    if (p.jurisdiction == kNewToDcfs) {
      EXPECT_FALSE(j.open_dcfs_case() || j.open_probation_case() || j.dual_status());
    } else if (p.jurisdiction == kOpenDcfs) {
      EXPECT_TRUE(j.open_dcfs_case());
      EXPECT_FALSE(j.open_probation_case() || j.dual_status());
    } else if (p.jurisdiction == kProbation) {
      EXPECT_TRUE(j.open_probation_case());
      EXPECT_FALSE(j.open_dcfs_case() || j.dual_status());
    } else {
      EXPECT_EQ(p.jurisdiction, kDualStatus);
      EXPECT_TRUE(j.dual_status() && j.open_dcfs_case() && j.open_probation_case());
    }
  }
  const double n = static_cast<double>(YearPlan().size());
  EXPECT_EQ(counts.size(), 4u);
  EXPECT_NEAR(counts[std::string(kNewToDcfs)] / n, 0.62, 0.06);
  EXPECT_NEAR(counts[std::string(kOpenDcfs)] / n, 0.22, 0.05);
  EXPECT_NEAR(counts[std::string(kProbation)] / n, 0.11, 0.04);
  EXPECT_NEAR(counts[std::string(kDualStatus)] / n, 0.05, 0.03);
  // PROTOCOL-FACTS: of DCFS referrals, 74% new and 26% open.
  const double dcfs = counts[std::string(kNewToDcfs)] + counts[std::string(kOpenDcfs)];
  EXPECT_NEAR(counts[std::string(kNewToDcfs)] / dcfs, 0.74, 0.06);
}

TEST(ScenarioPlanReferralsTest, MedicalEmergenciesSometimes) {
  int emergencies = 0;
  for (const PlannedReferral& p : YearPlan()) emergencies += p.request.referral().needs().medical_emergency();
  EXPECT_GT(emergencies, 10);
  EXPECT_LT(emergencies, static_cast<int>(YearPlan().size()) / 8);
}

TEST(ScenarioPlanReferralsTest, EveryHourAndDayMoreAtNight) {
  std::array<int, 24> by_hour{};
  std::map<absl::Weekday, int> by_day;
  for (const PlannedReferral& p : YearPlan()) {
    const absl::CivilHour hour = absl::ToCivilHour(p.identified_at, Shipped().time_zone);
    ++by_hour[static_cast<size_t>(hour.hour())];
    ++by_day[absl::GetWeekday(absl::CivilDay(hour))];
  }
  for (int h = 0; h < 24; ++h) {
    EXPECT_GT(by_hour[static_cast<size_t>(h)], 0) << "hour " << h;
  }
  EXPECT_EQ(by_day.size(), 7u);
  int night = 0;  // 20:00 to 03:59, a third of the day
  for (int h : {20, 21, 22, 23, 0, 1, 2, 3}) night += by_hour[static_cast<size_t>(h)];
  const double night_share = night / static_cast<double>(YearPlan().size());
  EXPECT_GT(night_share, 0.40);
  int morning = 0;  // 04:00 to 11:59
  for (int h = 4; h < 12; ++h) morning += by_hour[static_cast<size_t>(h)];
  EXPECT_LT(morning, night);
}

TEST(ScenarioPlanReferralsTest, TravelByAreaSomeOver90Minutes) {
  std::map<std::string, std::vector<absl::Duration>> by_area;
  int late = 0;
  for (const PlannedReferral& p : YearPlan()) {
    by_area[p.area_id].push_back(p.responder_travel);
    if (p.responder_travel > absl::Minutes(90)) ++late;
    EXPECT_GT(p.responder_travel, absl::ZeroDuration());
    EXPECT_GT(p.advocate_travel, absl::ZeroDuration());
  }
  const double late_share = late / static_cast<double>(YearPlan().size());
  EXPECT_GT(late, 0);
  EXPECT_LT(late_share, 0.15);
  auto median = [](std::vector<absl::Duration> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  ASSERT_TRUE(by_area.contains("spa-1") && by_area.contains("spa-6"));
  EXPECT_GT(median(by_area["spa-1"]), median(by_area["spa-6"]));  // Antelope Valley farther than South
  EXPECT_NEAR(absl::ToDoubleMinutes(median(by_area["spa-6"])), 30, 6);
}

TEST(ScenarioPlanReferralsTest, MdtMostlyWithinSevenDaysSomeLateFewNever) {
  int never = 0;
  int late = 0;
  for (const PlannedReferral& p : YearPlan()) {
    if (!p.mdt_after) {
      ++never;
    } else {
      EXPECT_GT(*p.mdt_after, absl::ZeroDuration());
      if (*p.mdt_after > absl::Hours(24 * 7)) ++late;
    }
  }
  const double n = static_cast<double>(YearPlan().size());
  EXPECT_GT(never, 0);
  EXPECT_LT(never / n, 0.08);
  EXPECT_GT(late / n, 0.04);
  EXPECT_LT(late / n, 0.18);
}

TEST(ScenarioPlanReferralsTest, PlacementBefore72HoursSodaPadStaysSomeOver30Days) {
  std::map<Placement, int> counts;
  int long_stays = 0;
  int soda = 0;
  int missed_exams = 0;
  for (const PlannedReferral& p : YearPlan()) {
    ++counts[p.placement];
    missed_exams += p.misses_first_exam;
    EXPECT_GT(p.placed_after, absl::ZeroDuration());
    EXPECT_LT(p.placed_after, absl::Hours(72));
    EXPECT_EQ(p.soda_pad_stay.has_value(), p.placement == Placement::kSodaPad);
    absl::Duration last = p.placed_after;
    if (p.soda_pad_stay) {
      ++soda;
      if (*p.soda_pad_stay > absl::Hours(24 * 30)) ++long_stays;
      last = p.placed_after + *p.soda_pad_stay;
    }
    if (p.mdt_after) last = std::max(last, *p.mdt_after);
    EXPECT_GT(p.closed_after, last) << p.idempotency_key;
    EXPECT_GE(p.closed_after, absl::Hours(24 * 40));
  }
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_GT(long_stays, 0);
  EXPECT_LT(long_stays, soda / 4);
  EXPECT_GT(missed_exams, 0);
  EXPECT_LT(missed_exams, static_cast<int>(YearPlan().size()) / 4);
}

TEST(ScenarioPlanReferralsTest, NothingToPlan) {
  ScenarioOptions options = YearOptions(1);
  options.length = absl::ZeroDuration();
  EXPECT_TRUE(PlanReferrals(Shipped(), options).empty());
  options = YearOptions(1);
  options.referrals_per_year = 0;
  EXPECT_TRUE(PlanReferrals(Shipped(), options).empty());
  EXPECT_TRUE(PlanReferrals(ProtocolConfig(), YearOptions(1)).empty());  // no stations
}

// ---------------------------------------------------------------------------------------------

TEST(ScenarioAnswerPageTest, SamePageSameAnswer) {
  const PeopleModel model;
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string key = absl::StrCat("sim-1-", i);
    const PageAnswer a = AnswerPage(model, 1, key, "mart-spa-6", "referral", 0, "mart-spa-6-a");
    const PageAnswer b = AnswerPage(model, 1, key, "mart-spa-6", "referral", 0, "mart-spa-6-a");
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.after, b.after);
    const PageAnswer other_attempt = AnswerPage(model, 1, key, "mart-spa-6", "referral", 1, "mart-spa-6-a");
    const PageAnswer other_seed = AnswerPage(model, 2, key, "mart-spa-6", "referral", 0, "mart-spa-6-a");
    if (other_attempt.after != a.after) ++differ;
    if (other_seed.after != a.after) ++differ;
  }
  EXPECT_GT(differ, 300);
}

TEST(ScenarioAnswerPageTest, SharesAndDelaysMatchTheModel) {
  const PeopleModel model;
  constexpr int kDraws = 40000;
  int never = 0;
  int declines = 0;
  std::vector<absl::Duration> acks;
  for (int i = 0; i < kDraws; ++i) {
    const PageAnswer a = AnswerPage(model, 1, absl::StrCat("sim-1-", i / 8), "ctu-spa-4", "referral", i % 4,
                                    absl::StrCat("ctu-spa-4-", i % 2 == 0 ? "a" : "b"));
    switch (a.kind) {
      case PageAnswer::Kind::kNever:
        ++never;
        EXPECT_EQ(a.after, absl::InfiniteDuration());
        break;
      case PageAnswer::Kind::kDecline:
        ++declines;
        EXPECT_GT(a.after, absl::ZeroDuration());
        EXPECT_LE(a.after, model.max_delay);
        break;
      case PageAnswer::Kind::kAcknowledge:
        acks.push_back(a.after);
        EXPECT_GT(a.after, absl::ZeroDuration());
        EXPECT_LE(a.after, model.max_delay);
        break;
    }
  }
  EXPECT_NEAR(never / static_cast<double>(kDraws), model.never_answers, 0.006);
  EXPECT_NEAR(declines / static_cast<double>(kDraws), model.declines, 0.005);
  std::sort(acks.begin(), acks.end());
  EXPECT_NEAR(absl::ToDoubleMinutes(acks[acks.size() / 2]), 4.0, 0.25);
  const auto late = std::count_if(acks.begin(), acks.end(), [](absl::Duration d) { return d > absl::Minutes(10); });
  EXPECT_NEAR(late / static_cast<double>(acks.size()), 0.095, 0.02);
}

TEST(ScenarioAnswerPageTest, ExtremeModels) {
  PeopleModel nobody;
  nobody.never_answers = 1;
  PeopleModel everybody;
  everybody.never_answers = 0;
  everybody.declines = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string person = absl::StrCat("p", i);
    EXPECT_EQ(AnswerPage(nobody, 3, "k", "r", "x", 0, person).kind, PageAnswer::Kind::kNever);
    EXPECT_EQ(AnswerPage(everybody, 3, "k", "r", "x", 0, person).kind, PageAnswer::Kind::kAcknowledge);
  }
}

// ---------------------------------------------------------------------------------------------

class ScenarioPagingConfigTest : public ::testing::TestWithParam<int> {};

TEST_P(ScenarioPagingConfigTest, LoadsWithTheShippedRostersChainsAndHandoffs) {
  const int size = GetParam();
  const std::string shipped_text = ReadFile(kSourceDir + "/deploy/config/paging.yaml");
  ASSERT_FALSE(shipped_text.empty());
  absl::StatusOr<paging::PagingConfig> shipped =
      paging::ParsePagingConfig(shipped_text, "deploy/config/paging.yaml", Shipped());
  ASSERT_TRUE(shipped.ok()) << shipped.status();

  absl::StatusOr<std::string> text = PagingConfigWithRosterSize(Shipped(), shipped_text, size);
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<paging::PagingConfig> generated = paging::ParsePagingConfig(*text, "generated.yaml", Shipped());
  ASSERT_TRUE(generated.ok()) << generated.status() << "\n" << *text;

  ASSERT_EQ(generated->rosters.size(), shipped->rosters.size());
  for (size_t i = 0; i < shipped->rosters.size(); ++i) {
    const paging::Roster& want = shipped->rosters[i];
    const paging::Roster& got = generated->rosters[i];
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.name, want.name);
    ASSERT_TRUE(got.rotation.has_value()) << got.id;
    ASSERT_TRUE(want.rotation.has_value()) << want.id;
    EXPECT_EQ(got.rotation->starts, want.rotation->starts);
    EXPECT_EQ(got.rotation->handoffs, want.rotation->handoffs);
    EXPECT_EQ(got.rotation->shifts_per_turn, want.rotation->shifts_per_turn);
    EXPECT_EQ(static_cast<int>(got.rotation->members.size()), size) << got.id;
  }
  ASSERT_EQ(generated->chains.size(), shipped->chains.size());
  for (size_t i = 0; i < shipped->chains.size(); ++i) {
    const paging::Chain& want = shipped->chains[i];
    const paging::Chain& got = generated->chains[i];
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.repeat, want.repeat);
    EXPECT_EQ(got.on_exhausted, want.on_exhausted);
    EXPECT_EQ(got.applies_to_agency, want.applies_to_agency);
    ASSERT_EQ(got.steps.size(), want.steps.size());
    for (size_t s = 0; s < want.steps.size(); ++s) {
      EXPECT_EQ(got.steps[s].wait, want.steps[s].wait);
      ASSERT_EQ(got.steps[s].targets.size(), want.steps[s].targets.size());
      for (size_t t = 0; t < want.steps[s].targets.size(); ++t) {
        EXPECT_EQ(got.steps[s].targets[t].id, want.steps[s].targets[t].id);
        EXPECT_EQ(got.steps[s].targets[t].kind, want.steps[s].targets[t].kind);
      }
    }
  }
  EXPECT_EQ(generated->shift_notice_before, shipped->shift_notice_before);
  EXPECT_EQ(generated->people.size(), shipped->rosters.size() * static_cast<size_t>(size));
  for (const paging::Person& person : generated->people) {
    ASSERT_EQ(person.contacts.size(), 1u) << person.id;
    EXPECT_EQ(person.contacts[0].kind, paging::ContactMethod::Kind::kLog);
  }
  EXPECT_NE(generated->FindPerson(absl::StrCat("mart-spa-6-sim-", size)), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ScenarioPagingConfigTest, ::testing::Values(1, 2, 5));

TEST(ScenarioPagingConfigEditsTest, KeepsPeopleNamedByChainsAndGivesEveryRosterARotation) {
  std::string text = ReadFile(kSourceDir + "/deploy/config/paging.yaml");
  // The CPH supervisor line pages a named person; the DHS hub coordinator line has no rotation.
  const std::string chain_target = "      - targets: [{on_call: cph-supervisor}]\n    repeat: 2\n";
  const std::string rotation =
      "    rotation:\n      starts: 2026-01-05\n      handoffs: [\"08:00\"]\n      shifts_per_turn: 7\n"
      "      members: [dhs-hub-coordinator-a, dhs-hub-coordinator-b]\n";
  ASSERT_NE(text.find(chain_target), std::string::npos);
  ASSERT_NE(text.find(rotation), std::string::npos);
  text.replace(text.find(chain_target), chain_target.size(),
               "      - targets: [{person: cph-supervisor-a}]\n    repeat: 2\n");
  text.replace(text.find(rotation), rotation.size(), "");
  ASSERT_TRUE(paging::ParsePagingConfig(text, "edited.yaml", Shipped()).ok());

  absl::StatusOr<std::string> generated_text = PagingConfigWithRosterSize(Shipped(), text, 3);
  ASSERT_TRUE(generated_text.ok()) << generated_text.status();
  absl::StatusOr<paging::PagingConfig> generated =
      paging::ParsePagingConfig(*generated_text, "generated.yaml", Shipped());
  ASSERT_TRUE(generated.ok()) << generated.status();
  const paging::Person* kept = generated->FindPerson("cph-supervisor-a");
  ASSERT_NE(kept, nullptr);
  ASSERT_EQ(kept->contacts.size(), 1u);
  EXPECT_EQ(kept->contacts[0].kind, paging::ContactMethod::Kind::kLog);
  EXPECT_EQ(generated->FindPerson("cph-supervisor-b"), nullptr);  // named by no chain
  const paging::Roster* dhs = generated->FindRoster("dhs-hub-coordinator");
  ASSERT_NE(dhs, nullptr);
  ASSERT_TRUE(dhs->rotation.has_value());
  EXPECT_EQ(dhs->rotation->members.size(), 3u);
  EXPECT_EQ(dhs->rotation->handoffs, (std::vector<absl::Duration>{absl::Hours(8), absl::Hours(20)}));
}

TEST(ScenarioPagingConfigErrorsTest, RefusesNonsense) {
  const std::string shipped_text = ReadFile(kSourceDir + "/deploy/config/paging.yaml");
  EXPECT_EQ(PagingConfigWithRosterSize(Shipped(), shipped_text, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PagingConfigWithRosterSize(Shipped(), "[1, 2", 2).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PagingConfigWithRosterSize(Shipped(), "just text", 2).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PagingConfigWithRosterSize(Shipped(), "rosters: []\n", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace csec::simulate
