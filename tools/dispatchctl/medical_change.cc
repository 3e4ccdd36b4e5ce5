// dispatchctl medical action: Records that the youth did not come (RecordNoShow: rebooked or escalated), that the exam
// happened now (RecordExamCompleted), cancels the appointment (Cancel), or moves it (Reschedule, to
// that hub and/or day only when given; without APPOINTMENT_ID it books a case whose scheduling
// failed). Prints the case's exam afterwards. Request ids are fresh on every run.
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

int MedicalChange(const std::string& action, const std::string& case_id, const std::string& appointment_id,
                  std::map<std::string, std::string>& args) {
  if (args["medical"].empty() || args["by"].empty()) return Usage();
  const bool needs_reason = action == "cancel" || action == "reschedule";
  if (needs_reason && args["reason"].empty()) return Usage();  // the service requires one
  const std::string request_id = absl::StrCat("dispatchctl-", csec::NewRandomId());
  auto stub = MedicalStub(args["medical"]);
  auto context = CallContext();
  csec::dispatch::v1::MedicalChangeResponse response;
  const char* rpc = nullptr;
  grpc::Status status;
  if (action == "no-show") {
    rpc = "RecordNoShow";
    csec::dispatch::v1::RecordNoShowRequest request;
    request.set_case_id(case_id);
    request.set_request_id(request_id);
    request.set_appointment_id(appointment_id);
    request.set_recorded_by(args["by"]);
    status = stub->RecordNoShow(context.get(), request, &response);
  } else if (action == "cancel") {
    rpc = "Cancel";
    csec::dispatch::v1::CancelAppointmentRequest request;
    request.set_case_id(case_id);
    request.set_request_id(request_id);
    request.set_appointment_id(appointment_id);
    request.set_cancelled_by(args["by"]);
    request.set_reason(args["reason"]);
    status = stub->Cancel(context.get(), request, &response);
  } else if (action == "exam-done") {
    rpc = "RecordExamCompleted";
    csec::dispatch::v1::RecordExamCompletedRequest request;
    request.set_case_id(case_id);
    request.set_request_id(request_id);
    request.set_appointment_id(appointment_id);
    request.set_recorded_by(args["by"]);
    *request.mutable_examined_at() = csec::ToProtoTime(absl::Now());
    status = stub->RecordExamCompleted(context.get(), request, &response);
  } else {
    rpc = "Reschedule";
    csec::dispatch::v1::RescheduleRequest request;
    request.set_case_id(case_id);
    request.set_request_id(request_id);
    request.set_appointment_id(appointment_id);
    request.set_requested_by(args["by"]);
    request.set_reason(args["reason"]);
    request.set_hub_id(args["hub"]);
    request.set_local_date(args["date"]);
    status = stub->Reschedule(context.get(), request, &response);
  }
  if (!status.ok()) return RpcFailed(rpc, status);
  if (response.duplicate()) std::printf("(already recorded)\n");
  std::printf("%s", MedicalText(case_id, response.medical()).c_str());
  return 0;
}

}  // namespace

Command MedicalChangeCommand(const std::string& action) {
  Command command = {.words = {"medical", action},
                     .usage = "CASE_ID APPOINTMENT_ID --medical HOST:PORT --by PERSON_ID",
                     .min_ids = 2,
                     .max_ids = 2,
                     .flags = {"medical", "by"},
                     .run = [action](const std::vector<std::string>& ids, Flags& flags) {
                       return MedicalChange(action, ids[0], ids.size() > 1 ? ids[1] : "", flags);
                     }};
  if (action == "cancel" || action == "reschedule") {
    command.usage += " --reason TEXT";
    command.flags.insert("reason");
  }
  if (action == "reschedule") {
    // A case whose scheduling failed has no appointment to name: reschedule books it anew.
    command.usage =
        "CASE_ID [APPOINTMENT_ID] --medical HOST:PORT --by PERSON_ID --reason TEXT [--hub HUB_ID] [--date YYYY-MM-DD]";
    command.min_ids = 1;
    command.flags.insert({"hub", "date"});
  }
  return command;
}

}  // namespace csec::dispatchctl
