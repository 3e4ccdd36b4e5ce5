// IntakeService: the gRPC front door for agency systems. A referral is validated, its youth's
// identifying fields sealed with the case key, and the call answers only after Kafka has
// acknowledged ReferralReceived on csec.intake.v1 — intake keeps no case state of its own.
//
// Idempotency: the case id and event id are derived from (agency, idempotency key). Before
// anything is published the key is reserved in Redis with the referral's fingerprint (one
// script, atomic): the same key with a different referral is ALREADY_EXISTS and publishes
// nothing, even when two calls race; the same referral again answers the same case, publishing
// again only if the first call never saw Kafka's acknowledgement (same event id: consumers drop
// the copy). Facts after the report (arrival, MDT, placement, medical exam, closing) take the
// same path, reserved by (case, request id): the same request id with another fact is
// ALREADY_EXISTS, and a fact for a case intake never saw is NOT_FOUND.
//
// Every call honours its caller's deadline: Kafka not acknowledging by then is DEADLINE_EXCEEDED
// (retrying with the same key or request id is safe), Kafka or Redis known to be away is
// UNAVAILABLE at once, with nothing recorded.
//
// Reads (GetCase, WatchCase) fold the case's events from the CaseStore, which intake's
// projector fills from every topic; intake also adds its own events there right after Kafka
// acknowledged them, so a caller reads its own writes.
//
// Owned by the service's main; gRPC calls it from its own threads concurrently.
#ifndef CSEC_SERVICES_INTAKE_INTAKE_SERVICE_H_
#define CSEC_SERVICES_INTAKE_INTAKE_SERVICE_H_

#include <functional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/redis/redis.h"
#include "services/common/runtime/event_producer.h"
#include "services/common/serving/health.h"
#include "services/intake/case_store.h"

namespace csec::intake {

class Intake {
 public:
  using FactResponse = csec::dispatch::v1::RecordFactResponse;

  // `health` tells whether Kafka is reachable, so a report fails at once when it is not.
  Intake(EventProducer* producer, RedisClient* redis, ProtocolConfigStore* config, const HealthState* health,
         const Clock* clock)
      : producer_(producer), redis_(redis), cases_(redis), config_(config), health_(health), clock_(clock) {}

  using ReportDone = absl::AnyInvocable<void(absl::StatusOr<csec::dispatch::v1::ReportIdentificationResponse>)>;
  // Answers through `done`, exactly once: at once when the report is refused, else from a Redis
  // or Kafka client thread once Kafka acknowledged it (or did not). Nothing waits meanwhile; the
  // caller's deadline is kept by gRPC. `request` must stay valid until `done` ran.
  void ReportIdentification(const csec::dispatch::v1::ReportIdentificationRequest& request, ReportDone done);
  absl::StatusOr<FactResponse> RecordArrival(const csec::dispatch::v1::RecordArrivalRequest& request,
                                             absl::Time deadline);
  absl::StatusOr<FactResponse> RecordMdt(const csec::dispatch::v1::RecordMdtRequest& request, absl::Time deadline);
  absl::StatusOr<FactResponse> RecordPlacement(const csec::dispatch::v1::RecordPlacementRequest& request,
                                               absl::Time deadline);
  absl::StatusOr<FactResponse> RecordMedicalExam(const csec::dispatch::v1::RecordMedicalExamRequest& request,
                                                 absl::Time deadline);
  absl::StatusOr<FactResponse> CloseCase(const csec::dispatch::v1::CloseCaseRequest& request, absl::Time deadline);

  absl::StatusOr<csec::dispatch::v1::CaseView> GetCase(const std::string& case_id);
  // The case's change counter: 0 for a case intake does not know.
  absl::StatusOr<int64_t> CaseVersion(const std::string& case_id);

