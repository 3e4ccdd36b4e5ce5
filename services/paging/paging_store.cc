#include "services/paging/paging_store.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/redis_keys.h"

namespace csec::paging {

using csec::dispatch::v1::PagingCaseState;

namespace {

// KEYS[1] the state, KEYS[2..] stopped marks; ARGV[1] the state bytes, ARGV[2] expiry ms.
const RedisScript kSave(R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == 'acknowledged' then redis.call('PEXPIRE', KEYS[i], ARGV[2])
  else redis.call('SET', KEYS[i], 'stopped', 'PX', ARGV[2]) end
end
return 1
)lua");

}  // namespace

absl::StatusOr<PagingCaseState> PagingStore::Load(const std::string& case_id) {
  absl::StatusOr<RedisReply> reply = redis_->Command({"GET", redis_keys::PagingCase(case_id)});
  if (!reply.ok()) return reply.status();
  PagingCaseState state;
  if (reply->is_nil()) return state;
  if (!state.ParseFromString(reply->str)) {
    return absl::DataLossError(absl::StrCat("paging state of case ", case_id, " is not a PagingCaseState"));
  }
  return state;
}

absl::Status PagingStore::Save(const std::string& case_id, const PagingCaseState& state) {
  std::vector<std::string> keys = {redis_keys::PagingCase(case_id)};
  for (const auto& page : state.pages()) {
    if (page.state() == csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED ||
        page.state() == csec::dispatch::v1::PAGE_STATE_CLOSED) {
      keys.push_back(redis_keys::PageStopped(case_id, page.page_id()));
    }
  }
  absl::StatusOr<RedisReply> reply =
      redis_->Eval(kSave, keys, {state.SerializeAsString(), absl::StrCat(absl::ToInt64Milliseconds(horizon_))});
  return reply.status();
}

absl::Status PagingStore::MarkStopped(const std::string& case_id, const std::string& page_id) {
  return redis_
      ->Command({"SET", redis_keys::PageStopped(case_id, page_id), "1", "PX",
                 absl::StrCat(absl::ToInt64Milliseconds(horizon_))})
      .status();
}

absl::StatusOr<bool> PagingStore::MarkAcknowledged(const std::string& case_id, const std::string& page_id) {
  static const RedisScript kAcknowledge(R"lua(
if redis.call('GET', KEYS[1]) == 'acknowledged' then return 0 end
redis.call('SET', KEYS[1], 'acknowledged', 'PX', ARGV[1])
return 1
)lua");
  absl::StatusOr<RedisReply> reply = redis_->Eval(kAcknowledge, {redis_keys::PageStopped(case_id, page_id)},
                                                  {absl::StrCat(absl::ToInt64Milliseconds(horizon_))});
  if (!reply.ok()) return reply.status();
  return reply->integer == 1;
}

absl::Status PagingStore::ClearStopped(const std::string& case_id, const std::string& page_id) {
  return redis_->Command({"DEL", redis_keys::PageStopped(case_id, page_id)}).status();
}

}  // namespace csec::paging
