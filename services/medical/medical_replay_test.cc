#include "services/medical/medical_replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace csec::medical {
namespace {

using csec::dispatch::v1::Envelope;
using ::testing::ElementsAre;
using ::testing::Pair;

Envelope Event(const std::string& case_id, const std::string& producer) {
  Envelope e;
  e.set_event_id(absl::StrCat(case_id, "-", producer, "-", e.ByteSizeLong()));
  e.set_case_id(case_id);
  e.set_producer(producer);
  e.mutable_occurred_at()->set_seconds(1'800'000'000);
  return e;
}

Envelope Routed(const std::string& case_id) {
  Envelope e = Event(case_id, "routing");
  auto* r = e.mutable_case_routed();
  r->set_area_id("spa-4");
  r->add_candidate_hub_ids("hub-lac-usc");
  r->add_candidate_hub_ids("hub-chla");
  r->mutable_identified_at()->set_seconds(1'799'990'000);
  return e;
}

Envelope Scheduled(const std::string& case_id, int number, const std::string& hub, const std::string& date, int slot,
                   const std::string& replaces = "") {
  Envelope e = Event(case_id, "medical");
  auto* s = e.mutable_medical_appointment_scheduled();
  s->set_booking_number(number);
  s->set_replaces_appointment_id(replaces);
  auto* a = s->mutable_appointment();
  a->set_appointment_id(absl::StrCat("appt-", case_id, "-", number));
  a->set_hub_id(hub);
  a->set_local_date(date);
  a->set_slot_index(slot);
  return e;
}

TEST(MedicalReplay, ABookingHoldsItsSlotAndTheCaseKeepsItsSearchInputs) {
  MedicalReplay replay;
  replay.Apply(Routed("c1"), "");
  replay.Apply(Scheduled("c1", 1, "hub-lac-usc", "2026-03-06", 1), "");
  const auto cases = replay.Cases();
  ASSERT_EQ(cases.count("c1"), 1u);
  const auto& state = cases.at("c1");
  EXPECT_EQ(state.bookings(), 1);
  EXPECT_EQ(state.area_id(), "spa-4");
  EXPECT_THAT(state.candidate_hub_ids(), ElementsAre("hub-lac-usc", "hub-chla"));
  EXPECT_EQ(state.identified_at().seconds(), 1'799'990'000);
  EXPECT_EQ(state.view().status(), csec::dispatch::v1::MEDICAL_STATUS_SCHEDULED);
  EXPECT_EQ(state.view().appointment().appointment_id(), "appt-c1-1");
  EXPECT_THAT(replay.days().at({"hub-lac-usc", "2026-03-06"}).holders, ElementsAre(Pair(1, "c1|appt-c1-1")));
  EXPECT_THAT(replay.bookings(), ElementsAre(Pair("appt-c1-1", "hub-lac-usc|2026-03-06|1")));
}

TEST(MedicalReplay, ARebookingFreesTheSlotItReplacesAndACancellationFreesItsOwn) {
  MedicalReplay replay;
  replay.Apply(Routed("c1"), "");
  replay.Apply(Scheduled("c1", 1, "hub-lac-usc", "2026-03-06", 1), "");
  Envelope no_show = Event("c1", "medical");
  no_show.mutable_medical_no_show_recorded()->set_appointment_id("appt-c1-1");
  replay.Apply(no_show, "");
  EXPECT_EQ(replay.days().at({"hub-lac-usc", "2026-03-06"}).holders.size(), 1u) << "a no-show frees nothing by itself";
  Envelope rebooked = Scheduled("c1", 2, "hub-chla", "2026-03-07", 0, "appt-c1-1");
  rebooked.set_request_id("no-show-req-1");
  replay.Apply(rebooked, "");
  EXPECT_TRUE(replay.days().at({"hub-lac-usc", "2026-03-06"}).holders.empty());
  EXPECT_THAT(replay.days().at({"hub-chla", "2026-03-07"}).holders, ElementsAre(Pair(0, "c1|appt-c1-2")));

  // Another case took the freed slot; cancelling c1's first appointment again must not free it.
  replay.Apply(Routed("c2"), "");
  replay.Apply(Scheduled("c2", 1, "hub-lac-usc", "2026-03-06", 1), "");
  Envelope cancelled = Event("c1", "medical");
  cancelled.mutable_medical_appointment_cancelled()->set_appointment_id("appt-c1-2");
  replay.Apply(cancelled, "");
  EXPECT_TRUE(replay.days().at({"hub-chla", "2026-03-07"}).holders.empty());
  EXPECT_THAT(replay.days().at({"hub-lac-usc", "2026-03-06"}).holders, ElementsAre(Pair(1, "c2|appt-c2-1")));

  const auto cases = replay.Cases();
  EXPECT_EQ(cases.at("c1").bookings(), 2);
  EXPECT_EQ(cases.at("c1").view().status(), csec::dispatch::v1::MEDICAL_STATUS_CANCELLED);
  EXPECT_THAT(cases.at("c1").request_ids(), ElementsAre("no-show-req-1"));
}

TEST(MedicalReplay, AFailureCountsItsBookingNumberAndAClosedCaseStaysClosed) {
  MedicalReplay replay;
  replay.Apply(Routed("c1"), "");
  Envelope failed = Event("c1", "medical");
  failed.mutable_medical_scheduling_failed()->set_booking_number(1);
  failed.mutable_medical_scheduling_failed()->set_cause("no_capacity");
  replay.Apply(failed, "");
  Envelope closed = Event("c1", "intake");
  closed.mutable_case_closed()->set_reason("placed");
  replay.Apply(closed, "");
  // A case closed before medical ever booked it is remembered closed too (a late CaseRouted books nothing).
  Envelope closed_early = Event("c9", "intake");
  closed_early.mutable_case_closed();
  replay.Apply(closed_early, "");

  const auto cases = replay.Cases();
  EXPECT_EQ(cases.at("c1").bookings(), 1);
  EXPECT_EQ(cases.at("c1").view().status(), csec::dispatch::v1::MEDICAL_STATUS_FAILED);
  EXPECT_TRUE(cases.at("c1").closed());
  EXPECT_TRUE(cases.at("c9").closed());
  EXPECT_EQ(cases.count("c2"), 0u) << "a case medical never acted on has no state";
}

TEST(MedicalReplay, AnExamRecordedThroughIntakeCompletesTheCaseOnce) {
  MedicalReplay replay;
  replay.Apply(Routed("c1"), "");
  replay.Apply(Scheduled("c1", 1, "hub-lac-usc", "2026-03-06", 1), "");
  Envelope exam = Event("c1", "intake");
  exam.mutable_medical_exam_recorded()->set_hub_id("hub-lac-usc");
  exam.mutable_medical_exam_recorded()->mutable_examined_at()->set_seconds(1'800'000'100);
  replay.Apply(exam, "");
  const auto cases = replay.Cases();
  EXPECT_EQ(cases.at("c1").view().status(), csec::dispatch::v1::MEDICAL_STATUS_COMPLETED);
  EXPECT_EQ(replay.days().at({"hub-lac-usc", "2026-03-06"}).holders.size(), 1u) << "an exam keeps its slot";
}

TEST(MedicalReplay, AHubDayKeepsItsLatestCoordinatorChangeAndItsRequests) {
  MedicalReplay replay;
  auto change = [&](int version, int capacity, const std::string& request_id) {
    Envelope e = Event("hub:hub-chla", "medical");
    e.set_request_id(request_id);
    auto* d = e.mutable_hub_day_changed();
    d->set_hub_id("hub-chla");
    d->set_local_date("2026-03-07");
    d->set_capacity(capacity);
    d->set_version(version);
    replay.Apply(e, absl::StrCat("bytes-", version));
  };
  change(2, 6, "r2");
  change(1, 4, "r1");  // older, read later (another partition's order does not apply here, but be safe)
  const auto& day = replay.days().at({"hub-chla", "2026-03-07"});
  ASSERT_TRUE(day.coordinator.has_value());
  EXPECT_EQ(day.coordinator->version(), 2);
  EXPECT_EQ(day.coordinator->capacity(), 6);
  EXPECT_THAT(replay.hub_requests(),
              ElementsAre(Pair(Pair("hub-chla", "r1"), "bytes-1"), Pair(Pair("hub-chla", "r2"), "bytes-2")));
  EXPECT_TRUE(replay.Cases().empty());
}

}  // namespace
}  // namespace csec::medical
