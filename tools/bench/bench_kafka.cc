#include "tools/bench/bench_kafka.h"

#include <cstdio>

#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "tools/bench/bench_common.h"

namespace csec::bench {

csec::KafkaSettings BenchKafka(const std::string& brokers, const std::string& client_id) {
  return {.brokers = brokers, .client_id = client_id, .extra = {}};
}

int EnsureStackTopics(const std::string& brokers, const std::string& bench) {
  const csec::TopicSettings topics{.partitions = csec::kTopicPartitions, .replication_factor = 1};
  absl::Status s = csec::EnsureTopics(BenchKafka(brokers, bench), csec::AllTopics(), topics);
  if (!s.ok()) {
    std::fprintf(stderr, "%s: creating topics: %s\n", bench.c_str(), s.ToString().c_str());
    return 1;
  }
  return 0;
}

int SetupCommand(const std::string& bench, std::vector<std::pair<std::string, std::string>> extra, int argc,
                 char** argv) {
  std::vector<std::pair<std::string, std::string>> run = {{"kafka", KafkaVersion()},
                                                          {"librdkafka", csec::KafkaClientVersion()}};
  run.insert(run.end(), extra.begin(), extra.end());
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "%s setup: \"%s\" is not key=value\n", bench.c_str(), arg.c_str());
      return 2;
    }
    run.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
  }
  PrintSetup(bench, run);
  return 0;
}

}  // namespace csec::bench
