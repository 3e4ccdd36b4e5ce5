// dispatchctl report: Reports a synthetic referral through intake (ReportIdentification); prints its answer as JSON.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/base/ids.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int Report(std::map<std::string, std::string>& args) {
  if (args["intake"].empty()) return Usage();
  auto kind = csec::tools::ParseSampleKind(args.count("sample") ? args["sample"] : "new");
  if (!kind) return Usage();
  const std::string key = args.count("key") ? args["key"] : absl::StrCat("demo-", csec::NewRandomId());
  auto request = csec::tools::SampleReferral(*kind, key, absl::Now() - absl::Minutes(10));
  auto stub = csec::dispatch::v1::IntakeService::NewStub(
      grpc::CreateChannel(args["intake"], grpc::InsecureChannelCredentials()));
  auto context = CallContext();
  csec::dispatch::v1::ReportIdentificationResponse response;
  grpc::Status status = stub->ReportIdentification(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "ReportIdentification failed: %d %s\n", status.error_code(), status.error_message().c_str());
    return 1;
  }
  std::printf("%s", ToJson(response).c_str());
  return 0;
}

}  // namespace

Command ReportCommand() {
  return {.words = {"report"},
          .usage = "--intake HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating] [--key K]",
          .flags = {"intake", "sample", "key"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return Report(flags); }};
}

}  // namespace csec::dispatchctl
