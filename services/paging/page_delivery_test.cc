// The pure parts of delivery (subjects, back-off, ids, signatures) and the webhook channel
// against an in-process receiver on 127.0.0.1, port 0. PageDelivery's Redis and Kafka steps are
// covered by the integration tests.
#include "services/paging/page_delivery.h"

#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/domain/events.h"
#include "services/paging/delivery_channel.h"
#include "services/paging/webhook_channel.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::Envelope;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(WebhookSignature, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookSignature, SignsTimestampDotBody) {
  EXPECT_EQ(WebhookSignature("Jefe", "1800000000", R"({"a":1})"),
            "sha256=" + HmacSha256Hex("Jefe", R"(1800000000.{"a":1})"));
  EXPECT_NE(WebhookSignature("Jefe", "1800000000", "body"), WebhookSignature("Jefe", "1800000001", "body"))
      << "the timestamp is signed: a replay with a fresh timestamp does not verify";
  EXPECT_NE(WebhookSignature("Jefe", "1", "body"), WebhookSignature("jefe", "1", "body"));
}

TEST(RetryBackoff, DoublesFromFirstRetryUpToMax) {
  const DeliverySettings settings{.tries = 10, .first_retry = absl::Seconds(1), .max_retry = absl::Seconds(30)};
  EXPECT_EQ(RetryBackoff(settings, 1), absl::Seconds(1));
  EXPECT_EQ(RetryBackoff(settings, 2), absl::Seconds(2));
  EXPECT_EQ(RetryBackoff(settings, 3), absl::Seconds(4));
  EXPECT_EQ(RetryBackoff(settings, 5), absl::Seconds(16));
  EXPECT_EQ(RetryBackoff(settings, 6), absl::Seconds(30));
  EXPECT_EQ(RetryBackoff(settings, 1000), absl::Seconds(30)) << "no overflow on absurd tries";
  const DeliverySettings small_max{.first_retry = absl::Seconds(5), .max_retry = absl::Seconds(3)};
  EXPECT_EQ(RetryBackoff(small_max, 1), absl::Seconds(3));
}

TEST(DeliverySubject, FormatsAndParsesBothKinds) {
  EXPECT_EQ(NotifySubject("ev-1", 2), "ev-1|2");
  EXPECT_EQ(RetrySubject("ev-1", 2, 3), "ev-1|2|3");
  absl::StatusOr<DeliverySubject> notify = ParseDeliverySubject(kPageNotifyWait, NotifySubject("ev-1", 2));
  ASSERT_TRUE(notify.ok()) << notify.status();
  EXPECT_EQ(*notify, (DeliverySubject{.event_id = "ev-1", .contact_index = 2, .try_number = 1}));
  absl::StatusOr<DeliverySubject> retry = ParseDeliverySubject(kPageRetryWait, RetrySubject("ev-1", 0, 4));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, (DeliverySubject{.event_id = "ev-1", .contact_index = 0, .try_number = 4}));
}

TEST(DeliverySubject, MalformedSubjectsAreInvalidArgument) {
  for (const auto& [kind, subject] : std::vector<std::pair<std::string, std::string>>{
           {kPageNotifyWait, ""},
           {kPageNotifyWait, "ev-1"},
           {kPageNotifyWait, "|0"},
           {kPageNotifyWait, "ev-1|x"},
           {kPageNotifyWait, "ev-1|-1"},
           {kPageNotifyWait, "ev-1|0|2"},
           {kPageRetryWait, "ev-1|0"},
           {kPageRetryWait, "ev-1|0|1"},
           {kPageRetryWait, "ev-1|0|two"},
           {kPageRetryWait, "ev-1|0|2|9"},
           {"page_ack", "ev-1|0"},
       }) {
    absl::StatusOr<DeliverySubject> parsed = ParseDeliverySubject(kind, subject);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << kind << " " << subject;
  }
  EXPECT_THAT(ParseDeliverySubject(kPageRetryWait, "ev-1|0").status().message(), HasSubstr("ev-1|0"))
      << "the dead letter names the subject";
}

TEST(DeliveryIdFor, StablePerEventAndContact) {
  EXPECT_EQ(DeliveryIdFor("ev-1", 0), DeliveryIdFor("ev-1", 0));
  EXPECT_NE(DeliveryIdFor("ev-1", 0), DeliveryIdFor("ev-1", 1));
  EXPECT_NE(DeliveryIdFor("ev-1", 0), DeliveryIdFor("ev-2", 0));
}