 private:
  // Unavailable when the monitor last found Kafka unreachable: nothing is attempted.
  absl::Status KafkaReachable() const;
  // Produces to csec.intake.v1 and waits for the acknowledgement until `deadline`; the error
  // tells the caller to retry with the same `retry_key` (PublishRefusal).
  absl::Status Publish(const csec::dispatch::v1::Envelope& envelope, absl::string_view bytes, absl::string_view what,
                       absl::string_view retry_key, absl::Time deadline);
  // The report's second half, once its idempotency key is reserved (`reserved`: the script's
  // answer): seal, publish, answer.
  void PublishReport(const csec::dispatch::v1::ReportIdentificationRequest& request,
                     csec::dispatch::v1::ReportIdentificationResponse response, const std::string& fingerprint,
                     absl::StatusOr<RedisReply> reserved, ReportDone done);
  // After Kafka's acknowledgement: the reservation is done, and the event (`bytes`) is in the
  // case view, ahead of any later read of the case through this process. `then` runs once Redis
  // answered, either way.
  void MarkPublished(const std::string& reservation, const std::string& fingerprint,
                     const csec::dispatch::v1::Envelope& envelope, std::string bytes, absl::AnyInvocable<void()> then);
  // The path every fact takes; `set_body` puts the fact into the envelope.
  absl::StatusOr<FactResponse> RecordFact(absl::string_view fact, const std::string& request_id,
                                          const std::string& case_id, absl::Status valid, absl::Time deadline,
                                          const std::function<void(csec::dispatch::v1::Envelope&)>& set_body);

  EventProducer* producer_;
  RedisClient* redis_;
  CaseStore cases_;
  ProtocolConfigStore* config_;
  const HealthState* health_;
  const Clock* clock_;
};

// After Redis lost intake's state (no epoch, state_epoch.h): reads csec.intake.v1 whole and
// restores each event's reservation (a report's with its public fingerprint only: the identity is
// sealed on the topic) and intake's own events in the case view, so the same idempotency key is a
// duplicate of the same case again and another referral under it ALREADY_EXISTS. Idempotent;
// `events` counts what it restored.
absl::Status RebuildIntakeState(RedisClient* redis, const KafkaSettings& kafka, int64_t* events);

// The gRPC adapter: maps absl::Status to a gRPC status with the same message.
// ReportIdentification, the busy one, uses gRPC's callback API: no server thread waits for Redis
// or Kafka. The rest are synchronous.
class IntakeGrpcService final : public csec::dispatch::v1::IntakeService::WithCallbackMethod_ReportIdentification<
                                    csec::dispatch::v1::IntakeService::Service> {
 public:
  explicit IntakeGrpcService(Intake* intake) : intake_(intake) {}

  grpc::ServerUnaryReactor* ReportIdentification(grpc::CallbackServerContext* context,
                                                 const csec::dispatch::v1::ReportIdentificationRequest* request,
                                                 csec::dispatch::v1::ReportIdentificationResponse* response) override;
  grpc::Status RecordArrival(grpc::ServerContext* context, const csec::dispatch::v1::RecordArrivalRequest* request,
                             csec::dispatch::v1::RecordFactResponse* response) override;
  grpc::Status RecordMdt(grpc::ServerContext* context, const csec::dispatch::v1::RecordMdtRequest* request,
                         csec::dispatch::v1::RecordFactResponse* response) override;
  grpc::Status RecordPlacement(grpc::ServerContext* context, const csec::dispatch::v1::RecordPlacementRequest* request,
                               csec::dispatch::v1::RecordFactResponse* response) override;
  grpc::Status RecordMedicalExam(grpc::ServerContext* context,
                                 const csec::dispatch::v1::RecordMedicalExamRequest* request,
                                 csec::dispatch::v1::RecordFactResponse* response) override;
  grpc::Status CloseCase(grpc::ServerContext* context, const csec::dispatch::v1::CloseCaseRequest* request,
                         csec::dispatch::v1::RecordFactResponse* response) override;
  grpc::Status GetCase(grpc::ServerContext* context, const csec::dispatch::v1::GetCaseRequest* request,
                       csec::dispatch::v1::CaseView* response) override;
  // Sends the case, then each new version, until the caller cancels or the server stops.
  grpc::Status WatchCase(grpc::ServerContext* context, const csec::dispatch::v1::WatchCaseRequest* request,
                         grpc::ServerWriter<csec::dispatch::v1::CaseView>* writer) override;

 private:
  Intake* intake_;
};

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_INTAKE_SERVICE_H_
