// What every dispatchctl command shares: how it calls a service and how it prints for a person
// at a terminal (times in the county's zone, gRPC failures with their code's name).
#ifndef CSEC_TOOLS_DISPATCHCTL_CONSOLE_H_
#define CSEC_TOOLS_DISPATCHCTL_CONSOLE_H_

#include <map>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "csec/dispatch/v1/medical_service.grpc.pb.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "google/protobuf/message.h"

namespace csec::dispatchctl {

// A message as indented JSON.
std::string ToJson(const google::protobuf::Message& m);
// Prints "<rpc> failed: CODE (n): message" on stderr; returns 1, the exit code.
int RpcFailed(const char* rpc, const grpc::Status& status);
// A context whose deadline is 30 s away: no command hangs on a service that does not answer.
std::unique_ptr<grpc::ClientContext> CallContext();

std::unique_ptr<csec::dispatch::v1::PagingService::Stub> PagingStub(const std::string& address);
std::unique_ptr<csec::dispatch::v1::MedicalHubService::Stub> MedicalStub(const std::string& address);

// Times as people read them: in the county's zone (the protocol's default), whatever the machine's is.
std::string Local(absl::Time t, const char* format);
std::string LocalDay(absl::Time t);
// "08:11" on the day of `day_of`, else "2026-11-24 00:05".
std::string ClockTime(absl::Time t, absl::Time day_of);

// "Fri" for a "2026-03-06"; "" for anything that is not a date.
std::string Weekday(const std::string& local_date);
// What `medical show` and the changing commands print: a few lines a person reads at a glance.
std::string MedicalText(const std::string& case_id, const csec::dispatch::v1::MedicalView& view);

}  // namespace csec::dispatchctl

#endif  // CSEC_TOOLS_DISPATCHCTL_CONSOLE_H_
