// Synthetic referrals for the local stack, the integration tests and benchmarks. Every name,
// date and number here is invented; stations and areas are those of deploy/config/protocol.yaml.
//
//   ReportIdentificationRequest r = SampleReferral(SampleKind::kNewToBoth, "demo-key-1", absl::Now());
#ifndef CSEC_TOOLS_DISPATCHCTL_SAMPLE_REFERRALS_H_
#define CSEC_TOOLS_DISPATCHCTL_SAMPLE_REFERRALS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.pb.h"

namespace csec::tools {

enum class SampleKind {
  kNewToBoth,         // Long Beach PD, no open case → MART
  kOpenDcfs,          // LAPD 77th Street, open DCFS case → MART, social worker notified
  kOpenProbation,     // Sheriff's Compton station, WIC 602 ward → CTU, HTB notified
  kDualStatus,        // Sheriff's Lancaster station, dual status with probation lead → CTU
  kNonParticipating,  // a station outside the protocol → standard hotline response
};

std::optional<SampleKind> ParseSampleKind(absl::string_view name);

csec::dispatch::v1::ReportIdentificationRequest SampleReferral(SampleKind kind, const std::string& idempotency_key,
                                                               absl::Time identified_at);

}  // namespace csec::tools

#endif  // CSEC_TOOLS_DISPATCHCTL_SAMPLE_REFERRALS_H_
