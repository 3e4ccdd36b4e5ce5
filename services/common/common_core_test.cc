#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/clock.h"
#include "services/common/identity_seal.h"
#include "services/common/ids.h"
#include "services/common/kafka_partitioner.h"
#include "services/common/log.h"
#include "services/common/metrics.h"

namespace csec {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Ids, DerivedIdIsStableForTheSameInputAndDiffersOtherwise) {
  EXPECT_EQ(DeriveId("routing", "event-1"), DeriveId("routing", "event-1"));
  EXPECT_NE(DeriveId("routing", "event-1"), DeriveId("routing", "event-2"));
  EXPECT_NE(DeriveId("routing", "event-1"), DeriveId("paging", "event-1"));
  EXPECT_THAT(DeriveId("a", "b"), ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

TEST(Ids, RandomIdsDoNotRepeat) {
  EXPECT_NE(NewRandomId(), NewRandomId());
  EXPECT_THAT(NewRandomId(), ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

csec::dispatch::v1::YouthIdentity SyntheticIdentity() {
  csec::dispatch::v1::YouthIdentity id;
  id.set_given_name("Synthetic");
  id.set_family_name("Youth-0001");
  id.set_birth_date("2011-02-03");
  return id;
}

TEST(IdentitySeal, OpensWithTheCaseKeyAndHidesTheFields) {
  const std::string key = RandomBytes(kCaseKeyBytes);
  auto sealed = SealIdentity(SyntheticIdentity(), key, "case-1");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_THAT(sealed->SerializeAsString(), Not(HasSubstr("Synthetic")));
  EXPECT_THAT(sealed->SerializeAsString(), Not(HasSubstr("2011-02-03")));
  auto opened = OpenIdentity(*sealed, key);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->given_name(), "Synthetic");
  EXPECT_EQ(opened->birth_date(), "2011-02-03");
}

TEST(IdentitySeal, RefusesAnotherKeyATamperedTextOrAnotherCase) {
  const std::string key = RandomBytes(kCaseKeyBytes);
  auto sealed = SealIdentity(SyntheticIdentity(), key, "case-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(OpenIdentity(*sealed, RandomBytes(kCaseKeyBytes)).status().code(), absl::StatusCode::kPermissionDenied);
  auto tampered = *sealed;
  tampered.mutable_ciphertext()->at(0) ^= 1;
  EXPECT_FALSE(OpenIdentity(tampered, key).ok());
  auto moved = *sealed;
  moved.set_key_id("case-2");
  EXPECT_FALSE(OpenIdentity(moved, key).ok());
  EXPECT_FALSE(SealIdentity(SyntheticIdentity(), "short", "case-1").ok());
}

TEST(Log, JsonEscapeKeepsOneLinePerRecord) {
  EXPECT_EQ(log::JsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
}

TEST(Metrics, RendersCountersInPrometheusText) {
  Counter& c = Metrics::Get().GetCounter("csec_test_things_total", "Things counted by a test", "kind=\"x\"");
  c.Increment(3);
  EXPECT_THAT(Metrics::Get().Render(), HasSubstr("# TYPE csec_test_things_total counter\n"
                                                 "csec_test_things_total{kind=\"x\"} 3\n"));
}

TEST(ManualClock, AdvancesOnlyWhenTold) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Minutes(90));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000 + 90 * 60));
}

TEST(ScaledClock, ReadsItsOriginPlusScaledRealTimeSince) {
  const absl::Time sim_origin = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 0, 0, 0), absl::UTCTimeZone());
  const absl::Time real_origin = absl::Now() - absl::Seconds(1);
  ScaledClock clock(sim_origin, real_origin, 60);
  // Bracketed by real reads on either side: about a minute of clock time after the origin.
  const absl::Time before = absl::Now();
  const absl::Time now = clock.Now();
  const absl::Time after = absl::Now();
  EXPECT_GE(now, sim_origin + (before - real_origin) * 60);
  EXPECT_LE(now, sim_origin + (after - real_origin) * 60);
  EXPECT_GE(now, sim_origin + absl::Seconds(60));
  EXPECT_LT(now, sim_origin + absl::Seconds(60) + absl::Seconds(30));  // under half a real second passed
}

TEST(ScaledClock, ConvertsClockDurationsToReal) {
  const ScaledClock clock(absl::UnixEpoch(), absl::Now(), 15000);
  EXPECT_EQ(clock.scale(), 15000);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(clock.ToReal(absl::Minutes(90))), 360, 1e-6);  // a 90-minute deadline
  EXPECT_EQ(clock.ToReal(absl::InfiniteDuration()), absl::InfiniteDuration());
  // The real clocks convert nothing.
  EXPECT_EQ(SystemClock::Get().scale(), 1);
  EXPECT_EQ(SystemClock::Get().ToReal(absl::Minutes(90)), absl::Minutes(90));
  EXPECT_EQ(ManualClock(absl::UnixEpoch()).ToReal(absl::Seconds(7)), absl::Seconds(7));
}

}  // namespace
}  // namespace csec

// Values from Kafka's own tests (UtilsTest.testMurmur2): our producers use Java's partitioner,
// so a case's partition can be computed, and must agree with the broker's clients.
TEST(KafkaPartitioner, Murmur2MatchesKafkasJavaClient) {
  EXPECT_EQ(csec::KafkaMurmur2("21"), -973932308);
  EXPECT_EQ(csec::KafkaMurmur2("foobar"), -790332482);
  EXPECT_EQ(csec::KafkaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(csec::KafkaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(csec::KafkaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(csec::KafkaMurmur2("abc"), 479470107);
}

TEST(KafkaPartitioner, PartitionIsThePositiveHashModuloTheCount) {
  // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 6 = 0.
  EXPECT_EQ(csec::KafkaPartitionFor("foobar", 6), 1357151166 % 6);
  EXPECT_EQ(csec::KafkaPartitionFor("21", 1), 0);
}
