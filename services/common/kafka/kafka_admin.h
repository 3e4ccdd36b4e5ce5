// Creating and checking the csec topics.
//
//   TopicSettings topics{.partitions = 6, .replication_factor = 3, .retention = absl::Hours(24 * 120)};
//   absl::Status s = EnsureTopics(kafka_settings, AllTopics(), topics);
//
// Every csec topic has the same partition count (one case on one partition number everywhere)
// and keeps its events longer than the longest protocol deadline, because a lost Redis is rebuilt
// by replaying the topics: a 90-day clock needs 90 days of events and more.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_ADMIN_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_ADMIN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec {

struct TopicSettings {
  int partitions = 6;
  int replication_factor = 1;
  // 2 on a three-broker cluster (replication 3): a write is acknowledged by two brokers.
  int min_insync_replicas = 1;
  absl::Duration retention = absl::Hours(24 * 120);
};

// Creates the topics that do not exist with `settings`. An existing topic with another partition
// count is FailedPrecondition naming it (keys would land on other partitions than its peers'); an
// existing topic that keeps events for less than `settings.retention` gets its retention raised.
absl::Status EnsureTopics(const KafkaSettings& kafka, const std::vector<std::string>& topics,
                          const TopicSettings& settings, absl::Duration timeout = absl::Seconds(30));

// How long `topic` keeps its events (retention.ms; InfiniteDuration when -1), as the broker says.
absl::StatusOr<absl::Duration> DescribeRetention(const KafkaSettings& kafka, const std::string& topic,
                                                 absl::Duration timeout = absl::Seconds(30));

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_ADMIN_H_
