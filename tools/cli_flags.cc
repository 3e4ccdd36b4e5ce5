#include "tools/cli_flags.h"

#include <cstdio>

namespace csec::tools {

bool ParseArguments(int argc, char** argv, int first, const std::set<std::string>& bare_flags, Arguments& args) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      args.words.push_back(arg);
      continue;
    }
    arg = arg.substr(2);
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      args.flags[arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (bare_flags.count(arg)) {
      args.flags[arg] = "true";
    } else if (i + 1 < argc) {
      args.flags[arg] = argv[++i];
    } else {
      std::fprintf(stderr, "--%s needs a value\n", arg.c_str());
      return false;
    }
  }
  return true;
}

bool ParseFlags(int argc, char** argv, int first, const std::set<std::string>& bare_flags,
                std::map<std::string, std::string>& flags) {
  Arguments args;
  if (!ParseArguments(argc, argv, first, bare_flags, args)) return false;
  if (!args.words.empty()) {
    std::fprintf(stderr, "unexpected argument \"%s\": only flags are taken\n", args.words.front().c_str());
    return false;
  }
  flags = std::move(args.flags);
  return true;
}

}  // namespace csec::tools
