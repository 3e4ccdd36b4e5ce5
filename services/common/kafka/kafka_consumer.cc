#include "services/common/kafka/kafka_consumer.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <map>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "csec/dispatch/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/kafka/consumer_stall.h"
#include "services/common/kafka/kafka_client.h"
#include "services/common/serving/metrics.h"

namespace csec {
namespace {

// Messages taken from librdkafka per loop turn before completions are looked at again.
constexpr int kFetchBatch = 500;
// The longest the loop sleeps in librdkafka with nothing to do: bounds how late a retry starts
// and how stale the lag gauges get.
constexpr absl::Duration kIdlePoll = absl::Milliseconds(100);
constexpr absl::Duration kHousekeepingInterval = absl::Seconds(1);
// How often the watchdog asks the broker where the owned partitions end, and how long one
// answer may take (a broker that does not answer ends the round: the "kafka" check reports it).
constexpr absl::Duration kWatchInterval = absl::Seconds(1);
constexpr absl::Duration kWatchQueryTimeout = absl::Milliseconds(500);

int Millis(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, 1'000'000));
}

std::string Name(const TopicPartitionId& tp) { return absl::StrCat(tp.topic, "/", tp.partition); }

// Where handlers report, possibly after the consumer is gone (a late Redis reply): shared, and
// it stops waking librdkafka once the consumer closes.
class CompletionQueue {
 public:
  struct Item {
    ConsumerBook::Completion completion;
    absl::Time started;
  };

  void Push(Item item) {
    absl::MutexLock lock(&mu_);
    items_.push_back(std::move(item));
    WakeLocked();
  }

  std::deque<Item> TakeAll() {
    absl::MutexLock lock(&mu_);
    return std::exchange(items_, {});
  }

  // Waits until there is something, or `deadline`.
  void Await(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithDeadline(absl::Condition(
                              +[](std::deque<Item>* items) { return !items->empty(); }, &items_),
                          deadline);
  }

  bool empty() {
    absl::MutexLock lock(&mu_);
    return items_.empty();
  }

  // Ends the loop's wait in librdkafka, if the consumer is still open.
  void Wake() {
    absl::MutexLock lock(&mu_);
    WakeLocked();
  }

  void SetWake(rd_kafka_queue_t* queue) {
    absl::MutexLock lock(&mu_);
    wake_ = queue;
  }

 private:
  void WakeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (wake_) rd_kafka_queue_yield(wake_);
  }

  absl::Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  rd_kafka_queue_t* wake_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace

AsyncMessageHandler FinishingInline(MessageHandler handler) {
  return [handler = std::move(handler)](const ConsumedMessage& m, HandlerDone done) { done(handler(m)); };
}

