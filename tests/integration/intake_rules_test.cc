// The rules intake promises agency systems, and that routing keeps, against the real broker and
// Redis with intake and routing as real processes: one idempotency key is one referral even when
// two calls race, facts are fingerprinted by request id, a birth date is checked without being
// quoted back, the hotline's own referrals are routed, a station is reported only under its own
// agency, events that cannot be handled go to the dead letters without stopping anyone, and
// routing's "handled" markers expire and exist only for events it acted on.
#include <functional>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/intake_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/redis/redis.h"
#include "services/common/redis/redis_keys.h"
#include "services/routing/routing_rules.h"
#include "tests/integration/harness.h"
#include "tools/dispatchctl/sample_referrals.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::CaseView;
using csec::dispatch::v1::DeadLetter;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::IntakeService;
using csec::dispatch::v1::RecordArrivalRequest;
using csec::dispatch::v1::RecordFactResponse;
using csec::dispatch::v1::RecordMdtRequest;
using csec::dispatch::v1::ReportIdentificationRequest;
using csec::dispatch::v1::ReportIdentificationResponse;
using csec::tools::SampleKind;
using csec::tools::SampleReferral;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Routing's marker horizon in this suite (--dedupe_horizon), so its expiry can be checked.
constexpr int64_t kDedupeHorizonMs = 3600 * 1000;

