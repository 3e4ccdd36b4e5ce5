// What the Kafka-driving benchmarks (plumbing_bench, timers_bench) share: their client settings,
// the csec topics as the bench's one-broker stack has them, and the `setup` subcommand.
//
//   if (command == "setup") return csec::bench::SetupCommand("timers_bench", {}, argc, argv);
//   if (command == "ensure-topics") return csec::bench::EnsureStackTopics(brokers, "timers_bench");
#ifndef CSEC_TOOLS_BENCH_BENCH_KAFKA_H_
#define CSEC_TOOLS_BENCH_BENCH_KAFKA_H_

#include <string>
#include <utility>
#include <vector>

#include "services/common/kafka/kafka_settings.h"

namespace csec::bench {

csec::KafkaSettings BenchKafka(const std::string& brokers, const std::string& client_id);

// Creates the csec topics (one broker, so replication 1); 0, or 1 after printing why.
int EnsureStackTopics(const std::string& brokers, const std::string& bench);

// `<bench> setup key=value...`: prints the setup block with the Kafka and librdkafka versions,
// `extra`, then the pairs given; 2 for an argument that is not key=value.
int SetupCommand(const std::string& bench, std::vector<std::pair<std::string, std::string>> extra, int argc,
                 char** argv);

}  // namespace csec::bench

#endif  // CSEC_TOOLS_BENCH_BENCH_KAFKA_H_
