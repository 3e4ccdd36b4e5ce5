// dispatchctl: the operator's command line for csec-dispatch.
//
//   dispatchctl report --intake 127.0.0.1:50051 [--sample new|dcfs|probation|dual|nonparticipating] [--key K]
//       Reports a synthetic referral; prints the case id.
//   dispatchctl await-routed --brokers 127.0.0.1:9092 --case CASE_ID [--timeout 60]
//       Waits for the case's CaseRouted on csec.routing.v1 and prints it as JSON.
//   dispatchctl route --explain --routing 127.0.0.1:50052 [--sample new|dcfs|probation|dual|nonparticipating]
//       Asks routing which team, advocacy agency and hubs a sample referral would get, and by
//       which rule and config version (RoutingService.Explain); prints the decision as JSON.
//       Records nothing.
//   dispatchctl deadlines --timers 127.0.0.1:50053 (--case CASE_ID [--wait SECONDS] | --due-soon [--limit N])
//       A case's protocol deadlines as the timers service holds them (TimerService.GetCaseDeadlines),
//       waiting up to --wait seconds for the first to be armed; or the deadlines due soonest
//       across all cases, for operations (ListDueSoon). Prints JSON.
//   dispatchctl pages watch --paging 127.0.0.1:50054 --person PERSON_ID [--resume TOKEN] [--count N] [--timeout
//   SECONDS]
//       A person's pages and shift starts as they happen (PagingService.WatchPages), one line each
//       on stdout in America/Los_Angeles time; after each, "resume: TOKEN" on stderr, for
//       --resume to go on later without losing or repeating one. Ends after N events or SECONDS
//       (exit 0); exits 1 with the gRPC status on an error.
//   dispatchctl pages list --paging 127.0.0.1:50054 --case CASE_ID [--wait SECONDS]
//       A case's pages as the paging service holds them (ListCasePages), waiting up to --wait
//       seconds for the first; prints JSON (exit 1 when there is none).
//   dispatchctl pages ack|decline|arrive --paging 127.0.0.1:50054 --case CASE_ID --page PAGE_ID --person PERSON_ID
//   [--reason TEXT]
//       Acknowledges or declines (--reason: why) a page, or records the person's arrival for it
//       (Acknowledge, Decline, RecordArrival); prints the event id, "(already recorded)" after it
//       when it was. A gRPC error prints its code and message and exits 1.
//   dispatchctl oncall --paging 127.0.0.1:50054 [--roster ROSTER_ID]
//       Who is on call now, per roster (PagingService.OnCall): a table of roster, person (or
//       NOBODY), where that comes from (rotation or an override) and until when.
//   dispatchctl medical show CASE_ID --medical 127.0.0.1:50055 [--wait SECONDS]
//       A case's Medical Hub exam (MedicalHubService.GetCaseMedical): its status, the appointment
//       (hub, local date, local time), why that slot, whether emergency care comes first, and the
//       history, one line each; waiting up to --wait seconds for the first booking.
//   dispatchctl medical availability HUB_ID DATE --medical 127.0.0.1:50055
//       One local day (YYYY-MM-DD) of a hub's calendar (ListAvailability): open or closed,
//       capacity, booked, free, and each exam time with whether it is booked.
//   dispatchctl medical hub-day HUB_ID DATE --medical 127.0.0.1:50055 [--capacity N] [--closed|--open] --reason TEXT
//   --by PERSON_ID
//       Changes one day of a hub's calendar (SetHubDay): its capacity (-1: back to the
//       configured one) and/or closes or reopens it; prints the day as it now is.
//   dispatchctl medical no-show|exam-done CASE_ID APPOINTMENT_ID --medical 127.0.0.1:50055 --by PERSON_ID
//   dispatchctl medical cancel CASE_ID APPOINTMENT_ID --medical 127.0.0.1:50055 --by PERSON_ID --reason TEXT
//   dispatchctl medical reschedule CASE_ID [APPOINTMENT_ID] --medical 127.0.0.1:50055 --by PERSON_ID --reason TEXT
//   [--hub HUB_ID] [--date YYYY-MM-DD]
//       Records that the youth did not come (RecordNoShow: rebooked or escalated), that the exam
//       happened now (RecordExamCompleted), cancels the appointment (Cancel), or moves it
//       (Reschedule, to that hub and/or day only when given; without APPOINTMENT_ID it books a
//       case whose scheduling failed, e.g. once capacity was added); APPOINTMENT_ID is the
//       current one as `medical show` prints it. Prints the case's exam afterwards, "(already
//       recorded)" when it was. The medical commands' request ids are fresh on every run.
//   Times are printed in America/Los_Angeles time; a gRPC error prints its code and message
//   and exits 1.
//
// Flags are `--name value` or `--name=value`; `--explain`, `--due-soon`, `--closed` and
// `--open` are flags without a value. The medical commands take their ids as positional
// arguments (anywhere among the flags).
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "csec/dispatch/v1/medical_service.grpc.pb.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "csec/dispatch/v1/timer_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/topic_scanner.h"
#include "tools/cli_flags.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace {

using csec::dispatch::v1::Envelope;

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  dispatchctl report --intake HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating] [--key K]\n"
               "  dispatchctl await-routed --brokers HOST:PORT --case CASE_ID [--timeout SECONDS]\n"
               "  dispatchctl route --explain --routing HOST:PORT [--sample new|dcfs|probation|dual|nonparticipating]\n"
               "  dispatchctl deadlines --timers HOST:PORT (--case CASE_ID [--wait SECONDS] | --due-soon [--limit N])\n"
               "  dispatchctl pages watch --paging HOST:PORT --person PERSON_ID [--resume TOKEN] [--count N] "
               "[--timeout SECONDS]\n"
               "  dispatchctl pages list --paging HOST:PORT --case CASE_ID [--wait SECONDS]\n"
               "  dispatchctl pages ack|arrive --paging HOST:PORT --case CASE_ID --page PAGE_ID --person PERSON_ID\n"
               "  dispatchctl pages decline --paging HOST:PORT --case CASE_ID --page PAGE_ID --person PERSON_ID "
               "[--reason TEXT]\n"
               "  dispatchctl oncall --paging HOST:PORT [--roster ROSTER_ID]\n"
               "  dispatchctl medical show CASE_ID --medical HOST:PORT [--wait SECONDS]\n"
               "  dispatchctl medical availability HUB_ID YYYY-MM-DD --medical HOST:PORT\n"
               "  dispatchctl medical hub-day HUB_ID YYYY-MM-DD --medical HOST:PORT [--capacity N|-1] "
               "[--closed|--open] --reason TEXT --by PERSON_ID\n"
               "  dispatchctl medical no-show|exam-done CASE_ID APPOINTMENT_ID --medical HOST:PORT --by PERSON_ID\n"
               "  dispatchctl medical cancel CASE_ID APPOINTMENT_ID --medical HOST:PORT --by PERSON_ID --reason TEXT\n"
               "  dispatchctl medical reschedule CASE_ID [APPOINTMENT_ID] --medical HOST:PORT --by PERSON_ID --reason "
               "TEXT [--hub HUB_ID] [--date YYYY-MM-DD]\n");
  return 2;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  return json;
}

