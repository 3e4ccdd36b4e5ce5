// gRPC server bootstrap shared by every service: listens, registers the services given, our
// own grpc.health.v1.Health (answering from a HealthState) and server reflection, so that
// `grpcurl -plaintext ADDR list` and `grpcurl -plaintext ADDR grpc.health.v1.Health/Check`
// work with no proto files at hand. (gRPC's built-in health service is not visible to
// reflection, so it is switched off.)
//
//   HealthState health;
//   IntakeServiceImpl intake(...);
//   absl::StatusOr<GrpcServer> server = StartGrpcServer(
//       "127.0.0.1:0",
//       {{csec::dispatch::v1::IntakeService::service_full_name(), &intake}}, &health);
//   if (!server.ok()) return server.status();
//   int port = server->port;
//   ...
//   server->Shutdown(absl::Now() + absl::Seconds(5));   // or let it go out of scope
//
// Health answers, for "" (the whole server) and for each registered service's name: SERVING
// when health->Ready() is OK, NOT_SERVING otherwise; any other name is NOT_FOUND (Check) or
// SERVICE_UNKNOWN (Watch), as the health protocol says. Watch streams send the current status
// and then each change; they end when the client cancels, at Shutdown(), or when the server
// cancels calls at its shutdown deadline.
//
// Threads: StartGrpcServer, Shutdown and the destructor are called from the owning thread;
// gRPC's own threads serve the calls. Handlers answer through grpc_call.h.
#ifndef CSEC_SERVICES_COMMON_SERVING_GRPC_SERVER_H_
#define CSEC_SERVICES_COMMON_SERVING_GRPC_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/serving/health.h"

namespace csec {

struct GrpcService {
  // Full service name as clients ask for it in health checks, e.g.
  // csec::dispatch::v1::IntakeService::service_full_name() ("csec.dispatch.v1.IntakeService").
  std::string name;
  grpc::Service* service;  // not owned; must outlive the server
};

class GrpcHealthService;  // grpc_server.cc: our grpc.health.v1.Health

struct GrpcServer {
  GrpcServer();
  GrpcServer(GrpcServer&&) noexcept;
  GrpcServer& operator=(GrpcServer&&) noexcept;
  // Shutdown(now + 5 s) if not done yet. Prefer calling Shutdown yourself with your deadline.
  ~GrpcServer();

  // Ends health Watch streams at once (with NOT_SERVING), then server->Shutdown(deadline):
  // calls still running at the deadline are cancelled. Safe to call more than once. Calling
  // server->Shutdown() yourself also works, but without a deadline it waits for open Watch
  // streams until their clients go away.
  void Shutdown(absl::Time deadline);

  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::unique_ptr<GrpcHealthService> health_service;  // internal; outlives `server`
};

// Listens on `listen` ("host:port", port 0 picks a free one), registers `services`,
// grpc.health.v1.Health (answering for "" and each name in `services`) and server
// reflection. `health` must outlive the server; null means always SERVING. Errors:
// InvalidArgument for a service without a name or object, Unavailable if it cannot listen.
absl::StatusOr<GrpcServer> StartGrpcServer(const std::string& listen, const std::vector<GrpcService>& services,
                                           const HealthState* health);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVING_GRPC_SERVER_H_
