// The medical service on the real broker and Redis: a routed case gets an appointment; two
// processes competing for one last slot give it to exactly one case and the next best to the
// other; a no-show rebooks; a full county escalates through paging; a replayed CaseRouted books
// nothing; bad requests name the field and change nothing.
//
// Each test books on its own days: identifications on a random future day whose hub days no
// earlier test touched (checked in Redis), so tests sharing the stack never meet.
#include <csignal>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "csec/dispatch/v1/medical_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka_partitioner.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/common/redis/redis.h"
#include "services/medical/medical_keys.h"
#include "tests/integration/harness.h"
#include "tests/integration/paging_support.h"
#include "tests/integration/timers_support.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::MedicalHubService;
using ::testing::HasSubstr;

const std::vector<std::string> kHubs = {"hub-high-desert", "hub-olive-view-ucla", "hub-lac-usc", "hub-chla",
                                        "hub-mlk",         "hub-harbor-ucla"};
// SPA 4's hubs, nearest first, as protocol.yaml lists them.
const std::vector<std::string> kSpa4Hubs = {"hub-lac-usc", "hub-chla", "hub-mlk"};
constexpr int kWindowDays = 4;  // 72 hours from 09:00 touch four local days

std::string Date(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Every hub open 08:00-18:00 every day, hourly exams: ten slots a day.
std::string WriteMedicalConfig(const std::string& dir) {
  const std::string path = dir + "/medical.yaml";
  std::ofstream out(path);
  out << "lead_time_minutes: 60\n"
         "default_hours:\n  exam_minutes: 60\n";
  for (const char* day : {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}) {
    out << "  " << day << ": \"08:00-18:00\"\n";
  }
  return path;
}

class MedicalFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    dir_ = MakeTempDir();
    medical_config_ = WriteMedicalConfig(dir_);
    auto redis = RedisClient::Connect(stack_.redis_address);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    zone_ = LoadTimeZoneOrDie();
    PickFreshDays();
  }

  static absl::TimeZone LoadTimeZoneOrDie() {
    absl::TimeZone zone;
    EXPECT_TRUE(absl::LoadTimeZone("America/Los_Angeles", &zone));
    return zone;
  }

  // A random day from 2031 on whose window no test has booked or changed.
  void PickFreshDays() {
    std::mt19937_64 random(std::random_device{}());
    for (int attempt = 0; attempt < 50; ++attempt) {
      const absl::CivilDay day = absl::CivilDay(2031, 1, 1) + static_cast<int>(random() % 15000);
      bool fresh = true;
      for (int d = 0; d < kWindowDays && fresh; ++d) {
        for (const std::string& hub : kHubs) {
          auto exists = redis_->Command({"EXISTS", redis_keys::MedicalDay(hub, Date(day + d))});
          ASSERT_TRUE(exists.ok()) << exists.status();
          if (exists->integer != 0) fresh = false;
        }
      }
      if (fresh) {
        base_day_ = day;
        return;
      }
    }
    FAIL() << "no fresh days found";
  }

  std::unique_ptr<ServiceProcess> StartMedical(const std::string& instance) {
    auto medical = ServiceProcess::Start(
        "csec-medical", stack_,
        {"--config=" + config_path(), "--medical_config=" + medical_config_, "--instance_id=" + instance});
    EXPECT_TRUE(medical.ok()) << medical.status();
    if (!medical.ok()) return nullptr;
    {  // the latest process answers (a restarted one listens on a new port)
      stub_ = MedicalHubService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*medical)->port("grpc_port")),
                                                             grpc::InsecureChannelCredentials()));
    }
    return *std::move(medical);
  }

  virtual std::string config_path() const { return stack_.protocol_config(); }

  // Identified at 09:00 local on the test's first day, in SPA 4.
  absl::Time IdentifiedAt() const {
    return absl::FromCivil(absl::CivilMinute(base_day_.year(), base_day_.month(), base_day_.day(), 9, 0), zone_);
  }

  Envelope Routed(const std::string& case_id, bool emergency = false) const {
    Envelope e = NewEnvelope(NewRandomId(), case_id, "routing", absl::Now());
    auto* routed = e.mutable_case_routed();
    routed->set_agency(csec::dispatch::v1::RESPONDER_AGENCY_MART);
    routed->set_team_id("mart-spa-4");
    routed->set_advocacy_agency_id("saving-innocence");
    routed->set_area_id("spa-4");
    for (const std::string& hub : kSpa4Hubs) routed->add_candidate_hub_ids(hub);
    *routed->mutable_identified_at() = ToProtoTime(IdentifiedAt());
    routed->set_medical_emergency(emergency);
    return e;
  }

  // Closes every hub day of the window except `open` ("<hub>|<date>" → capacity).
  void CloseAllBut(const std::map<std::string, int>& open) {
    for (int d = 0; d < kWindowDays; ++d) {
      for (const std::string& hub : kHubs) {
        const std::string date = Date(base_day_ + d);
        csec::dispatch::v1::SetHubDayRequest request;
        request.set_hub_id(hub);
        request.set_local_date(date);
        request.set_request_id(NewRandomId());
        request.set_changed_by("coordinator-synthetic-1");
        request.set_reason("test calendar");
        if (auto it = open.find(hub + "|" + date); it != open.end()) {
          request.set_capacity(it->second);
        } else {
          request.set_closed(true);
        }
        grpc::ClientContext context;
        csec::dispatch::v1::SetHubDayResponse response;
        grpc::Status status = stub_->SetHubDay(&context, request, &response);
        ASSERT_TRUE(status.ok()) << status.error_message();
      }
    }
  }

  std::vector<Envelope> MedicalEvents(const std::set<std::string>& cases) {
    std::vector<Envelope> out;
    (void)ScanTopic(stack_.kafka("medical-test"), kMedicalTopic, absl::Seconds(30), /*stop_at_end=*/true,
                    [&](const ConsumedMessage& m) {
                      if (!cases.contains(m.key)) return true;
                      Envelope e;
                      if (e.ParseFromString(m.payload)) out.push_back(std::move(e));
                      return true;
                    });
    return out;
  }

  // The distinct booking decisions (scheduled or failed) of each case, in topic order.
  std::map<std::string, std::vector<Envelope>> Decisions(const std::set<std::string>& cases) {
    std::map<std::string, std::vector<Envelope>> out;
    std::set<std::string> seen;
    for (Envelope& e : MedicalEvents(cases)) {
      if (!e.has_medical_appointment_scheduled() && !e.has_medical_scheduling_failed()) continue;
      if (seen.insert(e.event_id()).second) out[e.case_id()].push_back(std::move(e));
    }
    return out;
  }

  bool AwaitDecisions(const std::set<std::string>& cases, size_t each, absl::Duration timeout = absl::Seconds(30)) {
    return WaitFor(
        [&] {
          auto decisions = Decisions(cases);
          for (const std::string& c : cases) {
            if (decisions[c].size() < each) return false;
          }
          return true;
        },
        timeout);
  }

  csec::dispatch::v1::ListAvailabilityResponse Availability(const std::string& hub, absl::CivilDay day) {
    csec::dispatch::v1::ListAvailabilityRequest request;
    request.set_hub_id(hub);
    request.set_local_date(Date(day));
    csec::dispatch::v1::ListAvailabilityResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub_->ListAvailability(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  StackEnv stack_;
  std::string dir_;
  std::string medical_config_;
  std::unique_ptr<RedisClient> redis_;
  absl::TimeZone zone_;
  absl::CivilDay base_day_;
  std::unique_ptr<MedicalHubService::Stub> stub_;
};

TEST_F(MedicalFlow, ARoutedCaseGetsTheSameDayAtItsAreasHub) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const std::string case_id = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(case_id)).ok());
  ASSERT_TRUE(AwaitDecisions({case_id}, 1));
  const Envelope decision = Decisions({case_id})[case_id].front();
  ASSERT_TRUE(decision.has_medical_appointment_scheduled()) << decision.DebugString();
  const auto& scheduled = decision.medical_appointment_scheduled();
  EXPECT_EQ(scheduled.appointment().hub_id(), "hub-lac-usc");
  EXPECT_EQ(scheduled.appointment().local_date(), Date(base_day_));
  // The first slot at least the lead time after identification: 10:00 local.
  EXPECT_EQ(FromProtoTime(scheduled.appointment().starts_at()), IdentifiedAt() + absl::Hours(1));
  EXPECT_EQ(FromProtoTime(scheduled.window_ends_at()), IdentifiedAt() + absl::Hours(72));
  EXPECT_THAT(scheduled.reason(), HasSubstr("same day"));
  EXPECT_EQ(scheduled.trigger(), "case_routed");

  csec::dispatch::v1::GetCaseMedicalRequest get;
  get.set_case_id(case_id);
  csec::dispatch::v1::MedicalChangeResponse view;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetCaseMedical(&context, get, &view).ok());
  EXPECT_EQ(view.medical().status(), csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED);
  EXPECT_EQ(view.medical().appointment().appointment_id(), scheduled.appointment().appointment_id());
  const auto day = Availability("hub-lac-usc", base_day_);
  EXPECT_EQ(day.booked(), 1);
  ASSERT_GT(day.slots_size(), scheduled.appointment().slot_index());
  EXPECT_EQ(day.slots(scheduled.appointment().slot_index()).case_id(), case_id);
}

