// The operations HTTP endpoint every service serves (cpp-httplib underneath):
//
//   GET /livez    200 "ok\n": the process runs and answers (a liveness probe; never looks at
//                 dependencies, so a Kafka outage does not get every pod restarted)
//   GET /readyz   200 "ready\n", or 503 with HealthState::Ready()'s message and "\n"
//   GET /healthz  the same as /readyz (kept for existing scripts)
//   GET /metrics  Metrics::Get().Render(), Content-Type text/plain; version=0.0.4
//   anything else 404
//
// Not for agency traffic: that is gRPC.
//
//   HealthState health;
//   absl::StatusOr<std::unique_ptr<HttpServer>> http = HttpServer::Start("0.0.0.0:8080", &health);
//   if (!http.ok()) return http.status();
//   int port = (*http)->port();
//   ...
//   http->reset();   // stops and joins
//
// Threads: Start() and the destructor are called from one owning thread. Requests are served
// by a small pool of threads (HttpServerOptions::threads), one connection each, so a client
// that sends its request a byte at a time holds one of them, not the endpoint. Each
// connection serves one request and is closed (scrapes and probes are rare; an idle
// keep-alive connection would hold a thread), and one that is still open after
// max_connection_age is shut down, so slow or stuck clients cannot hold every thread, nor
// the destructor, for long.
#ifndef CSEC_SERVICES_COMMON_HTTP_SERVER_H_
#define CSEC_SERVICES_COMMON_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/health.h"

namespace csec {

struct HttpServerOptions {
  // Connections served at once; more wait for a free thread.
  int threads = 4;
  // Between two reads of a request, and two writes of a response, before giving up on it.
  absl::Duration read_timeout = absl::Seconds(2);
  absl::Duration write_timeout = absl::Seconds(5);
  // A connection open longer than this is shut down, however it is trickling: the read and
  // write timeouts above restart on every byte, so alone they never end a slow client.
  absl::Duration max_connection_age = absl::Seconds(10);
};

class HttpServer {
 public:
  // `listen` is "host:port" (host empty or "0.0.0.0" for every IPv4 address, "[::]" for
  // IPv6, "localhost" for 127.0.0.1); port 0 picks a free one. `health` must outlive the server; null means always
  // ready. Errors: InvalidArgument for a malformed address, Unavailable if it cannot listen.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen, const HealthState* health,
                                                           const HttpServerOptions& options = {});
  // Stops accepting, lets requests in flight finish for a moment, shuts down what is left,
  // and joins every thread.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;

 private:
  struct Impl;  // holds the httplib::Server, so users never compile httplib.h
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" (host may be empty or "[::1]"); errors name the text.
absl::Status SplitHostPort(const std::string& listen, std::string* host, int* port);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_HTTP_SERVER_H_
