#include "services/paging/page_delivery.h"

#include <algorithm>
#include <array>
#include <deque>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_join.h"
#include "services/common/domain/events.h"
#include "services/common/serving/metrics.h"
#include "services/paging/paging_keys.h"

namespace csec::paging {

using csec::dispatch::v1::Envelope;

std::string NotifySubject(absl::string_view event_id, int contact_index) {
  return absl::StrCat(event_id, "|", contact_index);
}

std::string RetrySubject(absl::string_view event_id, int contact_index, int try_number) {
  return absl::StrCat(event_id, "|", contact_index, "|", try_number);
}

absl::StatusOr<DeliverySubject> ParseDeliverySubject(absl::string_view kind, absl::string_view subject) {
  const bool retry = kind == kPageRetryWait;
  if (!retry && kind != kPageNotifyWait) {
    return absl::InvalidArgumentError(absl::StrCat("\"", kind, "\" is not a delivery wait kind"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(subject, '|');
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        kind, " subject \"", subject, "\" ", why, " (expected <event id>|<contact index>", retry ? "|<try>" : "", ")"));
  };
  if (parts.size() != (retry ? 3u : 2u)) return bad("has the wrong number of parts");
  DeliverySubject out;
  out.event_id = std::string(parts[0]);
  if (out.event_id.empty()) return bad("has no event id");
  if (!absl::SimpleAtoi(parts[1], &out.contact_index) || out.contact_index < 0)
    return bad("has no valid contact index");
  if (retry && (!absl::SimpleAtoi(parts[2], &out.try_number) || out.try_number < 2)) {
    return bad("has no valid try (2 or more)");
  }
  return out;
}

absl::Duration RetryBackoff(const DeliverySettings& settings, int failed_try) {
  absl::Duration wait = settings.first_retry;
  for (int i = 1; i < failed_try && wait < settings.max_retry; ++i) wait *= 2;
  return std::min(wait, settings.max_retry);
}

absl::Status PagingStateLost() {
  return absl::UnavailableError(
      "the paging state in Redis was lost (flushed, or failed over to an empty replica); paging restarts to rebuild "
      "it from Kafka: nothing was changed, retry");
}

std::string DeliveryIdFor(absl::string_view event_id, int contact_index) {
  return DeriveId("paging.delivery", NotifySubject(event_id, contact_index));
}

DeliveryChannel* DeliveryChannels::For(ContactMethod::Kind kind) const {
  switch (kind) {
    case ContactMethod::Kind::kWebhook:
      return webhook;
    case ContactMethod::Kind::kSms:
      return sms;
    case ContactMethod::Kind::kVoice:
      return voice;
    case ContactMethod::Kind::kLog:
      return log;
  }
  return nullptr;
}

namespace {

// KEYS: a mark, the paging epoch. -1 when the epoch is gone (Redis lost paging's state, so the
// mark's absence says nothing), else EXISTS of the mark.
const RedisScript& ExistsUnlessLostScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
return redis.call('EXISTS', KEYS[1])
)lua");
  return *script;
}

// KEYS: a kept envelope, the paging epoch. Its bytes; nil when it is gone (past the horizon);
// -1 when the epoch is gone too (lost, not expired).
const RedisScript& GetUnlessLostScript() {
  static const RedisScript* script = new RedisScript(R"lua(
local kept = redis.call('GET', KEYS[1])
if kept then return kept end
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
return false
)lua");
  return *script;
}

constexpr char kProducer[] = "paging";
// How long a try waits for Redis before the message is retried by the consumer.
constexpr absl::Duration kRedisWait = absl::Seconds(5);

// Messages started and not yet done; shared with their done callbacks, so the destructor's wait
// never frees the mutex a callback is still unlocking.
struct Pending {
  absl::Mutex mu;
  int count ABSL_GUARDED_BY(mu) = 0;
};

// The PageSent or ShiftStarting being delivered, shared by its tries.
struct Source {
  Envelope event;
  std::string bytes;    // event serialized, as kept at PageSentBody
  std::string page_id;  // "" for ShiftStarting (never stopped)
  std::string person_id;
  int attempt = 0;
  absl::Time sent_at;  // what contact delays count from
  const Person* person = nullptr;
};

