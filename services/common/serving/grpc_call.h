// The one shape of every RPC a csec service answers: a handler gets the call (RpcCall) and
// returns an absl::Status, filling the response in place; Answer maps that status to gRPC. It is
// the single place every call passes through, where checks that concern every call belong (the
// caller's identity and what it may do, an audit record).
//
//   grpc::Status PagingGrpcService::Acknowledge(grpc::ServerContext* context, const AcknowledgeRequest* request,
//                                               PageActionResponse* response) {
//     return Answer(context, "Acknowledge", [&](const RpcCall& call) -> absl::Status {
//       RETURN_IF_ERROR(Required("case_id", request->case_id()));              // validate
//       ASSIGN_OR_RETURN(*response, engine_->Acknowledge(*request, call.Deadline(kLongestWait)));  // call
//       return absl::OkStatus();
//     });                                                                      // map the status
//   }
//
// Callback-API methods (a reactor) use AnswerAsync, whose handler finishes once, on any thread.
// Error messages name the field and the rule ("case_id: required"): the caller sees them as is.
#ifndef CSEC_SERVICES_COMMON_SERVING_GRPC_CALL_H_
#define CSEC_SERVICES_COMMON_SERVING_GRPC_CALL_H_

#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace csec {

// absl and gRPC share the canonical code numbering; the message is kept for the caller.
grpc::Status ToGrpcStatus(const absl::Status& status);

// What a handler may know of the call it answers.
class RpcCall {
 public:
  RpcCall(const grpc::ServerContextBase* context, absl::string_view method) : context_(context), method_(method) {}

  // The method's name in its service, e.g. "Acknowledge".
  absl::string_view method() const { return method_; }
  // How long the call may wait for what it needs (a lock, Kafka's acknowledgement): the caller's
  // deadline, but never past now + `longest` (also when the caller set none).
  absl::Time Deadline(absl::Duration longest) const;
  bool cancelled() const { return context_->IsCancelled(); }

 private:
  const grpc::ServerContextBase* context_;
  absl::string_view method_;
};

// Runs `handle(const RpcCall&) -> absl::Status` and answers with its status.
template <typename Handler>
grpc::Status Answer(const grpc::ServerContextBase* context, absl::string_view method, Handler&& handle) {
  const RpcCall call(context, method);
  return ToGrpcStatus(std::forward<Handler>(handle)(call));
}

// The callback API: `handle(const RpcCall&, finish)` must call finish(absl::Status) exactly once,
// on any thread, after filling the response.
using RpcFinish = absl::AnyInvocable<void(absl::Status)>;
template <typename Handler>
grpc::ServerUnaryReactor* AnswerAsync(grpc::CallbackServerContext* context, absl::string_view method,
                                      Handler&& handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const RpcCall call(context, method);
  std::forward<Handler>(handle)(call, [reactor](absl::Status status) { reactor->Finish(ToGrpcStatus(status)); });
  return reactor;
}

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_SERVING_GRPC_CALL_H_
