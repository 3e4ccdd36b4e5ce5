// plumbing_bench: the Kafka side of tools/bench/plumbing.sh, which starts its own stack and
// services and asks this program to write, read and time events. Each subcommand prints its
// results as `key=value` lines on stdout (for the script); messages go to stderr.
//
//   plumbing_bench setup [key=value ...]             # bench_common's setup block, plus versions
//   plumbing_bench ensure-topics  --brokers B
//   plumbing_bench referral-json  [--kind all] [--key K | --count N [--run R]] [--minutes-ago 10]
//   plumbing_bench load-referrals --brokers B --n N --ids FILE [--run R]
//   plumbing_bench await-routed   --brokers B --ids FILE [--ready FILE] [--timeout 300]
//   plumbing_bench probe          --brokers B --ready FILE --go FILE [--timeout 120] [--run R]
//   plumbing_bench scan-rate      --brokers B [--timeout 300]
//
// referral-json: a ReportIdentificationRequest for a sample referral as protobuf JSON (for
// ghz), identified --minutes-ago before now, with --key as its idempotency key (ghz templates
// such as "bench-{{.UUID}}" pass through); --kind all (the default) prints a JSON array of the
// five kinds, which ghz sends round-robin. With --count N: a JSON array of N referrals cycling
// through the kinds, referral i with the idempotency key "bench-<R>-<i>" (and so the pseudonym
// "SYNTH-bench-<R>-<i>"): no template actions, every request a different referral as long as ghz
// makes fewer than N calls. --run R defaults to a random id; --key does not go with --count.
//
// load-referrals: N ReferralReceived envelopes on csec.intake.v1 in the shape intake produces
// (ids derived as intake derives them, identity cleared, a sealed identity of the real size made
// of random bytes), through csec::KafkaProducer (idempotent, acks=all), all queued at once; the
// time from the first send to the last acknowledgement is the bare producer's rate. Writes each
// referral's event id to --ids, one a line.
//
// await-routed: reads csec.routing.v1 from its beginning (outside any group) and notes the wall
// time at which the CaseRouted of each referral in --ids is first read; ends when all are read
// or after --timeout. --ready is written once the reader has read past what the topic held when
// it started, so a process launched after that cannot produce anything it misses.
//
// probe: like await-routed for one referral of its own: writes --ready once caught up, waits for
// the file --go to exist, then produces one referral and waits for its CaseRouted. For timing a
// (re)start of routing: launch, then create --go.
//
// scan-rate: reads csec.intake.v1 and csec.routing.v1 to their ends, one plain reader each (in
// parallel), parsing every envelope: messages, distinct event ids, and messages/s, from the
// start and from the first message read.
//
// Times are wall-clock (Unix seconds with a fraction) so that the script can compare them with
// its own `date +%s.%N`.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_kafka.h"
#include "tools/cli_flags.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace {

using csec::dispatch::v1::Envelope;
using csec::tools::SampleKind;

constexpr SampleKind kKinds[] = {SampleKind::kNewToBoth, SampleKind::kOpenDcfs, SampleKind::kOpenProbation,
                                 SampleKind::kDualStatus, SampleKind::kNonParticipating};

int Usage() {
  std::fprintf(stderr,
               "usage: plumbing_bench setup [key=value ...]\n"
               "       plumbing_bench ensure-topics  --brokers B\n"
               "       plumbing_bench referral-json  [--kind all|new|dcfs|probation|dual|nonparticipating] "
               "[--key K | --count N [--run R]] [--minutes-ago 10]\n"
               "       plumbing_bench load-referrals --brokers B --n N --ids FILE [--run R]\n"
               "       plumbing_bench await-routed   --brokers B --ids FILE [--ready FILE] [--timeout 300]\n"
               "       plumbing_bench probe          --brokers B --ready FILE --go FILE [--timeout 120] [--run R]\n"
               "       plumbing_bench scan-rate      --brokers B [--timeout 300]\n"
               "(a helper of tools/bench/plumbing.sh, which runs the whole bench)\n");
  return 2;
}

double UnixSeconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }

void Result(const std::string& key, const std::string& value) { std::printf("%s=%s\n", key.c_str(), value.c_str()); }
void Result(const std::string& key, double value) { std::printf("%s=%.6f\n", key.c_str(), value); }
void Result(const std::string& key, int64_t value) {
  std::printf("%s=%lld\n", key.c_str(), static_cast<long long>(value));
}

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// A ReferralReceived as intake's ReportIdentification builds it. The sealed identity is random
// bytes of the size a real seal has (identity bytes + 16-byte tag, 12-byte nonce): same bytes on
// the wire, and nothing here needs to open it.
Envelope ReferralEnvelope(SampleKind kind, const std::string& idempotency_key) {
  auto request = csec::tools::SampleReferral(kind, idempotency_key, absl::Now() - absl::Minutes(10));
  const std::string scoped_key = absl::StrCat(request.referral().source().agency_id(), "/", idempotency_key);
  const std::string case_id = csec::DeriveId("case", scoped_key);
  const std::string event_id = csec::DeriveId("intake.referral-received", case_id);
  Envelope envelope = csec::NewEnvelope(event_id, case_id, "intake", absl::Now());
  envelope.set_request_id(idempotency_key);
  envelope.set_trace_id(csec::NewRandomId());
  auto* received = envelope.mutable_referral_received();
  *received->mutable_referral() = request.referral();
  received->mutable_referral()->mutable_youth()->clear_identity();
  received->set_idempotency_key(idempotency_key);
  auto* sealed = received->mutable_sealed_identity();
  sealed->set_key_id(case_id);
  sealed->set_nonce(csec::RandomBytes(12));
  sealed->set_ciphertext(csec::RandomBytes(request.referral().youth().identity().ByteSizeLong() + 16));
  return envelope;
}

// ------------------------------------------------------------------------------- routed reader

// Reads csec.routing.v1 from its beginning in a thread of its own and notes when each wanted
// referral's CaseRouted is first read. Ready once it has read as many messages as the topic held
// when it started (or, for an empty topic, shortly after it started).
class RoutedReader {
 public:
  RoutedReader(std::string brokers, absl::Duration timeout) : brokers_(std::move(brokers)), timeout_(timeout) {}
  ~RoutedReader() {
    if (thread_.joinable()) thread_.detach();  // ScanTopic ends by its own deadline; we exit first
  }

  void Want(const std::string& referral_event_id) {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_.insert(referral_event_id);
  }

  absl::Status Start() {
    int64_t backlog = 0;
    absl::Status counted =
        csec::ScanTopic(csec::bench::BenchKafka(brokers_, "plumbing-bench-count"), csec::kRoutingTopic,
                        absl::Seconds(60), /*stop_at_end=*/true, [&](const csec::ConsumedMessage&) {
                          ++backlog;
                          return true;
                        });
    if (!counted.ok()) return counted;
    backlog_ = backlog;
    started_ = absl::Now();
    thread_ = std::thread([this] {
      status_ =
          csec::ScanTopic(csec::bench::BenchKafka(brokers_, "plumbing-bench-reader"), csec::kRoutingTopic, timeout_,
                          /*stop_at_end=*/false, [this](const csec::ConsumedMessage& m) { return Visit(m); });
      finished_.Notify();
    });
    return absl::OkStatus();
  }

  bool CaughtUp() const {
    return read_.load() >= backlog_ && (backlog_ > 0 || absl::Now() - started_ > absl::Milliseconds(500));
  }

  // Blocks until every wanted referral was read, the reader ended, or `deadline`.
  bool AwaitAll(absl::Time deadline) {
    while (absl::Now() < deadline && !finished_.HasBeenNotified()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!wanted_.empty() && seen_.size() == wanted_.size()) return true;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return !wanted_.empty() && seen_.size() == wanted_.size();
  }

