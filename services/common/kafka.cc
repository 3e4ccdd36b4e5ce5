#include "services/common/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <set>
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "csec/dispatch/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/log.h"
#include "services/common/metrics.h"

namespace csec {
namespace {

absl::Status SetEventLogger(RdKafka::Conf& conf);

absl::Status SetAll(RdKafka::Conf& conf, const std::map<std::string, std::string>& props) {
  if (absl::Status s = SetEventLogger(conf); !s.ok()) return s;
  std::string err;
  for (const auto& [name, value] : props) {
    if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", name, "=", value, ": ", err));
    }
  }
  return absl::OkStatus();
}

// librdkafka's own log lines and client errors, as JSON lines like every other log.
class KafkaClientLogger final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
          log::Warn("kafka.client_log", {{"facility", event.fac()}, {"message", event.str()}});
        } else {
          log::Info("kafka.client_log", {{"facility", event.fac()}, {"message", event.str()}});
        }
        break;
      case RdKafka::Event::EVENT_ERROR:
        log::Warn("kafka.client_error", {{"error", RdKafka::err2str(event.err())}, {"message", event.str()}});
        break;
      default:
        break;
    }
  }
};

absl::Status SetEventLogger(RdKafka::Conf& conf) {
  static KafkaClientLogger* logger = new KafkaClientLogger();
  std::string err;
  if (conf.set("event_cb", static_cast<RdKafka::EventCb*>(logger), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(err);
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> BaseProperties(const KafkaSettings& settings) {
  return {{"bootstrap.servers", settings.brokers}, {"client.id", settings.client_id}};
}

absl::Status FromKafkaError(RdKafka::ErrorCode code, absl::string_view what) {
  if (code == RdKafka::ERR_NO_ERROR) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(what, ": ", RdKafka::err2str(code)));
}

}  // namespace

// ---------------------------------------------------------------------------------- producer

class KafkaProducer::Impl : public RdKafka::DeliveryReportCb {
 public:
  using Done = std::function<void(absl::Status)>;

  ~Impl() override {
    if (producer_) {
      // Let in-flight messages land before the poll thread goes; what is left is reported
      // as failed to its waiter by the purge.
      producer_->flush(10'000);
      producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      producer_->poll(0);
    }
    stopping_ = true;
    if (poller_.joinable()) poller_.join();
  }

  absl::Status Init(const KafkaSettings& settings) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    auto props = BaseProperties(settings);
    props["enable.idempotence"] = "true";
    props["acks"] = "all";
    // A synchronous Produce should not wait for a batch to fill.
    props["linger.ms"] = "1";
    // A broker that stays away longer than this fails the call, so the caller can say so.
    props["message.timeout.ms"] = "30000";
    for (const auto& [k, v] : settings.extra) props[k] = v;
    if (absl::Status s = SetAll(*conf, props); !s.ok()) return s;
    std::string err;
    if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), err) != RdKafka::Conf::CONF_OK) {
      return absl::InternalError(err);
    }
    producer_.reset(RdKafka::Producer::create(conf.get(), err));
    if (!producer_) return absl::InvalidArgumentError(absl::StrCat("kafka producer: ", err));
    poller_ = std::thread([this] {
      while (!stopping_) producer_->poll(100);
    });
    return absl::OkStatus();
  }

  void ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value, Done done) {
    auto* opaque = new Done(std::move(done));
    while (true) {
      RdKafka::ErrorCode code = producer_->produce(
          std::string(topic), RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
          const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, opaque);
      if (code == RdKafka::ERR_NO_ERROR) return;
      if (code == RdKafka::ERR__QUEUE_FULL) {
        // The local queue drains as the poll thread serves delivery reports.
        absl::SleepFor(absl::Milliseconds(10));
        continue;
      }
      (*opaque)(FromKafkaError(code, absl::StrCat("produce to ", topic)));
      delete opaque;
      return;
    }
  }

  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<Done> done(static_cast<Done*>(message.msg_opaque()));
    static Counter& failed = Metrics::Get().GetCounter("csec_kafka_produce_failures_total",
                                                       "Messages the broker did not acknowledge");
    if (message.err() != RdKafka::ERR_NO_ERROR) failed.Increment();
    if (done) (*done)(FromKafkaError(message.err(), absl::StrCat("produce to ", message.topic_name())));
  }

 private:
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaSettings& settings) {
  auto impl = std::make_unique<Impl>();
  if (absl::Status s = impl->Init(settings); !s.ok()) return s;
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(impl)));
}

