// medical_bench: the client side of tools/bench/medical/medical.sh, which starts its own stack and
// P csec-medical processes (one consumer group, "medical") and asks this program to route cases at
// them, to book the same way against Redis alone, and to time a bare Kafka round trip. Each
// subcommand prints its results as `key=value` lines on stdout (for the script); messages go to
// stderr.
//
//   medical_bench setup [key=value ...]     # bench_common's setup block, plus Kafka and gRPC versions
//   medical_bench ensure-topics --brokers B
//   medical_bench book --brokers B --medical HOST:PORT --redis HOST:PORT --protocol-config F
//                      --medical-config F --day YYYY-MM-DD --tag T [--n 2000] (--slots S [--spread G] | --plenty)
//                      [--rate 0] [--timeout-s 120] [--linger-s 2]
//   medical_bench redis-book --redis HOST:PORT --protocol-config F --medical-config F --day YYYY-MM-DD
//                      --tag T [--n 2000] (--slots S [--spread G] | --plenty) [--clients 2]
//                      [--threads-per-client 4] [--calls book|case]
//   medical_bench kafka-echo --brokers B [--n 2000] [--rate 0] [--timeout-s 60]
//
// The calendar (book and redis-book): every case of a run is one SPA 4 case (candidate hubs
// hub-lac-usc, hub-chla, hub-mlk, as protocol.yaml lists them) identified at 09:00 local on --day,
// so all compete for the same hub days: the groups RankSlots gives for that search (every hub day
// of the 72-hour window, best first, exactly what the service computes, as --day lies in the future:
// not_before = identified_at + lead time). With --slots S the S slots are spread evenly over the
// best G (--spread, 8) hub days and every other hub day of the window is closed; with --plenty
// every hub day's capacity is all its exam times (the run fails when they number fewer than N).
// book sets it with MedicalHubService.SetHubDay (one call per hub day, through the service);
// redis-book with MedicalStore::SetDay (the same Redis script the service runs for that call).
//
// book: opens a TopicTail on csec.medical.v1 at its end, then produces one CaseRouted per case on
// csec.routing.v1 (keyed by case id, the services' producer settings) as fast as it can, or at
// --rate a second, and reads every MedicalAppointmentScheduled / MedicalSchedulingFailed of the
// run's cases until each case has one or --timeout-s after the last produce, then --linger-s more
// for repeats. Then reads every hub day of the window from Redis. Figures:
//   decisions_per_s   decisions read (first per case) / (last of them read - first CaseRouted produced)
//   latency_*         CaseRouted produced (the instant before ProduceAsync) -> its decision read, ms
//                     (a case never decided counts as infinitely late)
// Invariants, each a count that must be 0 (listed in `violations`, and ok=0 when one is not):
//   missing           cases without a decision
//   scheduled != expected  expected = min(N, slots offered in the window)
//   other_causes      failures whose cause is not no_capacity
//   slot_conflicts    a (hub, date, slot) scheduled for two or more cases
//   outside_plan      a case scheduled on a hub day the calendar gave no capacity
//   second_decisions  a case decided again under another event id; raw_repeats: an event id again
//   redis_*           the window's hub days in Redis: slots held (s<slot> fields) != scheduled, the
//                     `booked` counter != slots held, a slot held by another case than the event
//                     says, a hub day over its capacity, a slot held by a case not of this run
//
// redis-book: the reference "Redis alone". --clients RedisClients (as many as service processes),
// each shared by --threads-per-client threads (as many as each process's booking workers), book
// the same N cases against the same calendar shape on another day, straight through
// csec::medical::MedicalStore, with the service's appointment ids: --calls book runs
// MedicalStore::Book (the booking script) alone; --calls case runs every Redis call the service
// makes per routed case, in its order (Lock, LoadCase, Book, SaveCase, Unlock), no Kafka. The
// groups are ranked once (RankSlots is the same for every case of a run), so only Redis is timed.
// Figures: decisions_per_s (N / time from the threads' common start to the last answer),
// latency_* per case (ms), and the same invariants on what Redis holds (no events: no repeats).
//
// kafka-echo: the reference "Kafka alone". N CaseRouted-sized envelopes produced to a topic of its
// own (medical-bench.echo.in) the same way (all at once, or at --rate); an echo thread reads them
// (TopicTail) and produces each to medical-bench.echo.out; a reader reads those: produced -> read
// back, ms (echo_rt_*), the first hop (echo_hop_*), and messages/s through both hops.
//
// Times are wall-clock Unix seconds with a fraction, so that the script can compare them with its own.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/medical_service.grpc.pb.h"
#include "csec/dispatch/v1/medical_state.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/kafka.h"
#include "services/common/kafka/topic_tail.h"
#include "services/common/redis/redis.h"
#include "services/medical/medical_config.h"
#include "services/medical/medical_store.h"
#include "services/medical/slot_choice.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_kafka.h"
#include "tools/cli_flags.h"

