#include "services/intake/intake_service.h"

#include <chrono>
#include <future>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/domain/identity_seal.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/common/serving/grpc_call.h"
#include "services/common/serving/metrics.h"
#include "services/intake/case_view.h"
#include "services/intake/intake_keys.h"
#include "services/intake/referral_validation.h"

namespace csec::intake {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::ReportIdentificationRequest;
using csec::dispatch::v1::ReportIdentificationResponse;

// Deterministic bytes, so the same message always has the same fingerprint.
std::string Fingerprint(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

const std::string& ReservationTtlMs() {
  static const std::string* ms =
      new std::string(absl::StrCat(absl::ToInt64Milliseconds(redis_keys::kReservationHorizon)));
  return *ms;
}

// Reserves a report's idempotency key for its fingerprints and makes the case's sealing key, in
// one step. KEYS: reservation, sealing key, intake epoch. ARGV: fingerprint, a fresh key, ttl ms,
// public fingerprint (without the identity). A reservation rebuilt from Kafka knows only the
// public one ("done::<public>"), and is compared on that.
// Returns {state, sealing key}: "new" (reserved now), "pending" (the same referral, whose
// publication was never confirmed), "done" (the same referral, published), "conflict", or "lost"
// (Redis lost intake's state: nothing can be decided until it is rebuilt).
const RedisScript& ReserveReportScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('EXISTS', KEYS[3]) == 0 then return {'lost', ''} end
local held = redis.call('GET', KEYS[1])
if held then
  local state, full, public = string.match(held, '^(%a+):([^:]*):?(.*)$')
  local same
  if full ~= '' then same = full == ARGV[1] else same = public == ARGV[4] end
  if not same then return {'conflict', ''} end
  return {state, redis.call('GET', KEYS[2]) or ''}
end
redis.call('SET', KEYS[1], 'pending:' .. ARGV[1] .. ':' .. ARGV[4], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'NX')
return {'new', redis.call('GET', KEYS[2])}
)lua");
  return *script;
}

// Reserves a fact's request id for its fingerprint, if the case exists. KEYS: case events,
// reservation, intake epoch. ARGV: fingerprint, ttl ms. Returns "lost", "unknown", "conflict",
// "new", "pending", "done".
const RedisScript& ReserveFactScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('EXISTS', KEYS[3]) == 0 then return 'lost' end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local held = redis.call('GET', KEYS[2])
if held then
  local state, fingerprint = string.match(held, '^(%a+):(.*)$')
  if fingerprint ~= ARGV[1] then return 'conflict' end
  return state
end
redis.call('SET', KEYS[2], 'pending:' .. ARGV[1], 'PX', ARGV[2])
return 'new'
)lua");
  return *script;
}

// After Kafka's acknowledgement. KEYS: case events, case version, reservation. ARGV:
// fingerprint, ttl ms, event id, envelope bytes. The case's events key comes first so the script
// travels on that key's Redis lane, ahead of any later read of the case from this process.
const RedisScript& PublishedScript() {
  static const RedisScript* script = new RedisScript(R"lua(
redis.call('SET', KEYS[3], 'done:' .. ARGV[1], 'PX', ARGV[2])
if redis.call('HSETNX', KEYS[1], ARGV[3], ARGV[4]) == 1 then redis.call('INCR', KEYS[2]) end
return 1
)lua");
  return *script;
}

Counter& Accepted(absl::string_view outcome) {
  return Metrics::Get().GetCounter("csec_intake_requests_total", "Reports and facts acknowledged by Kafka",
                                   Labels({{"outcome", outcome}}));
}

// Every refused request, by the status code it got (invalid_argument, already_exists, ...).
absl::Status Refuse(absl::Status status) {
  std::string reason = absl::StatusCodeToString(status.code());
  for (char& c : reason) c = static_cast<char>(c == ' ' ? '_' : std::tolower(static_cast<unsigned char>(c)));
  Metrics::Get()
      .GetCounter("csec_intake_refused_total", "Requests refused, by gRPC status code", Labels({{"reason", reason}}))
      .Increment();
  return status;
}

