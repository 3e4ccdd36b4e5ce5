#include "services/medical/medical_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/medical/medical_keys.h"

namespace csec::medical {
namespace {

using csec::dispatch::v1::MedicalCaseState;

std::string HorizonMs() { return absl::StrCat(absl::ToInt64Milliseconds(redis_keys::kMedicalHorizon)); }

// Every script that changes medical state first checks the epoch (its last key) and answers
// "lost" without it: after a Redis loss nothing is booked or saved on the empty store until the
// rebuild (medical_replay.h) has put the state back.
absl::Status StateLost() {
  return absl::UnavailableError(
      "the medical state in Redis was lost (flushed, or failed over to an empty replica); the medical service "
      "restarts to rebuild it from Kafka: nothing was changed, retry");
}

// KEYS: booking record, then one day key per group, then the replaced appointment's day key (or
// a repeat of the booking key when none), then the epoch. ARGV: appointment id, case id, ttl ms,
// group count, replaced slot field ("" when none), replaced appointment id, then per group: label
// ("<hub>|<date>"), first slot, last slot, configured capacity.
// Returns {"existing", "<hub>|<date>|<slot>"}, {"booked", "<hub>|<date>|<slot>", group index},
// {"none", closed groups} or {"lost", ""}.
const RedisScript& BookScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('EXISTS', KEYS[#KEYS]) == 0 then return {'lost', ''} end
local held = redis.call('GET', KEYS[1])
if held then return {'existing', held} end
local groups = tonumber(ARGV[4])
local closed = 0
for i = 1, groups do
  local key = KEYS[1 + i]
  local b = 6 + (i - 1) * 4
  local day = redis.call('HMGET', key, 'closed', 'capacity', 'booked')
  if day[1] then
    closed = closed + 1
  else
    local capacity = tonumber(day[2] or ARGV[b + 4])
    if tonumber(day[3] or '0') < capacity then
      for slot = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]) do
        if redis.call('HSETNX', key, 's' .. slot, ARGV[2] .. '|' .. ARGV[1]) == 1 then
          redis.call('HINCRBY', key, 'booked', 1)
          redis.call('PEXPIRE', key, ARGV[3])
          local record = ARGV[b + 1] .. '|' .. slot
          redis.call('SET', KEYS[1], record, 'PX', ARGV[3])
          if ARGV[5] ~= '' then
            local replaced = KEYS[2 + groups]
            local holder = redis.call('HGET', replaced, ARGV[5])
            if holder and string.sub(holder, -string.len(ARGV[6]) - 1) == '|' .. ARGV[6] then
              redis.call('HDEL', replaced, ARGV[5])
              redis.call('HINCRBY', replaced, 'booked', -1)
            end
          end
          return {'booked', record, tostring(i - 1)}
        end
      end
    end
  end
end
return {'none', tostring(closed)}
)lua");
  return *script;
}

// KEYS: day. ARGV: slot field, appointment id. Frees the slot if that appointment holds it.
const RedisScript& ReleaseScript() {
  static const RedisScript* script = new RedisScript(R"lua(
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and string.sub(holder, -string.len(ARGV[2]) - 1) == '|' .. ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'booked', -1)
  return 1
end
return 0
)lua");
  return *script;
}

// KEYS: day, epoch. ARGV: capacity ("-1": as configured), closed ("1"/"0"), reason, ttl ms,
// version, and "rebuild" to skip the epoch check. Applies the change only over an older version.
// Returns the day's hash after (HGETALL), or "lost".
const RedisScript& SetDayScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if ARGV[6] ~= 'rebuild' and redis.call('EXISTS', KEYS[2]) == 0 then return 'lost' end
if tonumber(redis.call('HGET', KEYS[1], 'version') or '0') < tonumber(ARGV[5]) then
  if ARGV[1] == '-1' then redis.call('HDEL', KEYS[1], 'capacity') else redis.call('HSET', KEYS[1], 'capacity', ARGV[1]) end
  if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'closed', ARGV[3]) else redis.call('HDEL', KEYS[1], 'closed') end
  redis.call('HSET', KEYS[1], 'version', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return redis.call('HGETALL', KEYS[1])
)lua");
  return *script;
}

// KEYS: case state, epoch. ARGV: state bytes, ttl ms. Returns 0 when the epoch is gone.
const RedisScript& SaveCaseScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua");
  return *script;
}

// A slot holder a rebuild puts back, never over one that is there (another replica may have
// rebuilt already and be booking). KEYS: day. ARGV: slot field, holder, ttl ms.
const RedisScript& RestoreHolderScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'booked', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
)lua");
  return *script;
}