int Report(std::map<std::string, std::string>& args) {
  if (args["intake"].empty()) return Usage();
  auto kind = csec::tools::ParseSampleKind(args.count("sample") ? args["sample"] : "new");
  if (!kind) return Usage();
  const std::string key = args.count("key") ? args["key"] : absl::StrCat("demo-", csec::NewRandomId());
  auto request = csec::tools::SampleReferral(*kind, key, absl::Now() - absl::Minutes(10));
  auto stub = csec::dispatch::v1::IntakeService::NewStub(
      grpc::CreateChannel(args["intake"], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::ReportIdentificationResponse response;
  grpc::Status status = stub->ReportIdentification(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "ReportIdentification failed: %d %s\n", status.error_code(), status.error_message().c_str());
    return 1;
  }
  std::printf("%s", ToJson(response).c_str());
  return 0;
}

int AwaitRouted(std::map<std::string, std::string>& args) {
  if (args["brokers"].empty() || args["case"].empty()) return Usage();
  int timeout_s = 60;
  if (args.count("timeout") && !absl::SimpleAtoi(args["timeout"], &timeout_s)) return Usage();
  Envelope found;
  absl::Status s =
      csec::ScanTopic({.brokers = args["brokers"], .client_id = "dispatchctl", .extra = {}}, csec::kRoutingTopic,
                      absl::Seconds(timeout_s), false, [&](const csec::ConsumedMessage& m) {
                        Envelope e;
                        if (e.ParseFromString(m.payload) && e.case_id() == args["case"] && e.has_case_routed()) {
                          found = e;
                          return false;
                        }
                        return true;
                      });
  if (!s.ok()) {
    std::fprintf(stderr, "no CaseRouted for case %s: %s\n", args["case"].c_str(), std::string(s.message()).c_str());
    return 1;
  }
  std::printf("%s", ToJson(found).c_str());
  return 0;
}

int RouteExplain(std::map<std::string, std::string>& args) {
  // Only explaining exists: a decision that counts is made from a reported referral.
  if (!args.count("explain") || args["routing"].empty()) return Usage();
  auto kind = csec::tools::ParseSampleKind(args.count("sample") ? args["sample"] : "new");
  if (!kind) return Usage();
  csec::dispatch::v1::ExplainRequest request;
  *request.mutable_referral() = csec::tools::SampleReferral(*kind, "explain", absl::Now()).referral();
  // The rules never read who the youth is, so it is not sent.
  request.mutable_referral()->mutable_youth()->clear_identity();
  auto stub = csec::dispatch::v1::RoutingService::NewStub(
      grpc::CreateChannel(args["routing"], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::ExplainResponse response;
  grpc::Status status = stub->Explain(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "Explain failed: %d %s\n", status.error_code(), status.error_message().c_str());
    return 1;
  }
  std::printf("%s", ToJson(response.decision()).c_str());
  return 0;
}

int Deadlines(std::map<std::string, std::string>& args) {
  if (args["timers"].empty() || (args["case"].empty() == !args.count("due-soon"))) return Usage();
  auto stub = csec::dispatch::v1::TimerService::NewStub(
      grpc::CreateChannel(args["timers"], grpc::InsecureChannelCredentials()));
  auto context = [] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return c;
  };
  if (args.count("due-soon")) {
    csec::dispatch::v1::ListDueSoonRequest request;
    int limit = 0;
    if (args.count("limit") && !absl::SimpleAtoi(args["limit"], &limit)) return Usage();
    request.set_limit(limit);
    csec::dispatch::v1::ListDueSoonResponse response;
    grpc::Status status = stub->ListDueSoon(context().get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "ListDueSoon failed: %d %s\n", status.error_code(), status.error_message().c_str());
      return 1;
    }
    std::printf("%s", ToJson(response).c_str());
    return 0;
  }
  int wait_s = 0;
  if (args.count("wait") && !absl::SimpleAtoi(args["wait"], &wait_s)) return Usage();
  const absl::Time until = absl::Now() + absl::Seconds(wait_s);
  csec::dispatch::v1::GetCaseDeadlinesRequest request;
  request.set_case_id(args["case"]);
  while (true) {
    csec::dispatch::v1::GetCaseDeadlinesResponse response;
    grpc::Status status = stub->GetCaseDeadlines(context().get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "GetCaseDeadlines failed: %d %s\n", status.error_code(), status.error_message().c_str());
      return 1;
    }
    if (response.deadlines_size() > 0 || absl::Now() >= until) {
      std::printf("%s", ToJson(response).c_str());
      return response.deadlines_size() > 0 ? 0 : 1;
    }
    absl::SleepFor(absl::Milliseconds(200));  // a person waiting at a terminal, not a test
  }
}

// --- paging: a person at a terminal, and operations -------------------------------------------

