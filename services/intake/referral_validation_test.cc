#include "services/intake/referral_validation.h"

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/base/clock.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::ReportIdentificationRequest;
using ::testing::HasSubstr;
using ::testing::Not;

// 03:00 UTC on 22 November is still 21 November, 19:00, in Los Angeles.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 22, 3, 0, 0), absl::UTCTimeZone());

// The agencies and stations a source may name, and the county's time zone. Routing's parts
// are there only because the loader requires them.
constexpr absl::string_view kConfigYaml = R"yaml(
time_zone: America/Los_Angeles
deadlines:
  responder_arrival: {minutes: 90, escalate_to: [ctu-supervisor]}
  advocate_arrival: {minutes: 90, escalate_to: [advocacy-supervisor]}
  medical_exam: {hours: 72, escalate_to: [mart-supervisor]}
  initial_mdt: {days: 7, escalate_to: [mart-supervisor]}
  soda_pad_stay: {days: 30, escalate_to: [mart-supervisor]}
  advocacy_case_management: {days: 90, escalate_to: [advocacy-supervisor]}
  page_ack_timeout: {minutes: 10, escalate_to: [cph-supervisor]}
agencies:
  - {id: lasd, name: Sheriff, kind: law_enforcement}
  - {id: lapd, name: LAPD, kind: law_enforcement}
  - {id: lbpd, name: Long Beach PD, kind: law_enforcement}
  - {id: cph, name: Child Protection Hotline, kind: hotline}
  - {id: syz, name: Safe Youth Zones, kind: safe_youth_zone}
stations:
  - {id: lasd-compton, name: Compton Station, agency_id: lasd, area_id: south, participating: true}
  - {id: lapd-77th-street, name: 77th Street, agency_id: lapd, area_id: south, participating: true}
  - {id: lbpd, name: Long Beach PD, agency_id: lbpd, area_id: south, participating: true}
teams:
  - {id: ctu-south, name: CTU South, agency: ctu}
  - {id: mart-south, name: MART South, agency: mart}
  - {id: hotline-team, name: Hotline standard response, agency: hotline}
advocacy_agencies:
  - {id: advocates, name: Advocates}
hubs:
  - {id: hub-a, name: Hub A, area_id: south, daily_capacity: 4}
areas:
  - {id: south, name: South, ctu_team_id: ctu-south, mart_team_id: mart-south, advocacy_agency_id: advocates, hub_ids: [hub-a]}
routing:
  dual_status_default_lead: dcfs
  standard_response_team_id: hotline-team
  standard_response_area_id: south
  supervisor_id: cph-supervisor
)yaml";

const ProtocolConfig& Config() {
  static const ProtocolConfig* const config = [] {
    auto parsed = ParseProtocolConfig(kConfigYaml, "validation_test.yaml");
    if (!parsed.ok()) {
      ADD_FAILURE() << parsed.status();
      return new ProtocolConfig();
    }
    return new ProtocolConfig(**parsed);
  }();
  return *config;
}

absl::Status Validate(const ReportIdentificationRequest& r, absl::Time now = kNow) {
  return ValidateReport(r, now, Config());
}

// A complete, synthetic referral: Long Beach PD, a youth of 15 new to both agencies.
ReportIdentificationRequest ValidRequest() {
  ReportIdentificationRequest r;
  r.set_idempotency_key("lbpd-cad-2026-118842");
  auto* ref = r.mutable_referral();
  ref->mutable_source()->set_kind(csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT);
  ref->mutable_source()->set_agency_id("lbpd");
  ref->mutable_source()->set_station_id("lbpd-long-beach");
  *ref->mutable_identified_at() = ToProtoTime(kNow - absl::Minutes(20));
  ref->mutable_staging()->set_address("Long Beach PD, 400 W Broadway, Long Beach");
  ref->mutable_reporting_officer()->set_name("Officer Synthetic");
  ref->mutable_reporting_officer()->set_phone("+1-555-0100");
  ref->mutable_youth()->set_pseudonym_ref("LBPD-Y-0001");
  ref->mutable_youth()->set_age_years(15);
  return r;
}

