// routing_decision_bench: the cost of the routing decision alone — the pure DecideRoute on the
// shipped protocol configuration, no Kafka, no Redis — so a slow end-to-end figure can be told
// apart from slow rules.
//
//   build/bin/routing_decision_bench [--config deploy/config/protocol.yaml] [--seconds 2]
//
// Decides the sample referrals (tools/dispatchctl/sample_referrals.h) round-robin for about
// --seconds and prints decisions/s and ns/decision; then each kind alone for a fifth of that,
// since the rules are first-match and build different amounts of text.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/domain/protocol_config.h"
#include "services/routing/routing_rules.h"
#include "tools/bench/bench_common.h"
#include "tools/cli_flags.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace {

using Clock = std::chrono::steady_clock;
using csec::dispatch::v1::Referral;
using csec::tools::SampleKind;

int Usage() {
  std::fprintf(stderr, "usage: routing_decision_bench [--config PATH] [--seconds S]\n");
  return 2;
}

struct Rate {
  long long decisions = 0;
  double seconds = 0;
  double PerSecond() const { return static_cast<double>(decisions) / seconds; }
  double NsEach() const { return seconds * 1e9 / static_cast<double>(decisions); }
};

// Decides `referrals` round-robin in batches until `budget` has passed. Batches of 1000 keep
// the clock reads out of the figure; the sink keeps the compiler from dropping the work.
Rate Measure(const csec::ProtocolConfig& config, const std::vector<Referral>& referrals, double budget_s) {
  constexpr int kBatch = 1000;
  size_t sink = 0;
  Rate rate;
  const Clock::time_point start = Clock::now();
  while (rate.seconds < budget_s) {
    for (int i = 0; i < kBatch; ++i) {
      sink += csec::DecideRoute(config, referrals[i % referrals.size()]).team_id().size();
    }
    rate.decisions += kBatch;
    rate.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  if (sink == 0) std::fprintf(stderr, "(no decision named a team)\n");
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 1, {}, flags)) return Usage();
  const std::string config_path =
      csec::bench::FlagOrEnv(flags, "config", nullptr, CSEC_SOURCE_DIR "/deploy/config/protocol.yaml");
  double seconds = 0;
  if (!absl::SimpleAtod(csec::bench::FlagOrEnv(flags, "seconds", nullptr, "2"), &seconds) || seconds <= 0) {
    return Usage();
  }
  auto config = csec::LoadProtocolConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "routing_decision_bench: %s\n", config.status().ToString().c_str());
    return 1;
  }

  const std::vector<std::pair<std::string, SampleKind>> kinds = {
      {"new", SampleKind::kNewToBoth},
      {"dcfs", SampleKind::kOpenDcfs},
      {"probation", SampleKind::kOpenProbation},
      {"dual", SampleKind::kDualStatus},
      {"nonparticipating", SampleKind::kNonParticipating},
  };
  std::vector<Referral> all;
  for (const auto& [name, kind] : kinds) {
    all.push_back(csec::tools::SampleReferral(kind, "bench", absl::Now()).referral());
  }

  csec::bench::PrintSetup("routing_decision_bench", {
                                                        {"config", config_path},
                                                        {"config version", (*config)->version},
                                                        {"referrals", "the 5 sample kinds, round-robin"},
                                                        {"threads", "1"},
                                                    });
  // Untimed warm-up: first-touch allocations and caches.
  Measure(**config, all, 0.1);

  const Rate mixed = Measure(**config, all, seconds);
  std::printf("== results\n");
  std::printf("all kinds:           %.0f decisions/s, %.0f ns/decision (%lld in %.2f s)\n", mixed.PerSecond(),
              mixed.NsEach(), mixed.decisions, mixed.seconds);
  for (size_t k = 0; k < kinds.size(); ++k) {
    const Rate one = Measure(**config, {all[k]}, seconds / 5);
    std::printf("  %-17s %.0f ns/decision (rule %s)\n", (kinds[k].first + ":").c_str(), one.NsEach(),
                csec::DecideRoute(**config, all[k]).rule_id().c_str());
  }
  return 0;
}