  // Copies of what was read so far.
  std::unordered_map<std::string, absl::Time> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  int64_t RoutedBytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return routed_bytes_;
  }
  int64_t Backlog() const { return backlog_; }

 private:
  bool Visit(const csec::ConsumedMessage& m) {
    const absl::Time at = absl::Now();
    read_.fetch_add(1);
    Envelope e;
    if (!e.ParseFromString(m.payload) || !e.has_case_routed()) return true;
    std::lock_guard<std::mutex> lock(mu_);
    const std::string& cause = e.case_routed().referral_event_id();
    if (wanted_.count(cause) == 0) return true;
    if (seen_.emplace(cause, at).second) routed_bytes_ += static_cast<int64_t>(m.payload.size());
    return seen_.size() < wanted_.size();  // all read: the scan ends
  }

  const std::string brokers_;
  const absl::Duration timeout_;
  int64_t backlog_ = 0;
  absl::Time started_;
  std::atomic<int64_t> read_{0};
  std::thread thread_;
  absl::Notification finished_;
  absl::Status status_;
  std::mutex mu_;
  std::unordered_set<std::string> wanted_;
  std::unordered_map<std::string, absl::Time> seen_;
  int64_t routed_bytes_ = 0;
};

bool WaitCaughtUp(RoutedReader& reader, const std::string& ready_file) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!reader.CaughtUp()) {
    if (absl::Now() > deadline) {
      std::fprintf(stderr, "plumbing_bench: could not read csec.routing.v1's backlog (%lld messages) within 60 s\n",
                   static_cast<long long>(reader.Backlog()));
      return false;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (!ready_file.empty() && !WriteFileAtomically(ready_file, "ready\n")) {
    std::fprintf(stderr, "plumbing_bench: cannot write %s\n", ready_file.c_str());
    return false;
  }
  return true;
}

// The reader thread may be blocked in ScanTopic until its own deadline: leave without waiting.
[[noreturn]] void Exit(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

// ------------------------------------------------------------------------------- subcommands

int ReferralJson(const std::map<std::string, std::string>& flags) {
  const std::string kind_name = csec::bench::FlagOrEnv(flags, "kind", nullptr, "all");
  int minutes_ago = 0;
  if (!absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "minutes-ago", nullptr, "10"), &minutes_ago)) return Usage();
  std::vector<SampleKind> kinds;
  if (kind_name == "all") {
    kinds.assign(std::begin(kKinds), std::end(kKinds));
  } else if (std::optional<SampleKind> kind = csec::tools::ParseSampleKind(kind_name); kind) {
    kinds.push_back(*kind);
  } else {
    return Usage();
  }
  const absl::Time identified_at = absl::Now() - absl::Minutes(minutes_ago);
  auto print_json = [&](SampleKind kind, const std::string& key) {
    std::string json;
    auto status =
        google::protobuf::util::MessageToJsonString(csec::tools::SampleReferral(kind, key, identified_at), &json);
    if (!status.ok()) {
      std::fprintf(stderr, "plumbing_bench: referral as JSON: %s\n", status.ToString().c_str());
      return false;
    }
    std::fputs(json.c_str(), stdout);
    return true;
  };

  // --count N: N referrals, each its own key, printed as they are made (N may be 100000s).
  if (flags.count("count") != 0) {
    int count = 0;
    if (!absl::SimpleAtoi(flags.at("count"), &count) || count < 1 || flags.count("key") != 0) return Usage();
    const std::string run = csec::bench::FlagOrEnv(flags, "run", nullptr, csec::NewRandomId().substr(0, 8));
    std::fputs("[", stdout);
    for (int i = 0; i < count; ++i) {
      if (i > 0) std::fputs(",\n", stdout);
      if (!print_json(kinds[i % kinds.size()], absl::StrCat("bench-", run, "-", i))) return 1;
    }
    std::fputs("]\n", stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }

  // One kind: the object. All: an array, which ghz sends round-robin, one element per call.
  const std::string key = csec::bench::FlagOrEnv(flags, "key", nullptr, "bench-{{.UUID}}");
  if (kinds.size() > 1) std::fputs("[", stdout);
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i > 0) std::fputs(",", stdout);
    if (!print_json(kinds[i], key)) return 1;
  }
  std::fputs(kinds.size() > 1 ? "]\n" : "\n", stdout);
  return 0;
}

