// Metrics: counters, gauges and histograms, read back from the rendered Prometheus text the
// way a scraper would (each test uses its own metric names: the registry is process-wide).
#include "services/common/serving/metrics.h"

#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace csec {
namespace {

using ::testing::HasSubstr;

struct Scrape {
  std::map<std::string, std::string> types;  // family name -> counter|gauge|histogram
  std::map<std::string, std::string> helps;  // family name -> help text as written
  std::map<std::string, double> samples;     // `name{labels}` exactly as written -> value
};

// A small parser for the text format: enough to check what a scraper would read.
Scrape Parse(const std::string& text) {
  Scrape scrape;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      EXPECT_EQ(parts.size(), 2u) << line;
      if (parts.size() == 2) scrape.types[parts[0]] = parts[1];
      continue;
    }
    if (absl::ConsumePrefix(&line, "# HELP ")) {
      size_t space = line.find(' ');
      scrape.helps[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
      continue;
    }
    size_t space = line.rfind(' ');
    EXPECT_NE(space, absl::string_view::npos) << line;
    double value = 0;
    absl::string_view number = line.substr(space + 1);
    if (number == "+Inf") {
      value = std::numeric_limits<double>::infinity();
    } else {
      EXPECT_TRUE(absl::SimpleAtod(number, &value)) << line;
    }
    scrape.samples[std::string(line.substr(0, space))] = value;
  }
  return scrape;
}

Scrape ScrapeNow() { return Parse(Metrics::Get().Render()); }

TEST(Metrics, CountersRenderAsBefore) {
  Counter& c = Metrics::Get().GetCounter("csec_mt_things_total", "Things counted by a test", Labels({{"kind", "x"}}));
  c.Increment(3);
  c.Increment();
  EXPECT_EQ(c.Value(), 4u);
  EXPECT_EQ(&c,
            &Metrics::Get().GetCounter("csec_mt_things_total", "ignored: first help wins", Labels({{"kind", "x"}})));
  EXPECT_THAT(Metrics::Get().Render(), HasSubstr("# HELP csec_mt_things_total Things counted by a test\n"
                                                 "# TYPE csec_mt_things_total counter\n"
                                                 "csec_mt_things_total{kind=\"x\"} 4\n"));
  Metrics::Get().GetCounter("csec_mt_plain_total", "No labels").Increment(7);
  EXPECT_EQ(ScrapeNow().samples["csec_mt_plain_total"], 7);
}

TEST(Metrics, GaugesGoUpAndDown) {
  Gauge& lag = Metrics::Get().GetGauge("csec_mt_lag", "Messages behind", Labels({{"partition", "3"}}));
  lag.Set(42);
  lag.Add(-2.5);
  EXPECT_EQ(lag.Value(), 39.5);
  Gauge& small = Metrics::Get().GetGauge("csec_mt_lag", "Messages behind", Labels({{"partition", "4"}}));
  small.Set(0.1);
  Scrape scrape = ScrapeNow();
  EXPECT_EQ(scrape.types["csec_mt_lag"], "gauge");
  EXPECT_EQ(scrape.samples["csec_mt_lag{partition=\"3\"}"], 39.5);
  // Shortest round-trip text, not "0.100000": what was set is what is read.
  EXPECT_THAT(Metrics::Get().Render(), HasSubstr("csec_mt_lag{partition=\"4\"} 0.1\n"));
}