TEST(PageDelivery, ActsOnPagesShiftsAndItsOwnWaits) {
  Envelope e;
  EXPECT_FALSE(PageDelivery::ActsOn(e));
  e.mutable_page_sent();
  EXPECT_TRUE(PageDelivery::ActsOn(e));
  e.mutable_shift_starting();
  EXPECT_TRUE(PageDelivery::ActsOn(e));
  e.mutable_wait_fired()->set_kind(kPageNotifyWait);
  EXPECT_TRUE(PageDelivery::ActsOn(e));
  e.mutable_wait_fired()->set_kind(kPageRetryWait);
  EXPECT_TRUE(PageDelivery::ActsOn(e));
  e.mutable_wait_fired()->set_kind("page_ack");
  EXPECT_FALSE(PageDelivery::ActsOn(e));
  e.mutable_page_delivered();
  EXPECT_FALSE(PageDelivery::ActsOn(e));
}

TEST(DeliveryChannels, ChannelPerKind) {
  LogChannel a, b;
  DeliveryChannels channels{.webhook = &a, .sms = nullptr, .voice = nullptr, .log = &b};
  EXPECT_EQ(channels.For(ContactMethod::Kind::kWebhook), &a);
  EXPECT_EQ(channels.For(ContactMethod::Kind::kSms), nullptr);
  EXPECT_EQ(channels.For(ContactMethod::Kind::kLog), &b);
}