namespace {

namespace pb = csec::dispatch::v1;
using csec::medical::MedicalConfig;
using csec::medical::SlotGroup;
using pb::Envelope;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr char kArea[] = "spa-4";
// SPA 4's hubs, nearest first, as protocol.yaml lists them (tests/integration/medical_test.cc too).
const std::vector<std::string>& Spa4Hubs() {
  static const auto* hubs = new std::vector<std::string>{"hub-lac-usc", "hub-chla", "hub-mlk"};
  return *hubs;
}

int Usage() {
  std::fprintf(
      stderr,
      "usage: medical_bench setup [key=value ...]\n"
      "       medical_bench ensure-topics --brokers B\n"
      "       medical_bench book --brokers B --medical HOST:PORT --redis HOST:PORT --protocol-config F\n"
      "                          --medical-config F --day YYYY-MM-DD --tag T [--n 2000]\n"
      "                          (--slots S [--spread 8] | --plenty) [--rate 0] [--timeout-s 120] [--linger-s 2]\n"
      "       medical_bench redis-book --redis HOST:PORT --protocol-config F --medical-config F\n"
      "                          --day YYYY-MM-DD --tag T [--n 2000] (--slots S [--spread 8] | --plenty)\n"
      "                          [--clients 2] [--threads-per-client 4] [--calls book|case]\n"
      "       medical_bench kafka-echo --brokers B [--n 2000] [--rate 0] [--timeout-s 60]\n"
      "(a helper of tools/bench/medical/medical.sh, which runs the whole bench)\n");
  return 2;
}

double UnixSeconds(absl::Time t) { return absl::ToDoubleSeconds(t - absl::UnixEpoch()); }
using csec::bench::Exit;
using csec::bench::PrintStats;
using csec::bench::Result;
double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

bool IntFlag(const std::map<std::string, std::string>& flags, const char* name, int64_t* out, int64_t min) {
  return absl::SimpleAtoi(csec::bench::FlagOrEnv(flags, name, nullptr, absl::StrCat(*out)), out) && *out >= min;
}

// ------------------------------------------------------------------------------- the calendar

// The run's hub days and what each offers: RankSlots' groups for one SPA 4 case identified at
// 09:00 local on `day`, best first, with the capacity the bench gives each (0: closed).
struct Plan {
  std::shared_ptr<const csec::ProtocolConfig> protocol;
  MedicalConfig config;
  absl::CivilDay day;
  absl::Time identified_at;
  std::vector<SlotGroup> groups;
  std::vector<int> capacity;
  int64_t offered = 0;  // slots in the window: the sum of capacity
  bool plenty = false;
  int64_t open_groups = 0;
  std::string Label(size_t i) const {
    return absl::StrCat(groups[i].hub_id, "|", csec::medical::FormatLocalDate(groups[i].day));
  }
};

absl::StatusOr<Plan> MakePlan(const std::map<std::string, std::string>& flags, int64_t n) {
  const std::string protocol_path = csec::bench::FlagOrEnv(flags, "protocol-config", nullptr, "");
  const std::string medical_path = csec::bench::FlagOrEnv(flags, "medical-config", nullptr, "");
  const std::string day_text = csec::bench::FlagOrEnv(flags, "day", nullptr, "");
  if (protocol_path.empty() || medical_path.empty() || day_text.empty()) {
    return absl::InvalidArgumentError("--protocol-config, --medical-config and --day are required");
  }
  Plan plan;
  ASSIGN_OR_RETURN(auto protocol, csec::LoadProtocolConfig(protocol_path));
  plan.protocol = std::move(protocol);
  ASSIGN_OR_RETURN(auto config, csec::medical::LoadMedicalConfig(medical_path, *plan.protocol));
  plan.config = std::move(config);
  std::optional<absl::CivilDay> day = csec::medical::ParseLocalDate(day_text);
  if (!day) return absl::InvalidArgumentError("--day: must be YYYY-MM-DD");
  plan.day = *day;
  plan.identified_at =
      absl::FromCivil(absl::CivilMinute(day->year(), day->month(), day->day(), 9, 0), plan.config.time_zone);
  if (plan.identified_at < absl::Now() + absl::Hours(24)) {
    return absl::InvalidArgumentError(
        "--day: must lie in the future (the window must not depend on the time of booking)");
  }
  const csec::medical::SlotSearch search =
      csec::medical::NewSlotSearch(plan.config, kArea, plan.identified_at, absl::Now(), Spa4Hubs());
  plan.groups = csec::medical::RankSlots(plan.config, search);
  if (plan.groups.empty()) return absl::FailedPreconditionError("no hub day of the window has exam times");
  plan.capacity.assign(plan.groups.size(), 0);

  const bool plenty = flags.contains("plenty");
  int64_t slots = 0, spread = 8;
  if (plenty == flags.contains("slots")) return absl::InvalidArgumentError("give one of --slots S and --plenty");
  plan.plenty = plenty;
  if (plenty) {
    for (size_t i = 0; i < plan.groups.size(); ++i) {
      plan.capacity[i] = plan.groups[i].last_slot - plan.groups[i].first_slot + 1;
      plan.offered += plan.capacity[i];
    }
    if (plan.offered < n) {
      return absl::FailedPreconditionError(absl::StrCat("--plenty: the window has only ", plan.offered,
                                                        " exam times for ", n, " cases: shorten the exams"));
    }
  } else {
    if (!IntFlag(flags, "slots", &slots, 1) || !IntFlag(flags, "spread", &spread, 1)) {
      return absl::InvalidArgumentError("--slots and --spread: positive integers");
    }
    const int64_t g = std::min<int64_t>({spread, static_cast<int64_t>(plan.groups.size()), slots});
    for (int64_t i = 0; i < g; ++i) {
      plan.capacity[i] = static_cast<int>(slots / g + (i < slots % g ? 1 : 0));
      const int times = plan.groups[i].last_slot - plan.groups[i].first_slot + 1;
      if (plan.capacity[i] > times) {
        return absl::FailedPreconditionError(absl::StrCat(plan.Label(i), " has only ", times, " exam times, not ",
                                                          plan.capacity[i], ": raise --spread"));
      }
      plan.offered += plan.capacity[i];
    }
  }
  for (int c : plan.capacity) plan.open_groups += c > 0 ? 1 : 0;
  return plan;
}

void PrintPlan(const Plan& plan) {
  Result("day", csec::medical::FormatLocalDate(plan.day));
  Result("identified_at_unix", UnixSeconds(plan.identified_at));
  Result("hub_days", static_cast<int64_t>(plan.groups.size()));
  Result("open_hub_days", plan.open_groups);
  Result("offered", plan.offered);
  Result("plenty", static_cast<int64_t>(plan.plenty ? 1 : 0));
  std::vector<std::string> open;
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    if (plan.capacity[i] > 0) open.push_back(absl::StrCat(plan.Label(i), ":", plan.capacity[i]));
  }
  Result("calendar", plan.plenty ? std::string("every hub day at all its exam times") : absl::StrJoin(open, " "));
}

