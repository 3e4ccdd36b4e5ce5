// The rules a referral, and each later fact, must meet before intake records it. Pure: no I/O, no clock of its own.
//
//   absl::Status verdict = ValidateReport(request, clock.Now());
//   // InvalidArgument naming every bad field, e.g.
//   //   "referral.source.station_id: required; referral.staging.address: required"
//   // FailedPrecondition when the youth is certainly 18 or over (the protocol covers minors).
#ifndef CSEC_SERVICES_INTAKE_REFERRAL_VALIDATION_H_
#define CSEC_SERVICES_INTAKE_REFERRAL_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.pb.h"

namespace csec::intake {

// How far ahead of our clock an agency's "identified at" may be, for clock skew.
inline constexpr absl::Duration kAllowedClockSkew = absl::Minutes(5);
inline constexpr int kAdultAge = 18;

absl::Status ValidateReport(const csec::dispatch::v1::ReportIdentificationRequest& request, absl::Time now);

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
