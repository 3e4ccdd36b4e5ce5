#include "services/common/base/log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace csec::log {
namespace {

absl::Mutex& LogMutex() {
  static absl::Mutex* mu = new absl::Mutex();
  return *mu;
}

std::string& ServiceName() {
  static std::string* name = new std::string("csec");
  return *name;
}

void Write(absl::string_view level, absl::string_view event, std::initializer_list<Field> fields) {
  std::string line = absl::StrCat(
      "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), "\",\"level\":\"",
      level, "\",\"service\":\"", JsonEscape(ServiceName()), "\",\"event\":\"", JsonEscape(event), "\"");
  for (const Field& f : fields) {
    absl::StrAppend(&line, ",\"", JsonEscape(f.key), "\":");
    if (f.quoted) {
      absl::StrAppend(&line, "\"", JsonEscape(f.value), "\"");
    } else {
      absl::StrAppend(&line, f.value);
    }
  }
  line += "}\n";
  absl::MutexLock lock(&LogMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void SetService(absl::string_view service) {
  absl::MutexLock lock(&LogMutex());
  ServiceName() = std::string(service);
}

void Info(absl::string_view event, std::initializer_list<Field> fields) { Write("info", event, fields); }
void Warn(absl::string_view event, std::initializer_list<Field> fields) { Write("warn", event, fields); }
void Error(absl::string_view event, std::initializer_list<Field> fields) { Write("error", event, fields); }

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace csec::log
