#include "services/common/serving/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace csec {
namespace {

// Misuse of the registry is a bug in the caller, found on the first scrape or start-up; a
// metric silently registered twice with different meanings would mislead operators instead.
[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

// HELP text escapes backslash and newline, as the text format asks; prometheus-cpp 1.0 writes
// help as given, so a newline would otherwise end the line early.
std::string EscapeHelp(absl::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

const char* Metrics::TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void Counter::Increment(uint64_t by) { counter_->Increment(static_cast<double>(by)); }
uint64_t Counter::Value() const { return static_cast<uint64_t>(counter_->Value()); }

void Gauge::Set(double v) { gauge_->Set(v); }
void Gauge::Add(double d) { gauge_->Increment(d); }
double Gauge::Value() const { return gauge_->Value(); }

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  histogram_->Observe(value);
}

MetricLabels Labels(std::initializer_list<std::pair<absl::string_view, absl::string_view>> pairs) {
  MetricLabels labels;
  for (const auto& [name, value] : pairs) labels.emplace(std::string(name), std::string(value));
  return labels;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

Metrics& Metrics::Get() {
  static Metrics* metrics = new Metrics();
  return *metrics;
}

Metrics::Family& Metrics::FamilyLocked(absl::string_view name, absl::string_view help, Type type) {
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second.type != type) {
      Die(absl::StrCat("\"", name, "\" is a ", TypeName(it->second.type), " and cannot also be a ", TypeName(type)));
    }
    return it->second;
  }
  void* family = nullptr;
  const std::string n(name), h = EscapeHelp(help);
  switch (type) {
    case Type::kCounter:
      family = &prometheus::BuildCounter().Name(n).Help(h).Register(*registry_);
      break;
    case Type::kGauge:
      family = &prometheus::BuildGauge().Name(n).Help(h).Register(*registry_);
      break;
    case Type::kHistogram:
      family = &prometheus::BuildHistogram().Name(n).Help(h).Register(*registry_);
      break;
  }
  return families_.emplace(n, Family{type, family, {}, {}, {}, {}}).first->second;
}

Counter& Metrics::GetCounter(absl::string_view name, absl::string_view help, const MetricLabels& labels) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyLocked(name, help, Type::kCounter);
  auto& counter = family.counters[labels];
  if (!counter) {
    counter =
        std::make_unique<Counter>(&static_cast<prometheus::Family<prometheus::Counter>*>(family.family)->Add(labels));
  }
  return *counter;
}

Gauge& Metrics::GetGauge(absl::string_view name, absl::string_view help, const MetricLabels& labels) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyLocked(name, help, Type::kGauge);
  auto& gauge = family.gauges[labels];
  if (!gauge) {
    gauge = std::make_unique<Gauge>(&static_cast<prometheus::Family<prometheus::Gauge>*>(family.family)->Add(labels));
  }
  return *gauge;
}

Histogram& Metrics::GetHistogram(absl::string_view name, absl::string_view help, const MetricLabels& labels,
                                 const std::vector<double>& buckets) {
  for (size_t i = 0; i + 1 < buckets.size(); ++i) {
    if (!(buckets[i] < buckets[i + 1])) Die("histogram buckets must be strictly increasing");
  }
  absl::MutexLock lock(&mu_);
  Family& family = FamilyLocked(name, help, Type::kHistogram);
  // One family, one set of buckets: series with different buckets cannot be aggregated.
  if (family.histograms.empty()) {
    family.buckets = buckets;
  } else if (family.buckets != buckets) {
    Die(absl::StrCat("histogram \"", name, "\" asked for with different buckets"));
  }
  auto& histogram = family.histograms[labels];
  if (!histogram) {
    histogram = std::make_unique<Histogram>(
        &static_cast<prometheus::Family<prometheus::Histogram>*>(family.family)->Add(labels, buckets));
  }
  return *histogram;
}

std::string Metrics::Render() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace csec