// What a case was given, from a decision event or Book's answer.
struct Decision {
  bool scheduled = false;
  std::string hub, date;
  int slot = -1;
  std::string cause;  // when failed
};

// The invariants over the first decision of each case and what Redis holds for the window's hub
// days. `decisions[i]` is nullopt for a case never decided. Appends to `violations`, prints counts.
void CheckDecisions(const Plan& plan, const std::vector<std::string>& case_ids,
                    const std::vector<std::optional<Decision>>& decisions, csec::RedisClient* redis,
                    std::vector<std::string>& violations) {
  int64_t decided = 0, scheduled = 0, failed = 0, no_capacity = 0, other_causes = 0, slot_conflicts = 0,
          outside_plan = 0;
  std::map<std::string, int64_t> causes;
  std::map<std::tuple<std::string, std::string, int>, int> holders;  // (hub, date, slot) → cases
  std::map<std::string, int> capacity_of;                            // "<hub>|<date>" → capacity
  for (size_t i = 0; i < plan.groups.size(); ++i) capacity_of[plan.Label(i)] = plan.capacity[i];
  std::unordered_map<std::string, const Decision*> by_case;
  for (size_t i = 0; i < case_ids.size(); ++i) {
    if (!decisions[i]) continue;
    ++decided;
    const Decision& d = *decisions[i];
    by_case[case_ids[i]] = &d;
    if (d.scheduled) {
      ++scheduled;
      if (++holders[{d.hub, d.date, d.slot}] == 2) ++slot_conflicts;
      auto it = capacity_of.find(absl::StrCat(d.hub, "|", d.date));
      if (it == capacity_of.end() || it->second == 0) ++outside_plan;
    } else {
      ++failed;
      ++causes[d.cause];
      if (d.cause == "no_capacity") {
        ++no_capacity;
      } else {
        ++other_causes;
      }
    }
  }
  const int64_t n = static_cast<int64_t>(case_ids.size());
  const int64_t expected = std::min(n, plan.offered);
  Result("decided", decided);
  Result("missing", n - decided);
  Result("scheduled", scheduled);
  Result("expected_scheduled", expected);
  Result("failed", failed);
  Result("failed_no_capacity", no_capacity);
  Result("failed_other_causes", other_causes);
  std::vector<std::string> cause_list;
  for (const auto& [cause, count] : causes) cause_list.push_back(absl::StrCat(cause, ":", count));
  Result("failure_causes", absl::StrJoin(cause_list, " "));
  Result("slot_conflicts", slot_conflicts);
  Result("distinct_slots", static_cast<int64_t>(holders.size()));
  Result("outside_plan", outside_plan);
  if (n - decided > 0) violations.push_back(absl::StrCat(n - decided, " cases without a decision"));
  if (scheduled != expected) {
    violations.push_back(absl::StrCat(scheduled, " cases scheduled, not ", expected));
  }
  if (other_causes > 0) violations.push_back(absl::StrCat(other_causes, " failures not no_capacity"));
  if (slot_conflicts > 0) violations.push_back(absl::StrCat(slot_conflicts, " slots given to two or more cases"));
  if (outside_plan > 0) violations.push_back(absl::StrCat(outside_plan, " cases on a hub day without capacity"));

  // Redis: every hub day of the window.
  csec::medical::MedicalStore store(redis);
  int64_t held = 0, counter = 0, mismatched = 0, over_capacity = 0, foreign = 0, read_errors = 0;
  std::set<std::pair<std::string, int>> held_slots;  // (label, slot)
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const std::string date = csec::medical::FormatLocalDate(plan.groups[i].day);
    auto day = store.ReadDay(plan.groups[i].hub_id, date);
    if (!day.ok()) {
      ++read_errors;
      std::fprintf(stderr, "medical_bench: reading %s: %s\n", plan.Label(i).c_str(), day.status().ToString().c_str());
      continue;
    }
    held += static_cast<int64_t>(day->booked_case_by_slot.size());
    counter += day->booked;
    if (static_cast<int>(day->booked_case_by_slot.size()) > plan.capacity[i]) ++over_capacity;
    for (const auto& [slot, case_id] : day->booked_case_by_slot) {
      held_slots.insert({plan.Label(i), slot});
      auto it = by_case.find(case_id);
      if (it == by_case.end()) {
        ++foreign;
        continue;
      }
      const Decision& d = *it->second;
      if (!d.scheduled || d.hub != plan.groups[i].hub_id || d.date != date || d.slot != slot) ++mismatched;
    }
  }
  // A scheduled case whose slot Redis does not hold for it.
  for (const auto& [case_id, d] : by_case) {
    if (d->scheduled && !held_slots.contains({absl::StrCat(d->hub, "|", d->date), d->slot})) ++mismatched;
  }
  Result("redis_held", held);
  Result("redis_booked_counter", counter);
  Result("redis_mismatched", mismatched);
  Result("redis_over_capacity", over_capacity);
  Result("redis_foreign", foreign);
  Result("redis_read_errors", read_errors);
  if (held != scheduled) violations.push_back(absl::StrCat("Redis holds ", held, " slots, ", scheduled, " scheduled"));
  if (counter != held)
    violations.push_back(absl::StrCat("Redis booked counters ", counter, " != ", held, " slots held"));
  if (mismatched > 0) violations.push_back(absl::StrCat(mismatched, " slots where Redis and the decision disagree"));
  if (over_capacity > 0) violations.push_back(absl::StrCat(over_capacity, " hub days over capacity"));
  if (foreign > 0) violations.push_back(absl::StrCat(foreign, " slots held by cases not of this run"));
  if (read_errors > 0) violations.push_back(absl::StrCat(read_errors, " hub days unreadable"));
}