// The reservation in Redis comes before anything is published, so when Redis fails the report
// or fact is not recorded, whether or not the reservation itself was written: a retry with the
// same key finds it and publishes. Redis's own words ("may or may not have run", about its
// command) go to the log, not to the caller, for whom only the first is true.
// What a rebuild from Kafka restores: the reservation (if it has not lapsed) and the event in the
// case view, leaving alone a reservation already there. KEYS: case events, case version,
// reservation. ARGV: fingerprint, ttl ms (0: lapsed), event id, envelope bytes.
const RedisScript& RebuiltScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[3], 'done:' .. ARGV[1], 'PX', ARGV[2], 'NX') end
if redis.call('HSETNX', KEYS[1], ARGV[3], ARGV[4]) == 1 then redis.call('INCR', KEYS[2]) end
return 1
)lua");
  return *script;
}

// A report's fingerprints: of the whole referral, and of the referral without the youth's
// identity, which is what csec.intake.v1 holds (the identity goes sealed).
struct ReportFingerprints {
  std::string full;
  std::string public_part;
  // As a reservation keeps it, after "<state>:".
  std::string Stored() const { return absl::StrCat(full, ":", public_part); }
};
ReportFingerprints FingerprintReport(const csec::dispatch::v1::Referral& referral) {
  csec::dispatch::v1::Referral without_identity = referral;
  without_identity.mutable_youth()->clear_identity();
  return {.full = Fingerprint(referral), .public_part = Fingerprint(without_identity)};
}

// A fact's fingerprint covers its kind and content (the envelope's body), nothing the call does
// not choose.
std::string FingerprintFact(const Envelope& envelope) {
  Envelope body_only;
  const google::protobuf::OneofDescriptor* body = Envelope::descriptor()->FindOneofByName("body");
  const google::protobuf::Reflection* reflection = envelope.GetReflection();
  if (const google::protobuf::FieldDescriptor* field = reflection->GetOneofFieldDescriptor(envelope, body)) {
    reflection->MutableMessage(&body_only, field)->CopyFrom(reflection->GetMessage(envelope, field));
  }
  return Fingerprint(body_only);
}

absl::Status StateLost(absl::string_view what, absl::string_view retry_key) {
  return absl::UnavailableError(absl::StrCat(
      "intake's state in Redis was lost (flushed, or failed over to an empty replica) and intake is restarting to "
      "rebuild it from Kafka, so nothing was published: the ",
      what, " is not recorded; retry with the same ", retry_key));
}

absl::Status StoreUnavailable(const absl::Status& s, absl::string_view what, absl::string_view retry_key) {
  log::Warn("intake.case_store_unavailable", {{"error", s.ToString()}});
  return absl::UnavailableError(absl::StrCat("the case store (Redis) did not answer, so nothing was published: the ",
                                             what, " is not recorded; retry with the same ", retry_key));
}

// How long a call without a deadline of its own may take: Kafka's own message timeout.
constexpr absl::Duration kLongestWait = absl::Seconds(30);

// What the caller hears when Kafka did not acknowledge `what` (an event of `case_id`): retry
// with the same `retry_key`, which is safe whether or not it was written after all.
absl::Status KafkaRefusal(const absl::Status& acked, const std::string& case_id, absl::string_view what,
                          absl::string_view retry_key) {
  log::Error("intake.kafka_unacknowledged", {{"case_id", case_id}, {"error", acked.ToString()}});
  if (absl::IsDeadlineExceeded(acked)) {
    return Refuse(absl::DeadlineExceededError(
        absl::StrCat("Kafka had not acknowledged the ", what,
                     " when the call's deadline passed; it may still be recorded: retry with the same ", retry_key)));
  }
  return Refuse(absl::UnavailableError(absl::StrCat("Kafka did not acknowledge the ", what,
                                                    ", so it is not recorded; retry with the same ", retry_key, " (",
                                                    acked.message(), ")")));
}

}  // namespace

