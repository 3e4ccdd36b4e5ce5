// Process metrics in Prometheus text format (version 0.0.4), served on /metrics by HttpServer.
//
//   static Counter& reported = Metrics::Get().GetCounter(
//       "csec_intake_referrals_total", "Referrals accepted and acknowledged by Kafka");
//   reported.Increment();
//
//   static Gauge& lag = Metrics::Get().GetGauge(
//       "csec_kafka_consumer_lag", "Messages behind the partition's end",
//       Labels({{"group", "routing"}, {"partition", "3"}}));
//   lag.Set(42);
//
//   static Histogram& latency = Metrics::Get().GetHistogram(
//       "csec_intake_report_seconds", "ReportIdentification latency, Kafka ack included");
//   latency.Observe(absl::ToDoubleSeconds(elapsed));
//
//   std::string body = Metrics::Get().Render();   // what /metrics serves
//
// Metrics live for the whole process (the references stay valid) and are safe to update
// from any thread; updates are atomic operations, no lock. Look a metric up once (a static,
// or a member) rather than on every update: GetX takes a lock and builds strings.
//
// A family (one name) has one type and one help text; asking for a name with another type,
// or a histogram with other buckets, is a programming error and aborts with a message.
#ifndef CSEC_SERVICES_COMMON_SERVING_METRICS_H_
#define CSEC_SERVICES_COMMON_SERVING_METRICS_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace csec {

// Only goes up: things done, failures seen.
class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down: queue depth, lag, connected or not (1/0).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Distribution of observed values (usually seconds) over fixed buckets; Prometheus computes
// quantiles from the cumulative bucket counts. NaN is ignored.
class Histogram {
 public:
  // `upper_bounds` strictly increasing; +Inf is implicit. Use Metrics::GetHistogram.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  // Each field is read atomically, not all together: a concurrent Observe may be half-seen.
  Snapshot Read() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  const std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket (not cumulative), +Inf last
  std::atomic<double> sum_{0};
};

// Prometheus label text (no braces) from name/value pairs, values escaped:
// Labels({{"group", "routing"}, {"partition", "3"}}) == R"(group="routing",partition="3")".
std::string Labels(std::initializer_list<std::pair<absl::string_view, absl::string_view>> pairs);

// Buckets for latencies in seconds: 0.5 ms to 10 s in roughly x2.5 steps.
std::vector<double> LatencyBucketsSeconds();

class Metrics {
 public:
  static Metrics& Get();

  // `labels` is Prometheus label text without braces, e.g. `topic="csec.intake.v1"` (see
  // Labels()). The same name and labels return the same object; help is taken from the first
  // registration of the name.
  Counter& GetCounter(absl::string_view name, absl::string_view help, absl::string_view labels = "");
  Gauge& GetGauge(absl::string_view name, absl::string_view help, absl::string_view labels = "");
  Histogram& GetHistogram(absl::string_view name, absl::string_view help, absl::string_view labels = "",
                          const std::vector<double>& buckets = LatencyBucketsSeconds());

  // The whole registry in Prometheus text format 0.0.4, families sorted by name.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> buckets;  // histograms only
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  static const char* TypeName(Type type);
  Family& FamilyLocked(absl::string_view name, absl::string_view help, Type type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVING_METRICS_H_