// The youth's age as only a birth date tells it.
void BornOn(ReportIdentificationRequest& r, const std::string& birth_date) {
  r.mutable_referral()->mutable_youth()->clear_age_years();
  r.mutable_referral()->mutable_youth()->mutable_identity()->set_birth_date(birth_date);
}

void SetSource(ReportIdentificationRequest& r, csec::dispatch::v1::SourceKind kind, const std::string& agency_id,
               const std::string& station_id) {
  auto* source = r.mutable_referral()->mutable_source();
  source->set_kind(kind);
  source->set_agency_id(agency_id);
  source->set_station_id(station_id);
}

const absl::TimeZone& LosAngeles() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone z;
    EXPECT_TRUE(absl::LoadTimeZone("America/Los_Angeles", &z));
    return z;
  }();
  return zone;
}

// A request identified at `local` (Los Angeles wall time), validated an hour later.
absl::Status ValidateIdentifiedAt(ReportIdentificationRequest r, absl::CivilSecond local) {
  const absl::Time identified = absl::FromCivil(local, LosAngeles());
  *r.mutable_referral()->mutable_identified_at() = ToProtoTime(identified);
  return Validate(r, identified + absl::Hours(1));
}

using csec::dispatch::v1::SOURCE_KIND_HOTLINE;
using csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT;
using csec::dispatch::v1::SOURCE_KIND_SAFE_YOUTH_ZONE;

struct Case {
  const char* name;
  std::function<void(ReportIdentificationRequest&)> breakIt;
  absl::StatusCode code;
  const char* message_part;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ValidationRule : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationRule, RefusesWithTheFieldNamed) {
  ReportIdentificationRequest r = ValidRequest();
  GetParam().breakIt(r);
  absl::Status s = Validate(r);
  EXPECT_EQ(s.code(), GetParam().code) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(GetParam().message_part));
}

