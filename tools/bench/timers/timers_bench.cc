// timers_bench: the Kafka side of tools/bench/timers/timers.sh, which starts its own stack and
// csec-timers and asks this program to arm waits and read them back fired. Each subcommand prints
// its results as `key=value` lines on stdout (for the script); messages go to stderr.
//
//   timers_bench setup [key=value ...]     # bench_common's setup block, plus Kafka versions
//   timers_bench ensure-topics --brokers B
//   timers_bench phase --brokers B --n N --lead-ms L [--window-ms W] [--per-case 4]
//                      [--armed FILE] [--grace-s 30] [--linger-s 2] [--restart-info FILE]
//   timers_bench kafka-floor --brokers B [--rate 10000] [--seconds 10]
//
// phase: one schedule of N waits, armed and read back. First a reader is assigned to every
// partition of csec.timers.v1 at its end; then N WaitRequested envelopes go to csec.paging.v1
// (key = case id, 4 waits a case by default, case ids random UUIDs, kind "bench", subject the
// wait's index "0".."N-1", event id DeriveId("bench.wait", case id + subject)) through
// csec::KafkaProducer (idempotent, acks=all), all queued at once. Wait i is due at
// start + floor(i * W / N) ms, start = the moment arming begins + L (W = 0: all due at start, a
// burst). Once every request is acknowledged, --armed gets key=value lines (arm_start_unix,
// arm_acked_unix, first_due_unix, last_due_unix) for the script, which measures Redis and may
// kill the service meanwhile. The reader notes each WaitFired of these waits as it arrives, until
// all were read and then --linger-s more (repeats after a crash come a lease later), or until
// the last due instant + --grace-s.
//
// Figures, over the N waits (a wait never read counts as infinitely late):
//   late_*        end to end: the reader's wall clock on receipt - due_at (includes Kafka)
//   svc_late_*    service side: WaitFired.fired_at - due_at
//   fire_rate     waits read / (last first-receipt - first due instant)
//   lost          waits not read within due_at + grace
//   raw_repeats   WaitFired messages beyond the first of a wait with the same event id (dropped
//                 downstream by id, so harmless)
//   duplicates    waits fired under two or more different event ids: survive dedupe; must be 0
//   fired_early   waits whose fired_at is before their due_at
// With --restart-info (a file the script writes: killed_at=, launched_at= Unix seconds): resume
// = launch -> the first WaitFired the new process made (fired_at after the launch) is read, and
// the silence in fires read around the kill.
//
// kafka-floor: the reference for lateness (see KafkaFloor): floor_late_* in ms.
//
// Times are wall-clock Unix seconds with a fraction, so that the script can compare them with
// its own `date +%s.%N`.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "services/common/kafka/kafka_client.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_kafka.h"
#include "tools/cli_flags.h"

namespace {

using csec::dispatch::v1::Envelope;

int Usage() {
  std::fprintf(stderr,
               "usage: timers_bench setup [key=value ...]\n"
               "       timers_bench ensure-topics --brokers B\n"
               "       timers_bench phase --brokers B --n N --lead-ms L [--window-ms W] [--per-case 4]\n"
               "                          [--armed FILE] [--grace-s 30] [--linger-s 2] [--restart-info FILE]\n"
               "       timers_bench kafka-floor --brokers B [--rate 10000] [--seconds 10]\n"
               "(a helper of tools/bench/timers/timers.sh, which runs the whole bench)\n");
  return 2;
}

double UnixSeconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }
using csec::bench::Exit;
using csec::bench::Result;

bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// key=value lines of a file; empty when it cannot be read.
std::map<std::string, std::string> ReadKeyValues(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

// ------------------------------------------------------------------------------- the schedule

// N waits over N / per_case cases; wait i belongs to case i / per_case and is due at
// start + floor(i * window / N).
struct Schedule {
  int64_t n = 0;
  int64_t per_case = 4;
  absl::Time start;
  absl::Duration window;
  std::vector<std::string> cases;
  std::unordered_map<std::string, int64_t> case_index;

  absl::Time Due(int64_t i) const {
    if (window == absl::ZeroDuration()) return start;
    return start + absl::Milliseconds((i * absl::ToInt64Milliseconds(window)) / n);
  }
  // The wait a WaitFired is about, or -1 when it is not one of these (another phase's).
  int64_t IndexOf(const Envelope& e) const {
    auto c = case_index.find(e.case_id());
    int64_t i = 0;
    if (c == case_index.end() || !absl::SimpleAtoi(e.wait_fired().subject(), &i)) return -1;
    if (i < 0 || i >= n || i / per_case != c->second || e.wait_fired().kind() != "bench") return -1;
    return i;
  }
};

// ------------------------------------------------------------------------------- readers

// Reads one topic from its partitions' ends as of Start(), in a thread of its own, handing each
// message's payload and the wall-clock instant it was read to `visit` (on that thread).
class TailReader {
 public:
  using Visit = std::function<void(const char* data, size_t size, absl::Time read_at)>;
  TailReader(std::string brokers, std::string topic, Visit visit)
      : brokers_(std::move(brokers)), topic_(std::move(topic)), visit_(std::move(visit)) {}
  ~TailReader() { Stop(); }

  // Assigned and positioned at the ends once this returns OK: anything produced after is read.
  absl::Status Start() {
    ASSIGN_OR_RETURN(auto conf, csec::kafka_internal::MakeConf(
                                    csec::bench::BenchKafka(brokers_, "timers-bench-reader"),
                                    {{"group.id", absl::StrCat("timers-bench-", csec::NewRandomId())},
                                     {"enable.auto.commit", "false"},
                                     // Events arrive a few at a time: don't let the broker sit on a fetch.
                                     {"fetch.wait.max.ms", "10"}}));
    std::string err;
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer_) return absl::UnavailableError(absl::StrCat("kafka consumer: ", err));
    std::unique_ptr<RdKafka::Topic> handle(RdKafka::Topic::create(consumer_.get(), topic_, nullptr, err));
    RdKafka::Metadata* raw = nullptr;
    if (auto code = consumer_->metadata(false, handle.get(), &raw, 10000); code != RdKafka::ERR_NO_ERROR) {
      return csec::kafka_internal::FromKafkaError(code, absl::StrCat("metadata for ", topic_));
    }
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (metadata->topics()->empty() || metadata->topics()->at(0)->err() != RdKafka::ERR_NO_ERROR) {
      return absl::NotFoundError(absl::StrCat("topic ", topic_, " does not exist"));
    }
    // Explicit end offsets (not OFFSET_END, which is resolved later, when the fetch starts).
    std::vector<RdKafka::TopicPartition*> partitions;
    for (const auto* p : *metadata->topics()->at(0)->partitions()) {
      int64_t low = 0, high = 0;
      // Right after the topic is created its leaders may not be known yet: ask again for a while.
      RdKafka::ErrorCode code = RdKafka::ERR_NO_ERROR;
      for (int attempt = 0; attempt < 100; ++attempt) {
        code = consumer_->query_watermark_offsets(topic_, p->id(), &low, &high, 10000);
        if (code == RdKafka::ERR_NO_ERROR) break;
        absl::SleepFor(absl::Milliseconds(100));
      }
      if (code != RdKafka::ERR_NO_ERROR) {
        RdKafka::TopicPartition::destroy(partitions);
        return csec::kafka_internal::FromKafkaError(code, absl::StrCat("end offsets of ", topic_));
      }
      partitions.push_back(RdKafka::TopicPartition::create(topic_, p->id(), high));
    }
    consumer_->assign(partitions);
    RdKafka::TopicPartition::destroy(partitions);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        std::unique_ptr<RdKafka::Message> msg(consumer_->consume(100));
        if (msg->err() != RdKafka::ERR_NO_ERROR) continue;
        visit_(static_cast<const char*>(msg->payload()), msg->len(), absl::Now());
      }
      consumer_->close();
    });
    return absl::OkStatus();
  }

  // Joins the thread: after this, whatever `visit` wrote may be read.
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::string brokers_;
  const std::string topic_;
  const Visit visit_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// What the reader saw of one wait.