absl::Status Intake::KafkaReachable() const {
  absl::Status kafka = health_->Check("kafka");
  if (kafka.ok()) return kafka;
  return absl::UnavailableError(absl::StrCat(kafka.message(), "; nothing recorded, retry later"));
}

absl::Status Intake::Publish(const Envelope& envelope, absl::string_view bytes, absl::string_view what,
                             absl::string_view retry_key, absl::Time deadline) {
  absl::Status acked = producer_->Produce(envelope, bytes, deadline);
  return acked.ok() ? acked : KafkaRefusal(acked, envelope.case_id(), what, retry_key);
}

void Intake::MarkPublished(const std::string& reservation, const std::string& fingerprint, const Envelope& envelope,
                           std::string bytes, absl::AnyInvocable<void()> then) {
  // The caller is answered only after this, so a retry that follows the answer finds the
  // reservation done and is told "duplicate" rather than publishing again. If it fails, the event
  // is still recorded (Kafka has it): a retry publishes it again under the same id, dropped
  // downstream, and the projector adds it to the case view from Kafka shortly.
  redis_->EvalAsync(
      PublishedScript(),
      {redis_keys::CaseEvents(envelope.case_id()), redis_keys::CaseVersion(envelope.case_id()), reservation},
      {fingerprint, ReservationTtlMs(), envelope.event_id(), std::move(bytes)},
      [case_id = envelope.case_id(), then = std::move(then)](absl::StatusOr<RedisReply> marked) mutable {
        if (!marked.ok()) {
          log::Warn("intake.publication_not_marked", {{"case_id", case_id}, {"error", marked.status().ToString()}});
        }
        then();
      });
}

void Intake::ReportIdentification(const ReportIdentificationRequest& request, ReportDone done) {
  if (absl::Status valid = ValidateReport(request, clock_->Now(), *config_->Current()); !valid.ok()) {
    return done(Refuse(valid));
  }
  if (absl::Status kafka = KafkaReachable(); !kafka.ok()) return done(Refuse(kafka));
  const auto& source = request.referral().source();
  const std::string scoped_key = absl::StrCat(source.agency_id(), "/", request.idempotency_key());
  const std::string case_id = DeriveId("case", scoped_key);

  ReportIdentificationResponse response;
  response.set_case_id(case_id);
  response.set_event_id(DeriveId("intake.referral-received", case_id));
  const ReportFingerprints fingerprints = FingerprintReport(request.referral());
  std::string fingerprint = fingerprints.Stored();
  std::vector<std::string> args = {fingerprints.full, RandomBytes(kCaseKeyBytes), ReservationTtlMs(),
                                   fingerprints.public_part};
  redis_->EvalAsync(
      ReserveReportScript(),
      {redis_keys::ReportReservation(case_id), redis_keys::CaseSealingKey(case_id), redis_keys::IntakeEpoch()}, args,
      [this, &request, response = std::move(response), fingerprint = std::move(fingerprint),
       done = std::move(done)](absl::StatusOr<RedisReply> reserved) mutable {
        PublishReport(request, std::move(response), fingerprint, std::move(reserved), std::move(done));
      });
}

