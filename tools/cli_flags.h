// Command-line arguments for the operator tools (dispatchctl, the simulator, benchmarks): words
// and flags in any order, flags as `--name value`, `--name=value`, or a named flag that takes no
// value (`--explain`, stored as "true"). The services use absl flags instead; these tools stay
// free of them so their flag names never clash with the services' in one binary.
//
//   csec::tools::Arguments args;
//   if (!csec::tools::ParseArguments(argc, argv, /*first=*/1, {"explain"}, args)) return Usage();
//   // args.words: {"medical", "show", "CASE_ID"}; args.flags: {{"medical", "127.0.0.1:50055"}}
#ifndef CSEC_TOOLS_CLI_FLAGS_H_
#define CSEC_TOOLS_CLI_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

namespace csec::tools {

struct Arguments {
  std::vector<std::string> words;            // everything that is not a flag, in order
  std::map<std::string, std::string> flags;  // name (without --) → value
};

// Parses argv[first..]; false, with a message on stderr, on a flag without its value.
bool ParseArguments(int argc, char** argv, int first, const std::set<std::string>& bare_flags, Arguments& args);

// ParseArguments for tools that take flags only: false also on a word.
bool ParseFlags(int argc, char** argv, int first, const std::set<std::string>& bare_flags,
                std::map<std::string, std::string>& flags);

}  // namespace csec::tools

#endif  // CSEC_TOOLS_CLI_FLAGS_H_
