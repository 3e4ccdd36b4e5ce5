// dispatchctl pages watch: A person's pages and shift starts as they happen (PagingService.WatchPages), one line each
// on stdout in the county's time; after each, "resume: TOKEN" on stderr, for --resume to go on later without losing or
// repeating one. Ends after N events or SECONDS (exit 0).
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/base/clock.h"
#include "tools/dispatchctl/command.h"
#include "tools/dispatchctl/console.h"

namespace csec::dispatchctl {
namespace {

using csec::dispatch::v1::Envelope;

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

}  // namespace

Command PagesWatchCommand() {
  return {.words = {"pages", "watch"},
          .usage = "--paging HOST:PORT --person PERSON_ID [--resume TOKEN] [--count N] [--timeout SECONDS]",
          .flags = {"paging", "person", "resume", "count", "timeout"},
          .run = [](const std::vector<std::string>&, Flags& flags) { return PagesWatch(flags); }};
}

}  // namespace csec::dispatchctl
