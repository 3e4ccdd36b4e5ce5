// paging_bench: the client side of tools/bench/paging/paging.sh, which starts its own stack,
// csec-timers and csec-paging and asks this program to route cases and watch the pages come.
// Each subcommand prints its results as `key=value` lines on stdout (for the script); messages go
// to stderr.
//
//   paging_bench setup [key=value ...]     # bench_common's setup block, plus Kafka and gRPC versions
//   paging_bench ensure-topics --brokers B
//   paging_bench run --brokers B --paging HOST:PORT [--n 1000] [--rate 50] [--arrival-s 20]
//                    [--warmup 50] [--grace-s 30] [--linger-s 3] [--floor-rate R]
//                    [--team mart-spa-6] [--advocacy saving-innocence]
//   paging_bench kafka-floor --brokers B [--rate 50] [--seconds 10]
//
// run: first asks PagingService.OnCall who is on call, now and at the run's latest end, for the
// rosters a MART case of --team pages (the team, the advocacy agency, and the supervisor lines
// mart-supervisor, cph-supervisor, advocacy-supervisor, plus ctu-supervisor, which must get
// nothing), and opens one WatchPages stream per person (each answered with its first token
// before anything is produced; a stream that breaks is resumed from its last token). A
// TopicTail on csec.timers.v1 notes each DeadlineMissed of the bench's cases. Then two phases of
// the same shape, a warm-up of --warmup cases (untimed) and the timed one of --n cases: one
// CaseRouted a case on csec.routing.v1 (MART, --team, --advocacy, identified_at = the instant it
// is produced, keyed by case id, through csec::KafkaProducer with the services' settings) every
// 1/--rate s, then reading until every expected page came or the last deadline + --grace-s
// passed, then --linger-s more for repeats. Deadlines are the protocol config's (the script
// writes one with arrival deadlines of --arrival-s).
//
// Expected pages of each case (page_sent.reason / role), by deploy/config/{protocol,paging}.yaml:
//   case_routed                         --team, --advocacy
//   deadline_missed:responder_arrival   mart-supervisor, cph-supervisor
//   deadline_missed:advocate_arrival    advocacy-supervisor, cph-supervisor
// A page is "received" when its PageSent comes off a WatchPages stream (this program's clock).
//
// Figures over the timed cases (ms; a page never received counts as infinitely late):
//   routed_first_*      CaseRouted produced (before ProduceAsync) -> first case_routed page received
//   routed_page_*       the same for each of the two routed pages (2N)
//   routed_svc_*        produced -> page_sent.sent_at of the first page (the service's clock: the
//                       same machine): Kafka hop in, the paging decision and produce
//   routed_stream_*     sent_at -> received, that page: Kafka hop out, WatchPages, gRPC
//   esc_first_*         responder_arrival due_at (DeadlineMissed.due_at) -> first escalation page
//                       received for the case
//   esc_page_*          due_at -> each escalation page received, both deadlines (4N)
//   esc_resp_page_*     due_at -> each responder_arrival page (2N); esc_adv_page_* advocate (2N)
//   esc_timers_*        responder_arrival DeadlineMissed.fired_at - due_at: the timers service's part
//   esc_paging_*        fired_at -> first escalation page received: the rest (Kafka in, paging,
//                       Kafka out, WatchPages)
//   esc_svc_*           fired_at -> that page's sent_at; esc_stream_* sent_at -> received
//   load_floor_*        with --floor-rate: a bare producer -> TopicTail on a topic of its own at
//                       that rate during the timed phase (the same load on the machine)
// Counts: pages_expected, pages_received (distinct expected pages), missing (not received within
// grace), late_beyond_grace, duplicates (an expected page received under two or more event ids),
// raw_repeats (the same event id again), repages (attempt > 1), unexpected (pages of the bench's
// cases with another reason or role, or to a person of another roster), missed_read (DeadlineMissed
// read for the timed cases; 2N expected), missed_repeats, reconnects, stream_errors.
//
// kafka-floor: the same bare producer -> TopicTail reader alone (floor_*), to run with the services
// stopped: what one Kafka hop costs at this rate on this broker.
//
// Times are wall-clock Unix seconds with a fraction, so that the script can compare them with its own.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "services/common/kafka/topic_tail.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_kafka.h"
#include "tools/cli_flags.h"

