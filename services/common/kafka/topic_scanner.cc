#include "services/common/kafka/topic_scanner.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/status_macros.h"
#include "services/common/kafka/kafka_client.h"

namespace csec {

absl::Status ScanTopic(const KafkaSettings& settings, const std::string& topic, absl::Duration timeout,
                       bool stop_at_end, const std::function<bool(const ConsumedMessage&)>& visit) {
  const absl::Time deadline = absl::Now() + timeout;
  auto remaining_ms = [&] {
    return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
  };
  // librdkafka wants a group id even for manual assignment; nothing is committed to it.
  ASSIGN_OR_RETURN(auto conf, kafka_internal::MakeConf(
                                  settings, {{"group.id", absl::StrCat("csec-scan-", absl::ToUnixNanos(absl::Now()))},
                                             {"enable.auto.commit", "false"},
                                             {"enable.partition.eof", "true"}}));
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", err));

  std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
  RdKafka::Metadata* raw_metadata = nullptr;
  if (auto code = consumer->metadata(false, handle.get(), &raw_metadata, remaining_ms());
      code != RdKafka::ERR_NO_ERROR) {
    return kafka_internal::FromKafkaError(code, absl::StrCat("metadata for ", topic));
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
    m.timestamp_ms = msg->timestamp().timestamp;
    if (!visit(m)) return absl::OkStatus();
  }
  return absl::DeadlineExceededError(
      absl::StrCat("scanning ", topic, ": nothing matched within ", absl::FormatDuration(timeout)));
}

}  // namespace csec