class KafkaConsumer::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(ConsumerOptions options, MessageProducer* dead_letters, AsyncMessageHandler handler)
      : options_(std::move(options)),
        dead_letters_(dead_letters),
        handler_(std::move(handler)),
        book_({.max_in_flight_per_partition = options_.max_in_flight_per_partition,
               .one_at_a_time_per_key = options_.one_at_a_time_per_key,
               .max_buffered_per_partition = options_.max_buffered_per_partition,
               .min_retry_backoff = options_.min_retry_backoff,
               .max_retry_backoff = options_.max_retry_backoff}),
        completions_(std::make_shared<CompletionQueue>()),
        labels_(Labels({{"group", options_.group_id}})),
        consumed_(Metrics::Get().GetCounter("csec_kafka_consumed_total",
                                            "Messages whose handling completed (handled or dead-lettered)", labels_)),
        dead_lettered_(Metrics::Get().GetCounter("csec_kafka_dead_letters_total",
                                                 "Messages sent to the dead-letter topic", labels_)),
        retries_(Metrics::Get().GetCounter("csec_kafka_handler_retries_total",
                                           "Handler failures that will be retried after a back-off", labels_)),
        handler_seconds_(Metrics::Get().GetHistogram("csec_kafka_handler_seconds",
                                                     "Handling time of a message, from start to done", labels_)),
        assigned_gauge_(
            Metrics::Get().GetGauge("csec_kafka_partitions_assigned", "Partitions this member owns", labels_)),
        paused_gauge_(Metrics::Get().GetGauge("csec_kafka_partitions_paused",
                                              "Owned partitions paused (retry back-off or full buffer)", labels_)),
        stalled_gauge_(Metrics::Get().GetGauge(
            "csec_kafka_partitions_stalled",
            "Owned partitions with messages waiting and no progress for the stall bound", labels_)),
        stall_watch_(options_.stall_after) {}

  ~Impl() override { Stop(); }

  absl::Status Init() {
    std::map<std::string, std::string> props = {
        {"group.id", options_.group_id},
        // Offsets are stored by hand once handled, and the stored ones committed every second.
        {"enable.auto.offset.store", "false"},
        {"enable.auto.commit", "true"},
        {"auto.commit.interval.ms", "1000"},
        {"auto.offset.reset", "earliest"},
        {"isolation.level", "read_committed"},
        // The broker answers a fetch once it has this much or waited this long: one answer per
        // batch of events instead of one per event, for a few milliseconds of latency.
        {"fetch.min.bytes", "65536"},
        {"fetch.wait.max.ms", "10"},
        {"session.timeout.ms", absl::StrCat(absl::ToInt64Milliseconds(options_.session_timeout))},
        {"heartbeat.interval.ms",
         absl::StrCat(std::max<int64_t>(100, absl::ToInt64Milliseconds(options_.session_timeout) / 5))},
    };
    if (!options_.instance_id.empty()) props["group.instance.id"] = options_.instance_id;
    ASSIGN_OR_RETURN(auto conf, kafka_internal::MakeConf(options_.kafka, std::move(props)));
    std::string err;
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) != RdKafka::Conf::CONF_OK) {
      return absl::InternalError(err);
    }
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer_) return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));
    wake_queue_ = rd_kafka_queue_get_consumer(consumer_->c_ptr());
    completions_->SetWake(wake_queue_);
    if (auto code = consumer_->subscribe(options_.topics); code != RdKafka::ERR_NO_ERROR) {
      return kafka_internal::FromKafkaError(code, "subscribe");
    }
    thread_ = std::thread([this] { Loop(); });
    watchdog_ = std::thread([this] {
      while (!watch_stop_.WaitForNotificationWithTimeout(kWatchInterval)) WatchOnce();
    });
    return absl::OkStatus();
  }

  void Stop() {
    // The watchdog first: it asks the broker through consumer_, which the loop closes.
    if (!watch_stop_.HasBeenNotified()) watch_stop_.Notify();
    if (watchdog_.joinable()) watchdog_.join();
    stop_requested_ = true;
    completions_->Wake();
    if (thread_.joinable()) thread_.join();
  }

  absl::Status Progress() const {
    absl::MutexLock lock(&watch_mu_);
    return progress_;
  }

  int assigned_partitions() const { return assigned_count_.load(); }
  const std::string& group_id() const { return options_.group_id; }

  // Runs on the loop thread, inside consume() or close().
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    std::vector<TopicPartitionId> ids;
    for (const RdKafka::TopicPartition* p : partitions) ids.push_back({p->topic(), p->partition()});
    // librdkafka keeps a partition paused across unassign and the next assign (librdkafka #1849),
    // while the book starts every assigned partition unpaused: resume what is given back and what
    // is given, so no partition comes back paused with nobody to resume it.
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      book_.Assign(ids);
      if (options_.on_assigned) options_.on_assigned(ids);
      consumer->assign(partitions);
      consumer->resume(partitions);
      PublishStates();
      assigned_count_ = book_.assigned();
      assigned_gauge_.Set(assigned_count_);
      log::Info("kafka.assigned",
                {{"group", options_.group_id}, {"partitions", static_cast<int>(ids.size())}, {"list", Describe(ids)}});
    } else {
      Finish(ids, absl::Now() + options_.drain_timeout);
      book_.Revoke(ids);
      if (options_.on_revoked) options_.on_revoked(ids);
      consumer->resume(partitions);
      consumer->unassign();
      PublishStates();
      assigned_count_ = book_.assigned();
      assigned_gauge_.Set(assigned_count_);
      log::Info("kafka.revoked", {{"group", options_.group_id},
                                  {"partitions", static_cast<int>(ids.size())},
                                  {"error", RdKafka::err2str(err)}});
    }
  }

 private:
  void Loop() {
    absl::Time next_housekeeping = absl::Now();
    while (!stop_requested_) {
      Fetch();
      ApplyCompletions();
      StartReady();
      StoreOffsets();
      ReconcilePauses();
      if (absl::Now() >= next_housekeeping) {
        PublishStates();
        ResumeStalled();
        next_housekeeping = absl::Now() + kHousekeepingInterval;
      }
    }
    Finish(book_.Owned(), absl::Now() + options_.drain_timeout);
    completions_->SetWake(nullptr);
    rd_kafka_queue_destroy(wake_queue_);
    wake_queue_ = nullptr;
    // Leaves the group (a static member only stops heartbeating: its name keeps the partitions
    // for session_timeout, so a restart under the same name takes them straight back).
    consumer_->close();
    assigned_count_ = 0;
    assigned_gauge_.Set(0);
  }

  // Takes what librdkafka has (waiting a little when there is nothing else to do).
  void Fetch() {
    for (int i = 0; i < kFetchBatch && !stop_requested_; ++i) {
      const int timeout = i == 0 ? Millis(IdleWait()) : 0;
      std::unique_ptr<RdKafka::Message> msg(consumer_->consume(timeout));
      switch (msg->err()) {
        case RdKafka::ERR_NO_ERROR:
          Accept(*msg);
          continue;
        case RdKafka::ERR__TIMED_OUT:
        case RdKafka::ERR__PARTITION_EOF:
          return;
        case RdKafka::ERR__FATAL: {
          // E.g. a static member fenced after a broker restart (librdkafka 2.0): this client can
          // never consume again. Exit like a crash: the supervisor restarts the process under the
          // same instance id, and offsets stored only after handling lose and double nothing.
          std::string reason;
          consumer_->fatal_error(reason);
          log::Error("kafka.consumer_fatal", {{"group", options_.group_id}, {"error", reason}});
          std::_Exit(4);
        }
        default:
          log::Warn("kafka.consume_error", {{"group", options_.group_id}, {"error", msg->errstr()}});
          return;
      }
    }
  }

  absl::Duration IdleWait() {
    if (!completions_->empty()) return absl::ZeroDuration();
    return book_.IdleWait(absl::Now(), kIdlePoll);
  }

  void Accept(const RdKafka::Message& msg) {
    book_.Accept({.topic = msg.topic_name(),
                  .partition = msg.partition(),
                  .offset = msg.offset(),
                  .key = msg.key() ? *msg.key() : std::string(),
                  .payload = std::string(static_cast<const char*>(msg.payload()), msg.len()),
                  .timestamp_ms = msg.timestamp().timestamp});
  }

  void StartReady() {
    const absl::Time now = absl::Now();
    for (const ConsumerBook::Start& start : book_.TakeReady(now)) {
      handler_(*start.message, Answer(start.partition, start.message->offset, start.generation,
                                      /*dead_letter=*/false, now));
    }
  }

  // Where the answer for one message goes: the completion queue, whatever thread answers.
  HandlerDone Answer(const TopicPartitionId& partition, int64_t offset, uint64_t generation, bool dead_letter,
                     absl::Time started) {
    return [sink = completions_, partition, offset, generation, dead_letter, started](absl::Status s) {
      sink->Push({.completion = {.partition = partition,
                                 .offset = offset,
                                 .generation = generation,
                                 .dead_letter = dead_letter,
                                 .status = std::move(s)},
                  .started = started});
    };
  }

  // Applies handlers' answers: done, dead-letter it, or retry it after a back-off.
  void ApplyCompletions() {
    const absl::Time now = absl::Now();
    for (CompletionQueue::Item& item : completions_->TakeAll()) {
      const ConsumerBook::Completion& c = item.completion;
      if (!c.dead_letter) handler_seconds_.Observe(absl::ToDoubleSeconds(now - item.started));
      // Looked up before Apply: a completed message leaves the book.
      const ConsumedMessage* message = book_.Find(c.partition, c.offset);
      const ConsumerBook::Outcome outcome = book_.Apply(c, now);
      switch (outcome.verdict) {
        case ConsumerBook::Verdict::kIgnored:
          break;
        case ConsumerBook::Verdict::kDone:
          consumed_.Increment();
          if (c.dead_letter) dead_lettered_.Increment();
          break;
        case ConsumerBook::Verdict::kDeadLetter:
          if (message != nullptr) SendToDeadLetters(c, *message);
          break;
        case ConsumerBook::Verdict::kRetry:
          retries_.Increment();
          log::Warn("kafka.handler_retry",
                    {{"group", options_.group_id},
                     {"partition", Name(c.partition)},
                     {"offset", static_cast<long long>(c.offset)},
                     {"retry_in_ms", static_cast<long long>(absl::ToInt64Milliseconds(outcome.retry_in))},
                     {"error", c.status.ToString()}});
          break;
      }
    }
  }

  void SendToDeadLetters(const ConsumerBook::Completion& c, const ConsumedMessage& m) {
    csec::dispatch::v1::DeadLetter letter;
    letter.set_source_topic(m.topic);
    letter.set_source_partition(m.partition);
    letter.set_source_offset(m.offset);
    letter.set_key(m.key);
    letter.set_payload(m.payload);
    letter.set_consumer(options_.group_id);
    letter.set_reason(absl::StrCat("consumer group ", options_.group_id, " refused it: ", c.status.message()));
    *letter.mutable_dead_lettered_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    log::Warn("kafka.dead_letter", {{"group", options_.group_id},
                                    {"partition", Name(c.partition)},
                                    {"offset", static_cast<long long>(c.offset)},
                                    {"reason", std::string(c.status.message())}});
    dead_letters_->ProduceAsync(options_.dead_letter_topic, m.key, letter.SerializeAsString(),
                                Answer(c.partition, c.offset, c.generation, /*dead_letter=*/true, absl::Now()));
  }

  void StoreOffsets() { Store(book_.TakeStores(), /*commit=*/false); }

  void Store(const std::vector<PartitionOffset>& stores, bool commit) {
    if (stores.empty()) return;
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [id, offset] : stores)
      offsets.push_back(RdKafka::TopicPartition::create(id.topic, id.partition, offset));
    if (auto code = consumer_->offsets_store(offsets); code != RdKafka::ERR_NO_ERROR) {
      log::Warn("kafka.offsets_store_failed", {{"group", options_.group_id}, {"error", RdKafka::err2str(code)}});
    }
    if (commit) {
      if (auto code = consumer_->commitSync(offsets);
          code != RdKafka::ERR_NO_ERROR && code != RdKafka::ERR__NO_OFFSET) {
        log::Warn("kafka.commit_failed", {{"group", options_.group_id}, {"error", RdKafka::err2str(code)}});
      }
    }
    RdKafka::TopicPartition::destroy(offsets);
  }

  // Pause a partition that waits to retry or whose buffer is full; resume it otherwise.
  void ReconcilePauses() {
    ConsumerBook::PauseChanges changes = book_.TakePauseChanges();
    auto to_kafka = [](const std::vector<TopicPartitionId>& ids) {
      std::vector<RdKafka::TopicPartition*> out;
      for (const TopicPartitionId& id : ids) out.push_back(RdKafka::TopicPartition::create(id.topic, id.partition));
      return out;
    };
    // Pausing drops what librdkafka fetched ahead for the partition; resuming fetches again from
    // after the last message we took, so nothing is skipped or doubled.
    if (!changes.pause.empty()) {
      std::vector<RdKafka::TopicPartition*> p = to_kafka(changes.pause);
      consumer_->pause(p);
      RdKafka::TopicPartition::destroy(p);
    }
    if (!changes.resume.empty()) {
      std::vector<RdKafka::TopicPartition*> r = to_kafka(changes.resume);
      consumer_->resume(r);
      RdKafka::TopicPartition::destroy(r);
    }
    paused_gauge_.Set(book_.paused());
  }

  // Loop thread: what the watchdog looks at.
  void PublishStates() {
    std::vector<ConsumerBook::PartitionState> states = book_.States();
    absl::MutexLock lock(&watch_mu_);
    states_ = std::move(states);
  }

  // Loop thread: resumes, once more, partitions the watchdog found stalled with nothing taken
  // although the book has them running (librdkafka stopped fetching them for a reason of its own).
  void ResumeStalled() {
    std::vector<TopicPartitionId> ids;
    {
      absl::MutexLock lock(&watch_mu_);
      ids = std::exchange(resume_requests_, {});
    }
    if (ids.empty()) return;
    std::vector<RdKafka::TopicPartition*> resume;
    for (const ConsumerBook::PartitionState& s : book_.States()) {
      if (!s.paused && std::find(ids.begin(), ids.end(), s.partition) != ids.end()) {
        resume.push_back(RdKafka::TopicPartition::create(s.partition.topic, s.partition.partition));
        log::Warn("kafka.partition_resumed", {{"group", options_.group_id}, {"partition", Name(s.partition)}});
      }
    }
    if (resume.empty()) return;
    consumer_->resume(resume);
    RdKafka::TopicPartition::destroy(resume);
  }

  // Watchdog thread: asks the broker where each owned partition ends (and, before anything was
  // taken from it, where the group committed), then judges progress and updates the lag gauges,
  // Progress() and the logs.
  void WatchOnce() {
    std::vector<ConsumerBook::PartitionState> states;
    {
      absl::MutexLock lock(&watch_mu_);
      states = states_;
    }
    const int timeout_ms = Millis(kWatchQueryTimeout);
    std::vector<PartitionLook> looks;
    bool broker_answers = true;
    std::vector<RdKafka::TopicPartition*> ask_committed;
    for (const ConsumerBook::PartitionState& s : states) {
      PartitionLook look{.state = s};
      int64_t low = 0, high = 0;
      if (broker_answers) {
        broker_answers = consumer_->query_watermark_offsets(s.partition.topic, s.partition.partition, &low, &high,
                                                            timeout_ms) == RdKafka::ERR_NO_ERROR;
        if (broker_answers) {
          look.low_watermark = low;
          look.high_watermark = high;
        }
      }
      if (!s.fetched_next)
        ask_committed.push_back(RdKafka::TopicPartition::create(s.partition.topic, s.partition.partition));
      looks.push_back(std::move(look));
    }
    if (broker_answers && !ask_committed.empty() &&
        consumer_->committed(ask_committed, timeout_ms) == RdKafka::ERR_NO_ERROR) {
      for (const RdKafka::TopicPartition* c : ask_committed) {
        if (c->err() != RdKafka::ERR_NO_ERROR || c->offset() < 0) continue;
        for (PartitionLook& look : looks) {
          if (look.state.partition == TopicPartitionId{c->topic(), c->partition()}) look.committed = c->offset();
        }
      }
    }
    RdKafka::TopicPartition::destroy(ask_committed);

    std::vector<std::string> stalled;
    std::vector<TopicPartitionId> resume;
    std::map<TopicPartitionId, std::string> now_stalled;
    for (const PartitionVerdict& v : stall_watch_.Look(looks, absl::Now())) {
      if (v.lag) LagGauge(v.partition).Set(static_cast<double>(*v.lag));
      if (!v.stalled) continue;
      stalled.push_back(absl::StrCat(Name(v.partition), ": ", v.reason));
      now_stalled.emplace(v.partition, v.reason);
      if (v.fetch_stopped_unpaused) resume.push_back(v.partition);
    }
    // A partition no longer owned has no lag here; its new owner reports it.
    for (auto& [id, gauge] : lag_) {
      if (std::none_of(states.begin(), states.end(), [&](const auto& s) { return s.partition == id; })) gauge->Set(0);
    }
    for (const auto& [id, reason] : now_stalled) {
      if (!stalled_.contains(id)) {
        log::Error("kafka.partition_stalled",
                   {{"group", options_.group_id}, {"partition", Name(id)}, {"reason", reason}});
      }
    }
    for (const auto& [id, reason] : stalled_) {
      if (!now_stalled.contains(id)) {
        log::Info("kafka.partition_progressing", {{"group", options_.group_id}, {"partition", Name(id)}});
      }
    }
    stalled_ = std::move(now_stalled);
    stalled_gauge_.Set(static_cast<double>(stalled_.size()));
    absl::MutexLock lock(&watch_mu_);
    progress_ = stalled.empty() ? absl::OkStatus()
                                : absl::UnavailableError(absl::StrCat("consumer group ", options_.group_id,
                                                                      " is stalled on ", absl::StrJoin(stalled, "; ")));
    resume_requests_.insert(resume_requests_.end(), resume.begin(), resume.end());
  }

  Gauge& LagGauge(const TopicPartitionId& id) {
    Gauge*& gauge = lag_[id];
    if (gauge == nullptr) {
      gauge = &Metrics::Get().GetGauge(
          "csec_kafka_consumer_lag", "Messages on the partition not yet handled (broker end - handled)",
          Labels({{"group", options_.group_id}, {"topic", id.topic}, {"partition", absl::StrCat(id.partition)}}));
    }
    return *gauge;
  }

  // Waits (until `deadline`) for the messages in hand on `ids` to complete, starting nothing new,
  // then stores and commits their offsets. What did not complete is not committed: the next
  // owner handles it again, and handlers are idempotent.
  void Finish(const std::vector<TopicPartitionId>& ids, absl::Time deadline) {
    while (book_.InFlight(ids) > 0 && absl::Now() < deadline) {
      completions_->Await(deadline);
      ApplyCompletions();
    }
    if (book_.InFlight(ids) > 0) {
      log::Warn("kafka.drain_incomplete",
                {{"group", options_.group_id}, {"in_flight", static_cast<long long>(book_.InFlight(ids))}});
    }
    Store(book_.Committable(ids), /*commit=*/true);
  }

  static std::string Describe(const std::vector<TopicPartitionId>& ids) {
    return absl::StrJoin(ids, ",", [](std::string* out, const TopicPartitionId& id) { out->append(Name(id)); });
  }

  const ConsumerOptions options_;
  MessageProducer* dead_letters_;
  AsyncMessageHandler handler_;
  ConsumerBook book_;
  std::shared_ptr<CompletionQueue> completions_;
  const MetricLabels labels_;
  Counter& consumed_;
  Counter& dead_lettered_;
  Counter& retries_;
  Histogram& handler_seconds_;
  Gauge& assigned_gauge_;
  Gauge& paused_gauge_;
  Gauge& stalled_gauge_;

  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  rd_kafka_queue_t* wake_queue_ = nullptr;

  // Between the loop and the watchdog.
  mutable absl::Mutex watch_mu_;
  std::vector<ConsumerBook::PartitionState> states_ ABSL_GUARDED_BY(watch_mu_);
  absl::Status progress_ ABSL_GUARDED_BY(watch_mu_);
  std::vector<TopicPartitionId> resume_requests_ ABSL_GUARDED_BY(watch_mu_);
  // Watchdog thread only.
  ConsumerStallWatch stall_watch_;
  std::map<TopicPartitionId, Gauge*> lag_;
  std::map<TopicPartitionId, std::string> stalled_;
  absl::Notification watch_stop_;
  std::thread watchdog_;

  std::atomic<bool> stop_requested_{false};
  std::atomic<int> assigned_count_{0};
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Start(const ConsumerOptions& options,
                                                                    MessageProducer* dead_letters,
                                                                    AsyncMessageHandler handler) {
  auto impl = std::make_unique<Impl>(options, dead_letters, std::move(handler));
  RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaConsumer::~KafkaConsumer() = default;
void KafkaConsumer::Stop() { impl_->Stop(); }
int KafkaConsumer::assigned_partitions() const { return impl_->assigned_partitions(); }
absl::Status KafkaConsumer::Progress() const { return impl_->Progress(); }
const std::string& KafkaConsumer::group_id() const { return impl_->group_id(); }

}  // namespace csec
