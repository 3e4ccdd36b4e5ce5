#include "services/common/redis/redis_reply.h"

#include <gtest/gtest.h>

namespace csec {
namespace {

TEST(RedisErrorStatus, ServerStatesThatPassAreUnavailableAndSaySo) {
  absl::Status oom = RedisErrorStatus("EVALSHA", "OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_TRUE(absl::IsUnavailable(oom)) << oom;
  EXPECT_NE(oom.message().find("out of memory"), absl::string_view::npos) << oom;
  EXPECT_TRUE(absl::IsUnavailable(RedisErrorStatus("GET", "LOADING Redis is loading the dataset in memory")));
  EXPECT_TRUE(absl::IsUnavailable(RedisErrorStatus("SET", "READONLY You can't write against a read only replica.")));
  EXPECT_TRUE(absl::IsUnavailable(RedisErrorStatus("SET", "MISCONF Redis is configured to save RDB snapshots")));
  EXPECT_TRUE(absl::IsUnavailable(RedisErrorStatus("GET", "CLUSTERDOWN The cluster is down")));
}

TEST(RedisErrorStatus, OtherErrorsAreInternalWithTheCommand) {
  absl::Status wrong = RedisErrorStatus("HGET", "WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_TRUE(absl::IsInternal(wrong)) << wrong;
  EXPECT_NE(wrong.message().find("HGET"), absl::string_view::npos);
  // A prefix must be a whole word: "OOMPH" is not OOM.
  EXPECT_TRUE(absl::IsInternal(RedisErrorStatus("EVAL", "OOMPH user script said so")));
}

TEST(IsReadOnlyRedisCommand, OnlyReadsMayBeResent) {
  EXPECT_TRUE(IsReadOnlyRedisCommand("GET"));
  EXPECT_TRUE(IsReadOnlyRedisCommand("exists"));
  EXPECT_TRUE(IsReadOnlyRedisCommand("PING"));
  EXPECT_FALSE(IsReadOnlyRedisCommand("SET"));
  EXPECT_FALSE(IsReadOnlyRedisCommand("INCR"));
  EXPECT_FALSE(IsReadOnlyRedisCommand("EVALSHA")) << "a script may write";
  EXPECT_FALSE(IsReadOnlyRedisCommand("HSETNX"));
}

}  // namespace
}  // namespace csec