// KEYS: lock. ARGV: token. Deletes the lock only if this token holds it.
const RedisScript& UnlockScript() {
  static const RedisScript* script = new RedisScript(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
  return *script;
}

std::string SlotField(int slot) { return absl::StrCat("s", slot); }

absl::StatusOr<SlotRef> ParseRecord(absl::string_view record) {
  std::vector<std::string> parts = absl::StrSplit(record, '|');
  SlotRef slot;
  std::optional<absl::CivilDay> day = parts.size() == 3 ? ParseLocalDate(parts[1]) : std::nullopt;
  if (!day || !absl::SimpleAtoi(parts[2], &slot.slot_index)) {
    return absl::InternalError(absl::StrCat("medical booking record in Redis is damaged: ", record));
  }
  slot.hub_id = parts[0];
  slot.day = *day;
  return slot;
}

HubDayState DayFromHash(const RedisReply& hash) {
  HubDayState day;
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& field = hash.elements[i].str;
    const std::string& value = hash.elements[i + 1].str;
    int number = 0;
    if (field == "booked") {
      (void)absl::SimpleAtoi(value, &day.booked);
    } else if (field == "version") {
      (void)absl::SimpleAtoi(value, &day.version);
    } else if (field == "capacity" && absl::SimpleAtoi(value, &number)) {
      day.capacity = number;
    } else if (field == "closed") {
      day.closed = value;
    } else if (field.size() > 1 && field[0] == 's' && absl::SimpleAtoi(field.substr(1), &number)) {
      day.booked_case_by_slot[number] = value.substr(0, value.find('|'));
    }
  }
  return day;
}

}  // namespace