// Flags a paging command takes; anything else is most likely a typo that would otherwise be
// silently ignored (a --persom would watch nobody).
bool OnlyFlags(const std::map<std::string, std::string>& args, const std::set<std::string>& allowed) {
  for (const auto& [name, value] : args) {
    if (!allowed.count(name)) {
      std::fprintf(stderr, "unknown flag --%s\n", name.c_str());
      return false;
    }
  }
  return true;
}

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

int RpcFailed(const char* rpc, const grpc::Status& status) {
  std::fprintf(stderr, "%s failed: %s (%d): %s\n", rpc, CodeName(status.error_code()), status.error_code(),
               status.error_message().c_str());
  return 1;
}

std::unique_ptr<csec::dispatch::v1::PagingService::Stub> PagingStub(const std::string& address) {
  return csec::dispatch::v1::PagingService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
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

std::string Local(absl::Time t, const char* format) { return absl::FormatTime(format, t, CountyZone()); }
std::string LocalDay(absl::Time t) { return Local(t, "%Y-%m-%d"); }

// "08:11" on the day of `day_of`, else "2026-11-24 00:05".
std::string ClockTime(absl::Time t, absl::Time day_of) {
  return LocalDay(t) == LocalDay(day_of) ? Local(t, "%H:%M") : Local(t, "%Y-%m-%d %H:%M");
}

// What the case looks like when the page went out: "[responder arrived; missed: responder_arrival]".
std::string CaseState(const csec::dispatch::v1::CaseSummary& c) {
  std::vector<std::string> parts;
  std::set<std::string> arrived;
  for (const auto& a : c.arrivals()) {
    switch (a.role()) {
      case csec::dispatch::v1::RESPONDER_ROLE_RESPONDER:
        arrived.insert("responder");
        break;
      case csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE:
        arrived.insert("advocate");
        break;
      default:
        arrived.insert("someone");
        break;
    }
  }
  for (const auto& who : arrived) parts.push_back(who + " arrived");
  if (c.acknowledged_roles_size() > 0) parts.push_back("acknowledged: " + absl::StrJoin(c.acknowledged_roles(), ", "));
  if (c.missed_deadline_ids_size() > 0) parts.push_back("missed: " + absl::StrJoin(c.missed_deadline_ids(), ", "));
  if (c.supervisor_review()) parts.push_back("supervisor review");
  if (c.closed()) parts.push_back("closed");
  return parts.empty() ? "" : absl::StrCat("  [", absl::StrJoin(parts, "; "), "]");
}

// One line a person reads at a glance.
std::string WatchLine(const Envelope& e) {
  constexpr char kStamp[] = "%Y-%m-%d %H:%M:%S %Z";
  const absl::Time occurred = csec::FromProtoTime(e.occurred_at());
  if (e.has_page_sent()) {
    const auto& p = e.page_sent();
    const absl::Time sent = p.has_sent_at() ? csec::FromProtoTime(p.sent_at()) : occurred;
    std::string line =
        absl::StrCat(Local(sent, kStamp), "  PAGE  case=", e.case_id(), " page=", p.page_id(), " role=", p.role(),
                     " reason=", p.reason(), " attempt=", p.attempt(), " step=", p.step_index());
    if (p.round() > 0) absl::StrAppend(&line, " round=", p.round());
    if (p.has_ack_due_at()) absl::StrAppend(&line, " ack by ", ClockTime(csec::FromProtoTime(p.ack_due_at()), sent));
    absl::StrAppend(&line, CaseState(p.case_summary()));
    if (!p.case_summary().medical_note().empty())
      absl::StrAppend(&line, "  medical: ", p.case_summary().medical_note());
    return line;
  }
  if (e.has_shift_starting()) {
    const auto& s = e.shift_starting();
    const absl::Time starts = csec::FromProtoTime(s.starts_at());
    const absl::Time ends = csec::FromProtoTime(s.ends_at());
    std::string span;
    if (ends - starts >= absl::Hours(24)) {
      span = absl::StrCat(Local(starts, "%Y-%m-%d %H:%M"), "-", Local(ends, "%Y-%m-%d %H:%M"));
    } else {
      span = absl::StrCat(ClockTime(starts, occurred), "-", Local(ends, "%H:%M"));
    }
    return absl::StrCat(Local(occurred, kStamp), "  SHIFT roster=", s.roster_id(), " ", span);
  }
  // A kind this dispatchctl does not know yet: still a line, named by its field.
  const auto* field = e.GetDescriptor()->FindFieldByNumber(e.body_case());
  return absl::StrCat(Local(occurred, kStamp), "  EVENT ", field ? field->name() : "unknown", " case=", e.case_id(),
                      " id=", e.event_id());
}

int PagesWatch(std::map<std::string, std::string>& args) {
  if (!OnlyFlags(args, {"paging", "person", "resume", "count", "timeout"})) return Usage();
  if (args["paging"].empty() || args["person"].empty()) return Usage();
  int count = 0, timeout_s = 0;  // 0: no limit
  if (args.count("count") && (!absl::SimpleAtoi(args["count"], &count) || count < 1)) return Usage();
  if (args.count("timeout") && (!absl::SimpleAtoi(args["timeout"], &timeout_s) || timeout_s < 1)) return Usage();
  csec::dispatch::v1::WatchPagesRequest request;
  request.set_person_id(args["person"]);
  if (args.count("resume")) request.set_resume_token(args["resume"]);

  auto stub = PagingStub(args["paging"]);
  grpc::ClientContext context;
  const auto until = std::chrono::system_clock::now() + std::chrono::seconds(timeout_s);
  if (timeout_s > 0) context.set_deadline(until);
  std::unique_ptr<grpc::ClientReader<csec::dispatch::v1::WatchPagesResponse>> reader =
      stub->WatchPages(&context, request);
  csec::dispatch::v1::WatchPagesResponse response;
  int events = 0;
  while (reader->Read(&response)) {
    if (response.has_event()) {
      std::printf("%s\n", WatchLine(response.event()).c_str());
      std::fflush(stdout);
      ++events;
    }
    if (!response.resume_token().empty()) std::fprintf(stderr, "resume: %s\n", response.resume_token().c_str());
    if (count > 0 && events >= count) {
      context.TryCancel();
      (void)reader->Finish();  // CANCELLED, by us
      return 0;
    }
  }
  grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && timeout_s > 0 &&
      std::chrono::system_clock::now() >= until) {
    return 0;  // --timeout: watched as long as asked
  }
  if (!status.ok()) return RpcFailed("WatchPages", status);
  std::fprintf(stderr, "the server ended the stream\n");
  return 0;
}

