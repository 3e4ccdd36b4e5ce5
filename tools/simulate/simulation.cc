#include "tools/simulate/simulation.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "csec/dispatch/v1/medical_service.grpc.pb.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/common/kafka/topic_tail.h"
#include "tests/integration/harness.h"
#include "tests/integration/service_manifest.h"

namespace csec::simulate {
namespace {

namespace v1 = csec::dispatch::v1;
using csec::testing::ServiceProcess;
using csec::testing::StackEnv;

constexpr const char* kTopics[] = {kIntakeTopic, kRoutingTopic, kTimersTopic, kPagingTopic, kMedicalTopic};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

namespace {

// A loopback port nobody listens on now, so a restarted service comes back where its clients
// look for it.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Runs actions at simulated instants, on a few threads (a gRPC call may wait out a restart).
class ActionQueue {
 public:
  ActionQueue(const ClockMapping& clock, int threads) : clock_(clock) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~ActionQueue() { Stop(); }

  void At(absl::Time sim, std::function<void()> action) {
    absl::MutexLock lock(&mu_);
    queue_.push({sim, next_seq_++, std::move(action)});
    wake_.Signal();
  }
  // Blocks until nothing is queued for before `sim` and no action runs.
  void DrainUntil(absl::Time sim) {
    absl::MutexLock lock(&mu_);
    auto idle = [&] { return running_ == 0 && (queue_.empty() || queue_.top().sim >= sim); };
    while (!idle()) wake_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
  }
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      wake_.SignalAll();
    }
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  struct Item {
    absl::Time sim;
    int64_t seq;
    std::function<void()> action;
    bool operator>(const Item& o) const { return sim != o.sim ? sim > o.sim : seq > o.seq; }
  };

  void Work() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      if (queue_.empty()) {
        wake_.Wait(&mu_);
        continue;
      }
      const absl::Time due_real = clock_.RealAt(queue_.top().sim);
      if (absl::Now() < due_real) {
        wake_.WaitWithDeadline(&mu_, due_real);
        continue;
      }
      std::function<void()> action = queue_.top().action;
      queue_.pop();
      ++running_;
      mu_.Unlock();
      action();
      mu_.Lock();
      --running_;
      wake_.SignalAll();
    }
  }

