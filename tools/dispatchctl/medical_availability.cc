// dispatchctl medical availability: One local day (YYYY-MM-DD) of a hub's calendar (ListAvailability): open or closed,
// capacity, booked, free, and each exam time with whether it is booked.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/base/clock.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int MedicalAvailability(const std::string& hub_id, const std::string& date, std::map<std::string, std::string>& args) {
  if (args["medical"].empty()) return Usage();
  auto stub = MedicalStub(args["medical"]);
  csec::dispatch::v1::ListAvailabilityRequest request;
  request.set_hub_id(hub_id);
  request.set_local_date(date);
  csec::dispatch::v1::ListAvailabilityResponse response;
  grpc::Status status = stub->ListAvailability(CallContext().get(), request, &response);
  if (!status.ok()) return RpcFailed("ListAvailability", status);
  std::string day = absl::StrCat(response.hub_id(), " ", response.local_date());
  if (const std::string weekday = Weekday(response.local_date()); !weekday.empty())
    absl::StrAppend(&day, " (", weekday, ")");
  std::string state;
  if (!response.open()) {
    state = "closed (no exam hours that day)";
  } else if (response.closed()) {
    state = absl::StrCat("CLOSED by a coordinator: ", response.closed_reason());
  } else {
    state = "open";
  }
  std::printf("%s: %s; capacity %d, booked %d, free %d\n", day.c_str(), state.c_str(), response.capacity(),
              response.booked(), response.free());
  for (const auto& slot : response.slots()) {
    std::string what;
    if (slot.booked()) {
      what = absl::StrCat("booked  case ", slot.case_id());
    } else {
      // Past, too soon, closed or the day full: nothing more is booked at that time.
      what = slot.bookable() && response.free() > 0 ? "free" : "-";
    }
    std::printf("  %2d  %s-%s %s  %s\n", slot.slot_index(),
                Local(csec::FromProtoTime(slot.starts_at()), "%H:%M").c_str(),
                Local(csec::FromProtoTime(slot.ends_at()), "%H:%M").c_str(),
                Local(csec::FromProtoTime(slot.starts_at()), "%Z").c_str(), what.c_str());
  }
  return 0;
}

}  // namespace

Command MedicalAvailabilityCommand() {
  return {.words = {"medical", "availability"},
          .usage = "HUB_ID YYYY-MM-DD --medical HOST:PORT",
          .min_ids = 2,
          .max_ids = 2,
          .flags = {"medical"},
          .run = [](const std::vector<std::string>& ids, Flags& flags) {
            return MedicalAvailability(ids[0], ids[1], flags);
          }};
}

}  // namespace csec::dispatchctl