namespace {

using csec::dispatch::v1::Envelope;
namespace pb = csec::dispatch::v1;

constexpr double kInf = std::numeric_limits<double>::infinity();

int Usage() {
  std::fprintf(stderr,
               "usage: paging_bench setup [key=value ...]\n"
               "       paging_bench ensure-topics --brokers B\n"
               "       paging_bench run --brokers B --paging HOST:PORT [--n 1000] [--rate 50] [--arrival-s 20]\n"
               "                        [--warmup 50] [--grace-s 30] [--linger-s 3] [--floor-rate R]\n"
               "                        [--team mart-spa-6] [--advocacy saving-innocence]\n"
               "       paging_bench kafka-floor --brokers B [--rate 50] [--seconds 10]\n"
               "(a helper of tools/bench/paging/paging.sh, which runs the whole bench)\n");
  return 2;
}

double UnixSeconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }
using csec::bench::Exit;
using csec::bench::PrintStats;
using csec::bench::Result;
double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// ------------------------------------------------------------------------------- Kafka floor

// A bare producer (csec::KafkaProducer, the services' settings: idempotent, acks=all, linger
// 5 ms) sends a PageSent-sized envelope every 1/rate s to a topic of its own, and a TopicTail
// (what WatchPages reads with) reads it: read - the instant before ProduceAsync, per message.
class KafkaFloor {
 public:
  KafkaFloor(std::string brokers, int64_t rate) : brokers_(std::move(brokers)), rate_(rate) {}
  ~KafkaFloor() { Stop(); }

  absl::Status Start() {
    const csec::TopicSettings topic_settings{.partitions = csec::kTopicPartitions, .replication_factor = 1};
    if (absl::Status s =
            csec::EnsureTopics(csec::bench::BenchKafka(brokers_, "paging-bench"), {kTopic}, topic_settings);
        !s.ok()) {
      return s;
    }
    ASSIGN_OR_RETURN(auto tail, csec::TopicTail::Open(csec::bench::BenchKafka(brokers_, "paging-bench-floor-reader"),
                                                      kTopic, std::nullopt));
    tail_ = std::move(tail);
    ASSIGN_OR_RETURN(auto producer,
                     csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers_, "paging-bench-floor")));
    producer_ = std::move(producer);
    RETURN_IF_ERROR(producer_->CheckBrokers(absl::Seconds(10)));
    reader_ = std::thread([this] { Read(); });
    writer_ = std::thread([this] { Write(); });
    return absl::OkStatus();
  }

  // Stops sending, waits up to `drain` for what was sent to be read, stops reading.
  void Stop(absl::Duration drain = absl::Seconds(5)) {
    if (!writer_.joinable()) return;
    stop_writing_.store(true);
    writer_.join();
    (void)producer_->Flush(absl::Seconds(10));
    const absl::Time until = absl::Now() + drain;
    while (read_.load() < sent_.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
    stop_reading_.store(true);
    reader_.join();
  }

  void Print(const std::string& prefix) {
    absl::MutexLock lock(&mu_);
    std::vector<double> late;
    late.reserve(produced_at_.size());
    for (size_t i = 0; i < produced_at_.size(); ++i) {
      late.push_back(i < read_at_.size() && read_at_[i] != absl::InfinitePast() ? Ms(read_at_[i] - produced_at_[i])
                                                                                : kInf);
    }
    Result(prefix + "_rate", static_cast<double>(rate_));
    Result(prefix + "_sent", static_cast<int64_t>(produced_at_.size()));
    Result(prefix + "_read", read_.load());
    Result(prefix + "_failed", failed_.load());
    PrintStats(prefix, std::move(late));
  }

 private:
  static constexpr char kTopic[] = "paging-bench.floor";

  void Write() {
    const absl::Time start = absl::Now();
    for (int64_t i = 0; !stop_writing_.load(); ++i) {
      const absl::Time due = start + absl::Microseconds(i * 1'000'000 / rate_);
      if (absl::Time now = absl::Now(); now < due) absl::SleepFor(due - now);
      if (stop_writing_.load()) break;
      const std::string case_id = csec::NewRandomId();
      Envelope e = csec::NewEnvelope(csec::NewRandomId(), case_id, "paging", absl::Now());
      auto* page = e.mutable_page_sent();
      page->set_page_id(absl::StrCat(i));  // the index, for the reader
      page->set_role("cph-supervisor");
      page->set_reason("deadline_missed:responder_arrival");
      page->set_attempt(1);
      page->set_person_id("cph-supervisor-a");
      page->set_target("on_call:cph-supervisor");
      *page->mutable_sent_at() = csec::ToProtoTime(absl::Now());
      *page->mutable_ack_due_at() = csec::ToProtoTime(absl::Now() + absl::Minutes(10));
      const std::string bytes = e.SerializeAsString();
      {
        absl::MutexLock lock(&mu_);
        produced_at_.push_back(absl::Now());
        read_at_.push_back(absl::InfinitePast());
      }
      sent_.fetch_add(1);
      producer_->ProduceAsync(kTopic, case_id, bytes, [this](absl::Status s) {
        if (!s.ok()) failed_.fetch_add(1);
      });
    }
  }

  void Read() {
    while (!stop_reading_.load()) {
      auto m = tail_->Next(absl::Milliseconds(100));
      const absl::Time at = absl::Now();
      if (!m.ok()) {
        std::fprintf(stderr, "paging_bench: floor reader: %s\n", m.status().ToString().c_str());
        return;
      }
      if (!m->has_value()) continue;
      Envelope e;
      int64_t i = 0;
      if (!e.ParseFromString((*m)->payload) || !absl::SimpleAtoi(e.page_sent().page_id(), &i) || i < 0) continue;
      absl::MutexLock lock(&mu_);
      if (i >= static_cast<int64_t>(read_at_.size()) || read_at_[i] != absl::InfinitePast()) continue;
      read_at_[i] = at;
      read_.fetch_add(1);
    }
  }

  const std::string brokers_;
  const int64_t rate_;
  std::unique_ptr<csec::TopicTail> tail_;
  std::unique_ptr<csec::KafkaProducer> producer_;
  std::atomic<bool> stop_writing_{false}, stop_reading_{false};
  std::atomic<int64_t> sent_{0}, read_{0}, failed_{0};
  absl::Mutex mu_;
  std::vector<absl::Time> produced_at_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> read_at_ ABSL_GUARDED_BY(mu_);
  std::thread reader_, writer_;
};

