#include "tools/simulate/invariants.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/clock.h"

namespace csec::simulate {
namespace {

using csec::dispatch::v1::Envelope;

constexpr char kIntakeTopic[] = "csec.intake.v1";
constexpr char kRoutingTopic[] = "csec.routing.v1";

// A record's identity for "distinct": its event id, or where it sits when it has none.
std::string EventKey(const TopicRecord& r) {
  if (!r.envelope.event_id().empty()) return r.envelope.event_id();
  return absl::StrCat("<no id>", r.topic, "/", r.partition, "/", r.offset);
}

std::string FormatRealMs(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), " real ms"); }

std::string Time(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone()); }

}  // namespace

absl::Duration ResolutionGrace(const ClockMapping& clock) { return absl::Hours(1) + absl::Seconds(2) * clock.scale; }

std::map<std::string, absl::Time> EarliestBrokerTimes(const RunFacts& facts) {
  std::map<std::string, absl::Time> out;
  for (const TopicRecord& r : facts.records) {
    auto [it, inserted] = out.emplace(EventKey(r), r.broker_time);
    if (!inserted && r.broker_time < it->second) it->second = r.broker_time;
  }
  return out;
}

bool DeadlineHistory::MetInTime() const {
  return std::any_of(met.begin(), met.end(), [this](const TopicRecord* r) {
    return FromProtoTime(r->envelope.deadline_met().met_at()) <= due_at;
  });
}

bool DeadlineHistory::MetLate() const { return !met.empty() && !MetInTime(); }