struct Seen {
  absl::Time first_received = absl::InfiniteFuture();
  absl::Time fired_at;         // the service's fired_at on the first copy
  uint64_t event_id_hash = 0;  // of the first copy's event id
  uint32_t copies = 0;
  bool other_event_id = false;  // a later copy carried a different event id
};

// The WaitFired events of one schedule on csec.timers.v1, as read. The schedule must outlive it.
class FiredReader {
 public:
  FiredReader(const std::string& brokers, const Schedule& schedule)
      : schedule_(schedule),
        seen_(schedule.n),
        reader_(brokers, csec::kTimersTopic,
                [this](const char* data, size_t size, absl::Time at) { Visit(data, size, at); }) {}

  absl::Status Start() { return reader_.Start(); }
  void Stop() { reader_.Stop(); }

  int64_t Distinct() const { return distinct_.load(); }
  // Only after Stop().
  const std::vector<Seen>& seen() const { return seen_; }
  // Every copy read, in order: (read at, the service's fired_at).
  const std::vector<std::pair<absl::Time, absl::Time>>& receipts() const { return receipts_; }
  int64_t messages() const { return messages_; }

 private:
  void Visit(const char* data, size_t size, absl::Time at) {
    Envelope e;
    if (!e.ParseFromArray(data, static_cast<int>(size)) || !e.has_wait_fired()) return;
    const int64_t i = schedule_.IndexOf(e);
    if (i < 0) return;
    ++messages_;
    const absl::Time fired_at = csec::FromProtoTime(e.wait_fired().fired_at());
    receipts_.emplace_back(at, fired_at);
    Seen& s = seen_[i];
    const uint64_t hash = std::hash<std::string>{}(e.event_id());
    if (s.copies++ == 0) {
      s.first_received = at;
      s.fired_at = fired_at;
      s.event_id_hash = hash;
      distinct_.fetch_add(1);
    } else if (hash != s.event_id_hash) {
      s.other_event_id = true;
    }
  }

  const Schedule& schedule_;
  std::atomic<int64_t> distinct_{0};
  // Written by the reader's thread only; read after Stop().
  std::vector<Seen> seen_;
  std::vector<std::pair<absl::Time, absl::Time>> receipts_;
  int64_t messages_ = 0;
  TailReader reader_;  // last: its thread stops before the members it writes go
};

// ------------------------------------------------------------------------------- subcommands

// Percentiles of lateness in ms, a never-read wait counting as +inf; prints prefix_p50_ms etc.
void PrintLateness(const std::string& prefix, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Result(prefix + "_min_ms", ms.front());
  Result(prefix + "_p50_ms", csec::bench::Percentile(ms, 50));
  Result(prefix + "_p99_ms", csec::bench::Percentile(ms, 99));
  Result(prefix + "_p999_ms", csec::bench::Percentile(ms, 99.9));
  Result(prefix + "_max_ms", ms.back());
}