int FloorCommand(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int64_t rate = 0, seconds = 0;
  if (!absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "rate", nullptr, "50"), &rate) || rate < 1 ||
      !absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, "seconds", nullptr, "10"), &seconds) || seconds < 1) {
    return Usage();
  }
  KafkaFloor floor(brokers, rate);
  if (absl::Status s = floor.Start(); !s.ok()) {
    std::fprintf(stderr, "paging_bench: kafka floor: %s\n", s.ToString().c_str());
    return 1;
  }
  absl::SleepFor(absl::Seconds(seconds));
  floor.Stop();
  floor.Print("floor");
  Exit(0);
}

// ------------------------------------------------------------------------------- the cases

// The six pages every case should get, by (reason, role).
enum Slot { kRoutedTeam, kRoutedAdvocacy, kRespMart, kRespCph, kAdvAdvocacy, kAdvCph, kSlots };
constexpr char kRoutedReason[] = "case_routed";
constexpr char kResponderReason[] = "deadline_missed:responder_arrival";
constexpr char kAdvocateReason[] = "deadline_missed:advocate_arrival";

struct Page {
  int copies = 0;                              // PageSent messages received (all event ids)
  absl::Time received = absl::InfinitePast();  // the first
  absl::Time sent_at;
  std::string event_id;
  bool other_event_id = false;
};

struct Missed {
  int copies = 0;
  absl::Time due_at, fired_at, read_at;
};

struct Case {
  std::string id;
  absl::Time produced = absl::InfinitePast();  // the instant before ProduceAsync; identified_at too
  Page pages[kSlots];
  Missed responder, advocate;
};

// Every case of the run and what came for them, shared by the stream threads, the timers reader
// and the main thread under one lock (a few thousand events in all).
class Tracker {
 public:
  Tracker(std::string team, std::string advocacy) : team_(std::move(team)), advocacy_(std::move(advocacy)) {}

  int AddCase(const std::string& id) {
    absl::MutexLock lock(&mu_);
    const int i = static_cast<int>(cases_.size());
    cases_.emplace_back();
    cases_.back().id = id;
    index_.emplace(id, i);
    return i;
  }
  void SetProduced(int i, absl::Time at) {
    absl::MutexLock lock(&mu_);
    cases_[i].produced = at;
  }

