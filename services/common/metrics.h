// Process metrics in Prometheus text format, served on /metrics by HttpServer.
//
//   static Counter& reported = Metrics::Get().GetCounter(
//       "csec_intake_referrals_total", "Referrals accepted and acknowledged by Kafka");
//   reported.Increment();
//   std::string body = Metrics::Get().Render();
//
// Counters live for the whole process and are safe to bump from any thread.
#ifndef CSEC_SERVICES_COMMON_METRICS_H_
#define CSEC_SERVICES_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace csec {

class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Metrics {
 public:
  static Metrics& Get();
  // `labels` is Prometheus label text without braces, e.g. `topic="csec.intake.v1"`.
  Counter& GetCounter(absl::string_view name, absl::string_view help, absl::string_view labels = "");
  std::string Render() const;

 private:
  struct Family {
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> by_labels;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_METRICS_H_