int Phase(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int64_t n = 0, lead_ms = 0, window_ms = 0, per_case = 0, grace_s = 0, linger_s = 0;
  auto flag = [&](const char* name, const char* fallback, int64_t* out, int64_t min) {
    return absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, name, nullptr, fallback), out) && *out >= min;
  };
  if (!flag("n", "", &n, 1) || !flag("lead-ms", "", &lead_ms, 0) || !flag("window-ms", "0", &window_ms, 0) ||
      !flag("per-case", "4", &per_case, 1) || !flag("grace-s", "30", &grace_s, 1) ||
      !flag("linger-s", "2", &linger_s, 0)) {
    return Usage();
  }
  const std::string armed_file = csec::bench::FlagOrEnv(flags, "armed", nullptr, "");
  const std::string restart_file = csec::bench::FlagOrEnv(flags, "restart-info", nullptr, "");

  Schedule schedule;
  schedule.n = n;
  schedule.per_case = per_case;
  schedule.window = absl::Milliseconds(window_ms);
  for (int64_t c = 0; c * per_case < n; ++c) {
    schedule.cases.push_back(csec::NewRandomId());
    schedule.case_index.emplace(schedule.cases.back(), c);
  }

  // A local queue that holds every request at once, so queueing never refuses one.
  csec::KafkaSettings settings = csec::bench::BenchKafka(brokers, "timers-bench");
  settings.extra["queue.buffering.max.messages"] = absl::StrCat(std::max<int64_t>(n + 1, 100'000));
  settings.extra["queue.buffering.max.kbytes"] = "2097151";
  auto producer = csec::KafkaProducer::Create(
      settings, {.flush_timeout = absl::Seconds(10), .message_timeout = absl::Seconds(300)});
  if (!producer.ok()) {
    std::fprintf(stderr, "timers_bench: producer: %s\n", producer.status().ToString().c_str());
    return 1;
  }
  if (absl::Status s = (*producer)->CheckBrokers(absl::Seconds(10)); !s.ok()) {
    std::fprintf(stderr, "timers_bench: %s\n", s.ToString().c_str());
    return 1;
  }

  FiredReader reader(brokers, schedule);
  if (absl::Status s = reader.Start(); !s.ok()) {
    std::fprintf(stderr, "timers_bench: reading csec.timers.v1: %s\n", s.ToString().c_str());
    return 1;
  }

  // Arm: the schedule starts `lead` after this instant.
  const absl::Time arm_start = absl::Now();
  schedule.start = arm_start + absl::Milliseconds(lead_ms);
  std::atomic<int64_t> failed{0};
  for (int64_t i = 0; i < n; ++i) {
    const std::string& case_id = schedule.cases[i / per_case];
    const std::string subject = absl::StrCat(i);
    Envelope e = csec::NewEnvelope(csec::DeriveId("bench.wait", case_id + subject), case_id, "bench", absl::Now());
    auto* wait = e.mutable_wait_requested();
    wait->set_kind("bench");
    wait->set_subject(subject);
    *wait->mutable_due_at() = csec::ToProtoTime(schedule.Due(i));
    (*producer)->ProduceAsync(csec::kPagingTopic, case_id, e.SerializeAsString(), [&failed](absl::Status s) {
      if (!s.ok() && failed.fetch_add(1) == 0)
        std::fprintf(stderr, "timers_bench: produce: %s\n", s.ToString().c_str());
    });
  }
  const absl::Time queued_at = absl::Now();
  if (absl::Status s = (*producer)->Flush(absl::Seconds(300)); !s.ok() || failed.load() > 0) {
    std::fprintf(stderr, "timers_bench: %lld of %lld wait requests failed (%s)\n",
                 static_cast<long long>(failed.load()), static_cast<long long>(n), s.ToString().c_str());
    Exit(1);
  }
  const absl::Time acked_at = absl::Now();
  const absl::Time last_due = schedule.Due(n - 1);
  std::fprintf(stderr, "timers_bench: %lld waits armed in %.1f s; first due in %.1f s\n", static_cast<long long>(n),
               absl::ToDoubleSeconds(acked_at - arm_start), absl::ToDoubleSeconds(schedule.start - acked_at));
  if (!armed_file.empty() &&
      !WriteFileAtomically(armed_file,
                           absl::StrCat("arm_start_unix=", absl::StrFormat("%.6f", UnixSeconds(arm_start)),
                                        "\narm_acked_unix=", absl::StrFormat("%.6f", UnixSeconds(acked_at)),
                                        "\nfirst_due_unix=", absl::StrFormat("%.6f", UnixSeconds(schedule.start)),
                                        "\nlast_due_unix=", absl::StrFormat("%.6f", UnixSeconds(last_due)), "\n"))) {
    std::fprintf(stderr, "timers_bench: cannot write %s\n", armed_file.c_str());
    Exit(1);
  }

  // Read until every wait was read (then linger for repeats) or the last one's grace ran out.
  const absl::Time deadline = last_due + absl::Seconds(grace_s);
  while (reader.Distinct() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  const absl::Time linger_until = std::min(deadline, absl::Now() + absl::Seconds(linger_s));
  absl::SleepFor(std::max(absl::ZeroDuration(), linger_until - absl::Now()));
  reader.Stop();

  // Figures.
  const auto& seen = reader.seen();
  std::vector<double> late, svc_late;
  late.reserve(n);
  svc_late.reserve(n);
  int64_t read = 0, lost = 0, duplicates = 0, copies = 0, early = 0;
  absl::Time last_first = absl::InfinitePast();
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    const Seen& s = seen[i];
    const absl::Time due = schedule.Due(i);
    copies += s.copies;
    if (s.copies == 0) {
      late.push_back(inf);
      svc_late.push_back(inf);
      ++lost;
      continue;
    }
    ++read;
    last_first = std::max(last_first, s.first_received);
    late.push_back(absl::ToDoubleMilliseconds(s.first_received - due));
    svc_late.push_back(absl::ToDoubleMilliseconds(s.fired_at - due));
    if (s.fired_at < due) ++early;
    if (s.first_received > due + absl::Seconds(grace_s)) ++lost;
    if (s.other_event_id) ++duplicates;
  }
  Result("n", n);
  Result("window_ms", window_ms);
  Result("per_case", per_case);
  Result("arm_start_unix", UnixSeconds(arm_start));
  Result("arm_queue_seconds", absl::ToDoubleSeconds(queued_at - arm_start));
  Result("arm_seconds", absl::ToDoubleSeconds(acked_at - arm_start));
  Result("arm_rate", static_cast<double>(n) / absl::ToDoubleSeconds(acked_at - arm_start));
  Result("first_due_unix", UnixSeconds(schedule.start));
  Result("last_due_unix", UnixSeconds(last_due));
  Result("read", read);
  Result("lost", lost);
  Result("messages", reader.messages());
  Result("raw_repeats", copies - read);
  Result("duplicates", duplicates);
  Result("fired_early", early);  // fired_at before due_at
  PrintLateness("late", late);
  PrintLateness("svc_late", svc_late);
  if (read > 0) {
    const double span = absl::ToDoubleSeconds(last_first - schedule.start);
    Result("last_read_unix", UnixSeconds(last_first));
    Result("span_seconds", span);
    Result("fire_rate", span > 0 ? static_cast<double>(read) / span : inf);
  }

  // After a kill: launch -> first fire read, and the silence around it.
  if (!restart_file.empty()) {
    const auto info = ReadKeyValues(restart_file);
    double killed = 0, launched = 0;
    if (info.count("killed_at") == 0 || info.count("launched_at") == 0 ||
        !absl::SimpleAtod(info.at("killed_at"), &killed) || !absl::SimpleAtod(info.at("launched_at"), &launched)) {
      std::fprintf(stderr, "timers_bench: no killed_at/launched_at in %s\n", restart_file.c_str());
    } else {
      const absl::Time killed_at = absl::UnixEpoch() + absl::Seconds(killed);
      const absl::Time launched_at = absl::UnixEpoch() + absl::Seconds(launched);
      absl::Time last_before = absl::InfinitePast(), first_after = absl::InfiniteFuture();
      int64_t before_kill = 0;
      // A fire the killed process made may still be in flight when the new one starts: the
      // resumption is the first fire the new process made (fired_at after its launch; the same
      // machine's clock).
      for (const auto& [at, fired_at] : reader.receipts()) {
        if (at <= killed_at) {
          last_before = std::max(last_before, at);
          ++before_kill;
        }
        if (fired_at >= launched_at) first_after = std::min(first_after, at);
      }
      int64_t due_while_down = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (schedule.Due(i) > killed_at && schedule.Due(i) <= first_after) ++due_while_down;
      }
      Result("killed_at_unix", UnixSeconds(killed_at));
      Result("launched_at_unix", UnixSeconds(launched_at));
      Result("read_before_kill", before_kill);
      Result("due_while_down", due_while_down);
      if (first_after != absl::InfiniteFuture()) {
        Result("resume_seconds", absl::ToDoubleSeconds(first_after - launched_at));
        Result("first_read_after_launch_unix", UnixSeconds(first_after));
        if (last_before != absl::InfinitePast()) {
          Result("silence_seconds", absl::ToDoubleSeconds(first_after - last_before));
        }
      }
    }
  }
  Exit(0);
}