std::vector<DeadlineHistory> CollectDeadlines(const RunFacts& facts) {
  std::map<std::pair<std::string, std::string>, DeadlineHistory> by_key;
  std::set<std::string> seen;
  auto history = [&](const TopicRecord& r, const std::string& deadline_id) -> DeadlineHistory& {
    DeadlineHistory& h = by_key[{r.envelope.case_id(), deadline_id}];
    h.case_id = r.envelope.case_id();
    h.deadline_id = deadline_id;
    return h;
  };
  for (const TopicRecord& r : facts.records) {
    const Envelope& e = r.envelope;
    switch (e.body_case()) {
      case Envelope::kDeadlineArmed:
      case Envelope::kDeadlineMet:
      case Envelope::kDeadlineMissed:
      case Envelope::kDeadlineCancelled:
        break;
      default:
        continue;
    }
    if (!seen.insert(EventKey(r)).second) continue;  // a replay
    switch (e.body_case()) {
      case Envelope::kDeadlineArmed: {
        DeadlineHistory& h = history(r, e.deadline_armed().deadline_id());
        if (h.armed == nullptr) {
          h.armed = &r;
          h.starts_at = FromProtoTime(e.deadline_armed().starts_at());
          h.due_at = FromProtoTime(e.deadline_armed().due_at());
        }
        break;
      }
      case Envelope::kDeadlineMet:
        history(r, e.deadline_met().deadline_id()).met.push_back(&r);
        break;
      case Envelope::kDeadlineMissed:
        history(r, e.deadline_missed().deadline_id()).missed.push_back(&r);
        break;
      case Envelope::kDeadlineCancelled:
        history(r, e.deadline_cancelled().deadline_id()).cancelled.push_back(&r);
        break;
      default:
        break;
    }
  }
  std::vector<DeadlineHistory> out;
  out.reserve(by_key.size());
  for (auto& [key, h] : by_key) {
    if (h.armed == nullptr) {  // outcomes without their arm: take the due instant they carry
      for (const TopicRecord* r : h.met) h.due_at = FromProtoTime(r->envelope.deadline_met().due_at());
      for (const TopicRecord* r : h.missed) h.due_at = FromProtoTime(r->envelope.deadline_missed().due_at());
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::optional<MeetingFactTiming> EscalatedMetInTime(const DeadlineHistory& deadline, const RunFacts& facts,
                                                    const std::map<std::string, absl::Time>& broker_time_by_event_id) {
  if (deadline.missed.empty() || !deadline.MetInTime()) return std::nullopt;
  std::optional<absl::Time> fact_on_broker;
  for (const TopicRecord* r : deadline.met) {
    const auto& met = r->envelope.deadline_met();
    if (FromProtoTime(met.met_at()) > deadline.due_at) continue;
    auto it = broker_time_by_event_id.find(met.met_by_event_id());
    if (met.met_by_event_id().empty() || it == broker_time_by_event_id.end()) continue;
    if (!fact_on_broker.has_value() || it->second < *fact_on_broker) fact_on_broker = it->second;
  }
  if (!fact_on_broker.has_value()) return MeetingFactTiming::kNotFound;
  const absl::Time real_due = facts.clock.RealAt(deadline.due_at);
  if (*fact_on_broker < real_due - kInFlightAllowance) return MeetingFactTiming::kOnBrokerBeforeDue;
  if (*fact_on_broker < real_due) return MeetingFactTiming::kInFlight;
  return MeetingFactTiming::kReachedBrokerAfterDue;
}

std::vector<Violation> CheckNoReferralLost(const RunFacts& facts) {
  std::set<std::string> referred, routed;
  for (const TopicRecord& r : facts.records) {
    if (r.topic == kIntakeTopic && r.envelope.has_referral_received()) referred.insert(r.envelope.case_id());
    if (r.topic == kRoutingTopic && r.envelope.has_case_routed()) routed.insert(r.envelope.case_id());
  }
  std::vector<Violation> out;
  for (const std::string& case_id : facts.reported_case_ids) {
    if (!referred.contains(case_id)) {
      out.push_back({kNoReferralLost, case_id, absl::StrCat("reported, but no ReferralReceived on ", kIntakeTopic)});
    }
    if (!routed.contains(case_id)) {
      out.push_back({kNoReferralLost, case_id, absl::StrCat("reported, but no CaseRouted on ", kRoutingTopic)});
    }
  }
  return out;
}

std::vector<Violation> CheckRoutedOnce(const RunFacts& facts) {
  std::map<std::string, std::set<std::string>> routed_ids;  // case → CaseRouted event ids
  for (const TopicRecord& r : facts.records) {
    if (r.envelope.has_case_routed()) routed_ids[r.envelope.case_id()].insert(EventKey(r));
  }
  std::vector<Violation> out;
  for (const auto& [case_id, ids] : routed_ids) {
    if (ids.size() > 1) {
      out.push_back({kRoutedOnce, case_id,
                     absl::StrCat("routed ", ids.size(), " times: CaseRouted event ids ", absl::StrJoin(ids, ", "))});
    }
  }
  return out;
}

std::vector<Violation> CheckPagedOnce(const RunFacts& facts) {
  // (case, role, reason) → page ids; (case, page id, attempt, person) → event ids.
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> page_ids;
  std::map<std::tuple<std::string, std::string, int32_t, std::string>, std::set<std::string>> sends;
  for (const TopicRecord& r : facts.records) {
    if (!r.envelope.has_page_sent()) continue;
    const auto& p = r.envelope.page_sent();
    page_ids[{r.envelope.case_id(), p.role(), p.reason()}].insert(p.page_id());
    sends[{r.envelope.case_id(), p.page_id(), p.attempt(), p.person_id()}].insert(EventKey(r));
  }
  std::vector<Violation> out;
  for (const auto& [key, ids] : page_ids) {
    if (ids.size() > 1) {
      const auto& [case_id, role, reason] = key;
      out.push_back({kPagedOnce, case_id,
                     absl::StrCat("role ", role, ", reason ", reason, " paged as ", ids.size(), " pages: page ids ",
                                  absl::StrJoin(ids, ", "))});
    }
  }
  for (const auto& [key, ids] : sends) {
    if (ids.size() > 1) {
      const auto& [case_id, page_id, attempt, person] = key;
      out.push_back({kPagedOnce, case_id,
                     absl::StrCat("page ", page_id, " attempt ", attempt, " sent to ", person, " ", ids.size(),
                                  " times: event ids ", absl::StrJoin(ids, ", "))});
    }
  }
  return out;
}

std::vector<Violation> CheckDeadlineResolvedOnce(const RunFacts& facts) {
  const absl::Time judged_until = facts.sim_end - ResolutionGrace(facts.clock);
  std::vector<Violation> out;
  for (const DeadlineHistory& h : CollectDeadlines(facts)) {
    if (h.armed == nullptr || h.due_at > judged_until) continue;
    const std::string due = absl::StrCat("due ", Time(h.due_at));
    if (h.missed.size() > 1) {
      std::vector<std::string> ids;
      for (const TopicRecord* r : h.missed) ids.push_back(r->envelope.event_id());
      out.push_back({kDeadlineResolvedOnce, h.case_id,
                     absl::StrCat(h.deadline_id, " (", due, ") escalated twice: ", h.missed.size(),
                                  " DeadlineMissed event ids ", absl::StrJoin(ids, ", "))});
      continue;
    }
    std::vector<std::string> outcomes;
    if (!h.met.empty() && h.missed.empty()) outcomes.push_back(h.MetInTime() ? "met in time" : "met late");
    if (h.missed.size() == 1) outcomes.push_back("escalated");
    if (!h.cancelled.empty()) outcomes.push_back("cancelled");
    if (outcomes.empty()) {
      out.push_back({kDeadlineResolvedOnce, h.case_id,
                     absl::StrCat(h.deadline_id, " (", due, ") never resolved: no DeadlineMet, DeadlineMissed or ",
                                  "DeadlineCancelled by the end of the run (", Time(facts.sim_end), ")")});
    } else if (outcomes.size() > 1) {
      out.push_back(
          {kDeadlineResolvedOnce, h.case_id,
           absl::StrCat(h.deadline_id, " (", due, ") resolved more than once: ", absl::StrJoin(outcomes, " and "))});
    }
  }
  return out;
}

std::vector<Violation> CheckNoEscalationWhenMetInTime(const RunFacts& facts) {
  const std::map<std::string, absl::Time> broker_times = EarliestBrokerTimes(facts);
  std::vector<Violation> out;
  for (const DeadlineHistory& h : CollectDeadlines(facts)) {
    std::optional<MeetingFactTiming> timing = EscalatedMetInTime(h, facts, broker_times);
    if (timing != MeetingFactTiming::kOnBrokerBeforeDue) continue;
    // The meeting fact that was on the broker first, for the detail.
    std::string fact_id;
    absl::Time fact_time = absl::InfiniteFuture();
    absl::Time met_at;
    for (const TopicRecord* r : h.met) {
      const auto& met = r->envelope.deadline_met();
      auto it = broker_times.find(met.met_by_event_id());
      if (FromProtoTime(met.met_at()) > h.due_at || it == broker_times.end()) continue;
      if (it->second < fact_time) {
        fact_time = it->second;
        fact_id = met.met_by_event_id();
        met_at = FromProtoTime(met.met_at());
      }
    }
    out.push_back({kNoEscalationWhenMetInTime, h.case_id,
                   absl::StrCat(h.deadline_id, " escalated (DeadlineMissed ", h.missed.front()->envelope.event_id(),
                                ") although met in time at ", Time(met_at), " (due ", Time(h.due_at), ") by ", fact_id,
                                ", on the broker ", FormatRealMs(facts.clock.RealAt(h.due_at) - fact_time),
                                " before the due instant")});
  }
  return out;
}

std::vector<Violation> CheckInvariants(const RunFacts& facts) {
  std::vector<Violation> out;
  for (auto* check : {&CheckNoReferralLost, &CheckRoutedOnce, &CheckPagedOnce, &CheckDeadlineResolvedOnce,
                      &CheckNoEscalationWhenMetInTime}) {
    std::vector<Violation> found = check(facts);
    out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return out;
}

}  // namespace csec::simulate
