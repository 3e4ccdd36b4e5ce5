#include "services/common/serving/http_server.h"

#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/common/base/host_port.h"
#include "services/common/base/status_macros.h"
#include "services/common/serving/metrics.h"

namespace csec {
namespace {

std::string PeerName(const std::string& address, int port) { return absl::StrCat(address, " ", port); }

constexpr char kTextPlain[] = "text/plain; charset=utf-8";
constexpr char kPrometheusText[] = "text/plain; version=0.0.4; charset=utf-8";
// Requests in flight when the server stops get this long to finish before being cut off.
constexpr absl::Duration kStopGrace = absl::Seconds(1);

// Calls `fn(descriptor, inode, peer)` for every connection this process accepted on TCP
// `port`; `peer` is "address port", written as httplib writes Request::remote_addr/remote_port.
//
// Why this exists: cpp-httplib 0.11 serves each connection on a pool thread with only
// per-read and per-write timeouts, and offers no hook to the accepted sockets, so a client
// that trickles a byte at a time keeps its thread (and Server::stop()'s join) forever. The
// sockets are found through /proc/self/fd instead. Each descriptor is dup'ed first, so the
// checks and the shutdown(2) concern the same socket even if the worker closes the original
// number meanwhile and it is reused. Without /proc this finds nothing and only the timeouts
// apply.
void ForEachAcceptedConnection(int port, const std::function<void(int fd, ino_t inode, const std::string& peer)>& fn) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  std::vector<int> fds;
  while (dirent* entry = readdir(dir)) {
    int fd;
    if (absl::SimpleAtoi(entry->d_name, &fd) && fd != dirfd(dir)) fds.push_back(fd);
  }
  closedir(dir);
  for (int fd : fds) {
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) continue;
    struct stat st;
    int listening = 1;
    socklen_t listening_len = sizeof listening;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    // A connected (not listening) TCP socket whose local end is our port: one we accepted.
    // Our own process's connections *to* the server have an ephemeral local port instead.
    bool accepted = fstat(own, &st) == 0 && S_ISSOCK(st.st_mode) &&
                    getsockopt(own, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_len) == 0 && !listening &&
                    getsockname(own, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
                    getpeername(own, reinterpret_cast<sockaddr*>(&peer), &peer_len) == 0;
    if (accepted) {
      int local_port = -1;
      if (local.ss_family == AF_INET) local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
      if (local.ss_family == AF_INET6) local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
      char host[NI_MAXHOST];
      if (local_port == port && getnameinfo(reinterpret_cast<sockaddr*>(&peer), peer_len, host, sizeof host, nullptr, 0,
                                            NI_NUMERICHOST) == 0) {
        int peer_port = peer.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port)
                                                   : ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
        fn(own, st.st_ino, PeerName(host, peer_port));
      }
    }
    close(own);
  }
}

// httplib::Server with its listening socket in reach: httplib listens with a backlog of 5, so a
// burst of connections (slow clients reconnecting) would drop a probe's SYN, and the kernel
// retries it only a second later, past a probe's timeout.
class OpsServer : public httplib::Server {
 public:
  bool RaiseBacklog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }
};

}  // namespace

struct HttpServer::Impl {
  Impl(const HealthState* health, const HttpServerOptions& options) : health(health), options(options) {}

  void Configure();
  // Shuts down slow connections (see the header); runs on `reaper`.
  void ReapSlowConnections();

  const HealthState* health;
  const HttpServerOptions options;
  OpsServer server;
  int port = 0;
  std::thread listener;  // runs server.listen_after_bind()
  absl::Notification listener_done;
  std::thread reaper;  // runs ReapOldConnections() until stop_reaper
  absl::Notification stop_reaper;
  struct Seen {
    absl::Time since;
    std::string peer;
  };
  std::map<ino_t, Seen> first_seen;  // reaper thread only
  // Peers whose request arrived whole (set by the pre-routing handler, on a worker thread).
  absl::Mutex mu;
  std::set<std::string> requested ABSL_GUARDED_BY(mu);
};

void HttpServer::Impl::Configure() {
  const int threads = std::max(1, options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_read_timeout(absl::ToChronoMicroseconds(options.read_timeout));
  server.set_write_timeout(absl::ToChronoMicroseconds(options.write_timeout));
  // httplib's default is SO_REUSEPORT, which lets a second process (a service started twice)
  // share the port silently instead of failing; SO_REUSEADDR alone still allows a quick restart.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_keep_alive_max_count(1);  // one request per connection: see the header
  // Called once the request line and headers are in: the reaper no longer holds this
  // connection to request_timeout.
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    absl::MutexLock lock(&mu);
    requested.insert(PeerName(req.remote_addr, req.remote_port));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_payload_max_length(64 << 10);  // nothing here takes a body

  server.Get("/livez", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", kTextPlain); });
  auto ready = [health = health](const httplib::Request&, httplib::Response& res) {
    absl::Status status = health != nullptr ? health->Ready() : absl::OkStatus();
    if (status.ok()) {
      res.set_content("ready\n", kTextPlain);
    } else {
      res.status = 503;
      res.set_content(absl::StrCat(status.message(), "\n"), kTextPlain);
    }
  };
  server.Get("/readyz", ready);
  server.Get("/healthz", ready);
  server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Metrics::Get().Render(), kPrometheusText);
  });
  // httplib answers unknown paths with an empty 404; say so in words. Also called for our own
  // 503, whose body is already set.
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(res.status == 404 ? std::string("not found\n") : absl::StrCat("HTTP ", res.status, "\n"),
                    kTextPlain);
    return httplib::Server::HandlerResponse::Handled;
  }));
}