void PrintVerdict(const std::vector<std::string>& violations) {
  Result("violations", violations.empty() ? std::string("none") : absl::StrJoin(violations, "; "));
  Result("ok", static_cast<int64_t>(violations.empty() ? 1 : 0));
}

std::vector<std::string> CaseIds(const std::string& tag, int64_t n) {
  const std::string run = csec::NewRandomId().substr(0, 8);
  std::vector<std::string> ids;
  ids.reserve(n);
  for (int64_t i = 0; i < n; ++i) ids.push_back(absl::StrCat("medical-bench-", run, "-", tag, "-", i));
  return ids;
}

Envelope Routed(const Plan& plan, const std::string& case_id) {
  Envelope e = csec::NewEnvelope(csec::NewRandomId(), case_id, "routing", absl::Now());
  auto* routed = e.mutable_case_routed();
  routed->set_agency(pb::RESPONDER_AGENCY_MART);
  routed->set_team_id("mart-spa-4");
  routed->set_advocacy_agency_id("saving-innocence");
  routed->set_area_id(kArea);
  for (const std::string& hub : Spa4Hubs()) routed->add_candidate_hub_ids(hub);
  *routed->mutable_identified_at() = csec::ToProtoTime(plan.identified_at);
  return e;
}

// ------------------------------------------------------------------------------- book (the service)

// The decisions read for the run's cases, by the reader thread; the main thread waits on it.
class Decisions {
 public:
  explicit Decisions(const std::vector<std::string>& ids)
      : produced_(ids.size(), absl::InfinitePast()), cases_(ids.size()) {
    for (size_t i = 0; i < ids.size(); ++i) index_.emplace(ids[i], static_cast<int>(i));
  }

  void SetProduced(int i, absl::Time at) {
    absl::MutexLock lock(&mu_);
    produced_[i] = at;
  }

  void OnEvent(const Envelope& e, absl::Time at) {
    if (!e.has_medical_appointment_scheduled() && !e.has_medical_scheduling_failed()) return;
    auto it = index_.find(e.case_id());
    if (it == index_.end()) return;
    absl::MutexLock lock(&mu_);
    Case& c = cases_[it->second];
    if (!c.event_ids.insert(e.event_id()).second) {
      ++raw_repeats_;
      return;
    }
    if (c.first) {
      ++second_decisions_;
      return;
    }
    Decision d;
    if (e.has_medical_appointment_scheduled()) {
      const auto& a = e.medical_appointment_scheduled().appointment();
      d.scheduled = true;
      d.hub = a.hub_id();
      d.date = a.local_date();
      d.slot = a.slot_index();
    } else {
      d.cause = e.medical_scheduling_failed().cause();
    }
    c.first = std::move(d);
    c.read = at;
    ++decided_;
    last_read_ = std::max(last_read_, at);
  }

  int64_t decided() {
    absl::MutexLock lock(&mu_);
    return decided_;
  }

