// Kafka plumbing, the only code in csec-dispatch that touches librdkafka. One header per piece:
//   kafka_producer.h  the idempotent producer (acks=all) every service writes with
//   kafka_consumer.h  the consumer-group member: pipelined handlers, per-partition retry, commits
//   kafka_admin.h     creating the csec topics (partitions, replication, retention)
//   topic_scanner.h   reading a whole topic outside any group (state rebuilds, tools, tests)
//   topic_tail.h      following a topic's new messages outside any group
// This header includes them all, for code that uses several.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_H_

#include "services/common/kafka/kafka_admin.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/kafka/kafka_message.h"
#include "services/common/kafka/kafka_producer.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/kafka/topic_scanner.h"

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_H_
