#include "services/common/serving/grpc_server.h"

#include <atomic>
#include <chrono>
#include <set>
#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace csec {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// How often a Watch looks up from waiting to see whether its call was cancelled or the server
// is stopping: the longest a Watch can delay a shutdown past its deadline.
constexpr absl::Duration kWatchTick = absl::Milliseconds(100);

class GrpcHealthService final : public ::grpc::health::v1::Health::Service {
 public:
  GrpcHealthService(const HealthState* health, std::set<std::string> names)
      : health_(health), names_(std::move(names)) {}

  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest* request, HealthCheckResponse* response) override {
    if (!names_.contains(request->service())) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("unknown service ", request->service()));
    }
    response->set_status(StatusFor(request->service()));
    return grpc::Status::OK;
  }

  grpc::Status Watch(grpc::ServerContext* context, const HealthCheckRequest* request,
                     grpc::ServerWriter<HealthCheckResponse>* writer) override {
    // Sync handlers cannot be woken by a cancellation, so wait in short steps and look.
    bool sent = false;
    HealthCheckResponse::ServingStatus last = HealthCheckResponse::UNKNOWN;
    uint64_t seen = health_ != nullptr ? health_->version() : 0;
    for (;;) {
      if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
      bool stopping = stopping_.load();
      // The version is read before the status, so a change in between is not missed: the
      // wait below then returns at once and the (same) status is not sent twice.
      HealthCheckResponse::ServingStatus status =
          stopping ? HealthCheckResponse::NOT_SERVING : StatusFor(request->service());
      if (!sent || status != last) {
        HealthCheckResponse response;
        response.set_status(status);
        if (!writer->Write(response)) return grpc::Status(grpc::StatusCode::CANCELLED, "watcher went away");
        sent = true;
        last = status;
      }
      if (stopping) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down");
      absl::Time deadline = absl::Now() + kWatchTick;
      if (health_ != nullptr) {
        seen = health_->WaitForChange(seen, deadline);
      } else {
        stop_.WaitForNotificationWithDeadline(deadline);
      }
    }
  }

  // Every Watch sends NOT_SERVING and ends within kWatchTick; Check answers NOT_SERVING.
  void Stop() {
    stopping_.store(true);
    if (!stop_.HasBeenNotified()) stop_.Notify();
  }

 private:
  HealthCheckResponse::ServingStatus StatusFor(const std::string& service) const {
    if (!names_.contains(service)) return HealthCheckResponse::SERVICE_UNKNOWN;
    if (stopping_.load()) return HealthCheckResponse::NOT_SERVING;
    bool ready = health_ == nullptr || health_->Ready().ok();
    return ready ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  }

  const HealthState* const health_;
  const std::set<std::string> names_;  // "" and each registered service
  std::atomic<bool> stopping_{false};
  absl::Notification stop_;
};

GrpcServer::GrpcServer() = default;
GrpcServer::GrpcServer(GrpcServer&&) noexcept = default;
GrpcServer& GrpcServer::operator=(GrpcServer&& other) noexcept {
  if (this != &other) {
    Shutdown(absl::Now() + absl::Seconds(5));
    server = std::move(other.server);
    port = other.port;
    health_service = std::move(other.health_service);
  }
  return *this;
}

GrpcServer::~GrpcServer() {
  Shutdown(absl::Now() + absl::Seconds(5));
  server.reset();  // before health_service, whose handlers it may still be running
}

void GrpcServer::Shutdown(absl::Time deadline) {
  if (health_service != nullptr) health_service->Stop();
  if (server != nullptr) server->Shutdown(absl::ToChronoTime(deadline));  // a second call does nothing
}

absl::StatusOr<GrpcServer> StartGrpcServer(const std::string& listen, const std::vector<GrpcService>& services,
                                           const HealthState* health) {
  std::set<std::string> names = {""};
  for (const GrpcService& s : services) {
    if (s.service == nullptr || s.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("gRPC service \"", s.name, "\": needs both a full service name and a service object"));
    }
    names.insert(s.name);
  }
  // Process-wide switches, read by ServerBuilder: ours replaces the built-in health service
  // (both would register grpc.health.v1.Health), and every server gets reflection.
  grpc::EnableDefaultHealthCheckService(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  GrpcServer result;
  result.health_service = std::make_unique<GrpcHealthService>(health, std::move(names));
  grpc::ServerBuilder builder;
  // Loopback and cluster-internal traffic; TLS is terminated by the mesh in deployment (k8s/).
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &result.port);
  for (const GrpcService& s : services) builder.RegisterService(s.service);
  builder.RegisterService(result.health_service.get());
  result.server = builder.BuildAndStart();
  if (!result.server || result.port == 0) {
    return absl::UnavailableError(absl::StrCat("gRPC cannot listen on ", listen));
  }
  return result;
}

}  // namespace csec
