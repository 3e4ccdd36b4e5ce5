#include "services/common/kafka/kafka_producer.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/kafka/kafka_client.h"
#include "services/common/serving/metrics.h"

namespace csec {

using kafka_internal::FromKafkaError;

class KafkaProducer::Impl : public RdKafka::DeliveryReportCb {
 public:
  struct Pending {
    ProduceDone done;
    absl::Time queued;
  };

  explicit Impl(ProducerOptions options) : options_(options) {}

  ~Impl() override {
    if (producer_) {
      if (absl::Status flushed = Flush(options_.flush_timeout); !flushed.ok()) {
        log::Warn("kafka.flush_incomplete", {{"error", flushed.ToString()}});
      }
      // What is left is reported failed to its waiter by the purge.
      producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      producer_->poll(0);
    }
    stopping_ = true;
    if (poller_.joinable()) poller_.join();
  }

  absl::Status Init(const KafkaSettings& settings) {
    ASSIGN_OR_RETURN(
        auto conf,
        kafka_internal::MakeConf(
            settings, {{"enable.idempotence", "true"},
                       {"acks", "all"},
                       // Java's partitioner (murmur2), so KafkaPartitionFor can say where a case lives.
                       {"partitioner", "murmur2_random"},
                       // A message waits this long for others to share its request: the broker's cost
                       // is per request, and on a busy machine it, not the network, sets the pace.
                       {"linger.ms", "5"},
                       {"message.timeout.ms", absl::StrCat(absl::ToInt64Milliseconds(options_.message_timeout))}}));
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

  void ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value, ProduceDone done) {
    auto pending = std::make_unique<Pending>(Pending{.done = std::move(done), .queued = absl::Now()});
    RdKafka::ErrorCode code =
        producer_->produce(std::string(topic), RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                           const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, pending.get());
    if (code == RdKafka::ERR_NO_ERROR) {
      pending.release();  // dr_cb owns it now
      return;
    }
    pending->done(code == RdKafka::ERR__QUEUE_FULL
                      ? absl::UnavailableError(absl::StrCat("produce to ", topic,
                                                            ": the local queue is full (the broker is slow or away)"))
                      : FromKafkaError(code, absl::StrCat("produce to ", topic)));
  }

  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(message.msg_opaque()));
    static Counter& failed =
        Metrics::Get().GetCounter("csec_kafka_produce_failures_total", "Messages the broker did not acknowledge");
    static Histogram& latency = Metrics::Get().GetHistogram(
        "csec_kafka_produce_seconds", "Produced messages: from queued to acknowledged by the broker (acks=all)");
    if (message.err() != RdKafka::ERR_NO_ERROR) failed.Increment();
    if (!pending) return;
    latency.Observe(absl::ToDoubleSeconds(absl::Now() - pending->queued));
    pending->done(FromKafkaError(message.err(), absl::StrCat("produce to ", message.topic_name())));
  }

  absl::Status Flush(absl::Duration timeout) {
    RdKafka::ErrorCode code = producer_->flush(static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    if (code == RdKafka::ERR__TIMED_OUT) {
      return absl::DeadlineExceededError(
          absl::StrCat(producer_->outq_len(), " messages still unacknowledged after ", absl::FormatDuration(timeout)));
    }
    return FromKafkaError(code, "flush");
  }

  absl::Status CheckBrokers(absl::Duration timeout) {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode code =
        producer_->metadata(false, nullptr, &raw, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (code != RdKafka::ERR_NO_ERROR) return FromKafkaError(code, "no Kafka broker answered");
    if (metadata->brokers()->empty()) return absl::UnavailableError("Kafka answered with no brokers");
    return absl::OkStatus();
  }

 private:
  const ProducerOptions options_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaSettings& settings,
                                                                     ProducerOptions options) {
  auto impl = std::make_unique<Impl>(options);
  RETURN_IF_ERROR(impl->Init(settings));
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(impl)));
}

KafkaProducer::KafkaProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaProducer::~KafkaProducer() = default;

absl::Status KafkaProducer::Produce(absl::string_view topic, absl::string_view key, absl::string_view value,
                                    absl::Time deadline) {
  struct Waiter {
    absl::Notification done;
    absl::Status result;
  };
  auto waiter = std::make_shared<Waiter>();  // shared: the answer may come after we gave up
  impl_->ProduceAsync(topic, key, value, [waiter](absl::Status s) {
    waiter->result = std::move(s);
    waiter->done.Notify();
  });
  if (!waiter->done.WaitForNotificationWithDeadline(deadline)) {
    return absl::DeadlineExceededError(
        absl::StrCat("Kafka had not acknowledged the message to ", topic, " by the deadline"));
  }
  return waiter->result;
}

void KafkaProducer::ProduceAsync(absl::string_view topic, absl::string_view key, absl::string_view value,
                                 ProduceDone done) {
  impl_->ProduceAsync(topic, key, value, std::move(done));
}

absl::Status KafkaProducer::Flush(absl::Duration timeout) { return impl_->Flush(timeout); }
absl::Status KafkaProducer::CheckBrokers(absl::Duration timeout) { return impl_->CheckBrokers(timeout); }

}  // namespace csec
