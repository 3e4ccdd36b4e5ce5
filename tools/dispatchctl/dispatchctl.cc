// dispatchctl: the operator's command line for csec-dispatch.
//
//   dispatchctl report --intake 127.0.0.1:50051 [--sample new|dcfs|probation|dual|nonparticipating] [--key K]
//       Reports a synthetic referral; prints the case id.
//   dispatchctl await-routed --brokers 127.0.0.1:9092 --case CASE_ID [--timeout 60]
//       Waits for the case's CaseRouted on csec.routing.v1 and prints it as JSON.
#include <cstdio>
#include <map>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/events.h"
#include "services/common/ids.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace {

using csec::dispatch::v1::Envelope;

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  dispatchctl report --intake HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating] [--key K]\n"
               "  dispatchctl await-routed --brokers HOST:PORT --case CASE_ID [--timeout SECONDS]\n");
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  std::map<std::string, std::string> args;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) return Usage();
    args[name.substr(2)] = argv[i + 1];
  }
  if (command == "report") return Report(args);
  if (command == "await-routed") return AwaitRouted(args);
  return Usage();
}
