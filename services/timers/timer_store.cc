#include "services/timers/timer_store.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/status_macros.h"
#include "services/common/kafka/kafka_partitioner.h"
#include "services/timers/timer_keys.h"

namespace csec::timers {
namespace {

// KEYS: due zset, bodies hash. ARGV[1]: when marks made now expire (ms). Then groups of four:
//   'a', id, due_ms, value        arm unless the id is there (armed, closed, or marked)
//   'c', id, state, record bytes  close an open timer (its record gets the bytes appended, which
//                                 protobuf reads as a merge), or leave a mark of `state`
//   'f', id, 'F', record bytes    a claimed timer was fired
// Returns {head, prior value per op ('' = absent)}.
const RedisScript kApplyScript(R"lua(
local due_key, bodies, expiry = KEYS[1], KEYS[2], ARGV[1]
local out, live = {}, 0
for i = 2, #ARGV, 4 do
  local op, id, x, y = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local prior = redis.call('HGET', bodies, id)
  local state = prior and string.sub(prior, 1, 1)
  local open = state == 'A' or state == 'C'
  out[#out + 1] = prior or ''
  if op == 'a' then
    if not prior then
      redis.call('HSET', bodies, id, y)
      redis.call('ZADD', due_key, x, id)
      live = live + 1
    end
  elseif op == 'c' then
    if not prior then
      redis.call('HSET', bodies, id, x .. y)
      redis.call('ZADD', due_key, expiry, id)
    elseif open then
      redis.call('HSET', bodies, id, x .. string.sub(prior, 2) .. y)
      redis.call('ZADD', due_key, expiry, id)
      live = live - 1
    end
  elseif op == 'f' and state == 'C' then
    redis.call('HSET', bodies, id, 'F' .. string.sub(prior, 2) .. y)
    redis.call('ZADD', due_key, expiry, id)
    live = live - 1
  end
end
if live ~= 0 then redis.call('HINCRBY', bodies, '#live', live) end
local head = redis.call('ZRANGE', due_key, 0, 0, 'WITHSCORES')
table.insert(out, 1, head[2] or '')
return out
)lua");

// KEYS: due zset, bodies hash. ARGV: now_ms, lease_until_ms, max. Open timers due by now become
// 'C' until the lease runs out; a reminder whose deadline is closed is dropped; marks due by now
// are forgotten. Returns {head, id1, value1, id2, value2, ...} (values as before the claim).
const RedisScript kClaimScript(R"lua(
local due_key, bodies = KEYS[1], KEYS[2]
local ids = redis.call('ZRANGEBYSCORE', due_key, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out, live = {}, 0
for _, id in ipairs(ids) do
  local v = redis.call('HGET', bodies, id)
  local state = v and string.sub(v, 1, 1)
  if state == 'A' or state == 'C' then
    local deadline = string.match(id, '^(.+):r%d+$')
    local deadline_state = deadline and string.sub(redis.call('HGET', bodies, deadline) or '', 1, 1)
    if deadline and deadline_state ~= 'A' and deadline_state ~= 'C' then
      redis.call('HDEL', bodies, id)
      redis.call('ZREM', due_key, id)
      live = live - 1
    else
      redis.call('HSET', bodies, id, 'C' .. string.sub(v, 2))
      redis.call('ZADD', due_key, ARGV[2], id)
      out[#out + 1] = id
      out[#out + 1] = v
    end
  else
    redis.call('HDEL', bodies, id)
    redis.call('ZREM', due_key, id)
  end
end
if live ~= 0 then redis.call('HINCRBY', bodies, '#live', live) end
local head = redis.call('ZRANGE', due_key, 0, 0, 'WITHSCORES')
table.insert(out, 1, head[2] or '')
return out
)lua");

constexpr char kLiveField[] = "#live";

std::vector<std::string> Keys(const TimerShard& s) {
  return {redis_keys::TimerShardDue(s.partition, s.index), redis_keys::TimerShardBodies(s.partition, s.index)};
}

std::string Millis(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }

absl::StatusOr<std::optional<absl::Time>> ParseHead(const RedisReply& r) {
  if (r.is_nil() || r.str.empty()) return std::nullopt;
  double ms = 0;
  if (!absl::SimpleAtod(r.str, &ms))
    return absl::InternalError(absl::StrCat("timer shard head is not a number: ", r.str));
  return absl::FromUnixMillis(static_cast<int64_t>(ms));
}

absl::StatusOr<std::optional<StoredTimer>> ParseValue(const RedisReply& r, absl::string_view id) {
  if (r.is_nil() || r.str.empty()) return std::nullopt;
  std::optional<StoredTimer> t = DecodeTimer(r.str);
  if (!t.has_value()) return absl::DataLossError(absl::StrCat("timer ", id, " has a value that is not a timer"));
  return t;
}

absl::Status ExpectArray(const absl::StatusOr<RedisReply>& r, size_t at_least) {
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kArray || r->elements.size() < at_least) {
    return absl::InternalError("timer script answered something other than its array");
  }
  return absl::OkStatus();
}

}  // namespace

TimerShard TimerStore::ShardOf(absl::string_view case_id) const {
  const int32_t partition = KafkaPartitionFor(case_id, sharding_.partitions);
  // Another hash than the partition's, so a partition's cases spread over all its shards.
  const uint32_t h = static_cast<uint32_t>(KafkaMurmur2(absl::StrCat("timer-shard:", case_id)));
  return {partition, static_cast<int32_t>(h % static_cast<uint32_t>(sharding_.shards_per_partition))};
}

std::vector<TimerShard> TimerStore::ShardsOfPartition(int32_t partition) const {
  std::vector<TimerShard> out;
  for (int32_t i = 0; i < sharding_.shards_per_partition; ++i) out.push_back({partition, i});
  return out;
}

std::vector<TimerShard> TimerStore::AllShards() const {
  std::vector<TimerShard> out;
  for (int32_t p = 0; p < sharding_.partitions; ++p) {
    for (const TimerShard& s : ShardsOfPartition(p)) out.push_back(s);
  }
  return out;
}

void TimerStore::Apply(const TimerShard& shard, const std::vector<TimerOp>& ops, absl::Time mark_expiry,
                       absl::AnyInvocable<void(absl::StatusOr<ApplyResult>)> done) {
  std::vector<std::string> args = {Millis(mark_expiry)};
  args.reserve(1 + 4 * ops.size());
  for (const TimerOp& op : ops) {
    switch (op.kind) {
      case TimerOp::Kind::kArm:
        args.insert(args.end(),
                    {"a", op.timer_id, absl::StrCat(op.record.due_ms()), EncodeTimer(TimerState::kArmed, op.record)});
        break;
      case TimerOp::Kind::kClose:
        args.insert(args.end(), {"c", op.timer_id, std::string(1, static_cast<char>(op.close_state)),
                                 op.record.SerializeAsString()});
        break;
      case TimerOp::Kind::kFired:
        args.insert(args.end(), {"f", op.timer_id, "F", op.record.SerializeAsString()});
        break;
    }
  }
  std::vector<std::string> ids;
  for (const TimerOp& op : ops) ids.push_back(op.timer_id);
  redis_->EvalAsync(kApplyScript, Keys(shard), args,
                    [ids = std::move(ids), done = std::move(done)](absl::StatusOr<RedisReply> r) mutable {
                      if (absl::Status s = ExpectArray(r, 1 + ids.size()); !s.ok()) return done(s);
                      ApplyResult result;
                      absl::StatusOr<std::optional<absl::Time>> head = ParseHead(r->elements[0]);
                      if (!head.ok()) return done(head.status());
                      result.head = *head;
                      for (size_t i = 0; i < ids.size(); ++i) {
                        absl::StatusOr<std::optional<StoredTimer>> prior = ParseValue(r->elements[i + 1], ids[i]);
                        if (!prior.ok()) return done(prior.status());
                        result.priors.push_back(*std::move(prior));
                      }
                      done(std::move(result));
                    });
}

void TimerStore::Claim(const TimerShard& shard, absl::Time now, absl::Duration lease, int max,
                       absl::AnyInvocable<void(absl::StatusOr<ClaimResult>)> done) {
  redis_->EvalAsync(kClaimScript, Keys(shard), {Millis(now), Millis(now + lease), absl::StrCat(max)},
                    [done = std::move(done)](absl::StatusOr<RedisReply> r) mutable {
                      if (absl::Status s = ExpectArray(r, 1); !s.ok()) return done(s);
                      ClaimResult result;
                      absl::StatusOr<std::optional<absl::Time>> head = ParseHead(r->elements[0]);
                      if (!head.ok()) return done(head.status());
                      result.head = *head;
                      for (size_t i = 1; i + 1 < r->elements.size(); i += 2) {
                        const std::string& id = r->elements[i].str;
                        absl::StatusOr<std::optional<StoredTimer>> t = ParseValue(r->elements[i + 1], id);
                        if (!t.ok()) return done(t.status());
                        if (t->has_value()) result.claimed.push_back({id, **t});
                      }
                      done(std::move(result));
                    });
}

void TimerStore::Head(const TimerShard& shard,
                      absl::AnyInvocable<void(absl::StatusOr<std::optional<absl::Time>>)> done) {
  redis_->CommandAsync({"ZRANGE", Keys(shard)[0], "0", "0", "WITHSCORES"},
                       [done = std::move(done)](absl::StatusOr<RedisReply> r) mutable {
                         if (!r.ok()) return done(r.status());
                         if (r->elements.size() < 2) return done(std::optional<absl::Time>());
                         done(ParseHead(r->elements[1]));
                       });
}

absl::StatusOr<std::vector<std::optional<StoredTimer>>> TimerStore::Get(const TimerShard& shard,
                                                                        const std::vector<std::string>& ids,
                                                                        absl::Time deadline) {
  if (ids.empty()) return std::vector<std::optional<StoredTimer>>();
  std::vector<std::string> args = {"HMGET", Keys(shard)[1]};
  args.insert(args.end(), ids.begin(), ids.end());
  absl::StatusOr<RedisReply> r = redis_->Command(std::move(args), deadline);
  RETURN_IF_ERROR(ExpectArray(r, ids.size()));
  std::vector<std::optional<StoredTimer>> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSIGN_OR_RETURN(std::optional<StoredTimer> t, ParseValue(r->elements[i], ids[i]));
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<std::vector<std::pair<std::string, StoredTimer>>> TimerStore::Soonest(
    const TimerShard& shard, csec::dispatch::v1::TimerClass timer_class, absl::Time before, int limit,
    absl::Time deadline) {
  std::vector<std::pair<std::string, StoredTimer>> out;
  const std::vector<std::string> keys = Keys(shard);
  // Open timers and marks share the sorted set; read it in pages until enough are found.
  const int page = std::max(limit * 4, 64);
  for (int offset = 0; static_cast<int>(out.size()) < limit; offset += page) {
    absl::StatusOr<RedisReply> r = redis_->Command(
        {"ZRANGEBYSCORE", keys[0], "-inf",
         before == absl::InfiniteFuture() ? std::string("+inf") : absl::StrCat("(", absl::ToUnixMillis(before)),
         "LIMIT", absl::StrCat(offset), absl::StrCat(page)},
        deadline);
    RETURN_IF_ERROR(ExpectArray(r, 0));
    if (r->elements.empty()) break;
    std::vector<std::string> ids;
    for (const RedisReply& e : r->elements) ids.push_back(e.str);
    ASSIGN_OR_RETURN(std::vector<std::optional<StoredTimer>> timers, Get(shard, ids, deadline));
    for (size_t i = 0; i < ids.size() && static_cast<int>(out.size()) < limit; ++i) {
      const std::optional<StoredTimer>& t = timers[i];
      if (t.has_value() && IsOpen(t->state) && t->record.timer_class() == timer_class &&
          absl::FromUnixMillis(t->record.due_ms()) < before) {
        out.emplace_back(ids[i], *t);
      }
    }
    if (static_cast<int>(r->elements.size()) < page) break;
  }
  return out;
}

void TimerStore::LiveCountAsync(const TimerShard& shard, absl::AnyInvocable<void(absl::StatusOr<int64_t>)> done) {
  redis_->CommandAsync({"HGET", Keys(shard)[1], kLiveField},
                       [done = std::move(done)](absl::StatusOr<RedisReply> r) mutable {
                         if (!r.ok()) return done(r.status());
                         int64_t n = 0;
                         if (!r->is_nil()) (void)absl::SimpleAtoi(r->str, &n);
                         done(n);
                       });
}

}  // namespace csec::timers
