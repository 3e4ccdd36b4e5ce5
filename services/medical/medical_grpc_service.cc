#include "services/medical/medical_grpc_service.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/serving/grpc_server.h"

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

template <typename T>
grpc::Status Answer(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status MedicalGrpcService::GetCaseMedical(grpc::ServerContext*, const csec::dispatch::v1::GetCaseMedicalRequest* r,
                                                csec::dispatch::v1::MedicalChangeResponse* response) {
  if (absl::Status s = Required({{"case_id", &r->case_id()}}); !s.ok()) return ToGrpcStatus(s);
  return Answer(desk_->GetCase(r->case_id()), response);
}

grpc::Status MedicalGrpcService::Reschedule(grpc::ServerContext* context, const csec::dispatch::v1::RescheduleRequest* r,
                                            csec::dispatch::v1::MedicalChangeResponse* response) {
  if (absl::Status s = Required({{"case_id", &r->case_id()},
                                 {"request_id", &r->request_id()},
                                 {"requested_by", &r->requested_by()},
                                 {"reason", &r->reason()}});
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  return Answer(desk_->Reschedule(*r, CallDeadline(context, kLongestWait)), response);
}

grpc::Status MedicalGrpcService::RecordNoShow(grpc::ServerContext* context,
                                              const csec::dispatch::v1::RecordNoShowRequest* r,
                                              csec::dispatch::v1::MedicalChangeResponse* response) {
  if (absl::Status s = Required({{"case_id", &r->case_id()},
                                 {"request_id", &r->request_id()},
                                 {"appointment_id", &r->appointment_id()},
                                 {"recorded_by", &r->recorded_by()}});
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  return Answer(desk_->RecordNoShow(*r, CallDeadline(context, kLongestWait)), response);
}

grpc::Status MedicalGrpcService::Cancel(grpc::ServerContext* context, const csec::dispatch::v1::CancelAppointmentRequest* r,
                                        csec::dispatch::v1::MedicalChangeResponse* response) {
  if (absl::Status s = Required({{"case_id", &r->case_id()},
                                 {"request_id", &r->request_id()},
                                 {"appointment_id", &r->appointment_id()},
                                 {"cancelled_by", &r->cancelled_by()},
                                 {"reason", &r->reason()}});
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  return Answer(desk_->Cancel(*r, CallDeadline(context, kLongestWait)), response);
}

grpc::Status MedicalGrpcService::RecordExamCompleted(grpc::ServerContext* context,
                                                     const csec::dispatch::v1::RecordExamCompletedRequest* r,
                                                     csec::dispatch::v1::MedicalChangeResponse* response) {
  if (absl::Status s = Required({{"case_id", &r->case_id()},
                                 {"request_id", &r->request_id()},
                                 {"appointment_id", &r->appointment_id()},
                                 {"recorded_by", &r->recorded_by()}});
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (!r->has_examined_at()) return ToGrpcStatus(absl::InvalidArgumentError("examined_at: required"));
  if (FromProtoTime(r->examined_at()) > clock_->Now() + absl::Minutes(5)) {
    return ToGrpcStatus(absl::InvalidArgumentError("examined_at: must not be in the future"));
  }
  return Answer(desk_->RecordExamCompleted(*r, CallDeadline(context, kLongestWait)), response);
}

grpc::Status MedicalGrpcService::ListAvailability(grpc::ServerContext*,
                                                  const csec::dispatch::v1::ListAvailabilityRequest* r,
                                                  csec::dispatch::v1::ListAvailabilityResponse* response) {
  if (absl::Status s = Required({{"hub_id", &r->hub_id()}, {"local_date", &r->local_date()}}); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return Answer(desk_->ListAvailability(*r), response);
}

grpc::Status MedicalGrpcService::SetHubDay(grpc::ServerContext* context, const csec::dispatch::v1::SetHubDayRequest* r,
                                           csec::dispatch::v1::SetHubDayResponse* response) {
  if (absl::Status s = Required({{"hub_id", &r->hub_id()},
                                 {"local_date", &r->local_date()},
                                 {"request_id", &r->request_id()},
                                 {"changed_by", &r->changed_by()},
                                 {"reason", &r->reason()}});
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  if (!r->has_capacity() && !r->has_closed()) {
    return ToGrpcStatus(absl::InvalidArgumentError("capacity, closed: set at least one"));
  }
  if (r->has_capacity() && r->capacity() < -1) {
    return ToGrpcStatus(absl::InvalidArgumentError("capacity: must be >= 0 (or -1 for the configured capacity)"));
  }
  return Answer(desk_->SetHubDay(*r, CallDeadline(context, kLongestWait)), response);
}

}  // namespace csec::medical
