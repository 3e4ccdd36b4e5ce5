// Early returns on error, the way Abseil's own code writes them (absl/status does not ship these
// macros in the 20220623 release Debian has, so they are defined here, once).
//
//   absl::Status Load(...) {
//     RETURN_IF_ERROR(CheckSomething());              // returns the error, if any
//     ASSIGN_OR_RETURN(Config config, ParseConfig()); // declares config, or returns the error
//     ASSIGN_OR_RETURN(existing, Lookup(id));         // assigns an existing variable
//     ...
//   }
//
// Both work in functions returning absl::Status or any absl::StatusOr<T>.
#ifndef CSEC_SERVICES_COMMON_BASE_STATUS_MACROS_H_
#define CSEC_SERVICES_COMMON_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RETURN_IF_ERROR(...)                                                                       \
  do {                                                                                             \
    if (::absl::Status csec_status_macro_status = (__VA_ARGS__); !csec_status_macro_status.ok()) { \
      return csec_status_macro_status;                                                             \
    }                                                                                              \
  } while (false)

#define CSEC_STATUS_MACROS_CONCAT_INNER(x, y) x##y
#define CSEC_STATUS_MACROS_CONCAT(x, y) CSEC_STATUS_MACROS_CONCAT_INNER(x, y)

// `lhs` may be a declaration ("Type name", or "auto name" where the type has a comma) or an
// existing variable; the expression after it is evaluated once and may itself hold commas.
#define ASSIGN_OR_RETURN(lhs, ...) \
  CSEC_ASSIGN_OR_RETURN_IMPL(CSEC_STATUS_MACROS_CONCAT(csec_status_macro_or_, __LINE__), lhs, __VA_ARGS__)

#define CSEC_ASSIGN_OR_RETURN_IMPL(statusor, lhs, ...)     \
  auto statusor = (__VA_ARGS__);                           \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // CSEC_SERVICES_COMMON_BASE_STATUS_MACROS_H_
