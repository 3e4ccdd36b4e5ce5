#include "services/paging/paging_replay.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/paging/page_delivery.h"
#include "services/paging/page_engine.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::PageRecord;
using csec::dispatch::v1::PagingCaseState;

constexpr char kDeadlineReasonPrefix[] = "deadline_missed:";
constexpr char kExhaustedReasonPrefix[] = "chain_exhausted:";

void AddOnce(google::protobuf::RepeatedPtrField<std::string>* list, const std::string& value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) list->Add(std::string(value));
}

int64_t Millis(const google::protobuf::Timestamp& t) { return absl::ToUnixMillis(FromProtoTime(t)); }

PageRecord* Mutable(PagingCaseState& state, const std::string& page_id) {
  for (PageRecord& page : *state.mutable_pages()) {
    if (page.page_id() == page_id) return &page;
  }
  return nullptr;
}

std::string NotificationKey(const std::string& page_id, int attempt, const std::string& person) {
  return absl::StrCat(page_id, "|", attempt, "|", person);
}

}  // namespace

PageRecord* PagingReplay::FindOrAdd(PagingCaseState& state, const std::string& page_id, const std::string& role,
                                    const std::string& reason, int64_t opened_ms) {
  if (PageRecord* page = Mutable(state, page_id)) return page;
  std::string deadline_id;
  if (absl::StartsWith(reason, kDeadlineReasonPrefix)) {
    deadline_id = reason.substr(sizeof(kDeadlineReasonPrefix) - 1);
  } else if (absl::StartsWith(reason, kExhaustedReasonPrefix)) {
    // The supervisor's page stands for the same deadline as the page whose chain ran out.
    if (const PageRecord* parent = FindPage(state, reason.substr(sizeof(kExhaustedReasonPrefix) - 1))) {
      deadline_id = parent->deadline_id();
    }
  }
  PageRecord* page = state.add_pages();
  page->set_page_id(page_id);
  page->set_role(role);
  page->set_reason(reason);
  page->set_opened_ms(opened_ms);
  page->set_deadline_id(deadline_id);
  return page;
}

void PagingReplay::ApplyOwn(const Envelope& event, const std::string& bytes, absl::Time written) {
  PagingCaseState& state = cases_[event.case_id()];
  const int64_t at = Millis(event.occurred_at());
  switch (event.body_case()) {
    case Envelope::kPageSent: {
      const auto& sent = event.page_sent();
      sent_ids_[NotificationKey(sent.page_id(), sent.attempt(), sent.person_id())] = event.event_id();
      sent_bodies_[{event.case_id(), event.event_id()}] = {.value = bytes, .written = written};
      PageRecord* page = FindOrAdd(state, sent.page_id(), sent.role(), sent.reason(), at);
      if (page->state() == csec::dispatch::v1::PAGE_STATE_UNSPECIFIED)
        page->set_state(csec::dispatch::v1::PAGE_STATE_OPEN);
      if (sent.attempt() < page->attempt()) break;  // a copy of an older notification
      if (sent.attempt() > page->attempt()) {
        page->set_attempt(sent.attempt());
        page->clear_current_person_ids();
      }
      AddOnce(page->mutable_current_person_ids(), sent.person_id());
      AddOnce(page->mutable_paged_person_ids(), sent.person_id());
      page->set_step_index(sent.step_index());
      page->set_round(sent.round());
      if (page->state() == csec::dispatch::v1::PAGE_STATE_OPEN) page->set_ack_due_ms(Millis(sent.ack_due_at()));
      break;
    }
    case Envelope::kPageEscalated: {
      const auto& escalated = event.page_escalated();
      if (PageRecord* page = Mutable(state, escalated.page_id())) {
        page->set_step_index(escalated.to_step());
        page->set_round(escalated.round());
      }
      break;
    }
    case Envelope::kChainExhausted: {
      const auto& exhausted = event.chain_exhausted();
      PageRecord* page = FindOrAdd(state, exhausted.page_id(), exhausted.role(), exhausted.reason(), at);
      if (page->state() != csec::dispatch::v1::PAGE_STATE_CLOSED) {
        page->set_state(csec::dispatch::v1::PAGE_STATE_EXHAUSTED);
        page->set_ack_due_ms(0);
      }
      break;
    }
    case Envelope::kPageAcknowledged: {
      // As DecidePaging applies it: the first acknowledgement of a page not yet closed.
      PageRecord* page = Mutable(state, event.page_acknowledged().page_id());
      if (page == nullptr || page->state() == csec::dispatch::v1::PAGE_STATE_CLOSED ||
          page->state() == csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED) {
        break;
      }
      page->set_state(csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED);
      page->set_acknowledged_by(event.page_acknowledged().person_id());
      page->set_ack_due_ms(0);
      AddOnce(state.mutable_summary()->mutable_acknowledged_roles(), page->role());
      break;
    }
    case Envelope::kPageClosed: {
      if (PageRecord* page = Mutable(state, event.page_closed().page_id())) {
        page->set_state(csec::dispatch::v1::PAGE_STATE_CLOSED);
        page->set_ack_due_ms(0);
      }
      break;
    }
    case Envelope::kShiftStarting:
      sent_bodies_[{event.case_id(), event.event_id()}] = {.value = bytes, .written = written};
      break;
    case Envelope::kPageDelivered:
    case Envelope::kPageDeliveryFailed: {
      const bool delivered = event.has_page_delivered();
      const std::string& page_id =
          delivered ? event.page_delivered().page_id() : event.page_delivery_failed().page_id();
      const int attempt = delivered ? event.page_delivered().attempt() : event.page_delivery_failed().attempt();
      const std::string& person =
          delivered ? event.page_delivered().person_id() : event.page_delivery_failed().person_id();
      const int contact =
          delivered ? event.page_delivered().contact_index() : event.page_delivery_failed().contact_index();
      // A shift notice's deliveries name no page: their sends are not matched (a notice may go twice).
      auto sent = sent_ids_.find(NotificationKey(page_id, attempt, person));
      if (sent == sent_ids_.end()) break;
      deliveries_done_[{event.case_id(), DeliveryIdFor(sent->second, contact)}] = {
          .value = delivered ? "delivered" : "gave_up", .written = written};
      break;
    }
    default:
      break;
  }
  if (state.pages_size() == 0 && !state.has_summary()) cases_.erase(event.case_id());
}

void PagingReplay::Apply(const Envelope& event, const std::string& bytes, absl::Time written) {
  if (event.producer() == "paging" && event.body_case() != Envelope::kArrivalRecorded) {
    ApplyOwn(event, bytes, written);
    return;
  }
  switch (event.body_case()) {
    case Envelope::kCaseRouted:
    case Envelope::kDeadlineMissed:
    case Envelope::kArrivalRecorded:
    case Envelope::kCaseClosed:
    case Envelope::kMedicalSchedulingFailed:
    case Envelope::kMedicalAppointmentScheduled:
    case Envelope::kMedicalExamRecorded:
      break;
    default:
      return;
  }
  // The summary as DecidePaging tells it, from an event too old to open a page for; the pages
  // themselves came from paging's own events.
  PagingCaseState& state = cases_[event.case_id()];
  PagingCaseState summary_only;
  *summary_only.mutable_summary() = state.summary();
  const EngineContext context{.config = config_,
                              .on_call = [](const std::string&, absl::Time) { return OnCall{}; },
                              .now = absl::InfiniteFuture()};
  *state.mutable_summary() = DecidePaging(summary_only, event, context).state.summary();
}

std::map<std::string, PagingCaseState> PagingReplay::Cases() const { return cases_; }

}  // namespace csec::paging
