// A service's operations port under slow clients: 50 connections that send their request a byte
// at a time (and reconnect as soon as they are cut off, as an attacker or a broken scraper does)
// must not stop /livez and /readyz from answering within a second, the probe timeout Kubernetes
// uses. Found by a run from outside: four such clients used to take the port down.
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/integration/harness.h"

namespace csec::testing {
namespace {

// `count` connections to 127.0.0.1:<port>, each sending one more byte of an endless request header
// every `gap`, reconnecting when the server closes it. One thread drives them all.
class SlowClients {
 public:
  SlowClients(int port, int count, absl::Duration gap) : port_(port), fds_(count, -1) {
    thread_ = std::thread([this, gap] {
      const std::string head = "GET /readyz HTTP/1.1\r\nHost: slow\r\nX-Padding: ";
      std::vector<size_t> sent(fds_.size(), 0);
      do {
        for (size_t i = 0; i < fds_.size(); ++i) {
          if (fds_[i] < 0) {
            fds_[i] = Connect();
            sent[i] = 0;
            if (fds_[i] < 0) continue;
            connects_++;
          }
          const char byte = sent[i] < head.size() ? head[sent[i]] : 'a';
          if (send(fds_[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {  // cut off: come back
            close(fds_[i]);
            fds_[i] = -1;
            continue;
          }
          sent[i]++;
        }
        // Pacing, not synchronisation: the gap between bytes is the behaviour under test.
      } while (!stop_.WaitForNotificationWithTimeout(gap));
      for (int fd : fds_) {
        if (fd >= 0) close(fd);
      }
    });
  }
  ~SlowClients() {
    stop_.Notify();
    thread_.join();
  }
  int connects() const { return connects_.load(); }

 private:
  int Connect() const {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  const int port_;
  std::vector<int> fds_;  // the driving thread's
  std::atomic<int> connects_{0};
  absl::Notification stop_;
  std::thread thread_;
};

TEST(SlowClients, FiftyTricklingConnectionsDoNotStopLivezAndReadyz) {
  StackEnv stack = StackEnv::FromEnvironment();
  auto routing = ServiceProcess::Start("csec-routing", stack, {});
  ASSERT_TRUE(routing.ok()) << routing.status();
  const int port = (*routing)->port("http_port");
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/readyz").status == 200; }, absl::Seconds(60)));

  SlowClients slow(port, 50, absl::Milliseconds(200));
  ASSERT_TRUE(WaitFor([&] { return slow.connects() >= 50; }, absl::Seconds(10)));
  // Long enough for the slow connections to be cut off and come back several times.
  const absl::Time until = absl::Now() + absl::Seconds(6);
  int probes = 0;
  while (absl::Now() < until) {
    for (const char* path : {"/livez", "/readyz"}) {
      HttpAnswer answer = HttpGet(port, path, absl::Seconds(1));
      ASSERT_EQ(answer.status, 200) << path << " after " << probes << " probes, " << slow.connects()
                                    << " slow connects: " << answer.body;
      ++probes;
    }
  }
  EXPECT_GT(slow.connects(), 100) << "the slow clients were cut off and reconnected";
  // And the metrics scrape still works too.
  EXPECT_EQ(HttpGet(port, "/metrics", absl::Seconds(1)).status, 200);
}

}  // namespace
}  // namespace csec::testing