KafkaProducer::KafkaProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaProducer::~KafkaProducer() = default;

absl::Status KafkaProducer::Produce(absl::string_view topic, absl::string_view key, absl::string_view value) {
  // The delivery report always comes (message.timeout.ms bounds it), so this wait ends.
  auto done = std::make_shared<absl::Notification>();
  auto result = std::make_shared<absl::Status>();
  impl_->ProduceAsync(topic, key, value, [done, result](absl::Status s) {
    *result = std::move(s);
    done->Notify();
  });
  done->WaitForNotification();
  return *result;
}

void KafkaProducer::ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value,
                                 std::function<void(absl::Status)> done) {
  impl_->ProduceAsync(topic, key, value, std::move(done));
}

// ---------------------------------------------------------------------------------- consumer

bool IsPermanentFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

class KafkaConsumer::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(ConsumerOptions options, EventProducer* dead_letters, MessageHandler handler)
      : options_(std::move(options)), dead_letters_(dead_letters), handler_(std::move(handler)) {}

  ~Impl() override { Stop(); }

  absl::Status Init() {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    auto props = BaseProperties(options_.kafka);
    props["group.id"] = options_.group_id;
    // Offsets are stored by hand, only after the handler succeeded; the stored ones are
    // committed in the background and on close.
    props["enable.auto.offset.store"] = "false";
    props["enable.auto.commit"] = "true";
    props["auto.commit.interval.ms"] = "1000";
    props["auto.offset.reset"] = "earliest";
    props["isolation.level"] = "read_committed";
    // A crashed member's partitions wait this long before another member takes them over:
    // librdkafka's 45 s default would stall a case's routing that long after a crash.
    props["session.timeout.ms"] = "10000";
    props["heartbeat.interval.ms"] = "2000";
    for (const auto& [k, v] : options_.kafka.extra) props[k] = v;
    if (absl::Status s = SetAll(*conf, props); !s.ok()) return s;
    std::string err;
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) != RdKafka::Conf::CONF_OK) {
      return absl::InternalError(err);
    }
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer_) return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));
    if (auto code = consumer_->subscribe(options_.topics); code != RdKafka::ERR_NO_ERROR) {
      return FromKafkaError(code, "subscribe");
    }
    thread_ = std::thread([this] { Loop(); });
    return absl::OkStatus();
  }

  void Stop() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    if (thread_.joinable()) thread_.join();
    if (consumer_) {
      consumer_->close();  // commits the stored offsets, leaves the group
      consumer_.reset();
    }
  }

  bool HasAssignment() const { return assigned_.load(); }

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      consumer->assign(partitions);
      assigned_ = true;
      log::Info("kafka.assigned", {{"group", options_.group_id}, {"partitions", static_cast<int>(partitions.size())}});
    } else {
      consumer->unassign();
      assigned_ = false;
    }
  }

 private:
  void Loop() {
    while (!stop_.HasBeenNotified()) {
      std::unique_ptr<RdKafka::Message> msg(consumer_->consume(200));
      switch (msg->err()) {
        case RdKafka::ERR_NO_ERROR:
          HandleUntilDone(*msg);
          break;
        case RdKafka::ERR__TIMED_OUT:
        case RdKafka::ERR__PARTITION_EOF:
          break;
        default:
          log::Warn("kafka.consume_error", {{"group", options_.group_id}, {"error", msg->errstr()}});
      }
    }
  }

  // Runs the handler until the message is handled or dead-lettered; then stores its offset.
  void HandleUntilDone(const RdKafka::Message& msg) {
    ConsumedMessage m;
    m.topic = msg.topic_name();
    m.partition = msg.partition();
    m.offset = msg.offset();
    if (msg.key()) m.key = *msg.key();
    m.payload.assign(static_cast<const char*>(msg.payload()), msg.len());

    absl::Duration backoff = absl::Milliseconds(100);
    while (!stop_.HasBeenNotified()) {
      absl::Status status = handler_(m);
      if (status.ok() || (IsPermanentFailure(status) && DeadLetter(m, status))) {
        std::unique_ptr<RdKafka::TopicPartition> position(
            RdKafka::TopicPartition::create(m.topic, m.partition, m.offset + 1));
        std::vector<RdKafka::TopicPartition*> offsets = {position.get()};
        consumer_->offsets_store(offsets);
        return;
      }
      Retries().Increment();
      log::Warn("kafka.handler_retry", {{"group", options_.group_id}, {"topic", m.topic},
                                        {"partition", m.partition}, {"offset", static_cast<long long>(m.offset)},
                                        {"error", status.ToString()}});
      // Waits on the stop signal, so shutdown does not wait out the back-off.
      stop_.WaitForNotificationWithTimeout(backoff);
      backoff = std::min(backoff * 2, options_.max_retry_backoff);
    }
    // Stopped before the message was handled: its offset is not stored, so it comes again.
  }

  bool DeadLetter(const ConsumedMessage& m, const absl::Status& reason) {
    csec::dispatch::v1::DeadLetter letter;
    letter.set_source_topic(m.topic);
    letter.set_source_partition(m.partition);
    letter.set_source_offset(m.offset);
    letter.set_key(m.key);
    letter.set_payload(m.payload);
    letter.set_consumer(options_.group_id);
    letter.set_reason(std::string(reason.message()));
    *letter.mutable_dead_lettered_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    absl::Status sent = dead_letters_->Produce(options_.dead_letter_topic, m.key, letter.SerializeAsString());
    if (!sent.ok()) {
      log::Error("kafka.dead_letter_failed", {{"group", options_.group_id}, {"error", sent.ToString()}});
      return false;
    }
    static Counter& dead = Metrics::Get().GetCounter("csec_kafka_dead_letters_total",
                                                     "Messages sent to the dead-letter topic");
    dead.Increment();
    log::Warn("kafka.dead_lettered", {{"group", options_.group_id}, {"topic", m.topic}, {"partition", m.partition},
                                      {"offset", static_cast<long long>(m.offset)},
                                      {"reason", std::string(reason.message())}});
    return true;
  }

  static Counter& Retries() {
    static Counter& c = Metrics::Get().GetCounter("csec_kafka_handler_retries_total",
                                                  "Handler failures that will be retried");
    return c;
  }

  ConsumerOptions options_;
  EventProducer* dead_letters_;
  MessageHandler handler_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<bool> assigned_{false};
  absl::Notification stop_;
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Start(const ConsumerOptions& options,
                                                                    EventProducer* dead_letters,
                                                                    MessageHandler handler) {
  auto impl = std::make_unique<Impl>(options, dead_letters, std::move(handler));
  if (absl::Status s = impl->Init(); !s.ok()) return s;
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaConsumer::~KafkaConsumer() = default;
void KafkaConsumer::Stop() { impl_->Stop(); }
bool KafkaConsumer::HasAssignment() const { return impl_->HasAssignment(); }

// ------------------------------------------------------------------------------------ admin

absl::Status EnsureTopics(const KafkaSettings& settings, const std::vector<std::string>& topics,
                          int partitions, int replication_factor, absl::Duration timeout) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : BaseProperties(settings)) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(errstr);
    }
  }
  for (const auto& [k, v] : settings.extra) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", k, ": ", errstr));
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) return absl::InvalidArgumentError(errstr);

  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const std::string& t : topics) {
    new_topics.push_back(rd_kafka_NewTopic_new(t.c_str(), partitions, replication_factor, errstr, sizeof errstr));
  }
  rd_kafka_AdminOptions_t* admin_options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(admin_options, static_cast<int>(absl::ToInt64Milliseconds(timeout)),
                                              errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), admin_options, queue);

  absl::Status result = absl::OkStatus();
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(absl::ToInt64Milliseconds(timeout)) + 1000);
  if (!event) {
    result = absl::DeadlineExceededError("create topics: no answer from the broker");
  } else if (rd_kafka_event_error(event)) {
    result = absl::UnavailableError(absl::StrCat("create topics: ", rd_kafka_event_error_string(event)));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        result = absl::UnavailableError(absl::StrCat("create topic ", rd_kafka_topic_result_name(results[i]), ": ",
                                                     rd_kafka_err2str(err)));
        break;
      }
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(admin_options);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  rd_kafka_destroy(rk);
  return result;
}