  void OnStreamEvent(const std::string& watched_person, const Envelope& e, absl::Time at) {
    absl::MutexLock lock(&mu_);
    if (e.has_shift_starting()) {
      ++shift_notices_;
      return;
    }
    if (!e.has_page_sent()) return;
    auto c = index_.find(e.case_id());
    if (c == index_.end()) return;  // not the bench's (another run's, or a roster's)
    const pb::PageSent& p = e.page_sent();
    const int slot = SlotOf(p.reason(), p.role());
    if (slot < 0 || p.person_id() != watched_person) {
      ++unexpected_[absl::StrCat(p.reason(), " to ", p.role(), "/", p.person_id())];
      return;
    }
    if (p.attempt() > 1) ++repages_;
    Page& page = cases_[c->second].pages[slot];
    if (page.copies++ == 0) {
      page.received = at;
      page.sent_at = csec::FromProtoTime(p.sent_at());
      page.event_id = e.event_id();
      ++received_;
    } else if (e.event_id() != page.event_id) {
      page.other_event_id = true;
    }
  }

  void OnTimersEvent(const Envelope& e, absl::Time at) {
    if (!e.has_deadline_missed()) return;
    absl::MutexLock lock(&mu_);
    auto c = index_.find(e.case_id());
    if (c == index_.end()) return;
    const pb::DeadlineMissed& d = e.deadline_missed();
    Missed* m = d.deadline_id() == "responder_arrival"  ? &cases_[c->second].responder
                : d.deadline_id() == "advocate_arrival" ? &cases_[c->second].advocate
                                                        : nullptr;
    if (m == nullptr) return;
    if (m->copies++ == 0) {
      m->due_at = csec::FromProtoTime(d.due_at());
      m->fired_at = csec::FromProtoTime(d.fired_at());
      m->read_at = at;
    }
  }

  // Pages received of cases [begin, end).
  int64_t Received(int begin, int end) {
    absl::MutexLock lock(&mu_);
    int64_t n = 0;
    for (int i = begin; i < end; ++i) {
      for (const Page& p : cases_[i].pages) n += p.copies > 0;
    }
    return n;
  }

  void Print(int begin, int end, absl::Duration arrival, absl::Duration grace) {
    absl::MutexLock lock(&mu_);
    std::vector<double> routed_first, routed_page, routed_svc, routed_stream;
    std::vector<double> esc_first, esc_page, esc_resp_page, esc_adv_page, esc_timers, esc_adv_timers, esc_paging,
        esc_svc, esc_stream;
    int64_t expected = 0, received = 0, missing = 0, late = 0, duplicates = 0, raw_repeats = 0;
    int64_t missed_read = 0, missed_repeats = 0, fired_early = 0;
    for (int i = begin; i < end; ++i) {
      const Case& c = cases_[i];
      // The due instants: DeadlineMissed's when read, else identified_at + the arrival deadline.
      const absl::Time due_computed = c.produced + arrival;
      const absl::Time resp_due = c.responder.copies > 0 ? c.responder.due_at : due_computed;
      const absl::Time adv_due = c.advocate.copies > 0 ? c.advocate.due_at : due_computed;
      for (const Missed* m : {&c.responder, &c.advocate}) {
        missed_read += m->copies > 0;
        missed_repeats += std::max(0, m->copies - 1);
        fired_early += m->copies > 0 && m->fired_at < m->due_at;
      }
      for (int s = 0; s < kSlots; ++s) {
        const Page& p = c.pages[s];
        const absl::Time from = s <= kRoutedAdvocacy ? c.produced : (s <= kRespCph ? resp_due : adv_due);
        ++expected;
        if (p.copies == 0) {
          ++missing;
        } else {
          ++received;
          if (p.received > from + grace) ++late;
          if (p.other_event_id) ++duplicates;
          raw_repeats += p.copies - 1;  // includes those under other ids; duplicates says which
        }
        const double ms = p.copies > 0 ? Ms(p.received - from) : kInf;
        if (s <= kRoutedAdvocacy) {
          routed_page.push_back(ms);
        } else {
          esc_page.push_back(ms);
          (s <= kRespCph ? esc_resp_page : esc_adv_page).push_back(ms);
        }
      }
      // First routed page.
      const Page* first = nullptr;
      for (int s : {kRoutedTeam, kRoutedAdvocacy}) {
        const Page& p = c.pages[s];
        if (p.copies > 0 && (first == nullptr || p.received < first->received)) first = &p;
      }
      routed_first.push_back(first ? Ms(first->received - c.produced) : kInf);
      if (first) {
        routed_svc.push_back(Ms(first->sent_at - c.produced));
        routed_stream.push_back(Ms(first->received - first->sent_at));
      }
      // First responder_arrival escalation page.
      first = nullptr;
      for (int s : {kRespMart, kRespCph}) {
        const Page& p = c.pages[s];
        if (p.copies > 0 && (first == nullptr || p.received < first->received)) first = &p;
      }
      esc_first.push_back(first ? Ms(first->received - resp_due) : kInf);
      esc_timers.push_back(c.responder.copies > 0 ? Ms(c.responder.fired_at - c.responder.due_at) : kInf);
      esc_adv_timers.push_back(c.advocate.copies > 0 ? Ms(c.advocate.fired_at - c.advocate.due_at) : kInf);
      if (first && c.responder.copies > 0) {
        esc_paging.push_back(Ms(first->received - c.responder.fired_at));
        esc_svc.push_back(Ms(first->sent_at - c.responder.fired_at));
        esc_stream.push_back(Ms(first->received - first->sent_at));
      }
    }
    Result("cases", static_cast<int64_t>(end - begin));
    Result("pages_expected", expected);
    Result("pages_received", received);
    Result("missing", missing);
    Result("late_beyond_grace", late);
    Result("duplicates", duplicates);
    Result("raw_repeats", raw_repeats);
    Result("repages", repages_);
    int64_t unexpected = 0;
    std::vector<std::string> kinds;
    for (const auto& [what, n] : unexpected_) {
      unexpected += n;
      kinds.push_back(absl::StrCat(what, " x", n));
    }
    Result("unexpected", unexpected);
    Result("unexpected_kinds", absl::StrJoin(kinds, "; "));
    Result("shift_notices", shift_notices_);
    Result("missed_read", missed_read);
    Result("missed_repeats", missed_repeats);
    Result("missed_fired_early", fired_early);
    PrintStats("routed_first", std::move(routed_first));
    PrintStats("routed_page", std::move(routed_page));
    PrintStats("routed_svc", std::move(routed_svc));
    PrintStats("routed_stream", std::move(routed_stream));
    PrintStats("esc_first", std::move(esc_first));
    PrintStats("esc_page", std::move(esc_page));
    PrintStats("esc_resp_page", std::move(esc_resp_page));
    PrintStats("esc_adv_page", std::move(esc_adv_page));
    PrintStats("esc_timers", std::move(esc_timers));
    PrintStats("esc_adv_timers", std::move(esc_adv_timers));
    PrintStats("esc_paging", std::move(esc_paging));
    PrintStats("esc_svc", std::move(esc_svc));
    PrintStats("esc_stream", std::move(esc_stream));
  }

