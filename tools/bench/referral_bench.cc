// referral_bench: how fast the running stack records referrals, and how soon each one's routing
// decision can be read — the two waits an agency system and a responder actually see.
//
//   source .stack/stack.env   # after tools/run.sh; tools/bench/run.sh does both
//   build/bin/referral_bench [--intake HOST:PORT] [--brokers HOST:PORT] [--n 500] [--concurrency 4]
//                            [--warmup 5] [--timeout SECONDS]
//
// Sends N synthetic referrals (cycling through the sample kinds) from C concurrent callers and
// measures:
//   - ReportIdentification latency, i.e. until intake answered, which it does only after Kafka
//     acknowledged ReferralReceived on all in-sync replicas; and throughput, referrals/s;
//   - end to end: from sending the report until its CaseRouted is read from csec.routing.v1 by
//     a consumer of our own (started, assigned and caught up before the first timed report).
// --intake and --brokers default to $INTAKE_GRPC and $KAFKA_BROKERS. --timeout bounds the wait
// for the last CaseRouted after the last report was answered (default 120 s). --warmup
// referrals (default 5, one of each kind) are sent, routed and read first, untimed.
// Exits 1 if a report failed or a CaseRouted did not arrive: a figure from a broken run is no
// figure.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "tools/bench/bench_common.h"
#include "tools/cli_flags.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace {

using Clock = std::chrono::steady_clock;
using csec::tools::SampleKind;

constexpr SampleKind kKinds[] = {SampleKind::kNewToBoth, SampleKind::kOpenDcfs, SampleKind::kOpenProbation,
                                 SampleKind::kDualStatus, SampleKind::kNonParticipating};

int Usage() {
  std::fprintf(stderr,
               "usage: referral_bench [--intake HOST:PORT] [--brokers HOST:PORT] [--n 500] [--concurrency 4] "
               "[--warmup 5] [--timeout SECONDS]\n"
               "  --intake and --brokers default to $INTAKE_GRPC and $KAFKA_BROKERS (.stack/stack.env)\n");
  return 2;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// When each CaseRouted was first read, by case id. The consumer sees every CaseRouted on the
// topic, older runs' too; only the case ids this run sent are looked up.
class RoutedLog {
 public:
  void Record(const std::string& case_id, Clock::time_point at) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.emplace(case_id, at);  // a redelivered event keeps the first time
  }
  // How many of `case_ids` have been seen.
  size_t CountSeen(const std::vector<std::string>& case_ids) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const std::string& id : case_ids) n += seen_.count(id);
    return n;
  }
  bool Find(const std::string& case_id, Clock::time_point* at) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = seen_.find(case_id);
    if (it == seen_.end()) return false;
    *at = it->second;
    return true;
  }

 private:
  std::mutex mu_;
  std::map<std::string, Clock::time_point> seen_;
};

// KafkaConsumer wants somewhere to send messages its handler refuses; ours refuses none.
class NoDeadLetters final : public csec::MessageProducer {
 public:
  absl::Status Produce(absl::string_view, absl::string_view, absl::string_view, absl::Time) override {
    return absl::InternalError("referral_bench does not dead-letter");
  }
  void ProduceAsync(absl::string_view, absl::string_view, absl::string_view, csec::ProduceDone done) override {
    done(absl::InternalError("referral_bench does not dead-letter"));
  }
};

// Waits until every one of `case_ids` has its CaseRouted, or `deadline`. Returns how many did.
size_t AwaitRouted(RoutedLog& log, const std::vector<std::string>& case_ids, Clock::time_point deadline) {
  size_t seen = log.CountSeen(case_ids);
  while (seen < case_ids.size() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = log.CountSeen(case_ids);
  }
  return seen;
}

struct Report {
  Clock::time_point sent;
  Clock::time_point answered;
  bool ok = false;
  std::string case_id;
  std::string error;
};

// One agency system: its own channel and connection. GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL keeps
// gRPC from quietly sharing one TCP connection among all callers of the process.
using Caller = std::unique_ptr<csec::dispatch::v1::IntakeService::Stub>;

// Connected before returning, so no timed report pays for setting up the connection.
absl::StatusOr<Caller> NewCaller(const std::string& intake) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(intake, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    return absl::UnavailableError(absl::StrCat("cannot connect to intake at ", intake));
  }
  return csec::dispatch::v1::IntakeService::NewStub(channel);
}