int PageAction(const std::string& action, std::map<std::string, std::string>& args) {
  std::set<std::string> allowed = {"paging", "case", "page", "person"};
  if (action == "decline") allowed.insert("reason");
  if (!OnlyFlags(args, allowed)) return Usage();
  if (args["paging"].empty() || args["case"].empty() || args["page"].empty() || args["person"].empty()) return Usage();
  auto stub = PagingStub(args["paging"]);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::PageActionResponse response;
  const char* rpc = nullptr;
  grpc::Status status;
  if (action == "ack") {
    rpc = "Acknowledge";
    csec::dispatch::v1::AcknowledgeRequest request;
    request.set_case_id(args["case"]);
    request.set_page_id(args["page"]);
    request.set_person_id(args["person"]);
    status = stub->Acknowledge(&context, request, &response);
  } else if (action == "decline") {
    rpc = "Decline";
    csec::dispatch::v1::DeclineRequest request;
    request.set_case_id(args["case"]);
    request.set_page_id(args["page"]);
    request.set_person_id(args["person"]);
    request.set_reason(args["reason"]);
    status = stub->Decline(&context, request, &response);
  } else {
    rpc = "RecordArrival";
    csec::dispatch::v1::RecordPageArrivalRequest request;  // arrived_at unset: now
    request.set_case_id(args["case"]);
    request.set_page_id(args["page"]);
    request.set_person_id(args["person"]);
    status = stub->RecordArrival(&context, request, &response);
  }
  if (!status.ok()) return RpcFailed(rpc, status);
  std::printf("%s%s\n", response.event_id().c_str(), response.duplicate() ? " (already recorded)" : "");
  return 0;
}