 private:
  int SlotOf(const std::string& reason, const std::string& role) const {
    if (reason == kRoutedReason) return role == team_ ? kRoutedTeam : role == advocacy_ ? kRoutedAdvocacy : -1;
    if (reason == kResponderReason)
      return role == "mart-supervisor" ? kRespMart : role == "cph-supervisor" ? kRespCph : -1;
    if (reason == kAdvocateReason) {
      return role == "advocacy-supervisor" ? kAdvAdvocacy : role == "cph-supervisor" ? kAdvCph : -1;
    }
    return -1;
  }

  const std::string team_, advocacy_;
  absl::Mutex mu_;
  std::vector<Case> cases_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, int> index_ ABSL_GUARDED_BY(mu_);
  int64_t received_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t repages_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t shift_notices_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> unexpected_ ABSL_GUARDED_BY(mu_);
};

// ------------------------------------------------------------------------------- watchers

// One person's WatchPages stream on a thread of its own, resumed from its last token if it breaks.
class Watcher {
 public:
  Watcher(pb::PagingService::Stub* stub, std::string person, Tracker* tracker)
      : stub_(stub), person_(std::move(person)), tracker_(tracker) {}
  ~Watcher() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  bool Connected() const { return connected_.load(); }
  int64_t reconnects() const { return reconnects_.load(); }
  int64_t errors() const { return errors_.load(); }
  const std::string& person() const { return person_; }

  void Stop() {
    if (!thread_.joinable()) return;
    stopping_.store(true);
    {
      absl::MutexLock lock(&mu_);
      if (context_) context_->TryCancel();
    }
    thread_.join();
  }