class IntakeRules : public ::testing::Test {
 protected:
  // One intake and one routing for the suite: routing is a static group member
  // (--instance_id), and a second one joining would wait out the first's session.
  static void SetUpTestSuite() {
    stack_ = new StackEnv(StackEnv::FromEnvironment());
    auto intake = ServiceProcess::Start("csec-intake", *stack_, {});
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = intake->release();
    auto routing = ServiceProcess::Start("csec-routing", *stack_, {"--dedupe_horizon=1h"});
    ASSERT_TRUE(routing.ok()) << routing.status();
    routing_ = routing->release();
    stub_ = IntakeService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", intake_->port("grpc_port")),
                                                       grpc::InsecureChannelCredentials()))
                .release();
    auto redis = RedisClient::Connect(stack_->redis_address);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = redis->release();
    AwaitConsumersAtWork();
  }

  // Until routing and intake's projector own their partitions, nothing is routed or projected.
  // That can take a while: a member that a test before this one stopped keeps its partitions
  // for its session timeout (a static member does not leave the group). One referral routed
  // and seen routed in the case view (the projector reads csec.routing.v1) shows both at work.
  static void AwaitConsumersAtWork() {
    ReportIdentificationResponse warm_up;
    grpc::Status s = Report(SampleReferral(SampleKind::kNewToBoth, UniqueKey("warm-up"), absl::Now()), &warm_up);
    ASSERT_TRUE(s.ok()) << s.error_message();
    csec::dispatch::v1::GetCaseRequest get;
    get.set_case_id(warm_up.case_id());
    ASSERT_TRUE(WaitFor(
        [&] {
          CaseView view;
          return stub_->GetCase(Context().get(), get, &view).ok() && view.has_routing();
        },
        absl::Seconds(150)))
        << "routing or the case-view projector never got to work";
    consumers_at_work_ = true;
  }

  static void TearDownTestSuite() {
    delete redis_;
    delete stub_;
    delete routing_;
    delete intake_;
    delete stack_;
  }

  void SetUp() override {
    ASSERT_NE(stub_, nullptr) << "intake did not start";
    ASSERT_NE(routing_, nullptr) << "routing did not start";
    ASSERT_TRUE(consumers_at_work_) << "routing or the case-view projector never got to work";
  }

  static std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    return context;
  }

  static std::string UniqueKey(absl::string_view prefix) { return absl::StrCat(prefix, "-", NewRandomId()); }

  static grpc::Status Report(const ReportIdentificationRequest& request, ReportIdentificationResponse* response) {
    return stub_->ReportIdentification(Context().get(), request, response);
  }

  // Every message on `topic` as of now, parsed as an Envelope (unparseable ones skipped).
  static std::vector<std::pair<ConsumedMessage, Envelope>> ReadTopic(const std::string& topic) {
    std::vector<std::pair<ConsumedMessage, Envelope>> out;
    absl::Status s = ScanTopic(stack_->kafka("test"), topic, absl::Seconds(30), true, [&](const ConsumedMessage& m) {
      Envelope e;
      if (e.ParseFromString(m.payload)) out.emplace_back(m, std::move(e));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  // Waits for the first envelope on `topic` that `match`es.
  static absl::StatusOr<Envelope> AwaitEvent(const std::string& topic,
                                             const std::function<bool(const Envelope&)>& match) {
    Envelope found;
    absl::Status s = ScanTopic(stack_->kafka("test"), topic, absl::Seconds(60), false, [&](const ConsumedMessage& m) {
      Envelope e;
      if (e.ParseFromString(m.payload) && match(e)) {
        found = std::move(e);
        return false;
      }
      return true;
    });
    if (!s.ok()) return s;
    return found;
  }

  // The CaseRouted that routing emitted for the referral event `referral_event_id`.
  static absl::StatusOr<Envelope> AwaitRouted(const std::string& referral_event_id) {
    return AwaitEvent(kRoutingTopic, [&](const Envelope& e) {
      return e.has_case_routed() && e.case_routed().referral_event_id() == referral_event_id;
    });
  }

  // Whether anything on csec.intake.v1 was caused by a call with this idempotency key / request id.
  static bool AnythingPublishedFor(const std::string& request_id) {
    for (const auto& [m, e] : ReadTopic(kIntakeTopic)) {
      if (e.request_id() == request_id) return true;
    }
    return false;
  }

  static RecordArrivalRequest Arrival(const std::string& case_id, const std::string& request_id,
                                      const std::string& person_id) {
    RecordArrivalRequest r;
    r.set_request_id(request_id);
    r.set_case_id(case_id);
    r.mutable_arrival()->set_role(csec::dispatch::v1::RESPONDER_ROLE_RESPONDER);
    r.mutable_arrival()->set_person_id(person_id);
    *r.mutable_arrival()->mutable_arrived_at() = ToProtoTime(absl::Now() - absl::Minutes(3));
    return r;
  }

  static absl::StatusOr<int64_t> Pttl(const std::string& key) {
    ASSIGN_OR_RETURN(RedisReply reply, redis_->Command({"PTTL", key}, absl::Now() + absl::Seconds(5)));
    return reply.integer;
  }

  static StackEnv* stack_;
  static ServiceProcess* intake_;
  static ServiceProcess* routing_;
  static IntakeService::Stub* stub_;
  static RedisClient* redis_;
  static bool consumers_at_work_;
};

StackEnv* IntakeRules::stack_ = nullptr;
ServiceProcess* IntakeRules::intake_ = nullptr;
ServiceProcess* IntakeRules::routing_ = nullptr;
IntakeService::Stub* IntakeRules::stub_ = nullptr;
RedisClient* IntakeRules::redis_ = nullptr;
bool IntakeRules::consumers_at_work_ = false;

// 1. Two different referrals racing under one idempotency key: one is the case, the other is
// told the key is taken, and only the winner is on Kafka.
TEST_F(IntakeRules, TwoDifferentReferralsRacingOnOneKeyMakeOneCaseAndOneEvent) {
  constexpr int kRounds = 10;
  struct Round {
    grpc::Status status[2];
    ReportIdentificationResponse response[2];
  };
  std::vector<Round> rounds(kRounds);
  const int ages[2] = {14, 16};  // the two referrals differ only here
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = UniqueKey("race");
    ReportIdentificationRequest requests[2];
    for (int i = 0; i < 2; ++i) {
      requests[i] = SampleReferral(SampleKind::kOpenDcfs, key, absl::Now() - absl::Minutes(10));
      requests[i].mutable_referral()->mutable_youth()->set_age_years(ages[i]);
      requests[i].mutable_referral()->mutable_youth()->mutable_identity()->clear_birth_date();
    }
    std::latch start(2);
    std::vector<std::thread> callers;
    for (int i = 0; i < 2; ++i) {
      callers.emplace_back([&, i] {
        auto context = Context();
        start.arrive_and_wait();  // both calls leave together
        rounds[round].status[i] = stub_->ReportIdentification(context.get(), requests[i], &rounds[round].response[i]);
      });
    }
    for (auto& t : callers) t.join();
  }

  std::map<std::string, int> winner_age;  // case id → age of the referral that got OK
  std::map<std::string, std::string> winner_event;
  for (int round = 0; round < kRounds; ++round) {
    const Round& r = rounds[round];
    int ok = 0, exists = 0;
    for (int i = 0; i < 2; ++i) {
      if (r.status[i].ok()) {
        ++ok;
        EXPECT_FALSE(r.response[i].duplicate()) << "round " << round;
        winner_age[r.response[i].case_id()] = ages[i];
        winner_event[r.response[i].case_id()] = r.response[i].event_id();
      } else if (r.status[i].error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        ++exists;
        EXPECT_THAT(r.status[i].error_message(), HasSubstr("idempotency_key")) << "round " << round;
      } else {
        ADD_FAILURE() << "round " << round << ": unexpected answer " << r.status[i].error_code() << " "
                      << r.status[i].error_message();
      }
    }
    EXPECT_EQ(ok, 1) << "round " << round << ": exactly one of the racing referrals must be the case";
    EXPECT_EQ(exists, 1) << "round " << round;
  }

  std::map<std::string, std::vector<Envelope>> received;
  for (const auto& [m, e] : ReadTopic(kIntakeTopic)) {
    if (e.has_referral_received() && winner_age.count(e.case_id())) received[e.case_id()].push_back(e);
  }
  for (const auto& [case_id, age] : winner_age) {
    ASSERT_EQ(received[case_id].size(), 1u)
        << "case " << case_id << " has " << received[case_id].size() << " ReferralReceived events";
    const Envelope& e = received[case_id][0];
    EXPECT_EQ(e.event_id(), winner_event[case_id]);
    EXPECT_EQ(e.referral_received().referral().youth().age_years(), age)
        << "the referral on Kafka must be the one whose call was answered OK";
  }
}

TEST_F(IntakeRules, TheSameReferralSentTwiceIsOneCaseAndOneEvent) {
  const ReportIdentificationRequest request =
      SampleReferral(SampleKind::kOpenProbation, UniqueKey("twice"), absl::Now() - absl::Minutes(10));
  ReportIdentificationResponse first, second;
  grpc::Status s1 = Report(request, &first);
  ASSERT_TRUE(s1.ok()) << s1.error_message();
  grpc::Status s2 = Report(request, &second);
  ASSERT_TRUE(s2.ok()) << s2.error_message();
  EXPECT_EQ(second.case_id(), first.case_id());
  EXPECT_EQ(second.event_id(), first.event_id());
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  size_t events = 0;
  for (const auto& [m, e] : ReadTopic(kIntakeTopic)) events += e.case_id() == first.case_id();
  EXPECT_EQ(events, 1u);
}

// 2. A request id stands for one fact: reusing it for another fact is refused, repeating the
// same fact answers the first event.
TEST_F(IntakeRules, AFactsRequestIdStandsForThatFactOnly) {
  ReportIdentificationResponse report;
  grpc::Status reported =
      Report(SampleReferral(SampleKind::kNewToBoth, UniqueKey("facts"), absl::Now() - absl::Minutes(10)), &report);
  ASSERT_TRUE(reported.ok()) << reported.error_message();
  const std::string case_id = report.case_id();
  const std::string request_id = UniqueKey("arrival");

  const RecordArrivalRequest arrival = Arrival(case_id, request_id, "mart-sw-0031");
  RecordFactResponse first;
  grpc::Status s = stub_->RecordArrival(Context().get(), arrival, &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(first.duplicate());

  RecordArrivalRequest someone_else = arrival;
  someone_else.mutable_arrival()->set_person_id("mart-sw-0099");
  RecordFactResponse ignored;
  s = stub_->RecordArrival(Context().get(), someone_else, &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));

  RecordFactResponse again;
  s = stub_->RecordArrival(Context().get(), arrival, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.event_id(), first.event_id());

  RecordMdtRequest mdt;
  mdt.set_request_id(request_id);
  mdt.set_case_id(case_id);
  *mdt.mutable_mdt()->mutable_held_at() = ToProtoTime(absl::Now() - absl::Minutes(1));
  mdt.mutable_mdt()->add_participant_ids("mart-sw-0031");
  s = stub_->RecordMdt(Context().get(), mdt, &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));

  std::vector<Envelope> facts;
  for (const auto& [m, e] : ReadTopic(kIntakeTopic)) {
    if (e.case_id() == case_id && e.request_id() == request_id) facts.push_back(e);
  }
  ASSERT_EQ(facts.size(), 1u) << "one request id, one fact on the topic";
  EXPECT_TRUE(facts[0].has_arrival_recorded());
  EXPECT_EQ(facts[0].event_id(), first.event_id());
  EXPECT_EQ(facts[0].arrival_recorded().person_id(), "mart-sw-0031");
}

