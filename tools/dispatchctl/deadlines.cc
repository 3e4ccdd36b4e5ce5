// dispatchctl deadlines: A case's protocol deadlines as the timers service holds them (GetCaseDeadlines), waiting up to
// --wait seconds for the first to be armed; or the deadlines due soonest across all cases, for
// operations (ListDueSoon). Prints JSON.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/timer_service.grpc.pb.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int Deadlines(std::map<std::string, std::string>& args) {
  if (args["timers"].empty() || (args["case"].empty() == !args.count("due-soon"))) return Usage();
  auto stub = csec::dispatch::v1::TimerService::NewStub(
      grpc::CreateChannel(args["timers"], grpc::InsecureChannelCredentials()));
  if (args.count("due-soon")) {
    csec::dispatch::v1::ListDueSoonRequest request;
    int limit = 0;
    if (args.count("limit") && !absl::SimpleAtoi(args["limit"], &limit)) return Usage();
    request.set_limit(limit);
    csec::dispatch::v1::ListDueSoonResponse response;
    grpc::Status status = stub->ListDueSoon(CallContext().get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "ListDueSoon failed: %d %s\n", status.error_code(), status.error_message().c_str());
      return 1;
    }
    std::printf("%s", ToJson(response).c_str());
    return 0;
  }
  int wait_s = 0;
  if (args.count("wait") && !absl::SimpleAtoi(args["wait"], &wait_s)) return Usage();
  const absl::Time until = absl::Now() + absl::Seconds(wait_s);
  csec::dispatch::v1::GetCaseDeadlinesRequest request;
  request.set_case_id(args["case"]);
  while (true) {
    csec::dispatch::v1::GetCaseDeadlinesResponse response;
    grpc::Status status = stub->GetCaseDeadlines(CallContext().get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "GetCaseDeadlines failed: %d %s\n", status.error_code(), status.error_message().c_str());
      return 1;
    }
    if (response.deadlines_size() > 0 || absl::Now() >= until) {
      std::printf("%s", ToJson(response).c_str());
      return response.deadlines_size() > 0 ? 0 : 1;
    }
    absl::SleepFor(absl::Milliseconds(200));  // a person waiting at a terminal, not a test
  }
}

}  // namespace

Command DeadlinesCommand() {
  return {.words = {"deadlines"},
          .usage = "--timers HOST:PORT (--case CASE_ID [--wait SECONDS] | --due-soon [--limit N])",
          .flags = {"timers", "case", "wait", "due-soon", "limit"},
          .bare_flags = {"due-soon"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return Deadlines(flags); }};
}

}  // namespace csec::dispatchctl
