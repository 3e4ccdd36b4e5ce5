// Who identified the youth, as the protocol reads it: intake enforces it on every report, and
// routing's Explain holds a referral to the same rule.
#ifndef CSEC_SERVICES_COMMON_DOMAIN_REFERRAL_SOURCE_H_
#define CSEC_SERVICES_COMMON_DOMAIN_REFERRAL_SOURCE_H_

#include "csec/dispatch/v1/referral.pb.h"

namespace csec {

// Whether the referral must name the identifying station. The hotline has no station: a
// referral it originates gets the standard response. Any other source is identified by its
// station, which routing routes by.
inline bool NeedsStation(const csec::dispatch::v1::IdentificationSource& source) {
  return source.kind() != csec::dispatch::v1::SOURCE_KIND_HOTLINE;
}

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_DOMAIN_REFERRAL_SOURCE_H_