  void Print(const Plan& plan, const std::vector<std::string>& ids, csec::RedisClient* redis,
             absl::Time first_produced) {
    absl::MutexLock lock(&mu_);
    std::vector<double> latency;
    std::vector<std::optional<Decision>> decisions;
    for (size_t i = 0; i < cases_.size(); ++i) {
      decisions.push_back(cases_[i].first);
      latency.push_back(cases_[i].first ? Ms(cases_[i].read - produced_[i]) : kInf);
    }
    const double span = decided_ > 0 ? absl::ToDoubleSeconds(last_read_ - first_produced) : 0.0;
    Result("span_s", span);
    Result("decisions_per_s", span > 0 ? static_cast<double>(decided_) / span : 0.0);
    Result("last_decision_unix", decided_ > 0 ? UnixSeconds(last_read_) : 0.0);
    PrintStats("latency", std::move(latency));
    std::vector<std::string> violations;
    CheckDecisions(plan, ids, decisions, redis, violations);
    Result("raw_repeats", raw_repeats_);
    Result("second_decisions", second_decisions_);
    if (raw_repeats_ > 0)
      violations.push_back(absl::StrCat(raw_repeats_, " decision events read again (same event id)"));
    if (second_decisions_ > 0)
      violations.push_back(absl::StrCat(second_decisions_, " second decisions (another event id)"));
    PrintVerdict(violations);
  }

 private:
  struct Case {
    std::set<std::string> event_ids;
    std::optional<Decision> first;
    absl::Time read = absl::InfinitePast();
  };
  std::unordered_map<std::string, int> index_;  // fixed after construction
  absl::Mutex mu_;
  std::vector<absl::Time> produced_ ABSL_GUARDED_BY(mu_);
  std::vector<Case> cases_ ABSL_GUARDED_BY(mu_);
  int64_t decided_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t raw_repeats_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t second_decisions_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_read_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

absl::Status SetCalendar(pb::MedicalHubService::Stub* stub, const Plan& plan) {
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    pb::SetHubDayRequest request;
    request.set_hub_id(plan.groups[i].hub_id);
    request.set_local_date(csec::medical::FormatLocalDate(plan.groups[i].day));
    request.set_request_id(csec::NewRandomId());
    request.set_changed_by("medical-bench");
    request.set_reason("bench calendar");
    if (plan.capacity[i] > 0) {
      request.set_capacity(plan.capacity[i]);
      request.set_closed(false);
    } else {
      request.set_closed(true);
    }
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    pb::SetHubDayResponse response;
    grpc::Status s = stub->SetHubDay(&context, request, &response);
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("SetHubDay ", plan.Label(i), ": ", s.error_message()));
  }
  return absl::OkStatus();
}