std::string KafkaClientVersion() { return RdKafka::version_str(); }

absl::Status ScanTopic(const KafkaSettings& settings, const std::string& topic, absl::Duration timeout,
                       bool stop_at_end, const std::function<bool(const ConsumedMessage&)>& visit) {
  const absl::Time deadline = absl::Now() + timeout;
  auto remaining_ms = [&] { return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()))); };
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  auto props = BaseProperties(settings);
  // librdkafka wants a group id even for manual assignment; nothing is committed to it.
  props["group.id"] = absl::StrCat("csec-scan-", absl::ToUnixNanos(absl::Now()));
  props["enable.auto.commit"] = "false";
  props["enable.partition.eof"] = "true";
  for (const auto& [k, v] : settings.extra) props[k] = v;
  if (absl::Status s = SetAll(*conf, props); !s.ok()) return s;
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));

  std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
  RdKafka::Metadata* raw_metadata = nullptr;
  if (auto code = consumer->metadata(false, handle.get(), &raw_metadata, remaining_ms()); code != RdKafka::ERR_NO_ERROR) {
    return FromKafkaError(code, absl::StrCat("metadata for ", topic));
  }
  std::unique_ptr<RdKafka::Metadata> metadata(raw_metadata);
  if (metadata->topics()->empty() || metadata->topics()->at(0)->err() != RdKafka::ERR_NO_ERROR) {
    return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
  }
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto* p : *metadata->topics()->at(0)->partitions()) {
    partitions.push_back(RdKafka::TopicPartition::create(topic, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
  }
  // Partitions already read to their end (for stop_at_end): empty ones count as done at once.
  std::set<int32_t> open_partitions;
  for (auto* tp : partitions) {
    int64_t low = 0, high = 0;
    consumer->query_watermark_offsets(topic, tp->partition(), &low, &high, remaining_ms());
    if (high > low) open_partitions.insert(tp->partition());
  }
  consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);

  while (absl::Now() < deadline) {
    if (stop_at_end && open_partitions.empty()) return absl::OkStatus();
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(std::min(200, std::max(1, remaining_ms()))));
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) {
      open_partitions.erase(msg->partition());
      continue;
    }
    if (msg->err() != RdKafka::ERR_NO_ERROR) continue;
    ConsumedMessage m;
    m.topic = msg->topic_name();
    m.partition = msg->partition();
    m.offset = msg->offset();
    if (msg->key()) m.key = *msg->key();
    m.payload.assign(static_cast<const char*>(msg->payload()), msg->len());
    if (!visit(m)) return absl::OkStatus();
  }
  return absl::DeadlineExceededError(absl::StrCat("scanning ", topic, ": nothing matched within ", absl::FormatDuration(timeout)));
}

}  // namespace csec
