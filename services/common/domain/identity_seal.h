// Sealing of a youth's identifying fields (YouthIdentity) with the case's own key,
// AES-256-GCM. What goes on a topic is only the sealed form; deleting the case key makes every
// copy unreadable (crypto-shredding), which is how a case is forgotten without rewriting logs.
//
//   std::string key = RandomBytes(kCaseKeyBytes);
//   absl::StatusOr<SealedIdentity> sealed = SealIdentity(identity, key, key_id);
//   absl::StatusOr<YouthIdentity> back = OpenIdentity(*sealed, key);
//
// Pure functions, thread-safe.
#ifndef CSEC_SERVICES_COMMON_DOMAIN_IDENTITY_SEAL_H_
#define CSEC_SERVICES_COMMON_DOMAIN_IDENTITY_SEAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/referral.pb.h"

namespace csec {

inline constexpr size_t kCaseKeyBytes = 32;

absl::StatusOr<csec::dispatch::v1::SealedIdentity> SealIdentity(const csec::dispatch::v1::YouthIdentity& identity,
                                                                absl::string_view key, absl::string_view key_id);
absl::StatusOr<csec::dispatch::v1::YouthIdentity> OpenIdentity(const csec::dispatch::v1::SealedIdentity& sealed,
                                                               absl::string_view key);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_DOMAIN_IDENTITY_SEAL_H_