int LoadReferrals(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int n = 0;
  const std::string ids_path = csec::bench::FlagOrEnv(flags, "ids", nullptr, "");
  if (!absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "n", nullptr, ""), &n) || n < 1 || ids_path.empty()) {
    return Usage();
  }
  const std::string run = csec::bench::FlagOrEnv(flags, "run", nullptr, csec::NewRandomId().substr(0, 8));

  // Built before the clock starts: the figure is the producer's, not protobuf's.
  std::vector<std::pair<std::string, std::string>> messages;  // key (case id), value
  std::string ids;
  int64_t bytes = 0;
  messages.reserve(n);
  for (int i = 0; i < n; ++i) {
    Envelope e = ReferralEnvelope(kKinds[i % std::size(kKinds)], absl::StrCat("plumbing-", run, "-", i));
    absl::StrAppend(&ids, e.event_id(), "\n");
    messages.emplace_back(e.case_id(), e.SerializeAsString());
    bytes += static_cast<int64_t>(messages.back().second.size());
  }
  if (!WriteFileAtomically(ids_path, ids)) {
    std::fprintf(stderr, "plumbing_bench: cannot write %s\n", ids_path.c_str());
    return 1;
  }

  // A local queue that holds every message at once, so queueing never refuses one.
  csec::KafkaSettings settings = csec::bench::BenchKafka(brokers, "plumbing-bench");
  settings.extra["queue.buffering.max.messages"] = absl::StrCat(std::max(n + 1, 100'000));
  settings.extra["queue.buffering.max.kbytes"] = "2097151";
  auto producer = csec::KafkaProducer::Create(settings);
  if (!producer.ok()) {
    std::fprintf(stderr, "plumbing_bench: producer: %s\n", producer.status().ToString().c_str());
    return 1;
  }
  // One more referral first, acknowledged before the clock starts: the connection, metadata and
  // the idempotent producer's id are not what is measured. It is routed like the others.
  {
    Envelope warmup = ReferralEnvelope(SampleKind::kNewToBoth, absl::StrCat("plumbing-", run, "-warmup"));
    if (absl::Status s = (*producer)->Produce(csec::kIntakeTopic, warmup.case_id(), warmup.SerializeAsString());
        !s.ok()) {
      std::fprintf(stderr, "plumbing_bench: warm-up produce failed: %s\n", s.ToString().c_str());
      return 1;
    }
  }

  std::atomic<int> acked{0}, failed{0}, completed{0};
  std::mutex mu;
  std::string first_error;
  absl::Time last_at;
  absl::Notification all_done;
  // Runs once per message, with the broker's answer.
  auto complete = [&](const absl::Status& s) {
    if (s.ok()) {
      acked.fetch_add(1);
    } else {
      failed.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu);
      if (first_error.empty()) first_error = s.ToString();
    }
    if (completed.fetch_add(1) + 1 == n) {
      {
        std::lock_guard<std::mutex> lock(mu);
        last_at = absl::Now();
      }
      all_done.Notify();
    }
  };
  const absl::Time start = absl::Now();
  for (const auto& [key, value] : messages) (*producer)->ProduceAsync(csec::kIntakeTopic, key, value, complete);
  const absl::Time queued_at = absl::Now();
  if (!all_done.WaitForNotificationWithTimeout(absl::Seconds(120))) {
    std::fprintf(stderr, "plumbing_bench: %d of %d acknowledged after 120 s\n", acked.load(), n);
    Exit(1);
  }
  double seconds;
  {
    std::lock_guard<std::mutex> lock(mu);
    seconds = absl::ToDoubleSeconds(last_at - start);
  }
  Result("load_n", static_cast<int64_t>(n));
  Result("load_acked", static_cast<int64_t>(acked.load()));
  Result("load_failed", static_cast<int64_t>(failed.load()));
  Result("load_bytes_avg", static_cast<double>(bytes) / n);
  Result("load_queue_seconds", absl::ToDoubleSeconds(queued_at - start));
  Result("load_seconds", seconds);
  Result("load_rate", seconds > 0 ? acked.load() / seconds : 0.0);
  if (!first_error.empty()) Result("load_first_error", "\"" + first_error + "\"");
  Exit(failed.load() == 0 ? 0 : 1);
}