int BookCommand(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int64_t n = 2000, rate = 0, timeout_s = 120, linger_s = 2;
  if (!IntFlag(flags, "n", &n, 1) || !IntFlag(flags, "rate", &rate, 0) || !IntFlag(flags, "timeout-s", &timeout_s, 1) ||
      !IntFlag(flags, "linger-s", &linger_s, 0)) {
    return Usage();
  }
  const std::string medical = csec::bench::FlagOrEnv(flags, "medical", nullptr, "");
  const std::string redis_address = csec::bench::FlagOrEnv(flags, "redis", "REDIS_ADDR", "");
  const std::string tag = csec::bench::FlagOrEnv(flags, "tag", nullptr, "run");
  if (medical.empty() || redis_address.empty()) return Usage();
  absl::StatusOr<Plan> plan = MakePlan(flags, n);
  if (!plan.ok()) {
    std::fprintf(stderr, "medical_bench: %s\n", plan.status().ToString().c_str());
    return 2;
  }
  auto redis = csec::RedisClient::Connect(redis_address);
  if (!redis.ok()) {
    std::fprintf(stderr, "medical_bench: redis: %s\n", redis.status().ToString().c_str());
    return 1;
  }

  auto channel = grpc::CreateChannel(medical, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
    std::fprintf(stderr, "medical_bench: cannot connect to %s\n", medical.c_str());
    return 1;
  }
  auto stub = pb::MedicalHubService::NewStub(channel);
  if (absl::Status s = SetCalendar(stub.get(), *plan); !s.ok()) {
    std::fprintf(stderr, "medical_bench: %s\n", s.ToString().c_str());
    return 1;
  }

  const std::vector<std::string> ids = CaseIds(tag, n);
  Decisions decisions(ids);
  auto tail = csec::TopicTail::Open(csec::bench::BenchKafka(brokers, "medical-bench-reader"), csec::kMedicalTopic,
                                    std::nullopt);
  if (!tail.ok()) {
    std::fprintf(stderr, "medical_bench: csec.medical.v1: %s\n", tail.status().ToString().c_str());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      auto m = (*tail)->Next(absl::Milliseconds(100));
      const absl::Time at = absl::Now();
      if (!m.ok()) {
        std::fprintf(stderr, "medical_bench: reading csec.medical.v1: %s\n", m.status().ToString().c_str());
        return;
      }
      if (!m->has_value()) continue;
      Envelope e;
      if (e.ParseFromString((*m)->payload)) decisions.OnEvent(e, at);
    }
  });

  auto producer = csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers, "medical-bench"));
  if (!producer.ok()) {
    std::fprintf(stderr, "medical_bench: producer: %s\n", producer.status().ToString().c_str());
    Exit(1);
  }
  if (absl::Status s = (*producer)->CheckBrokers(absl::Seconds(10)); !s.ok()) {
    std::fprintf(stderr, "medical_bench: %s\n", s.ToString().c_str());
    Exit(1);
  }
  // Serialized before the clock starts: the feed is only the produces.
  std::vector<std::string> bytes;
  bytes.reserve(ids.size());
  for (const std::string& id : ids) bytes.push_back(Routed(*plan, id).SerializeAsString());

  std::fprintf(stderr, "medical_bench: %s: %lld cases %s, %lld slots offered on %lld of %zu hub days\n", tag.c_str(),
               static_cast<long long>(n), rate > 0 ? absl::StrCat("at ", rate, "/s").c_str() : "at once",
               static_cast<long long>(plan->offered), static_cast<long long>(plan->open_groups), plan->groups.size());
  std::atomic<int64_t> failed{0};
  const absl::Time first = absl::Now();
  absl::Time last = first;
  for (size_t k = 0; k < ids.size(); ++k) {
    if (rate > 0) {
      const absl::Time due = first + absl::Microseconds(static_cast<int64_t>(k) * 1'000'000 / rate);
      if (absl::Time now = absl::Now(); now < due) absl::SleepFor(due - now);
    }
    last = absl::Now();
    decisions.SetProduced(static_cast<int>(k), last);
    (*producer)->ProduceAsync(csec::kRoutingTopic, ids[k], bytes[k], [&failed](absl::Status s) {
      if (!s.ok() && failed.fetch_add(1) == 0)
        std::fprintf(stderr, "medical_bench: produce: %s\n", s.ToString().c_str());
    });
  }
  if (absl::Status s = (*producer)->Flush(absl::Seconds(60)); !s.ok() || failed.load() > 0) {
    std::fprintf(stderr, "medical_bench: not every CaseRouted was acknowledged: %s\n", s.ToString().c_str());
    Exit(1);
  }
  const absl::Time acked = absl::Now();

  const absl::Time deadline = last + absl::Seconds(timeout_s);
  absl::Time report = absl::Now() + absl::Seconds(5);
  while (decisions.decided() < n && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    if (absl::Now() >= report) {
      std::fprintf(stderr, "medical_bench: %s: %lld of %lld decided\n", tag.c_str(),
                   static_cast<long long>(decisions.decided()), static_cast<long long>(n));
      report += absl::Seconds(5);
    }
  }
  absl::SleepFor(absl::Seconds(linger_s));
  stop.store(true);
  reader.join();

  Result("tag", tag);
  Result("n", n);
  Result("rate", rate);
  PrintPlan(*plan);
  Result("feed_first_unix", UnixSeconds(first));
  Result("feed_last_unix", UnixSeconds(last));
  Result("feed_acked_unix", UnixSeconds(acked));
  Result("feed_rate", n > 1 && last > first ? static_cast<double>(n - 1) / absl::ToDoubleSeconds(last - first) : 0.0);
  decisions.Print(*plan, ids, redis->get(), first);
  Exit(0);
}

// ------------------------------------------------------------------------------- Redis alone

