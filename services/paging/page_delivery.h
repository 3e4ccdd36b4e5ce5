// Delivery of pages beyond the WatchPages stream: the handler of the paging service's delivery
// consumer (group "paging-delivery", topics csec.paging.v1 and csec.timers.v1). For each PageSent
// or ShiftStarting it sends the person's contact methods in their order, each `after` its delay,
// retrying a failed send with back-off, then moving on to the person's next method.
//
//   PageDelivery delivery(&config, redis, producer, &clock,
//                         {.webhook = &webhook, .sms = &log_channel, .voice = &log_channel, .log = &log_channel},
//                         /*threads=*/8, /*horizon=*/absl::Hours(24 * 7));
//   ConsumerOptions options{..., .group_id = "paging-delivery", .topics = {kPagingTopic, kTimersTopic},
//                           .one_at_a_time_per_key = false};
//   KafkaConsumer::Start(options, producer, HandleEnvelopes("paging-delivery",
//       [&](const Envelope& e, HandlerDone done) { delivery.Handle(e, std::move(done)); }));
//   ...   // the consumer stopped
//   delivery.Stop();
//
// What it does (every wait is a timer held by the timers service, never in memory):
//   - PageSent / ShiftStarting for person P: nothing if the page is stopped
//     (redis_keys::PageStopped). Else the envelope is kept at PageSentBody(case, event id) for
//     the dedupe horizon, and each contact i of P is sent at once (after == 0, try 1) or
//     WaitRequested{"page_notify", NotifySubject(event id, i), sent_at + after} is produced.
//   - WaitFired "page_notify" / "page_retry": the subject names (event id, contact, try); the
//     kept envelope is loaded (gone: the page is past the horizon, nothing to do) and the try
//     runs. A malformed subject is InvalidArgument (dead-lettered).
//   - A try, on the delivery pool: skipped when the page is stopped or DeliveryDone(case,
//     delivery id) exists; else the channel sends. Delivered: PageDelivered, then DeliveryDone.
//     Failed with tries left: WaitRequested{"page_retry", RetrySubject(.., try + 1), now +
//     RetryBackoff(try)}. Failed on the last try: PageDeliveryFailed, DeliveryDone (given up),
//     and contact i + 1 starts at once (its own page_notify later finds it done or running).
// Every event it produces has an id derived from its cause, so a replay writes the same events
// and the waits it asks for are the same waits. `done` reports the first Redis or Kafka failure
// (the consumer retries the message; the steps are idempotent) once every try the message
// started, and its follow-up events, are finished; a channel's failure is not an error.
//
// Threads: Handle is called on the consumer's thread and only starts work (Redis commands, Kafka
// sends, pool tasks). Sends run on a fixed pool of `threads` workers fed by one queue, each
// bounded by its channel's timeout, so a slow or failing receiver holds one worker, never the
// consumer or another page. Follow-ups run on the producer's and Redis's callback threads.
//
// Ownership: config, redis, producer, clock and the channels must outlive it. Stop it (or destroy
// it) after its consumer stopped and while the producer and Redis still run: Stop answers queued
// tries Unavailable, waits for the sends in progress and for every started message's `done`.
#ifndef CSEC_SERVICES_PAGING_PAGE_DELIVERY_H_
#define CSEC_SERVICES_PAGING_PAGE_DELIVERY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/base/clock.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/redis/redis.h"
#include "services/common/runtime/event_producer.h"
#include "services/paging/delivery_channel.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

// The kinds of the waits delivery asks the timers service for.
inline constexpr char kPageNotifyWait[] = "page_notify";
inline constexpr char kPageRetryWait[] = "page_retry";

// A delivery wait's subject: the PageSent/ShiftStarting event, the person's contact method, the
// try it starts (1 for page_notify).
struct DeliverySubject {
  std::string event_id;
  int contact_index = 0;
  int try_number = 1;
  friend bool operator==(const DeliverySubject&, const DeliverySubject&) = default;
};
// "<event id>|<contact index>", the subject of a page_notify wait.
std::string NotifySubject(absl::string_view event_id, int contact_index);
// "<event id>|<contact index>|<try>", the subject of a page_retry wait.
std::string RetrySubject(absl::string_view event_id, int contact_index, int try_number);
// The subject of a `kind` wait (kPageNotifyWait or kPageRetryWait): InvalidArgument when it is
// not of that kind's form (empty event id, a negative index, a retry's try below 2).
absl::StatusOr<DeliverySubject> ParseDeliverySubject(absl::string_view kind, absl::string_view subject);

// The wait after the failed try `failed_try` (1-based): first_retry * 2^(failed_try - 1), at
// most max_retry.
absl::Duration RetryBackoff(const DeliverySettings& settings, int failed_try);

// Unavailable, saying Redis lost paging's state (its epoch is gone) and paging restarts to rebuild
// it: what a decision or a send answers then, instead of acting on an empty store.
absl::Status PagingStateLost();

// The id of one (event, contact method)'s delivery, the same on every try: Notification's
// delivery_id, DeliveryDone's key, the base of PageDelivered's and PageDeliveryFailed's ids.
std::string DeliveryIdFor(absl::string_view event_id, int contact_index);

// The channel for each kind of contact method; a null one fails its contacts at once (no retry).
struct DeliveryChannels {
  DeliveryChannel* webhook = nullptr;
  DeliveryChannel* sms = nullptr;
  DeliveryChannel* voice = nullptr;
  DeliveryChannel* log = nullptr;
  DeliveryChannel* For(ContactMethod::Kind kind) const;
};

class PageDelivery {
 public:
  // `threads` (at least 1) send at once; `horizon` is how long the kept envelopes and the
  // DeliveryDone marks live (the dedupe horizon). Delivery settings come from config->delivery.
  PageDelivery(const PagingConfig* config, RedisClient* redis, EventProducer* producer, const Clock* clock,
               DeliveryChannels channels, int threads, absl::Duration horizon);
  ~PageDelivery();
  PageDelivery(const PageDelivery&) = delete;
  PageDelivery& operator=(const PageDelivery&) = delete;

  // True for the envelopes Handle acts on: PageSent, ShiftStarting, and WaitFired of kind
  // page_notify or page_retry.
  static bool ActsOn(const csec::dispatch::v1::Envelope& event);
  // Starts handling `event` and returns; `done` runs once, on another thread or (for events it
  // does not act on, malformed subjects, and after Stop) at once.
  void Handle(const csec::dispatch::v1::Envelope& event, HandlerDone done);
  // Call after its consumer stopped and before the producer flushes (ServiceContext::OnStop):
  // queued tries are answered Unavailable (they run again after a restart, from the uncommitted
  // offsets), sends in progress finish, and it waits for every started message's `done`; later
  // messages are answered Unavailable at once. Idempotent; the destructor calls it.
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGE_DELIVERY_H_