void Intake::PublishReport(const ReportIdentificationRequest& request, ReportIdentificationResponse response,
                           const std::string& fingerprint, absl::StatusOr<RedisReply> reserved, ReportDone done) {
  if (!reserved.ok()) return done(Refuse(StoreUnavailable(reserved.status(), "report", "idempotency_key")));
  if (reserved->elements.size() != 2) return done(absl::InternalError("idempotency reservation: unexpected answer"));
  const std::string& state = reserved->elements[0].str;
  if (state == "lost") return done(Refuse(StateLost("report", "idempotency_key")));
  if (state == "conflict") {
    return done(
        Refuse(absl::AlreadyExistsError(absl::StrCat("idempotency_key: \"", request.idempotency_key(),
                                                     "\" was already used for a different referral; use a new key"))));
  }
  if (state == "done") {
    Accepted("duplicate").Increment();
    response.set_duplicate(true);
    return done(std::move(response));
  }
  const std::string& case_key = reserved->elements[1].str;
  if (case_key.size() != kCaseKeyBytes) return done(absl::InternalError("case key in Redis is damaged"));

  const std::string& case_id = response.case_id();
  Envelope envelope = NewEnvelope(response.event_id(), case_id, "intake", clock_->Now());
  envelope.set_request_id(request.idempotency_key());
  envelope.set_trace_id(NewRandomId());
  auto* received = envelope.mutable_referral_received();
  *received->mutable_referral() = request.referral();
  received->mutable_referral()->mutable_youth()->clear_identity();
  received->set_idempotency_key(request.idempotency_key());
  absl::StatusOr<csec::dispatch::v1::SealedIdentity> sealed =
      SealIdentity(request.referral().youth().identity(), case_key, case_id);
  if (!sealed.ok()) return done(sealed.status());
  *received->mutable_sealed_identity() = *std::move(sealed);

  std::string bytes = envelope.SerializeAsString();
  // Shared rather than moved into the callback: the order in which the arguments are made is
  // unspecified, and the producer must still read the case id.
  auto published = std::make_shared<const Envelope>(std::move(envelope));
  producer_->ProduceAsync(
      *published, bytes,
      [this, done = std::move(done), response, fingerprint, bytes, state, published,
       station_id = request.referral().source().station_id()](absl::Status acked) mutable {
        if (!acked.ok()) return done(KafkaRefusal(acked, response.case_id(), "referral", "idempotency_key"));
        Accepted(state == "new" ? "new" : "republished").Increment();
        log::Info("intake.referral_reported",
                  {{"case_id", response.case_id()}, {"event_id", response.event_id()}, {"station_id", station_id}});
        const std::string reservation = redis_keys::ReportReservation(response.case_id());
        MarkPublished(
            reservation, fingerprint, *published, std::move(bytes),
            [done = std::move(done), response = std::move(response)]() mutable { done(std::move(response)); });
      });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordFact(absl::string_view fact, const std::string& request_id,
                                                        const std::string& case_id, absl::Status valid,
                                                        absl::Time deadline,
                                                        const std::function<void(Envelope&)>& set_body) {
  if (!valid.ok()) return Refuse(valid);
  if (absl::Status kafka = KafkaReachable(); !kafka.ok()) return Refuse(kafka);
  Envelope body_only;
  set_body(body_only);
  const std::string fingerprint = FingerprintFact(body_only);
  const std::string reservation = redis_keys::FactReservation(case_id, Sha256Hex(request_id));
  absl::StatusOr<RedisReply> reserved =
      redis_->Eval(ReserveFactScript(), {redis_keys::CaseEvents(case_id), reservation, redis_keys::IntakeEpoch()},
                   {fingerprint, ReservationTtlMs()}, deadline);
  if (!reserved.ok()) return Refuse(StoreUnavailable(reserved.status(), fact, "request_id"));
  const std::string& state = reserved->str;
  if (state == "lost") return Refuse(StateLost(fact, "request_id"));
  if (state == "unknown") {
    return Refuse(absl::NotFoundError(absl::StrCat("case_id: no case \"", case_id, "\" was reported to intake")));
  }
  if (state == "conflict") {
    return Refuse(absl::AlreadyExistsError(absl::StrCat(
        "request_id: \"", request_id, "\" was already used for a different fact on this case; use a new request_id")));
  }
  FactResponse response;
  response.set_event_id(DeriveId(absl::StrCat("intake.", fact), absl::StrCat(case_id, "/", request_id)));
  if (state == "done") {
    Accepted("duplicate").Increment();
    response.set_duplicate(true);
    return response;
  }
  Envelope envelope = NewEnvelope(response.event_id(), case_id, "intake", clock_->Now());
  envelope.set_request_id(request_id);
  envelope.set_trace_id(NewRandomId());
  set_body(envelope);
  std::string bytes = envelope.SerializeAsString();
  RETURN_IF_ERROR(Publish(envelope, bytes, fact, "request_id", deadline));
  std::promise<void> marked;
  MarkPublished(reservation, fingerprint, envelope, std::move(bytes), [&marked] { marked.set_value(); });
  marked.get_future().wait();
  Accepted(state == "new" ? "new" : "republished").Increment();
  log::Info("intake.fact_recorded", {{"case_id", case_id}, {"event_id", response.event_id()}, {"fact", fact}});
  return response;
}

absl::StatusOr<Intake::FactResponse> Intake::RecordArrival(const csec::dispatch::v1::RecordArrivalRequest& r,
                                                           absl::Time deadline) {
  return RecordFact("arrival", r.request_id(), r.case_id(), ValidateArrival(r, clock_->Now()), deadline,
                    [&](Envelope& e) { *e.mutable_arrival_recorded() = r.arrival(); });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordMdt(const csec::dispatch::v1::RecordMdtRequest& r,
                                                       absl::Time deadline) {
  return RecordFact("mdt", r.request_id(), r.case_id(), ValidateMdt(r, clock_->Now()), deadline,
                    [&](Envelope& e) { *e.mutable_mdt_recorded() = r.mdt(); });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordPlacement(const csec::dispatch::v1::RecordPlacementRequest& r,
                                                             absl::Time deadline) {
  return RecordFact("placement", r.request_id(), r.case_id(), ValidatePlacement(r, clock_->Now()), deadline,
                    [&](Envelope& e) { *e.mutable_placement_recorded() = r.placement(); });
}

absl::StatusOr<Intake::FactResponse> Intake::RecordMedicalExam(const csec::dispatch::v1::RecordMedicalExamRequest& r,
                                                               absl::Time deadline) {
  return RecordFact("medical-exam", r.request_id(), r.case_id(), ValidateMedicalExam(r, clock_->Now()), deadline,
                    [&](Envelope& e) { *e.mutable_medical_exam_recorded() = r.exam(); });
}

absl::StatusOr<Intake::FactResponse> Intake::CloseCase(const csec::dispatch::v1::CloseCaseRequest& r,
                                                       absl::Time deadline) {
  return RecordFact("close", r.request_id(), r.case_id(), ValidateClose(r, clock_->Now()), deadline,
                    [&](Envelope& e) { *e.mutable_case_closed() = r.closed(); });
}

absl::StatusOr<csec::dispatch::v1::CaseView> Intake::GetCase(const std::string& case_id) {
  if (case_id.empty()) return absl::InvalidArgumentError("case_id: required");
  absl::StatusOr<std::vector<Envelope>> events = cases_.Events(case_id);
  if (!events.ok()) return absl::UnavailableError(absl::StrCat("case store unavailable: ", events.status().message()));
  if (events->empty()) return absl::NotFoundError(absl::StrCat("case_id: no case \"", case_id, "\" is known"));
  return BuildCaseView(case_id, *std::move(events));
}

absl::StatusOr<int64_t> Intake::CaseVersion(const std::string& case_id) { return cases_.Version(case_id); }

absl::Status RebuildIntakeState(RedisClient* redis, const KafkaSettings& kafka, int64_t* events) {
  RedisBatch batch(redis);
  const absl::Time now = absl::Now();
  absl::Status scanned =
      ScanTopic(kafka, kIntakeTopic, absl::Minutes(30), /*stop_at_end=*/true, [&](const ConsumedMessage& m) {
        absl::StatusOr<Envelope> e = ParseEnvelope(m.payload);
        if (!e.ok()) return true;  // dead-lettered when it was new
        std::string reservation, fingerprint;
        if (e->has_referral_received()) {
          reservation = redis_keys::ReportReservation(e->case_id());
          // The identity went sealed: only the public fingerprint can be restored.
          fingerprint = absl::StrCat(":", Fingerprint(e->referral_received().referral()));
        } else if (!e->request_id().empty()) {
          reservation = redis_keys::FactReservation(e->case_id(), Sha256Hex(e->request_id()));
          fingerprint = FingerprintFact(*e);
        } else {
          return true;
        }
        // The horizon counts from when Kafka took the event (real time, whatever the protocol clock).
        const absl::Duration left = redis_keys::kReservationHorizon - (now - absl::FromUnixMillis(m.timestamp_ms));
        ++*events;
        batch.Eval(RebuiltScript(),
                   {redis_keys::CaseEvents(e->case_id()), redis_keys::CaseVersion(e->case_id()), reservation},
                   {fingerprint, absl::StrCat(std::max<int64_t>(0, absl::ToInt64Milliseconds(left))), e->event_id(),
                    m.payload});
        return true;
      });
  absl::Status written = batch.Wait();
  return scanned.ok() ? written : scanned;
}

grpc::ServerUnaryReactor* IntakeGrpcService::ReportIdentification(grpc::CallbackServerContext* context,
                                                                  const ReportIdentificationRequest* request,
                                                                  ReportIdentificationResponse* response) {
  return AnswerAsync(context, "ReportIdentification", [&](const RpcCall&, RpcFinish finish) {
    intake_->ReportIdentification(
        *request, [response, finish = std::move(finish)](absl::StatusOr<ReportIdentificationResponse> result) mutable {
          if (result.ok()) *response = *std::move(result);
          finish(result.status());
        });
  });
}

// Each fact RPC is the same: call with the caller's deadline, copy the answer.
#define CSEC_INTAKE_RPC(Method, Request, Response)                                                                 \
  grpc::Status IntakeGrpcService::Method(grpc::ServerContext* context, const csec::dispatch::v1::Request* request, \
                                         csec::dispatch::v1::Response* response) {                                 \
    return Answer(context, #Method, [&](const RpcCall& call) -> absl::Status {                                     \
      ASSIGN_OR_RETURN(*response, intake_->Method(*request, call.Deadline(kLongestWait)));                         \
      return absl::OkStatus();                                                                                     \
    });                                                                                                            \
  }

CSEC_INTAKE_RPC(RecordArrival, RecordArrivalRequest, RecordFactResponse)
CSEC_INTAKE_RPC(RecordMdt, RecordMdtRequest, RecordFactResponse)
CSEC_INTAKE_RPC(RecordPlacement, RecordPlacementRequest, RecordFactResponse)
CSEC_INTAKE_RPC(RecordMedicalExam, RecordMedicalExamRequest, RecordFactResponse)
CSEC_INTAKE_RPC(CloseCase, CloseCaseRequest, RecordFactResponse)
#undef CSEC_INTAKE_RPC

grpc::Status IntakeGrpcService::GetCase(grpc::ServerContext* context, const csec::dispatch::v1::GetCaseRequest* request,
                                        csec::dispatch::v1::CaseView* response) {
  return Answer(context, "GetCase", [&](const RpcCall&) -> absl::Status {
    ASSIGN_OR_RETURN(*response, intake_->GetCase(request->case_id()));
    return absl::OkStatus();
  });
}

// How often a WatchCase stream looks for a change: well under anything a person would notice.
constexpr absl::Duration kWatchPollInterval = absl::Milliseconds(200);

grpc::Status IntakeGrpcService::WatchCase(grpc::ServerContext* context,
                                          const csec::dispatch::v1::WatchCaseRequest* request,
                                          grpc::ServerWriter<csec::dispatch::v1::CaseView>* writer) {
  return Answer(context, "WatchCase", [&](const RpcCall& call) -> absl::Status {
    int64_t sent_version = -1;
    while (!call.cancelled()) {
      // Polls the version counter in Redis: every intake replica sees every change that way,
      // whichever replica's projector wrote it.
      absl::StatusOr<int64_t> version = intake_->CaseVersion(request->case_id());
      if (!version.ok()) return absl::UnavailableError(version.status().message());
      if (*version != sent_version) {
        absl::StatusOr<csec::dispatch::v1::CaseView> view = intake_->GetCase(request->case_id());
        if (!view.ok()) return view.status();
        if (!writer->Write(*view)) break;  // the caller went away
        sent_version = view->version();
      }
      absl::SleepFor(kWatchPollInterval);
    }
    return absl::OkStatus();
  });
}

}  // namespace csec::intake
