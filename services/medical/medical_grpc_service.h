// MedicalHubService over gRPC: hub coordinators and responders see and change a case's exam
// (GetCaseMedical, Reschedule, RecordNoShow, Cancel, RecordExamCompleted) and hub days
// (ListAvailability, SetHubDay). Calls check that their fields are present and well formed
// (INVALID_ARGUMENT naming the field and the rule), then MedicalDesk does the change; a change
// answers once Kafka has its events.
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_GRPC_SERVICE_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_GRPC_SERVICE_H_

#include "csec/dispatch/v1/medical_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/medical/medical_handler.h"

namespace csec::medical {

class MedicalGrpcService final : public csec::dispatch::v1::MedicalHubService::Service {
 public:
  MedicalGrpcService(MedicalDesk* desk, const Clock* clock) : desk_(desk), clock_(clock) {}

  grpc::Status GetCaseMedical(grpc::ServerContext* context, const csec::dispatch::v1::GetCaseMedicalRequest* request,
                              csec::dispatch::v1::MedicalChangeResponse* response) override;
  grpc::Status Reschedule(grpc::ServerContext* context, const csec::dispatch::v1::RescheduleRequest* request,
                          csec::dispatch::v1::MedicalChangeResponse* response) override;
  grpc::Status RecordNoShow(grpc::ServerContext* context, const csec::dispatch::v1::RecordNoShowRequest* request,
                            csec::dispatch::v1::MedicalChangeResponse* response) override;
  grpc::Status Cancel(grpc::ServerContext* context, const csec::dispatch::v1::CancelAppointmentRequest* request,
                      csec::dispatch::v1::MedicalChangeResponse* response) override;
  grpc::Status RecordExamCompleted(grpc::ServerContext* context,
                                   const csec::dispatch::v1::RecordExamCompletedRequest* request,
                                   csec::dispatch::v1::MedicalChangeResponse* response) override;
  grpc::Status ListAvailability(grpc::ServerContext* context,
                                const csec::dispatch::v1::ListAvailabilityRequest* request,
                                csec::dispatch::v1::ListAvailabilityResponse* response) override;
  grpc::Status SetHubDay(grpc::ServerContext* context, const csec::dispatch::v1::SetHubDayRequest* request,
                         csec::dispatch::v1::SetHubDayResponse* response) override;

 private:
  MedicalDesk* desk_;
  const Clock* clock_;
};

}  // namespace csec::medical

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_GRPC_SERVICE_H_
