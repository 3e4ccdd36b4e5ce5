// What a consumer hands its handler: one Kafka message, copied out of librdkafka so it outlives
// the client's buffers. Plain data, shared by the consumer plumbing and its pure bookkeeping.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_MESSAGE_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_MESSAGE_H_

#include <cstdint>
#include <string>

namespace csec {

struct ConsumedMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string payload;
  int64_t timestamp_ms = -1;  // the message's Kafka timestamp (producer's create time), -1 if none
};

struct TopicPartitionId {
  std::string topic;
  int32_t partition = 0;

  friend bool operator<(const TopicPartitionId& a, const TopicPartitionId& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  }
  friend bool operator==(const TopicPartitionId& a, const TopicPartitionId& b) {
    return a.topic == b.topic && a.partition == b.partition;
  }
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_MESSAGE_H_
