#include "tests/integration/paging_support.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/domain/events.h"
#include "services/common/domain/protocol_config.h"
#include "services/common/kafka/kafka.h"

namespace csec::testing {

using csec::dispatch::v1::Envelope;

namespace {

std::string Seconds(absl::Duration d) { return absl::StrCat("{seconds: ", absl::ToInt64Seconds(d), "}"); }

}  // namespace

std::string WritePagingConfig(const std::string& protocol_config_path, const std::string& dir,
                              const PagingTestConfig& options) {
  absl::StatusOr<std::unique_ptr<ProtocolConfigStore>> protocol = ProtocolConfigStore::Create(protocol_config_path);
  if (!protocol.ok()) return "";
  std::shared_ptr<const ProtocolConfig> config = (*protocol)->Current();

  // role id -> (its roster's steps after the first, applies_to_agency)
  struct Role {
    std::vector<std::string> then;
    std::string agency;
  };
  std::map<std::string, Role> roles;
  const std::vector<std::string> lines = {"ctu-supervisor", "mart-supervisor", "cph-supervisor", "advocacy-supervisor",
                                          "dhs-hub-coordinator"};
  for (const auto& team : config->teams) {
    const std::string agency(TeamAgencyName(team.agency));
    roles[team.id] = {{agency == "ctu"    ? "ctu-supervisor"
                       : agency == "mart" ? "mart-supervisor"
                                          : "cph-supervisor"},
                      ""};
  }
  for (const auto& agency : config->advocacy_agencies) roles[agency.id] = {{"advocacy-supervisor"}, ""};
  for (const auto& hub : config->hubs) roles[hub.id] = {{"dhs-hub-coordinator"}, ""};
  for (const auto& line : lines)
    roles[line] = {{}, line == "ctu-supervisor" ? "ctu" : line == "mart-supervisor" ? "mart" : ""};

  std::string yaml =
      absl::StrCat("shift_notice_before: {minutes: 30}\ndelivery:\n  tries: ", options.tries,
                   "\n  first_retry: ", Seconds(options.first_retry),
                   "\n  max_retry: {seconds: 30}\n  send_timeout: ", Seconds(options.send_timeout), "\npeople:\n");
  for (const auto& [role, _] : roles) {
    const std::string person = OnCallPerson(role);
    absl::StrAppend(&yaml, "  - id: ", person, "\n    name: Synthetic on-call for ", role, "\n");
    auto it = options.contacts.find(person);
    if (it != options.contacts.end()) {
      absl::StrAppend(&yaml, "    contacts:\n");
      for (const auto& c : it->second) absl::StrAppend(&yaml, "      - ", c, "\n");
    }
  }
  absl::StrAppend(&yaml, "rosters:\n");
  for (const auto& [role, _] : roles) {
    const bool empty = options.empty_rosters.contains(role);
    absl::StrAppend(&yaml, "  - id: ", role, "\n    name: ", role, " on call\n    rotation:\n",
                    "      starts: 2020-01-06\n      handoffs: [\"08:00\"]\n      members: [",
                    empty ? "" : OnCallPerson(role), "]\n");
  }
  absl::StrAppend(&yaml, "chains:\n");
  for (const auto& [role, r] : roles) {
    absl::StrAppend(&yaml, "  - id: ", role, "\n    name: ", role, "\n    steps:\n      - targets: [{on_call: ", role,
                    "}]\n        wait: ", Seconds(options.step_wait), "\n");
    for (const auto& next : r.then) {
      absl::StrAppend(&yaml, "      - targets: [{on_call: ", next, "}]\n        wait: ", Seconds(options.step_wait),
                      "\n");
    }
    if (role != "cph-supervisor") absl::StrAppend(&yaml, "    on_exhausted: cph-supervisor\n");
    if (!r.agency.empty()) absl::StrAppend(&yaml, "    applies_to_agency: ", r.agency, "\n");
  }
  const std::string path = dir + "/paging.yaml";
  std::ofstream(path) << yaml;
  return path;
}

std::vector<Envelope> PagingEvents(const StackEnv& stack, const std::set<std::string>& cases) {
  std::vector<Envelope> out;
  (void)ScanTopic(stack.kafka("paging-test"), kPagingTopic, absl::Seconds(30), /*stop_at_end=*/true,
                  [&](const ConsumedMessage& m) {
                    if (!cases.contains(m.key)) return true;
                    Envelope e;
                    if (e.ParseFromString(m.payload)) out.push_back(std::move(e));
                    return true;
                  });
  return out;
}

std::vector<Envelope> PagesSent(const std::vector<Envelope>& events, const std::string& person_id) {
  std::vector<Envelope> out;
  for (const Envelope& e : events) {
    if (e.has_page_sent() && (person_id.empty() || e.page_sent().person_id() == person_id)) out.push_back(e);
  }
  return out;
}

}  // namespace csec::testing
