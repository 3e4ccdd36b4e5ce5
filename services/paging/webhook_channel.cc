#include "services/paging/webhook_channel.h"

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/base/log.h"

namespace csec::paging {
namespace {

struct WebhookUrl {
  std::string scheme_host_port;  // "https://host:port", what httplib::Client takes
  std::string path;              // "/hook?x=1", at least "/"
};

// Splits an http:// or https:// URL; an error says what is wrong with it (never the whole URL,
// whose query may hold a receiver's token).
absl::StatusOr<WebhookUrl> SplitUrl(absl::string_view url) {
  const size_t sep = url.find("://");
  if (sep == absl::string_view::npos) return absl::InvalidArgumentError("webhook address is not an http(s) URL");
  const std::string scheme = absl::AsciiStrToLower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat("webhook address has scheme \"", scheme, "\", not http or https"));
  }
  absl::string_view rest = url.substr(sep + 3);
  const size_t path_at = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, path_at);
  if (authority.empty()) return absl::InvalidArgumentError("webhook address has no host");
  if (absl::StrContains(authority, "@")) {
    return absl::InvalidArgumentError("webhook address carries credentials; put them in the path or a header");
  }
  WebhookUrl out{.scheme_host_port = absl::StrCat(scheme, "://", authority), .path = "/"};
  if (path_at != absl::string_view::npos) {
    absl::string_view path = rest.substr(path_at);
    path = path.substr(0, path.find('#'));  // a fragment is never sent
    if (!path.empty()) out.path = path.front() == '/' ? std::string(path) : absl::StrCat("/", path);
  }
  return out;
}

std::string Host(const WebhookUrl& url) { return url.scheme_host_port.substr(url.scheme_host_port.find("://") + 3); }

}  // namespace

// Ends sends still running at their deadline (httplib's own timeouts bound each connect, read
// and write, not the whole exchange, so a receiver trickling its answer could hold a send for
// ever): Client::stop() shuts the socket down, which httplib allows from another thread while a
// request is in progress. stop() is called without mu_ held (it may wait for a connect in
// progress, and other sends must not wait for that); Unwatch waits until a stop() of its client
// has returned, so a client is never touched after its send left.
class WebhookChannel::Watchdog {
 public:
  Watchdog() : thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }

  uint64_t Watch(httplib::Client* client, absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    const uint64_t id = ++next_id_;
    watched_.emplace(id, Entry{.client = client, .deadline = deadline});
    return id;
  }
  // True when the deadline passed and the send was stopped.
  bool Unwatch(uint64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = watched_.find(id);
    Entry* entry = &it->second;
    auto not_stopping = [entry]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !entry->stopping; };
    mu_.Await(absl::Condition(&not_stopping));
    const bool fired = entry->fired;
    watched_.erase(it);
    return fired;
  }

 private:
  struct Entry {
    httplib::Client* client = nullptr;
    absl::Time deadline;
    bool fired = false;     // its deadline passed: stopped, or being stopped
    bool stopping = false;  // stop() is running on it now
  };

  void Run() {
    mu_.Lock();
    while (!stopping_) {
      const absl::Time now = absl::Now();
      absl::Time next = now + absl::Seconds(1);
      std::vector<Entry*> due;
      for (auto& [id, entry] : watched_) {
        if (entry.fired) continue;
        if (entry.deadline <= now) {
          entry.fired = true;
          entry.stopping = true;
          due.push_back(&entry);
        } else if (entry.deadline < next) {
          next = entry.deadline;
        }
      }
      if (!due.empty()) {
        mu_.Unlock();
        for (Entry* entry : due) entry->client->stop();  // entries stay: Unwatch waits for these
        mu_.Lock();
        for (Entry* entry : due) entry->stopping = false;
        continue;
      }
      // Woken by a new entry (it may be due before `next`), by stopping, or at `next`.
      const uint64_t seen = next_id_;
      auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || next_id_ != seen; };
      mu_.AwaitWithDeadline(absl::Condition(&changed), next);
    }
    mu_.Unlock();
  }

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, Entry> watched_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

std::string HmacSha256Hex(absl::string_view key, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), length));
}

std::string WebhookSignature(absl::string_view secret, absl::string_view timestamp, absl::string_view body) {
  return absl::StrCat("sha256=", HmacSha256Hex(secret, absl::StrCat(timestamp, ".", body)));
}

absl::StatusOr<std::string> WebhookBody(const Notification& notification) {
  std::string event;
  auto printed = google::protobuf::util::MessageToJsonString(notification.event, &event);
  if (!printed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot print the event as JSON: ", printed.ToString()));
  }
  return absl::StrCat("{\"deliveryId\":\"", log::JsonEscape(notification.delivery_id), "\",\"personId\":\"",
                      log::JsonEscape(notification.person_id), "\",\"tryNumber\":", notification.try_number,
                      ",\"event\":", event, "}");
}

WebhookChannel::WebhookChannel(std::string secret, DeliverySettings settings, const Clock* clock)
    : secret_(std::move(secret)), settings_(settings), clock_(clock), watchdog_(std::make_unique<Watchdog>()) {}

WebhookChannel::~WebhookChannel() = default;

DeliveryResult WebhookChannel::Send(const Notification& notification) {
  auto failed = [](std::string error) {
    return DeliveryResult{.delivered = false, .receipt = "", .error = std::move(error)};
  };
  const absl::Time started = absl::Now();

  absl::StatusOr<WebhookUrl> url = SplitUrl(notification.contact.address);
  if (!url.ok()) return failed(std::string(url.status().message()));
  absl::StatusOr<std::string> body = WebhookBody(notification);
  if (!body.ok()) return failed(std::string(body.status().message()));
  const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(clock_->Now()));

  httplib::Client client(url->scheme_host_port);
  if (!client.is_valid()) return failed(absl::StrCat("cannot make an HTTP client for ", Host(*url)));
  const auto timeout = absl::ToChronoMicroseconds(settings_.send_timeout);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_keep_alive(false);
  client.set_follow_location(false);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  client.enable_server_certificate_verification(true);
#endif
  const httplib::Headers headers = {
      {"X-Csec-Delivery", notification.delivery_id},
      {"X-Csec-Timestamp", timestamp},
      {"X-Csec-Signature", WebhookSignature(secret_, timestamp, *body)},
  };

  const uint64_t watch = watchdog_->Watch(&client, started + settings_.send_timeout);
  httplib::Result result = client.Post(url->path, headers, *body, "application/json");
  const bool stopped = watchdog_->Unwatch(watch);
  const absl::Duration took = absl::Now() - started;

  if (!result) {
    const httplib::Error error = result.error();
    if (stopped || took >= settings_.send_timeout) {
      return failed(absl::StrCat("no answer from ", Host(*url), " within the send timeout (",
                                 absl::FormatDuration(settings_.send_timeout), "): ", httplib::to_string(error)));
    }
    if (error == httplib::Error::Connection) return failed(absl::StrCat("cannot connect to ", Host(*url)));
    return failed(absl::StrCat("sending to ", Host(*url), " failed: ", httplib::to_string(error)));
  }
  const int status = result->status;
  if (status >= 200 && status < 300) {
    return DeliveryResult{.delivered = true, .receipt = absl::StrCat("HTTP ", status), .error = ""};
  }
  return failed(absl::StrCat(Host(*url), " answered HTTP ", status));
}

}  // namespace csec::paging