// "Free" is what a booking could still take: on a day already past nothing is free, whatever the
// capacity and the bookings say; on a day ahead every unbooked time is.
TEST_F(MedicalFlow, FreeCountsOnlyTimesThatCanStillBeBooked) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), zone_);
  absl::CivilDay past = today - 7;
  while (!Availability("hub-lac-usc", past).open()) --past;  // an exam day of last week
  const auto gone = Availability("hub-lac-usc", past);
  EXPECT_GT(gone.capacity() - gone.booked(), 0) << "capacity left on paper";
  EXPECT_EQ(gone.free(), 0);
  for (const auto& slot : gone.slots()) EXPECT_FALSE(slot.bookable()) << "slot " << slot.slot_index();

  const auto ahead = Availability("hub-lac-usc", base_day_ + 1);
  ASSERT_TRUE(ahead.open());
  int bookable = 0;
  for (const auto& slot : ahead.slots()) bookable += slot.bookable() ? 1 : 0;
  EXPECT_EQ(bookable, ahead.slots_size() - ahead.booked());
  EXPECT_EQ(ahead.free(), std::min(bookable, ahead.capacity() - ahead.booked()));
  EXPECT_GT(ahead.free(), 0);
}

TEST_F(MedicalFlow, AReplayedOrRepeatedCaseRoutedBooksNothingNew) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const std::string case_id = NewRandomId();
  const Envelope routed = Routed(case_id);
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, routed).ok());
  ASSERT_TRUE(AwaitDecisions({case_id}, 1));
  // The same event again (a replay), and a second routing of the case (a new event id).
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, routed).ok());
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(case_id)).ok());
  // A marker case routed after them, on the same partition's order: once it is decided, the
  // repeats were handled.
  std::string marker;
  do marker = NewRandomId();
  while (KafkaPartitionFor(marker, kTopicPartitions) != KafkaPartitionFor(case_id, kTopicPartitions));
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(marker)).ok());
  ASSERT_TRUE(AwaitDecisions({marker}, 1));

  EXPECT_EQ(Decisions({case_id})[case_id].size(), 1u);
  int booked = 0;
  for (int d = 0; d < kWindowDays; ++d) {
    for (const std::string& hub : kHubs) booked += Availability(hub, base_day_ + d).booked();
  }
  EXPECT_EQ(booked, 2) << "one slot for the case, one for the marker";
}

