#include "services/medical/medical_grpc_service.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/status_macros.h"
#include "services/common/serving/grpc_call.h"

namespace csec::medical {
namespace {

// A call without a deadline of its own waits at most this long (a case's lock, Kafka's ack).
constexpr absl::Duration kLongestWait = absl::Seconds(15);

// INVALID_ARGUMENT naming every required field that is empty.
absl::Status Required(std::initializer_list<std::pair<const char*, const std::string*>> fields) {
  std::vector<std::string> missing;
  for (const auto& [name, value] : fields) {
    if (value->empty()) missing.push_back(absl::StrCat(name, ": required"));
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(missing, "; "));
}

}  // namespace

grpc::Status MedicalGrpcService::GetCaseMedical(grpc::ServerContext* context,
                                                const csec::dispatch::v1::GetCaseMedicalRequest* r,
                                                csec::dispatch::v1::MedicalChangeResponse* response) {
  return Answer(context, "GetCaseMedical", [&](const RpcCall&) -> absl::Status {
    RETURN_IF_ERROR(Required({{"case_id", &r->case_id()}}));
    ASSIGN_OR_RETURN(*response, desk_->GetCase(r->case_id()));
    return absl::OkStatus();
  });
}

grpc::Status MedicalGrpcService::Reschedule(grpc::ServerContext* context,
                                            const csec::dispatch::v1::RescheduleRequest* r,
                                            csec::dispatch::v1::MedicalChangeResponse* response) {
  return Answer(context, "Reschedule", [&](const RpcCall& call) -> absl::Status {
    RETURN_IF_ERROR(Required({{"case_id", &r->case_id()},
                              {"request_id", &r->request_id()},
                              {"requested_by", &r->requested_by()},
                              {"reason", &r->reason()}}));
    ASSIGN_OR_RETURN(*response, desk_->Reschedule(*r, call.Deadline(kLongestWait)));
    return absl::OkStatus();
  });
}

grpc::Status MedicalGrpcService::RecordNoShow(grpc::ServerContext* context,
                                              const csec::dispatch::v1::RecordNoShowRequest* r,
                                              csec::dispatch::v1::MedicalChangeResponse* response) {
  return Answer(context, "RecordNoShow", [&](const RpcCall& call) -> absl::Status {
    RETURN_IF_ERROR(Required({{"case_id", &r->case_id()},
                              {"request_id", &r->request_id()},
                              {"appointment_id", &r->appointment_id()},
                              {"recorded_by", &r->recorded_by()}}));
    ASSIGN_OR_RETURN(*response, desk_->RecordNoShow(*r, call.Deadline(kLongestWait)));
    return absl::OkStatus();
  });
}

grpc::Status MedicalGrpcService::Cancel(grpc::ServerContext* context,
                                        const csec::dispatch::v1::CancelAppointmentRequest* r,
                                        csec::dispatch::v1::MedicalChangeResponse* response) {
  return Answer(context, "Cancel", [&](const RpcCall& call) -> absl::Status {
    RETURN_IF_ERROR(Required({{"case_id", &r->case_id()},
                              {"request_id", &r->request_id()},
                              {"appointment_id", &r->appointment_id()},
                              {"cancelled_by", &r->cancelled_by()},
                              {"reason", &r->reason()}}));
    ASSIGN_OR_RETURN(*response, desk_->Cancel(*r, call.Deadline(kLongestWait)));
    return absl::OkStatus();
  });
}

grpc::Status MedicalGrpcService::RecordExamCompleted(grpc::ServerContext* context,
                                                     const csec::dispatch::v1::RecordExamCompletedRequest* r,
                                                     csec::dispatch::v1::MedicalChangeResponse* response) {
  return Answer(context, "RecordExamCompleted", [&](const RpcCall& call) -> absl::Status {
    RETURN_IF_ERROR(Required({{"case_id", &r->case_id()},
                              {"request_id", &r->request_id()},
                              {"appointment_id", &r->appointment_id()},
                              {"recorded_by", &r->recorded_by()}}));
    if (!r->has_examined_at()) return absl::InvalidArgumentError("examined_at: required");
    if (FromProtoTime(r->examined_at()) > clock_->Now() + absl::Minutes(5)) {
      return absl::InvalidArgumentError("examined_at: must not be in the future");
    }
    ASSIGN_OR_RETURN(*response, desk_->RecordExamCompleted(*r, call.Deadline(kLongestWait)));
    return absl::OkStatus();
  });
}

grpc::Status MedicalGrpcService::ListAvailability(grpc::ServerContext* context,
                                                  const csec::dispatch::v1::ListAvailabilityRequest* r,
                                                  csec::dispatch::v1::ListAvailabilityResponse* response) {
  return Answer(context, "ListAvailability", [&](const RpcCall&) -> absl::Status {
    RETURN_IF_ERROR(Required({{"hub_id", &r->hub_id()}, {"local_date", &r->local_date()}}));
    ASSIGN_OR_RETURN(*response, desk_->ListAvailability(*r));
    return absl::OkStatus();
  });
}

grpc::Status MedicalGrpcService::SetHubDay(grpc::ServerContext* context, const csec::dispatch::v1::SetHubDayRequest* r,
                                           csec::dispatch::v1::SetHubDayResponse* response) {
  return Answer(context, "SetHubDay", [&](const RpcCall& call) -> absl::Status {
    RETURN_IF_ERROR(Required({{"hub_id", &r->hub_id()},
                              {"local_date", &r->local_date()},
                              {"request_id", &r->request_id()},
                              {"changed_by", &r->changed_by()},
                              {"reason", &r->reason()}}));
    if (!r->has_capacity() && !r->has_closed()) return absl::InvalidArgumentError("capacity, closed: set at least one");
    if (r->has_capacity() && r->capacity() < -1) {
      return absl::InvalidArgumentError("capacity: must be >= 0 (or -1 for the configured capacity)");
    }
    ASSIGN_OR_RETURN(*response, desk_->SetHubDay(*r, call.Deadline(kLongestWait)));
    return absl::OkStatus();
  });
}

}  // namespace csec::medical