int PagesList(std::map<std::string, std::string>& args) {
  if (!OnlyFlags(args, {"paging", "case", "wait"})) return Usage();
  if (args["paging"].empty() || args["case"].empty()) return Usage();
  int wait_s = 0;
  if (args.count("wait") && !absl::SimpleAtoi(args["wait"], &wait_s)) return Usage();
  const absl::Time until = absl::Now() + absl::Seconds(wait_s);
  auto stub = PagingStub(args["paging"]);
  csec::dispatch::v1::ListCasePagesRequest request;
  request.set_case_id(args["case"]);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    csec::dispatch::v1::ListCasePagesResponse response;
    grpc::Status status = stub->ListCasePages(&context, request, &response);
    if (!status.ok()) return RpcFailed("ListCasePages", status);
    if (response.pages_size() > 0 || absl::Now() >= until) {
      std::printf("%s", ToJson(response).c_str());
      return response.pages_size() > 0 ? 0 : 1;
    }
    absl::SleepFor(absl::Milliseconds(200));  // a person waiting at a terminal, not a test
  }
}

int OnCall(std::map<std::string, std::string>& args) {
  if (!OnlyFlags(args, {"paging", "roster"})) return Usage();
  if (args["paging"].empty()) return Usage();
  auto stub = PagingStub(args["paging"]);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  csec::dispatch::v1::OnCallRequest request;  // at unset: now
  request.set_roster_id(args["roster"]);
  csec::dispatch::v1::OnCallResponse response;
  grpc::Status status = stub->OnCall(&context, request, &response);
  if (!status.ok()) return RpcFailed("OnCall", status);
  std::vector<std::vector<std::string>> rows = {{"ROSTER", "PERSON", "SOURCE", "UNTIL"}};
  for (const auto& shift : response.shifts()) {
    rows.push_back({shift.roster_id(), shift.person_id().empty() ? "NOBODY" : shift.person_id(),
                    shift.source().empty() ? "-" : shift.source(),
                    shift.has_ends_at() ? Local(csec::FromProtoTime(shift.ends_at()), "%Y-%m-%d %H:%M %Z") : "-"});
  }
  std::vector<size_t> widths(4, 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::printf("%-*s  %-*s  %-*s  %s\n", static_cast<int>(widths[0]), row[0].c_str(), static_cast<int>(widths[1]),
                row[1].c_str(), static_cast<int>(widths[2]), row[2].c_str(), row[3].c_str());
  }
  return 0;
}

// --- medical: a case's Medical Hub exam, and the hubs' calendars ------------------------------

std::unique_ptr<csec::dispatch::v1::MedicalHubService::Stub> MedicalStub(const std::string& address) {
  return csec::dispatch::v1::MedicalHubService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
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

// "Fri" for a "2026-03-06"; "" for anything that is not a date.
std::string Weekday(const std::string& local_date) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(local_date, &day)) return "";
  static constexpr const char* kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return kNames[static_cast<int>(absl::GetWeekday(day))];
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

// `medical ACTION` takes ids as positional arguments and flags as everywhere else (see
// csec::tools::ParseFlags): `--name value`, `--name=value`, or a bare flag. False on a flag
// without its value, or fewer than `min_ids` or more than `max_ids` positional arguments.
bool ParseMedicalArgs(int argc, char** argv, int first, size_t min_ids, size_t max_ids,
                      const std::set<std::string>& bare_flags, std::vector<std::string>& ids,
                      std::map<std::string, std::string>& flags) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      ids.push_back(arg);
      continue;
    }
    arg = arg.substr(2);
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      flags[arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (bare_flags.count(arg)) {
      flags[arg] = "true";
    } else if (i + 1 < argc) {
      flags[arg] = argv[++i];
    } else {
      return false;
    }
  }
  if (ids.size() < min_ids || ids.size() > max_ids) {
    std::fprintf(stderr, "expected %s argument(s) besides the flags, got %zu\n",
                 min_ids == max_ids ? absl::StrCat(max_ids).c_str() : absl::StrCat(min_ids, " or ", max_ids).c_str(),
                 ids.size());
    return false;
  }
  return true;
}

