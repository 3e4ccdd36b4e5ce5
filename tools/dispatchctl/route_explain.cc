// dispatchctl route: Asks routing which team, advocacy agency and hubs a sample referral would get, by which rule and
// config version (RoutingService.Explain); prints the decision as JSON. Records nothing.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int RouteExplain(std::map<std::string, std::string>& args) {
  // Only explaining exists: a decision that counts is made from a reported referral.
  if (!args.count("explain") || args["routing"].empty()) return Usage();
  auto kind = csec::tools::ParseSampleKind(args.count("sample") ? args["sample"] : "new");
  if (!kind) return Usage();
  csec::dispatch::v1::ExplainRequest request;
  *request.mutable_referral() = csec::tools::SampleReferral(*kind, "explain", absl::Now()).referral();
  // The rules never read who the youth is, so it is not sent.
  request.mutable_referral()->mutable_youth()->clear_identity();
  auto stub = csec::dispatch::v1::RoutingService::NewStub(
      grpc::CreateChannel(args["routing"], grpc::InsecureChannelCredentials()));
  auto context = CallContext();
  csec::dispatch::v1::ExplainResponse response;
  grpc::Status status = stub->Explain(context.get(), request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "Explain failed: %d %s\n", status.error_code(), status.error_message().c_str());
    return 1;
  }
  std::printf("%s", ToJson(response.decision()).c_str());
  return 0;
}

}  // namespace

Command RouteExplainCommand() {
  return {.words = {"route"},
          .usage = "--explain --routing HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating]",
          .flags = {"explain", "routing", "sample"},
          .bare_flags = {"explain"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return RouteExplain(flags); }};
}

}  // namespace csec::dispatchctl