 private:
  void Run() {
    std::string token;
    for (int round = 0; !stopping_.load(); ++round) {
      if (round > 0) {
        reconnects_.fetch_add(1);
        absl::SleepFor(absl::Milliseconds(200));
      }
      auto context = std::make_unique<grpc::ClientContext>();
      {
        absl::MutexLock lock(&mu_);
        if (stopping_.load()) return;
        context_ = context.get();
      }
      pb::WatchPagesRequest request;
      request.set_person_id(person_);
      request.set_resume_token(token);
      auto reader = stub_->WatchPages(context.get(), request);
      pb::WatchPagesResponse response;
      while (reader->Read(&response)) {
        const absl::Time at = absl::Now();
        token = response.resume_token();
        connected_.store(true);
        if (response.has_event()) tracker_->OnStreamEvent(person_, response.event(), at);
      }
      grpc::Status s = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
      }
      if (stopping_.load()) return;
      errors_.fetch_add(1);
      std::fprintf(stderr, "paging_bench: WatchPages %s ended: %d %s; resuming\n", person_.c_str(),
                   static_cast<int>(s.error_code()), s.error_message().c_str());
    }
  }

  pb::PagingService::Stub* stub_;
  const std::string person_;
  Tracker* tracker_;
  std::thread thread_;
  std::atomic<bool> stopping_{false}, connected_{false};
  std::atomic<int64_t> reconnects_{0}, errors_{0};
  absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// Notes the DeadlineMissed of the bench's cases from csec.timers.v1, from its end at Start().
class TimersReader {
 public:
  explicit TimersReader(Tracker* tracker) : tracker_(tracker) {}
  ~TimersReader() { Stop(); }
  absl::Status Start(const std::string& brokers) {
    ASSIGN_OR_RETURN(auto tail, csec::TopicTail::Open(csec::bench::BenchKafka(brokers, "paging-bench-timers"),
                                                      csec::kTimersTopic, std::nullopt));
    tail_ = std::move(tail);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        auto m = tail_->Next(absl::Milliseconds(100));
        const absl::Time at = absl::Now();
        if (!m.ok()) {
          std::fprintf(stderr, "paging_bench: reading csec.timers.v1: %s\n", m.status().ToString().c_str());
          return;
        }
        if (!m->has_value()) continue;
        Envelope e;
        if (e.ParseFromString((*m)->payload)) tracker_->OnTimersEvent(e, at);
      }
    });
    return absl::OkStatus();
  }
  void Stop() {
    if (!thread_.joinable()) return;
    stop_.store(true);
    thread_.join();
  }

 private:
  Tracker* tracker_;
  std::unique_ptr<csec::TopicTail> tail_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ------------------------------------------------------------------------------- run

struct RunOptions {
  int64_t n = 1000, rate = 50, arrival_s = 20, warmup = 50, grace_s = 30, linger_s = 3, floor_rate = 0;
  std::string team = "mart-spa-6", advocacy = "saving-innocence";
};

// Produces a CaseRouted for each of `ids` (the tracker's cases from `begin` on), one every
// 1/rate s; sets the first and last produce instants; false if any was not acknowledged.
bool Feed(csec::KafkaProducer* producer, Tracker* tracker, const std::vector<std::string>& ids, int begin,
          const RunOptions& o, absl::Time* first, absl::Time* last) {
  std::atomic<int64_t> failed{0};
  const absl::Time start = absl::Now();
  for (size_t k = 0; k < ids.size(); ++k) {
    const absl::Time due = start + absl::Microseconds(static_cast<int64_t>(k) * 1'000'000 / o.rate);
    if (absl::Time now = absl::Now(); now < due) absl::SleepFor(due - now);
    const absl::Time now = absl::Now();
    Envelope e = csec::NewEnvelope(csec::NewRandomId(), ids[k], "routing", now);
    auto* routed = e.mutable_case_routed();
    routed->set_agency(pb::RESPONDER_AGENCY_MART);
    routed->set_team_id(o.team);
    routed->set_advocacy_agency_id(o.advocacy);
    *routed->mutable_identified_at() = csec::ToProtoTime(now);
    tracker->SetProduced(begin + static_cast<int>(k), now);
    producer->ProduceAsync(csec::kRoutingTopic, ids[k], e.SerializeAsString(), [&failed](absl::Status s) {
      if (!s.ok() && failed.fetch_add(1) == 0)
        std::fprintf(stderr, "paging_bench: produce: %s\n", s.ToString().c_str());
    });
    if (k == 0) *first = now;
    *last = now;
  }
  if (absl::Status s = producer->Flush(absl::Seconds(60)); !s.ok()) {
    std::fprintf(stderr, "paging_bench: flush: %s\n", s.ToString().c_str());
    return false;
  }
  return failed.load() == 0;
}

