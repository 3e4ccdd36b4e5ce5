#include "services/intake/intake_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "services/common/events.h"
#include "services/common/grpc_server.h"
#include "services/common/identity_seal.h"
#include "services/common/ids.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/intake/case_view.h"
#include "services/intake/referral_validation.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::ReportIdentificationRequest;
using csec::dispatch::v1::ReportIdentificationResponse;

// Deterministic bytes, so the same referral always has the same fingerprint.
std::string Fingerprint(const csec::dispatch::v1::Referral& referral) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    referral.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

// How often a WatchCase stream looks for a change: well under anything a person would notice.
constexpr absl::Duration kWatchPollInterval = absl::Milliseconds(200);

Counter& Reported() {
  static Counter& c = Metrics::Get().GetCounter("csec_intake_referrals_total",
                                                "Referrals acknowledged by Kafka", "outcome=\"new\"");
  return c;
}
Counter& Duplicates() {
  static Counter& c = Metrics::Get().GetCounter("csec_intake_referrals_total",
                                                "Referrals acknowledged by Kafka", "outcome=\"duplicate\"");
  return c;
}
Counter& Refused() {
  static Counter& c = Metrics::Get().GetCounter("csec_intake_referrals_refused_total",
                                                "Referrals refused by validation");
  return c;
}

}  // namespace

absl::StatusOr<std::string> Intake::CaseKey(const std::string& case_id) {
  const std::string key_name = absl::StrCat("csec:casekey:", case_id);
  // NX: a retried call must seal with the key the first call made, never a second one.
  absl::StatusOr<RedisReply> set = redis_->Command({"SET", key_name, RandomBytes(kCaseKeyBytes), "NX"});
  if (!set.ok()) return set.status();
  absl::StatusOr<RedisReply> key = redis_->Command({"GET", key_name});
  if (!key.ok()) return key.status();
  if (key->str.size() != kCaseKeyBytes) return absl::InternalError("case key in Redis is damaged");
  return key->str;
}

absl::Status Intake::Publish(const Envelope& envelope, absl::string_view what, absl::string_view retry_key) {
  absl::Status acked = producer_->Produce(kIntakeTopic, envelope.case_id(), envelope.SerializeAsString());
  if (acked.ok()) return acked;
  log::Error("intake.kafka_unavailable", {{"case_id", envelope.case_id()}, {"error", acked.ToString()}});
  return absl::UnavailableError(absl::StrCat("Kafka did not acknowledge the ", what,
                                             ", so it is not recorded; retry with the same ", retry_key, " (",
                                             acked.message(), ")"));
}

void Intake::AddToCaseView(const Envelope& envelope) {
  // Read-your-writes: the case exists for GetCase and later facts as soon as we answer. If
  // this fails, the projector adds the same event from Kafka shortly.
  if (absl::StatusOr<bool> added = cases_.Add(envelope); !added.ok()) {
    log::Warn("intake.case_view_lagging", {{"case_id", envelope.case_id()}, {"error", added.status().ToString()}});
  }
}

