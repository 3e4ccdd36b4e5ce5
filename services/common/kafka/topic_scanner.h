// Reading a whole topic outside any consumer group: services rebuilding their Redis state from
// Kafka at start (intake, timers, paging, medical), and tools and tests (dispatchctl, the
// benchmarks, integration tests).
//
//   ScanTopic(settings, kRoutingTopic, absl::Seconds(30), /*stop_at_end=*/true,
//             [&](const ConsumedMessage& m) { ...; return true; /* keep going */ });
#ifndef CSEC_SERVICES_COMMON_KAFKA_TOPIC_SCANNER_H_
#define CSEC_SERVICES_COMMON_KAFKA_TOPIC_SCANNER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/kafka/kafka_message.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec {

// Reads every partition of `topic` from its beginning, calling `visit` for each message. Stops
// when `visit` returns false (found what it looked for), or with `stop_at_end` once the
// partitions' ends as of the call are reached; otherwise DeadlineExceeded after `timeout`.
absl::Status ScanTopic(const KafkaSettings& settings, const std::string& topic, absl::Duration timeout,
                       bool stop_at_end, const std::function<bool(const ConsumedMessage&)>& visit);

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_TOPIC_SCANNER_H_
