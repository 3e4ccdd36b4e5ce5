// dispatchctl: the operator's command line for csec-dispatch.
//
//   dispatchctl report --intake 127.0.0.1:50051 [--sample new|dcfs|probation|dual|nonparticipating] [--key K]
//       Reports a synthetic referral; prints the case id.
//   dispatchctl await-routed --brokers 127.0.0.1:9092 --case CASE_ID [--timeout 60]
//       Waits for the case's CaseRouted on csec.routing.v1 and prints it as JSON.
//   dispatchctl route --explain --routing 127.0.0.1:50052 [--sample new|dcfs|probation|dual|nonparticipating]
//       Asks routing which team, advocacy agency and hubs a sample referral would get, and by
//       which rule and config version (RoutingService.Explain); prints the decision as JSON.
//       Records nothing.
//   dispatchctl deadlines --timers 127.0.0.1:50053 (--case CASE_ID [--wait SECONDS] | --due-soon [--limit N])
//       A case's protocol deadlines as the timers service holds them (TimerService.GetCaseDeadlines),
//       waiting up to --wait seconds for the first to be armed; or the deadlines due soonest
//       across all cases, for operations (ListDueSoon). Prints JSON.
//
// Flags are `--name value` or `--name=value`; `--explain` is a flag without a value.
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "csec/dispatch/v1/timer_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/events.h"
#include "services/common/ids.h"
#include "services/common/topic_scanner.h"
#include "tools/cli_flags.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace {

using csec::dispatch::v1::Envelope;

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  dispatchctl report --intake HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating] [--key K]\n"
               "  dispatchctl await-routed --brokers HOST:PORT --case CASE_ID [--timeout SECONDS]\n"
               "  dispatchctl route --explain --routing HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating]\n"
               "  dispatchctl deadlines --timers HOST:PORT (--case CASE_ID [--wait SECONDS] | --due-soon [--limit N])\n");
  return 2;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  return json;
}

int Report(std::map<std::string, std::string>& args) {
  if (args["intake"].empty()) return Usage();
  auto kind = csec::tools::ParseSampleKind(args.count("sample") ? args["sample"] : "new");
  if (!kind) return Usage();
  const std::string key = args.count("key") ? args["key"] : absl::StrCat("demo-", csec::NewRandomId());
  auto request = csec::tools::SampleReferral(*kind, key, absl::Now() - absl::Minutes(10));
  auto stub = csec::dispatch::v1::IntakeService::NewStub(
      grpc::CreateChannel(args["intake"], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::ReportIdentificationResponse response;
  grpc::Status status = stub->ReportIdentification(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "ReportIdentification failed: %d %s\n", status.error_code(), status.error_message().c_str());
    return 1;
  }
  std::printf("%s", ToJson(response).c_str());
  return 0;
}

int AwaitRouted(std::map<std::string, std::string>& args) {
  if (args["brokers"].empty() || args["case"].empty()) return Usage();
  int timeout_s = 60;
  if (args.count("timeout") && !absl::SimpleAtoi(args["timeout"], &timeout_s)) return Usage();
  Envelope found;
  absl::Status s = csec::ScanTopic({.brokers = args["brokers"], .client_id = "dispatchctl", .extra = {}},
                                   csec::kRoutingTopic, absl::Seconds(timeout_s), false,
                                   [&](const csec::ConsumedMessage& m) {
                                     Envelope e;
                                     if (e.ParseFromString(m.payload) && e.case_id() == args["case"] &&
                                         e.has_case_routed()) {
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
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::ExplainResponse response;
  grpc::Status status = stub->Explain(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "Explain failed: %d %s\n", status.error_code(), status.error_message().c_str());
    return 1;
  }
  std::printf("%s", ToJson(response.decision()).c_str());
  return 0;
}

int Deadlines(std::map<std::string, std::string>& args) {
  if (args["timers"].empty() || (args["case"].empty() == !args.count("due-soon"))) return Usage();
  auto stub = csec::dispatch::v1::TimerService::NewStub(
      grpc::CreateChannel(args["timers"], grpc::InsecureChannelCredentials()));
  auto context = [] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return c;
  };
  if (args.count("due-soon")) {
    csec::dispatch::v1::ListDueSoonRequest request;
    int limit = 0;
    if (args.count("limit") && !absl::SimpleAtoi(args["limit"], &limit)) return Usage();
    request.set_limit(limit);
    csec::dispatch::v1::ListDueSoonResponse response;
    grpc::Status status = stub->ListDueSoon(context().get(), request, &response);
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
    grpc::Status status = stub->GetCaseDeadlines(context().get(), request, &response);
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

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  std::map<std::string, std::string> args;
  if (!csec::tools::ParseFlags(argc, argv, 2, {"explain", "due-soon"}, args)) return Usage();
  if (command == "report") return Report(args);
  if (command == "await-routed") return AwaitRouted(args);
  if (command == "route") return RouteExplain(args);
  if (command == "deadlines") return Deadlines(args);
  return Usage();
}
