#include "tools/cli_flags.h"

namespace csec::tools {

bool ParseFlags(int argc, char** argv, int first, const std::set<std::string>& bare_flags,
                std::map<std::string, std::string>& flags) {
  for (int i = first; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) return false;
    name = name.substr(2);
    if (size_t eq = name.find('='); eq != std::string::npos) {
      flags[name.substr(0, eq)] = name.substr(eq + 1);
    } else if (bare_flags.count(name)) {
      flags[name] = "true";
    } else if (i + 1 < argc) {
      flags[name] = argv[++i];
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace csec::tools