int AwaitRouted(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  const std::string ids_path = csec::bench::FlagOrEnv(flags, "ids", nullptr, "");
  int timeout_s = 0;
  if (ids_path.empty() || !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "timeout", nullptr, "300"), &timeout_s) ||
      timeout_s < 1) {
    return Usage();
  }
  RoutedReader reader(brokers, absl::Seconds(timeout_s + 60));
  std::ifstream in(ids_path);
  int64_t wanted = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    reader.Want(line);
    ++wanted;
  }
  if (wanted == 0) {
    std::fprintf(stderr, "plumbing_bench: no ids in %s\n", ids_path.c_str());
    return 1;
  }
  if (absl::Status s = reader.Start(); !s.ok()) {
    std::fprintf(stderr, "plumbing_bench: reading %s: %s\n", csec::kRoutingTopic, s.ToString().c_str());
    return 1;
  }
  if (!WaitCaughtUp(reader, csec::bench::FlagOrEnv(flags, "ready", nullptr, ""))) Exit(1);
  const bool all = reader.AwaitAll(absl::Now() + absl::Seconds(timeout_s));
  const auto seen = reader.Seen();
  absl::Time first = absl::InfiniteFuture(), last = absl::InfinitePast();
  for (const auto& [id, at] : seen) {
    first = std::min(first, at);
    last = std::max(last, at);
  }
  Result("routed_wanted", wanted);
  Result("routed_seen", static_cast<int64_t>(seen.size()));
  if (!seen.empty()) {
    const double span = absl::ToDoubleSeconds(last - first);
    Result("routed_first_at", UnixSeconds(first));
    Result("routed_last_at", UnixSeconds(last));
    Result("routed_span_seconds", span);
    // N events in the span from the first to the last: N-1 intervals.
    Result("routed_rate", seen.size() > 1 && span > 0 ? static_cast<double>(seen.size() - 1) / span : 0.0);
    Result("routed_bytes_avg", static_cast<double>(reader.RoutedBytes()) / static_cast<double>(seen.size()));
  }
  if (!all)
    std::fprintf(stderr, "plumbing_bench: %zu of %lld CaseRouted read within %d s\n", seen.size(),
                 static_cast<long long>(wanted), timeout_s);
  Exit(all ? 0 : 1);
}