std::unique_ptr<grpc::ClientContext> CallContext() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return c;
}

int MedicalShow(const std::string& case_id, std::map<std::string, std::string>& args) {
  if (!OnlyFlags(args, {"medical", "wait"})) return Usage();
  if (args["medical"].empty() || case_id.empty()) return Usage();
  int wait_s = 0;
  if (args.count("wait") && !absl::SimpleAtoi(args["wait"], &wait_s)) return Usage();
  const absl::Time until = absl::Now() + absl::Seconds(wait_s);
  auto stub = MedicalStub(args["medical"]);
  csec::dispatch::v1::GetCaseMedicalRequest request;
  request.set_case_id(case_id);
  while (true) {
    csec::dispatch::v1::MedicalChangeResponse response;
    grpc::Status status = stub->GetCaseMedical(CallContext().get(), request, &response);
    // NOT_FOUND: the medical service has not seen the case routed (yet).
    const bool nothing_yet =
        status.error_code() == grpc::StatusCode::NOT_FOUND ||
        (status.ok() && response.medical().status() == csec::dispatch::v1::MEDICAL_STATUS_UNSPECIFIED);
    if (nothing_yet && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(200));  // a person waiting at a terminal, not a test
      continue;
    }
    if (!status.ok()) return RpcFailed("GetCaseMedical", status);
    std::printf("%s", MedicalText(case_id, response.medical()).c_str());
    return nothing_yet ? 1 : 0;
  }
}

int MedicalAvailability(const std::string& hub_id, const std::string& date, std::map<std::string, std::string>& args) {
  if (!OnlyFlags(args, {"medical"})) return Usage();
  if (args["medical"].empty()) return Usage();
  auto stub = MedicalStub(args["medical"]);
  csec::dispatch::v1::ListAvailabilityRequest request;
  request.set_hub_id(hub_id);
  request.set_local_date(date);
  csec::dispatch::v1::ListAvailabilityResponse response;
  grpc::Status status = stub->ListAvailability(CallContext().get(), request, &response);
  if (!status.ok()) return RpcFailed("ListAvailability", status);
  std::string day = absl::StrCat(response.hub_id(), " ", response.local_date());
  if (const std::string weekday = Weekday(response.local_date()); !weekday.empty())
    absl::StrAppend(&day, " (", weekday, ")");
  std::string state;
  if (!response.open()) {
    state = "closed (no exam hours that day)";
  } else if (response.closed()) {
    state = absl::StrCat("CLOSED by a coordinator: ", response.closed_reason());
  } else {
    state = "open";
  }
  std::printf("%s: %s; capacity %d, booked %d, free %d\n", day.c_str(), state.c_str(), response.capacity(),
              response.booked(), response.free());
  for (const auto& slot : response.slots()) {
    std::string what;
    if (slot.booked()) {
      what = absl::StrCat("booked  case ", slot.case_id());
    } else {
      // Past, too soon, closed or the day full: nothing more is booked at that time.
      what = slot.bookable() && response.free() > 0 ? "free" : "-";
    }
    std::printf("  %2d  %s-%s %s  %s\n", slot.slot_index(),
                Local(csec::FromProtoTime(slot.starts_at()), "%H:%M").c_str(),
                Local(csec::FromProtoTime(slot.ends_at()), "%H:%M").c_str(),
                Local(csec::FromProtoTime(slot.starts_at()), "%Z").c_str(), what.c_str());
  }
  return 0;
}