// 3. The birth date is checked, and never quoted back; nothing is published for a refusal.
TEST_F(IntakeRules, ABadOrAdultBirthDateIsRefusedWithoutQuotingItAndNothingIsPublished) {
  const std::string bad_key = UniqueKey("bad-birth-date");
  ReportIdentificationRequest bad = SampleReferral(SampleKind::kNewToBoth, bad_key, absl::Now() - absl::Minutes(10));
  bad.mutable_referral()->mutable_youth()->mutable_identity()->set_birth_date("01/02/2010");
  ReportIdentificationResponse response;
  grpc::Status s = Report(bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), AllOf(HasSubstr("referral.youth.identity.birth_date"), Not(HasSubstr("01/02/2010"))));

  const std::string adult_key = UniqueKey("adult-birth-date");
  ReportIdentificationRequest adult =
      SampleReferral(SampleKind::kNewToBoth, adult_key, absl::Now() - absl::Minutes(10));
  adult.mutable_referral()->mutable_youth()->clear_age_years();  // only the birth date tells her age
  adult.mutable_referral()->mutable_youth()->mutable_identity()->set_birth_date("2000-01-01");
  s = Report(adult, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), Not(HasSubstr("2000-01-01")));

  EXPECT_FALSE(AnythingPublishedFor(bad_key));
  EXPECT_FALSE(AnythingPublishedFor(adult_key));
}