TEST(Metrics, NumbersReadBackAsTheyWereSet) {
  auto render = [](double v) {
    Gauge& g = Metrics::Get().GetGauge("csec_mt_format", "Formatting", Labels({{"v", "x"}}));
    g.Set(v);
    std::string text = Metrics::Get().Render();
    size_t at = text.find("csec_mt_format{v=\"x\"} ");
    EXPECT_NE(at, std::string::npos);
    size_t start = text.find(' ', at) + 1;
    return text.substr(start, text.find('\n', start) - start);
  };
  // What a scraper parses is the value that was set (prometheus-cpp writes 15 significant digits,
  // so a value may differ in its last bit: within 4 ULPs).
  for (double v : {0.0, 0.0005, 0.00001, 2.5, -3.0, 100000.0, 1234567.0, 0.1 + 0.2, 1e300}) {
    double read = 0;
    EXPECT_TRUE(absl::SimpleAtod(render(v), &read)) << render(v);
    EXPECT_DOUBLE_EQ(read, v) << render(v);
  }
  EXPECT_EQ(render(0.0005), "0.0005");  // bucket bounds read as written, as on every exporter
  EXPECT_EQ(render(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Histogram& h = Metrics::Get().GetHistogram("csec_mt_latency_seconds", "Latency of a test thing");
  for (double v : {0.0003, 0.002, 0.0025, 7.0, 100.0}) h.Observe(v);
  h.Observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  Scrape scrape = ScrapeNow();
  EXPECT_EQ(scrape.types["csec_mt_latency_seconds"], "histogram");
  auto bucket = [&](const std::string& le) {
    std::string key = "csec_mt_latency_seconds_bucket{le=\"" + le + "\"}";
    EXPECT_TRUE(scrape.samples.contains(key)) << key;
    return scrape.samples[key];
  };
  EXPECT_EQ(bucket("0.0005"), 1);
  EXPECT_EQ(bucket("0.001"), 1);
  EXPECT_EQ(bucket("0.0025"), 3);  // le is "less than or equal": 0.0025 falls in its own bucket
  EXPECT_EQ(bucket("5"), 3);
  EXPECT_EQ(bucket("10"), 4);
  EXPECT_EQ(bucket("+Inf"), 5);
  EXPECT_EQ(scrape.samples["csec_mt_latency_seconds_count"], 5);
  EXPECT_NEAR(scrape.samples["csec_mt_latency_seconds_sum"], 107.0048, 1e-9);
  // One bucket line per bound plus +Inf, in increasing order of le.
  std::string text = Metrics::Get().Render();
  size_t first = text.find("csec_mt_latency_seconds_bucket{le=\"0.0005\"}");
  size_t ten = text.find("csec_mt_latency_seconds_bucket{le=\"10\"}");
  size_t inf = text.find("csec_mt_latency_seconds_bucket{le=\"+Inf\"}");
  EXPECT_LT(first, ten);
  EXPECT_LT(ten, inf);
  EXPECT_NE(inf, std::string::npos);
}

TEST(Metrics, HistogramLabelsAreMergedWithLe) {
  Histogram& h =
      Metrics::Get().GetHistogram("csec_mt_stage_seconds", "Per stage", Labels({{"stage", "route"}}), {0.5, 1});
  h.Observe(0.75);
  Scrape scrape = ScrapeNow();
  EXPECT_EQ(scrape.samples["csec_mt_stage_seconds_bucket{stage=\"route\",le=\"0.5\"}"], 0);
  EXPECT_EQ(scrape.samples["csec_mt_stage_seconds_bucket{stage=\"route\",le=\"1\"}"], 1);
  EXPECT_EQ(scrape.samples["csec_mt_stage_seconds_bucket{stage=\"route\",le=\"+Inf\"}"], 1);
  EXPECT_EQ(scrape.samples["csec_mt_stage_seconds_sum{stage=\"route\"}"], 0.75);
  EXPECT_EQ(scrape.samples["csec_mt_stage_seconds_count{stage=\"route\"}"], 1);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Counter& c = Metrics::Get().GetCounter("csec_mt_concurrent_total", "Concurrent increments");
  Gauge& g = Metrics::Get().GetGauge("csec_mt_concurrent_gauge", "Concurrent adds");
  Histogram& h = Metrics::Get().GetHistogram("csec_mt_concurrent_seconds", "Concurrent observations");
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        c.Increment();
        g.Add(1);
        h.Observe(1.0);
      }
    });
  }
  for (auto& t : threads) t.join();
  Scrape scrape = ScrapeNow();
  EXPECT_EQ(scrape.samples["csec_mt_concurrent_total"], kThreads * kEach);
  EXPECT_EQ(scrape.samples["csec_mt_concurrent_gauge"], kThreads * kEach);
  EXPECT_EQ(scrape.samples["csec_mt_concurrent_seconds_count"], kThreads * kEach);
  EXPECT_EQ(scrape.samples["csec_mt_concurrent_seconds_sum"], kThreads * kEach);
  EXPECT_EQ(scrape.samples["csec_mt_concurrent_seconds_bucket{le=\"1\"}"], kThreads * kEach);
  EXPECT_EQ(scrape.samples["csec_mt_concurrent_seconds_bucket{le=\"0.5\"}"], 0);
}