TEST_F(MedicalFlow, ACaseWhoseWindowClosedBeforeItWasSeenBooksNothingAndPagesNobody) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const std::string old_case = NewRandomId();
  Envelope old_routed = Routed(old_case);
  *old_routed.mutable_case_routed()->mutable_identified_at() = ToProtoTime(absl::Now() - absl::Hours(80));
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, old_routed).ok());
  // A live case after it on the same partition: once it is decided, the old one was handled.
  std::string marker;
  do marker = NewRandomId();
  while (KafkaPartitionFor(marker, kTopicPartitions) != KafkaPartitionFor(old_case, kTopicPartitions));
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(marker)).ok());
  ASSERT_TRUE(AwaitDecisions({marker}, 1));
  EXPECT_TRUE(MedicalEvents({old_case}).empty()) << "the timers service escalates the missed exam";
}

TEST_F(MedicalFlow, TwoProcessesCompetingForOneLastSlotGiveItToExactlyOneCase) {
  auto first = StartMedical("medical-test-1");
  auto second = StartMedical("medical-test-2");
  ASSERT_TRUE(first && second);
  // One slot on the first day (the best for every SPA 4 case), one on the second; all else closed.
  CloseAllBut({{"hub-lac-usc|" + Date(base_day_), 1}, {"hub-lac-usc|" + Date(base_day_ + 1), 1}});
  // Cases on every partition, so both processes book at once.
  std::set<std::string> cases;
  std::vector<Envelope> events;
  for (int i = 0; i < 12; ++i) {
    const std::string case_id = NewRandomId();
    cases.insert(case_id);
    events.push_back(Routed(case_id));
  }
  for (const Envelope& e : events) ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, e).ok());
  ASSERT_TRUE(AwaitDecisions(cases, 1, absl::Seconds(60)));

  std::map<std::string, int> taken;  // "<hub>|<date>" → cases given it
  int failed = 0;
  for (auto& [case_id, decisions] : Decisions(cases)) {
    ASSERT_EQ(decisions.size(), 1u) << case_id;
    if (decisions[0].has_medical_appointment_scheduled()) {
      const auto& a = decisions[0].medical_appointment_scheduled().appointment();
      taken[a.hub_id() + "|" + a.local_date()]++;
    } else {
      EXPECT_EQ(decisions[0].medical_scheduling_failed().cause(), "no_capacity");
      ++failed;
    }
  }
  EXPECT_EQ(taken["hub-lac-usc|" + Date(base_day_)], 1);
  EXPECT_EQ(taken["hub-lac-usc|" + Date(base_day_ + 1)], 1) << "the next best goes to another case";
  EXPECT_EQ(failed, 10);
  EXPECT_EQ(Availability("hub-lac-usc", base_day_).booked(), 1);
  EXPECT_EQ(Availability("hub-lac-usc", base_day_ + 1).booked(), 1);
}

