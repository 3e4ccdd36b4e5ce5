// dispatchctl medical hub-day: Changes one day of a hub's calendar (SetHubDay): its capacity (-1: back to the
// configured one) and/or closes or reopens it; prints the day as it now is.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/base/ids.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int MedicalHubDay(const std::string& hub_id, const std::string& date, std::map<std::string, std::string>& args) {
  if (args["medical"].empty() || args["reason"].empty() || args["by"].empty()) return Usage();
  if (args.count("closed") && args.count("open")) return Usage();
  if (!args.count("capacity") && !args.count("closed") && !args.count("open")) return Usage();
  csec::dispatch::v1::SetHubDayRequest request;
  request.set_hub_id(hub_id);
  request.set_local_date(date);
  if (args.count("capacity")) {
    int capacity = 0;
    if (!absl::SimpleAtoi(args["capacity"], &capacity) || capacity < -1) return Usage();
    request.set_capacity(capacity);
  }
  if (args.count("closed")) request.set_closed(true);
  if (args.count("open")) request.set_closed(false);
  request.set_reason(args["reason"]);
  request.set_changed_by(args["by"]);
  request.set_request_id(absl::StrCat("dispatchctl-", csec::NewRandomId()));
  auto stub = MedicalStub(args["medical"]);
  csec::dispatch::v1::SetHubDayResponse response;
  grpc::Status status = stub->SetHubDay(CallContext().get(), request, &response);
  if (!status.ok()) return RpcFailed("SetHubDay", status);
  const auto& d = response.day();
  const std::string capacity = d.capacity() < 0 ? "as configured" : absl::StrCat(d.capacity());
  std::printf("%s %s: %s; capacity %s; %d booked; by %s: %s%s\n", d.hub_id().c_str(), d.local_date().c_str(),
              d.closed() ? "CLOSED" : "open", capacity.c_str(), d.booked(), d.changed_by().c_str(), d.reason().c_str(),
              response.duplicate() ? " (already recorded)" : "");
  return 0;
}

}  // namespace

Command MedicalHubDayCommand() {
  return {
      .words = {"medical", "hub-day"},
      .usage = "HUB_ID YYYY-MM-DD --medical HOST:PORT [--capacity N|-1] [--closed|--open] --reason TEXT --by PERSON_ID",
      .min_ids = 2,
      .max_ids = 2,
      .flags = {"medical", "capacity", "closed", "open", "reason", "by"},
      .bare_flags = {"closed", "open"},
      .run = [](const std::vector<std::string>& ids, Flags& flags) { return MedicalHubDay(ids[0], ids[1], flags); }};
}

}  // namespace csec::dispatchctl