int Probe(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  const std::string ready = csec::bench::FlagOrEnv(flags, "ready", nullptr, "");
  const std::string go = csec::bench::FlagOrEnv(flags, "go", nullptr, "");
  int timeout_s = 0;
  if (ready.empty() || go.empty() ||
      !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "timeout", nullptr, "120"), &timeout_s) || timeout_s < 1) {
    return Usage();
  }
  const std::string run = csec::bench::FlagOrEnv(flags, "run", nullptr, csec::NewRandomId().substr(0, 8));
  Envelope probe = ReferralEnvelope(SampleKind::kOpenDcfs, absl::StrCat("plumbing-probe-", run));

  auto producer = csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers, "plumbing-bench-probe"));
  if (!producer.ok()) {
    std::fprintf(stderr, "plumbing_bench: producer: %s\n", producer.status().ToString().c_str());
    return 1;
  }
  RoutedReader reader(brokers, absl::Seconds(timeout_s + 120));
  reader.Want(probe.event_id());
  if (absl::Status s = reader.Start(); !s.ok()) {
    std::fprintf(stderr, "plumbing_bench: reading %s: %s\n", csec::kRoutingTopic, s.ToString().c_str());
    return 1;
  }
  if (!WaitCaughtUp(reader, ready)) Exit(1);

  const absl::Time go_deadline = absl::Now() + absl::Seconds(120);
  while (access(go.c_str(), F_OK) != 0) {
    if (absl::Now() > go_deadline) {
      std::fprintf(stderr, "plumbing_bench: %s did not appear within 120 s\n", go.c_str());
      Exit(1);
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  const absl::Time go_at = absl::Now();
  absl::Status sent = (*producer)->Produce(csec::kIntakeTopic, probe.case_id(), probe.SerializeAsString());
  const absl::Time produced_at = absl::Now();
  if (!sent.ok()) {
    std::fprintf(stderr, "plumbing_bench: producing the probe referral: %s\n", sent.ToString().c_str());
    Exit(1);
  }
  const bool routed = reader.AwaitAll(produced_at + absl::Seconds(timeout_s));
  Result("probe_event_id", probe.event_id());
  Result("probe_go_at", UnixSeconds(go_at));
  Result("probe_produced_at", UnixSeconds(produced_at));
  if (routed) {
    Result("probe_routed_at", UnixSeconds(reader.Seen().begin()->second));
  } else {
    std::fprintf(stderr, "plumbing_bench: the probe referral was not routed within %d s\n", timeout_s);
  }
  Exit(routed ? 0 : 1);
}

int ScanRate(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int timeout_s = 0;
  if (!absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "timeout", nullptr, "300"), &timeout_s) || timeout_s < 1) {
    return Usage();
  }
  struct Scan {
    std::string topic;
    int64_t messages = 0;
    int64_t bytes = 0;
    int64_t unparsed = 0;
    std::unordered_set<std::string> event_ids;
    absl::Status status;
    absl::Time done;
  };
  std::vector<Scan> scans(2);
  scans[0].topic = csec::kIntakeTopic;
  scans[1].topic = csec::kRoutingTopic;
  std::once_flag first_once;
  absl::Time first_at = absl::InfiniteFuture();
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (Scan& scan : scans) {
    threads.emplace_back([&brokers, &scan, &first_once, &first_at, timeout_s] {
      scan.status =
          csec::ScanTopic(csec::bench::BenchKafka(brokers, "plumbing-bench-scan"), scan.topic, absl::Seconds(timeout_s),
                          /*stop_at_end=*/true, [&](const csec::ConsumedMessage& m) {
                            std::call_once(first_once, [&] { first_at = absl::Now(); });
                            ++scan.messages;
                            scan.bytes += static_cast<int64_t>(m.payload.size());
                            Envelope e;
                            if (e.ParseFromString(m.payload) && !e.event_id().empty()) {
                              scan.event_ids.insert(e.event_id());
                            } else {
                              ++scan.unparsed;
                            }
                            return true;
                          });
      scan.done = absl::Now();
    });
  }
  for (std::thread& t : threads) t.join();
  const absl::Time end = std::max(scans[0].done, scans[1].done);
  int64_t messages = 0, bytes = 0, unparsed = 0;
  std::unordered_set<std::string> distinct;
  for (Scan& scan : scans) {
    if (!scan.status.ok()) {
      std::fprintf(stderr, "plumbing_bench: scanning %s: %s\n", scan.topic.c_str(), scan.status.ToString().c_str());
      return 1;
    }
    messages += scan.messages;
    bytes += scan.bytes;
    unparsed += scan.unparsed;
    distinct.insert(scan.event_ids.begin(), scan.event_ids.end());
  }
  const double seconds = absl::ToDoubleSeconds(end - start);
  Result("scan_intake_messages", scans[0].messages);
  Result("scan_routing_messages", scans[1].messages);
  Result("scan_messages", messages);
  Result("scan_distinct_events", static_cast<int64_t>(distinct.size()));
  Result("scan_unparsed", unparsed);
  Result("scan_bytes_avg", messages > 0 ? static_cast<double>(bytes) / static_cast<double>(messages) : 0.0);
  Result("scan_seconds", seconds);
  Result("scan_rate", seconds > 0 ? static_cast<double>(messages) / seconds : 0.0);
  // The same without the readers' start-up (client, metadata, watermarks): from the first message.
  if (messages > 1 && first_at < end) {
    const double after_first = absl::ToDoubleSeconds(end - first_at);
    Result("scan_first_seconds", absl::ToDoubleSeconds(first_at - start));
    Result("scan_rate_after_first", static_cast<double>(messages - 1) / after_first);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  if (command == "setup") return csec::bench::SetupCommand("plumbing_bench", {{"grpc", grpc::Version()}}, argc, argv);
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 2, {}, flags)) return Usage();
  if (command == "referral-json") return ReferralJson(flags);
  const std::string brokers = csec::bench::FlagOrEnv(flags, "brokers", "KAFKA_BROKERS", "");
  if (brokers.empty()) return Usage();
  if (command == "ensure-topics") return csec::bench::EnsureStackTopics(brokers, "plumbing-bench");
  if (command == "load-referrals") return LoadReferrals(brokers, flags);
  if (command == "await-routed") return AwaitRouted(brokers, flags);
  if (command == "probe") return Probe(brokers, flags);
  if (command == "scan-rate") return ScanRate(brokers, flags);
  return Usage();
}
