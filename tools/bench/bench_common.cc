#include "tools/bench/bench_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sys/utsname.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace csec::bench {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value after "<key>:" on the first line of /proc-style text that starts with `key`.
std::string ProcValue(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!absl::StartsWith(line, key)) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return "unknown";
}

std::string CpuCount() {
  std::istringstream lines(ReadFile("/proc/cpuinfo"));
  int processors = 0;
  for (std::string line; std::getline(lines, line);) {
    if (absl::StartsWith(line, "processor")) ++processors;
  }
  return absl::StrCat(processors);
}

std::string Memory() {
  std::string kb = ProcValue(ReadFile("/proc/meminfo"), "MemTotal");  // "24684092 kB"
  long long value = std::atoll(kb.c_str());
  if (value <= 0) return kb;
  return absl::StrFormat("%.1f GiB", static_cast<double>(value) / (1024.0 * 1024.0));
}

std::string Os() {
  // os-release is KEY="value", not "key: value".
  const std::string text = ReadFile("/etc/os-release");
  size_t at = text.find("PRETTY_NAME=\"");
  if (at == std::string::npos) return "unknown";
  at += sizeof("PRETTY_NAME=\"") - 1;
  return text.substr(at, text.find('"', at) - at);
}

std::string Kernel() {
  utsname u;
  if (uname(&u) != 0) return "unknown";
  return absl::StrCat(u.sysname, " ", u.release, " ", u.machine);
}

}  // namespace

// The broker's version is pinned in one place; reading it from there keeps this line honest.
std::string KafkaVersion() {
  const std::string pom = ReadFile(CSEC_SOURCE_DIR "/tools/kafka/pom.xml");
  const std::string open = "<kafka.version>";
  size_t at = pom.find(open);
  if (at == std::string::npos) return "unknown (tools/kafka/pom.xml unreadable)";
  at += open.size();
  return absl::StrCat(pom.substr(at, pom.find('<', at) - at), " (tools/kafka/pom.xml)");
}

std::string FlagOrEnv(const std::map<std::string, std::string>& flags, const std::string& name, const char* env_var,
                      const std::string& fallback) {
  if (auto it = flags.find(name); it != flags.end()) return it->second;
  if (env_var != nullptr) {
    if (const char* v = std::getenv(env_var); v != nullptr && *v != '\0') return v;
  }
  return fallback;
}

void PrintSetup(const std::string& bench, const std::vector<std::pair<std::string, std::string>>& run) {
  const std::string cpuinfo = ReadFile("/proc/cpuinfo");
  std::vector<std::pair<std::string, std::string>> lines = {
      {"date", absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::Now(), absl::UTCTimeZone())},
      {"cpu", ProcValue(cpuinfo, "model name")},
      {"cpus", CpuCount()},
      {"memory", Memory()},
      {"os", Os()},
      {"kernel", Kernel()},
      {"compiler", absl::StrCat("g++ ", __VERSION__)},
      {"build type", CSEC_BUILD_TYPE},
  };
  lines.insert(lines.end(), run.begin(), run.end());
  std::printf("== %s\n", bench.c_str());
  for (const auto& [key, value] : lines) std::printf("%-16s%s\n", (key + ":").c_str(), value.c_str());
}

double Percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  if (rank == 0) rank = 1;
  return sorted[rank - 1];
}

std::string Summary(const std::vector<double>& sorted) {
  return absl::StrFormat("p50 %.2f  p95 %.2f  p99 %.2f  max %.2f", Percentile(sorted, 50), Percentile(sorted, 95),
                         Percentile(sorted, 99), sorted.back());
}

void Result(const std::string& key, double value) {
  if (std::isinf(value)) {
    std::printf("%s=inf\n", key.c_str());
  } else {
    std::printf("%s=%.6f\n", key.c_str(), value);
  }
}
void Result(const std::string& key, int64_t value) {
  std::printf("%s=%lld\n", key.c_str(), static_cast<long long>(value));
}
void Result(const std::string& key, const std::string& value) { std::printf("%s=%s\n", key.c_str(), value.c_str()); }

void PrintStats(const std::string& prefix, std::vector<double> ms) {
  Result(prefix + "_n", static_cast<int64_t>(ms.size()));
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  Result(prefix + "_min_ms", ms.front());
  Result(prefix + "_p50_ms", Percentile(ms, 50));
  Result(prefix + "_p90_ms", Percentile(ms, 90));
  Result(prefix + "_p99_ms", Percentile(ms, 99));
  Result(prefix + "_max_ms", ms.back());
}

void Exit(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

}  // namespace csec::bench