absl::StatusOr<std::string> MedicalStore::Lock(const std::string& subject, absl::Time deadline, absl::Duration lease) {
  const std::string token = NewRandomId();
  absl::Duration pause = absl::Milliseconds(2);
  while (true) {
    ASSIGN_OR_RETURN(RedisReply taken, redis_->Command({"SET", redis_keys::MedicalLock(subject), token, "NX", "PX",
                                                        absl::StrCat(absl::ToInt64Milliseconds(lease))},
                                                       deadline));
    if (!taken.is_nil()) return token;
    if (absl::Now() + pause > deadline) {
      return absl::UnavailableError(absl::StrCat(subject, " is being changed by another request; try again"));
    }
    absl::SleepFor(pause);  // another holder: a change takes milliseconds
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

void MedicalStore::Unlock(const std::string& subject, const std::string& token) {
  // If this fails the lease frees it.
  (void)redis_->Eval(UnlockScript(), {redis_keys::MedicalLock(subject)}, {token});
}

absl::StatusOr<std::optional<MedicalCaseState>> MedicalStore::LoadCase(const std::string& case_id) {
  ASSIGN_OR_RETURN(RedisReply got, redis_->Command({"GET", redis_keys::MedicalCase(case_id)}));
  if (got.is_nil()) return std::nullopt;
  MedicalCaseState state;
  if (!state.ParseFromString(got.str)) return absl::InternalError("medical case state in Redis is damaged");
  return state;
}

absl::Status MedicalStore::SaveCase(const MedicalCaseState& state) {
  ASSIGN_OR_RETURN(
      RedisReply saved,
      redis_->Eval(SaveCaseScript(), {redis_keys::MedicalCase(state.case_id()), redis_keys::MedicalEpoch()},
                   {state.SerializeAsString(), HorizonMs()}));
  return saved.integer == 1 ? absl::OkStatus() : StateLost();
}

absl::StatusOr<BookingOutcome> MedicalStore::Book(const std::string& appointment_id, const std::string& case_id,
                                                  const std::vector<SlotGroup>& groups,
                                                  const std::optional<std::pair<SlotRef, std::string>>& replaces) {
  std::vector<std::string> keys = {redis_keys::MedicalBooking(appointment_id)};
  std::vector<std::string> args = {appointment_id,
                                   case_id,
                                   HorizonMs(),
                                   absl::StrCat(groups.size()),
                                   replaces ? SlotField(replaces->first.slot_index) : "",
                                   replaces ? replaces->second : ""};
  for (const SlotGroup& g : groups) {
    const std::string date = FormatLocalDate(g.day);
    keys.push_back(redis_keys::MedicalDay(g.hub_id, date));
    args.push_back(absl::StrCat(g.hub_id, "|", date));
    args.push_back(absl::StrCat(g.first_slot));
    args.push_back(absl::StrCat(g.last_slot));
    args.push_back(absl::StrCat(g.capacity));
  }
  keys.push_back(replaces ? redis_keys::MedicalDay(replaces->first.hub_id, FormatLocalDate(replaces->first.day))
                          : keys.front());
  keys.push_back(redis_keys::MedicalEpoch());
  ASSIGN_OR_RETURN(RedisReply reply, redis_->Eval(BookScript(), keys, args));
  if (reply.elements.size() < 2) return absl::InternalError("medical booking: unexpected answer from Redis");
  BookingOutcome outcome;
  const std::string& state = reply.elements[0].str;
  if (state == "lost") return StateLost();
  if (state == "none") {
    (void)absl::SimpleAtoi(reply.elements[1].str, &outcome.closed_groups);
    return outcome;
  }
  ASSIGN_OR_RETURN(SlotRef slot, ParseRecord(reply.elements[1].str));
  outcome.booked = true;
  outcome.slot = std::move(slot);
  outcome.existed = state == "existing";
  if (!outcome.existed && reply.elements.size() == 3)
    (void)absl::SimpleAtoi(reply.elements[2].str, &outcome.group_index);
  return outcome;
}

absl::Status MedicalStore::Release(const SlotRef& slot, const std::string& appointment_id) {
  return redis_
      ->Eval(ReleaseScript(), {redis_keys::MedicalDay(slot.hub_id, FormatLocalDate(slot.day))},
             {SlotField(slot.slot_index), appointment_id})
      .status();
}

absl::StatusOr<HubDayState> MedicalStore::ReadDay(const std::string& hub_id, const std::string& local_date) {
  ASSIGN_OR_RETURN(RedisReply hash, redis_->Command({"HGETALL", redis_keys::MedicalDay(hub_id, local_date)}));
  return DayFromHash(hash);
}

absl::StatusOr<HubDayState> MedicalStore::SetDay(const std::string& hub_id, const std::string& local_date, int capacity,
                                                 bool closed, const std::string& reason, int64_t version) {
  ASSIGN_OR_RETURN(
      RedisReply hash,
      redis_->Eval(SetDayScript(), {redis_keys::MedicalDay(hub_id, local_date), redis_keys::MedicalEpoch()},
                   {absl::StrCat(capacity), closed ? "1" : "0", reason, HorizonMs(), absl::StrCat(version), ""}));
  if (hash.str == "lost") return StateLost();
  return DayFromHash(hash);
}

absl::StatusOr<std::optional<std::string>> MedicalStore::HubRequest(const std::string& hub_id,
                                                                    const std::string& request_id) {
  ASSIGN_OR_RETURN(RedisReply got, redis_->Command({"GET", redis_keys::MedicalHubRequest(hub_id, request_id)}));
  if (got.is_nil()) return std::nullopt;
  return got.str;
}

absl::Status MedicalStore::RememberHubRequest(const std::string& hub_id, const std::string& request_id,
                                              const std::string& event) {
  return redis_->Command({"SET", redis_keys::MedicalHubRequest(hub_id, request_id), event, "PX", HorizonMs()}).status();
}

absl::Status MedicalStore::Restore(const MedicalReplay& replay) {
  const std::string ttl = HorizonMs();
  RedisBatch batch(redis_);
  // Each write only where nothing is: see RestoreHolderScript.
  for (const auto& [appointment_id, record] : replay.bookings()) {
    batch.Command({"SET", redis_keys::MedicalBooking(appointment_id), record, "PX", ttl, "NX"});
  }
  for (const auto& [hub_date, day] : replay.days()) {
    const std::string day_key = redis_keys::MedicalDay(hub_date.first, hub_date.second);
    for (const auto& [slot, holder] : day.holders)
      batch.Eval(RestoreHolderScript(), {day_key}, {SlotField(slot), holder, ttl});
    if (const auto& change = day.coordinator) {
      batch.Eval(SetDayScript(), {day_key, redis_keys::MedicalEpoch()},
                 {absl::StrCat(change->capacity()), change->closed() ? "1" : "0", change->reason(), ttl,
                  absl::StrCat(change->version()), "rebuild"});
    }
  }
  for (const auto& [case_id, state] : replay.Cases()) {
    batch.Command({"SET", redis_keys::MedicalCase(case_id), state.SerializeAsString(), "PX", ttl, "NX"});
  }
  for (const auto& [hub_request, event] : replay.hub_requests()) {
    batch.Command(
        {"SET", redis_keys::MedicalHubRequest(hub_request.first, hub_request.second), event, "PX", ttl, "NX"});
  }
  return batch.Wait();
}

absl::Status RebuildMedicalState(MedicalStore* store, const KafkaSettings& kafka, int64_t* events) {
  MedicalReplay replay;
  // Routing first (the cases' search inputs), then medical's own events, then intake's closings
  // and exams, which come after a case's bookings.
  for (const char* topic : {kRoutingTopic, kMedicalTopic, kIntakeTopic}) {
    absl::Status scanned =
        ScanTopic(kafka, topic, absl::Minutes(30), /*stop_at_end=*/true, [&](const ConsumedMessage& m) {
          absl::StatusOr<csec::dispatch::v1::Envelope> e = ParseEnvelope(m.payload);
          if (!e.ok()) return true;  // dead-lettered when it was new
          replay.Apply(*e, m.payload);
          ++*events;
          return true;
        });
    if (!scanned.ok()) return scanned;
  }
  return store->Restore(replay);
}

}  // namespace csec::medical
