#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/common/redis/redis.h"
#include "services/common/redis/redis_keys.h"

namespace csec {
namespace {

// Keys the way every service names a case's keys: one hash tag per case.
std::string CaseKey(absl::string_view case_id, absl::string_view name) {
  return absl::StrCat("csec:case:{", case_id, "}:", name);
}

// Intake reserves a report's key, marks it published, and later reads the case: all three must
// run in the order sent, so they must share a connection whatever keys each names first.
TEST(RedisLaneFor, EveryCommandAboutOneCaseTakesTheSameLane) {
  for (const std::string case_id : {"c-1", "c-2", "0b6e4d42-8a8f-5f3c-9a54-2b7b0c8f1a11"}) {
    const size_t lane = RedisLaneFor({"EVALSHA", "sha", "2", CaseKey(case_id, "report"), CaseKey(case_id, "key")}, 8);
    EXPECT_EQ(RedisLaneFor({"EVALSHA", "sha", "3", CaseKey(case_id, "events"), CaseKey(case_id, "version"),
                            CaseKey(case_id, "report")},
                           8),
              lane);
    EXPECT_EQ(RedisLaneFor({"HVALS", CaseKey(case_id, "events")}, 8), lane);
    EXPECT_EQ(RedisLaneFor({"GET", CaseKey(case_id, "version")}, 8), lane);
  }
}

TEST(RedisLaneFor, KeysWithoutATagSpreadOverTheLanes) {
  std::set<size_t> used;
  for (int i = 0; i < 64; ++i)
    used.insert(RedisLaneFor({"EXISTS", redis_keys::Handled("routing", std::to_string(i))}, 4));
  EXPECT_EQ(used.size(), 4u);
  EXPECT_EQ(RedisLaneFor({"PING"}, 4), 0u);
  EXPECT_EQ(RedisLaneFor({"GET", "{}"}, 4), RedisLaneFor({"GET", "{}"}, 4)) << "an empty tag is the whole key";
}

}  // namespace
}  // namespace csec