// The floor under end-to-end lateness: a bare producer (csec::KafkaProducer, the services'
// settings: idempotent, acks=all, linger 5 ms) sends a WaitFired-sized envelope at each instant
// of an even schedule at `rate`/s for `seconds`, to a topic of its own, and a reader like the
// phase's reads them: receipt - the scheduled instant is what Kafka alone adds to a fire that
// the service makes exactly on time.
int KafkaFloor(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int64_t rate = 0, seconds = 0;
  if (!absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "rate", nullptr, "10000"), &rate) || rate < 1 ||
      !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "seconds", nullptr, "10"), &seconds) || seconds < 1) {
    return Usage();
  }
  const std::string topic = "timers-bench.floor";
  const csec::TopicSettings topic_settings{.partitions = csec::kTopicPartitions, .replication_factor = 1};
  if (absl::Status s = csec::EnsureTopics(csec::bench::BenchKafka(brokers, "timers-bench"), {topic}, topic_settings);
      !s.ok()) {
    std::fprintf(stderr, "timers_bench: creating %s: %s\n", topic.c_str(), s.ToString().c_str());
    return 1;
  }
  const int64_t n = rate * seconds;
  std::vector<double> late(n, std::numeric_limits<double>::infinity());
  std::atomic<int64_t> read{0};
  TailReader reader(brokers, topic, [&](const char* data, size_t size, absl::Time at) {
    Envelope e;
    int64_t i = 0;
    if (!e.ParseFromArray(data, static_cast<int>(size)) || !absl::SimpleAtoi(e.wait_fired().subject(), &i) || i < 0 ||
        i >= n || !std::isinf(late[i])) {
      return;
    }
    late[i] = absl::ToDoubleMilliseconds(at - csec::FromProtoTime(e.wait_fired().due_at()));
    read.fetch_add(1);
  });
  if (absl::Status s = reader.Start(); !s.ok()) {
    std::fprintf(stderr, "timers_bench: reading %s: %s\n", topic.c_str(), s.ToString().c_str());
    return 1;
  }
  auto producer = csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers, "timers-bench-floor"));
  if (!producer.ok()) {
    std::fprintf(stderr, "timers_bench: producer: %s\n", producer.status().ToString().c_str());
    return 1;
  }
  if (absl::Status s = (*producer)->CheckBrokers(absl::Seconds(10)); !s.ok()) {
    std::fprintf(stderr, "timers_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  std::atomic<int64_t> failed{0};
  const absl::Time start = absl::Now() + absl::Milliseconds(200);
  for (int64_t i = 0; i < n; ++i) {
    const absl::Time due = start + absl::Microseconds(i * 1'000'000 / rate);
    if (absl::Time now = absl::Now(); now < due) absl::SleepFor(due - now);
    const std::string case_id = csec::NewRandomId();
    Envelope e = csec::NewEnvelope(csec::NewRandomId(), case_id, "timers", absl::Now());
    auto* fired = e.mutable_wait_fired();
    fired->set_kind("bench");
    fired->set_subject(absl::StrCat(i));
    *fired->mutable_due_at() = csec::ToProtoTime(due);
    *fired->mutable_fired_at() = csec::ToProtoTime(absl::Now());
    (*producer)->ProduceAsync(topic, case_id, e.SerializeAsString(), [&failed](absl::Status s) {
      if (!s.ok()) failed.fetch_add(1);
    });
  }
  const absl::Time sent_at = absl::Now();
  (void)(*producer)->Flush(absl::Seconds(60));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (read.load() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  reader.Stop();
  Result("floor_n", n);
  Result("floor_rate", static_cast<double>(n) / absl::ToDoubleSeconds(sent_at - start));
  Result("floor_read", read.load());
  Result("floor_failed", failed.load());
  std::sort(late.begin(), late.end());
  PrintLateness("floor_late", late);
  Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  if (command == "setup") return csec::bench::SetupCommand("timers_bench", {}, argc, argv);
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 2, {}, flags)) return Usage();
  const std::string brokers = csec::bench::FlagOrEnv(flags, "brokers", "KAFKA_BROKERS", "");
  if (brokers.empty()) return Usage();
  if (command == "ensure-topics") return csec::bench::EnsureStackTopics(brokers, "timers-bench");
  if (command == "phase") return Phase(brokers, flags);
  if (command == "kafka-floor") return KafkaFloor(brokers, flags);
  return Usage();
}