Report Send(csec::dispatch::v1::IntakeService::Stub& stub, SampleKind kind, const std::string& key) {
  // Identified ten minutes ago, as a real report would be; built before the clock starts.
  auto request = csec::tools::SampleReferral(kind, key, absl::Now() - absl::Minutes(10));
  Report r;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::ReportIdentificationResponse response;
  r.sent = Clock::now();
  grpc::Status status = stub.ReportIdentification(&context, request, &response);
  r.answered = Clock::now();
  if (!status.ok()) {
    r.error = absl::StrCat("ReportIdentification: ", status.error_code(), " ", status.error_message());
  } else if (response.duplicate()) {
    r.error = absl::StrCat("key ", key, " was already reported");  // keys are unique per run
  } else {
    r.ok = true;
    r.case_id = response.case_id();
  }
  return r;
}

// Sends `n` referrals, cycling through the kinds; each caller has a thread that takes the
// next referral number until all are sent.
std::vector<Report> SendAll(std::vector<Caller>& callers, int n, const std::string& key_prefix) {
  std::vector<Report> reports(n);
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (Caller& caller : callers) {
    threads.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        reports[i] = Send(*caller, kKinds[i % std::size(kKinds)], absl::StrCat(key_prefix, i));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return reports;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 1, {}, flags)) return Usage();
  const std::string intake = csec::bench::FlagOrEnv(flags, "intake", "INTAKE_GRPC", "");
  const std::string brokers = csec::bench::FlagOrEnv(flags, "brokers", "KAFKA_BROKERS", "");
  int n = 0, concurrency = 0, timeout_s = 0, warmup_n = 0;
  if (intake.empty() || brokers.empty() || !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "n", nullptr, "500"), &n) ||
      !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "warmup", nullptr, "5"), &warmup_n) ||
      !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "concurrency", nullptr, "4"), &concurrency) ||
      !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "timeout", nullptr, "120"), &timeout_s) || n < 1 ||
      concurrency < 1 || timeout_s < 1 || warmup_n < 1) {
    return Usage();
  }

  csec::bench::PrintSetup("referral_bench", {
                                                {"kafka", csec::bench::KafkaVersion()},
                                                {"librdkafka", csec::KafkaClientVersion()},
                                                {"grpc", grpc::Version()},
                                                {"intake", intake},
                                                {"brokers", brokers},
                                                {"N", absl::StrCat(n)},
                                                {"C", absl::StrCat(concurrency)},
                                                {"warm-up", absl::StrCat(warmup_n, " referrals, untimed")},
                                            });
  std::fflush(stdout);

  // The consumer exists before the first report, so no CaseRouted can slip past it. A fresh
  // group starts at the earliest offset (KafkaConsumer's auto.offset.reset), so it also reads
  // older events, which RoutedLog keeps and nobody asks about. Nothing is committed: the
  // group is throwaway.
  RoutedLog routed;
  NoDeadLetters no_dead_letters;
  const std::string run_id = csec::NewRandomId().substr(0, 8);
  auto consumer = csec::KafkaConsumer::Start(
      {.kafka = {.brokers = brokers, .client_id = "referral-bench", .extra = {{"enable.auto.commit", "false"}}},
       .group_id = absl::StrCat("referral-bench-", run_id),
       .topics = {csec::kRoutingTopic}},
      &no_dead_letters, csec::FinishingInline([&](const csec::ConsumedMessage& m) {
        const Clock::time_point at = Clock::now();
        csec::dispatch::v1::Envelope e;
        if (e.ParseFromString(m.payload) && e.has_case_routed()) routed.Record(e.case_id(), at);
        return absl::OkStatus();
      }));
  if (!consumer.ok()) {
    std::fprintf(stderr, "referral_bench: consumer: %s\n", consumer.status().ToString().c_str());
    return 1;
  }
  const Clock::time_point assign_deadline = Clock::now() + std::chrono::seconds(30);
  while (!(*consumer)->HasAssignment() && Clock::now() < assign_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!(*consumer)->HasAssignment()) {
    std::fprintf(stderr, "referral_bench: the consumer got no partitions of %s within 30 s\n", csec::kRoutingTopic);
    return 1;
  }

  std::vector<Caller> callers;
  for (int c = 0; c < concurrency; ++c) {
    absl::StatusOr<Caller> caller = NewCaller(intake);
    if (!caller.ok()) {
      std::fprintf(stderr, "referral_bench: %s\n", std::string(caller.status().message()).c_str());
      return 1;
    }
    callers.push_back(*std::move(caller));
  }

  // Warm-up, untimed, routed and read back: it wakes the services' paths, and by the time its
  // CaseRouted events are read the consumer has (in practice) read past the topic's backlog,
  // so timed reports do not queue behind old events. A larger --warmup also warms the broker's
  // JVM, which is what a long-running broker looks like (see README.md).
  {
    std::vector<Report> warmup = SendAll(callers, warmup_n, absl::StrCat("bench-", run_id, "-warmup-"));
    std::vector<std::string> case_ids;
    for (const Report& r : warmup) {
      if (!r.ok) {
        std::fprintf(stderr, "referral_bench: warm-up report failed: %s\n", r.error.c_str());
        return 1;
      }
      case_ids.push_back(r.case_id);
    }
    if (AwaitRouted(routed, case_ids, Clock::now() + std::chrono::seconds(timeout_s)) < case_ids.size()) {
      std::fprintf(stderr, "referral_bench: warm-up referrals were not routed within %d s; is routing up?\n",
                   timeout_s);
      return 1;
    }
  }

  const Clock::time_point start = Clock::now();
  const std::vector<Report> reports = SendAll(callers, n, absl::StrCat("bench-", run_id, "-"));
  const Clock::time_point all_answered = Clock::now();

  std::vector<std::string> case_ids;
  std::vector<double> report_ms;
  std::string first_error;
  for (const Report& r : reports) {
    if (!r.ok) {
      if (first_error.empty()) first_error = r.error;
      continue;
    }
    case_ids.push_back(r.case_id);
    report_ms.push_back(Ms(r.answered - r.sent));
  }
  const size_t arrived = AwaitRouted(routed, case_ids, all_answered + std::chrono::seconds(timeout_s));
  (*consumer)->Stop();

  // End to end, and the part of it after intake answered (routing's share plus the read).
  std::vector<double> e2e_ms, after_answer_ms;
  Clock::time_point first_routed = Clock::time_point::max(), last_routed = Clock::time_point::min();
  for (const Report& r : reports) {
    Clock::time_point at;
    if (!r.ok || !routed.Find(r.case_id, &at)) continue;
    e2e_ms.push_back(Ms(at - r.sent));
    after_answer_ms.push_back(Ms(at - r.answered));
    first_routed = std::min(first_routed, at);
    last_routed = std::max(last_routed, at);
  }
  std::sort(report_ms.begin(), report_ms.end());
  std::sort(e2e_ms.begin(), e2e_ms.end());
  std::sort(after_answer_ms.begin(), after_answer_ms.end());

  const double seconds = std::chrono::duration<double>(all_answered - start).count();
  std::printf("== results\n");
  std::printf("reports ok:          %zu of %d\n", case_ids.size(), n);
  if (!first_error.empty()) std::printf("first failure:       %s\n", first_error.c_str());
  if (!report_ms.empty()) {
    std::printf("report latency ms:   %s\n", csec::bench::Summary(report_ms).c_str());
    std::printf("throughput:          %.0f referrals/s (%zu in %.2f s, %d callers)\n",
                static_cast<double>(report_ms.size()) / seconds, report_ms.size(), seconds, concurrency);
  }
  std::printf("CaseRouted read:     %zu of %zu (waited at most %d s after the last answer)\n", arrived, case_ids.size(),
              timeout_s);
  if (!e2e_ms.empty()) {
    std::printf("end-to-end ms:       %s\n", csec::bench::Summary(e2e_ms).c_str());
    std::printf("  after answer ms:   %s\n", csec::bench::Summary(after_answer_ms).c_str());
    // When this stays below the report throughput, routing is the bottleneck: this is its
    // capacity, and end-to-end latency is mostly time spent queued for it.
    const double routed_s = std::chrono::duration<double>(last_routed - first_routed).count();
    if (e2e_ms.size() > 1 && routed_s > 0) {
      std::printf("CaseRouted rate:     %.0f/s (first to last read)\n",
                  static_cast<double>(e2e_ms.size() - 1) / routed_s);
    }
  }
  return (case_ids.size() == static_cast<size_t>(n) && arrived == case_ids.size()) ? 0 : 1;
}
