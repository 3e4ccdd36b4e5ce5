#include "services/paging/roster_book.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/ids.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/paging/page_engine.h"
#include "services/paging/paging_keys.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::ChangeRosterRequest;
using csec::dispatch::v1::ChangeRosterResponse;
using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::RosterChanges;

// Hash fields besides roster ids (which are lower-case with dashes, never "~").
constexpr char kRebuiltField[] = "~rebuilt";
std::string VersionField(absl::string_view roster_id) { return absl::StrCat("~version:", roster_id); }

// KEYS[1] the hash; ARGV: roster id, version field, expected version, new version, bytes.
// Stores only when the stored version is still the one the change was made from.
const RedisScript kStoreIfUnchanged(R"lua(
local current = redis.call('HGET', KEYS[1], ARGV[2]) or '0'
if current ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[5], ARGV[2], ARGV[4], '~rebuilt', '1')
return 1
)lua");

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

}  // namespace

OnCall OnCallIn(const RosterSnapshot& snapshot, const PagingConfig& config, const std::string& roster_id,
                absl::Time at) {
  const Roster* roster = config.FindRoster(roster_id);
  if (roster == nullptr) return {};
  auto it = snapshot.find(roster_id);
  static const RosterChanges kNone;
  return OnCallAt(*roster, it == snapshot.end() ? kNone : it->second, at, config.time_zone);
}

absl::Status RosterBook::Rebuild(const KafkaSettings& kafka) {
  ASSIGN_OR_RETURN(RedisReply exists, redis_->Command({"EXISTS", redis_keys::PagingRosters()}));
  if (exists.integer == 1) return absl::OkStatus();
  std::map<std::string, RosterChanges> latest;
  absl::Status scanned =
      ScanTopic(kafka, kPagingTopic, absl::Minutes(2), /*stop_at_end=*/true, [&](const ConsumedMessage& m) {
        absl::StatusOr<Envelope> e = ParseEnvelope(m.payload);
        if (!e.ok() || !e->has_roster_changed()) return true;
        const auto& changed = e->roster_changed();
        RosterChanges& kept = latest[changed.roster_id()];
        if (changed.roster().version() >= kept.version()) kept = changed.roster();
        return true;
      });
  if (!scanned.ok()) return scanned;
  std::vector<std::string> args = {"HSET", redis_keys::PagingRosters(), kRebuiltField, "1"};
  for (const auto& [roster_id, changes] : latest) {
    args.insert(args.end(),
                {roster_id, changes.SerializeAsString(), VersionField(roster_id), absl::StrCat(changes.version())});
  }
  log::Info("paging.rosters_rebuilt", {{"rosters_changed", static_cast<int64_t>(latest.size())}});
  return redis_->Command(std::move(args)).status();
}

absl::StatusOr<RosterSnapshot> RosterBook::Snapshot() const {
  ASSIGN_OR_RETURN(RedisReply all, redis_->Command({"HGETALL", redis_keys::PagingRosters()}));
  RosterSnapshot snapshot;
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    const std::string& field = all.elements[i].str;
    if (absl::StartsWith(field, "~")) continue;
    RosterChanges changes;
    if (!changes.ParseFromString(all.elements[i + 1].str)) {
      return absl::DataLossError(absl::StrCat("roster changes of ", field, " are not a RosterChanges"));
    }
    snapshot.emplace(field, std::move(changes));
  }
  return snapshot;
}