// Waits until the cases [begin, end) have all their pages or `deadline` passes, then lingers.
void AwaitPages(Tracker* tracker, int begin, int end, absl::Time deadline, absl::Duration linger) {
  const int64_t expected = static_cast<int64_t>(end - begin) * kSlots;
  absl::Time report = absl::Now() + absl::Seconds(5);
  while (tracker->Received(begin, end) < expected && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    if (absl::Now() >= report) {
      std::fprintf(stderr, "paging_bench: %lld of %lld pages received\n",
                   static_cast<long long>(tracker->Received(begin, end)), static_cast<long long>(expected));
      report += absl::Seconds(5);
    }
  }
  const absl::Time until = std::min(deadline, absl::Now() + linger);
  absl::SleepFor(std::max(absl::ZeroDuration(), until - absl::Now()));
}

int RunCommand(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  RunOptions o;
  auto flag = [&](const char* name, int64_t* out, int64_t min) {
    return absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, name, nullptr, absl::StrCat(*out)), out) && *out >= min;
  };
  if (!flag("n", &o.n, 1) || !flag("rate", &o.rate, 1) || !flag("arrival-s", &o.arrival_s, 1) ||
      !flag("warmup", &o.warmup, 0) || !flag("grace-s", &o.grace_s, 1) || !flag("linger-s", &o.linger_s, 0) ||
      !flag("floor-rate", &o.floor_rate, 0)) {
    return Usage();
  }
  o.team = csec::bench::FlagOrEnv(flags, "team", nullptr, o.team);
  o.advocacy = csec::bench::FlagOrEnv(flags, "advocacy", nullptr, o.advocacy);
  const std::string paging = csec::bench::FlagOrEnv(flags, "paging", "PAGING_GRPC", "");
  if (paging.empty()) return Usage();
  const absl::Duration arrival = absl::Seconds(o.arrival_s), grace = absl::Seconds(o.grace_s);

  auto channel = grpc::CreateChannel(paging, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
    std::fprintf(stderr, "paging_bench: cannot connect to %s\n", paging.c_str());
    return 1;
  }
  auto stub = pb::PagingService::NewStub(channel);

  // Who is on call for the rosters these cases page, now and at the run's latest end.
  const std::vector<std::string> rosters = {
      o.team, o.advocacy, "mart-supervisor", "cph-supervisor", "advocacy-supervisor", "ctu-supervisor"};
  const absl::Duration longest = absl::Seconds(static_cast<double>(o.warmup + o.n) / static_cast<double>(o.rate)) +
                                 2 * (arrival + grace + absl::Seconds(o.linger_s)) + absl::Minutes(2);
  std::set<std::string> persons;
  std::vector<std::string> on_call_lines;
  for (const absl::Time at : {absl::Now(), absl::Now() + longest}) {
    for (const std::string& roster : rosters) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      pb::OnCallRequest request;
      request.set_roster_id(roster);
      *request.mutable_at() = csec::ToProtoTime(at);
      pb::OnCallResponse response;
      grpc::Status s = stub->OnCall(&context, request, &response);
      if (!s.ok()) {
        std::fprintf(stderr, "paging_bench: OnCall %s: %s\n", roster.c_str(), s.error_message().c_str());
        return 1;
      }
      for (const pb::OnCallShift& shift : response.shifts()) {
        if (shift.person_id().empty()) {
          std::fprintf(stderr, "paging_bench: nobody on call for %s\n", shift.roster_id().c_str());
          continue;
        }
        if (persons.insert(shift.person_id()).second) {
          on_call_lines.push_back(absl::StrCat(shift.roster_id(), ":", shift.person_id()));
        }
      }
    }
  }

  Tracker tracker(o.team, o.advocacy);
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (const std::string& person : persons) {
    watchers.push_back(std::make_unique<Watcher>(stub.get(), person, &tracker));
    watchers.back()->Start();
  }
  TimersReader timers(&tracker);
  if (absl::Status s = timers.Start(brokers); !s.ok()) {
    std::fprintf(stderr, "paging_bench: csec.timers.v1: %s\n", s.ToString().c_str());
    Exit(1);
  }
  const absl::Time connect_by = absl::Now() + absl::Seconds(30);
  while (absl::Now() < connect_by &&
         !std::all_of(watchers.begin(), watchers.end(), [](const auto& w) { return w->Connected(); })) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  for (const auto& w : watchers) {
    if (!w->Connected()) {
      std::fprintf(stderr, "paging_bench: WatchPages %s: no first token within 30 s\n", w->person().c_str());
      Exit(1);
    }
  }
  std::fprintf(stderr, "paging_bench: watching %zu streams (%s)\n", watchers.size(),
               absl::StrJoin(on_call_lines, ", ").c_str());

  auto producer = csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers, "paging-bench"));
  if (!producer.ok()) {
    std::fprintf(stderr, "paging_bench: producer: %s\n", producer.status().ToString().c_str());
    Exit(1);
  }
  if (absl::Status s = (*producer)->CheckBrokers(absl::Seconds(10)); !s.ok()) {
    std::fprintf(stderr, "paging_bench: %s\n", s.ToString().c_str());
    Exit(1);
  }

  const std::string run_id = csec::NewRandomId().substr(0, 8);
  auto add_cases = [&](const char* tag, int64_t count) {
    std::vector<std::string> ids;
    for (int64_t i = 0; i < count; ++i) {
      ids.push_back(absl::StrCat("paging-bench-", run_id, "-", tag, "-", i));
      tracker.AddCase(ids.back());
    }
    return ids;
  };

  // Warm-up: the same shape, untimed; its deadlines pass before the timed phase starts.
  absl::Time first = absl::Now(), last = absl::Now();
  if (o.warmup > 0) {
    const std::vector<std::string> ids = add_cases("w", o.warmup);
    std::fprintf(stderr, "paging_bench: warm-up: %lld cases at %lld/s\n", static_cast<long long>(o.warmup),
                 static_cast<long long>(o.rate));
    if (!Feed(producer->get(), &tracker, ids, 0, o, &first, &last)) Exit(1);
    AwaitPages(&tracker, 0, static_cast<int>(o.warmup), last + arrival + grace, absl::Seconds(1));
    std::fprintf(stderr, "paging_bench: warm-up: %lld of %lld pages\n",
                 static_cast<long long>(tracker.Received(0, static_cast<int>(o.warmup))),
                 static_cast<long long>(o.warmup * kSlots));
  }

  // The timed phase.
  const int begin = static_cast<int>(o.warmup), end = static_cast<int>(o.warmup + o.n);
  const std::vector<std::string> ids = add_cases("t", o.n);
  std::unique_ptr<KafkaFloor> load_floor;
  if (o.floor_rate > 0) {
    load_floor = std::make_unique<KafkaFloor>(brokers, o.floor_rate);
    if (absl::Status s = load_floor->Start(); !s.ok()) {
      std::fprintf(stderr, "paging_bench: kafka floor: %s\n", s.ToString().c_str());
      Exit(1);
    }
  }
  std::fprintf(stderr, "paging_bench: timed: %lld cases at %lld/s, deadlines %lld s after each\n",
               static_cast<long long>(o.n), static_cast<long long>(o.rate), static_cast<long long>(o.arrival_s));
  if (!Feed(producer->get(), &tracker, ids, begin, o, &first, &last)) Exit(1);
  const absl::Time fed = absl::Now();
  AwaitPages(&tracker, begin, end, last + arrival + grace, absl::Seconds(o.linger_s));
  const absl::Time done = absl::Now();
  if (load_floor) load_floor->Stop();
  for (auto& w : watchers) w->Stop();
  timers.Stop();

  Result("n", o.n);
  Result("rate", o.rate);
  Result("arrival_s", o.arrival_s);
  Result("warmup", o.warmup);
  Result("grace_s", o.grace_s);
  Result("team", o.team);
  Result("advocacy", o.advocacy);
  Result("watched", absl::StrJoin(on_call_lines, " "));
  Result("feed_first_unix", UnixSeconds(first));
  Result("feed_last_unix", UnixSeconds(last));
  Result("feed_rate", o.n > 1 ? static_cast<double>(o.n - 1) / absl::ToDoubleSeconds(last - first) : 0.0);
  Result("feed_acked_unix", UnixSeconds(fed));
  Result("done_unix", UnixSeconds(done));
  int64_t reconnects = 0, errors = 0;
  for (const auto& w : watchers) {
    reconnects += w->reconnects();
    errors += w->errors();
  }
  Result("streams", static_cast<int64_t>(watchers.size()));
  Result("reconnects", reconnects);
  Result("stream_errors", errors);
  tracker.Print(begin, end, arrival, grace);
  if (load_floor) load_floor->Print("load_floor");
  Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  if (command == "setup") return csec::bench::SetupCommand("paging_bench", {{"grpc", grpc::Version()}}, argc, argv);
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 2, {}, flags)) return Usage();
  const std::string brokers = csec::bench::FlagOrEnv(flags, "brokers", "KAFKA_BROKERS", "");
  if (brokers.empty()) return Usage();
  if (command == "ensure-topics") return csec::bench::EnsureStackTopics(brokers, "paging-bench");
  if (command == "run") return RunCommand(brokers, flags);
  if (command == "kafka-floor") return FloorCommand(brokers, flags);
  return Usage();
}