TEST_F(MedicalFlow, ANoShowRebooksInsideWhatIsLeftOfTheWindow) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const std::string case_id = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(case_id)).ok());
  ASSERT_TRUE(AwaitDecisions({case_id}, 1));
  const auto first = Decisions({case_id})[case_id].front().medical_appointment_scheduled().appointment();

  csec::dispatch::v1::RecordNoShowRequest request;
  request.set_case_id(case_id);
  request.set_request_id(NewRandomId());
  request.set_appointment_id(first.appointment_id());
  request.set_recorded_by("coordinator-synthetic-1");
  csec::dispatch::v1::MedicalChangeResponse response;
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->RecordNoShow(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(response.medical().status(), csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED);
  const auto& second = response.medical().appointment();
  EXPECT_NE(second.appointment_id(), first.appointment_id());
  EXPECT_FALSE(second.hub_id() == first.hub_id() && second.local_date() == first.local_date() &&
               second.slot_index() == first.slot_index());
  EXPECT_LE(FromProtoTime(second.ends_at()), IdentifiedAt() + absl::Hours(72));
  ASSERT_GE(response.medical().history_size(), 3);
  EXPECT_EQ(response.medical().history(1).what(), "no_show");
  // The same request again is the same change.
  csec::dispatch::v1::MedicalChangeResponse again;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->RecordNoShow(&context, request, &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.medical().appointment().appointment_id(), second.appointment_id());
  const auto decisions = Decisions({case_id})[case_id];
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[1].medical_appointment_scheduled().trigger(), "no_show");
  EXPECT_EQ(decisions[1].medical_appointment_scheduled().replaces_appointment_id(), first.appointment_id());
}