void HttpServer::Impl::ReapSlowConnections() {
  const absl::Duration interval = std::clamp(std::min(options.request_timeout, options.max_connection_age) / 4,
                                             absl::Milliseconds(10), absl::Milliseconds(250));
  const size_t waiting_allowed = static_cast<size_t>(std::max(1, options.threads - options.reserved_threads));
  while (!stop_reaper.WaitForNotificationWithTimeout(interval)) {
    const absl::Time now = absl::Now();
    std::map<ino_t, Seen> still_open;
    std::set<std::string> requested_now;
    {
      absl::MutexLock lock(&mu);
      requested_now = requested;
    }
    // Connections still waiting for their request, oldest first.
    std::vector<std::pair<absl::Time, int>> waiting;
    ForEachAcceptedConnection(port, [&](int fd, ino_t inode, const std::string& peer) {
      auto it = first_seen.find(inode);
      const Seen seen = it == first_seen.end() || it->second.peer != peer ? Seen{now, peer} : it->second;
      still_open.emplace(inode, seen);
      const bool has_request = requested_now.contains(peer);
      // The worker owns the descriptor and closes it; shutdown(2) just ends its reads and
      // writes at once.
      if (now - seen.since >= (has_request ? options.max_connection_age : options.request_timeout)) {
        shutdown(fd, SHUT_RDWR);
      } else if (!has_request) {
        int kept = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (kept >= 0) waiting.emplace_back(seen.since, kept);  // closed below
      }
    });
    // Too many waiting: the oldest go first, so a new request finds a thread.
    if (waiting.size() > waiting_allowed) {
      std::sort(waiting.begin(), waiting.end());
      for (size_t i = 0; i < waiting.size() - waiting_allowed; ++i) shutdown(waiting[i].second, SHUT_RDWR);
    }
    for (const auto& [since, fd] : waiting) close(fd);
    first_seen = std::move(still_open);
    absl::MutexLock lock(&mu);
    // Only peers known at the look: a request that arrived since belongs to a connection not seen yet.
    std::erase_if(requested, [&](const std::string& peer) {
      return requested_now.contains(peer) &&
             std::none_of(first_seen.begin(), first_seen.end(), [&](const auto& e) { return e.second.peer == peer; });
    });
  }
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen, const HealthState* health,
                                                              const HttpServerOptions& options) {
  std::string host;
  int port = 0;
  RETURN_IF_ERROR(SplitHostPort(listen, &host, &port));
  if (host.empty()) host = "0.0.0.0";
  // getaddrinfo may put ::1 first, and IPv4 clients of "localhost:port" would then find nobody.
  if (host == "localhost") host = "127.0.0.1";
  auto impl = std::make_unique<Impl>(health, options);
  impl->Configure();
  errno = 0;
  int bound = port == 0 ? impl->server.bind_to_any_port(host) : (impl->server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, errno != 0 ? ": " : "", errno != 0 ? std::strerror(errno) : ""));
  }
  impl->port = bound;
  if (!impl->server.RaiseBacklog()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", std::strerror(errno)));
  }
  Impl* raw = impl.get();
  impl->listener = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->listener_done.Notify();
  });
  // httplib 0.11 ignores a stop() that comes before its listen loop runs, which would make the
  // destructor wait forever; so return only once the loop runs. There is nothing to wait on
  // but the flag, and it is set within microseconds.
  while (!raw->server.is_running() && !raw->listener_done.HasBeenNotified()) absl::SleepFor(absl::Milliseconds(1));
  if (raw->listener_done.HasBeenNotified()) {
    raw->listener.join();
    return absl::UnavailableError(absl::StrCat("cannot serve HTTP on ", listen, ": the listen loop ended at once"));
  }
  impl->reaper = std::thread([raw] { raw->ReapSlowConnections(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->stop_reaper.Notify();
  impl_->reaper.join();
  // Closes the listening socket; the listen thread then drains the pool, joining its threads.
  impl_->server.stop();
  if (!impl_->listener_done.WaitForNotificationWithTimeout(kStopGrace)) {
    // Someone is still connected (trickling, or not reading): end their connections until the
    // pool is drained. Repeated, because queued connections are picked up one after another.
    do {
      ForEachAcceptedConnection(impl_->port, [](int fd, ino_t, const std::string&) { shutdown(fd, SHUT_RDWR); });
    } while (!impl_->listener_done.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  }
  impl_->listener.join();
}

int HttpServer::port() const { return impl_->port; }

}  // namespace csec
