// dispatchctl await-routed: Waits for a case's CaseRouted on csec.routing.v1 and prints it as JSON.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_scanner.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int AwaitRouted(std::map<std::string, std::string>& args) {
  if (args["brokers"].empty() || args["case"].empty()) return Usage();
  int timeout_s = 60;
  if (args.count("timeout") && !absl::SimpleAtoi(args["timeout"], &timeout_s)) return Usage();
  Envelope found;
  absl::Status s =
      csec::ScanTopic({.brokers = args["brokers"], .client_id = "dispatchctl", .extra = {}}, csec::kRoutingTopic,
                      absl::Seconds(timeout_s), false, [&](const csec::ConsumedMessage& m) {
                        Envelope e;
                        if (e.ParseFromString(m.payload) && e.case_id() == args["case"] && e.has_case_routed()) {
                          found = e;
                          return false;
                        }
                        return true;
                      });
  if (!s.ok()) {
    std::fprintf(stderr, "no CaseRouted for case %s: %s\n", args["case"].c_str(), std::string(s.message()).c_str());
    return 1;
  }
  std::printf("%s", ToJson(found).c_str());
  return 0;
}

}  // namespace

Command AwaitRoutedCommand() {
  return {.words = {"await-routed"},
          .usage = "--brokers HOST:PORT --case CASE_ID [--timeout SECONDS]",
          .flags = {"brokers", "case", "timeout"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return AwaitRouted(flags); }};
}

}  // namespace csec::dispatchctl
