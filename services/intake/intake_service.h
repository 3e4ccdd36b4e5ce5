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
// Owned by the service's main; gRPC calls it from its own threads concurrently.
#ifndef CSEC_SERVICES_INTAKE_INTAKE_SERVICE_H_
#define CSEC_SERVICES_INTAKE_INTAKE_SERVICE_H_

#include "absl/status/statusor.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/clock.h"
#include "services/common/kafka.h"
#include "services/common/redis.h"

namespace csec::intake {

class Intake {
 public:
  Intake(EventProducer* producer, RedisClient* redis, const Clock* clock)
      : producer_(producer), redis_(redis), clock_(clock) {}

  absl::StatusOr<csec::dispatch::v1::ReportIdentificationResponse> ReportIdentification(
      const csec::dispatch::v1::ReportIdentificationRequest& request);

 private:
  absl::StatusOr<std::string> CaseKey(const std::string& case_id);

  EventProducer* producer_;
  RedisClient* redis_;
  const Clock* clock_;
};

// The gRPC adapter: maps absl::Status to a gRPC status with the same message.
class IntakeGrpcService final : public csec::dispatch::v1::IntakeService::Service {
 public:
  explicit IntakeGrpcService(Intake* intake) : intake_(intake) {}

  grpc::Status ReportIdentification(grpc::ServerContext* context,
                                    const csec::dispatch::v1::ReportIdentificationRequest* request,
                                    csec::dispatch::v1::ReportIdentificationResponse* response) override;

 private:
  Intake* intake_;
};

}  // namespace csec::intake

#endif  // CSEC_SERVICES_INTAKE_INTAKE_SERVICE_H_
