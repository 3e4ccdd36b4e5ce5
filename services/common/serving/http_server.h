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
// by a pool of threads (HttpServerOptions::threads), one connection each, so a client that
// sends its request a byte at a time holds one of them, not the endpoint. Slow or idle clients
// cannot hold every thread, nor the destructor, for long:
//   - each connection serves one request and is closed (an idle keep-alive would hold a thread);
//   - a connection whose request has not arrived whole request_timeout after it was accepted is
//     shut down (cpp-httplib's read timeout restarts on every byte, so alone it never ends a
//     client that trickles);
//   - when more connections wait for their request than threads - reserved_threads, the oldest
//     of them are shut down at once, so threads stay free for new requests (a probe);
//   - a connection still open max_connection_age after it was accepted (a client that does not
//     read its answer) is shut down.
// So with up to threads - reserved_threads slow or idle connections open at once, /livez and
// /readyz answer at once; beyond that they still answer, within about request_timeout.
#ifndef CSEC_SERVICES_COMMON_SERVING_HTTP_SERVER_H_
#define CSEC_SERVICES_COMMON_SERVING_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/serving/health.h"

namespace csec {

struct HttpServerOptions {
  // Connections served at once; more wait for a free thread. Idle threads cost only memory.
  int threads = 64;
  // Threads kept free for new requests: slow connections beyond threads - this are shed.
  int reserved_threads = 4;
  // Between two reads of a request, and two writes of a response, before giving up on it.
  absl::Duration read_timeout = absl::Seconds(2);
  absl::Duration write_timeout = absl::Seconds(5);
  // From accept to the end of the request's headers: a probe or scrape takes milliseconds.
  absl::Duration request_timeout = absl::Seconds(1);
  // From accept to the end of the answer.
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

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVING_HTTP_SERVER_H_
