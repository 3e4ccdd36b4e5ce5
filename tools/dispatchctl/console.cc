#include "tools/dispatchctl/console.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/base/clock.h"
#include "services/common/domain/protocol_config.h"

namespace csec::dispatchctl {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN_CODE";
  }
}

// People read times in the county's zone (the protocol's default), whatever the machine's is.
const absl::TimeZone& CountyZone() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone z;
    if (!absl::LoadTimeZone(std::string(csec::kDefaultTimeZone), &z)) {
      std::fprintf(stderr, "no time zone data for %s (install tzdata): times are UTC\n",
                   std::string(csec::kDefaultTimeZone).c_str());
      z = absl::UTCTimeZone();
    }
    return z;
  }();
  return zone;
}

const char* MedicalStatusText(csec::dispatch::v1::MedicalStatus status) {
  switch (status) {
    case csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED:
      return "scheduled";
    case csec::dispatch::v1::MEDICAL_STATUS_COMPLETED:
      return "exam done";
    case csec::dispatch::v1::MEDICAL_STATUS_NO_SHOW:
      return "no-show (a rebooking or an escalation follows)";
    case csec::dispatch::v1::MEDICAL_STATUS_CANCELLED:
      return "cancelled";
    case csec::dispatch::v1::MEDICAL_STATUS_FAILED:
      return "scheduling failed (escalated)";
    default:
      return "nothing booked yet";
  }
}

// "hub-lac-usc Fri 2026-03-06 09:00-09:45 PST": the hub's local day and wall-clock times.
std::string AppointmentText(const csec::dispatch::v1::MedicalAppointment& a) {
  std::string text = absl::StrCat(a.hub_id(), " ");
  if (const std::string weekday = Weekday(a.local_date()); !weekday.empty()) absl::StrAppend(&text, weekday, " ");
  absl::StrAppend(&text, a.local_date());
  if (a.has_starts_at()) {
    const absl::Time starts = csec::FromProtoTime(a.starts_at());
    absl::StrAppend(&text, " ", Local(starts, "%H:%M"));
    if (a.has_ends_at()) absl::StrAppend(&text, "-", Local(csec::FromProtoTime(a.ends_at()), "%H:%M"));
    absl::StrAppend(&text, " ", Local(starts, "%Z"));
  }
  return text;
}

}  // namespace

std::string ToJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  return json;
}

int RpcFailed(const char* rpc, const grpc::Status& status) {
  std::fprintf(stderr, "%s failed: %s (%d): %s\n", rpc, CodeName(status.error_code()), status.error_code(),
               status.error_message().c_str());
  return 1;
}

std::unique_ptr<grpc::ClientContext> CallContext() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return c;
}

std::unique_ptr<csec::dispatch::v1::PagingService::Stub> PagingStub(const std::string& address) {
  return csec::dispatch::v1::PagingService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<csec::dispatch::v1::MedicalHubService::Stub> MedicalStub(const std::string& address) {
  return csec::dispatch::v1::MedicalHubService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::string Local(absl::Time t, const char* format) { return absl::FormatTime(format, t, CountyZone()); }

std::string LocalDay(absl::Time t) { return Local(t, "%Y-%m-%d"); }

// "08:11" on the day of `day_of`, else "2026-11-24 00:05".
std::string ClockTime(absl::Time t, absl::Time day_of) {
  return LocalDay(t) == LocalDay(day_of) ? Local(t, "%H:%M") : Local(t, "%Y-%m-%d %H:%M");
}

// "Fri" for a "2026-03-06"; "" for anything that is not a date.
std::string Weekday(const std::string& local_date) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(local_date, &day)) return "";
  static constexpr const char* kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return kNames[static_cast<int>(absl::GetWeekday(day))];
}

// What `medical show` and the changing commands print: a few lines a person reads at a glance.
std::string MedicalText(const std::string& case_id, const csec::dispatch::v1::MedicalView& view) {
  std::string text = absl::StrCat("case ", case_id, ": ", MedicalStatusText(view.status()), "\n");
  const auto& a = view.appointment();
  if (!a.appointment_id().empty()) {
    absl::StrAppend(&text, "appointment: ", AppointmentText(a), " (slot ", a.slot_index(), ", id ", a.appointment_id(),
                    ")\n");
  }
  // Why the current slot: the detail of the booking that made it.
  for (int i = view.history_size() - 1; i >= 0; --i) {
    const auto& h = view.history(i);
    if (h.what() == "scheduled" && h.appointment().appointment_id() == a.appointment_id()) {
      if (!h.detail().empty()) absl::StrAppend(&text, "reason: ", h.detail(), "\n");
      break;
    }
  }
  absl::StrAppend(&text, "emergency care first: ", view.emergency_care_first() ? "YES" : "no", "\n");
  if (view.history_size() > 0) absl::StrAppend(&text, "history:\n");
  for (const auto& h : view.history()) {
    absl::StrAppend(&text, "  ", h.has_at() ? Local(csec::FromProtoTime(h.at()), "%Y-%m-%d %H:%M:%S %Z") : "-", "  ",
                    h.what());
    if (!h.appointment().appointment_id().empty()) absl::StrAppend(&text, "  ", AppointmentText(h.appointment()));
    if (!h.detail().empty()) absl::StrAppend(&text, "  (", h.detail(), ")");
    absl::StrAppend(&text, "\n");
  }
  return text;
}

}  // namespace csec::dispatchctl
