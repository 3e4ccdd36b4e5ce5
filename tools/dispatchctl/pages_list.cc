// dispatchctl pages list: A case's pages as the paging service holds them (ListCasePages), waiting up to --wait seconds
// for the first; prints JSON (exit 1 when there is none).
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int PagesList(std::map<std::string, std::string>& args) {
  if (args["paging"].empty() || args["case"].empty()) return Usage();
  int wait_s = 0;
  if (args.count("wait") && !absl::SimpleAtoi(args["wait"], &wait_s)) return Usage();
  const absl::Time until = absl::Now() + absl::Seconds(wait_s);
  auto stub = PagingStub(args["paging"]);
  csec::dispatch::v1::ListCasePagesRequest request;
  request.set_case_id(args["case"]);
  while (true) {
    auto context = CallContext();
    csec::dispatch::v1::ListCasePagesResponse response;
    grpc::Status status = stub->ListCasePages(context.get(), request, &response);
    if (!status.ok()) return RpcFailed("ListCasePages", status);
    if (response.pages_size() > 0 || absl::Now() >= until) {
      std::printf("%s", ToJson(response).c_str());
      return response.pages_size() > 0 ? 0 : 1;
    }
    absl::SleepFor(absl::Milliseconds(200));  // a person waiting at a terminal, not a test
  }
}

}  // namespace

Command PagesListCommand() {
  return {.words = {"pages", "list"},
          .usage = "--paging HOST:PORT --case CASE_ID [--wait SECONDS]",
          .flags = {"paging", "case", "wait"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return PagesList(flags); }};
}

}  // namespace csec::dispatchctl
