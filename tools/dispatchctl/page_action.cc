// dispatchctl pages action: Acknowledges or declines (--reason: why) a page, or records the person's arrival for it
// (Acknowledge, Decline, RecordArrival); prints the event id, "(already recorded)" after it when
// it was.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int PageAction(const std::string& action, std::map<std::string, std::string>& args) {
  if (args["paging"].empty() || args["case"].empty() || args["page"].empty() || args["person"].empty()) return Usage();
  auto stub = PagingStub(args["paging"]);
  auto context = CallContext();
  csec::dispatch::v1::PageActionResponse response;
  const char* rpc = nullptr;
  grpc::Status status;
  if (action == "ack") {
    rpc = "Acknowledge";
    csec::dispatch::v1::AcknowledgeRequest request;
    request.set_case_id(args["case"]);
    request.set_page_id(args["page"]);
    request.set_person_id(args["person"]);
    status = stub->Acknowledge(context.get(), request, &response);
  } else if (action == "decline") {
    rpc = "Decline";
    csec::dispatch::v1::DeclineRequest request;
    request.set_case_id(args["case"]);
    request.set_page_id(args["page"]);
    request.set_person_id(args["person"]);
    request.set_reason(args["reason"]);
    status = stub->Decline(context.get(), request, &response);
  } else {
    rpc = "RecordArrival";
    csec::dispatch::v1::RecordPageArrivalRequest request;  // arrived_at unset: now
    request.set_case_id(args["case"]);
    request.set_page_id(args["page"]);
    request.set_person_id(args["person"]);
    status = stub->RecordArrival(context.get(), request, &response);
  }
  if (!status.ok()) return RpcFailed(rpc, status);
  std::printf("%s%s\n", response.event_id().c_str(), response.duplicate() ? " (already recorded)" : "");
  return 0;
}

}  // namespace

Command PageActionCommand(const std::string& action) {
  Command command = {
      .words = {"pages", action},
      .usage = "--paging HOST:PORT --case CASE_ID --page PAGE_ID --person PERSON_ID",
      .flags = {"paging", "case", "page", "person"},
      .run = [action](const std::vector<std::string>&, Flags& flags) { return PageAction(action, flags); }};
  if (action == "decline") {
    command.usage += " [--reason TEXT]";
    command.flags.insert("reason");
  }
  return command;
}

}  // namespace csec::dispatchctl
