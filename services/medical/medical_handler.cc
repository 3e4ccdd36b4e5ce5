#include "services/medical/medical_handler.h"

#include <algorithm>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/serving/metrics.h"
#include "services/medical/medical_view.h"

namespace csec::medical {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::MedicalAppointment;
using csec::dispatch::v1::MedicalCaseState;
using csec::dispatch::v1::MedicalStatus;

// How long the consumer waits for a case's lock held by a gRPC call (milliseconds, normally).
constexpr absl::Duration kConsumerLockWait = absl::Seconds(10);

Counter& Outcomes(absl::string_view outcome) {
  return Metrics::Get().GetCounter("csec_medical_bookings_total", "Bookings decided, by outcome",
                                   Labels({{"outcome", outcome}}));
}

std::string CaseScoped(absl::string_view case_id, absl::string_view what) { return absl::StrCat(case_id, "/", what); }

SlotRef SlotOf(const MedicalAppointment& a) {
  return {.hub_id = a.hub_id(),
          .day = ParseLocalDate(a.local_date()).value_or(absl::CivilDay()),
          .slot_index = a.slot_index()};
}

// The appointment of the case's current booking, when it names this id and is still ahead.
absl::Status RequireCurrent(const MedicalCaseState& state, const std::string& appointment_id,
                            std::initializer_list<MedicalStatus> allowed) {
  const auto& view = state.view();
  if (view.appointment().appointment_id() != appointment_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "appointment_id: \"", appointment_id, "\" is not the case's current appointment (",
        view.appointment().appointment_id().empty() ? "none"
                                                    : absl::StrCat("\"", view.appointment().appointment_id(), "\""),
        ")"));
  }
  if (std::find(allowed.begin(), allowed.end(), view.status()) == allowed.end()) {
    return absl::FailedPreconditionError(absl::StrCat("appointment_id: the appointment is ",
                                                      csec::dispatch::v1::MedicalStatus_Name(view.status()),
                                                      ", not open for this change"));
  }
  return absl::OkStatus();
}

}  // namespace

MedicalDesk::MedicalDesk(const MedicalConfig* config, MedicalStore* store, EventProducer* producer, const Clock* clock,
                         int workers)
    : config_(config), store_(store), producer_(producer), clock_(clock), workers_(workers) {}

bool MedicalDesk::ActsOn(const Envelope& e) {
  switch (e.body_case()) {
    case Envelope::kCaseRouted:
    case Envelope::kCaseClosed:
    case Envelope::kHubDayChanged:
      return true;
    case Envelope::kMedicalExamRecorded:
      return e.producer() != "medical";  // its own were applied when produced
    default:
      return false;
  }
}

void MedicalDesk::Handle(const Envelope& event, HandlerDone done) {
  if (!ActsOn(event)) return done(absl::OkStatus());
  workers_.Post(event.case_id(), [this, event, done = std::move(done)]() mutable { done(Process(event)); });
}

void MedicalDesk::Stop() { workers_.Stop(); }

absl::Status MedicalDesk::Process(const Envelope& event) {
  switch (event.body_case()) {
    case Envelope::kCaseRouted:
      return OnCaseRouted(event);
    case Envelope::kCaseClosed:
      return OnCaseClosed(event);
    case Envelope::kMedicalExamRecorded:
      return OnExamRecordedElsewhere(event);
    case Envelope::kHubDayChanged:
      return OnHubDayChanged(event);
    default:
      return absl::OkStatus();
  }
}

Envelope MedicalDesk::NewEvent(const std::string& event_id, const std::string& case_id) const {
  return NewEnvelope(event_id, case_id, "medical", clock_->Now());
}

absl::Status MedicalDesk::ProduceAll(const Events& events, absl::Time deadline) {
  if (absl::Status acked = producer_->ProduceAll(events, deadline); !acked.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Kafka did not acknowledge the medical event, nothing recorded; "
                     "retry with the same request_id (",
                     acked.message(), ")"));
  }
  return absl::OkStatus();
}

SlotSearch MedicalDesk::SearchFor(const MedicalCaseState& state) const {
  SlotSearch search = NewSlotSearch(*config_, state.area_id(), FromProtoTime(state.identified_at()), clock_->Now(),
                                    {state.candidate_hub_ids().begin(), state.candidate_hub_ids().end()});
  search.emergency = state.medical_emergency();
  return search;
}

