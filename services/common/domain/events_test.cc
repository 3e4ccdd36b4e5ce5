#include "services/common/domain/events.h"

#include <gtest/gtest.h>

#include "services/common/base/clock.h"

namespace csec {
namespace {

using csec::dispatch::v1::Envelope;

const absl::Time kWritten = absl::FromUnixSeconds(1'800'000'000);
const absl::Time kHappened = kWritten - absl::Minutes(40);

Envelope Written() { return NewEnvelope("e-1", "case-1", "intake", kWritten); }

TEST(FactTime, IsTheFactsOwnTimeWhenItCarriesOne) {
  Envelope arrival = Written();
  *arrival.mutable_arrival_recorded()->mutable_arrived_at() = ToProtoTime(kHappened);
  EXPECT_EQ(FactTime(arrival), kHappened);
  Envelope met = Written();
  *met.mutable_deadline_met()->mutable_met_at() = ToProtoTime(kHappened);
  EXPECT_EQ(FactTime(met), kHappened);
  Envelope closed = Written();
  *closed.mutable_case_closed()->mutable_closed_at() = ToProtoTime(kHappened);
  EXPECT_EQ(FactTime(closed), kHappened);
}

TEST(FactTime, IsWhenTheEventWasWrittenOtherwise) {
  Envelope arrival = Written();
  arrival.mutable_arrival_recorded();  // no arrived_at
  EXPECT_EQ(FactTime(arrival), kWritten);
  Envelope routed = Written();
  routed.mutable_case_routed();
  EXPECT_EQ(FactTime(routed), kWritten);
}

TEST(IdentifiedAt, IsTheReferralsOrCaseRoutedsCopyElseTheFactTime) {
  Envelope received = Written();
  *received.mutable_referral_received()->mutable_referral()->mutable_identified_at() = ToProtoTime(kHappened);
  EXPECT_EQ(IdentifiedAt(received), kHappened);
  Envelope routed = Written();
  *routed.mutable_case_routed()->mutable_identified_at() = ToProtoTime(kHappened - absl::Minutes(1));
  EXPECT_EQ(IdentifiedAt(routed), kHappened - absl::Minutes(1));
  Envelope without = Written();
  without.mutable_referral_received()->mutable_referral();
  EXPECT_EQ(IdentifiedAt(without), kWritten);
}

TEST(TopicOfService, NamesEachProducingServicesOwnTopic) {
  EXPECT_EQ(TopicOfService("intake"), kIntakeTopic);
  EXPECT_EQ(TopicOfService("timers"), kTimersTopic);
  EXPECT_EQ(TopicOfService("dispatchctl"), "");
}

}  // namespace
}  // namespace csec
