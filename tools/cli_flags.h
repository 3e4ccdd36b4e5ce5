// Command-line flags for the operator tools (dispatchctl, benchmarks): `--name value`,
// `--name=value`, and named flags that take no value (`--explain`, stored as "true").
// The services use absl flags instead; these tools stay free of them so their flag names
// never clash with the services' in one binary.
//
//   std::map<std::string, std::string> flags;
//   if (!csec::tools::ParseFlags(argc, argv, /*first=*/2, {"explain"}, flags)) return Usage();
#ifndef CSEC_TOOLS_CLI_FLAGS_H_
#define CSEC_TOOLS_CLI_FLAGS_H_

#include <map>
#include <set>
#include <string>

namespace csec::tools {

// Parses argv[first..]; false on an argument that is not a flag, or a flag without its value.
bool ParseFlags(int argc, char** argv, int first, const std::set<std::string>& bare_flags,
                std::map<std::string, std::string>& flags);

}  // namespace csec::tools

#endif  // CSEC_TOOLS_CLI_FLAGS_H_