int RedisBookCommand(const std::map<std::string, std::string>& flags) {
  int64_t n = 2000, clients = 2, per_client = 4;
  if (!IntFlag(flags, "n", &n, 1) || !IntFlag(flags, "clients", &clients, 1) ||
      !IntFlag(flags, "threads-per-client", &per_client, 1)) {
    return Usage();
  }
  const std::string calls = csec::bench::FlagOrEnv(flags, "calls", nullptr, "book");
  const std::string redis_address = csec::bench::FlagOrEnv(flags, "redis", "REDIS_ADDR", "");
  const std::string tag = csec::bench::FlagOrEnv(flags, "tag", nullptr, "ref");
  if (redis_address.empty() || (calls != "book" && calls != "case")) return Usage();
  absl::StatusOr<Plan> plan = MakePlan(flags, n);
  if (!plan.ok()) {
    std::fprintf(stderr, "medical_bench: %s\n", plan.status().ToString().c_str());
    return 2;
  }
  std::vector<std::unique_ptr<csec::RedisClient>> redis;
  std::vector<std::unique_ptr<csec::medical::MedicalStore>> stores;
  for (int64_t c = 0; c < clients; ++c) {
    auto client = csec::RedisClient::Connect(redis_address);  // the services' options
    if (!client.ok()) {
      std::fprintf(stderr, "medical_bench: redis: %s\n", client.status().ToString().c_str());
      return 1;
    }
    redis.push_back(*std::move(client));
    stores.push_back(std::make_unique<csec::medical::MedicalStore>(redis.back().get()));
  }
  // The calendar, as SetHubDay applies it (version 1 of each day).
  for (size_t i = 0; i < plan->groups.size(); ++i) {
    auto day =
        stores[0]->SetDay(plan->groups[i].hub_id, csec::medical::FormatLocalDate(plan->groups[i].day),
                          plan->capacity[i] > 0 ? plan->capacity[i] : -1, plan->capacity[i] == 0, "bench calendar", 1);
    if (!day.ok()) {
      std::fprintf(stderr, "medical_bench: SetDay %s: %s\n", plan->Label(i).c_str(), day.status().ToString().c_str());
      return 1;
    }
  }
  const csec::medical::SlotSearch search =
      csec::medical::NewSlotSearch(plan->config, kArea, plan->identified_at, absl::Now(), Spa4Hubs());
  // The groups the service ranks for each of these cases (the same search): ranked once here, so
  // that only Redis is timed.
  const std::vector<SlotGroup> ranked = csec::medical::RankSlots(plan->config, search);
  const std::vector<std::string> ids = CaseIds(tag, n);
  std::vector<std::optional<Decision>> decisions(ids.size());
  std::vector<double> latency(ids.size(), kInf);
  std::atomic<int64_t> next{0}, errors{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  const int64_t threads = clients * per_client;
  absl::Mutex mu;
  absl::Time start, end = absl::InfinitePast();
  std::vector<std::thread> workers;
  for (int64_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      csec::medical::MedicalStore* store = stores[t % clients].get();
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
        const std::string& case_id = ids[i];
        // The service's ids: booking number 1 of the case.
        const std::string appointment_id = csec::DeriveId("medical.appointment", absl::StrCat(case_id, "/1"));
        const absl::Time t0 = absl::Now();
        std::optional<std::string> token;
        if (calls == "case") {
          auto locked = store->Lock(case_id, t0 + absl::Seconds(10));
          if (!locked.ok()) {
            errors.fetch_add(1);
            continue;
          }
          token = *locked;
          if (!store->LoadCase(case_id).ok()) {
            errors.fetch_add(1);
            store->Unlock(case_id, *token);
            continue;
          }
        }
        auto outcome = store->Book(appointment_id, case_id, ranked, std::nullopt);
        if (!outcome.ok()) {
          errors.fetch_add(1);
          if (token) store->Unlock(case_id, *token);
          continue;
        }
        if (calls == "case") {
          pb::MedicalCaseState state;
          state.set_case_id(case_id);
          state.set_area_id(kArea);
          for (const std::string& hub : Spa4Hubs()) state.add_candidate_hub_ids(hub);
          *state.mutable_identified_at() = csec::ToProtoTime(plan->identified_at);
          state.set_bookings(1);
          if (!store->SaveCase(state).ok()) errors.fetch_add(1);
          store->Unlock(case_id, *token);
        }
        const absl::Time t1 = absl::Now();
        Decision d;
        if (outcome->booked) {
          d.scheduled = true;
          d.hub = outcome->slot.hub_id;
          d.date = csec::medical::FormatLocalDate(outcome->slot.day);
          d.slot = outcome->slot.slot_index;
        } else {
          d.cause = csec::medical::ExplainFailure(plan->config, search, ranked, outcome->closed_groups).cause;
        }
        decisions[i] = std::move(d);  // each index written by one thread, read after join
        latency[i] = Ms(t1 - t0);
        absl::MutexLock lock(&mu);
        end = std::max(end, t1);
      }
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  start = absl::Now();
  go.store(true);
  for (auto& w : workers) w.join();

  const double span = absl::ToDoubleSeconds(end - start);
  int64_t decided = 0;
  for (const auto& d : decisions) decided += d ? 1 : 0;
  Result("tag", tag);
  Result("n", n);
  Result("calls", calls);
  Result("clients", clients);
  Result("threads", threads);
  PrintPlan(*plan);
  Result("span_s", span);
  Result("decisions_per_s", span > 0 ? static_cast<double>(decided) / span : 0.0);
  Result("errors", errors.load());
  PrintStats("latency", latency);
  std::vector<std::string> violations;
  CheckDecisions(*plan, ids, decisions, redis[0].get(), violations);
  if (errors.load() > 0) violations.push_back(absl::StrCat(errors.load(), " Redis calls failed"));
  PrintVerdict(violations);
  return 0;
}

// ------------------------------------------------------------------------------- Kafka alone

int KafkaEchoCommand(const std::string& brokers, const std::map<std::string, std::string>& flags) {
  int64_t n = 2000, rate = 0, timeout_s = 60;
  if (!IntFlag(flags, "n", &n, 1) || !IntFlag(flags, "rate", &rate, 0) || !IntFlag(flags, "timeout-s", &timeout_s, 1)) {
    return Usage();
  }
  static constexpr char kIn[] = "medical-bench.echo.in";
  static constexpr char kOut[] = "medical-bench.echo.out";
  const csec::TopicSettings topic_settings{.partitions = csec::kTopicPartitions, .replication_factor = 1};
  if (absl::Status s =
          csec::EnsureTopics(csec::bench::BenchKafka(brokers, "medical-bench"), {kIn, kOut}, topic_settings);
      !s.ok()) {
    std::fprintf(stderr, "medical_bench: echo topics: %s\n", s.ToString().c_str());
    return 1;
  }
  auto in_tail = csec::TopicTail::Open(csec::bench::BenchKafka(brokers, "medical-bench-echo"), kIn, std::nullopt);
  auto out_tail =
      csec::TopicTail::Open(csec::bench::BenchKafka(brokers, "medical-bench-echo-reader"), kOut, std::nullopt);
  auto producer = csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers, "medical-bench-echo-feed"));
  auto echo_producer = csec::KafkaProducer::Create(csec::bench::BenchKafka(brokers, "medical-bench-echo"));
  for (const absl::Status& s : {in_tail.status(), out_tail.status(), producer.status(), echo_producer.status()}) {
    if (!s.ok()) {
      std::fprintf(stderr, "medical_bench: echo: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  for (auto* p : {producer->get(), echo_producer->get()}) {
    if (absl::Status s = p->CheckBrokers(absl::Seconds(10)); !s.ok()) {
      std::fprintf(stderr, "medical_bench: echo: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  // Envelopes like the service's input: a CaseRouted with the bench's fields; the key is "echo-<i>".
  Plan plan;
  plan.identified_at = absl::Now() + absl::Hours(24 * 365);
  std::vector<std::string> keys, bytes;
  for (int64_t i = 0; i < n; ++i) {
    keys.push_back(absl::StrCat("echo-", i));
    bytes.push_back(Routed(plan, keys.back()).SerializeAsString());
  }
  absl::Mutex mu;
  std::vector<absl::Time> produced(n, absl::InfinitePast()), hop(n, absl::InfinitePast()),
      back(n, absl::InfinitePast());
  std::atomic<int64_t> read{0}, failed{0};
  std::atomic<bool> stop{false};
  auto index_of = [n](const std::string& key) -> int64_t {
    int64_t i = -1;
    if (key.size() < 6 || !absl::SimpleAtoi(key.substr(5), &i) || i < 0 || i >= n) return -1;
    return i;
  };
  std::thread echo([&] {
    while (!stop.load()) {
      auto m = (*in_tail)->Next(absl::Milliseconds(100));
      const absl::Time at = absl::Now();
      if (!m.ok() || !m->has_value()) continue;
      const int64_t i = index_of((*m)->key);
      if (i < 0) continue;
      {
        absl::MutexLock lock(&mu);
        if (hop[i] == absl::InfinitePast()) hop[i] = at;
      }
      (*echo_producer)->ProduceAsync(kOut, (*m)->key, (*m)->payload, [&failed](absl::Status s) {
        if (!s.ok()) failed.fetch_add(1);
      });
    }
  });
  std::thread reader([&] {
    while (!stop.load()) {
      auto m = (*out_tail)->Next(absl::Milliseconds(100));
      const absl::Time at = absl::Now();
      if (!m.ok() || !m->has_value()) continue;
      const int64_t i = index_of((*m)->key);
      if (i < 0) continue;
      absl::MutexLock lock(&mu);
      if (back[i] != absl::InfinitePast()) continue;
      back[i] = at;
      read.fetch_add(1);
    }
  });

  const absl::Time first = absl::Now();
  absl::Time last = first;
  for (int64_t k = 0; k < n; ++k) {
    if (rate > 0) {
      const absl::Time due = first + absl::Microseconds(k * 1'000'000 / rate);
      if (absl::Time now = absl::Now(); now < due) absl::SleepFor(due - now);
    }
    last = absl::Now();
    {
      absl::MutexLock lock(&mu);
      produced[k] = last;
    }
    (*producer)->ProduceAsync(kIn, keys[k], bytes[k], [&failed](absl::Status s) {
      if (!s.ok()) failed.fetch_add(1);
    });
  }
  (void)(*producer)->Flush(absl::Seconds(30));
  const absl::Time deadline = last + absl::Seconds(timeout_s);
  while (read.load() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  stop.store(true);
  echo.join();
  reader.join();

  absl::MutexLock lock(&mu);
  std::vector<double> rt, first_hop;
  absl::Time last_back = first;
  for (int64_t i = 0; i < n; ++i) {
    rt.push_back(back[i] != absl::InfinitePast() ? Ms(back[i] - produced[i]) : kInf);
    first_hop.push_back(hop[i] != absl::InfinitePast() ? Ms(hop[i] - produced[i]) : kInf);
    if (back[i] != absl::InfinitePast()) last_back = std::max(last_back, back[i]);
  }
  const double span = absl::ToDoubleSeconds(last_back - first);
  Result("echo_n", n);
  Result("echo_rate", rate);
  Result("echo_feed_rate",
         n > 1 && last > first ? static_cast<double>(n - 1) / absl::ToDoubleSeconds(last - first) : 0.0);
  Result("echo_read", read.load());
  Result("echo_failed", failed.load());
  Result("echo_span_s", span);
  Result("echo_per_s", span > 0 ? static_cast<double>(read.load()) / span : 0.0);
  PrintStats("echo_rt", std::move(rt));
  PrintStats("echo_hop", std::move(first_hop));
  Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  if (command == "setup") return csec::bench::SetupCommand("medical_bench", {{"grpc", grpc::Version()}}, argc, argv);
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 2, {"plenty"}, flags)) return Usage();
  if (command == "redis-book") return RedisBookCommand(flags);
  const std::string brokers = csec::bench::FlagOrEnv(flags, "brokers", "KAFKA_BROKERS", "");
  if (brokers.empty()) return Usage();
  if (command == "ensure-topics") return csec::bench::EnsureStackTopics(brokers, "medical-bench");
  if (command == "book") return BookCommand(brokers, flags);
  if (command == "kafka-echo") return KafkaEchoCommand(brokers, flags);
  return Usage();
}
