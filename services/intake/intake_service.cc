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

  if (absl::Status acked = producer_->Produce(kIntakeTopic, case_id, envelope.SerializeAsString()); !acked.ok()) {
    log::Error("intake.kafka_unavailable", {{"case_id", case_id}, {"error", acked.ToString()}});
    return absl::UnavailableError(absl::StrCat(
        "Kafka did not acknowledge the referral, so it is not recorded; retry with the same idempotency_key (",
        acked.message(), ")"));
  }
  // Remembered only now that Kafka has it; kept 400 days, past any retry window.
  if (absl::StatusOr<RedisReply> remembered = redis_->Command({"SET", idem_key, fingerprint, "EX", "34560000"});
      !remembered.ok()) {
    // The referral is recorded; a retry will produce the same event id again, which is dropped
    // downstream. So this is worth a warning, not a failure.
    log::Warn("intake.idempotency_not_remembered", {{"case_id", case_id}, {"error", remembered.status().ToString()}});
  }
  Reported().Increment();
  log::Info("intake.referral_reported", {{"case_id", case_id}, {"event_id", event_id},
                                         {"station_id", source.station_id()}});
  return response;
}

grpc::Status IntakeGrpcService::ReportIdentification(grpc::ServerContext*,
                                                     const ReportIdentificationRequest* request,
                                                     ReportIdentificationResponse* response) {
  absl::StatusOr<ReportIdentificationResponse> result = intake_->ReportIdentification(*request);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace csec::intake
