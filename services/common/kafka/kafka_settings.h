// Where Kafka is and how to reach it: shared by the producer, the consumer, the admin calls and
// the topic scanner.
#ifndef CSEC_SERVICES_COMMON_KAFKA_KAFKA_SETTINGS_H_
#define CSEC_SERVICES_COMMON_KAFKA_KAFKA_SETTINGS_H_

#include <map>
#include <string>

namespace csec {

struct KafkaSettings {
  std::string brokers;    // bootstrap.servers
  std::string client_id;  // shows in broker logs and metrics
  // Any further librdkafka properties (e.g. security.protocol, sasl.*), applied last.
  std::map<std::string, std::string> extra;
};

// librdkafka's version, e.g. "2.0.2", for tools that print the setup they ran on.
std::string KafkaClientVersion();

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_KAFKA_SETTINGS_H_
