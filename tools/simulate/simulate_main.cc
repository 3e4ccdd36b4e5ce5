// csec-simulate: the protocol end to end on the real stack under a scaled clock, then the
// invariants and a compliance report (README: "The protocol end to end"). Run it through
// tools/simulate.sh, which builds first.
//
//   csec-simulate --days 365 --scale 15000 --seed 1 --faults all --out .sim
//   csec-simulate --days 28 --roster_sizes 1,2,3      # what-if: the same seed per roster size
//
// Exit: 0 when every invariant held in every run, 1 when one failed, 2 when a run could not be
// done (bad flag, the stack did not start).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "tools/cli_flags.h"
#include "tools/simulate/invariants.h"
#include "tools/simulate/report.h"
#include "tools/simulate/simulation.h"

namespace {

using csec::simulate::FaultPlan;
using csec::simulate::SimulationOptions;

int g_stop_signal_pipe[2] = {-1, -1};

void OnStopSignal(int signal_number) {
  const char c = static_cast<char>(signal_number);
  (void)!write(g_stop_signal_pipe[1], &c, 1);
}

// A Ctrl-C or a kill ends the run with its stack: the broker and Redis run in a session of their
// own (so a test's process-group kill does not reach them) and would outlive the simulator, and
// the services it started would keep calling them.
void StopTheRunsOnASignal(std::vector<std::string> stack_dirs, std::string stack_sh) {
  if (pipe2(g_stop_signal_pipe, O_CLOEXEC) != 0) return;
  std::thread([stack_dirs = std::move(stack_dirs), stack_sh = std::move(stack_sh)] {
    char signal_number = 0;
    while (read(g_stop_signal_pipe[0], &signal_number, 1) < 0 && errno == EINTR) {
    }
    std::fprintf(stderr, "csec-simulate: interrupted; stopping the services and the stack\n");
    const std::string self = std::to_string(getpid());
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::ifstream stat(entry.path() / "stat");
      std::string pid, name, state, ppid;
      if (stat >> pid >> name >> state >> ppid && ppid == self) kill(std::atoi(pid.c_str()), SIGKILL);
    }
    for (const std::string& dir : stack_dirs) {
      (void)std::system(("'" + stack_sh + "' stop --dir '" + dir + "' >/dev/null 2>&1").c_str());
    }
    _exit(128 + signal_number);
  }).detach();
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int Usage(const std::string& problem) {
  std::fprintf(stderr,
               "csec-simulate: %s\n"
               "usage: csec-simulate [--days N] [--scale S] [--seed N] [--faults all|none|LIST]\n"
               "                     [--roster_sizes N,N,...] [--referrals_per_year R] [--start RFC3339]\n"
               "                     [--tail_days N] [--out DIR]\n"
               "  --days               simulated days of identifications (default 365)\n"
               "  --tail_days          the clock runs this much longer, so the last deadlines come due (default 8)\n"
               "  --scale              simulated seconds per real second (default 15000: a year in ~36 min)\n"
               "  --faults             all: each service SIGKILLed and restarted once, the broker and Redis\n"
               "                       restarted; or a list of intake,routing,timers,paging,medical,broker,redis\n"
               "  --roster_sizes       what-if: one run per size (people per on-call rotation), same seed\n"
               "  --referrals_per_year default 790 (DCFS identifications, 2015-16)\n",
               problem.c_str());
  return 2;
}

std::string SelfDir() {
  std::error_code ignored;
  return std::filesystem::read_symlink("/proc/self/exe", ignored).parent_path().string();
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 1, {}, flags)) return Usage("bad arguments");
  static const std::set<std::string> kKnown = {
      "days",  "scale", "seed",      "faults",     "roster_sizes", "referrals_per_year",
      "start", "out",   "tail_days", "source_dir", "bin_dir"};
  for (const auto& [name, value] : flags) {
    if (!kKnown.contains(name)) return Usage("unknown flag --" + name);
  }
  auto flag = [&](const std::string& name, const std::string& fallback) {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  };

  SimulationOptions base;
  double days = 0;
  if (!absl::SimpleAtod(flag("days", "365"), &days) || days <= 0) return Usage("--days: a positive number");
  if (!absl::SimpleAtod(flag("scale", "15000"), &base.scale) || base.scale < 1) return Usage("--scale: at least 1");
  if (!absl::SimpleAtoi(flag("seed", "1"), &base.scenario.seed)) return Usage("--seed: a number");
  if (!absl::SimpleAtod(flag("referrals_per_year", "790"), &base.scenario.referrals_per_year) ||
      base.scenario.referrals_per_year <= 0) {
    return Usage("--referrals_per_year: a positive number");
  }
  std::string error;
  // A Monday in the county's winter time, so week 1 is a whole week.
  if (!absl::ParseTime(absl::RFC3339_full, flag("start", "2026-01-05T00:00:00-08:00"), &base.scenario.start, &error)) {
    return Usage("--start: " + error);
  }
  base.scenario.length = absl::Hours(24) * days;
  double tail_days = 0;
  if (!absl::SimpleAtod(flag("tail_days", "8"), &tail_days) || tail_days < 0) return Usage("--tail_days: 0 or more");
  base.tail = absl::Hours(24) * tail_days;
  const std::string faults = flag("faults", "all");
  if (faults == "all") {
    base.faults = csec::simulate::EveryFault();
  } else if (faults != "none") {
    std::vector<std::string> targets = absl::StrSplit(faults, ',', absl::SkipEmpty());
    static const std::set<std::string> kTargets = {"intake",  "routing", "timers", "paging",
                                                   "medical", "broker",  "redis"};
    for (size_t i = 0; i < targets.size(); ++i) {
      if (!kTargets.contains(targets[i])) return Usage("--faults: unknown target " + targets[i]);
      base.faults.push_back({.target = targets[i], .at = 0.15 + 0.7 * static_cast<double>(i) / targets.size()});
    }
  }
  const std::string bin_dir = flag("bin_dir", SelfDir());
  base.bin_dir = bin_dir;
  base.source_dir = flag("source_dir", std::filesystem::weakly_canonical(bin_dir + "/../..").string());
  const std::string out = std::filesystem::absolute(flag("out", ".sim")).string();

  std::vector<int> sizes;
  for (absl::string_view s : absl::StrSplit(flag("roster_sizes", ""), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(s, &n) || n < 1 || n > 50) return Usage("--roster_sizes: numbers from 1 to 50");
    sizes.push_back(n);
  }
  if (sizes.empty()) sizes.push_back(0);  // the shipped rosters

  auto run_dir = [&](int size) { return size == 0 ? out : absl::StrCat(out, "/roster-", size); };
  std::vector<std::string> stack_dirs;
  for (int size : sizes) stack_dirs.push_back(run_dir(size) + "/work/stack");
  StopTheRunsOnASignal(stack_dirs, base.source_dir + "/tools/stack/stack.sh");

  std::vector<csec::simulate::Report> reports;
  bool all_held = true;
  for (int size : sizes) {
    SimulationOptions options = base;
    options.people_per_roster = size;
    options.label = size == 0 ? "shipped rosters" : absl::StrCat(size, " per roster");
    const std::string dir = run_dir(size);
    options.work_dir = dir + "/work";
    absl::StatusOr<csec::simulate::RunFacts> facts = csec::simulate::RunSimulation(options);
    if (!facts.ok()) {
      std::fprintf(stderr, "csec-simulate: %s: %s\n", options.label.c_str(), facts.status().ToString().c_str());
      return 2;
    }
    const csec::simulate::Report report = csec::simulate::BuildReport(*facts);
    all_held = all_held && csec::simulate::CheckInvariants(*facts).empty();
    const std::string text = csec::simulate::ReportText(report);
    for (const auto& [name, content] :
         {std::pair{"report.json", csec::simulate::ReportJson(report)}, std::pair{"report.txt", text},
          std::pair{"report.svg", csec::simulate::ReportSvg(report)}}) {
      if (absl::Status s = csec::simulate::WriteTextFile(dir + "/" + name, content); !s.ok()) {
        std::fprintf(stderr, "csec-simulate: %s\n", s.ToString().c_str());
        return 2;
      }
    }
    std::printf("%s\nreport: %s/report.{txt,json,svg}\n\n", text.c_str(), dir.c_str());
    std::fflush(stdout);
    reports.push_back(report);
  }
  if (reports.size() > 1) {
    const std::string text = csec::simulate::WhatIfText(reports);
    for (const auto& [name, content] :
         {std::pair{"whatif.txt", text}, std::pair{"whatif.json", csec::simulate::WhatIfJson(reports)}}) {
      if (absl::Status s = csec::simulate::WriteTextFile(out + "/" + name, content); !s.ok()) {
        std::fprintf(stderr, "csec-simulate: %s\n", s.ToString().c_str());
        return 2;
      }
    }
    std::printf("%s\nwhat-if: %s/whatif.{txt,json}\n", text.c_str(), out.c_str());
  }
  std::printf("invariants: %s\n", all_held ? "all held" : "FAILED (see the reports)");
  return all_held ? 0 : 1;
}
