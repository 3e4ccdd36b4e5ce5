// A minimal HTTP/1.0 server for operations endpoints: GET /metrics (Prometheus text) and
// GET /healthz (200 "ok" or 503 with the reason). Not for agency traffic: that is gRPC.
//
//   auto server = HttpServer::Start("127.0.0.1:0", [&] { return ready ? absl::OkStatus() : ...; });
//   int port = (*server)->port();
//
// Owns one accept thread, stopped and joined by the destructor. Requests are served one at a
// time on that thread; scrapes are small and rare.
#ifndef CSEC_SERVICES_COMMON_HTTP_SERVER_H_
#define CSEC_SERVICES_COMMON_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace csec {

class HttpServer {
 public:
  using HealthCheck = std::function<absl::Status()>;

  // `listen` is "host:port"; port 0 picks a free one.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen, HealthCheck health);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  HttpServer(int fd, int port, HealthCheck health);
  void Serve();
  void HandleConnection(int conn);

  int listen_fd_;
  int port_;
  HealthCheck health_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Splits "host:port" (host may be empty or "[::1]"); errors name the text.
absl::Status SplitHostPort(const std::string& listen, std::string* host, int* port);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_HTTP_SERVER_H_
