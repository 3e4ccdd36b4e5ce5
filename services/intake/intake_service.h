// IntakeService: the gRPC front door for agency systems. A referral is validated, its youth's
// identifying fields sealed with the case key, and the call answers only after Kafka has
// acknowledged ReferralReceived on csec.intake.v1 — intake keeps no case state of its own.
//
// Idempotency: the case id and event id are derived from (agency, idempotency key), and the
// key's first use is remembered in Redis after Kafka acknowledged. The same key again answers
// the same case without a second event; the same key with a different referral is refused.
// Two identical calls racing may both reach Kafka, with the same event id, which consumers
// drop as a duplicate.
//
// Facts after the report (arrival, MDT, placement, medical exam, closing) follow the same
// path: validated, refused with NOT_FOUND for a case intake never saw, event id derived from
// (case, request id), acknowledged by Kafka before the answer.
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

#include "absl/status/statusor.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/common/protocol_config.h"
#include "services/common/redis.h"
#include "services/intake/case_store.h"

namespace csec::intake {

class Intake {
 public:
  using FactResponse = csec::dispatch::v1::RecordFactResponse;

  Intake(EventProducer* producer, RedisClient* redis, ProtocolConfigStore* config, const Clock* clock)
      : producer_(producer), redis_(redis), cases_(redis), config_(config), clock_(clock) {}

  absl::StatusOr<csec::dispatch::v1::ReportIdentificationResponse> ReportIdentification(
      const csec::dispatch::v1::ReportIdentificationRequest& request);
  absl::StatusOr<FactResponse> RecordArrival(const csec::dispatch::v1::RecordArrivalRequest& request);
  absl::StatusOr<FactResponse> RecordMdt(const csec::dispatch::v1::RecordMdtRequest& request);
  absl::StatusOr<FactResponse> RecordPlacement(const csec::dispatch::v1::RecordPlacementRequest& request);
  absl::StatusOr<FactResponse> RecordMedicalExam(const csec::dispatch::v1::RecordMedicalExamRequest& request);
  absl::StatusOr<FactResponse> CloseCase(const csec::dispatch::v1::CloseCaseRequest& request);

  absl::StatusOr<csec::dispatch::v1::CaseView> GetCase(const std::string& case_id);
  // The case's change counter: 0 for a case intake does not know.
  absl::StatusOr<int64_t> CaseVersion(const std::string& case_id);

 private:
  absl::StatusOr<std::string> CaseKey(const std::string& case_id);
  // Produces to csec.intake.v1 and waits for the acknowledgement; Unavailable (telling the
  // caller to retry with the same `retry_key`) when Kafka did not take `what`.
  absl::Status Publish(const csec::dispatch::v1::Envelope& envelope, absl::string_view what,
                       absl::string_view retry_key);
  void AddToCaseView(const csec::dispatch::v1::Envelope& envelope);
  // The path every fact takes; `set_body` puts the fact into the envelope.
  absl::StatusOr<FactResponse> RecordFact(absl::string_view fact, const std::string& request_id,
                                          const std::string& case_id, absl::Status valid,
                                          const std::function<void(csec::dispatch::v1::Envelope&)>& set_body);

  EventProducer* producer_;
  RedisClient* redis_;
  CaseStore cases_;
  ProtocolConfigStore* config_;
  const Clock* clock_;
};

// The gRPC adapter: maps absl::Status to a gRPC status with the same message.
class IntakeGrpcService final : public csec::dispatch::v1::IntakeService::Service {
 public:
  explicit IntakeGrpcService(Intake* intake) : intake_(intake) {}

  grpc::Status ReportIdentification(grpc::ServerContext* context,
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