absl::StatusOr<ReportIdentificationResponse> Intake::ReportIdentification(const ReportIdentificationRequest& request) {
  if (absl::Status valid = ValidateReport(request, clock_->Now()); !valid.ok()) {
    Refused().Increment();
    return valid;
  }
  const auto& source = request.referral().source();
  const std::string scoped_key = absl::StrCat(source.agency_id(), "/", request.idempotency_key());
  const std::string case_id = DeriveId("case", scoped_key);
  const std::string event_id = DeriveId("intake.referral-received", case_id);
  const std::string fingerprint = Fingerprint(request.referral());
  const std::string idem_key = absl::StrCat("csec:intake:idem:", Sha256Hex(scoped_key));

  ReportIdentificationResponse response;
  response.set_case_id(case_id);
  response.set_event_id(event_id);

  absl::StatusOr<RedisReply> seen = redis_->Command({"GET", idem_key});
  if (!seen.ok()) return absl::UnavailableError(absl::StrCat("case store unavailable, nothing recorded: ", seen.status().message()));
  if (!seen->is_nil()) {
    if (seen->str != fingerprint) {
      return absl::AlreadyExistsError(absl::StrCat("idempotency_key: \"", request.idempotency_key(),
                                                   "\" was already used for a different referral; use a new key"));
    }
    Duplicates().Increment();
    response.set_duplicate(true);
    return response;
  }

  absl::StatusOr<std::string> case_key = CaseKey(case_id);
  if (!case_key.ok()) return absl::UnavailableError(absl::StrCat("case store unavailable, nothing recorded: ", case_key.status().message()));

  Envelope envelope = NewEnvelope(event_id, case_id, "intake", clock_->Now());
  envelope.set_request_id(request.idempotency_key());
  envelope.set_trace_id(NewRandomId());
  auto* received = envelope.mutable_referral_received();
  *received->mutable_referral() = request.referral();
  received->mutable_referral()->mutable_youth()->clear_identity();
  received->set_idempotency_key(request.idempotency_key());
  absl::StatusOr<csec::dispatch::v1::SealedIdentity> sealed =
      SealIdentity(request.referral().youth().identity(), *case_key, case_id);
  if (!sealed.ok()) return sealed.status();
  *received->mutable_sealed_identity() = *std::move(sealed);

  if (absl::Status published = Publish(envelope, "referral", "idempotency_key"); !published.ok()) return published;
  // Remembered only now that Kafka has it; kept 400 days, past any retry window.
  if (absl::StatusOr<RedisReply> remembered = redis_->Command({"SET", idem_key, fingerprint, "EX", "34560000"});
      !remembered.ok()) {
    // The referral is recorded; a retry will produce the same event id again, which is dropped
    // downstream. So this is worth a warning, not a failure.
    log::Warn("intake.idempotency_not_remembered", {{"case_id", case_id}, {"error", remembered.status().ToString()}});
  }
  AddToCaseView(envelope);
  Reported().Increment();
  log::Info("intake.referral_reported", {{"case_id", case_id}, {"event_id", event_id},
                                         {"station_id", source.station_id()}});
  return response;
}

absl::StatusOr<Intake::FactResponse> Intake::RecordFact(absl::string_view fact, const std::string& request_id,
                                                       const std::string& case_id, absl::Status valid,
                                                       const std::function<void(Envelope&)>& set_body) {
  if (!valid.ok()) {
    Refused().Increment();
    return valid;
  }
  absl::StatusOr<bool> known = cases_.Exists(case_id);
  if (!known.ok()) return absl::UnavailableError(absl::StrCat("case store unavailable, nothing recorded: ", known.status().message()));
  if (!*known) {
    return absl::NotFoundError(absl::StrCat("case_id: no case \"", case_id, "\" was reported to intake"));
  }
  FactResponse response;
  response.set_event_id(DeriveId(absl::StrCat("intake.", fact), absl::StrCat(case_id, "/", request_id)));
  absl::StatusOr<bool> seen = cases_.HasEvent(case_id, response.event_id());
  if (!seen.ok()) return absl::UnavailableError(absl::StrCat("case store unavailable, nothing recorded: ", seen.status().message()));
  if (*seen) {
    response.set_duplicate(true);
    return response;
  }
  Envelope envelope = NewEnvelope(response.event_id(), case_id, "intake", clock_->Now());
  envelope.set_request_id(request_id);
  envelope.set_trace_id(NewRandomId());
  set_body(envelope);
  if (absl::Status published = Publish(envelope, fact, "request_id"); !published.ok()) return published;
  AddToCaseView(envelope);
  log::Info("intake.fact_recorded", {{"case_id", case_id}, {"event_id", response.event_id()}, {"fact", fact}});
  return response;
}