  const ClockMapping clock_;
  absl::Mutex mu_;
  absl::CondVar wake_;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue_;
  int64_t next_seq_ = 0;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// What the simulated people and agency systems did, for the run's summary line.
struct CallTally {
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::atomic<int> gave_up{0};
  absl::Mutex mu;
  // (call kind, status code) → count and the first refusal's message: hundreds of late
  // acknowledgements of closed pages would otherwise be hundreds of lines.
  std::map<std::pair<std::string, int>, std::pair<int, std::string>> refusals ABSL_GUARDED_BY(mu);
};

bool Retryable(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

class Simulation {
 public:
  explicit Simulation(const SimulationOptions& options) : options_(options) {}

  absl::StatusOr<RunFacts> Run() {
    RETURN_IF_ERROR(StartStack());
    ASSIGN_OR_RETURN(std::shared_ptr<const ProtocolConfig> config, LoadProtocolConfig(stack_.protocol_config()));
    plans_ = PlanReferrals(*config, options_.scenario);
    RETURN_IF_ERROR(WriteConfigs(*config));

    // The clock starts once the services had time to come up: they are started with the
    // mapping, and nothing happens before the first identification anyway.
    facts_.clock = {
        .scale = options_.scale, .sim_origin = options_.scenario.start, .real_origin = absl::Now() + absl::Seconds(20)};
    facts_.sim_start = options_.scenario.start;
    facts_.sim_end = options_.scenario.start + options_.scenario.length + options_.tail;
    facts_.label = options_.label;
    for (const testing::ServiceEntry& service : services_) {
      ports_[service.name] = FreePort();
      RETURN_IF_ERROR(StartService(service));
    }
    intake_ = v1::IntakeService::NewStub(Channel("intake"));
    paging_ = v1::PagingService::NewStub(Channel("paging"));
    medical_ = v1::MedicalHubService::NewStub(Channel("medical"));

    std::fprintf(
        stderr, "simulate[%s]: %zu referrals over %s simulated, scale %.0f: about %s real\n", options_.label.c_str(),
        plans_.size(), absl::FormatDuration(facts_.sim_end - facts_.sim_start).c_str(), options_.scale,
        absl::FormatDuration(absl::Seconds(absl::ToInt64Seconds((facts_.sim_end - facts_.sim_start) / options_.scale)))
            .c_str());
    actions_ = std::make_unique<ActionQueue>(facts_.clock, 8);
    std::thread pages([this] { Follow(kPagingTopic); });
    std::thread bookings([this] { Follow(kMedicalTopic); });
    for (const PlannedReferral& plan : plans_) {
      actions_->At(plan.identified_at, [this, &plan] { Report(plan); });
    }
    std::thread supervisor([this] { Supervise(); });
    RunFaults();
    WaitForSim(facts_.sim_end);
    actions_->DrainUntil(facts_.sim_end);
    following_ = false;
    pages.join();
    bookings.join();
    supervisor.join();
    actions_->Stop();
    PrintCallSummary();
    AwaitReportedCasesRouted();
    StopServices();
    RETURN_IF_ERROR(CollectRecords());
    StopEverything();
    return std::move(facts_);
  }

  ~Simulation() { StopEverything(); }

 private:
  absl::Status StartStack() {
    const std::string stack_dir = options_.work_dir + "/stack";
    std::filesystem::create_directories(options_.work_dir);
    const std::string stack_sh = options_.source_dir + "/tools/stack/stack.sh";
    (void)std::system(absl::StrCat("'", stack_sh, "' stop --dir '", stack_dir, "' >/dev/null 2>&1").c_str());
    std::filesystem::remove_all(stack_dir);
    const std::string start =
        absl::StrCat("'", stack_sh, "' start --dir '", stack_dir, "' >'", options_.work_dir, "/stack-start.log' 2>&1");
    if (std::system(start.c_str()) != 0) {
      return absl::UnavailableError(
          absl::StrCat("the stack did not start; see ", options_.work_dir, "/stack-start.log"));
    }
    setenv("CSEC_STACK_ENV", (stack_dir + "/stack.env").c_str(), 1);
    setenv("CSEC_BIN_DIR", options_.bin_dir.c_str(), 1);
    setenv("CSEC_SOURCE_DIR", options_.source_dir.c_str(), 1);
    stack_ = StackEnv::FromEnvironment();
    stack_started_ = true;
    return absl::OkStatus();
  }

  absl::Status WriteConfigs(const ProtocolConfig& config) {
    ASSIGN_OR_RETURN(services_, testing::ReadServiceManifest(options_.source_dir));
    if (options_.people_per_roster > 0) {
      ASSIGN_OR_RETURN(std::string yaml,
                       PagingConfigWithRosterSize(config, ReadFile(options_.source_dir + "/deploy/config/paging.yaml"),
                                                  options_.people_per_roster));
      const std::string rewritten = options_.work_dir + "/paging.yaml";
      RETURN_IF_ERROR(WriteTextFile(rewritten, yaml));
      config_overrides_["paging_config"] = rewritten;
    }
    return absl::OkStatus();
  }

  std::vector<std::string> ServiceArgs(const testing::ServiceEntry& service) {
    std::vector<std::string> args = {
        absl::StrCat("--grpc_listen=127.0.0.1:", ports_[service.name]),
        absl::StrCat("--instance_id=sim-", service.name),
        absl::StrCat("--clock_scale=", options_.scale),
        "--clock_origin=" + absl::FormatTime(absl::RFC3339_full, facts_.clock.sim_origin, absl::UTCTimeZone()),
        "--clock_origin_real=" + absl::FormatTime(absl::RFC3339_full, facts_.clock.real_origin, absl::UTCTimeZone()),
    };
    for (const auto& [flag, path] : service.config_files) {
      auto rewritten = config_overrides_.find(flag);
      args.push_back(
          absl::StrCat("--", flag, "=",
                       rewritten != config_overrides_.end() ? rewritten->second : options_.source_dir + "/" + path));
    }
    return args;
  }

  absl::Status StartService(const std::string& name) {
    for (const testing::ServiceEntry& service : services_) {
      if (service.name == name) return StartService(service);
    }
    return absl::NotFoundError(absl::StrCat("no service \"", name, "\" in services/manifest.txt"));
  }

  absl::Status StartService(const testing::ServiceEntry& service) {
    ASSIGN_OR_RETURN(std::unique_ptr<ServiceProcess> process,
                     ServiceProcess::Start("csec-" + service.name, stack_, ServiceArgs(service), absl::Seconds(120)));
    absl::MutexLock lock(&processes_mu_);
    processes_[service.name] = std::move(process);
    return absl::OkStatus();
  }

  // Reconnects within a fraction of a second of a restart (gRPC's default backoff grows to 2 min).
  std::shared_ptr<grpc::Channel> Channel(const std::string& service) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", ports_[service]), grpc::InsecureChannelCredentials(),
                                     args);
  }

