// Process metrics, kept and written in Prometheus text format (0.0.4) by prometheus-cpp's core
// library, served on /metrics by HttpServer (no second HTTP server).
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
// from any thread. Look a metric up once (a static, or a member) rather than on every update:
// GetX takes a lock and builds strings. These classes are a thin face over prometheus-cpp's,
// so the rest of the code neither includes its headers nor depends on its API.
//
// A family (one name) has one type and one help text; asking for a name with another type,
// or a histogram with other buckets, is a programming error and aborts with a message.
#ifndef CSEC_SERVICES_COMMON_SERVING_METRICS_H_
#define CSEC_SERVICES_COMMON_SERVING_METRICS_H_

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

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace csec {

// Only goes up: things done, failures seen.
class Counter {
 public:
  explicit Counter(prometheus::Counter* counter) : counter_(counter) {}
  void Increment(uint64_t by = 1);
  uint64_t Value() const;

 private:
  prometheus::Counter* counter_;
};

// A value that goes up and down: queue depth, lag, connected or not (1/0).
class Gauge {
 public:
  explicit Gauge(prometheus::Gauge* gauge) : gauge_(gauge) {}
  void Set(double v);
  void Add(double d);
  double Value() const;

 private:
  prometheus::Gauge* gauge_;
};

// Distribution of observed values (usually seconds) over fixed buckets; Prometheus computes
// quantiles from the cumulative bucket counts. NaN is ignored.
class Histogram {
 public:
  explicit Histogram(prometheus::Histogram* histogram) : histogram_(histogram) {}
  void Observe(double value);

 private:
  prometheus::Histogram* histogram_;
};

// A series' labels, name → value (escaped when written).
using MetricLabels = std::map<std::string, std::string>;
MetricLabels Labels(std::initializer_list<std::pair<absl::string_view, absl::string_view>> pairs);

// Buckets for latencies in seconds: 0.5 ms to 10 s in roughly x2.5 steps.
std::vector<double> LatencyBucketsSeconds();

class Metrics {
 public:
  static Metrics& Get();

  // The same name and labels return the same object; help is taken from the first
  // registration of the name.
  Counter& GetCounter(absl::string_view name, absl::string_view help, const MetricLabels& labels = {});
  Gauge& GetGauge(absl::string_view name, absl::string_view help, const MetricLabels& labels = {});
  // `buckets` strictly increasing; +Inf is implicit.
  Histogram& GetHistogram(absl::string_view name, absl::string_view help, const MetricLabels& labels = {},
                          const std::vector<double>& buckets = LatencyBucketsSeconds());

  // The whole registry in Prometheus text format 0.0.4.
  std::string Render() const;

 private:
  Metrics();
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    void* family;                 // prometheus::Family<T>* of the type
    std::vector<double> buckets;  // histograms only: one set per family
    std::map<MetricLabels, std::unique_ptr<Counter>> counters;
    std::map<MetricLabels, std::unique_ptr<Gauge>> gauges;
    std::map<MetricLabels, std::unique_ptr<Histogram>> histograms;
  };
  static const char* TypeName(Type type);
  Family& FamilyLocked(absl::string_view name, absl::string_view help, Type type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::shared_ptr<prometheus::Registry> registry_;
  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVING_METRICS_H_
