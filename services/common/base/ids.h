// Event and case ids. A replayed event must carry the id it had the first time, so ids that
// follow from an input are derived from it (DeriveId); only the very first fact is random.
//
//   std::string event_id = DeriveId("routing.case-routed", referral_event_id);
#ifndef CSEC_SERVICES_COMMON_BASE_IDS_H_
#define CSEC_SERVICES_COMMON_BASE_IDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace csec {

// 128 random bits as a UUID (version 4) string.
std::string NewRandomId();
// A UUID-shaped id that is a SHA-256 of (purpose, input): the same input gives the same id.
std::string DeriveId(absl::string_view purpose, absl::string_view input);
std::string Sha256Hex(absl::string_view data);
// Cryptographically random bytes, e.g. for keys and nonces.
std::string RandomBytes(size_t n);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_BASE_IDS_H_
