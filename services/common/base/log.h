// Structured logs: one JSON object a line on stderr, for operations to ship and query.
//
//   csec::log::SetService("intake");
//   csec::log::Info("referral.reported", {{"case_id", case_id}, {"event_id", event_id}});
//
// Fields are explicit name/value pairs, never a whole message: so a youth's identifying
// fields (YouthIdentity) can only reach a log if someone names them, and nobody may.
// Thread-safe: each line is written with one call under a lock.
#ifndef CSEC_SERVICES_COMMON_BASE_LOG_H_
#define CSEC_SERVICES_COMMON_BASE_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace csec::log {

struct Field {
  Field(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  Field(absl::string_view k, const std::string& v) : key(k), value(v) {}
  Field(absl::string_view k, const char* v) : key(k), value(v) {}
  Field(absl::string_view k, long long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(absl::string_view k, int v) : Field(k, static_cast<long long>(v)) {}
  Field(absl::string_view k, long v) : Field(k, static_cast<long long>(v)) {}
  Field(absl::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  std::string key;
  std::string value;
  bool quoted = true;
};

void SetService(absl::string_view service);
void Info(absl::string_view event, std::initializer_list<Field> fields = {});
void Warn(absl::string_view event, std::initializer_list<Field> fields = {});
void Error(absl::string_view event, std::initializer_list<Field> fields = {});

// JSON string escaping, shared with the few other places that write JSON by hand.
std::string JsonEscape(absl::string_view s);

}  // namespace csec::log

#endif  // CSEC_SERVICES_COMMON_BASE_LOG_H_