absl::Status MedicalDesk::BookNext(MedicalCaseState& state, const SlotSearch& search, const std::string& trigger,
                                   const std::string& requested_by, bool fail_event, Events& events) {
  const int number = state.bookings() + 1;
  const std::string booking = CaseScoped(state.case_id(), absl::StrCat(number));
  const std::string appointment_id = DeriveId("medical.appointment", booking);
  const std::vector<SlotGroup> ranked = RankSlots(*config_, search);
  std::optional<std::pair<SlotRef, std::string>> replaces;
  const MedicalAppointment& current = state.view().appointment();
  if (!current.appointment_id().empty() && (trigger == "reschedule" || trigger == "no_show")) {
    replaces.emplace(SlotOf(current), current.appointment_id());
  }
  ASSIGN_OR_RETURN(BookingOutcome outcome, store_->Book(appointment_id, state.case_id(), ranked, replaces));

  Envelope event = NewEvent(DeriveId("medical.booking", booking), state.case_id());
  const absl::Time window_ends = search.window_ends_at;
  if (!outcome.booked) {
    const SchedulingFailure failure = ExplainFailure(*config_, search, ranked, outcome.closed_groups);
    if (!fail_event) return absl::ResourceExhaustedError(absl::StrCat("no other slot fits: ", failure.why));
    auto* failed = event.mutable_medical_scheduling_failed();
    failed->set_cause(failure.cause);
    failed->set_why(failure.why);
    failed->set_trigger(trigger);
    failed->set_booking_number(number);
    *failed->mutable_window_ends_at() = ToProtoTime(window_ends);
    failed->set_requested_by(requested_by);
    failed->set_coordinator_hub_id(search.hub_order.empty() ? "" : search.hub_order.front());
    Outcomes("failed").Increment();
    log::Warn("medical.scheduling_failed",
              {{"case_id", state.case_id()}, {"cause", failure.cause}, {"trigger", trigger}});
  } else {
    const SlotRef& slot = outcome.slot;
    const HubCalendar* hub = config_->FindHub(slot.hub_id);
    if (hub == nullptr) return absl::InternalError(absl::StrCat("booked hub ", slot.hub_id, " is not configured"));
    int chosen = outcome.group_index;
    if (chosen < 0) {  // a replay: the slot booked before, explained as the ranking sees it now
      for (size_t i = 0; i < ranked.size(); ++i) {
        const SlotGroup& g = ranked[i];
        if (g.hub_id == slot.hub_id && g.day == slot.day && g.first_slot <= slot.slot_index &&
            slot.slot_index <= g.last_slot) {
          chosen = static_cast<int>(i);
          break;
        }
      }
    }
    auto* scheduled = event.mutable_medical_appointment_scheduled();
    MedicalAppointment* appointment = scheduled->mutable_appointment();
    appointment->set_appointment_id(appointment_id);
    appointment->set_hub_id(slot.hub_id);
    appointment->set_local_date(FormatLocalDate(slot.day));
    appointment->set_slot_index(slot.slot_index);
    *appointment->mutable_starts_at() = ToProtoTime(SlotStart(*hub, slot.day, slot.slot_index, config_->time_zone));
    *appointment->mutable_ends_at() = ToProtoTime(SlotEnd(*hub, slot.day, slot.slot_index, config_->time_zone));
    scheduled->set_reason(chosen >= 0 ? ExplainChoice(*config_, search, ranked, static_cast<size_t>(chosen))
                                      : "booked before this retry");
    scheduled->set_trigger(trigger);
    scheduled->set_booking_number(number);
    *scheduled->mutable_window_ends_at() = ToProtoTime(window_ends);
    scheduled->set_emergency_care_first(search.emergency);
    if (replaces) scheduled->set_replaces_appointment_id(replaces->second);
    scheduled->set_requested_by(requested_by);
    Outcomes(outcome.existed ? "replayed" : "booked").Increment();
    log::Info("medical.appointment_scheduled", {{"case_id", state.case_id()},
                                                {"hub_id", slot.hub_id},
                                                {"local_date", appointment->local_date()},
                                                {"trigger", trigger}});
  }
  state.set_bookings(number);
  ApplyToMedicalView(event, state.mutable_view());
  events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status MedicalDesk::OnCaseRouted(const Envelope& event) {
  const std::string& case_id = event.case_id();
  ASSIGN_OR_RETURN(std::string token, store_->Lock(case_id, absl::Now() + kConsumerLockWait));
  absl::Cleanup unlock = [&] { store_->Unlock(case_id, token); };
  ASSIGN_OR_RETURN(std::optional<MedicalCaseState> loaded, store_->LoadCase(case_id));
  // A replayed or re-identified case was booked (or escalated) already: nothing new.
  if (loaded.has_value() && (loaded->bookings() > 0 || loaded->closed())) return absl::OkStatus();

  const auto& routed = event.case_routed();
  MedicalCaseState state;
  state.set_case_id(case_id);
  state.set_area_id(routed.area_id());
  for (const std::string& hub : routed.candidate_hub_ids()) state.add_candidate_hub_ids(hub);
  *state.mutable_identified_at() = ToProtoTime(IdentifiedAt(event));
  state.set_medical_emergency(routed.medical_emergency());
  const SlotSearch search = SearchFor(state);
  if (search.window_ends_at <= clock_->Now()) {
    // History (a new consumer group reading old cases): the window closed before the medical
    // service saw the case. The timers service escalates the missed exam; paging every hub
    // coordinator for each old case would only bury the live ones.
    log::Info("medical.window_over_when_seen", {{"case_id", case_id}});
    return absl::OkStatus();
  }
  Events events;
  if (absl::Status booked = BookNext(state, search, "case_routed", "", /*fail_event=*/true, events); !booked.ok()) {
    return booked;
  }
  RETURN_IF_ERROR(ProduceAll(events, absl::Now() + absl::Seconds(30)));
  return store_->SaveCase(state);
}

absl::Status MedicalDesk::OnCaseClosed(const Envelope& event) {
  const std::string& case_id = event.case_id();
  ASSIGN_OR_RETURN(std::string token, store_->Lock(case_id, absl::Now() + kConsumerLockWait));
  absl::Cleanup unlock = [&] { store_->Unlock(case_id, token); };
  ASSIGN_OR_RETURN(std::optional<MedicalCaseState> loaded, store_->LoadCase(case_id));
  MedicalCaseState state = loaded.value_or(MedicalCaseState());
  if (state.closed()) return absl::OkStatus();
  state.set_case_id(case_id);
  state.set_closed(true);
  Events events;
  const MedicalAppointment& current = state.view().appointment();
  if (state.view().status() == csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED) {
    if (absl::Status released = store_->Release(SlotOf(current), current.appointment_id()); !released.ok()) {
      return released;
    }
    Envelope cancelled =
        NewEvent(DeriveId("medical.cancelled", CaseScoped(case_id, current.appointment_id())), case_id);
    auto* body = cancelled.mutable_medical_appointment_cancelled();
    body->set_appointment_id(current.appointment_id());
    body->set_hub_id(current.hub_id());
    body->set_reason(absl::StrCat("case closed: ", event.case_closed().reason()));
    body->set_cancelled_by("intake");
    *body->mutable_cancelled_at() = event.occurred_at();
    ApplyToMedicalView(cancelled, state.mutable_view());
    events.push_back(std::move(cancelled));
  }
  RETURN_IF_ERROR(ProduceAll(events, absl::Now() + absl::Seconds(30)));
  return store_->SaveCase(state);
}

absl::Status MedicalDesk::OnExamRecordedElsewhere(const Envelope& event) {
  const std::string& case_id = event.case_id();
  ASSIGN_OR_RETURN(std::string token, store_->Lock(case_id, absl::Now() + kConsumerLockWait));
  absl::Cleanup unlock = [&] { store_->Unlock(case_id, token); };
  ASSIGN_OR_RETURN(std::optional<MedicalCaseState> loaded, store_->LoadCase(case_id));
  if (!loaded.has_value() || loaded->view().status() == csec::dispatch::v1::MEDICAL_STATUS_COMPLETED) {
    return absl::OkStatus();
  }
  MedicalCaseState state = *loaded;
  ApplyToMedicalView(event, state.mutable_view());
  return store_->SaveCase(state);
}

absl::Status MedicalDesk::OnHubDayChanged(const Envelope& event) {
  const auto& day = event.hub_day_changed();
  return store_->SetDay(day.hub_id(), day.local_date(), day.capacity(), day.closed(), day.reason(), day.version())
      .status();
}

absl::StatusOr<MedicalDesk::Response> MedicalDesk::ChangeCase(const std::string& case_id, const std::string& request_id,
                                                              absl::Time deadline, const CaseChange& change) {
  ASSIGN_OR_RETURN(std::string token, store_->Lock(case_id, deadline));
  absl::Cleanup unlock = [&] { store_->Unlock(case_id, token); };
  absl::StatusOr<std::optional<MedicalCaseState>> loaded = store_->LoadCase(case_id);
  if (!loaded.ok())
    return absl::UnavailableError(absl::StrCat("medical state unavailable: ", loaded.status().message()));
  if (!loaded->has_value() || (*loaded)->bookings() == 0) {
    return absl::NotFoundError(absl::StrCat("case_id: the medical service has no routed case \"", case_id, "\""));
  }
  MedicalCaseState state = **loaded;
  Response response;
  if (std::find(state.request_ids().begin(), state.request_ids().end(), request_id) != state.request_ids().end()) {
    *response.mutable_medical() = state.view();
    response.set_duplicate(true);
    return response;
  }
  Events events;
  RETURN_IF_ERROR(change(state, events));
  state.add_request_ids(request_id);
  // On the events too, so a rebuild from Kafka knows the request was applied.
  for (Envelope& e : events) e.set_request_id(request_id);
  RETURN_IF_ERROR(ProduceAll(events, deadline));
  if (absl::Status saved = store_->SaveCase(state); !saved.ok()) {
    // Kafka has the events; the same request id again re-derives them (same ids).
    return absl::UnavailableError(
        absl::StrCat("the change is recorded but medical state was not saved; retry with the same request_id (",
                     saved.message(), ")"));
  }
  *response.mutable_medical() = state.view();
  return response;
}

absl::StatusOr<MedicalDesk::Response> MedicalDesk::GetCase(const std::string& case_id) {
  absl::StatusOr<std::optional<MedicalCaseState>> loaded = store_->LoadCase(case_id);
  if (!loaded.ok())
    return absl::UnavailableError(absl::StrCat("medical state unavailable: ", loaded.status().message()));
  if (!loaded->has_value()) {
    return absl::NotFoundError(absl::StrCat("case_id: the medical service has no routed case \"", case_id, "\""));
  }
  Response response;
  *response.mutable_medical() = (*loaded)->view();
  return response;
}

absl::StatusOr<MedicalDesk::Response> MedicalDesk::Reschedule(const csec::dispatch::v1::RescheduleRequest& request,
                                                              absl::Time deadline) {
  if (!request.hub_id().empty() && config_->FindHub(request.hub_id()) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("hub_id: no hub \"", request.hub_id(), "\" is configured"));
  }
  std::optional<absl::CivilDay> only_day;
  if (!request.local_date().empty()) {
    only_day = ParseLocalDate(request.local_date());
    if (!only_day) return absl::InvalidArgumentError("local_date: must be YYYY-MM-DD");
  }
  return ChangeCase(request.case_id(), request.request_id(), deadline, [&](MedicalCaseState& state, Events& events) {
    // A failed case (nothing fitted, e.g. before a coordinator added capacity) is booked anew.
    const bool failed = state.view().status() == csec::dispatch::v1::MEDICAL_STATUS_FAILED;
    if (!failed || !request.appointment_id().empty()) {
      if (absl::Status current =
              RequireCurrent(state, request.appointment_id(),
                             {csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED, csec::dispatch::v1::MEDICAL_STATUS_FAILED});
          !current.ok()) {
        return current;
      }
    }
    SlotSearch search = SearchFor(state);
    if (!failed) search.exclude = SlotOf(state.view().appointment());
    if (!request.hub_id().empty()) search.only_hub = request.hub_id();
    search.only_day = only_day;
    return BookNext(state, search, "reschedule", request.requested_by(), /*fail_event=*/false, events);
  });
}

