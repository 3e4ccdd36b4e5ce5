// dispatchctl medical show: A case's Medical Hub exam (GetCaseMedical): its status, the appointment (hub, local date
// and time), why that slot, whether emergency care comes first, and the history; waiting up to --wait seconds for the
// first booking.
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

int MedicalShow(const std::string& case_id, std::map<std::string, std::string>& args) {
  if (args["medical"].empty() || case_id.empty()) return Usage();
  int wait_s = 0;
  if (args.count("wait") && !absl::SimpleAtoi(args["wait"], &wait_s)) return Usage();
  const absl::Time until = absl::Now() + absl::Seconds(wait_s);
  auto stub = MedicalStub(args["medical"]);
  csec::dispatch::v1::GetCaseMedicalRequest request;
  request.set_case_id(case_id);
  while (true) {
    csec::dispatch::v1::MedicalChangeResponse response;
    grpc::Status status = stub->GetCaseMedical(CallContext().get(), request, &response);
    // NOT_FOUND: the medical service has not seen the case routed (yet).
    const bool nothing_yet =
        status.error_code() == grpc::StatusCode::NOT_FOUND ||
        (status.ok() && response.medical().status() == csec::dispatch::v1::MEDICAL_STATUS_UNSPECIFIED);
    if (nothing_yet && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(200));  // a person waiting at a terminal, not a test
      continue;
    }
    if (!status.ok()) return RpcFailed("GetCaseMedical", status);
    std::printf("%s", MedicalText(case_id, response.medical()).c_str());
    return nothing_yet ? 1 : 0;
  }
}

}  // namespace

Command MedicalShowCommand() {
  return {.words = {"medical", "show"},
          .usage = "CASE_ID --medical HOST:PORT [--wait SECONDS]",
          .min_ids = 1,
          .max_ids = 1,
          .flags = {"medical", "wait"},
          .run = [](const std::vector<std::string>& ids, Flags& flags) { return MedicalShow(ids[0], flags); }};
}

}  // namespace csec::dispatchctl