// 4. The hotline itself originates a referral: no station, and still routed.
TEST_F(IntakeRules, AHotlineReferralWithoutStationIsAcceptedAndGetsTheStandardResponse) {
  ReportIdentificationRequest request =
      SampleReferral(SampleKind::kNewToBoth, UniqueKey("hotline"), absl::Now() - absl::Minutes(10));
  auto* source = request.mutable_referral()->mutable_source();
  source->set_kind(csec::dispatch::v1::SOURCE_KIND_HOTLINE);
  source->set_agency_id("cph");
  source->clear_station_id();
  ReportIdentificationResponse response;
  grpc::Status s = Report(request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();

  absl::StatusOr<Envelope> routed = AwaitRouted(response.event_id());
  ASSERT_TRUE(routed.ok()) << routed.status();
  EXPECT_EQ(routed->case_id(), response.case_id());
  EXPECT_EQ(routed->case_routed().agency(), csec::dispatch::v1::RESPONDER_AGENCY_STANDARD_HOTLINE);
  EXPECT_TRUE(routed->case_routed().supervisor_review());
  EXPECT_EQ(routed->case_routed().rule_id(), kRuleHotlineOriginated);
}

// 5. A station reported under an agency it does not belong to.
TEST_F(IntakeRules, AStationOfAnotherAgencyIsRefusedNamingBothFields) {
  const std::string key = UniqueKey("wrong-agency");
  ReportIdentificationRequest request = SampleReferral(SampleKind::kOpenDcfs, key, absl::Now() - absl::Minutes(10));
  request.mutable_referral()->mutable_source()->set_agency_id("lapd");
  request.mutable_referral()->mutable_source()->set_station_id("lasd-compton");
  ReportIdentificationResponse response;
  grpc::Status s = Report(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(),
              AllOf(HasSubstr("referral.source.station_id"), HasSubstr("referral.source.agency_id")));
  EXPECT_FALSE(AnythingPublishedFor(key));
}

// 6. Envelopes that parse but cannot be handled: dead-lettered by each group that refuses them,
// never made into a case, and the partition goes on.
TEST_F(IntakeRules, AnEnvelopeThatCannotBeHandledIsDeadLetteredByEachConsumerAndTheyMoveOn) {
  Envelope without_referral = NewEnvelope(NewRandomId(), UniqueKey("dl-no-referral"), "test", absl::Now());
  without_referral.mutable_referral_received()->set_idempotency_key("no-referral-here");
  Envelope without_body = NewEnvelope(NewRandomId(), UniqueKey("dl-no-body"), "test", absl::Now());
  const std::string case_a = without_referral.case_id();
  const std::string case_b = without_body.case_id();
  // One Kafka key for both, so both are on one partition, the bodiless one last.
  const std::string key = UniqueKey("dl-key");
  {
    auto producer = KafkaProducer::Create(stack_->kafka("intake-rules-test"));
    ASSERT_TRUE(producer.ok()) << producer.status();
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    ASSERT_TRUE((*producer)->Produce(kIntakeTopic, key, without_referral.SerializeAsString(), deadline).ok());
    ASSERT_TRUE((*producer)->Produce(kIntakeTopic, key, without_body.SerializeAsString(), deadline).ok());
  }
  // Where each landed (by case id), to compare with the dead letters.
  std::map<std::string, ConsumedMessage> produced;
  for (const auto& [m, e] : ReadTopic(kIntakeTopic)) {
    if (m.key == key) produced[e.case_id()] = m;
  }
  ASSERT_EQ(produced.size(), 2u);

  // (case id, consumer group) → its dead letter.
  std::map<std::pair<std::string, std::string>, DeadLetter> letters;
  const std::set<std::pair<std::string, std::string>> expected = {
      {case_a, "routing"}, {case_b, "routing"}, {case_b, "case-view"}};
  absl::Status s =
      ScanTopic(stack_->kafka("test"), kDeadLetterTopic, absl::Seconds(60), false, [&](const ConsumedMessage& m) {
        DeadLetter letter;
        Envelope refused;
        if (letter.ParseFromString(m.payload) && letter.key() == key && refused.ParseFromString(letter.payload())) {
          // The case view's group carries intake's state epoch: "case-view-<epoch>".
          const std::string consumer =
              absl::StartsWith(letter.consumer(), "case-view-") ? "case-view" : letter.consumer();
          letters[{refused.case_id(), consumer}] = letter;
        }
        for (const auto& want : expected) {
          if (!letters.count(want)) return true;
        }
        return false;
      });
  ASSERT_TRUE(s.ok()) << s << "; dead letters seen: " << letters.size() << " of " << expected.size();
  for (const auto& [who, letter] : letters) {
    const auto& [case_id, consumer] = who;
    SCOPED_TRACE(absl::StrCat(case_id, " refused by ", consumer));
    EXPECT_EQ(letter.source_topic(), kIntakeTopic);
    EXPECT_EQ(letter.source_partition(), produced[case_id].partition);
    EXPECT_EQ(letter.source_offset(), produced[case_id].offset);
    EXPECT_EQ(letter.payload(), produced[case_id].payload);
  }
  auto reason = [&](const std::string& case_id, const std::string& consumer) {
    return letters[std::make_pair(case_id, consumer)].reason();
  };
  EXPECT_THAT(reason(case_a, "routing"), AllOf(HasSubstr("referral"), HasSubstr("missing")));
  EXPECT_THAT(reason(case_b, "routing"), HasSubstr("no body"));
  EXPECT_THAT(reason(case_b, "case-view"), HasSubstr("no body"));

  // The projector passed over the bodiless envelope without making it a case.
  csec::dispatch::v1::GetCaseRequest get;
  get.set_case_id(case_b);
  CaseView view;
  grpc::Status got = stub_->GetCase(Context().get(), get, &view);
  EXPECT_EQ(got.error_code(), grpc::StatusCode::NOT_FOUND) << got.error_message();

  // Routing moved on: a referral reported afterwards on the partition of the refused envelopes
  // is routed. Referrals are reported until one lands there (6 partitions: a batch of 12 almost
  // always has one).
  const ConsumedMessage& last_refused = produced[case_b];
  std::string later_event;
  for (int batch = 0; batch < 5 && later_event.empty(); ++batch) {
    std::set<std::string> cases;
    for (int i = 0; i < 12; ++i) {
      ReportIdentificationResponse response;
      grpc::Status r = Report(SampleReferral(SampleKind::kNewToBoth, UniqueKey("after-dl"), absl::Now()), &response);
      ASSERT_TRUE(r.ok()) << r.error_message();
      cases.insert(response.case_id());
    }
    for (const auto& [m, e] : ReadTopic(kIntakeTopic)) {
      if (cases.count(e.case_id()) && m.partition == last_refused.partition && m.offset > last_refused.offset) {
        later_event = e.event_id();
        break;
      }
    }
  }
  ASSERT_FALSE(later_event.empty()) << "no referral landed on partition " << last_refused.partition;
  absl::StatusOr<Envelope> routed = AwaitRouted(later_event);
  EXPECT_TRUE(routed.ok()) << routed.status();
}

// 7. Routing's once-only markers expire with its dedupe horizon, and only events it acted on
// get one.
TEST_F(IntakeRules, RoutingMarksOnlyWhatItHandledAndTheMarkExpires) {
  ReportIdentificationRequest request =
      SampleReferral(SampleKind::kOpenProbation, UniqueKey("marker"), absl::Now() - absl::Minutes(10));
  ReportIdentificationResponse report;
  grpc::Status s = Report(request, &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  RecordFactResponse arrival;
  s = stub_->RecordArrival(Context().get(), Arrival(report.case_id(), UniqueKey("arr"), "ctu-po-0007"), &arrival);
  ASSERT_TRUE(s.ok()) << s.error_message();

  ASSERT_TRUE(AwaitRouted(report.event_id()).ok());
  const std::string referral_marker = redis_keys::Handled("routing", report.event_id());
  int64_t pttl = -2;
  // The marker is written once Kafka acknowledged CaseRouted, so it may trail the event a little.
  EXPECT_TRUE(WaitFor(
      [&] {
        absl::StatusOr<int64_t> p = Pttl(referral_marker);
        pttl = p.ok() ? *p : -2;
        return pttl != -2;
      },
      absl::Seconds(30)))
      << referral_marker << " never appeared";
  EXPECT_GT(pttl, 0) << referral_marker << " must expire (PTTL -1 means it never does)";
  EXPECT_LE(pttl, kDedupeHorizonMs) << referral_marker << " outlives routing's --dedupe_horizon";

  // To know routing has consumed past the arrival, a referral for the same case (same key, so
  // the same partition, and handled after the arrival: one case's events are handled in order)
  // is put on the topic behind it, and awaited as routed.
  Envelope follow_up = NewEnvelope(NewRandomId(), report.case_id(), "intake-rules-test", absl::Now());
  *follow_up.mutable_referral_received()->mutable_referral() = request.referral();
  follow_up.mutable_referral_received()->mutable_referral()->mutable_youth()->clear_identity();
  {
    auto producer = KafkaProducer::Create(stack_->kafka("intake-rules-test"));
    ASSERT_TRUE(producer.ok()) << producer.status();
    ASSERT_TRUE(
        (*producer)
            ->Produce(kIntakeTopic, report.case_id(), follow_up.SerializeAsString(), absl::Now() + absl::Seconds(30))
            .ok());
  }
  std::map<std::string, ConsumedMessage> where;  // event id → message
  for (const auto& [m, e] : ReadTopic(kIntakeTopic)) {
    if (e.event_id() == arrival.event_id() || e.event_id() == follow_up.event_id()) where[e.event_id()] = m;
  }
  ASSERT_EQ(where.size(), 2u);
  ASSERT_EQ(where[arrival.event_id()].partition, where[follow_up.event_id()].partition);
  ASSERT_LT(where[arrival.event_id()].offset, where[follow_up.event_id()].offset);
  ASSERT_TRUE(AwaitRouted(follow_up.event_id()).ok());

  EXPECT_TRUE(WaitFor([&] { return Pttl(redis_keys::Handled("routing", follow_up.event_id())).value_or(-2) > 0; },
                      absl::Seconds(30)));
  absl::StatusOr<int64_t> arrival_marker = Pttl(redis_keys::Handled("routing", arrival.event_id()));
  ASSERT_TRUE(arrival_marker.ok()) << arrival_marker.status();
  EXPECT_EQ(*arrival_marker, -2) << "routing left a marker for an ArrivalRecorded it does not act on";
}

}  // namespace
}  // namespace csec::testing
