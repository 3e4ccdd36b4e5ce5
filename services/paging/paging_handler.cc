#include "services/paging/paging_handler.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/serving/metrics.h"
#include "services/paging/page_engine.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::Envelope;

void CountEvents(const std::vector<Envelope>& events) {
  static Counter& sent = Metrics::Get().GetCounter("csec_paging_pages_sent_total", "People paged (PageSent)");
  static Counter& escalated =
      Metrics::Get().GetCounter("csec_paging_escalations_total", "Chains moved to a next step (PageEscalated)");
  static Counter& skipped =
      Metrics::Get().GetCounter("csec_paging_steps_skipped_total", "Chain steps with nobody to page (StepSkipped)");
  static Counter& exhausted =
      Metrics::Get().GetCounter("csec_paging_chains_exhausted_total", "Chains run out without acknowledgement");
  for (const Envelope& e : events) {
    if (e.has_page_sent()) {
      sent.Increment();
      log::Info("paging.page_sent", {{"case_id", e.case_id()},
                                     {"page_id", e.page_sent().page_id()},
                                     {"person_id", e.page_sent().person_id()},
                                     {"role", e.page_sent().role()},
                                     {"reason", e.page_sent().reason()},
                                     {"attempt", e.page_sent().attempt()}});
    }
    if (e.has_page_escalated()) escalated.Increment();
    if (e.has_step_skipped()) {
      skipped.Increment();
      log::Warn("paging.step_skipped",
                {{"case_id", e.case_id()}, {"page_id", e.step_skipped().page_id()}, {"why", e.step_skipped().why()}});
    }
    if (e.has_chain_exhausted()) {
      exhausted.Increment();
      log::Warn("paging.chain_exhausted", {{"case_id", e.case_id()},
                                           {"page_id", e.chain_exhausted().page_id()},
                                           {"role", e.chain_exhausted().role()},
                                           {"escalated_to", e.chain_exhausted().escalated_to()}});
    }
  }
}

}  // namespace

PagingHandler::PagingHandler(const PagingConfig* config, PagingStore* store, RosterBook* rosters,
                             EventProducer* producer, const Clock* clock, PagingHandlerOptions options)
    : config_(config),
      store_(store),
      rosters_(rosters),
      producer_(producer),
      clock_(clock),
      workers_(options.workers) {}

PagingHandler::~PagingHandler() { Stop(); }

void PagingHandler::Stop() { workers_.Stop(); }

void PagingHandler::Handle(const Envelope& event, HandlerDone done) {
  if (!PagingActsOn(event)) return done(absl::OkStatus());
  workers_.Post(event.case_id(), [this, event, done = std::move(done)]() mutable { done(Process(event)); });
}

absl::Status PagingHandler::Process(const Envelope& event) {
  LazyRosters rosters;
  const EngineContext context = ContextWith(&rosters);
  auto roster_failure = [&] { return rosters.has_value() ? rosters->status() : absl::OkStatus(); };

  if (event.has_wait_fired() && event.wait_fired().kind() == kShiftNoticeWait) {
    // A roster's wait: no case state, and every event id derives from the roster and the shift.
    const std::string prefix = RosterCaseId("");
    int64_t start_ms = 0;
    const Roster* roster = absl::StartsWith(event.case_id(), prefix)
                               ? config_->FindRoster(event.case_id().substr(prefix.size()))
                               : nullptr;
    if (roster == nullptr || !absl::SimpleAtoi(event.wait_fired().subject(), &start_ms)) {
      log::Warn("paging.shift_notice_ignored",
                {{"case_id", event.case_id()}, {"subject", event.wait_fired().subject()}});
      return absl::OkStatus();
    }
    std::vector<Envelope> events = ShiftNoticeEvents(*roster, absl::FromUnixMillis(start_ms), context);
    RETURN_IF_ERROR(roster_failure());
    return producer_->ProduceAll(events);
  }

  ASSIGN_OR_RETURN(csec::dispatch::v1::PagingCaseState state, store_->Load(event.case_id()));
  PagingDecision decision = DecidePaging(state, event, context);
  RETURN_IF_ERROR(roster_failure());
  if (!decision.changed) return absl::OkStatus();
  RETURN_IF_ERROR(producer_->ProduceAll(decision.events));
  CountEvents(decision.events);
  return store_->Save(event.case_id(), decision.state);
}

absl::Status PagingHandler::RequestShiftNotices() {
  LazyRosters rosters;
  const EngineContext context = ContextWith(&rosters);
  std::vector<Envelope> events;
  for (const Roster& roster : config_->rosters) {
    for (Envelope& e : FirstShiftNoticeWait(roster, context)) events.push_back(std::move(e));
  }
  if (rosters.has_value() && !rosters->ok()) return rosters->status();
  return producer_->ProduceAll(events);
}

EngineContext PagingHandler::ContextWith(LazyRosters* rosters) const {
  // Redis is read only when a decision asks who is on call (most events page nobody); a failed
  // read answers nobody, and the caller fails the event so that the consumer retries it.
  return {.config = config_,
          .on_call =
              [this, rosters](const std::string& roster_id, absl::Time at) {
                if (!rosters->has_value()) *rosters = rosters_->Snapshot();
                return (*rosters)->ok() ? OnCallIn(***rosters, *config_, roster_id, at) : OnCall{};
              },
          .now = clock_->Now()};
}

}  // namespace csec::paging
