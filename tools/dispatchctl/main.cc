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
//   dispatchctl pages watch --paging 127.0.0.1:50054 --person PERSON_ID [--resume TOKEN] [--count N]
//                           [--timeout SECONDS]
//       A person's pages and shift starts as they happen (PagingService.WatchPages), one line each
//       on stdout in America/Los_Angeles time; after each, "resume: TOKEN" on stderr, for
//       --resume to go on later without losing or repeating one. Ends after N events or SECONDS
//       (exit 0); exits 1 with the gRPC status on an error.
//   dispatchctl pages list --paging 127.0.0.1:50054 --case CASE_ID [--wait SECONDS]
//       A case's pages as the paging service holds them (ListCasePages), waiting up to --wait
//       seconds for the first; prints JSON (exit 1 when there is none).
//   dispatchctl pages ack|decline|arrive --paging 127.0.0.1:50054 --case CASE_ID --page PAGE_ID
//                                        --person PERSON_ID [--reason TEXT]
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
//   dispatchctl medical hub-day HUB_ID DATE --medical 127.0.0.1:50055 [--capacity N] [--closed|--open]
//                               --reason TEXT --by PERSON_ID
//       Changes one day of a hub's calendar (SetHubDay): its capacity (-1: back to the
//       configured one) and/or closes or reopens it; prints the day as it now is.
//   dispatchctl medical no-show|exam-done CASE_ID APPOINTMENT_ID --medical 127.0.0.1:50055 --by PERSON_ID
//   dispatchctl medical cancel CASE_ID APPOINTMENT_ID --medical 127.0.0.1:50055 --by PERSON_ID --reason TEXT
//   dispatchctl medical reschedule CASE_ID [APPOINTMENT_ID] --medical 127.0.0.1:50055 --by PERSON_ID
//                                  --reason TEXT [--hub HUB_ID] [--date YYYY-MM-DD]
//       Records that the youth did not come (RecordNoShow: rebooked or escalated), that the exam
//       happened now (RecordExamCompleted), cancels the appointment (Cancel), or moves it
//       (Reschedule, to that hub and/or day only when given; without APPOINTMENT_ID it books a
//       case whose scheduling failed, e.g. once capacity was added); APPOINTMENT_ID is the
//       current one as `medical show` prints it. Prints the case's exam afterwards, "(already
//       recorded)" when it was. The medical commands' request ids are fresh on every run.
//   Times are printed in America/Los_Angeles time; a gRPC error prints its code and message
//   and exits 1.
//
// One grammar for every command: its words, then its ids and flags in any order. Flags are
// `--name value` or `--name=value`; `--explain`, `--due-soon`, `--closed` and `--open` take no
// value. A flag or an id the command does not take is refused with its usage (exit 2). Each
// command is a file of its own here (command.h); this one holds the table.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "tools/cli_flags.h"
#include "tools/dispatchctl/command.h"

namespace csec::dispatchctl {
namespace {

std::vector<Command> AllCommands() {
  return {ReportCommand(),
          AwaitRoutedCommand(),
          RouteExplainCommand(),
          DeadlinesCommand(),
          PagesWatchCommand(),
          PagesListCommand(),
          PageActionCommand("ack"),
          PageActionCommand("decline"),
          PageActionCommand("arrive"),
          OnCallCommand(),
          MedicalShowCommand(),
          MedicalAvailabilityCommand(),
          MedicalHubDayCommand(),
          MedicalChangeCommand("no-show"),
          MedicalChangeCommand("exam-done"),
          MedicalChangeCommand("cancel"),
          MedicalChangeCommand("reschedule")};
}

std::string UsageLine(const Command& command) {
  return absl::StrCat("  dispatchctl ", absl::StrJoin(command.words, " "), " ", command.usage, "\n");
}

int PrintUsage(const std::vector<const Command*>& commands) {
  std::string text = "usage:\n";
  for (const Command* command : commands) text += UsageLine(*command);
  std::fprintf(stderr, "%s", text.c_str());
  return kBadUsage;
}

// The command whose words start the arguments' words, the longest such.
const Command* Find(const std::vector<Command>& commands, const std::vector<std::string>& words) {
  const Command* found = nullptr;
  for (const Command& command : commands) {
    if (command.words.size() > words.size()) continue;
    if (!std::equal(command.words.begin(), command.words.end(), words.begin())) continue;
    if (found == nullptr || command.words.size() > found->words.size()) found = &command;
  }
  return found;
}

int Run(int argc, char** argv) {
  const std::vector<Command> commands = AllCommands();
  std::vector<const Command*> all;
  std::set<std::string> bare_flags;
  for (const Command& command : commands) {
    all.push_back(&command);
    bare_flags.insert(command.bare_flags.begin(), command.bare_flags.end());
  }
  csec::tools::Arguments args;
  if (!csec::tools::ParseArguments(argc, argv, 1, bare_flags, args)) return PrintUsage(all);
  const Command* command = Find(commands, args.words);
  if (command == nullptr) return PrintUsage(all);
  const std::vector<std::string> ids(args.words.begin() + static_cast<long>(command->words.size()), args.words.end());
  if (ids.size() < command->min_ids || ids.size() > command->max_ids) {
    std::fprintf(stderr, "expected %zu to %zu argument(s) besides the flags, got %zu\n", command->min_ids,
                 command->max_ids, ids.size());
    return PrintUsage({command});
  }
  for (const auto& [name, value] : args.flags) {
    if (!command->flags.count(name)) {
      std::fprintf(stderr, "unknown flag --%s\n", name.c_str());
      return PrintUsage({command});
    }
  }
  const int code = command->run(ids, args.flags);
  return code == kBadUsage ? PrintUsage({command}) : code;
}

}  // namespace
}  // namespace csec::dispatchctl

int main(int argc, char** argv) { return csec::dispatchctl::Run(argc, argv); }
