#include "services/common/events.h"

#include "absl/strings/str_cat.h"
#include "services/common/metrics.h"

namespace csec {

using csec::dispatch::v1::Envelope;

std::vector<std::string> ProjectedTopics() { return {kIntakeTopic, kRoutingTopic}; }

std::vector<std::string> AllTopics() {
  std::vector<std::string> topics = ProjectedTopics();
  topics.push_back(kDeadLetterTopic);
  return topics;
}

Envelope NewEnvelope(const std::string& event_id, const std::string& case_id, const std::string& producer,
                     absl::Time occurred_at) {
  Envelope e;
  e.set_event_id(event_id);
  e.set_case_id(case_id);
  e.set_producer(producer);
  *e.mutable_occurred_at() = ToProtoTime(occurred_at);
  return e;
}

absl::StatusOr<Envelope> ParseEnvelope(const ConsumedMessage& m) {
  Envelope envelope;
  if (!envelope.ParseFromString(m.payload)) {
    return absl::InvalidArgumentError("payload is not a csec.dispatch.v1.Envelope");
  }
  if (envelope.event_id().empty()) return absl::InvalidArgumentError("envelope.event_id is empty");
  if (envelope.case_id().empty()) return absl::InvalidArgumentError("envelope.case_id is empty");
  return envelope;
}

MessageHandler HandleEachEventOnce(RedisClient* redis, const std::string& consumer, EnvelopeHandler handle) {
  return [redis, consumer, handle = std::move(handle)](const ConsumedMessage& m) -> absl::Status {
    absl::StatusOr<Envelope> parsed = ParseEnvelope(m);
    if (!parsed.ok()) return parsed.status();
    const Envelope& envelope = *parsed;
    const std::string handled_key = absl::StrCat("csec:handled:", consumer, ":", envelope.event_id());
    absl::StatusOr<RedisReply> seen = redis->Command({"EXISTS", handled_key});
    if (!seen.ok()) return seen.status();
    if (seen->integer == 1) {
      static Counter& skipped = Metrics::Get().GetCounter("csec_events_skipped_duplicate_total",
                                                          "Events skipped because their id was handled before");
      skipped.Increment();
      return absl::OkStatus();
    }
    if (absl::Status s = handle(envelope); !s.ok()) return s;
    // Kept for 400 days: longer than any replay of the topics could reach back.
    absl::StatusOr<RedisReply> marked = redis->Command({"SET", handled_key, "1", "EX", "34560000"});
    return marked.ok() ? absl::OkStatus() : marked.status();
  };
}

}  // namespace csec
