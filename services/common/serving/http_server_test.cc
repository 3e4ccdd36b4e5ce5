// HttpServer on 127.0.0.1, port 0: the endpoints, readiness following a HealthState, and a
// client that trickles its request a byte at a time not holding up anyone else.
#include "services/common/serving/http_server.h"

#include <httplib.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/serving/metrics.h"

namespace csec {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::unique_ptr<HttpServer> StartOrDie(const HealthState* health, const HttpServerOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start("127.0.0.1:0", health, options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

httplib::Result Get(int port, const std::string& path, absl::Duration timeout = absl::Seconds(10)) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(absl::ToChronoMicroseconds(timeout));
  client.set_read_timeout(absl::ToChronoMicroseconds(timeout));
  return client.Get(path);
}

// A raw connection that sends "GET /readyz ..." one byte at a time (every 20 ms) and keeps
// padding a header with more bytes until Finish(), like a slowloris client.
class TricklingClient {
 public:
  explicit TricklingClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (connected_) thread_ = std::thread([this] { Run(); });
  }
  ~TricklingClient() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }

  bool connected() const { return connected_; }
  int bytes_sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  bool send_failed() const {
    absl::MutexLock lock(&mu_);
    return send_failed_;
  }
  // True once at least `n` bytes went out, false if `timeout` passed first.
  bool WaitForBytesSent(int n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return sent_ >= n || send_failed_; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout) && sent_ >= n;
  }
  // Sends the end of the request at once; the server should then answer it.
  void Finish() {
    absl::MutexLock lock(&mu_);
    finish_ = true;
    auto finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return finished_ || send_failed_ || stop_; };
    mu_.Await(absl::Condition(&finished));
  }
  // Everything the server sends until it closes the connection (or `timeout`).
  std::string ReadUntilClosed(absl::Duration timeout) {
    std::string out;
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now())) + 1;
      if (poll(&p, 1, ms) <= 0) break;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_by_server_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed_by_server() const { return closed_by_server_; }

 private:
  void Run() {
    const std::string head = "GET /readyz HTTP/1.1\r\nHost: trickle\r\nX-Padding: ";
    size_t i = 0;
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        // Pacing, not synchronisation: the gap between bytes is the behaviour under test.
        auto told = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || finish_; };
        mu_.AwaitWithTimeout(absl::Condition(&told), absl::Milliseconds(20));
        if (stop_) return;
        if (finish_) break;
      }
      char byte = i < head.size() ? head[i] : 'a';
      ++i;
      bool ok = send(fd_, &byte, 1, MSG_NOSIGNAL) == 1;
      absl::MutexLock lock(&mu_);
      if (!ok) {
        send_failed_ = true;
        return;
      }
      ++sent_;
    }
    // The rest of the request at once: what is left of the head, then the end of the headers.
    const std::string tail = (i < head.size() ? head.substr(i) : "") + "\r\nConnection: close\r\n\r\n";
    bool ok = send(fd_, tail.data(), tail.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(tail.size());
    absl::MutexLock lock(&mu_);
    if (ok) {
      finished_ = true;
    } else {
      send_failed_ = true;
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_by_server_ = false;
  mutable absl::Mutex mu_;
  int sent_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool send_failed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

TEST(HttpServer, ReadyzFollowsHealthStateAndLivezDoesNot) {
  HealthState health;
  std::unique_ptr<HttpServer> server = StartOrDie(&health);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);

  for (const char* path : {"/readyz", "/healthz"}) {
    auto res = Get(server->port(), path);
    ASSERT_TRUE(res) << path << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->body, "ready\n") << path;
  }

  health.Set("kafka", absl::UnavailableError("no broker reachable"));
  health.Set("redis", absl::UnavailableError("connection refused"));
  for (const char* path : {"/readyz", "/healthz"}) {
    auto res = Get(server->port(), path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path;
    EXPECT_EQ(res->body, "kafka: no broker reachable; redis: connection refused\n") << path;
    EXPECT_THAT(res->get_header_value("Content-Type"), StartsWith("text/plain"));
  }
  auto live = Get(server->port(), "/livez");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  EXPECT_EQ(live->body, "ok\n");

  health.Set("kafka", absl::OkStatus());
  health.Set("redis", absl::OkStatus());
  auto ready = Get(server->port(), "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  health.SetStopping();
  auto stopping = Get(server->port(), "/readyz");
  ASSERT_TRUE(stopping);
  EXPECT_EQ(stopping->status, 503);
  EXPECT_EQ(stopping->body, "stopping\n");
  live = Get(server->port(), "/livez");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
}

TEST(HttpServer, NoHealthStateMeansReady) {
  std::unique_ptr<HttpServer> server = StartOrDie(nullptr);
  ASSERT_NE(server, nullptr);
  auto res = Get(server->port(), "/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(HttpServer, ServesMetricsAsPrometheusText) {
  Metrics::Get().GetCounter("csec_http_test_scrapes_total", "Counted by http_server_test").Increment(5);
  HealthState health;
  std::unique_ptr<HttpServer> server = StartOrDie(&health);
  ASSERT_NE(server, nullptr);
  auto res = Get(server->port(), "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  EXPECT_THAT(res->body, HasSubstr("# TYPE csec_http_test_scrapes_total counter\ncsec_http_test_scrapes_total 5\n"));
}

TEST(HttpServer, AnythingElseIsNotFound) {
  HealthState health;
  std::unique_ptr<HttpServer> server = StartOrDie(&health);
  ASSERT_NE(server, nullptr);
  for (const char* path : {"/", "/readyz/x", "/metricsx", "/nope"}) {
    auto res = Get(server->port(), path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body, "not found\n") << path;
  }
  httplib::Client client("127.0.0.1", server->port());
  auto post = client.Post("/readyz", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
}

TEST(HttpServer, TricklingClientDoesNotHoldUpReadyz) {
  HealthState health;
  HttpServerOptions options;
  options.request_timeout = absl::Seconds(30);  // this slow client is given time to finish
  std::unique_ptr<HttpServer> server = StartOrDie(&health, options);
  ASSERT_NE(server, nullptr);
  TricklingClient slow(server->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.WaitForBytesSent(5, absl::Seconds(10)));

  // Answered at once although the slow request is still being read (a one-thread server
  // would make this wait for the slow client, which never finishes on its own).
  auto res = Get(server->port(), "/readyz", absl::Seconds(5));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ready\n");

  // The slow client was not dropped meanwhile: it can still send, and its request is answered.
  int sent = slow.bytes_sent();
  ASSERT_TRUE(slow.WaitForBytesSent(sent + 2, absl::Seconds(10)));
  slow.Finish();
  EXPECT_FALSE(slow.send_failed());
  std::string response = slow.ReadUntilClosed(absl::Seconds(10));
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("\r\n\r\nready\n"));
}

TEST(HttpServer, TricklingClientIsCutOffAfterTheRequestTimeout) {
  HealthState health;
  HttpServerOptions options;
  options.threads = 1;  // the slow client holds the only thread
  options.reserved_threads = 0;
  options.request_timeout = absl::Milliseconds(500);
  std::unique_ptr<HttpServer> server = StartOrDie(&health, options);
  ASSERT_NE(server, nullptr);
  TricklingClient slow(server->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.WaitForBytesSent(3, absl::Seconds(10)));

  // The read timeout (2 s between bytes) never fires for it; the request timeout does.
  slow.ReadUntilClosed(absl::Seconds(10));
  EXPECT_TRUE(slow.closed_by_server());
  // And the only thread serves others again.
  auto res = Get(server->port(), "/readyz", absl::Seconds(5));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

// Idle connections (connected, nothing sent), more than there are threads: the oldest are shed,
// so a probe still finds a thread well within a second.
TEST(HttpServer, MoreIdleConnectionsThanThreadsDoNotStopProbes) {
  HealthState health;
  HttpServerOptions options;
  options.threads = 8;
  options.reserved_threads = 2;
  options.request_timeout = absl::Seconds(30);  // only the shedding can free the threads
  std::unique_ptr<HttpServer> server = StartOrDie(&health, options);
  ASSERT_NE(server, nullptr);
  std::vector<int> idle;
  for (int i = 0; i < 30; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  for (const char* path : {"/livez", "/readyz", "/livez", "/readyz"}) {
    auto res = Get(server->port(), path, absl::Seconds(1));
    ASSERT_TRUE(res) << path << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << path;
  }
  for (int fd : idle) close(fd);
}

TEST(HttpServer, DestructorDoesNotWaitForTricklingClient) {
  HealthState health;
  std::unique_ptr<HttpServer> server = StartOrDie(&health);
  ASSERT_NE(server, nullptr);
  TricklingClient slow(server->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.WaitForBytesSent(3, absl::Seconds(10)));
  absl::Time start = absl::Now();
  server.reset();
  // One second of grace for requests in flight, then the connection is cut.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  slow.ReadUntilClosed(absl::Seconds(10));
  EXPECT_TRUE(slow.closed_by_server());
}

TEST(HttpServer, StartErrorsSayWhy) {
  HealthState health;
  auto bad = HttpServer::Start("no-port-here", &health);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("no-port-here"));

  std::unique_ptr<HttpServer> first = StartOrDie(&health);
  ASSERT_NE(first, nullptr);
  // The port is taken: a second server must fail rather than share it.
  auto second = HttpServer::Start("127.0.0.1:" + std::to_string(first->port()), &health);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  EXPECT_THAT(second.status().message(), HasSubstr(std::to_string(first->port())));
}

}  // namespace
}  // namespace csec