  // Calls until the service answers (a restart or an outage is waited out), at most a few real
  // minutes; a refusal is counted and logged, not retried.
  void Call(const std::string& what, const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    const absl::Time give_up = absl::Now() + absl::Minutes(3);
    absl::Duration backoff = absl::Milliseconds(50);
    while (true) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      grpc::Status status = call(&context);
      if (status.ok()) {
        ++calls_.ok;
        return;
      }
      if (!Retryable(status)) {
        ++calls_.refused;
        CountRefusal(what, status);
        return;
      }
      if (absl::Now() > give_up) {
        ++calls_.gave_up;
        std::fprintf(stderr, "simulate: %s gave up: %s\n", what.c_str(), status.error_message().c_str());
        return;
      }
      absl::SleepFor(backoff);  // the service restarting or the broker away: try again soon
      backoff = std::min(backoff * 2, absl::Seconds(1));
    }
  }

  void CountRefusal(const std::string& what, const grpc::Status& status) {
    const std::string kind = what.substr(0, what.find(' '));
    absl::MutexLock lock(&calls_.mu);
    auto [it, inserted] = calls_.refusals.try_emplace({kind, static_cast<int>(status.error_code())}, 0, "");
    if (inserted) it->second.second = absl::StrCat(what, ": ", status.error_message());
    ++it->second.first;
  }

  void PrintCallSummary() {
    std::fprintf(stderr, "simulate[%s]: calls ok %d, refused %d, gave up %d\n", options_.label.c_str(),
                 calls_.ok.load(), calls_.refused.load(), calls_.gave_up.load());
    absl::MutexLock lock(&calls_.mu);
    for (const auto& [key, count_and_first] : calls_.refusals) {
      std::fprintf(stderr, "simulate[%s]:   %d x %s refused (code %d), first: %s\n", options_.label.c_str(),
                   count_and_first.first, key.first.c_str(), key.second, count_and_first.second.c_str());
    }
  }

  // Schedules `action` at `sim` unless the run's clock stops before it.
  void At(absl::Time sim, std::function<void()> action) {
    if (sim < facts_.sim_end) actions_->At(sim, std::move(action));
  }

  void Report(const PlannedReferral& plan) {
    v1::ReportIdentificationResponse response;
    Call("report " + plan.idempotency_key,
         [&](grpc::ClientContext* c) { return intake_->ReportIdentification(c, plan.request, &response); });
    if (response.case_id().empty()) return;
    std::vector<v1::Envelope> waiting;
    {
      absl::MutexLock lock(&mu_);
      plan_of_case_[response.case_id()] = &plan;
      facts_.reported_case_ids.push_back(response.case_id());
      if (auto it = unplanned_.find(response.case_id()); it != unplanned_.end()) {
        waiting = std::move(it->second);
        unplanned_.erase(it);
      }
    }
    ScheduleCaseFacts(response.case_id(), plan);
    for (const v1::Envelope& e : waiting) React(e, plan);
  }

  void ScheduleCaseFacts(const std::string& case_id, const PlannedReferral& plan) {
    const std::string key = plan.idempotency_key;
    if (plan.mdt_after.has_value()) {
      const absl::Time held = plan.identified_at + *plan.mdt_after;
      At(held, [this, case_id, key, held] {
        v1::RecordMdtRequest r;
        r.set_request_id(key + "-mdt");
        r.set_case_id(case_id);
        *r.mutable_mdt()->mutable_held_at() = ToProtoTime(held);
        r.mutable_mdt()->add_participant_ids("sim-mdt-team");
        v1::RecordFactResponse out;
        Call("mdt " + key, [&](grpc::ClientContext* c) { return intake_->RecordMdt(c, r, &out); });
      });
    }
    auto place = [this, case_id, key](const std::string& suffix, absl::Time at, v1::PlacementKind kind) {
      At(at, [this, case_id, key, suffix, at, kind] {
        v1::RecordPlacementRequest r;
        r.set_request_id(key + "-" + suffix);
        r.set_case_id(case_id);
        r.mutable_placement()->set_kind(kind);
        if (kind == v1::PLACEMENT_KIND_SODA_PAD_BED) r.mutable_placement()->set_facility_id("sim-soda-pad-bed");
        *r.mutable_placement()->mutable_placed_at() = ToProtoTime(at);
        v1::RecordFactResponse out;
        Call("placement " + key, [&](grpc::ClientContext* c) { return intake_->RecordPlacement(c, r, &out); });
      });
    };
    const absl::Time placed = plan.identified_at + plan.placed_after;
    switch (plan.placement) {
      case Placement::kHome:
        place("placement", placed, v1::PLACEMENT_KIND_HOME);
        break;
      case Placement::kOther:
        place("placement", placed, v1::PLACEMENT_KIND_OTHER);
        break;
      case Placement::kSodaPad:
        place("placement", placed, v1::PLACEMENT_KIND_SODA_PAD_BED);
        if (plan.soda_pad_stay.has_value()) place("home", placed + *plan.soda_pad_stay, v1::PLACEMENT_KIND_HOME);
        break;
    }
    const absl::Time closed = plan.identified_at + plan.closed_after;
    At(closed, [this, case_id, key, closed] {
      v1::CloseCaseRequest r;
      r.set_request_id(key + "-close");
      r.set_case_id(case_id);
      *r.mutable_closed()->mutable_closed_at() = ToProtoTime(closed);
      r.mutable_closed()->set_reason("services completed (simulated)");
      v1::RecordFactResponse out;
      Call("close " + key, [&](grpc::ClientContext* c) { return intake_->CloseCase(c, r, &out); });
    });
  }

  // Reads paging's or medical's topic from its beginning, answering each new page or booking
  // once as the people model says.
  void Follow(const std::string& topic) {
    std::unique_ptr<TopicTail> tail;
    while (following_ && tail == nullptr) {
      absl::StatusOr<std::unique_ptr<TopicTail>> opened =
          TopicTail::Open(stack_.kafka("simulate-" + topic), topic, std::map<int32_t, int64_t>{});
      if (opened.ok()) tail = std::move(*opened);
    }
    std::set<std::string> seen;
    while (following_) {
      absl::StatusOr<std::optional<ConsumedMessage>> m = tail->Next(absl::Milliseconds(200));
      if (!m.ok()) {
        std::fprintf(stderr, "simulate: following %s failed: %s\n", topic.c_str(), m.status().ToString().c_str());
        return;
      }
      if (!m->has_value()) continue;
      v1::Envelope e;
      if (!e.ParseFromString((*m)->payload) || !seen.insert(e.event_id()).second) continue;
      if (!e.has_page_sent() && !e.has_medical_appointment_scheduled()) continue;
      const PlannedReferral* plan = nullptr;
      {
        absl::MutexLock lock(&mu_);
        auto it = plan_of_case_.find(e.case_id());
        if (it == plan_of_case_.end()) {
          unplanned_[e.case_id()].push_back(e);  // its report's answer is still on the way
          continue;
        }
        plan = it->second;
      }
      React(e, *plan);
    }
  }

  void React(const v1::Envelope& e, const PlannedReferral& plan) {
    if (e.has_page_sent()) AnswerPageSent(e, plan);
    if (e.has_medical_appointment_scheduled()) AttendAppointment(e, plan);
  }

  void AnswerPageSent(const v1::Envelope& e, const PlannedReferral& plan) {
    const v1::PageSent& page = e.page_sent();
    const PageAnswer answer = AnswerPage(options_.people, options_.scenario.seed, plan.idempotency_key, page.role(),
                                         page.reason(), page.attempt(), page.person_id());
    const absl::Time at = FromProtoTime(page.sent_at()) + answer.after;
    const std::string case_id = e.case_id();
    switch (answer.kind) {
      case PageAnswer::Kind::kNever:
        return;
      case PageAnswer::Kind::kDecline:
        At(at, [this, case_id, page] {
          v1::DeclineRequest r;
          r.set_case_id(case_id);
          r.set_page_id(page.page_id());
          r.set_person_id(page.person_id());
          r.set_reason("with another youth (simulated)");
          v1::PageActionResponse out;
          Call("decline " + page.page_id(), [&](grpc::ClientContext* c) { return paging_->Decline(c, r, &out); });
        });
        return;
      case PageAnswer::Kind::kAcknowledge:
        break;
    }
    const bool responder = page.role() == page.case_summary().team_id();
    const bool advocate = page.role() == page.case_summary().advocacy_agency_id();
    const absl::Duration travel = responder ? plan.responder_travel : plan.advocate_travel;
    At(at, [this, case_id, page, at, travel, arrives = page.reason() == "case_routed" && (responder || advocate)] {
      v1::AcknowledgeRequest r;
      r.set_case_id(case_id);
      r.set_page_id(page.page_id());
      r.set_person_id(page.person_id());
      v1::PageActionResponse out;
      Call("acknowledge " + page.page_id(), [&](grpc::ClientContext* c) { return paging_->Acknowledge(c, r, &out); });
      if (!arrives) return;
      {
        absl::MutexLock lock(&mu_);
        if (!arriving_pages_.insert(page.page_id()).second) return;  // someone else took this page first
      }
      At(at + travel, [this, case_id, page, arrived = at + travel] {
        v1::RecordPageArrivalRequest a;
        a.set_case_id(case_id);
        a.set_page_id(page.page_id());
        a.set_person_id(page.person_id());
        *a.mutable_arrived_at() = ToProtoTime(arrived);
        v1::PageActionResponse out;
        Call("arrival " + page.page_id(), [&](grpc::ClientContext* c) { return paging_->RecordArrival(c, a, &out); });
      });
    });
  }

  void AttendAppointment(const v1::Envelope& e, const PlannedReferral& plan) {
    const v1::MedicalAppointmentScheduled& booked = e.medical_appointment_scheduled();
    const v1::MedicalAppointment& appointment = booked.appointment();
    const std::string case_id = e.case_id();
    if (plan.misses_first_exam && booked.booking_number() == 1) {
      const absl::Time noticed = FromProtoTime(appointment.ends_at());
      At(noticed, [this, case_id, appointment] {
        v1::RecordNoShowRequest r;
        r.set_case_id(case_id);
        r.set_request_id("sim-no-show-" + appointment.appointment_id());
        r.set_appointment_id(appointment.appointment_id());
        r.set_recorded_by("sim-hub-staff");
        v1::MedicalChangeResponse out;
        Call("no-show " + case_id, [&](grpc::ClientContext* c) { return medical_->RecordNoShow(c, r, &out); });
      });
      return;
    }
    const absl::Time done = FromProtoTime(appointment.ends_at());
    At(done, [this, case_id, appointment] {
      v1::RecordExamCompletedRequest r;
      r.set_case_id(case_id);
      r.set_request_id("sim-exam-" + appointment.appointment_id());
      r.set_appointment_id(appointment.appointment_id());
      *r.mutable_examined_at() = appointment.starts_at();
      r.set_recorded_by("sim-hub-staff");
      v1::MedicalChangeResponse out;
      Call("exam " + case_id, [&](grpc::ClientContext* c) { return medical_->RecordExamCompleted(c, r, &out); });
    });
  }

  void WaitForSim(absl::Time sim) {
    const absl::Time real = facts_.clock.RealAt(sim);
    while (absl::Now() < real) absl::SleepFor(std::min(real - absl::Now(), absl::Seconds(1)));
  }

  void RunFaults() {
    std::vector<FaultPlan> faults = options_.faults;
    std::sort(faults.begin(), faults.end(), [](const FaultPlan& a, const FaultPlan& b) { return a.at < b.at; });
    for (const FaultPlan& fault : faults) {
      WaitForSim(facts_.sim_start + (facts_.sim_end - facts_.sim_start) * fault.at);
      FaultRecord record;
      record.real_start = absl::Now();
      absl::Status done;
      if (fault.target == "broker" || fault.target == "redis") {
        record.what = "restart " + fault.target;
        const std::string part = fault.target == "broker" ? "kafka" : "redis";
        done = stack_.Control("restart", part);
      } else {
        record.what = "kill " + fault.target;
        {
          absl::MutexLock lock(&processes_mu_);
          if (auto it = processes_.find(fault.target); it != processes_.end()) {
            it->second->Signal(SIGKILL);
            processes_.erase(it);
          }
        }
        done = StartService(fault.target);
      }
      record.real_end = absl::Now();
      std::fprintf(stderr, "simulate[%s]: %s: back after %.1f s real (%s simulated)%s\n", options_.label.c_str(),
                   record.what.c_str(), absl::ToDoubleSeconds(record.real_end - record.real_start),
                   absl::FormatDuration((record.real_end - record.real_start) * options_.scale).c_str(),
                   done.ok() ? "" : (" — " + done.ToString()).c_str());
      absl::MutexLock lock(&mu_);
      facts_.faults.push_back(record);
    }
  }

  // What Kubernetes does for a pod: a service that exited on its own (e.g. its consumer fenced
  // after a broker restart) is started again, and the report lists it beside the planned faults.
  void Supervise() {
    while (following_) {
      std::vector<std::pair<std::string, int>> exited;
      {
        absl::MutexLock lock(&processes_mu_);
        for (const auto& [service, process] : processes_) {
          siginfo_t info{};
          if (waitid(P_PID, static_cast<id_t>(process->pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
              info.si_pid != 0) {
            exited.emplace_back(service, info.si_status);
          }
        }
      }
      for (const auto& [service, status] : exited) {
        FaultRecord record{.what = absl::StrCat(service, " exited (", status, "), restarted"),
                           .real_start = absl::Now(),
                           .real_end = absl::Now()};
        {
          absl::MutexLock lock(&processes_mu_);
          auto it = processes_.find(service);
          if (it == processes_.end()) continue;
          it->second->Signal(SIGKILL);  // reaps it
          processes_.erase(it);
        }
        absl::Status started = StartService(service);
        record.real_end = absl::Now();
        std::fprintf(stderr, "simulate[%s]: %s%s\n", options_.label.c_str(), record.what.c_str(),
                     started.ok() ? "" : (" — " + started.ToString()).c_str());
        absl::MutexLock lock(&mu_);
        facts_.faults.push_back(record);
      }
      absl::SleepFor(absl::Milliseconds(200));  // between two looks at the processes
    }
  }

  // The services' clocks run on after the run's clock stops (at 20000x a real minute is two
  // simulated weeks), so the topics never fall quiet at a high scale. What the checks need from
  // the last moments is only that the last referrals were routed: wait for that, at most a real
  // minute (a case still unrouted then is reported lost), then stop the services so the records
  // stop growing. Deadlines due after the end are not judged.
  void AwaitReportedCasesRouted() {
    std::set<std::string> unrouted;
    {
      absl::MutexLock lock(&mu_);
      unrouted.insert(facts_.reported_case_ids.begin(), facts_.reported_case_ids.end());
    }
    const absl::Time give_up = absl::Now() + absl::Minutes(1);
    while (!unrouted.empty() && absl::Now() < give_up) {
      (void)ScanTopic(stack_.kafka("simulate-routed"), kRoutingTopic, absl::Seconds(30), true,
                      [&](const ConsumedMessage& m) {
                        v1::Envelope e;
                        if (e.ParseFromString(m.payload) && e.has_case_routed()) unrouted.erase(e.case_id());
                        return true;
                      });
      if (!unrouted.empty()) absl::SleepFor(absl::Milliseconds(200));  // between two reads of the topic
    }
  }

  absl::Status CollectRecords() {
    std::set<std::string> cases(facts_.reported_case_ids.begin(), facts_.reported_case_ids.end());
    for (const char* topic : kTopics) {
      absl::Status s =
          ScanTopic(stack_.kafka("simulate-collect"), topic, absl::Minutes(2), true, [&](const ConsumedMessage& m) {
            TopicRecord r;
            if (!r.envelope.ParseFromString(m.payload) || !cases.contains(r.envelope.case_id())) {
              return true;
            }
            r.topic = m.topic;
            r.partition = m.partition;
            r.offset = m.offset;
            r.broker_time = absl::FromUnixMillis(m.timestamp_ms);
            facts_.records.push_back(std::move(r));
            return true;
          });
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // The harness removes a process's folder with it: the logs are copied into the work dir
  // first (a killed process's log goes with it).
  void KeepLogs() ABSL_EXCLUSIVE_LOCKS_REQUIRED(processes_mu_) {
    std::filesystem::create_directories(options_.work_dir + "/logs");
    for (const auto& [service, process] : processes_) {
      std::error_code ignored;
      std::filesystem::copy_file(process->log_path(), options_.work_dir + "/logs/" + service + ".log",
                                 std::filesystem::copy_options::overwrite_existing, ignored);
    }
  }

  void StopServices() {
    absl::MutexLock lock(&processes_mu_);
    KeepLogs();
    processes_.clear();  // SIGTERM each: an orderly stop
  }

  void StopEverything() {
    StopServices();
    if (stack_started_) {
      (void)stack_.Control("stop", "");
      stack_started_ = false;
    }
  }

  const SimulationOptions& options_;
  StackEnv stack_;
  bool stack_started_ = false;
  std::vector<testing::ServiceEntry> services_;  // services/manifest.txt
  // Config files the simulation rewrote (flag → path), instead of the manifest's.
  std::map<std::string, std::string> config_overrides_;
  std::vector<PlannedReferral> plans_;
  RunFacts facts_;
  std::map<std::string, int> ports_;
  absl::Mutex processes_mu_;
  std::map<std::string, std::unique_ptr<ServiceProcess>> processes_;
  std::unique_ptr<v1::IntakeService::Stub> intake_;
  std::unique_ptr<v1::PagingService::Stub> paging_;
  std::unique_ptr<v1::MedicalHubService::Stub> medical_;
  std::unique_ptr<ActionQueue> actions_;
  std::atomic<bool> following_{true};
  CallTally calls_;
  absl::Mutex mu_;
  std::map<std::string, const PlannedReferral*> plan_of_case_;
  std::map<std::string, std::vector<v1::Envelope>> unplanned_;
  std::set<std::string> arriving_pages_;
};

}  // namespace

std::vector<FaultPlan> EveryFault() {
  return {{"intake", 0.15},  {"routing", 0.25}, {"timers", 0.35}, {"paging", 0.45},
          {"medical", 0.55}, {"broker", 0.65},  {"redis", 0.8}};
}

absl::StatusOr<RunFacts> RunSimulation(const SimulationOptions& options) { return Simulation(options).Run(); }

}  // namespace csec::simulate
