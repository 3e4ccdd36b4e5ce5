// Which partition a keyed message goes to: the same murmur2 hash as Kafka's Java clients and our
// producers (librdkafka's `partitioner=murmur2_random`, set in kafka_producer.cc). Every csec
// topic is keyed by case id with one partition count, so this names the partition number that
// holds all of a case's events; the timers service shards a case's timers by it.
//
//   int32_t p = KafkaPartitionFor(case_id, 6);
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_PARTITIONER_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_PARTITIONER_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace csec {

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed 32-bit value.
int32_t KafkaMurmur2(absl::string_view key);

// (murmur2(key) & 0x7fffffff) % partitions; `partitions` > 0, `key` non-empty.
int32_t KafkaPartitionFor(absl::string_view key, int32_t partitions);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_PARTITIONER_H_