int MedicalHubDay(const std::string& hub_id, const std::string& date, std::map<std::string, std::string>& args) {
  if (!OnlyFlags(args, {"medical", "capacity", "closed", "open", "reason", "by"})) return Usage();
  if (args["medical"].empty() || args["reason"].empty() || args["by"].empty()) return Usage();
  if (args.count("closed") && args.count("open")) return Usage();
  if (!args.count("capacity") && !args.count("closed") && !args.count("open")) return Usage();
  csec::dispatch::v1::SetHubDayRequest request;
  request.set_hub_id(hub_id);
  request.set_local_date(date);
  if (args.count("capacity")) {
    int capacity = 0;
    if (!absl::SimpleAtoi(args["capacity"], &capacity) || capacity < -1) return Usage();
    request.set_capacity(capacity);
  }
  if (args.count("closed")) request.set_closed(true);
  if (args.count("open")) request.set_closed(false);
  request.set_reason(args["reason"]);
  request.set_changed_by(args["by"]);
  request.set_request_id(absl::StrCat("dispatchctl-", csec::NewRandomId()));
  auto stub = MedicalStub(args["medical"]);
  csec::dispatch::v1::SetHubDayResponse response;
  grpc::Status status = stub->SetHubDay(CallContext().get(), request, &response);
  if (!status.ok()) return RpcFailed("SetHubDay", status);
  const auto& d = response.day();
  const std::string capacity = d.capacity() < 0 ? "as configured" : absl::StrCat(d.capacity());
  std::printf("%s %s: %s; capacity %s; %d booked; by %s: %s%s\n", d.hub_id().c_str(), d.local_date().c_str(),
              d.closed() ? "CLOSED" : "open", capacity.c_str(), d.booked(), d.changed_by().c_str(), d.reason().c_str(),
              response.duplicate() ? " (already recorded)" : "");
  return 0;
}

int MedicalChange(const std::string& action, const std::string& case_id, const std::string& appointment_id,
                  std::map<std::string, std::string>& args) {
  std::set<std::string> allowed = {"medical", "by"};
  if (action == "cancel" || action == "reschedule") allowed.insert("reason");
  if (action == "reschedule") allowed.insert({"hub", "date"});
  if (!OnlyFlags(args, allowed)) return Usage();
  if (args["medical"].empty() || args["by"].empty()) return Usage();
  if (allowed.count("reason") && args["reason"].empty()) return Usage();  // the service requires one
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

int Medical(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string action = argv[2];
  std::vector<std::string> ids;
  std::map<std::string, std::string> args;
  if (action == "show") {
    if (!ParseMedicalArgs(argc, argv, 3, 1, 1, {}, ids, args)) return Usage();
    return MedicalShow(ids[0], args);
  }
  if (action == "availability") {
    if (!ParseMedicalArgs(argc, argv, 3, 2, 2, {}, ids, args)) return Usage();
    return MedicalAvailability(ids[0], ids[1], args);
  }
  if (action == "hub-day") {
    if (!ParseMedicalArgs(argc, argv, 3, 2, 2, {"closed", "open"}, ids, args)) return Usage();
    return MedicalHubDay(ids[0], ids[1], args);
  }
  if (action == "no-show" || action == "cancel" || action == "exam-done" || action == "reschedule") {
    // A case whose scheduling failed has no appointment to name: reschedule books it anew.
    if (!ParseMedicalArgs(argc, argv, 3, action == "reschedule" ? 1 : 2, 2, {}, ids, args)) return Usage();
    return MedicalChange(action, ids[0], ids.size() > 1 ? ids[1] : "", args);
  }
  return Usage();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
  if (command == "medical") return Medical(argc, argv);
  std::map<std::string, std::string> args;
  if (command == "pages") {
    if (argc < 3) return Usage();
    const std::string action = argv[2];
    if (!csec::tools::ParseFlags(argc, argv, 3, {}, args)) return Usage();
    if (action == "watch") return PagesWatch(args);
    if (action == "list") return PagesList(args);
    if (action == "ack" || action == "decline" || action == "arrive") return PageAction(action, args);
    return Usage();
  }
  if (!csec::tools::ParseFlags(argc, argv, 2, {"explain", "due-soon"}, args)) return Usage();
  if (command == "report") return Report(args);
  if (command == "await-routed") return AwaitRouted(args);
  if (command == "route") return RouteExplain(args);
  if (command == "deadlines") return Deadlines(args);
  if (command == "oncall") return OnCall(args);
  return Usage();
}