absl::StatusOr<MedicalDesk::Response> MedicalDesk::RecordNoShow(const csec::dispatch::v1::RecordNoShowRequest& request,
                                                                absl::Time deadline) {
  return ChangeCase(request.case_id(), request.request_id(), deadline, [&](MedicalCaseState& state, Events& events) {
    if (absl::Status current =
            RequireCurrent(state, request.appointment_id(), {csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED});
        !current.ok()) {
      return current;
    }
    const MedicalAppointment missed = state.view().appointment();
    Envelope no_show =
        NewEvent(DeriveId("medical.no-show", CaseScoped(state.case_id(), missed.appointment_id())), state.case_id());
    auto* body = no_show.mutable_medical_no_show_recorded();
    body->set_appointment_id(missed.appointment_id());
    body->set_hub_id(missed.hub_id());
    body->set_recorded_by(request.recorded_by());
    *body->mutable_recorded_at() = ToProtoTime(clock_->Now());
    ApplyToMedicalView(no_show, state.mutable_view());
    events.push_back(std::move(no_show));
    // Rebook inside what is left of the window (never the missed slot), or escalate.
    SlotSearch search = SearchFor(state);
    search.exclude = SlotOf(missed);
    return BookNext(state, search, "no_show", request.recorded_by(), /*fail_event=*/true, events);
  });
}