INSTANTIATE_TEST_SUITE_P(
    EachRule, ValidationRule,
    ::testing::Values(
        Case{"NoKey", [](auto& r) { r.clear_idempotency_key(); }, absl::StatusCode::kInvalidArgument,
             "idempotency_key: required"},
        Case{"KeyNotAscii", [](auto& r) { r.set_idempotency_key("k\xc3\xa9y"); }, absl::StatusCode::kInvalidArgument,
             "idempotency_key: must be printable ASCII"},
        Case{"NoReferral", [](auto& r) { r.clear_referral(); }, absl::StatusCode::kInvalidArgument,
             "referral: required"},
        Case{"NoSource", [](auto& r) { r.mutable_referral()->clear_source(); }, absl::StatusCode::kInvalidArgument,
             "referral.source: required"},
        Case{"NoSourceKind", [](auto& r) { r.mutable_referral()->mutable_source()->clear_kind(); },
             absl::StatusCode::kInvalidArgument, "referral.source.kind: required"},
        Case{"NoAgency", [](auto& r) { r.mutable_referral()->mutable_source()->clear_agency_id(); },
             absl::StatusCode::kInvalidArgument, "referral.source.agency_id: required"},
        Case{"NoStation", [](auto& r) { r.mutable_referral()->mutable_source()->clear_station_id(); },
             absl::StatusCode::kInvalidArgument, "referral.source.station_id: required"},
        Case{"NoTime", [](auto& r) { r.mutable_referral()->clear_identified_at(); },
             absl::StatusCode::kInvalidArgument, "referral.identified_at: required"},
        Case{"FutureTime",
             [](auto& r) { *r.mutable_referral()->mutable_identified_at() = ToProtoTime(kNow + absl::Hours(1)); },
             absl::StatusCode::kInvalidArgument, "referral.identified_at: must not be in the future"},
        Case{"NoStaging", [](auto& r) { r.mutable_referral()->clear_staging(); }, absl::StatusCode::kInvalidArgument,
             "referral.staging.address: required"},
        Case{"BadLatitude", [](auto& r) { r.mutable_referral()->mutable_staging()->set_latitude(91); },
             absl::StatusCode::kInvalidArgument, "referral.staging.latitude"},
        Case{"NoOfficerPhone", [](auto& r) { r.mutable_referral()->mutable_reporting_officer()->clear_phone(); },
             absl::StatusCode::kInvalidArgument, "referral.reporting_officer.phone: required"},
        Case{"NoYouth", [](auto& r) { r.mutable_referral()->clear_youth(); }, absl::StatusCode::kInvalidArgument,
             "referral.youth: required"},
        Case{"NoPseudonym", [](auto& r) { r.mutable_referral()->mutable_youth()->clear_pseudonym_ref(); },
             absl::StatusCode::kInvalidArgument, "referral.youth.pseudonym_ref: required"},
        Case{"NegativeAge", [](auto& r) { r.mutable_referral()->mutable_youth()->set_age_years(-1); },
             absl::StatusCode::kInvalidArgument, "referral.youth.age_years"},
        Case{"LeadWithoutDualStatus",
             [](auto& r) {
               r.mutable_referral()->mutable_youth()->mutable_jurisdiction()->set_dual_status_lead(
                   csec::dispatch::v1::LEAD_AGENCY_DCFS);
             },
             absl::StatusCode::kInvalidArgument, "dual_status_lead: only meaningful when dual_status is true"},
        Case{"Adult", [](auto& r) { r.mutable_referral()->mutable_youth()->set_age_years(18); },
             absl::StatusCode::kFailedPrecondition, "covers minors"},
        Case{"AdultByBirthYear",
             [](auto& r) {
               r.mutable_referral()->mutable_youth()->clear_age_years();
               r.mutable_referral()->mutable_youth()->set_estimated_birth_year(2007);
             },
             absl::StatusCode::kFailedPrecondition, "at least 18"},
        // Birth date: a real day, written YYYY-MM-DD.
        Case{"BirthDateWithSlashes", [](auto& r) { BornOn(r, "01/02/2010"); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateWithOneDigitMonthAndDay", [](auto& r) { BornOn(r, "2010-1-2"); },
             absl::StatusCode::kInvalidArgument, "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateThatIsNoDay", [](auto& r) { BornOn(r, "2010-02-30"); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateOnLeapDayOfACommonYear", [](auto& r) { BornOn(r, "2010-02-29"); },
             absl::StatusCode::kInvalidArgument, "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateMonth13", [](auto& r) { BornOn(r, "2010-13-01"); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateDay00", [](auto& r) { BornOn(r, "2010-01-00"); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateWithTime", [](auto& r) { BornOn(r, "2010-01-02T00:00:00Z"); },
             absl::StatusCode::kInvalidArgument, "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateWithSpace", [](auto& r) { BornOn(r, "2010-01-2 "); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateWithSign", [](auto& r) { BornOn(r, "+010-01-02"); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        Case{"BirthDateInWords", [](auto& r) { BornOn(r, "2nd Jan 10"); }, absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"},
        // Identified on 21 November in Los Angeles (22 November in UTC).
        Case{"BirthDateAfterIdentification", [](auto& r) { BornOn(r, "2026-11-22"); },
             absl::StatusCode::kInvalidArgument,
             "referral.youth.identity.birth_date: must not be after the day the youth was identified"},
        Case{"BirthDateMoreThan120YearsBefore", [](auto& r) { BornOn(r, "1906-11-20"); },
             absl::StatusCode::kInvalidArgument, "referral.youth.identity.birth_date: must be within 120 years"},
        // A birth date proves the age.
        Case{"AdultByBirthDate", [](auto& r) { BornOn(r, "2000-01-01"); }, absl::StatusCode::kFailedPrecondition,
             "at least 26"},
        Case{"EighteenOnTheDayOfIdentification", [](auto& r) { BornOn(r, "2008-11-21"); },
             absl::StatusCode::kFailedPrecondition, "at least 18"},
        Case{"Exactly120YearsBeforeIsADateButAnAdult", [](auto& r) { BornOn(r, "1906-11-21"); },
             absl::StatusCode::kFailedPrecondition, "at least 120"},
        // An age and a birth date that disagree contradict each other: the sender must say which
        // is right, whichever of the two would make an adult.
        Case{"AgeContradictingAnAdultBirthDate",
             [](auto& r) {
               BornOn(r, "2000-01-01");
               r.mutable_referral()->mutable_youth()->set_age_years(15);
             },
             absl::StatusCode::kInvalidArgument,
             "referral.youth.age_years: 15 contradicts referral.youth.identity.birth_date, which gives another age"},
        Case{"AdultAgeContradictingAMinorsBirthDate",
             [](auto& r) {
               BornOn(r, "2012-01-01");
               r.mutable_referral()->mutable_youth()->set_age_years(19);
             },
             absl::StatusCode::kInvalidArgument,
             "referral.youth.age_years: 19 contradicts referral.youth.identity.birth_date"},
        Case{"AgeAgreeingWithAnAdultBirthDate",
             [](auto& r) {
               BornOn(r, "2000-01-01");
               r.mutable_referral()->mutable_youth()->set_age_years(26);
             },
             absl::StatusCode::kFailedPrecondition, "at least 26"},
        // Source against the protocol configuration.
        Case{"UnknownAgency", [](auto& r) { SetSource(r, SOURCE_KIND_LAW_ENFORCEMENT, "xpd", "xpd-central"); },
             absl::StatusCode::kInvalidArgument,
             R"(referral.source.agency_id: "xpd" is not an agency of the protocol configuration; )"
             "expected one of: lasd, lapd, lbpd, cph, syz"},
        Case{"StationOfAnotherAgency",
             [](auto& r) { SetSource(r, SOURCE_KIND_LAW_ENFORCEMENT, "lapd", "lasd-compton"); },
             absl::StatusCode::kInvalidArgument,
             R"(referral.source.station_id: station "lasd-compton" belongs to agency "lasd", not "lapd" )"
             "(referral.source.agency_id)"},
        Case{"StationOfAnotherAgencyUnderAnUnknownAgency",
             [](auto& r) { SetSource(r, SOURCE_KIND_LAW_ENFORCEMENT, "xpd", "lasd-compton"); },
             absl::StatusCode::kInvalidArgument,
             R"(referral.source.station_id: station "lasd-compton" belongs to agency "lasd", not "xpd")"},
        Case{"HotlineKindFromThePolice", [](auto& r) { SetSource(r, SOURCE_KIND_HOTLINE, "lapd", ""); },
             absl::StatusCode::kInvalidArgument,
             R"(referral.source.kind: HOTLINE does not match agency "lapd", a law_enforcement agency )"
             R"((referral.source.agency_id): use LAW_ENFORCEMENT or the agency that identified the youth)"},
        // The mismatch is named, not the station the kind would then need.
        Case{"PoliceKindFromTheHotline",
             [](auto& r) { SetSource(r, csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT, "cph", ""); },
             absl::StatusCode::kInvalidArgument,
             R"(referral.source.kind: LAW_ENFORCEMENT does not match agency "cph", a hotline agency )"
             R"((referral.source.agency_id): use HOTLINE or the agency that identified the youth)"},
        Case{"HotlineWithABadStationId", [](auto& r) { SetSource(r, SOURCE_KIND_HOTLINE, "cph", "st\xc3\xa9"); },
             absl::StatusCode::kInvalidArgument, "referral.source.station_id: must be printable ASCII"},
        Case{"HotlineNamingAStationOfAnotherAgency",
             [](auto& r) { SetSource(r, SOURCE_KIND_HOTLINE, "cph", "lasd-compton"); },
             absl::StatusCode::kInvalidArgument,
             R"(referral.source.station_id: station "lasd-compton" belongs to agency "lasd", not "cph")"},
        Case{"SafeYouthZoneWithoutStation", [](auto& r) { SetSource(r, SOURCE_KIND_SAFE_YOUTH_ZONE, "syz", ""); },
             absl::StatusCode::kInvalidArgument, "referral.source.station_id: required"},
        Case{"NoKindAndNoStation",
             [](auto& r) { SetSource(r, csec::dispatch::v1::SOURCE_KIND_UNSPECIFIED, "cph", ""); },
             absl::StatusCode::kInvalidArgument, "referral.source.station_id: required"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Validation, AcceptsACompleteReferral) { EXPECT_TRUE(Validate(ValidRequest()).ok()); }

TEST(Validation, NamesEveryBadFieldAtOnce) {
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_source()->clear_station_id();
  r.mutable_referral()->clear_staging();
  absl::Status s = Validate(r);
  EXPECT_THAT(std::string(s.message()), HasSubstr("referral.source.station_id: required"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("referral.staging.address: required"));
}

TEST(Validation, UnknownAgeIsTreatedAsAMinor) {
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->clear_age_years();
  EXPECT_TRUE(Validate(r).ok());
}

TEST(Validation, ABirthYearThatMayStillMeanSeventeenIsAccepted) {
  // Identified in 2026, born in 2008: 17 or 18 depending on the birthday, so a minor.
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->clear_age_years();
  r.mutable_referral()->mutable_youth()->set_estimated_birth_year(2008);
  EXPECT_TRUE(Validate(r).ok());
}

TEST(Validation, AHotlineReferralNeedsNoStation) {
  // protocol.yaml: "A referral it originates has no station: it is routed to the standard response."
  ReportIdentificationRequest r = ValidRequest();
  SetSource(r, SOURCE_KIND_HOTLINE, "cph", "");
  EXPECT_TRUE(Validate(r).ok()) << Validate(r);
}

TEST(Validation, AStationOfItsOwnAgencyIsAccepted) {
  ReportIdentificationRequest r = ValidRequest();
  SetSource(r, SOURCE_KIND_LAW_ENFORCEMENT, "lasd", "lasd-compton");
  EXPECT_TRUE(Validate(r).ok()) << Validate(r);
}

TEST(Validation, AStationTheConfigDoesNotKnowIsStillAccepted) {
  // Routing gives it the hotline's standard response and a supervisor's review.
  ReportIdentificationRequest r = ValidRequest();
  SetSource(r, SOURCE_KIND_LAW_ENFORCEMENT, "lasd", "lasd-opened-last-week");
  EXPECT_TRUE(Validate(r).ok()) << Validate(r);
}

TEST(Validation, StationOfAnotherAgencyNamesBothFieldsAndIsTheOnlyProblem) {
  ReportIdentificationRequest r = ValidRequest();
  SetSource(r, SOURCE_KIND_LAW_ENFORCEMENT, "lapd", "lasd-compton");
  const absl::Status s = Validate(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), R"(referral.source.station_id: station "lasd-compton" belongs to agency "lasd", not "lapd" )"
                         "(referral.source.agency_id)");
}

TEST(Validation, TurningEighteenTheDayAfterIdentificationIsAMinor) {
  // Identified 21 November 19:00 in Los Angeles, already 22 November in UTC: the county's day
  // counts, so a youth born on 22 November 2008 is 17.
  ReportIdentificationRequest r = ValidRequest();
  BornOn(r, "2008-11-22");
  EXPECT_TRUE(Validate(r).ok()) << Validate(r);

  EXPECT_TRUE(ValidateIdentifiedAt(r, absl::CivilSecond(2026, 11, 21, 23, 59, 59)).ok());
  EXPECT_EQ(ValidateIdentifiedAt(r, absl::CivilSecond(2026, 11, 22, 0, 0, 0)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Validation, ALeapDayBirthdayCountsAsMarchFirstInACommonYear) {
  ReportIdentificationRequest r = ValidRequest();
  BornOn(r, "2008-02-29");
  // 28 February 23:59 in Los Angeles is 1 March in UTC: still 17 on the county's calendar.
  EXPECT_TRUE(ValidateIdentifiedAt(r, absl::CivilSecond(2026, 2, 28, 23, 59, 0)).ok());
  EXPECT_EQ(ValidateIdentifiedAt(r, absl::CivilSecond(2026, 3, 1, 0, 0, 0)).code(),
            absl::StatusCode::kFailedPrecondition);
  // A leap-day child's 18th birthday always falls in a common year; another one.
  BornOn(r, "2012-02-29");
  EXPECT_TRUE(ValidateIdentifiedAt(r, absl::CivilSecond(2030, 2, 28, 12, 0, 0)).ok());
  EXPECT_EQ(ValidateIdentifiedAt(r, absl::CivilSecond(2030, 3, 1, 0, 0, 0)).code(),
            absl::StatusCode::kFailedPrecondition);
  BornOn(r, "2014-02-29");  // no such day
  EXPECT_EQ(ValidateIdentifiedAt(r, absl::CivilSecond(2030, 3, 1, 0, 0, 0)).code(), absl::StatusCode::kInvalidArgument);
  BornOn(r, "2016-02-29");
  EXPECT_TRUE(ValidateIdentifiedAt(r, absl::CivilSecond(2032, 2, 28, 12, 0, 0)).ok());  // 15
}

TEST(Validation, ABirthDateOnTheDayOfIdentificationIsADate) {
  ReportIdentificationRequest r = ValidRequest();
  BornOn(r, "2026-11-21");  // a newborn, identified on her first day: odd, but not impossible
  EXPECT_TRUE(Validate(r).ok()) << Validate(r);
}

TEST(Validation, AnEstimatedBirthYearIsReckonedOnTheCountysCalendar) {
  // 31 December 2025 21:00 in Los Angeles is 2026 in UTC. Born in 2007, the youth may still be
  // 17 on 31 December 2025 (a birthday that day), so she is not a proven adult.
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->clear_age_years();
  r.mutable_referral()->mutable_youth()->set_estimated_birth_year(2007);
  EXPECT_TRUE(ValidateIdentifiedAt(r, absl::CivilSecond(2025, 12, 31, 21, 0, 0)).ok());
  EXPECT_EQ(ValidateIdentifiedAt(r, absl::CivilSecond(2026, 1, 1, 0, 0, 0)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Validation, NoMessageRepeatsTheYouthsIdentity) {
  const std::vector<std::string> birth_dates = {"01/02/2010", "2010-1-2",   "2010-02-30", "2010-02-29", "2026-11-22",
                                                "1900-07-04", "2000-01-01", "2008-11-21", "2010-01-2 ", "19991231XY"};
  for (const std::string& birth_date : birth_dates) {
    ReportIdentificationRequest r = ValidRequest();
    auto* identity = r.mutable_referral()->mutable_youth()->mutable_identity();
    identity->set_given_name("Zelphine");
    identity->set_family_name("Quorrow");
    identity->set_home_address("17 Synthetic Lane");
    identity->set_dcfs_case_number("SYNTH-DCFS-7731");
    identity->set_probation_case_number("SYNTH-PROB-8842");
    BornOn(r, birth_date);
    const absl::Status s = Validate(r);
    ASSERT_FALSE(s.ok()) << birth_date;
    const std::string message(s.message());
    EXPECT_THAT(message, HasSubstr("referral.youth")) << birth_date;
    for (const std::string& secret :
         {birth_date, birth_date.substr(0, 4), std::string("Zelphine"), std::string("Quorrow"),
          std::string("Synthetic Lane"), std::string("DCFS-7731"), std::string("PROB-8842")}) {
      EXPECT_THAT(message, Not(HasSubstr(secret))) << birth_date;
    }
  }
}

TEST(Validation, BirthDateIsCheckedAlongsideEveryOtherField) {
  ReportIdentificationRequest r = ValidRequest();
  BornOn(r, "2010/01/02");
  r.mutable_referral()->mutable_source()->clear_station_id();
  const absl::Status s = Validate(r);
  EXPECT_THAT(std::string(s.message()), HasSubstr("referral.source.station_id: required; "));
  EXPECT_THAT(std::string(s.message()), HasSubstr("referral.youth.identity.birth_date: must be a date as YYYY-MM-DD"));
}

TEST(Validation, SeventeenIsAccepted) {
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->set_age_years(17);
  EXPECT_TRUE(Validate(r).ok());
}

}  // namespace
}  // namespace csec::intake
