// gRPC server bootstrap shared by every service: listens, registers the services given,
// standard health checking (grpc.health.v1) and server reflection (so grpcurl works).
//
//   IntakeServiceImpl intake(...);
//   absl::StatusOr<GrpcServer> server = StartGrpcServer("127.0.0.1:0", {&intake});
//   int port = server->port;
//
// Also maps absl::Status to grpc::Status, keeping the message a person can act on.
#ifndef CSEC_SERVICES_COMMON_GRPC_SERVER_H_
#define CSEC_SERVICES_COMMON_GRPC_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace csec {

struct GrpcServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

absl::StatusOr<GrpcServer> StartGrpcServer(const std::string& listen, const std::vector<grpc::Service*>& services);

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_GRPC_SERVER_H_