absl::StatusOr<MedicalDesk::Response> MedicalDesk::Cancel(const csec::dispatch::v1::CancelAppointmentRequest& request,
                                                          absl::Time deadline) {
  return ChangeCase(request.case_id(), request.request_id(), deadline, [&](MedicalCaseState& state, Events& events) {
    if (absl::Status current =
            RequireCurrent(state, request.appointment_id(), {csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED});
        !current.ok()) {
      return current;
    }
    const MedicalAppointment& appointment = state.view().appointment();
    if (absl::Status released = store_->Release(SlotOf(appointment), appointment.appointment_id()); !released.ok()) {
      return released;
    }
    Envelope cancelled = NewEvent(
        DeriveId("medical.cancelled", CaseScoped(state.case_id(), appointment.appointment_id())), state.case_id());
    auto* body = cancelled.mutable_medical_appointment_cancelled();
    body->set_appointment_id(appointment.appointment_id());
    body->set_hub_id(appointment.hub_id());
    body->set_reason(request.reason());
    body->set_cancelled_by(request.cancelled_by());
    *body->mutable_cancelled_at() = ToProtoTime(clock_->Now());
    ApplyToMedicalView(cancelled, state.mutable_view());
    events.push_back(std::move(cancelled));
    return absl::OkStatus();
  });
}

