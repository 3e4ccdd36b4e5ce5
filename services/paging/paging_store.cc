#include "services/paging/paging_store.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/paging/page_delivery.h"
#include "services/paging/paging_keys.h"

namespace csec::paging {

using csec::dispatch::v1::PagingCaseState;

namespace {

// KEYS[1] the state, KEYS[2..n-1] stopped marks, KEYS[n] the paging epoch; ARGV[1] the state
// bytes, ARGV[2] expiry ms. Returns 0, writing nothing, without the epoch.
const RedisScript kSave(R"lua(
if redis.call('EXISTS', KEYS[#KEYS]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, #KEYS - 1 do
  if redis.call('GET', KEYS[i]) == 'acknowledged' then redis.call('PEXPIRE', KEYS[i], ARGV[2])
  else redis.call('SET', KEYS[i], 'stopped', 'PX', ARGV[2]) end
end
return 1
)lua");

}  // namespace

absl::Status CheckPagingState(RedisClient* redis) {
  ASSIGN_OR_RETURN(RedisReply epoch, redis->Command({"EXISTS", redis_keys::PagingEpoch()}));
  return epoch.integer == 1 ? absl::OkStatus() : PagingStateLost();
}

absl::StatusOr<PagingCaseState> PagingStore::Load(const std::string& case_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Command({"GET", redis_keys::PagingCase(case_id)}));
  PagingCaseState state;
  if (reply.is_nil()) {
    // A case paging never saw, or one Redis forgot: deciding on an empty state then would drop
    // its chain (a step's wait finds no page) or page again what was paged.
    RETURN_IF_ERROR(CheckPagingState(redis_));
    return state;
  }
  if (!state.ParseFromString(reply.str)) {
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
  keys.push_back(redis_keys::PagingEpoch());
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_->Eval(kSave, keys, {state.SerializeAsString(), absl::StrCat(absl::ToInt64Milliseconds(horizon_))}));
  return reply.integer == 1 ? absl::OkStatus() : PagingStateLost();
}

absl::Status PagingStore::Restore(const PagingReplay& replay, absl::Time now) {
  const int64_t horizon_ms = absl::ToInt64Milliseconds(horizon_);
  const std::string ttl = absl::StrCat(horizon_ms);
  RedisBatch batch(redis_);
  // Only where nothing is: a replica that rebuilt first may already be deciding.
  for (const auto& [case_id, state] : replay.Cases()) {
    batch.Command({"SET", redis_keys::PagingCase(case_id), state.SerializeAsString(), "PX", ttl, "NX"});
    for (const auto& page : state.pages()) {
      const bool acknowledged = page.state() == csec::dispatch::v1::PAGE_STATE_ACKNOWLEDGED;
      if (acknowledged || page.state() == csec::dispatch::v1::PAGE_STATE_CLOSED) {
        batch.Command({"SET", redis_keys::PageStopped(case_id, page.page_id()),
                       acknowledged ? "acknowledged" : "stopped", "PX", ttl, "NX"});
      }
    }
  }
  // What delivery kept, for what is left of its horizon.
  auto keep = [&](const std::string& key, const PagingReplay::Kept& kept) {
    const int64_t left = horizon_ms - absl::ToInt64Milliseconds(now - kept.written);
    if (left > 0) batch.Command({"SET", key, kept.value, "PX", absl::StrCat(left), "NX"});
  };
  for (const auto& [key, kept] : replay.sent_bodies()) keep(redis_keys::PageSentBody(key.first, key.second), kept);
  for (const auto& [key, kept] : replay.deliveries_done()) keep(redis_keys::DeliveryDone(key.first, key.second), kept);
  return batch.Wait();
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
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Eval(kAcknowledge, {redis_keys::PageStopped(case_id, page_id)},
                                                  {absl::StrCat(absl::ToInt64Milliseconds(horizon_))}));
  return reply.integer == 1;
}

absl::Status PagingStore::ClearStopped(const std::string& case_id, const std::string& page_id) {
  return redis_->Command({"DEL", redis_keys::PageStopped(case_id, page_id)}).status();
}

absl::Status RebuildPagingState(PagingStore* store, const PagingConfig* config, const KafkaSettings& kafka,
                                int64_t* events) {
  PagingReplay replay(config);
  // Paging's own decisions first (the pages), then what it decided on (the case summaries).
  for (const char* topic : {kPagingTopic, kRoutingTopic, kTimersTopic, kIntakeTopic, kMedicalTopic}) {
    absl::Status scanned =
        ScanTopic(kafka, topic, absl::Minutes(30), /*stop_at_end=*/true, [&](const ConsumedMessage& m) {
          absl::StatusOr<csec::dispatch::v1::Envelope> e = ParseEnvelope(m.payload);
          if (!e.ok()) return true;  // dead-lettered when it was new
          replay.Apply(*e, m.payload, absl::FromUnixMillis(m.timestamp_ms));
          ++*events;
          return true;
        });
    if (!scanned.ok()) return scanned;
  }
  return store->Restore(replay, absl::Now());
}

}  // namespace csec::paging
