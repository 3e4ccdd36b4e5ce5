// The shared Redis client on a real redis-server: commands about one key run in the order they
// were sent, including a script's first use, when the server does not have it cached yet.
#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/common/base/ids.h"
#include "services/common/redis/redis.h"
#include "tests/integration/harness.h"

namespace csec::testing {
namespace {

TEST(RedisClientOrder, AScriptsFirstUseIsNotOvertakenByTheCommandsSentAfterIt) {
  const StackEnv stack = StackEnv::FromEnvironment();
  absl::StatusOr<std::unique_ptr<RedisClient>> redis = RedisClient::Connect(stack.redis_address);
  ASSERT_TRUE(redis.ok()) << redis.status();
  constexpr int kScripts = 50;
  std::atomic<int> stale_reads{0};
  std::atomic<int> answered{0};
  absl::Notification all_answered;
  for (int i = 0; i < kScripts; ++i) {
    // A new script each time (its source differs), so the server has never seen its digest.
    const std::string key = absl::StrCat("csec:test:{", NewRandomId(), "}:order");
    const RedisScript script(absl::StrCat("-- ", NewRandomId(), "\nreturn redis.call('SET', KEYS[1], 'written')"));
    (*redis)->EvalAsync(script, {key}, {}, [](absl::StatusOr<RedisReply>) {});
    (*redis)->CommandAsync({"GET", key}, [&](absl::StatusOr<RedisReply> read) {
      if (!read.ok() || read->str != "written") stale_reads++;
      if (++answered == kScripts) all_answered.Notify();
    });
  }
  ASSERT_TRUE(all_answered.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(stale_reads.load(), 0) << "a GET sent after a script's first use ran before the script";
}

}  // namespace
}  // namespace csec::testing