absl::StatusOr<MedicalDesk::Response> MedicalDesk::RecordExamCompleted(
    const csec::dispatch::v1::RecordExamCompletedRequest& request, absl::Time deadline) {
  return ChangeCase(request.case_id(), request.request_id(), deadline, [&](MedicalCaseState& state, Events& events) {
    if (absl::Status current =
            RequireCurrent(state, request.appointment_id(),
                           {csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED, csec::dispatch::v1::MEDICAL_STATUS_NO_SHOW});
        !current.ok()) {
      return current;
    }
    const MedicalAppointment& appointment = state.view().appointment();
    Envelope exam =
        NewEvent(DeriveId("medical.exam", CaseScoped(state.case_id(), appointment.appointment_id())), state.case_id());
    auto* body = exam.mutable_medical_exam_recorded();
    body->set_hub_id(appointment.hub_id());
    *body->mutable_examined_at() = request.examined_at();
    ApplyToMedicalView(exam, state.mutable_view());
    events.push_back(std::move(exam));
    return absl::OkStatus();
  });
}

absl::StatusOr<csec::dispatch::v1::ListAvailabilityResponse> MedicalDesk::ListAvailability(
    const csec::dispatch::v1::ListAvailabilityRequest& request) {
  const HubCalendar* hub = config_->FindHub(request.hub_id());
  if (hub == nullptr)
    return absl::NotFoundError(absl::StrCat("hub_id: no hub \"", request.hub_id(), "\" is configured"));
  const std::optional<absl::CivilDay> day = ParseLocalDate(request.local_date());
  if (!day) return absl::InvalidArgumentError("local_date: must be YYYY-MM-DD");
  absl::StatusOr<HubDayState> state = store_->ReadDay(hub->hub_id, request.local_date());
  if (!state.ok()) return absl::UnavailableError(absl::StrCat("medical state unavailable: ", state.status().message()));
  csec::dispatch::v1::ListAvailabilityResponse response;
  response.set_hub_id(hub->hub_id);
  response.set_local_date(FormatLocalDate(*day));
  const int slots = SlotsOn(*hub, *day);
  response.set_open(slots > 0);
  response.set_closed(state->closed.has_value());
  response.set_closed_reason(state->closed.value_or(""));
  response.set_capacity(slots > 0 ? state->capacity.value_or(hub->daily_capacity) : 0);
  response.set_booked(state->booked);
  // Free counts what a booking could still take: a time already past (or too soon to get a youth
  // there) is not free, whatever the capacity says.
  const absl::Time earliest_start = clock_->Now() + config_->lead_time;
  int bookable = 0;
  for (int i = 0; i < slots; ++i) {
    auto* slot = response.add_slots();
    slot->set_slot_index(i);
    const absl::Time starts_at = SlotStart(*hub, *day, i, config_->time_zone);
    *slot->mutable_starts_at() = ToProtoTime(starts_at);
    *slot->mutable_ends_at() = ToProtoTime(SlotEnd(*hub, *day, i, config_->time_zone));
    if (auto it = state->booked_case_by_slot.find(i); it != state->booked_case_by_slot.end()) {
      slot->set_booked(true);
      slot->set_case_id(it->second);
    } else if (!response.closed() && starts_at >= earliest_start) {
      slot->set_bookable(true);
      ++bookable;
    }
  }
  response.set_free(response.closed() ? 0 : std::min(bookable, std::max(0, response.capacity() - state->booked)));
  return response;
}

