// Resume tokens of WatchPages, and the checks StreamPersonPages makes before it touches Kafka.
// (Streaming from a real csec.paging.v1 is tested with the Kafka-backed tests.)
#include "services/paging/page_watch.h"

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace csec::paging {
namespace {

using ::testing::HasSubstr;
using Positions = std::map<int32_t, int64_t>;

std::string TokenOf(const std::string& text) { return absl::StrCat("v1.", absl::WebSafeBase64Escape(text)); }

void ExpectBadToken(const std::string& token, const std::string& why) {
  absl::StatusOr<Positions> decoded = DecodeResumeToken(token);
  ASSERT_FALSE(decoded.ok()) << "accepted " << token;
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr("resume_token")) << decoded.status();
  EXPECT_THAT(decoded.status().message(), HasSubstr(why)) << decoded.status();
}

TEST(ResumeTokenTest, RoundTrips) {
  for (const Positions& positions : {
           Positions{},
           Positions{{0, 0}},
           Positions{{0, 12}, {1, 0}, {2, 7}, {3, 1000000000000}, {4, 1}, {5, 99}},
           Positions{{7, std::numeric_limits<int64_t>::max()}, {std::numeric_limits<int32_t>::max(), 3}},
       }) {
    const std::string token = EncodeResumeToken(positions);
    absl::StatusOr<Positions> decoded = DecodeResumeToken(token);
    ASSERT_TRUE(decoded.ok()) << token << ": " << decoded.status();
    EXPECT_EQ(*decoded, positions) << token;
  }
}

TEST(ResumeTokenTest, IsVersionedAndUrlSafe) {
  const std::string token = EncodeResumeToken({{0, 12}, {1, 7}, {2, 123456789}});
  EXPECT_EQ(token.rfind("v1.", 0), 0u) << token;
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.v"),
            std::string::npos)
      << token;
  EXPECT_EQ(token, TokenOf("0:12,1:7,2:123456789"));
}

TEST(ResumeTokenTest, ReadsPaddedBase64Too) {
  absl::StatusOr<Positions> decoded = DecodeResumeToken("v1.MDox");  // "0:1"
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, (Positions{{0, 1}}));
  decoded = DecodeResumeToken("v1.MDoxMA==");  // "0:10", padded
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, (Positions{{0, 10}}));
}

TEST(ResumeTokenTest, RefusesAnEmptyOrOverlongToken) {
  ExpectBadToken("", "empty");
  ExpectBadToken(TokenOf(std::string(20000, '1')), "too long");
}

TEST(ResumeTokenTest, RefusesAnotherPrefix) {
  ExpectBadToken("v2." + absl::WebSafeBase64Escape("0:1"), "v1.");
  ExpectBadToken(absl::WebSafeBase64Escape("0:1"), "v1.");
  ExpectBadToken("V1.MDox", "v1.");
  ExpectBadToken("v1", "v1.");
}

TEST(ResumeTokenTest, RefusesBadBase64) {
  ExpectBadToken("v1.!!!!", "base64url");
  ExpectBadToken("v1.MD ox", "base64url");
  ExpectBadToken("v1.M", "base64url");  // one character cannot be a byte
  ExpectBadToken("v1.MDox ", "base64url");
  ExpectBadToken("v1.MD+x", "base64url");  // standard base64, not base64url
  ExpectBadToken("v1.MD/x", "base64url");
  ExpectBadToken("v1.MD=x", "base64url");
  ExpectBadToken("v1.MDoxMA===", "base64url");
}

TEST(ResumeTokenTest, RefusesEntriesThatAreNotPartitionColonOffset) {
  ExpectBadToken(TokenOf("0"), "not partition:offset");
  ExpectBadToken(TokenOf("0:1:2"), "not partition:offset");
  ExpectBadToken(TokenOf("0:1,"), "not partition:offset");
  ExpectBadToken(TokenOf(",0:1"), "not partition:offset");
  ExpectBadToken(TokenOf("0:1;2"), "offset is not a non-negative decimal number");
}

TEST(ResumeTokenTest, RefusesBadNumbers) {
  ExpectBadToken(TokenOf("a:1"), "partition is not a non-negative decimal number");
  ExpectBadToken(TokenOf("0:x"), "offset is not a non-negative decimal number");
  ExpectBadToken(TokenOf("0:"), "offset is not");
  ExpectBadToken(TokenOf(":5"), "partition is not");
  ExpectBadToken(TokenOf("0:+5"), "offset is not");
  ExpectBadToken(TokenOf("0: 5"), "offset is not");
  ExpectBadToken(TokenOf("0:5 "), "offset is not");
  ExpectBadToken(TokenOf("0:0x10"), "offset is not");
  ExpectBadToken(TokenOf("0:1.5"), "offset is not");
  ExpectBadToken(TokenOf("0:99999999999999999999"), "in range");      // past int64
  ExpectBadToken(TokenOf("3000000000:1"), "partition is not");        // past int32
  ExpectBadToken(TokenOf(std::string("0:1\0", 4)), "offset is not");  // a NUL byte
}

TEST(ResumeTokenTest, RefusesNegativeNumbers) {
  ExpectBadToken(TokenOf("0:-5"), "negative offset");
  ExpectBadToken(TokenOf("2:7,0:-1"), "negative offset");
  ExpectBadToken(TokenOf("-1:5"), "negative partition");
}

TEST(ResumeTokenTest, RefusesARepeatedPartition) { ExpectBadToken(TokenOf("0:1,1:2,0:3"), "partition 0 twice"); }

TEST(ResumeTokenTest, ErrorsQuoteTheEntryShortAndPrintable) {
  absl::StatusOr<Positions> decoded = DecodeResumeToken(TokenOf("0:1,7:\x01" + std::string(100, 'z')));
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("\"7:\\x01zzz"));
  EXPECT_THAT(decoded.status().message(), HasSubstr("...\""));
  EXPECT_LT(decoded.status().message().size(), 200u) << decoded.status();
}

// Checks made before Kafka is reached: the brokers here do not exist.
const KafkaSettings kNoKafka{.brokers = "127.0.0.1:1", .client_id = "page_watch_test", .extra = {}};

TEST(StreamPersonPagesTest, RequiresAPerson) {
  csec::dispatch::v1::WatchPagesRequest request;
  int writes = 0;
  absl::Status s = StreamPersonPages(
      kNoKafka, request, [] { return false; },
      [&](const csec::dispatch::v1::WatchPagesResponse&) { return ++writes, true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr("person_id"));
  EXPECT_EQ(writes, 0);
}

TEST(StreamPersonPagesTest, RefusesAMalformedTokenBeforeReadingAnything) {
  csec::dispatch::v1::WatchPagesRequest request;
  request.set_person_id("p-1");
  request.set_resume_token(TokenOf("0:-3"));
  int writes = 0;
  absl::Status s = StreamPersonPages(
      kNoKafka, request, [] { return false; },
      [&](const csec::dispatch::v1::WatchPagesResponse&) { return ++writes, true; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr("resume_token"));
  EXPECT_EQ(writes, 0);
}

TEST(StreamPersonPagesTest, ACancelledStreamEndsAtOnce) {
  csec::dispatch::v1::WatchPagesRequest request;
  request.set_person_id("p-1");
  int writes = 0;
  absl::Status s = StreamPersonPages(
      kNoKafka, request, [] { return true; },
      [&](const csec::dispatch::v1::WatchPagesResponse&) { return ++writes, true; });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(writes, 0);
}

}  // namespace
}  // namespace csec::paging