TEST_F(MedicalFlow, BadRequestsNameTheFieldAndChangeNothing) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const std::string case_id = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(case_id)).ok());
  ASSERT_TRUE(AwaitDecisions({case_id}, 1));
  {
    csec::dispatch::v1::RescheduleRequest request;
    request.set_case_id(case_id);
    grpc::ClientContext context;
    csec::dispatch::v1::MedicalChangeResponse response;
    grpc::Status status = stub_->Reschedule(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("request_id: required"));
    EXPECT_THAT(status.error_message(), HasSubstr("reason: required"));
  }
  {
    // A scheduled case is moved only by naming its current appointment.
    csec::dispatch::v1::RescheduleRequest request;
    request.set_case_id(case_id);
    request.set_request_id(NewRandomId());
    request.set_requested_by("coordinator-synthetic-1");
    request.set_reason("test");
    grpc::ClientContext context;
    csec::dispatch::v1::MedicalChangeResponse response;
    grpc::Status status = stub_->Reschedule(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(status.error_message(), HasSubstr("appointment_id"));
  }
  {
    csec::dispatch::v1::CancelAppointmentRequest request;
    request.set_case_id(case_id);
    request.set_request_id(NewRandomId());
    request.set_appointment_id("not-the-current-one");
    request.set_cancelled_by("coordinator-synthetic-1");
    request.set_reason("test");
    grpc::ClientContext context;
    csec::dispatch::v1::MedicalChangeResponse response;
    grpc::Status status = stub_->Cancel(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(status.error_message(), HasSubstr("appointment_id"));
  }
  {
    csec::dispatch::v1::ListAvailabilityRequest request;
    request.set_hub_id("hub-nowhere");
    request.set_local_date(Date(base_day_));
    grpc::ClientContext context;
    csec::dispatch::v1::ListAvailabilityResponse response;
    grpc::Status status = stub_->ListAvailability(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), HasSubstr("hub_id"));
  }
  EXPECT_EQ(MedicalEvents({case_id}).size(), 1u) << "only the booking";
}

// With paging and timers running: nothing fits, and the hub coordinator and the team are paged.
class MedicalEscalation : public MedicalFlow {
 protected:
  void SetUp() override {
    MedicalFlow::SetUp();
    protocol_path_ = WriteTimersConfig(stack_, dir_, absl::Minutes(30));
    paging_path_ = WritePagingConfig(protocol_path_, dir_, PagingTestConfig{});
    std::ofstream(dir_ + "/secret") << "medical-test-webhook-secret";
    ASSERT_FALSE(paging_path_.empty());
  }
  std::string config_path() const override { return protocol_path_; }
  std::string protocol_path_;
  std::string paging_path_;
};