Notification SampleNotification(const std::string& address) {
  Notification n;
  n.delivery_id = DeliveryIdFor("ev-1", 0);
  n.person_id = "person-7";
  n.contact = ContactMethod{.kind = ContactMethod::Kind::kWebhook, .address = address, .after = absl::ZeroDuration()};
  n.try_number = 2;
  n.event = NewEnvelope("ev-1", "case-1", "paging", absl::FromUnixSeconds(1'800'000'000));
  n.event.mutable_page_sent()->set_page_id("page-1");
  n.event.mutable_page_sent()->set_person_id("person-7");
  return n;
}

TEST(LogChannel, ReportsDelivered) {
  LogChannel channel;
  DeliveryResult r = channel.Send(SampleNotification(""));
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ(r.receipt, "logged");
}

// An httplib server on 127.0.0.1 at a port the kernel chose, serving POST /hook with `handler`.
class Receiver {
 public:
  explicit Receiver(httplib::Server::Handler handler) {
    server_.Post("/hook", std::move(handler));
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

const DeliverySettings kFast{.tries = 2,
                             .first_retry = absl::Milliseconds(10),
                             .max_retry = absl::Milliseconds(20),
                             .send_timeout = absl::Milliseconds(300)};

TEST(WebhookChannel, PostsSignedJsonAndReports2xxDelivered) {
  absl::Mutex mu;
  httplib::Request seen;
  Receiver receiver([&](const httplib::Request& req, httplib::Response& res) {
    {
      absl::MutexLock lock(&mu);
      seen = req;
    }
    res.status = 202;
  });
  ManualClock clock(absl::FromUnixSeconds(1'800'000'123));
  WebhookChannel channel("s3cret", kFast, &clock);
  const Notification n = SampleNotification(receiver.url("/hook?token=abc"));
  DeliveryResult r = channel.Send(n);
  EXPECT_TRUE(r.delivered) << r.error;
  EXPECT_EQ(r.receipt, "HTTP 202");

  absl::MutexLock lock(&mu);
  EXPECT_EQ(seen.get_param_value("token"), "abc") << "the query is kept";
  EXPECT_EQ(seen.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(seen.get_header_value("X-Csec-Delivery"), n.delivery_id);
  EXPECT_EQ(seen.get_header_value("X-Csec-Timestamp"), "1800000123");
  EXPECT_EQ(seen.get_header_value("X-Csec-Signature"), WebhookSignature("s3cret", "1800000123", seen.body))
      << "a receiver verifies the raw body with the shared secret";
  EXPECT_THAT(seen.body, HasSubstr("\"deliveryId\":\"" + n.delivery_id + "\""));
  EXPECT_THAT(seen.body, HasSubstr("\"personId\":\"person-7\""));
  EXPECT_THAT(seen.body, HasSubstr("\"tryNumber\":2"));
  // The event is the envelope in protobuf JSON: it reads back as the same message.
  const size_t at = seen.body.find("\"event\":");
  ASSERT_NE(at, std::string::npos);
  const std::string event_json = seen.body.substr(at + 8, seen.body.size() - at - 9);
  Envelope event;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(event_json, &event).ok()) << event_json;
  EXPECT_EQ(event.SerializeAsString(), n.event.SerializeAsString());
}

TEST(WebhookChannel, Non2xxIsNotDeliveredAndNamesTheStatus) {
  Receiver receiver([](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  WebhookChannel channel("s3cret", kFast);
  DeliveryResult r = channel.Send(SampleNotification(receiver.url()));
  EXPECT_FALSE(r.delivered);
  EXPECT_THAT(r.error, HasSubstr("HTTP 500"));
  EXPECT_THAT(r.error, HasSubstr("127.0.0.1"));
}

int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);  // nobody listens there now
  return ntohs(addr.sin_port);
}

TEST(WebhookChannel, UnreachableReceiverIsNotDelivered) {
  WebhookChannel channel("s3cret", kFast);
  DeliveryResult r = channel.Send(SampleNotification("http://127.0.0.1:" + std::to_string(UnusedPort()) + "/hook"));
  EXPECT_FALSE(r.delivered);
  EXPECT_THAT(r.error, HasSubstr("127.0.0.1"));
  EXPECT_TRUE(r.receipt.empty());
}

TEST(WebhookChannel, AddressThatIsNoHttpUrlIsNotDelivered) {
  WebhookChannel channel("s3cret", kFast);
  for (const std::string address :
       {"", "ftp://example.org/x", "127.0.0.1:80/hook", "http:///hook", "https://user:pw@example.org/hook"}) {
    DeliveryResult r = channel.Send(SampleNotification(address));
    EXPECT_FALSE(r.delivered) << address;
    EXPECT_THAT(r.error, HasSubstr("webhook address")) << address;
    EXPECT_THAT(r.error, Not(HasSubstr("pw"))) << "never echoes credentials";
  }
}

TEST(WebhookChannel, SlowReceiverTimesOut) {
  Receiver receiver([](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.status = 200;
  });
  WebhookChannel channel("s3cret", kFast);
  const absl::Time start = absl::Now();
  DeliveryResult r = channel.Send(SampleNotification(receiver.url()));
  const absl::Duration took = absl::Now() - start;
  EXPECT_FALSE(r.delivered);
  EXPECT_THAT(r.error, HasSubstr("send timeout"));
  EXPECT_LT(took, absl::Milliseconds(1500)) << "returned before the receiver answered (took " << took << ")";
}

TEST(WebhookChannel, ReceiverTricklingItsAnswerIsCutAtTheSendTimeout) {
  // Headers at once, then a byte every 100 ms: every read is quick, only the whole is slow.
  Receiver receiver([](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](size_t, httplib::DataSink& sink) {
      for (int i = 0; i < 30; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (!sink.write(".", 1)) return false;
      }
      sink.done();
      return true;
    });
  });
  WebhookChannel channel("s3cret", kFast);
  const absl::Time start = absl::Now();
  DeliveryResult r = channel.Send(SampleNotification(receiver.url()));
  const absl::Duration took = absl::Now() - start;
  EXPECT_FALSE(r.delivered);
  EXPECT_THAT(r.error, HasSubstr("send timeout"));
  EXPECT_LT(took, absl::Seconds(3)) << "returned before the trickle ended (took " << took << ")";
}

TEST(WebhookChannel, ConcurrentSendsEachGetTheirAnswer) {
  Receiver receiver([](const httplib::Request& req, httplib::Response& res) {
    res.status = req.get_header_value("X-Csec-Delivery") == DeliveryIdFor("ev-1", 0) ? 200 : 500;
  });
  WebhookChannel channel("s3cret", kFast);
  std::vector<std::thread> threads;
  std::atomic<int> delivered{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) delivered += channel.Send(SampleNotification(receiver.url())).delivered ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(delivered.load(), 20);
}

}  // namespace
}  // namespace csec::paging