absl::StatusOr<csec::dispatch::v1::SetHubDayResponse> MedicalDesk::SetHubDay(
    const csec::dispatch::v1::SetHubDayRequest& request, absl::Time deadline) {
  const HubCalendar* hub = config_->FindHub(request.hub_id());
  if (hub == nullptr)
    return absl::NotFoundError(absl::StrCat("hub_id: no hub \"", request.hub_id(), "\" is configured"));
  if (!ParseLocalDate(request.local_date())) return absl::InvalidArgumentError("local_date: must be YYYY-MM-DD");
  const std::string subject = absl::StrCat("hub:", hub->hub_id);
  ASSIGN_OR_RETURN(std::string token, store_->Lock(subject, deadline));
  absl::Cleanup unlock = [&] { store_->Unlock(subject, token); };
  csec::dispatch::v1::SetHubDayResponse response;
  absl::StatusOr<std::optional<std::string>> seen = store_->HubRequest(hub->hub_id, request.request_id());
  if (!seen.ok()) return absl::UnavailableError(absl::StrCat("medical state unavailable: ", seen.status().message()));
  if (seen->has_value()) {
    Envelope before;
    if (before.ParseFromString(**seen)) *response.mutable_day() = before.hub_day_changed();
    response.set_duplicate(true);
    return response;
  }
  absl::StatusOr<HubDayState> day = store_->ReadDay(hub->hub_id, request.local_date());
  if (!day.ok()) return absl::UnavailableError(absl::StrCat("medical state unavailable: ", day.status().message()));

  Envelope event = NewEvent(DeriveId("medical.hub-day", CaseScoped(hub->hub_id, request.request_id())), subject);
  event.set_request_id(request.request_id());
  auto* changed = event.mutable_hub_day_changed();
  changed->set_hub_id(hub->hub_id);
  changed->set_local_date(request.local_date());
  changed->set_capacity(request.has_capacity() ? request.capacity() : day->capacity.value_or(-1));
  changed->set_closed(request.has_closed() ? request.closed() : day->closed.has_value());
  changed->set_reason(request.reason());
  changed->set_changed_by(request.changed_by());
  changed->set_booked(day->booked);
  changed->set_version(day->version + 1);
  // Kafka first: the consumer applies it to Redis again should this call die before doing so.
  RETURN_IF_ERROR(ProduceAll({event}, deadline));
  absl::StatusOr<HubDayState> after = store_->SetDay(hub->hub_id, request.local_date(), changed->capacity(),
                                                     changed->closed(), changed->reason(), changed->version());
  if (!after.ok()) return absl::UnavailableError(absl::StrCat("recorded, not yet applied: ", after.status().message()));
  (void)store_->RememberHubRequest(hub->hub_id, request.request_id(), event.SerializeAsString());
  log::Info("medical.hub_day_changed", {{"hub_id", hub->hub_id},
                                        {"local_date", request.local_date()},
                                        {"capacity", static_cast<int64_t>(changed->capacity())},
                                        {"closed", changed->closed() ? "yes" : "no"},
                                        {"changed_by", request.changed_by()}});
  *response.mutable_day() = *changed;
  return response;
}

}  // namespace csec::medical
