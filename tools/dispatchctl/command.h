// A dispatchctl command: the words that name it, the ids and flags it takes, and what it does.
// Every command is one file in tools/dispatchctl/ defining its factory below; main.cc holds the
// table, parses the command line once (csec::tools::ParseArguments) and refuses, with the
// command's usage, ids or flags it does not take.
#ifndef CSEC_TOOLS_DISPATCHCTL_COMMAND_H_
#define CSEC_TOOLS_DISPATCHCTL_COMMAND_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace csec::dispatchctl {

using Flags = std::map<std::string, std::string>;

struct Command {
  std::vector<std::string> words = {};  // {"pages", "ack"}
  std::string usage = {};               // what follows the words: "--paging HOST:PORT --case CASE_ID ..."
  size_t min_ids = 0;                   // positional arguments after the words (anywhere among the flags)
  size_t max_ids = 0;
  std::set<std::string> flags = {};       // every flag it takes: any other is a typo (a --persom would watch nobody)
  std::set<std::string> bare_flags = {};  // of those, the ones without a value
  std::function<int(const std::vector<std::string>& ids, Flags& flags)> run = {};  // the exit code
};

// What a command returns when it is not called the way its usage says: main prints the usage.
inline constexpr int kBadUsage = 2;
inline int Usage() { return kBadUsage; }

Command ReportCommand();
Command AwaitRoutedCommand();
Command RouteExplainCommand();
Command DeadlinesCommand();
Command PagesWatchCommand();
Command PagesListCommand();
Command PageActionCommand(const std::string& action);  // ack, decline, arrive
Command OnCallCommand();
Command MedicalShowCommand();
Command MedicalAvailabilityCommand();
Command MedicalHubDayCommand();
Command MedicalChangeCommand(const std::string& action);  // no-show, exam-done, cancel, reschedule

}  // namespace csec::dispatchctl

#endif  // CSEC_TOOLS_DISPATCHCTL_COMMAND_H_
