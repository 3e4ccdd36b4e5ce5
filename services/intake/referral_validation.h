// The rules a referral, and each later fact, must meet before intake records it. Pure: no I/O, no clock of its own.
//
//   std::shared_ptr<const ProtocolConfig> config = config_store->Current();
//   absl::Status verdict = ValidateReport(request, clock.Now(), *config);
//   // InvalidArgument naming every bad field, e.g.
//   //   "referral.source.station_id: required; referral.staging.address: required"
//   // FailedPrecondition when the youth is certainly 18 or over (the protocol covers minors).
//
// No message ever repeats a value of referral.youth.identity (a child's name, birth date,
// address, case numbers): messages are returned to callers and may be logged.
#ifndef CSEC_SERVICES_INTAKE_REFERRAL_VALIDATION_H_
#define CSEC_SERVICES_INTAKE_REFERRAL_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.pb.h"
#include "services/common/domain/protocol_config.h"

namespace csec::intake {

// How far ahead of our clock an agency's "identified at" may be, for clock skew.
inline constexpr absl::Duration kAllowedClockSkew = absl::Minutes(5);
inline constexpr int kAdultAge = 18;

// The config supplies the agencies and stations a source may name and the county's time zone,
// in which the youth's age on the day of identification is reckoned. Rules beyond the shape of
// each field:
// - source.agency_id must be an agency of the config; a station of the config must belong to
//   it. A station the config does not know is accepted: routing gives it the hotline's standard
//   response and a supervisor's review.
// - source.station_id is required, except when the Child Protection Hotline itself originated
//   the referral (kind HOTLINE, which must name a hotline agency).
// - youth.identity.birth_date, when given, is a real YYYY-MM-DD date, not after the day of
//   identification and not more than 120 years before it; it proves the youth's exact age.
absl::Status ValidateReport(const csec::dispatch::v1::ReportIdentificationRequest& request, absl::Time now,
                            const ProtocolConfig& config);

// Facts after the report: request_id and case_id are required, the fact's own time is
// required and not in the future, and each fact's fields as below. InvalidArgument names
// every bad field.
absl::Status ValidateArrival(const csec::dispatch::v1::RecordArrivalRequest& request, absl::Time now);
absl::Status ValidateMdt(const csec::dispatch::v1::RecordMdtRequest& request, absl::Time now);
absl::Status ValidatePlacement(const csec::dispatch::v1::RecordPlacementRequest& request, absl::Time now);
absl::Status ValidateMedicalExam(const csec::dispatch::v1::RecordMedicalExamRequest& request, absl::Time now);
absl::Status ValidateClose(const csec::dispatch::v1::CloseCaseRequest& request, absl::Time now);

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_REFERRAL_VALIDATION_H_
