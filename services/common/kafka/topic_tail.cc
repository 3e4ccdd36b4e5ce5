#include "services/common/kafka/topic_tail.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/kafka/kafka_client.h"

namespace csec {
namespace {

// How often a tail asks whether the topic still exists and whether it gained partitions.
constexpr absl::Duration kMetadataRefresh = absl::Seconds(30);
// At most one warning per kind of trouble this often, so a broker away for an hour is a few
// lines per stream, not thousands.
constexpr absl::Duration kWarnEvery = absl::Seconds(30);
// Open asks again this often while the cluster answers with a passing error.
constexpr int kRetryMs = 100;

int Millis(absl::Duration d) { return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, 1 << 30)); }

}  // namespace

class TopicTail::Impl {
 public:
  explicit Impl(std::string topic) : topic_(std::move(topic)) {}

  ~Impl() {
    for (int32_t partition : started_) consumer_->stop(handle_.get(), partition);
    // librdkafka wants its queues and topics gone before the client.
    queue_.reset();
    handle_.reset();
    consumer_.reset();
  }

  absl::Status Open(const KafkaSettings& settings, std::optional<std::map<int32_t, int64_t>> from,
                    absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    auto remaining_ms = [&] { return Millis(deadline - absl::Now()); };
    if (from) {
      for (const auto& [partition, offset] : *from) {
        if (partition < 0 || offset < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("position ", partition, ":", offset, " of ", topic_, " is negative"));
        }
      }
    }
    // librdkafka's simple (legacy) consumer: partitions started by hand, no consumer group at
    // all (no group id, no coordinator, nothing committed). Its group consumer with a manual
    // assignment would do too, but librdkafka 2.0.x leaks a partition reference when it drops a
    // partition whose topic was deleted, and destroying the client then hangs for ever.
    ASSIGN_OR_RETURN(
        auto conf,
        kafka_internal::MakeConf(settings, {{"enable.auto.offset.store", "false"},
                                            {"enable.partition.eof", "false"},
                                            // A position the topic no longer retains: the oldest message still there.
                                            {"auto.offset.reset", "earliest"},
                                            {"isolation.level", "read_committed"},
                                            {"allow.auto.create.topics", "false"},
                                            // A live stream: the broker answers a fetch as soon as it has one message.
                                            {"fetch.wait.max.ms", "10"},
                                            {"fetch.min.bytes", "1"},
                                            // Many tails may run in one process: keep each one's read-ahead small.
                                            {"queued.max.messages.kbytes", "4096"},
                                            {"queued.min.messages", "1000"}}));
    std::string err;
    consumer_.reset(RdKafka::Consumer::create(conf.get(), err));
    if (!consumer_) return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));
    queue_.reset(RdKafka::Queue::create(consumer_.get()));
    handle_.reset(RdKafka::Topic::create(consumer_.get(), topic_, nullptr, err));
    if (!handle_) return absl::InvalidArgumentError(absl::StrCat("kafka topic ", topic_, ": ", err));

    // Leadership moving (a broker restarting, a topic just created) answers with errors for a
    // moment: asked again until the deadline, only the last answer counts.
    absl::StatusOr<std::set<int32_t>> partitions = FetchPartitions(remaining_ms());
    while (!partitions.ok() && absl::IsUnavailable(partitions.status()) && remaining_ms() > kRetryMs) {
      absl::SleepFor(absl::Milliseconds(kRetryMs));
      partitions = FetchPartitions(remaining_ms());
    }
    if (!partitions.ok()) return partitions.status();

    if (from) {
      for (const auto& [partition, offset] : *from) {
        if (!partitions->count(partition)) {
          return absl::OutOfRangeError(absl::StrCat("position for partition ", partition, " of ", topic_,
                                                    ", which has ", partitions->size(),
                                                    " partitions: the positions are from another topic or cluster"));
        }
      }
    }
    for (int32_t partition : *partitions) {
      int64_t low = 0, high = 0;
      RdKafka::ErrorCode code = consumer_->query_watermark_offsets(topic_, partition, &low, &high, remaining_ms());
      while (code != RdKafka::ERR_NO_ERROR && remaining_ms() > kRetryMs) {
        absl::SleepFor(absl::Milliseconds(kRetryMs));
        code = consumer_->query_watermark_offsets(topic_, partition, &low, &high, remaining_ms());
      }
      if (code != RdKafka::ERR_NO_ERROR) {
        return kafka_internal::FromKafkaError(code, absl::StrCat("offsets of ", topic_, " partition ", partition));
      }
      if (!from) {
        positions_[partition] = high;
        continue;
      }
      auto it = from->find(partition);
      const int64_t wanted = it == from->end() ? low : it->second;
      if (wanted > high) {
        return absl::OutOfRangeError(
            absl::StrCat("position ", partition, ":", wanted, " is past the end of ", topic_, " partition ", partition,
                         " (", high, "): the topic was recreated, or the positions are from another cluster"));
      }
      // Older than what is retained: the oldest message still there (what was deleted is gone).
      positions_[partition] = std::max(wanted, low);
    }
    for (const auto& [partition, offset] : positions_) {
      RETURN_IF_ERROR(StartPartition(partition, offset));
    }
    next_refresh_ = absl::Now() + kMetadataRefresh;
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ConsumedMessage>> Next(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    do {
      if (absl::Now() >= next_refresh_) {
        RETURN_IF_ERROR(RefreshPartitions(Millis(deadline - absl::Now())));
      }
      consumer_->poll(0);  // the client's own events (errors, logs), not its messages
      std::unique_ptr<RdKafka::Message> msg(consumer_->consume(queue_.get(), Millis(deadline - absl::Now())));
      switch (msg->err()) {
        case RdKafka::ERR_NO_ERROR: {
          ConsumedMessage m;
          m.topic = topic_;
          m.partition = msg->partition();
          m.offset = msg->offset();
          if (msg->key()) m.key = *msg->key();
          if (msg->payload()) m.payload.assign(static_cast<const char*>(msg->payload()), msg->len());
          m.timestamp_ms = msg->timestamp().timestamp;
          positions_[m.partition] = m.offset + 1;
          return std::optional<ConsumedMessage>(std::move(m));
        }
        case RdKafka::ERR__TIMED_OUT:
        case RdKafka::ERR__PARTITION_EOF:
          break;
        case RdKafka::ERR__FATAL:
          return absl::InternalError(absl::StrCat("reading ", topic_, ": the kafka client failed: ", msg->errstr()));
        case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
          return absl::PermissionDeniedError(absl::StrCat("reading ", topic_, ": ", msg->errstr()));
        case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
        case RdKafka::ERR__UNKNOWN_TOPIC:
        case RdKafka::ERR__UNKNOWN_PARTITION:
          // Also seen for a moment while leadership moves: only the cluster's metadata says the
          // topic is gone, so ask it now (within this call's time, else at the next call's start).
          next_refresh_ = absl::Now();
          Warn("kafka.tail_partition_unknown", msg.get());
          break;
        case RdKafka::ERR__AUTO_OFFSET_RESET:
          // A position the topic no longer retains: reading goes on from the oldest message left.
          Warn("kafka.tail_offset_reset", msg.get());
          break;
        default:
          // Brokers away, connections reset...: librdkafka reconnects and fetches again by itself.
          Warn("kafka.tail_error", msg.get());
          break;
      }
    } while (absl::Now() < deadline);
    return std::optional<ConsumedMessage>();
  }

  const std::map<int32_t, int64_t>& positions() const { return positions_; }
  const std::string& topic() const { return topic_; }

 private:
  // The topic's partitions per the cluster's metadata: NotFound when the topic does not exist.
  absl::StatusOr<std::set<int32_t>> FetchPartitions(int timeout_ms) {
    RdKafka::Metadata* raw = nullptr;
    if (auto code = consumer_->metadata(false, handle_.get(), &raw, std::max(timeout_ms, 1));
        code != RdKafka::ERR_NO_ERROR) {
      return kafka_internal::FromKafkaError(code, absl::StrCat("metadata for ", topic_));
    }
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (metadata->topics()->empty()) return absl::NotFoundError(absl::StrCat("topic ", topic_, " does not exist"));
    const RdKafka::TopicMetadata* t = metadata->topics()->at(0);
    switch (t->err()) {
      case RdKafka::ERR_NO_ERROR:
        break;
      case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
        return absl::NotFoundError(absl::StrCat("topic ", topic_, " does not exist"));
      case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
        return absl::PermissionDeniedError(absl::StrCat("reading topic ", topic_, " is not authorized"));
      default:
        return kafka_internal::FromKafkaError(t->err(), absl::StrCat("metadata for ", topic_));
    }
    std::set<int32_t> partitions;
    for (const auto* p : *t->partitions()) partitions.insert(p->id());
    if (partitions.empty()) return absl::UnavailableError(absl::StrCat("topic ", topic_, " has no partitions yet"));
    return partitions;
  }

  // Fetches `partition` from `offset` into queue_.
  absl::Status StartPartition(int32_t partition, int64_t offset) {
    if (auto code = consumer_->start(handle_.get(), partition, offset, queue_.get()); code != RdKafka::ERR_NO_ERROR) {
      return kafka_internal::FromKafkaError(code, absl::StrCat("reading ", topic_, " partition ", partition));
    }
    started_.push_back(partition);
    return absl::OkStatus();
  }

  // Fails when the topic is gone; picks up partitions it gained (from their beginning). A
  // cluster that does not answer in time is asked again a second later.
  absl::Status RefreshPartitions(int timeout_ms) {
    if (timeout_ms <= 0) return absl::OkStatus();
    absl::StatusOr<std::set<int32_t>> partitions = FetchPartitions(timeout_ms);
    if (!partitions.ok()) {
      if (absl::IsNotFound(partitions.status()) || absl::IsPermissionDenied(partitions.status())) {
        return partitions.status();
      }
      next_refresh_ = absl::Now() + absl::Seconds(1);
      return absl::OkStatus();
    }
    next_refresh_ = absl::Now() + kMetadataRefresh;
    for (int32_t partition : *partitions) {
      if (!positions_.emplace(partition, 0).second) continue;
      log::Info("kafka.tail_partition_added", {{"topic", topic_}, {"partition", partition}});
      RETURN_IF_ERROR(StartPartition(partition, 0));
    }
    return absl::OkStatus();
  }

  void Warn(absl::string_view event, const RdKafka::Message* msg) {
    const absl::Time now = absl::Now();
    auto& last = last_warned_[std::string(event)];
    if (now - last < kWarnEvery) return;
    last = now;
    log::Warn(event, {{"topic", topic_}, {"partition", msg->partition()}, {"error", RdKafka::err2str(msg->err())}});
  }

  const std::string topic_;
  std::unique_ptr<RdKafka::Consumer> consumer_;
  std::unique_ptr<RdKafka::Queue> queue_;  // every partition's messages, in arrival order
  std::unique_ptr<RdKafka::Topic> handle_;
  std::vector<int32_t> started_;
  std::map<int32_t, int64_t> positions_;
  absl::Time next_refresh_ = absl::InfiniteFuture();
  std::map<std::string, absl::Time> last_warned_;
};

absl::StatusOr<std::unique_ptr<TopicTail>> TopicTail::Open(const KafkaSettings& settings, const std::string& topic,
                                                           std::optional<std::map<int32_t, int64_t>> from,
                                                           absl::Duration timeout) {
  auto impl = std::make_unique<Impl>(topic);
  RETURN_IF_ERROR(impl->Open(settings, std::move(from), timeout));
  return std::unique_ptr<TopicTail>(new TopicTail(std::move(impl)));
}

TopicTail::TopicTail(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TopicTail::~TopicTail() = default;

absl::StatusOr<std::optional<ConsumedMessage>> TopicTail::Next(absl::Duration timeout) { return impl_->Next(timeout); }
const std::map<int32_t, int64_t>& TopicTail::positions() const { return impl_->positions(); }
const std::string& TopicTail::topic() const { return impl_->topic(); }

}  // namespace csec
