// What every benchmark under tools/bench/ shares: flags from the environment, percentiles, and the setup
// block each one prints first, because a figure means nothing without the machine it ran on.
//
//   std::map<std::string, std::string> flags;
//   if (!csec::tools::ParseFlags(argc, argv, 1, {}, flags)) return Usage();
//   csec::bench::PrintSetup("referral_bench", {{"N", "500"}, {"C", "4"}});
//   double p95 = csec::bench::Percentile(sorted_ms, 95);
#ifndef CSEC_TOOLS_BENCH_BENCH_COMMON_H_
#define CSEC_TOOLS_BENCH_BENCH_COMMON_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace csec::bench {

// The flag's value, or the environment variable's, or `fallback`.
std::string FlagOrEnv(const std::map<std::string, std::string>& flags, const std::string& name, const char* env_var,
                      const std::string& fallback);

// Prints "== <bench>" and the machine, build and run parameters, one "key: value" a line:
// date, CPU model and count, memory, OS, kernel, compiler, build type; then `run`, the bench's
// own parameters and whatever else it depends on (e.g. the Kafka version).
void PrintSetup(const std::string& bench, const std::vector<std::pair<std::string, std::string>>& run);

// The Kafka broker version the stack runs, as pinned in tools/kafka/pom.xml.
std::string KafkaVersion();

// Nearest-rank percentile of an ascending-sorted, non-empty sample; p in (0, 100].
double Percentile(const std::vector<double>& sorted, double p);

// "p50 1.23  p95 4.56  p99 7.89  max 9.99" for an ascending-sorted, non-empty sample.
std::string Summary(const std::vector<double>& sorted);

// The "key=value" lines a bench program prints for its driver script to read.
void Result(const std::string& key, double value);  // "inf" for an infinite value
void Result(const std::string& key, int64_t value);
void Result(const std::string& key, const std::string& value);
// prefix_n, _min_ms, _p50_ms, _p90_ms, _p99_ms, _max_ms of a sample in ms (+inf for a never).
void PrintStats(const std::string& prefix, std::vector<double> ms);

// Flushes and leaves without waiting for background threads (they may be blocked in librdkafka
// or gRPC).
[[noreturn]] void Exit(int code);

}  // namespace csec::bench

#endif  // CSEC_TOOLS_BENCH_BENCH_COMMON_H_
