// The medical service's decisions with their effects: books a case's exam when it is routed, and
// carries out MedicalHubService's changes (reschedule, no-show, cancel, exam completed, a hub
// day's capacity or closure). Each change of a case runs under the case's lock (MedicalStore),
// so the consumer and gRPC calls in any process never interleave on one case, and in this order:
// book (Redis, keyed by a booking id derived from the case and its booking number), produce the
// events (Kafka, ids derived the same way), save the case state. A crash between steps replays
// the same booking id: the slot already held, the same event ids, nothing doubled.
//
//   MedicalDesk desk(&config, &store, producer, &SystemClock::Get(), /*workers=*/4);
//   s.Consume({.group_id = "medical", .topics = {kRoutingTopic, kIntakeTopic, kMedicalTopic}},
//             HandleEnvelopes("medical", [&](const Envelope& e, HandlerDone d) { desk.Handle(e, std::move(d)); }));
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_HANDLER_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_HANDLER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/medical_service.pb.h"
#include "csec/dispatch/v1/medical_state.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/keyed_workers.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/runtime/event_producer.h"
#include "services/medical/medical_config.h"
#include "services/medical/medical_store.h"

namespace csec::medical {

class MedicalDesk {
 public:
  MedicalDesk(const MedicalConfig* config, MedicalStore* store, EventProducer* producer, const Clock* clock,
              int workers);

  // The consumer's events: CaseRouted (book), CaseClosed (cancel), an exam recorded through
  // intake, and HubDayChanged (applied again, in case the call that produced it died first).
  static bool ActsOn(const csec::dispatch::v1::Envelope& event);
  void Handle(const csec::dispatch::v1::Envelope& event, HandlerDone done);
  void Stop();  // after the consumer stopped

  // MedicalHubService. Requests are validated (fields present, well-formed) by the caller; these
  // check them against the case (NotFound, FailedPrecondition naming the field) and change
  // nothing when they refuse.
  using Response = csec::dispatch::v1::MedicalChangeResponse;
  absl::StatusOr<Response> GetCase(const std::string& case_id);
  absl::StatusOr<Response> Reschedule(const csec::dispatch::v1::RescheduleRequest& request, absl::Time deadline);
  absl::StatusOr<Response> RecordNoShow(const csec::dispatch::v1::RecordNoShowRequest& request, absl::Time deadline);
  absl::StatusOr<Response> Cancel(const csec::dispatch::v1::CancelAppointmentRequest& request, absl::Time deadline);
  absl::StatusOr<Response> RecordExamCompleted(const csec::dispatch::v1::RecordExamCompletedRequest& request,
                                               absl::Time deadline);
  absl::StatusOr<csec::dispatch::v1::ListAvailabilityResponse> ListAvailability(
      const csec::dispatch::v1::ListAvailabilityRequest& request);
  absl::StatusOr<csec::dispatch::v1::SetHubDayResponse> SetHubDay(const csec::dispatch::v1::SetHubDayRequest& request,
                                                                  absl::Time deadline);

 private:
  using Events = std::vector<csec::dispatch::v1::Envelope>;
  // What a change does to a locked, loaded case: fills `events` (in order) and updates `state`;
  // an error changes nothing.
  using CaseChange = std::function<absl::Status(csec::dispatch::v1::MedicalCaseState& state, Events& events)>;

  absl::Status Process(const csec::dispatch::v1::Envelope& event);
  absl::Status OnCaseRouted(const csec::dispatch::v1::Envelope& event);
  absl::Status OnCaseClosed(const csec::dispatch::v1::Envelope& event);
  absl::Status OnExamRecordedElsewhere(const csec::dispatch::v1::Envelope& event);
  absl::Status OnHubDayChanged(const csec::dispatch::v1::Envelope& event);

  // Locks the case, loads it (NotFound when the medical service never saw it routed), skips a
  // request id already applied (answered as a duplicate), applies `change`, produces, saves.
  absl::StatusOr<Response> ChangeCase(const std::string& case_id, const std::string& request_id, absl::Time deadline,
                                      const CaseChange& change);
  // Books booking number state.bookings + 1 by `search`, or (when nothing fits and
  // `fail_event`) records MedicalSchedulingFailed; appends the event and applies it to `state`.
  // With !fail_event, nothing fitting is ResourceExhausted and changes nothing.
  absl::Status BookNext(csec::dispatch::v1::MedicalCaseState& state, const SlotSearch& search,
                        const std::string& trigger, const std::string& requested_by, bool fail_event, Events& events);
  SlotSearch SearchFor(const csec::dispatch::v1::MedicalCaseState& state) const;
  csec::dispatch::v1::Envelope NewEvent(const std::string& event_id, const std::string& case_id) const;
  absl::Status ProduceAll(const Events& events, absl::Time deadline);

  const MedicalConfig* config_;
  MedicalStore* store_;
  EventProducer* producer_;
  const Clock* clock_;
  KeyedWorkers workers_;
};

}  // namespace csec::medical

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_HANDLER_H_
