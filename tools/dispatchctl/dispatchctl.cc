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
//   dispatchctl pages watch --paging 127.0.0.1:50054 --person PERSON_ID [--resume TOKEN] [--count N] [--timeout SECONDS]
//       A person's pages and shift starts as they happen (PagingService.WatchPages), one line each
//       on stdout in America/Los_Angeles time; after each, "resume: TOKEN" on stderr, for
//       --resume to go on later without losing or repeating one. Ends after N events or SECONDS
//       (exit 0); exits 1 with the gRPC status on an error.
//   dispatchctl pages list --paging 127.0.0.1:50054 --case CASE_ID [--wait SECONDS]
//       A case's pages as the paging service holds them (ListCasePages), waiting up to --wait
//       seconds for the first; prints JSON (exit 1 when there is none).
//   dispatchctl pages ack|decline|arrive --paging 127.0.0.1:50054 --case CASE_ID --page PAGE_ID --person PERSON_ID [--reason TEXT]
//       Acknowledges or declines (--reason: why) a page, or records the person's arrival for it
//       (Acknowledge, Decline, RecordArrival); prints the event id, "(already recorded)" after it
//       when it was. A gRPC error prints its code and message and exits 1.
//   dispatchctl oncall --paging 127.0.0.1:50054 [--roster ROSTER_ID]
//       Who is on call now, per roster (PagingService.OnCall): a table of roster, person (or
//       NOBODY), where that comes from (rotation or an override) and until when.
//
// Flags are `--name value` or `--name=value`; `--explain` is a flag without a value.
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
#include "absl/time/time.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "csec/dispatch/v1/timer_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/clock.h"
#include "services/common/events.h"
#include "services/common/ids.h"
#include "services/common/protocol_config.h"
#include "services/common/topic_scanner.h"
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
               "  dispatchctl pages watch --paging HOST:PORT --person PERSON_ID [--resume TOKEN] [--count N] [--timeout SECONDS]\n"
               "  dispatchctl pages list --paging HOST:PORT --case CASE_ID [--wait SECONDS]\n"
               "  dispatchctl pages ack|arrive --paging HOST:PORT --case CASE_ID --page PAGE_ID --person PERSON_ID\n"
               "  dispatchctl pages decline --paging HOST:PORT --case CASE_ID --page PAGE_ID --person PERSON_ID [--reason TEXT]\n"
               "  dispatchctl oncall --paging HOST:PORT [--roster ROSTER_ID]\n");
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
  absl::Status s = csec::ScanTopic({.brokers = args["brokers"], .client_id = "dispatchctl", .extra = {}},
                                   csec::kRoutingTopic, absl::Seconds(timeout_s), false,
                                   [&](const csec::ConsumedMessage& m) {
                                     Envelope e;
                                     if (e.ParseFromString(m.payload) && e.case_id() == args["case"] &&
                                         e.has_case_routed()) {
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
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN_CODE";
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
      case csec::dispatch::v1::RESPONDER_ROLE_RESPONDER: arrived.insert("responder"); break;
      case csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE: arrived.insert("advocate"); break;
      default: arrived.insert("someone"); break;
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
    std::string line = absl::StrCat(Local(sent, kStamp), "  PAGE  case=", e.case_id(), " page=", p.page_id(),
                                    " role=", p.role(), " reason=", p.reason(), " attempt=", p.attempt(),
                                    " step=", p.step_index());
    if (p.round() > 0) absl::StrAppend(&line, " round=", p.round());
    if (p.has_ack_due_at()) absl::StrAppend(&line, " ack by ", ClockTime(csec::FromProtoTime(p.ack_due_at()), sent));
    absl::StrAppend(&line, CaseState(p.case_summary()));
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
  std::unique_ptr<grpc::ClientReader<csec::dispatch::v1::WatchPagesResponse>> reader = stub->WatchPages(&context, request);
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string command = argv[1];
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
