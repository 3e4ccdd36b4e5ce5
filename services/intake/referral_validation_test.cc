#include "services/intake/referral_validation.h"

#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/clock.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::ReportIdentificationRequest;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 22, 3, 0, 0), absl::UTCTimeZone());

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
  absl::Status s = ValidateReport(r, kNow);
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
             absl::StatusCode::kFailedPrecondition, "at least 18"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Validation, AcceptsACompleteReferral) { EXPECT_TRUE(ValidateReport(ValidRequest(), kNow).ok()); }

TEST(Validation, NamesEveryBadFieldAtOnce) {
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_source()->clear_station_id();
  r.mutable_referral()->clear_staging();
  absl::Status s = ValidateReport(r, kNow);
  EXPECT_THAT(std::string(s.message()), HasSubstr("referral.source.station_id: required"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("referral.staging.address: required"));
}

TEST(Validation, UnknownAgeIsTreatedAsAMinor) {
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->clear_age_years();
  EXPECT_TRUE(ValidateReport(r, kNow).ok());
}

TEST(Validation, ABirthYearThatMayStillMeanSeventeenIsAccepted) {
  // Identified in 2026, born in 2008: 17 or 18 depending on the birthday, so a minor.
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->clear_age_years();
  r.mutable_referral()->mutable_youth()->set_estimated_birth_year(2008);
  EXPECT_TRUE(ValidateReport(r, kNow).ok());
}

TEST(Validation, SeventeenIsAccepted) {
  ReportIdentificationRequest r = ValidRequest();
  r.mutable_referral()->mutable_youth()->set_age_years(17);
  EXPECT_TRUE(ValidateReport(r, kNow).ok());
}

}  // namespace
}  // namespace csec::intake