enum Outcome { kDelivered, kFailed, kRetry, kSkippedStopped, kOutcomes };
constexpr std::array<const char*, kOutcomes> kOutcomeNames = {"delivered", "failed", "retry", "skipped_stopped"};
constexpr std::array<ContactMethod::Kind, 4> kKinds = {ContactMethod::Kind::kWebhook, ContactMethod::Kind::kSms,
                                                       ContactMethod::Kind::kVoice, ContactMethod::Kind::kLog};

}  // namespace

class PageDelivery::Impl {
 public:
  Impl(const PagingConfig* config, RedisClient* redis, EventProducer* producer, const Clock* clock,
       DeliveryChannels channels, int threads, absl::Duration horizon)
      : config_(config),
        redis_(redis),
        producer_(producer),
        clock_(clock),
        channels_(channels),
        horizon_ms_(absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(horizon)))) {
    for (size_t k = 0; k < kKinds.size(); ++k) {
      const std::string channel(ContactKindName(kKinds[k]));
      for (int o = 0; o < kOutcomes; ++o) {
        outcomes_[k][o] =
            &Metrics::Get().GetCounter("csec_paging_deliveries_total",
                                       "Contact-method sends by outcome (delivered, failed: given up, retry, "
                                       "skipped_stopped: the page was stopped first)",
                                       Labels({{"channel", channel}, {"outcome", kOutcomeNames[o]}}));
      }
      send_seconds_[k] = &Metrics::Get().GetHistogram(
          "csec_paging_send_seconds", "How long one send of a contact method took", Labels({{"channel", channel}}));
    }
    const int workers = std::max(1, threads);
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
  }

  ~Impl() { Stop(); }

  void Stop() {
    std::deque<absl::AnyInvocable<void(bool)>> queued;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      queued.swap(queue_);
    }
    for (auto& task : queued) task(/*cancelled=*/true);
    {
      absl::MutexLock lock(&join_mu_);  // Stop may be called twice (OnStop, then the destructor)
      for (std::thread& worker : workers_) {
        if (worker.joinable()) worker.join();
      }
    }
    // Follow-ups still on Redis's and Kafka's callback threads (each answered within their
    // timeouts); a try they start now is answered Unavailable at once.
    absl::MutexLock lock(&pending_->mu);
    Pending* pending = pending_.get();
    auto idle = [pending]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pending->mu) { return pending->count == 0; };
    pending_->mu.Await(absl::Condition(&idle));
  }

  void Handle(const Envelope& event, HandlerDone done) {
    if (!ActsOn(event)) {
      done(absl::OkStatus());
      return;
    }
    done = Track(std::move(done));  // before the check: a Stop that has not seen it waits for it
    if (stopping()) {
      done(absl::UnavailableError("paging delivery is stopping"));
      return;
    }
    if (event.has_wait_fired()) {
      HandleFired(event, std::move(done));
    } else {
      HandleSent(event, std::move(done));
    }
  }

 private:
  bool stopping() {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }

  // Counts the message as started until its done has run (the destructor waits for none left).
  HandlerDone Track(HandlerDone done) {
    {
      absl::MutexLock lock(&pending_->mu);
      ++pending_->count;
    }
    return [pending = pending_, done = std::move(done)](absl::Status status) mutable {
      done(std::move(status));
      absl::MutexLock lock(&pending->mu);
      --pending->count;
    };
  }

  // The envelope as a Source, or null when its person is unknown (the config changed since).
  std::shared_ptr<const Source> MakeSource(const Envelope& event, std::string bytes) {
    auto source = std::make_shared<Source>();
    source->event = event;
    source->bytes = std::move(bytes);
    if (event.has_page_sent()) {
      const auto& page = event.page_sent();
      source->page_id = page.page_id();
      source->person_id = page.person_id();
      source->attempt = page.attempt();
      source->sent_at = FromProtoTime(page.has_sent_at() ? page.sent_at() : event.occurred_at());
    } else {
      source->person_id = event.shift_starting().person_id();
      source->sent_at = FromProtoTime(event.occurred_at());
    }
    source->person = config_->FindPerson(source->person_id);
    if (source->person == nullptr) {
      log::Warn("paging.delivery_unknown_person",
                {{"case_id", event.case_id()}, {"event_id", event.event_id()}, {"person_id", source->person_id}});
      return nullptr;
    }
    return source;
  }

  void HandleSent(const Envelope& event, HandlerDone done) {
    std::shared_ptr<const Source> source = MakeSource(event, event.SerializeAsString());
    if (source == nullptr || source->person->contacts.empty()) {
      done(absl::OkStatus());
      return;
    }
    if (source->page_id.empty()) {
      StartContacts(source, std::move(done));
      return;
    }
    redis_->EvalAsync(ExistsUnlessLostScript(),
                      {redis_keys::PageStopped(event.case_id(), source->page_id), redis_keys::PagingEpoch()}, {},
                      [this, source, done = std::move(done)](absl::StatusOr<RedisReply> stopped) mutable {
                        if (!stopped.ok()) {
                          done(stopped.status());
                          return;
                        }
                        if (stopped->integer < 0) {  // a mark Redis forgot would send to an acknowledged page
                          done(PagingStateLost());
                          return;
                        }
                        if (stopped->integer > 0) {
                          for (const ContactMethod& contact : source->person->contacts)
                            Count(contact.kind, kSkippedStopped);
                          log::Info("paging.delivery_skipped_stopped", {{"case_id", source->event.case_id()},
                                                                        {"page_id", source->page_id},
                                                                        {"event_id", source->event.event_id()},
                                                                        {"person_id", source->person_id}});
                          done(absl::OkStatus());
                          return;
                        }
                        StartContacts(source, std::move(done));
                      });
  }

  // Keeps the envelope for later tries, then sends or schedules each contact method.
  void StartContacts(std::shared_ptr<const Source> source, HandlerDone done) {
    const std::string& case_id = source->event.case_id();
    redis_->CommandAsync(
        {"SET", redis_keys::PageSentBody(case_id, source->event.event_id()), source->bytes, "PX", horizon_ms_},
        [this, source, done = std::move(done)](absl::StatusOr<RedisReply> kept) mutable {
          if (!kept.ok()) {
            done(kept.status());
            return;
          }
          std::shared_ptr<StatusJoin> join = StatusJoin::Make(std::move(done));
          const std::vector<ContactMethod>& contacts = source->person->contacts;
          for (int i = 0; i < static_cast<int>(contacts.size()); ++i) {
            if (contacts[i].after <= absl::ZeroDuration()) {
              Try(source, i, 1, join->Part());
            } else {
              const std::string subject = NotifySubject(source->event.event_id(), i);
              RequestWait(*source, kPageNotifyWait, subject, source->sent_at + contacts[i].after,
                          DeriveId("paging.page-notify", subject), join->Part());
            }
          }
          join->Release();
        });
  }

  void HandleFired(const Envelope& event, HandlerDone done) {
    const auto& fired = event.wait_fired();
    absl::StatusOr<DeliverySubject> subject = ParseDeliverySubject(fired.kind(), fired.subject());
    if (!subject.ok()) {
      done(subject.status());
      return;
    }
    std::string key = redis_keys::PageSentBody(event.case_id(), subject->event_id);  // before subject moves
    redis_->EvalAsync(
        GetUnlessLostScript(), {std::move(key), redis_keys::PagingEpoch()}, {},
        [this, case_id = event.case_id(), subject = *std::move(subject),
         done = std::move(done)](absl::StatusOr<RedisReply> kept) mutable {
          if (!kept.ok()) {
            done(kept.status());
            return;
          }
          if (kept->type == RedisReply::Type::kInteger) {  // lost, not expired: the try must wait for the rebuild
            done(PagingStateLost());
            return;
          }
          if (kept->is_nil()) {  // past the horizon: the page is long over
            log::Info("paging.delivery_expired",
                      {{"case_id", case_id}, {"event_id", subject.event_id}, {"contact_index", subject.contact_index}});
            done(absl::OkStatus());
            return;
          }
          Envelope sent;
          if (!sent.ParseFromString(kept->str) || (!sent.has_page_sent() && !sent.has_shift_starting())) {
            done(absl::DataLossError(absl::StrCat("the kept event ", subject.event_id, " of case ", case_id,
                                                  " is not a PageSent or ShiftStarting")));
            return;
          }
          std::shared_ptr<const Source> source = MakeSource(sent, std::move(kept->str));
          if (source == nullptr) {
            done(absl::OkStatus());
            return;
          }
          if (subject.contact_index >= static_cast<int>(source->person->contacts.size())) {
            log::Warn("paging.delivery_unknown_contact", {{"case_id", case_id},
                                                          {"event_id", subject.event_id},
                                                          {"person_id", source->person_id},
                                                          {"contact_index", subject.contact_index}});
            done(absl::OkStatus());
            return;
          }
          Try(source, subject.contact_index, subject.try_number, std::move(done));
        });
  }

  // Queues one try of contact `index` on the delivery pool.
  void Try(std::shared_ptr<const Source> source, int index, int try_number, HandlerDone done) {
    absl::AnyInvocable<void(bool)> task = [this, source = std::move(source), index, try_number,
                                           done = std::move(done)](bool cancelled) mutable {
      if (cancelled) {
        done(absl::UnavailableError("paging delivery is stopping; the try runs again after a restart"));
        return;
      }
      RunTry(std::move(source), index, try_number, std::move(done));
    };
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_) {
        queue_.push_back(std::move(task));
        return;
      }
    }
    task(/*cancelled=*/true);
  }

  void Work() {
    while (true) {
      absl::AnyInvocable<void(bool)> task;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;  // stopping, and the destructor took what was queued
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task(/*cancelled=*/false);
    }
  }

  // On a pool thread: the checks, the send, and the start of its follow-ups.
  void RunTry(std::shared_ptr<const Source> source, int index, int try_number, HandlerDone done) {
    const std::string& case_id = source->event.case_id();
    const ContactMethod& contact = source->person->contacts[index];
    const std::string delivery_id = DeliveryIdFor(source->event.event_id(), index);
    const absl::Time redis_deadline = absl::Now() + kRedisWait;
    if (!source->page_id.empty()) {
      absl::StatusOr<RedisReply> stopped =
          redis_->Command({"EXISTS", redis_keys::PageStopped(case_id, source->page_id)}, redis_deadline);
      if (!stopped.ok()) {
        done(stopped.status());
        return;
      }
      if (stopped->integer > 0) {
        Count(contact.kind, kSkippedStopped);
        log::Info("paging.delivery_skipped_stopped", {{"case_id", case_id},
                                                      {"page_id", source->page_id},
                                                      {"delivery_id", delivery_id},
                                                      {"contact_index", index},
                                                      {"try", try_number}});
        done(absl::OkStatus());
        return;
      }
    }
    absl::StatusOr<RedisReply> finished =
        redis_->Command({"EXISTS", redis_keys::DeliveryDone(case_id, delivery_id)}, redis_deadline);
    if (!finished.ok()) {
      done(finished.status());
      return;
    }
    if (finished->integer > 0) {  // delivered or given up before (a replay, or a later contact started early)
      done(absl::OkStatus());
      return;
    }

    DeliveryChannel* channel = channels_.For(contact.kind);
    DeliveryResult result;
    if (channel == nullptr) {
      result.error = absl::StrCat("no ", ContactKindName(contact.kind), " channel is configured");
    } else {
      const Notification notification{.delivery_id = delivery_id,
                                      .person_id = source->person_id,
                                      .contact = contact,
                                      .try_number = try_number,
                                      .event = source->event};
      const absl::Time started = absl::Now();
      result = channel->Send(notification);
      send_seconds_[KindIndex(contact.kind)]->Observe(absl::ToDoubleSeconds(absl::Now() - started));
    }

    if (result.delivered) {
      Delivered(source, index, try_number, delivery_id, result, std::move(done));
    } else if (channel != nullptr && try_number < config_->delivery.tries) {
      Retry(source, index, try_number, delivery_id, result, std::move(done));
    } else {
      GiveUp(source, index, try_number, delivery_id, result, std::move(done));
    }
  }

  void Delivered(std::shared_ptr<const Source> source, int index, int try_number, const std::string& delivery_id,
                 const DeliveryResult& result, HandlerDone done) {
    const ContactMethod& contact = source->person->contacts[index];
    Count(contact.kind, kDelivered);
    log::Info("paging.delivered", {{"case_id", source->event.case_id()},
                                   {"page_id", source->page_id},
                                   {"event_id", source->event.event_id()},
                                   {"person_id", source->person_id},
                                   {"channel", ContactKindName(contact.kind)},
                                   {"contact_index", index},
                                   {"delivery_id", delivery_id},
                                   {"try", try_number},
                                   {"receipt", result.receipt}});
    const absl::Time now = clock_->Now();
    Envelope out = Derived(*source, DeriveId("paging.page-delivered", delivery_id), now);
    auto* delivered = out.mutable_page_delivered();
    delivered->set_page_id(source->page_id);
    delivered->set_attempt(source->attempt);
    delivered->set_person_id(source->person_id);
    delivered->set_channel(std::string(ContactKindName(contact.kind)));
    delivered->set_contact_index(index);
    delivered->set_tries(try_number);
    delivered->set_receipt(result.receipt);
    *delivered->mutable_delivered_at() = ToProtoTime(now);
    // The event first, then the mark: a crash between them sends again (the receiver drops the
    // repeat by delivery id), never records a delivery nobody heard of.
    Produce(out, [this, source, delivery_id, done = std::move(done)](absl::Status acked) mutable {
      if (!acked.ok()) {
        done(std::move(acked));
        return;
      }
      MarkDone(source->event.case_id(), delivery_id, "delivered", std::move(done));
    });
  }

  void Retry(std::shared_ptr<const Source> source, int index, int try_number, const std::string& delivery_id,
             const DeliveryResult& result, HandlerDone done) {
    const ContactMethod& contact = source->person->contacts[index];
    const absl::Duration backoff = RetryBackoff(config_->delivery, try_number);
    Count(contact.kind, kRetry);
    log::Warn("paging.delivery_retry", {{"case_id", source->event.case_id()},
                                        {"page_id", source->page_id},
                                        {"event_id", source->event.event_id()},
                                        {"person_id", source->person_id},
                                        {"channel", ContactKindName(contact.kind)},
                                        {"contact_index", index},
                                        {"delivery_id", delivery_id},
                                        {"try", try_number},
                                        {"retry_in", absl::FormatDuration(backoff)},
                                        {"error", result.error}});
    const std::string subject = RetrySubject(source->event.event_id(), index, try_number + 1);
    // The back-off waits out a receiver's outage, which is real time: clock time under a scaled clock.
    RequestWait(*source, kPageRetryWait, subject, clock_->Now() + backoff * clock_->scale(),
                DeriveId("paging.page-retry", subject), std::move(done));
  }

  void GiveUp(std::shared_ptr<const Source> source, int index, int try_number, const std::string& delivery_id,
              const DeliveryResult& result, HandlerDone done) {
    const ContactMethod& contact = source->person->contacts[index];
    const int next = index + 1 < static_cast<int>(source->person->contacts.size()) ? index + 1 : -1;
    Count(contact.kind, kFailed);
    log::Warn("paging.delivery_failed", {{"case_id", source->event.case_id()},
                                         {"page_id", source->page_id},
                                         {"event_id", source->event.event_id()},
                                         {"person_id", source->person_id},
                                         {"channel", ContactKindName(contact.kind)},
                                         {"contact_index", index},
                                         {"delivery_id", delivery_id},
                                         {"tries", try_number},
                                         {"next_contact_index", next},
                                         {"error", result.error}});
    const absl::Time now = clock_->Now();
    Envelope out = Derived(*source, DeriveId("paging.page-delivery-failed", delivery_id), now);
    auto* failed = out.mutable_page_delivery_failed();
    failed->set_page_id(source->page_id);
    failed->set_attempt(source->attempt);
    failed->set_person_id(source->person_id);
    failed->set_channel(std::string(ContactKindName(contact.kind)));
    failed->set_contact_index(index);
    failed->set_tries(try_number);
    failed->set_reason(result.error);
    failed->set_next_contact_index(next);
    *failed->mutable_failed_at() = ToProtoTime(now);
    Produce(out, [this, source, delivery_id, next, done = std::move(done)](absl::Status acked) mutable {
      if (!acked.ok()) {
        done(std::move(acked));
        return;
      }
      MarkDone(source->event.case_id(), delivery_id, "gave_up",
               [this, source, next, done = std::move(done)](absl::Status marked) mutable {
                 if (!marked.ok() || next < 0) {
                   done(std::move(marked));
                   return;
                 }
                 Try(source, next, 1, std::move(done));  // the next method at once, not at its `after`
               });
    });
  }

  void RequestWait(const Source& source, absl::string_view kind, const std::string& subject, absl::Time due_at,
                   const std::string& event_id, HandlerDone done) {
    Envelope out = Derived(source, event_id, clock_->Now());
    auto* wait = out.mutable_wait_requested();
    wait->set_kind(std::string(kind));
    wait->set_subject(subject);
    *wait->mutable_due_at() = ToProtoTime(due_at);
    Produce(out, std::move(done));
  }

  Envelope Derived(const Source& source, const std::string& event_id, absl::Time now) const {
    Envelope out = NewEnvelope(event_id, source.event.case_id(), kProducer, now);
    out.set_trace_id(source.event.trace_id());
    out.set_request_id(source.event.request_id());
    return out;
  }

  void Produce(const Envelope& out, HandlerDone done) { producer_->ProduceAsync(out, std::move(done)); }

  void MarkDone(const std::string& case_id, const std::string& delivery_id, absl::string_view how, HandlerDone done) {
    redis_->CommandAsync({"SET", redis_keys::DeliveryDone(case_id, delivery_id), std::string(how), "PX", horizon_ms_},
                         [done = std::move(done)](absl::StatusOr<RedisReply> set) mutable { done(set.status()); });
  }

  static size_t KindIndex(ContactMethod::Kind kind) {
    return static_cast<size_t>(std::find(kKinds.begin(), kKinds.end(), kind) - kKinds.begin());
  }
  void Count(ContactMethod::Kind kind, Outcome outcome) { outcomes_[KindIndex(kind)][outcome]->Increment(); }

  const PagingConfig* config_;
  RedisClient* redis_;
  EventProducer* producer_;
  const Clock* clock_;
  const DeliveryChannels channels_;
  const std::string horizon_ms_;
  std::array<std::array<Counter*, kOutcomes>, kKinds.size()> outcomes_{};
  std::array<Histogram*, kKinds.size()> send_seconds_{};

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<absl::AnyInvocable<void(bool)>> queue_ ABSL_GUARDED_BY(mu_);
  const std::shared_ptr<Pending> pending_ = std::make_shared<Pending>();
  absl::Mutex join_mu_;
  std::vector<std::thread> workers_;
};

PageDelivery::PageDelivery(const PagingConfig* config, RedisClient* redis, EventProducer* producer, const Clock* clock,
                           DeliveryChannels channels, int threads, absl::Duration horizon)
    : impl_(std::make_unique<Impl>(config, redis, producer, clock, channels, threads, horizon)) {}

PageDelivery::~PageDelivery() = default;

bool PageDelivery::ActsOn(const Envelope& event) {
  if (event.has_page_sent() || event.has_shift_starting()) return true;
  return event.has_wait_fired() &&
         (event.wait_fired().kind() == kPageNotifyWait || event.wait_fired().kind() == kPageRetryWait);
}

void PageDelivery::Stop() { impl_->Stop(); }

void PageDelivery::Handle(const Envelope& event, HandlerDone done) { impl_->Handle(event, std::move(done)); }

}  // namespace csec::paging
