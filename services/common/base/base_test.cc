#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/base/clock.h"
#include "services/common/base/host_port.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"

namespace csec {
namespace {

TEST(Ids, DerivedIdIsStableForTheSameInputAndDiffersOtherwise) {
  EXPECT_EQ(DeriveId("routing", "event-1"), DeriveId("routing", "event-1"));
  EXPECT_NE(DeriveId("routing", "event-1"), DeriveId("routing", "event-2"));
  EXPECT_NE(DeriveId("routing", "event-1"), DeriveId("paging", "event-1"));
  EXPECT_THAT(DeriveId("a", "b"),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

TEST(Ids, RandomIdsDoNotRepeat) {
  EXPECT_NE(NewRandomId(), NewRandomId());
  EXPECT_THAT(NewRandomId(),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

TEST(Log, JsonEscapeKeepsOneLinePerRecord) { EXPECT_EQ(log::JsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001"); }

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

TEST(SplitHostPort, AcceptsHostPortAndBracketedIpv6) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:8080", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  ASSERT_TRUE(SplitHostPort(":0", &host, &port).ok());
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(SplitHostPort("[::1]:9", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9);
  EXPECT_FALSE(SplitHostPort("localhost", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("localhost:70000", &host, &port).ok());
  EXPECT_FALSE(SplitHostPort("localhost:x", &host, &port).ok());
}

}  // namespace
}  // namespace csec
