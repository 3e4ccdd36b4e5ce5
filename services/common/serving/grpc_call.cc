#include "services/common/serving/grpc_call.h"

#include <algorithm>
#include <chrono>

namespace csec {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Time RpcCall::Deadline(absl::Duration longest) const {
  const absl::Time at_most = absl::Now() + longest;
  const auto deadline = context_->deadline();
  if (deadline >= std::chrono::system_clock::now() + std::chrono::hours(24)) return at_most;  // none given
  return std::min(at_most, absl::FromChrono(deadline));
}

}  // namespace csec