absl::StatusOr<ChangeRosterResponse> RosterBook::Change(const ChangeRosterRequest& request) {
  const Roster* roster = config_->FindRoster(request.roster_id());
  if (request.roster_id().empty()) return Invalid("roster_id", "required");
  if (roster == nullptr) return absl::NotFoundError(absl::StrCat("roster_id: no roster \"", request.roster_id(), "\""));
  if (request.changed_by().empty()) return Invalid("changed_by", "required: who makes the change");
  const absl::Time now = clock_->Now();

  ASSIGN_OR_RETURN(RosterSnapshot snapshot, Snapshot());
  RosterChanges changes;
  if (auto it = snapshot.find(request.roster_id()); it != snapshot.end()) changes = it->second;
  const int64_t from_version = changes.version();
  std::string what;

  switch (request.change_case()) {
    case ChangeRosterRequest::kSetMembers: {
      if (!roster->rotation.has_value()) {
        return absl::FailedPreconditionError(
            absl::StrCat("set_members: roster ", roster->id, " has no rotation; use add_override"));
      }
      const auto& ids = request.set_members().person_ids();
      for (int i = 0; i < ids.size(); ++i) {
        if (config_->FindPerson(ids[i]) == nullptr) {
          return Invalid(absl::StrCat("set_members.person_ids[", i, "]"), absl::StrCat("no person \"", ids[i], "\""));
        }
        if (std::count(ids.begin(), ids.end(), ids[i]) > 1) {
          return Invalid(absl::StrCat("set_members.person_ids[", i, "]"), "listed twice");
        }
      }
      changes.set_members_replaced(true);
      changes.mutable_members()->CopyFrom(ids);
      what = absl::StrCat("members set to ", ids.size(), " people");
      break;
    }
    case ChangeRosterRequest::kAddOverride: {
      csec::dispatch::v1::RosterOverride added = request.add_override();
      if (config_->FindPerson(added.person_id()) == nullptr) {
        return Invalid("add_override.person_id", absl::StrCat("no person \"", added.person_id(), "\""));
      }
      if (!added.has_starts_at() || !added.has_ends_at())
        return Invalid("add_override", "starts_at and ends_at are required");
      if (FromProtoTime(added.ends_at()) <= FromProtoTime(added.starts_at())) {
        return Invalid("add_override.ends_at", "must be after starts_at");
      }
      if (FromProtoTime(added.ends_at()) <= now) return Invalid("add_override.ends_at", "is in the past");
      if (added.override_id().empty()) {
        added.set_override_id(absl::StrCat("ov-", from_version + 1));
      }
      for (const auto& o : changes.overrides()) {
        if (o.override_id() == added.override_id()) {
          return absl::AlreadyExistsError(absl::StrCat("add_override.override_id: \"", o.override_id(), "\" exists"));
        }
      }
      *changes.add_overrides() = added;
      what = absl::StrCat("override ", added.override_id(), " added: ", added.person_id());
      break;
    }
    case ChangeRosterRequest::kRemoveOverrideId: {
      auto* overrides = changes.mutable_overrides();
      auto it = std::find_if(overrides->begin(), overrides->end(),
                             [&](const auto& o) { return o.override_id() == request.remove_override_id(); });
      if (it == overrides->end()) {
        return absl::NotFoundError(absl::StrCat("remove_override_id: no override \"", request.remove_override_id(),
                                                "\" on roster ", roster->id));
      }
      overrides->erase(it);
      what = absl::StrCat("override ", request.remove_override_id(), " removed");
      break;
    }
    default:
      return Invalid("change", "one of set_members, add_override, remove_override_id is required");
  }
  // Overrides that ended are history (kept on the topic), not state.
  auto* overrides = changes.mutable_overrides();
  overrides->erase(std::remove_if(overrides->begin(), overrides->end(),
                                  [&](const auto& o) { return FromProtoTime(o.ends_at()) <= now; }),
                   overrides->end());
  changes.set_version(from_version + 1);

  Envelope e = NewEnvelope(DeriveId("paging.roster-changed", absl::StrCat(roster->id, "|", changes.version())),
                           RosterCaseId(roster->id), "paging", now);
  auto* changed = e.mutable_roster_changed();
  changed->set_roster_id(roster->id);
  changed->set_changed_by(request.changed_by());
  changed->set_reason(request.reason());
  changed->set_change(what);
  *changed->mutable_roster() = changes;
  RETURN_IF_ERROR(producer_->Produce(e, absl::Now() + absl::Seconds(10)));
  ASSIGN_OR_RETURN(RedisReply stored, redis_->Eval(kStoreIfUnchanged, {redis_keys::PagingRosters()},
                                                   {roster->id, VersionField(roster->id), absl::StrCat(from_version),
                                                    absl::StrCat(changes.version()), changes.SerializeAsString()}));
  if (stored.integer != 1) {
    return absl::AbortedError(absl::StrCat("roster_id: ", roster->id, " was changed at the same time; try again"));
  }
  log::Info("paging.roster_changed", {{"roster_id", roster->id},
                                      {"changed_by", request.changed_by()},
                                      {"change", what},
                                      {"version", changes.version()}});
  ChangeRosterResponse response;
  response.set_event_id(e.event_id());
  *response.mutable_roster() = changes;
  return response;
}

}  // namespace csec::paging