absl::StatusOr<Intake::FactResponse> Intake::RecordArrival(const csec::dispatch::v1::RecordArrivalRequest& r) {
  return RecordFact("arrival", r.request_id(), r.case_id(), ValidateArrival(r, clock_->Now()),
                    [&](Envelope& e) { *e.mutable_arrival_recorded() = r.arrival(); });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordMdt(const csec::dispatch::v1::RecordMdtRequest& r) {
  return RecordFact("mdt", r.request_id(), r.case_id(), ValidateMdt(r, clock_->Now()),
                    [&](Envelope& e) { *e.mutable_mdt_recorded() = r.mdt(); });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordPlacement(const csec::dispatch::v1::RecordPlacementRequest& r) {
  return RecordFact("placement", r.request_id(), r.case_id(), ValidatePlacement(r, clock_->Now()),
                    [&](Envelope& e) { *e.mutable_placement_recorded() = r.placement(); });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordMedicalExam(const csec::dispatch::v1::RecordMedicalExamRequest& r) {
  return RecordFact("medical-exam", r.request_id(), r.case_id(), ValidateMedicalExam(r, clock_->Now()),
                    [&](Envelope& e) { *e.mutable_medical_exam_recorded() = r.exam(); });
}

absl::StatusOr<Intake::FactResponse> Intake::CloseCase(const csec::dispatch::v1::CloseCaseRequest& r) {
  return RecordFact("close", r.request_id(), r.case_id(), ValidateClose(r, clock_->Now()),
                    [&](Envelope& e) { *e.mutable_case_closed() = r.closed(); });
}

absl::StatusOr<csec::dispatch::v1::CaseView> Intake::GetCase(const std::string& case_id) {
  if (case_id.empty()) return absl::InvalidArgumentError("case_id: required");
  absl::StatusOr<std::vector<Envelope>> events = cases_.Events(case_id);
  if (!events.ok()) return absl::UnavailableError(absl::StrCat("case store unavailable: ", events.status().message()));
  if (events->empty()) return absl::NotFoundError(absl::StrCat("case_id: no case \"", case_id, "\" is known"));
  return BuildCaseView(case_id, *std::move(events), *config_->Current(), clock_->Now());
}

absl::StatusOr<int64_t> Intake::CaseVersion(const std::string& case_id) { return cases_.Version(case_id); }

grpc::Status IntakeGrpcService::ReportIdentification(grpc::ServerContext*,
                                                     const ReportIdentificationRequest* request,
                                                     ReportIdentificationResponse* response) {
  absl::StatusOr<ReportIdentificationResponse> result = intake_->ReportIdentification(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace csec::intake

namespace csec::intake {

// Each fact RPC is the same adapter: call, map the status, copy the answer.
#define CSEC_FACT_RPC(Method, Request)                                                              \
  grpc::Status IntakeGrpcService::Method(grpc::ServerContext*, const csec::dispatch::v1::Request* request, \
                                         csec::dispatch::v1::RecordFactResponse* response) {         \
    absl::StatusOr<Intake::FactResponse> result = intake_->Method(*request);                        \
    if (!result.ok()) return ToGrpcStatus(result.status());                                         \
    *response = *std::move(result);                                                                 \
    return grpc::Status::OK;                                                                        \
  }

CSEC_FACT_RPC(RecordArrival, RecordArrivalRequest)
CSEC_FACT_RPC(RecordMdt, RecordMdtRequest)
CSEC_FACT_RPC(RecordPlacement, RecordPlacementRequest)
CSEC_FACT_RPC(RecordMedicalExam, RecordMedicalExamRequest)
CSEC_FACT_RPC(CloseCase, CloseCaseRequest)
#undef CSEC_FACT_RPC

grpc::Status IntakeGrpcService::GetCase(grpc::ServerContext*, const csec::dispatch::v1::GetCaseRequest* request,
                                        csec::dispatch::v1::CaseView* response) {
  absl::StatusOr<csec::dispatch::v1::CaseView> view = intake_->GetCase(request->case_id());
  if (!view.ok()) return ToGrpcStatus(view.status());
  *response = *std::move(view);
  return grpc::Status::OK;
}

grpc::Status IntakeGrpcService::WatchCase(grpc::ServerContext* context, const csec::dispatch::v1::WatchCaseRequest* request,
                                          grpc::ServerWriter<csec::dispatch::v1::CaseView>* writer) {
  int64_t sent_version = -1;
  while (!context->IsCancelled()) {
    // Polls the version counter in Redis: every intake replica sees every change that way,
    // whichever replica's projector wrote it.
    absl::StatusOr<int64_t> version = intake_->CaseVersion(request->case_id());
    if (!version.ok()) return ToGrpcStatus(absl::UnavailableError(version.status().message()));
    if (*version != sent_version) {
      absl::StatusOr<csec::dispatch::v1::CaseView> view = intake_->GetCase(request->case_id());
      if (!view.ok()) return ToGrpcStatus(view.status());
      if (!writer->Write(*view)) break;  // the caller went away
      sent_version = view->version();
    }
    absl::SleepFor(kWatchPollInterval);
  }
  return grpc::Status::OK;
}

}  // namespace csec::intake