TEST_F(MedicalEscalation, AFullCountyEscalatesToTheHubCoordinatorAndTheResponder) {
  auto timers = ServiceProcess::Start("csec-timers", stack_, {"--config=" + protocol_path_});
  ASSERT_TRUE(timers.ok()) << timers.status();
  auto paging = ServiceProcess::Start("csec-paging", stack_,
                                      {"--config=" + protocol_path_, "--paging_config=" + paging_path_,
                                       "--webhook_secret_file=" + dir_ + "/secret", "--instance_id=paging-test"});
  ASSERT_TRUE(paging.ok()) << paging.status();
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  // Every hub day of the window at capacity 0.
  std::map<std::string, int> none;
  for (int d = 0; d < kWindowDays; ++d) {
    for (const std::string& hub : kHubs) none[hub + "|" + Date(base_day_ + d)] = 0;
  }
  CloseAllBut(none);
  const std::string case_id = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(case_id)).ok());
  ASSERT_TRUE(AwaitDecisions({case_id}, 1));
  const Envelope decision = Decisions({case_id})[case_id].front();
  ASSERT_TRUE(decision.has_medical_scheduling_failed()) << decision.DebugString();
  EXPECT_EQ(decision.medical_scheduling_failed().cause(), "no_capacity");
  EXPECT_EQ(decision.medical_scheduling_failed().coordinator_hub_id(), "hub-lac-usc");

  // Paged: a hub coordinator line and the case's team, for this failure.
  std::set<std::string> roles;
  ASSERT_TRUE(WaitFor(
      [&] {
        roles.clear();
        for (const Envelope& e : PagesSent(PagingEvents(stack_, {case_id}))) {
          if (absl::StartsWith(e.page_sent().reason(), "medical_scheduling_failed")) roles.insert(e.page_sent().role());
        }
        return roles.size() >= 2;
      },
      absl::Seconds(30)))
      << "roles paged: " << roles.size();
  EXPECT_TRUE(roles.contains("mart-spa-4"));
  EXPECT_TRUE(roles.contains("hub-lac-usc") || roles.contains("dhs-hub-coordinator"));

  // The coordinator opens one exam the next day and books the case into it: the failure's pages close.
  CloseAllBut({{"hub-chla|" + Date(base_day_ + 1), 1}});
  csec::dispatch::v1::RescheduleRequest rebook;
  rebook.set_case_id(case_id);
  rebook.set_request_id(NewRandomId());
  rebook.set_requested_by("coordinator-synthetic-1");
  rebook.set_reason("capacity added");
  csec::dispatch::v1::MedicalChangeResponse booked;
  grpc::ClientContext context;
  grpc::Status status = stub_->Reschedule(&context, rebook, &booked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(booked.medical().status(), csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED);
  EXPECT_EQ(booked.medical().appointment().hub_id(), "hub-chla");
  EXPECT_EQ(booked.medical().appointment().local_date(), Date(base_day_ + 1));
  EXPECT_TRUE(WaitFor(
      [&] {
        int closed = 0;
        for (const Envelope& e : PagingEvents(stack_, {case_id})) {
          if (e.has_page_closed() && absl::StrContains(e.page_closed().why(), "booked")) ++closed;
        }
        return closed >= 2;
      },
      absl::Seconds(30)));

  // The exam happens: the 72-hour deadline is met (timers reads MedicalExamRecorded from medical).
  csec::dispatch::v1::RecordExamCompletedRequest exam;
  exam.set_case_id(case_id);
  exam.set_request_id(NewRandomId());
  exam.set_appointment_id(booked.medical().appointment().appointment_id());
  exam.set_recorded_by("coordinator-synthetic-1");
  *exam.mutable_examined_at() = ToProtoTime(absl::Now());
  csec::dispatch::v1::MedicalChangeResponse done;
  grpc::ClientContext exam_context;
  status = stub_->RecordExamCompleted(&exam_context, exam, &done);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(done.medical().status(), csec::dispatch::v1::MEDICAL_STATUS_COMPLETED);
  EXPECT_TRUE(WaitFor(
      [&] {
        return FindTimerEvent(TimerEvents(stack_, {case_id}), case_id, Envelope::kDeadlineMet, "medical_exam") !=
               nullptr;
      },
      absl::Seconds(30)));
}

