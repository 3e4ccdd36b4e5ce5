// dispatchctl oncall: Who is on call now, per roster (PagingService.OnCall): a table of roster, person (or NOBODY),
// where that comes from (rotation or an override) and until when.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "services/common/base/clock.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int OnCall(std::map<std::string, std::string>& args) {
  if (args["paging"].empty()) return Usage();
  auto stub = PagingStub(args["paging"]);
  auto context = CallContext();
  csec::dispatch::v1::OnCallRequest request;  // at unset: now
  request.set_roster_id(args["roster"]);
  csec::dispatch::v1::OnCallResponse response;
  grpc::Status status = stub->OnCall(context.get(), request, &response);
  if (!status.ok()) return RpcFailed("OnCall", status);
  std::vector<std::vector<std::string>> rows = {{"ROSTER", "PERSON", "SOURCE", "UNTIL"}};
  for (const auto& shift : response.shifts()) {
    rows.push_back({shift.roster_id(), shift.person_id().empty() ? "NOBODY" : shift.person_id(),
                    shift.source().empty() ? "-" : shift.source(),
                    shift.has_ends_at() ? Local(csec::FromProtoTime(shift.ends_at()), "%Y-%m-%d %H:%M %Z") : "-"});
  }
  std::vector<size_t> widths(4, 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::printf("%-*s  %-*s  %-*s  %s\n", static_cast<int>(widths[0]), row[0].c_str(), static_cast<int>(widths[1]),
                row[1].c_str(), static_cast<int>(widths[2]), row[2].c_str(), row[3].c_str());
  }
  return 0;
}

}  // namespace

Command OnCallCommand() {
  return {.words = {"oncall"},
          .usage = "--paging HOST:PORT [--roster ROSTER_ID]",
          .flags = {"paging", "roster"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return OnCall(flags); }};
}

}  // namespace csec::dispatchctl
