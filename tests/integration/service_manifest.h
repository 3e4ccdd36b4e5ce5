// services/manifest.txt, read: the services csec-dispatch runs, each with its local gRPC port and
// the flags naming its own config files. The simulator and tools/run.sh start what it lists.
//
//   ASSIGN_OR_RETURN(std::vector<ServiceEntry> services, ReadServiceManifest(source_dir));
//   for (const ServiceEntry& s : services) Start("csec-" + s.name, s.ConfigArgs(source_dir));
#ifndef CSEC_TESTS_INTEGRATION_SERVICE_MANIFEST_H_
#define CSEC_TESTS_INTEGRATION_SERVICE_MANIFEST_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace csec::testing {

struct ServiceEntry {
  std::string name;                                 // "paging": binary csec-paging, folder services/paging
  int grpc_port = 0;                                // its port when the stack runs on one machine
  std::map<std::string, std::string> config_files;  // flag → path from the repository root

  // "--<flag>=<source_dir>/<path>" for each config file.
  std::vector<std::string> ConfigArgs(const std::string& source_dir) const;
};

// Parses the manifest's text; InvalidArgument names the line and the problem.
absl::StatusOr<std::vector<ServiceEntry>> ParseServiceManifest(absl::string_view text);
// Reads <source_dir>/services/manifest.txt.
absl::StatusOr<std::vector<ServiceEntry>> ReadServiceManifest(const std::string& source_dir);

}  // namespace csec::testing

#endif  // CSEC_TESTS_INTEGRATION_SERVICE_MANIFEST_H_
