// Internal to services/common's Kafka files: building a librdkafka configuration the same way
// everywhere (our JSON logger, base properties, the caller's extras last) and mapping errors.
// Not for services: they use kafka_producer.h, kafka_consumer.h, kafka_admin.h, topic_scanner.h.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_CLIENT_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_CLIENT_H_

#include <map>
#include <memory>
#include <string>

#include <librdkafka/rdkafkacpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/kafka/kafka_settings.h"

namespace csec::kafka_internal {

// bootstrap.servers and client.id from `settings`, then `props`, then settings.extra; with the
// JSON-lines logger installed.
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeConf(const KafkaSettings& settings,
                                                        std::map<std::string, std::string> props);

// OK for ERR_NO_ERROR; otherwise Unavailable "<what>: <librdkafka's text>".
absl::Status FromKafkaError(RdKafka::ErrorCode code, absl::string_view what);

}  // namespace csec::kafka_internal

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_CLIENT_H_