TEST(Metrics, LabelsAreWrittenInNameOrderWithTheirValuesEscaped) {
  Metrics::Get().GetCounter("csec_mt_labelled_total", "Labelled", Labels({{"partition", "3"}, {"group", "routing"}}));
  Metrics::Get().GetCounter("csec_mt_escaped_total", "Escaped", Labels({{"reason", "a\"b\\c\nd"}}));
  const std::string text = Metrics::Get().Render();
  EXPECT_THAT(text, HasSubstr("csec_mt_labelled_total{group=\"routing\",partition=\"3\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("csec_mt_escaped_total{reason=\"a\\\"b\\\\c\\nd\"} 0\n"));
  EXPECT_TRUE(Labels({}).empty());
}

TEST(Metrics, HelpIsEscaped) {
  Metrics::Get().GetCounter("csec_mt_help_total", "Line one\nback\\slash");
  EXPECT_EQ(ScrapeNow().helps["csec_mt_help_total"], "Line one\\nback\\\\slash");
}

TEST(Metrics, LatencyBucketsRiseFromHalfAMillisecondToTenSeconds) {
  std::vector<double> b = LatencyBucketsSeconds();
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(b.front(), 0.0005);
  EXPECT_EQ(b.back(), 10);
  for (size_t i = 1; i < b.size(); ++i) {
    EXPECT_GT(b[i], b[i - 1]);
    EXPECT_LE(b[i] / b[i - 1], 2.5 + 1e-9);
  }
}

TEST(MetricsDeathTest, OneFamilyHasOneType) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Metrics::Get().GetCounter("csec_mt_dual", "A counter");
  EXPECT_DEATH(Metrics::Get().GetGauge("csec_mt_dual", "Now a gauge?"), "csec_mt_dual.*counter.*gauge");
  EXPECT_DEATH(Metrics::Get().GetHistogram("csec_mt_dual", "Now a histogram?"), "csec_mt_dual.*counter.*histogram");
}

TEST(MetricsDeathTest, OneHistogramFamilyHasOneSetOfBuckets) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Metrics::Get().GetHistogram("csec_mt_buckets_seconds", "Buckets", Labels({{"a", "1"}}), {1, 2});
  EXPECT_DEATH(Metrics::Get().GetHistogram("csec_mt_buckets_seconds", "Buckets", Labels({{"a", "2"}}), {1, 3}),
               "different buckets");
  EXPECT_DEATH(Metrics::Get().GetHistogram("csec_mt_unsorted_seconds", "Buckets", {}, {2, 1}), "increasing");
}

TEST(Metrics, RendersCountersInPrometheusText) {
  Counter& c = Metrics::Get().GetCounter("csec_test_things_total", "Things counted by a test", Labels({{"kind", "x"}}));
  c.Increment(3);
  EXPECT_THAT(Metrics::Get().Render(), ::testing::HasSubstr("# TYPE csec_test_things_total counter\n"
                                                            "csec_test_things_total{kind=\"x\"} 3\n"));
}

}  // namespace
}  // namespace csec
