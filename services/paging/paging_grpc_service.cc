#include "services/paging/paging_grpc_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/serving/grpc_call.h"
#include "services/paging/page_engine.h"
#include "services/paging/page_watch.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::PageRecord;
using csec::dispatch::v1::PagingCaseState;

// Real time from absl::Now(), never from the (possibly scaled) clock.
constexpr absl::Duration kProduceTimeout = absl::Seconds(10);
// A page is on the person's stream as soon as Kafka has its PageSent; its state is stored a
// moment later. An action that finds the page (or the person on it) missing looks again for
// this long before refusing.
constexpr absl::Duration kStateCatchUp = absl::Seconds(2);

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool Has(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

// For the calls of a person about a page: the three fields are required (InvalidArgument
// naming the first missing one). Loads the page and waits (briefly) for `ready` to hold of it.
// Fills `state` and returns the page, or a status for the caller.
static absl::StatusOr<PageRecord> LoadPage(PagingStore* store, const Clock* clock, const std::string& case_id,
                                           const std::string& page_id, const std::string& person_id,
                                           const std::function<bool(const PageRecord&)>& ready,
                                           PagingCaseState* state) {
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"case_id", &case_id},
                                     {"page_id", &page_id},
                                     {"person_id", &person_id}}) {
    if (value->empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  const absl::Time give_up = clock->Now() + kStateCatchUp * clock->scale();  // real time, in the clock's
  while (true) {
    ASSIGN_OR_RETURN(PagingCaseState loaded, store->Load(case_id));
    *state = std::move(loaded);
    const PageRecord* page = FindPage(*state, page_id);
    if (page != nullptr && ready(*page)) return *page;
    if (clock->Now() >= give_up) {
      if (page == nullptr) {
        return absl::NotFoundError(absl::StrCat("page_id: no page \"", page_id, "\" for case \"", case_id, "\""));
      }
      return *page;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

grpc::Status PagingGrpcService::WatchPages(grpc::ServerContext* context,
                                           const csec::dispatch::v1::WatchPagesRequest* request,
                                           grpc::ServerWriter<csec::dispatch::v1::WatchPagesResponse>* writer) {
  return Answer(context, "WatchPages", [&](const RpcCall& call) -> absl::Status {
    if (request->person_id().empty()) return Invalid("person_id", "required");
    if (config_->FindPerson(request->person_id()) == nullptr) {
      return absl::NotFoundError(absl::StrCat("person_id: no person \"", request->person_id(), "\""));
    }
    return StreamPersonPages(
        kafka_, *request, [&call] { return call.cancelled(); },
        [writer](const csec::dispatch::v1::WatchPagesResponse& r) { return writer->Write(r); });
  });
}

grpc::Status PagingGrpcService::Acknowledge(grpc::ServerContext* context,
                                            const csec::dispatch::v1::AcknowledgeRequest* request,
                                            csec::dispatch::v1::PageActionResponse* response) {
  return Answer(context, "Acknowledge", [&](const RpcCall&) -> absl::Status {
    PagingCaseState state;
    absl::StatusOr<PageRecord> page = LoadPage(
        store_, clock_, request->case_id(), request->page_id(), request->person_id(),
        [&](const PageRecord& p) { return Has(p.paged_person_ids(), request->person_id()); }, &state);
    if (!page.ok()) return page.status();
    const std::string event_id = DeriveId("paging.page-acknowledged", page->page_id());
    response->set_event_id(event_id);
    if (page->state() == csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED) {
      response->set_duplicate(true);
      return absl::OkStatus();
    }
    if (page->state() == csec::dispatch::v1::PAGE_STATE_CLOSED) {
      return absl::FailedPreconditionError("page_id: the page is closed (arrival, deadline met or case closed)");
    }
    if (!Has(page->paged_person_ids(), request->person_id())) {
      return absl::FailedPreconditionError(
          absl::StrCat("person_id: \"", request->person_id(), "\" was not paged for this page"));
    }
    // Deliveries stop now, not once the event has gone round through Kafka.
    absl::StatusOr<bool> first = store_->MarkAcknowledged(request->case_id(), page->page_id());
    if (!first.ok()) return first.status();
    if (!*first) {
      response->set_duplicate(true);
      return absl::OkStatus();
    }
    const absl::Time now = clock_->Now();
    Envelope e = NewEnvelope(event_id, request->case_id(), "paging", now);
    e.mutable_page_acknowledged()->set_page_id(page->page_id());
    e.mutable_page_acknowledged()->set_person_id(request->person_id());
    *e.mutable_page_acknowledged()->mutable_acknowledged_at() = ToProtoTime(now);
    absl::Status produced = producer_->Produce(e, absl::Now() + kProduceTimeout);
    if (!produced.ok()) {
      // Not recorded: let the caller's retry record it (deliveries resume meanwhile).
      (void)store_->ClearStopped(request->case_id(), page->page_id());
      return produced;
    }
    log::Info("paging.page_acknowledged",
              {{"case_id", e.case_id()}, {"page_id", page->page_id()}, {"person_id", request->person_id()}});
    return absl::OkStatus();
  });
}

grpc::Status PagingGrpcService::Decline(grpc::ServerContext* context, const csec::dispatch::v1::DeclineRequest* request,
                                        csec::dispatch::v1::PageActionResponse* response) {
  return Answer(context, "Decline", [&](const RpcCall&) -> absl::Status {
    PagingCaseState state;
    absl::StatusOr<PageRecord> page = LoadPage(
        store_, clock_, request->case_id(), request->page_id(), request->person_id(),
        [&](const PageRecord& p) { return Has(p.current_person_ids(), request->person_id()); }, &state);
    if (!page.ok()) return page.status();
    if (page->state() != csec::dispatch::v1::PAGE_STATE_OPEN ||
        !Has(page->current_person_ids(), request->person_id())) {
      return absl::FailedPreconditionError(
          absl::StrCat("person_id: \"", request->person_id(),
                       "\" is not being paged for this page now (it moved on, was acknowledged or closed)"));
    }
    const std::string event_id = DeriveId(
        "paging.page-declined", absl::StrCat(page->page_id(), "|", page->attempt(), "|", request->person_id()));
    const absl::Time now = clock_->Now();
    Envelope e = NewEnvelope(event_id, request->case_id(), "paging", now);
    auto* declined = e.mutable_page_declined();
    declined->set_page_id(page->page_id());
    declined->set_person_id(request->person_id());
    declined->set_attempt(page->attempt());
    declined->set_reason(request->reason());
    *declined->mutable_declined_at() = ToProtoTime(now);
    response->set_event_id(event_id);
    return producer_->Produce(e, absl::Now() + kProduceTimeout);
  });
}

grpc::Status PagingGrpcService::RecordArrival(grpc::ServerContext* context,
                                              const csec::dispatch::v1::RecordPageArrivalRequest* request,
                                              csec::dispatch::v1::PageActionResponse* response) {
  return Answer(context, "RecordArrival", [&](const RpcCall&) -> absl::Status {
    PagingCaseState state;
    absl::StatusOr<PageRecord> page = LoadPage(
        store_, clock_, request->case_id(), request->page_id(), request->person_id(),
        [&](const PageRecord& p) { return Has(p.paged_person_ids(), request->person_id()); }, &state);
    if (!page.ok()) return page.status();
    const csec::dispatch::v1::ResponderRole role = ArrivalRoleOf(state, *page);
    if (role == csec::dispatch::v1::RESPONDER_ROLE_UNSPECIFIED) {
      return absl::FailedPreconditionError(
          "page_id: arrivals are recorded on a responder's or advocate's case_routed page");
    }
    if (!Has(page->paged_person_ids(), request->person_id())) {
      return absl::FailedPreconditionError(
          absl::StrCat("person_id: \"", request->person_id(), "\" was not paged for this page"));
    }
    const absl::Time now = clock_->Now();
    const std::string event_id = DeriveId("paging.arrival", page->page_id());
    response->set_event_id(event_id);
    if (page->state() == csec::dispatch::v1::PAGE_STATE_CLOSED) {
      // Closed by this arrival before, or by another one: the arrival is recorded either way.
      response->set_duplicate(true);
      return absl::OkStatus();
    }
    if (absl::Status s = store_->MarkStopped(request->case_id(), page->page_id()); !s.ok()) return s;
    Envelope e = NewEnvelope(event_id, request->case_id(), "paging", now);
    auto* arrival = e.mutable_arrival_recorded();
    arrival->set_role(role);
    arrival->set_person_id(request->person_id());
    *arrival->mutable_arrived_at() = request->has_arrived_at() ? request->arrived_at() : ToProtoTime(now);
    return producer_->Produce(e, absl::Now() + kProduceTimeout);
  });
}

grpc::Status PagingGrpcService::ListCasePages(grpc::ServerContext* context,
                                              const csec::dispatch::v1::ListCasePagesRequest* request,
                                              csec::dispatch::v1::ListCasePagesResponse* response) {
  return Answer(context, "ListCasePages", [&](const RpcCall&) -> absl::Status {
    if (request->case_id().empty()) return Invalid("case_id", "required");
    absl::StatusOr<PagingCaseState> state = store_->Load(request->case_id());
    if (!state.ok()) return state.status();
    *response->mutable_summary() = state->summary();
    *response->mutable_pages() = state->pages();
    return absl::OkStatus();
  });
}

grpc::Status PagingGrpcService::OnCall(grpc::ServerContext* context, const csec::dispatch::v1::OnCallRequest* request,
                                       csec::dispatch::v1::OnCallResponse* response) {
  return Answer(context, "OnCall", [&](const RpcCall&) -> absl::Status {
    if (!request->roster_id().empty() && config_->FindRoster(request->roster_id()) == nullptr) {
      return absl::NotFoundError(absl::StrCat("roster_id: no roster \"", request->roster_id(), "\""));
    }
    absl::StatusOr<RosterSnapshot> snapshot = rosters_->Snapshot();
    if (!snapshot.ok()) return snapshot.status();
    const absl::Time at = request->has_at() ? FromProtoTime(request->at()) : clock_->Now();
    for (const Roster& roster : config_->rosters) {
      if (!request->roster_id().empty() && roster.id != request->roster_id()) continue;
      const csec::paging::OnCall who = OnCallIn(*snapshot, *config_, roster.id, at);
      auto* shift = response->add_shifts();
      shift->set_roster_id(roster.id);
      shift->set_person_id(who.person_id);
      shift->set_source(who.source);
      if (who.starts_at != absl::InfinitePast()) *shift->mutable_starts_at() = ToProtoTime(who.starts_at);
      if (who.ends_at != absl::InfiniteFuture()) *shift->mutable_ends_at() = ToProtoTime(who.ends_at);
    }
    return absl::OkStatus();
  });
}

grpc::Status PagingGrpcService::ChangeRoster(grpc::ServerContext* context,
                                             const csec::dispatch::v1::ChangeRosterRequest* request,
                                             csec::dispatch::v1::ChangeRosterResponse* response) {
  return Answer(context, "ChangeRoster", [&](const RpcCall&) -> absl::Status {
    absl::StatusOr<csec::dispatch::v1::ChangeRosterResponse> changed = rosters_->Change(*request);
    if (!changed.ok()) return changed.status();
    *response = *std::move(changed);
    return absl::OkStatus();
  });
}

}  // namespace csec::paging
