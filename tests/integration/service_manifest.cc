#include "tests/integration/service_manifest.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace csec::testing {

std::vector<std::string> ServiceEntry::ConfigArgs(const std::string& source_dir) const {
  std::vector<std::string> args;
  for (const auto& [flag, path] : config_files) args.push_back(absl::StrCat("--", flag, "=", source_dir, "/", path));
  return args;
}

absl::StatusOr<std::vector<ServiceEntry>> ParseServiceManifest(absl::string_view text) {
  std::vector<ServiceEntry> services;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    auto problem = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat("services/manifest.txt line ", line_number, ": ", what));
    };
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    ServiceEntry entry;
    entry.name = std::string(fields[0]);
    if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &entry.grpc_port) || entry.grpc_port <= 0 ||
        entry.grpc_port > 65535) {
      return problem("expected \"<name> <grpc port> [flag=path ...]\" with a port from 1 to 65535");
    }
    for (size_t i = 2; i < fields.size(); ++i) {
      std::pair<std::string, std::string> file = absl::StrSplit(fields[i], absl::MaxSplits('=', 1));
      if (file.first.empty() || file.second.empty())
        return problem(absl::StrCat("\"", fields[i], "\" is not flag=path"));
      entry.config_files.insert(std::move(file));
    }
    services.push_back(std::move(entry));
  }
  if (services.empty()) return absl::InvalidArgumentError("services/manifest.txt lists no service");
  return services;
}

absl::StatusOr<std::vector<ServiceEntry>> ReadServiceManifest(const std::string& source_dir) {
  const std::string path = source_dir + "/services/manifest.txt";
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  return ParseServiceManifest(text.str());
}

}  // namespace csec::testing
