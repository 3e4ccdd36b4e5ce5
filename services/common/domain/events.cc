#include "services/common/domain/events.h"

#include "absl/strings/str_cat.h"
#include "services/common/base/clock.h"

namespace csec {

using csec::dispatch::v1::Envelope;

std::string TopicOfService(absl::string_view service) {
  if (service == "intake") return kIntakeTopic;
  if (service == "routing") return kRoutingTopic;
  if (service == "paging") return kPagingTopic;
  if (service == "medical") return kMedicalTopic;
  if (service == "timers") return kTimersTopic;
  return "";
}

std::vector<std::string> ProjectedTopics() {
  return {kIntakeTopic, kRoutingTopic, kPagingTopic, kMedicalTopic, kTimersTopic};
}

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

absl::Time FactTime(const Envelope& e) {
  const google::protobuf::Timestamp* own = nullptr;
  switch (e.body_case()) {
    case Envelope::kArrivalRecorded:
      if (e.arrival_recorded().has_arrived_at()) own = &e.arrival_recorded().arrived_at();
      break;
    case Envelope::kMdtRecorded:
      if (e.mdt_recorded().has_held_at()) own = &e.mdt_recorded().held_at();
      break;
    case Envelope::kPlacementRecorded:
      if (e.placement_recorded().has_placed_at()) own = &e.placement_recorded().placed_at();
      break;
    case Envelope::kMedicalExamRecorded:
      if (e.medical_exam_recorded().has_examined_at()) own = &e.medical_exam_recorded().examined_at();
      break;
    case Envelope::kCaseClosed:
      if (e.case_closed().has_closed_at()) own = &e.case_closed().closed_at();
      break;
    case Envelope::kDeadlineMet:
      if (e.deadline_met().has_met_at()) own = &e.deadline_met().met_at();
      break;
    default:
      break;
  }
  return FromProtoTime(own != nullptr ? *own : e.occurred_at());
}

absl::Time IdentifiedAt(const Envelope& e) {
  if (e.has_case_routed() && e.case_routed().has_identified_at()) return FromProtoTime(e.case_routed().identified_at());
  if (e.has_referral_received() && e.referral_received().referral().has_identified_at()) {
    return FromProtoTime(e.referral_received().referral().identified_at());
  }
  return FactTime(e);
}

absl::StatusOr<Envelope> ParseEnvelope(absl::string_view payload) {
  Envelope envelope;
  if (!envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError("payload is not a csec.dispatch.v1.Envelope");
  }
  if (envelope.event_id().empty()) return absl::InvalidArgumentError("envelope.event_id is empty");
  if (envelope.case_id().empty()) return absl::InvalidArgumentError("envelope.case_id is empty");
  if (envelope.body_case() == Envelope::BODY_NOT_SET) {
    return absl::InvalidArgumentError("envelope has no body: no event of a known kind");
  }
  // Every consumer refuses the same incomplete events, so none becomes half a case somewhere.
  if (envelope.has_referral_received() && !envelope.referral_received().has_referral()) {
    return absl::InvalidArgumentError("referral_received.referral is missing: nothing to route or show");
  }
  return envelope;
}

}  // namespace csec
