#include "tools/dispatchctl/sample_referrals.h"

#include "absl/time/civil_time.h"
#include "services/common/base/clock.h"

namespace csec::tools {

using csec::dispatch::v1::ReportIdentificationRequest;

std::optional<SampleKind> ParseSampleKind(absl::string_view name) {
  if (name == "new") return SampleKind::kNewToBoth;
  if (name == "dcfs") return SampleKind::kOpenDcfs;
  if (name == "probation") return SampleKind::kOpenProbation;
  if (name == "dual") return SampleKind::kDualStatus;
  if (name == "nonparticipating") return SampleKind::kNonParticipating;
  return std::nullopt;
}

ReportIdentificationRequest SampleReferral(SampleKind kind, const std::string& idempotency_key,
                                           absl::Time identified_at) {
  ReportIdentificationRequest r;
  r.set_idempotency_key(idempotency_key);
  auto* ref = r.mutable_referral();
  auto* source = ref->mutable_source();
  source->set_kind(csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT);
  *ref->mutable_identified_at() = ToProtoTime(identified_at);
  ref->mutable_reporting_officer()->set_name("Officer Synthetic");
  ref->mutable_reporting_officer()->set_badge_number("S-0000");
  ref->mutable_reporting_officer()->set_phone("+1-555-0100");
  auto* youth = ref->mutable_youth();
  youth->set_pseudonym_ref("SYNTH-" + idempotency_key);
  youth->set_age_years(15);
  youth->set_gender(csec::dispatch::v1::GENDER_FEMALE);
  youth->set_language("en");
  auto* identity = youth->mutable_identity();
  identity->set_given_name("Synthetic");
  identity->set_family_name("Youth");
  // Fifteen on the day of identification, as age_years says, whatever the day: her 15th birthday was
  // 100 days before it (the margin covers the county's day differing from UTC's).
  const absl::CivilDay identified_day = absl::ToCivilDay(identified_at, absl::UTCTimeZone());
  identity->set_birth_date(absl::FormatCivilTime(
      absl::CivilDay(identified_day.year() - 15, identified_day.month(), identified_day.day()) - 100));
  identity->set_home_address("1 Example Way, Nowhere");
  auto* jurisdiction = youth->mutable_jurisdiction();

  switch (kind) {
    case SampleKind::kNewToBoth:
      source->set_agency_id("lbpd");
      source->set_station_id("lbpd");
      ref->mutable_staging()->set_address("Long Beach PD headquarters, 400 W Broadway, Long Beach");
      ref->mutable_staging()->set_latitude(33.7686);
      ref->mutable_staging()->set_longitude(-118.1986);
      break;
    case SampleKind::kOpenDcfs:
      source->set_agency_id("lapd");
      source->set_station_id("lapd-77th-street");
      ref->mutable_staging()->set_address("LAPD 77th Street Community Police Station");
      jurisdiction->set_open_dcfs_case(true);
      jurisdiction->set_dcfs_social_worker_id("dcfs-sw-0042");
      identity->set_dcfs_case_number("SYNTH-DCFS-0001");
      break;
    case SampleKind::kOpenProbation:
      source->set_agency_id("lasd");
      source->set_station_id("lasd-compton");
      ref->mutable_staging()->set_address("Sheriff's Compton Station");
      jurisdiction->set_open_probation_case(true);
      identity->set_probation_case_number("SYNTH-PROB-0001");
      break;
    case SampleKind::kDualStatus:
      source->set_agency_id("lasd");
      source->set_station_id("lasd-lancaster");
      ref->mutable_staging()->set_address("Sheriff's Lancaster Station");
      jurisdiction->set_open_probation_case(true);
      jurisdiction->set_open_dcfs_case(true);
      jurisdiction->set_dual_status(true);
      jurisdiction->set_dual_status_lead(csec::dispatch::v1::LEAD_AGENCY_PROBATION);
      break;
    case SampleKind::kNonParticipating:
      source->set_agency_id("pasadena-pd");
      source->set_station_id("pasadena-pd");
      ref->mutable_staging()->set_address("Pasadena PD");
      break;
  }
  return r;
}

}  // namespace csec::tools