// Redis loses everything under a running medical service (FLUSHALL: a restart without persistence,
// a failover to an empty replica). It exits (code 3) rather than book on an empty store, and its
// restart rebuilds bookings, hub days and case states from Kafka: a replayed CaseRouted books
// nothing, a new case never gets a slot already taken, a coordinator's change still holds and its
// request id is still a duplicate.
TEST_F(MedicalFlow, AfterRedisLostEverythingNoSlotIsGivenTwice) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const std::string first = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(first)).ok());
  ASSERT_TRUE(AwaitDecisions({first}, 1));
  const auto booked = Decisions({first})[first].front().medical_appointment_scheduled().appointment();
  csec::dispatch::v1::SetHubDayRequest close;
  close.set_hub_id("hub-chla");
  close.set_local_date(Date(base_day_));
  close.set_request_id(NewRandomId());
  close.set_changed_by("coordinator-synthetic-1");
  close.set_reason("staff training");
  close.set_closed(true);
  {
    grpc::ClientContext context;
    csec::dispatch::v1::SetHubDayResponse response;
    ASSERT_TRUE(stub_->SetHubDay(&context, close, &response).ok());
  }

  ASSERT_TRUE(redis_->Command({"FLUSHALL"}).ok());
  EXPECT_EQ(medical->WaitForExit(absl::Seconds(30)), std::optional<int>(3)) << "medical exits to rebuild";
  // While it is down: the first case's routing again (a replay), and a new case on the same day.
  const std::string second = NewRandomId();
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(first)).ok());
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(second)).ok());

  medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  const int partitions = 3 * kTopicPartitions;  // routing, intake and medical
  ASSERT_TRUE(
      WaitFor([&] { return ConsumerCaughtUp(medical->port("http_port"), "medical", partitions); }, absl::Seconds(60)));
  const auto decisions = Decisions({first, second});
  ASSERT_EQ(decisions.at(first).size(), 1u) << "the replayed CaseRouted booked again";
  ASSERT_EQ(decisions.at(second).size(), 1u);
  const auto& other = decisions.at(second).front().medical_appointment_scheduled().appointment();
  EXPECT_FALSE(other.hub_id() == booked.hub_id() && other.local_date() == booked.local_date() &&
               other.slot_index() == booked.slot_index())
      << "the second case was given the first case's slot";

  const auto day = Availability(booked.hub_id(), base_day_);
  ASSERT_GT(day.slots_size(), booked.slot_index());
  EXPECT_EQ(day.slots(booked.slot_index()).case_id(), first);
  EXPECT_TRUE(Availability("hub-chla", base_day_).closed()) << "the coordinator's closing was lost";
  {
    grpc::ClientContext context;
    csec::dispatch::v1::SetHubDayResponse response;
    ASSERT_TRUE(stub_->SetHubDay(&context, close, &response).ok());
    EXPECT_TRUE(response.duplicate());
  }
  csec::dispatch::v1::GetCaseMedicalRequest get;
  get.set_case_id(first);
  csec::dispatch::v1::MedicalChangeResponse view;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetCaseMedical(&context, get, &view).ok());
  EXPECT_EQ(view.medical().status(), csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED);
  EXPECT_EQ(view.medical().appointment().appointment_id(), booked.appointment_id());
}

// SIGKILL while cases are being booked: after the restart every case has exactly one decision,
// and Redis holds exactly one slot per scheduled case.
TEST_F(MedicalFlow, ASigkilledMedicalResumesWithNothingLostOrDoubled) {
  auto medical = StartMedical("medical-test-1");
  ASSERT_TRUE(medical);
  std::set<std::string> cases;
  for (int i = 0; i < 40; ++i) {
    const std::string case_id = NewRandomId();
    cases.insert(case_id);
    ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, Routed(case_id)).ok());
  }
  ASSERT_TRUE(WaitFor([&] { return !Decisions(cases).empty(); }, absl::Seconds(30)));
  medical->Signal(SIGKILL);
  medical.reset();
  auto restarted = StartMedical("medical-test-1");
  ASSERT_TRUE(restarted);
  ASSERT_TRUE(AwaitDecisions(cases, 1, absl::Seconds(60)));
  int scheduled = 0;
  std::set<std::string> slots;
  for (auto& [case_id, decisions] : Decisions(cases)) {
    ASSERT_EQ(decisions.size(), 1u) << case_id;
    ASSERT_TRUE(decisions[0].has_medical_appointment_scheduled());
    const auto& a = decisions[0].medical_appointment_scheduled().appointment();
    EXPECT_TRUE(slots.insert(absl::StrCat(a.hub_id(), "|", a.local_date(), "|", a.slot_index())).second);
    ++scheduled;
  }
  EXPECT_EQ(scheduled, 40);
  int booked = 0;
  for (int d = 0; d < kWindowDays; ++d) {
    for (const std::string& hub : kHubs) booked += Availability(hub, base_day_ + d).booked();
  }
  EXPECT_EQ(booked, 40) << "a slot held by a booking that was replayed after the kill";
}

}  // namespace
}  // namespace csec::testing
