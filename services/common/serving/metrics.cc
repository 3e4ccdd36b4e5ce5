#include "services/common/serving/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace csec {
namespace {

// Misuse of the registry is a bug in the caller, found on the first scrape or start-up; a
// metric silently registered twice with different meanings would mislead operators instead.
[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

// Numbers as the Prometheus Go client writes them (strconv.FormatFloat(v, 'g', -1, 64)): the
// shortest digits that read back as the same double, in exponent form only below 1e-4 or
// from 1e6. So bucket labels read le="0.0005", as on every other exporter's histograms.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string scientific(buf, sci.ptr);
  long exponent = std::strtol(scientific.c_str() + scientific.find('e') + 1, nullptr, 10);
  if (exponent < -4 || exponent >= 6) return scientific;
  auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

// HELP text escapes backslash and newline; label values also escape the double quote.
std::string Escape(absl::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Series(absl::string_view name, absl::string_view labels) {
  return labels.empty() ? std::string(name) : absl::StrCat(name, "{", labels, "}");
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

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i + 1 < upper_bounds_.size(); ++i) {
    if (!(upper_bounds_[i] < upper_bounds_[i + 1])) Die("histogram buckets must be strictly increasing");
  }
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // Bucket `le` counts values <= its bound: the first bound not less than the value.
  size_t i = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative.reserve(upper_bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative.push_back(total);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::string Labels(std::initializer_list<std::pair<absl::string_view, absl::string_view>> pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    absl::StrAppend(&out, out.empty() ? "" : ",", name, "=\"", Escape(value, /*quote=*/true), "\"");
  }
  return out;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics& Metrics::Get() {
  static Metrics* metrics = new Metrics();
  return *metrics;
}

Metrics::Family& Metrics::FamilyLocked(absl::string_view name, absl::string_view help, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}, {}}).first;
  } else if (it->second.type != type) {
    Die(absl::StrCat("\"", name, "\" is a ", TypeName(it->second.type), " and cannot also be a ", TypeName(type)));
  }
  if (it->second.help.empty()) it->second.help = std::string(help);
  return it->second;
}

Counter& Metrics::GetCounter(absl::string_view name, absl::string_view help, absl::string_view labels) {
  absl::MutexLock lock(&mu_);
  auto& counter = FamilyLocked(name, help, Type::kCounter).counters[std::string(labels)];
  if (!counter) counter = std::make_unique<Counter>();
  return *counter;
}

Gauge& Metrics::GetGauge(absl::string_view name, absl::string_view help, absl::string_view labels) {
  absl::MutexLock lock(&mu_);
  auto& gauge = FamilyLocked(name, help, Type::kGauge).gauges[std::string(labels)];
  if (!gauge) gauge = std::make_unique<Gauge>();
  return *gauge;
}

Histogram& Metrics::GetHistogram(absl::string_view name, absl::string_view help, absl::string_view labels,
                                 const std::vector<double>& buckets) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyLocked(name, help, Type::kHistogram);
  auto& histogram = family.histograms[std::string(labels)];
  if (!histogram) {
    // One family, one set of buckets: series with different buckets cannot be aggregated.
    if (family.histograms.size() == 1) {
      family.buckets = buckets;
    } else if (family.buckets != buckets) {
      Die(absl::StrCat("histogram \"", name, "\" asked for with different buckets"));
    }
    histogram = std::make_unique<Histogram>(buckets);
  } else if (histogram->upper_bounds() != buckets) {
    Die(absl::StrCat("histogram \"", name, "\" asked for with different buckets"));
  }
  return *histogram;
}

std::string Metrics::Render() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", Escape(family.help, /*quote=*/false), "\n# TYPE ", name, " ",
                    TypeName(family.type), "\n");
    for (const auto& [labels, counter] : family.counters) {
      absl::StrAppend(&out, Series(name, labels), " ", counter->Value(), "\n");
    }
    for (const auto& [labels, gauge] : family.gauges) {
      absl::StrAppend(&out, Series(name, labels), " ", FormatDouble(gauge->Value()), "\n");
    }
    for (const auto& [labels, histogram] : family.histograms) {
      Histogram::Snapshot snapshot = histogram->Read();
      const std::vector<double>& bounds = histogram->upper_bounds();
      const std::string prefix = labels.empty() ? "" : absl::StrCat(labels, ",");
      for (size_t i = 0; i <= bounds.size(); ++i) {
        std::string le = i < bounds.size() ? FormatDouble(bounds[i]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket{", prefix, "le=\"", le, "\"} ", snapshot.cumulative[i], "\n");
      }
      // _count is the +Inf bucket, so the two never disagree even mid-update.
      absl::StrAppend(&out, Series(absl::StrCat(name, "_sum"), labels), " ", FormatDouble(snapshot.sum), "\n");
      absl::StrAppend(&out, Series(absl::StrCat(name, "_count"), labels), " ", snapshot.cumulative.back(), "\n");
    }
  }
  return out;
}

}  // namespace csec
