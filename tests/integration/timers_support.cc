#include "tests/integration/timers_support.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"

namespace csec::testing {

using csec::dispatch::v1::Envelope;

std::string WriteTimersConfig(const StackEnv& stack, const std::string& dir, absl::Duration arrival) {
  std::ifstream in(stack.protocol_config());
  std::stringstream text;
  text << in.rdbuf();
  const int64_t seconds = absl::ToInt64Seconds(arrival);
  // Only the two arrival deadlines carry "minutes: 90" and these reminders.
  const std::string yaml =
      absl::StrReplaceAll(text.str(), {{"    minutes: 90\n", absl::StrCat("    seconds: ", seconds, "\n")},
                                       {"remind_before: [{minutes: 30}, {minutes: 10}]",
                                        absl::StrCat("remind_before: [{seconds: ", seconds / 2, "}]")}});
  const std::string path = dir + "/protocol.yaml";
  std::ofstream(path) << yaml;
  return path;
}

Envelope RoutedEvent(const std::string& case_id, absl::Time identified_at) {
  Envelope e = NewEnvelope(NewRandomId(), case_id, "routing", absl::Now());
  auto* routed = e.mutable_case_routed();
  routed->set_agency(csec::dispatch::v1::RESPONDER_AGENCY_MART);
  routed->set_team_id("mart-spa-6");
  routed->set_advocacy_agency_id("saving-innocence");
  *routed->mutable_identified_at() = ToProtoTime(identified_at);
  return e;
}

Envelope ArrivalEvent(const std::string& case_id, csec::dispatch::v1::ResponderRole role, absl::Time arrived_at) {
  Envelope e = NewEnvelope(NewRandomId(), case_id, "intake", absl::Now());
  e.mutable_arrival_recorded()->set_role(role);
  e.mutable_arrival_recorded()->set_person_id("staff-synthetic-1");
  *e.mutable_arrival_recorded()->mutable_arrived_at() = ToProtoTime(arrived_at);
  return e;
}

absl::Status ProduceEvent(const StackEnv& stack, const std::string& topic, const Envelope& event) {
  static auto* producer =
      new absl::StatusOr<std::unique_ptr<KafkaProducer>>(KafkaProducer::Create(stack.kafka("timers-test")));
  if (!producer->ok()) return producer->status();
  return (**producer)->Produce(topic, event.case_id(), event.SerializeAsString(), absl::Now() + absl::Seconds(30));
}

std::vector<Envelope> TimerEvents(const StackEnv& stack, const std::set<std::string>& cases) {
  std::vector<Envelope> out;
  (void)ScanTopic(stack.kafka("timers-test"), kTimersTopic, absl::Seconds(30), /*stop_at_end=*/true,
                  [&](const ConsumedMessage& m) {
                    if (!cases.contains(m.key)) return true;
                    Envelope e;
                    if (e.ParseFromString(m.payload)) out.push_back(std::move(e));
                    return true;
                  });
  return out;
}

MissedCount CountMissed(const std::vector<Envelope>& events, const std::string& case_id,
                        const std::string& deadline_id) {
  MissedCount count;
  std::set<std::string> ids;
  for (const Envelope& e : events) {
    if (e.case_id() != case_id || !e.has_deadline_missed() || e.deadline_missed().deadline_id() != deadline_id)
      continue;
    ++count.messages;
    ids.insert(e.event_id());
  }
  count.distinct = static_cast<int>(ids.size());
  return count;
}

const Envelope* FindTimerEvent(const std::vector<Envelope>& events, const std::string& case_id, Envelope::BodyCase body,
                               const std::string& deadline_id) {
  for (const Envelope& e : events) {
    if (e.case_id() != case_id || e.body_case() != body) continue;
    if (deadline_id.empty()) return &e;
    const std::string* id = nullptr;
    switch (body) {
      case Envelope::kDeadlineArmed:
        id = &e.deadline_armed().deadline_id();
        break;
      case Envelope::kDeadlineMet:
        id = &e.deadline_met().deadline_id();
        break;
      case Envelope::kDeadlineMissed:
        id = &e.deadline_missed().deadline_id();
        break;
      case Envelope::kDeadlineReminder:
        id = &e.deadline_reminder().deadline_id();
        break;
      case Envelope::kDeadlineCancelled:
        id = &e.deadline_cancelled().deadline_id();
        break;
      default:
        break;
    }
    if (id != nullptr && *id == deadline_id) return &e;
  }
  return nullptr;
}

}  // namespace csec::testing
