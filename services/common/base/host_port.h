// Network addresses as flags and configs spell them: "host:port".
#ifndef CSEC_SERVICES_COMMON_BASE_HOST_PORT_H_
#define CSEC_SERVICES_COMMON_BASE_HOST_PORT_H_

#include <string>

#include "absl/status/status.h"

namespace csec {

// Splits "host:port" (host may be empty or "[::1]"); errors name the text.
absl::Status SplitHostPort(const std::string& listen, std::string* host, int* port);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_BASE_HOST_PORT_H_
