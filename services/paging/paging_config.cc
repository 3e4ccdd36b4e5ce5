#include "services/paging/paging_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/yaml_config.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::ResponderAgency;

constexpr size_t kVersionHexDigits = 12;

template <typename T>
const T* FindById(const std::vector<T>& items, absl::string_view id) {
  for (const T& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

// Ids are lower-case letters and digits in dash-separated words: "ctu-spa-1", "hub-mlk".
bool IsValidId(absl::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') return false;
  char previous = 0;
  for (char c : id) {
    const bool ok = absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

// The entry's required `id`, checked for form and uniqueness within its list.
class IdIndex {
 public:
  explicit IdIndex(std::string list_name) : list_name_(std::move(list_name)) {}

  std::string Read(YamlMap& item) {
    std::string id = item.String("id");
    if (id.empty()) return id;  // reported by String
    if (!IsValidId(id)) {
      item.AddError("id", absl::StrCat("must be lower-case letters and digits separated by single "
                                       "dashes (e.g. \"ctu-spa-1\"), got \"",
                                       id, "\""));
    }
    auto [it, inserted] = paths_.emplace(id, item.path());
    if (!inserted) {
      item.AddError("id", absl::StrCat("duplicate id \"", id, "\", already used by ", it->second));
    }
    return id;
  }
  bool Contains(absl::string_view id) const { return paths_.contains(id); }
  // Reports a reference to an id that is not in this list; empty ids were reported already.
  void CheckReference(YamlMap& item, absl::string_view key, const std::string& id) const {
    if (id.empty() || Contains(id)) return;
    item.AddError(key, absl::StrCat("names \"", id, "\", which is not the id of any entry in '", list_name_, "'"));
  }

 private:
  std::string list_name_;
  std::map<std::string, std::string, std::less<>> paths_;  // id → path of the entry defining it
};

// An optional `{seconds|minutes|hours|days: N}` map under `key`.
std::optional<absl::Duration> OptionalDuration(YamlMap& map, absl::string_view key) {
  if (!map.Has(key)) return std::nullopt;
  std::optional<YamlMap> value = map.Map(key);
  if (!value) return std::nullopt;  // reported by Map
  const absl::Duration duration = value->DurationFromUnitKey();
  value->RejectUnknownKeys();
  if (duration <= absl::ZeroDuration()) return std::nullopt;  // reported
  return duration;
}

// "HH:MM", 00:00 to 23:59, as the time since local midnight.
std::optional<absl::Duration> ParseHandoff(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(text[i])) return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return absl::Hours(hours) + absl::Minutes(minutes);
}

// "YYYY-MM-DD", a real calendar date.
std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  // ParseCivilTime normalises (2026-02-30 → 2026-03-02): only a date that reads back is real.
  if (absl::FormatCivilTime(day) != text) return std::nullopt;
  return day;
}

// A phone number as people write it: digits with an optional leading +, and - ( ) . or spaces.
bool LooksLikePhoneNumber(absl::string_view text) {
  int digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (absl::ascii_isdigit(c)) {
      ++digits;
    } else if (c == '+' && i == 0) {
    } else if (c != '-' && c != '(' && c != ')' && c != '.' && c != ' ') {
      return false;
    }
  }
  return digits >= 3;
}

ContactMethod ParseContact(YamlMap& map) {
  ContactMethod contact;
  const std::string method = map.String("method");
  std::optional<std::string> address = map.OptionalString("address");
  if (std::optional<absl::Duration> after = OptionalDuration(map, "after")) contact.after = *after;
  map.RejectUnknownKeys();
  if (method.empty()) return contact;  // reported by String

  if (method == "webhook") {
    contact.kind = ContactMethod::Kind::kWebhook;
  } else if (method == "sms") {
    contact.kind = ContactMethod::Kind::kSms;
  } else if (method == "voice") {
    contact.kind = ContactMethod::Kind::kVoice;
  } else if (method == "log") {
    contact.kind = ContactMethod::Kind::kLog;
  } else {
    map.AddError("method", absl::StrCat("must be one of webhook, sms, voice, log, got \"", method, "\""));
    return contact;
  }

  if (contact.kind == ContactMethod::Kind::kLog) {
    if (address) map.AddError("address", "must not be given for method log (it writes to the service's log)");
    return contact;
  }
  if (!address) {
    if (!map.Has("address")) {
      map.AddError("address",
                   absl::StrCat("is required for method ", method,
                                contact.kind == ContactMethod::Kind::kWebhook ? " (an http:// or https:// URL)"
                                                                              : " (a phone number)"));
    }
    return contact;
  }
  contact.address = *address;
  if (contact.kind == ContactMethod::Kind::kWebhook) {
    if (!absl::StartsWith(*address, "http://") && !absl::StartsWith(*address, "https://")) {
      map.AddError("address",
                   absl::StrCat("must be an http:// or https:// URL for method webhook, got \"", *address, "\""));
    }
  } else if (!LooksLikePhoneNumber(*address)) {
    map.AddError("address", absl::StrCat("must be a phone number (digits, an optional leading +, "
                                         "dashes, spaces, parentheses) for method ",
                                         method, ", got \"", *address, "\""));
  }
  return contact;
}

Person ParsePerson(YamlMap& map, IdIndex& ids) {
  Person person;
  person.id = ids.Read(map);
  person.name = map.String("name");
  if (map.Has("contacts")) {
    std::vector<YamlMap> contacts = map.MapList("contacts");
    for (size_t i = 0; i < contacts.size(); ++i) {
      ContactMethod contact = ParseContact(contacts[i]);
      if (!person.contacts.empty() && contact.after < person.contacts.back().after) {
        contacts[i].AddError("after", absl::StrCat("must not be earlier than the contact before it (",
                                                   absl::FormatDuration(person.contacts.back().after),
                                                   "): contacts are tried in order"));
      }
      person.contacts.push_back(std::move(contact));
    }
  }
  map.RejectUnknownKeys();
  return person;
}

std::optional<Rotation> ParseRotation(YamlMap& roster_map, const IdIndex& people) {
  std::optional<YamlMap> map = roster_map.Map("rotation");
  if (!map) return std::nullopt;  // reported by Map
  Rotation rotation;

  const std::string starts = map->String("starts");
  if (!starts.empty()) {
    if (std::optional<absl::CivilDay> day = ParseDate(starts)) {
      rotation.starts = *day;
    } else {
      map->AddError("starts", absl::StrCat("must be a local date written YYYY-MM-DD, got \"", starts, "\""));
    }
  }

  const std::vector<std::string> handoffs = map->StringList("handoffs");
  for (size_t i = 0; i < handoffs.size(); ++i) {
    const std::string key = absl::StrCat("handoffs[", i, "]");
    std::optional<absl::Duration> at = ParseHandoff(handoffs[i]);
    if (!at) {
      map->AddError(key, absl::StrCat("must be a local time written HH:MM, 00:00 to 23:59, got \"", handoffs[i], "\""));
      continue;
    }
    if (!rotation.handoffs.empty() && *at <= rotation.handoffs.back()) {
      map->AddError(key, absl::StrCat("must be later than the handoff before it: handoffs are listed "
                                      "in increasing order within the day, got \"",
                                      handoffs[i], "\""));
      continue;
    }
    rotation.handoffs.push_back(*at);
  }

  if (map->Has("shifts_per_turn")) {
    const int64_t shifts = map->PositiveInt("shifts_per_turn");
    if (shifts > 1000) {
      map->AddError("shifts_per_turn", absl::StrCat("must be at most 1000, got ", shifts));
    } else if (shifts > 0) {
      rotation.shifts_per_turn = static_cast<int>(shifts);
    }
  }

  rotation.members = map->StringList("members", /*allow_empty=*/true);
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < rotation.members.size(); ++i) {
    const std::string& member = rotation.members[i];
    const std::string key = absl::StrCat("members[", i, "]");
    people.CheckReference(*map, key, member);
    auto [it, inserted] = seen.emplace(member, i);
    if (!inserted) {
      map->AddError(key, absl::StrCat("lists person \"", member, "\" again (already members[", it->second,
                                      "]); to give someone more shifts, raise shifts_per_turn"));
    }
  }
  map->RejectUnknownKeys();
  return rotation;
}

Roster ParseRoster(YamlMap& map, IdIndex& ids, const IdIndex& people) {
  Roster roster;
  roster.id = ids.Read(map);
  roster.name = map.String("name");
  if (map.Has("rotation")) roster.rotation = ParseRotation(map, people);
  map.RejectUnknownKeys();
  return roster;
}

Chain ParseChain(YamlMap& map, IdIndex& ids, const IdIndex& people, const IdIndex& rosters,
                 const std::optional<absl::Duration>& default_wait, const ProtocolConfig& protocol) {
  Chain chain;
  chain.id = ids.Read(map);
  chain.name = map.String("name");

  std::vector<YamlMap> steps = map.MapList("steps");
  for (YamlMap& step_map : steps) {
    ChainStep step;
    std::vector<YamlMap> targets = step_map.MapList("targets");
    std::set<std::pair<ChainTarget::Kind, std::string>> seen;
    for (YamlMap& target_map : targets) {
      const bool on_call = target_map.Has("on_call");
      const bool person = target_map.Has("person");
      target_map.RejectUnknownKeys();
      if (on_call == person) {
        target_map.AddErrorHere(on_call ? "must have one key, on_call or person, not both"
                                        : "must have exactly one key: on_call (a roster id) or person (a person id)");
        continue;
      }
      ChainTarget target;
      target.kind = on_call ? ChainTarget::Kind::kOnCall : ChainTarget::Kind::kPerson;
      const absl::string_view key = on_call ? "on_call" : "person";
      target.id = target_map.String(key);
      if (on_call) {
        rosters.CheckReference(target_map, key, target.id);
      } else {
        people.CheckReference(target_map, key, target.id);
      }
      if (!target.id.empty() && !seen.emplace(target.kind, target.id).second) {
        target_map.AddError(key, absl::StrCat("names \"", target.id, "\" a second time in this step"));
      }
      step.targets.push_back(std::move(target));
    }
    if (std::optional<absl::Duration> wait = OptionalDuration(step_map, "wait")) {
      step.wait = *wait;
    } else if (!step_map.Has("wait")) {
      if (default_wait) {
        step.wait = *default_wait;
      } else {
        step_map.AddError("wait", absl::StrCat("is required: the protocol config (", protocol.file_name, ") has no ",
                                               kPageAckTimeoutDeadline, " deadline to take the default from"));
      }
    }
    step_map.RejectUnknownKeys();
    chain.steps.push_back(std::move(step));
  }

  if (std::optional<std::string> repeat = map.OptionalString("repeat")) {
    int value = 0;
    if (!absl::SimpleAtoi(*repeat, &value) || value < 0 || value > 100) {
      map.AddError("repeat", absl::StrCat("must be a whole number from 0 to 100 (further times through "
                                          "all steps), got \"",
                                          *repeat, "\""));
    } else {
      chain.repeat = value;
    }
  }
  chain.on_exhausted = map.OptionalString("on_exhausted").value_or("");
  if (std::optional<std::string> agency = map.OptionalString("applies_to_agency")) {
    if (*agency == "ctu") {
      chain.applies_to_agency = ResponderAgency::RESPONDER_AGENCY_CTU;
    } else if (*agency == "mart") {
      chain.applies_to_agency = ResponderAgency::RESPONDER_AGENCY_MART;
    } else if (*agency == "hotline") {
      chain.applies_to_agency = ResponderAgency::RESPONDER_AGENCY_STANDARD_HOTLINE;
    } else {
      map.AddError("applies_to_agency", absl::StrCat("must be one of ctu, mart, hotline, got \"", *agency, "\""));
    }
  }
  map.RejectUnknownKeys();
  return chain;
}

// on_exhausted must name another chain, and following it must end: a loop would page forever.
void CheckOnExhausted(std::vector<Chain>& chains, std::vector<YamlMap>& maps, const IdIndex& chain_ids) {
  std::map<std::string, std::string, std::less<>> next;  // chain id → on_exhausted
  for (size_t i = 0; i < chains.size(); ++i) {
    const Chain& chain = chains[i];
    if (chain.on_exhausted.empty()) continue;
    if (chain.on_exhausted == chain.id) {
      maps[i].AddError("on_exhausted", absl::StrCat("names the chain itself (\"", chain.id,
                                                    "\"); name another chain, or leave it out"));
      continue;
    }
    if (!chain_ids.Contains(chain.on_exhausted)) {
      chain_ids.CheckReference(maps[i], "on_exhausted", chain.on_exhausted);
      continue;
    }
    next.emplace(chain.id, chain.on_exhausted);
  }
  // Each loop is reported once, at its first chain in file order.
  std::set<std::string> reported;
  for (size_t i = 0; i < chains.size(); ++i) {
    std::vector<std::string> path = {chains[i].id};
    std::set<std::string> on_path = {chains[i].id};
    for (auto it = next.find(chains[i].id); it != next.end(); it = next.find(it->second)) {
      if (on_path.contains(it->second)) {
        if (it->second == chains[i].id && !reported.contains(chains[i].id)) {
          path.push_back(it->second);
          for (const std::string& id : path) reported.insert(id);
          maps[i].AddError("on_exhausted", absl::StrCat("makes a loop of chains (", absl::StrJoin(path, " -> "),
                                                        "): an exhausted page would be passed round forever"));
        }
        break;
      }
      path.push_back(it->second);
      on_path.insert(it->second);
    }
  }
}

// Every role the protocol config pages must have a chain here.
void CheckProtocolRoles(YamlConfigReader& reader, const IdIndex& chain_ids, const ProtocolConfig& protocol) {
  // role → what needs it, in the order first met.
  std::vector<std::pair<std::string, std::vector<std::string>>> needs;
  auto need = [&](const std::string& role, std::string who) {
    if (role.empty() || chain_ids.Contains(role)) return;
    for (auto& [id, whos] : needs) {
      if (id == role) {
        whos.push_back(std::move(who));
        return;
      }
    }
    needs.push_back({role, {std::move(who)}});
  };
  for (const Team& team : protocol.teams) need(team.id, absl::StrCat("teams (team \"", team.id, "\")"));
  for (const AdvocacyAgency& agency : protocol.advocacy_agencies) {
    need(agency.id, absl::StrCat("advocacy_agencies (agency \"", agency.id, "\")"));
  }
  for (const Deadline& deadline : protocol.deadlines) {
    for (const std::string& role : deadline.escalate_to) {
      need(role, absl::StrCat("deadlines.", deadline.id, ".escalate_to"));
    }
  }
  need(protocol.routing.supervisor_id, "routing.supervisor_id");
  // A medical scheduling failure pages the hub's coordinator chain, or this line when the hub has
  // none: with any hub configured it must exist.
  if (!protocol.hubs.empty()) {
    need(kHubCoordinatorFallbackChain, "hubs (the Medical Hub coordinator line paged for a hub without a chain)");
  }
  for (const auto& [role, whos] : needs) {
    reader.AddError("chains",
                    absl::StrCat("no chain for role \"", role, "\" named by ", absl::StrJoin(whos, ", "), " in ",
                                 protocol.file_name.empty() ? "the protocol config" : protocol.file_name));
  }
}

}  // namespace

absl::string_view ContactKindName(ContactMethod::Kind kind) {
  switch (kind) {
    case ContactMethod::Kind::kWebhook:
      return "webhook";
    case ContactMethod::Kind::kSms:
      return "sms";
    case ContactMethod::Kind::kVoice:
      return "voice";
    case ContactMethod::Kind::kLog:
      return "log";
  }
  return "unknown";
}

const Person* PagingConfig::FindPerson(absl::string_view id) const { return FindById(people, id); }
const Roster* PagingConfig::FindRoster(absl::string_view id) const { return FindById(rosters, id); }
const Chain* PagingConfig::FindChain(absl::string_view id) const { return FindById(chains, id); }

absl::StatusOr<PagingConfig> ParsePagingConfig(absl::string_view yaml_text, const std::string& path,
                                               const ProtocolConfig& protocol) {
  YamlConfigReader reader{path};
  std::optional<YamlMap> root = reader.Parse(yaml_text);
  if (!root) return reader.status();

  PagingConfig config;
  config.path = path;
  config.version = Sha256Hex(yaml_text).substr(0, kVersionHexDigits);
  config.time_zone = protocol.time_zone;

  if (std::optional<absl::Duration> notice = OptionalDuration(*root, "shift_notice_before")) {
    config.shift_notice_before = *notice;
  }

  if (root->Has("delivery")) {
    if (std::optional<YamlMap> delivery = root->Map("delivery")) {
      DeliverySettings& settings = config.delivery;
      if (delivery->Has("tries")) {
        const int64_t tries = delivery->PositiveInt("tries");
        if (tries > 100) {
          delivery->AddError("tries", absl::StrCat("must be at most 100, got ", tries));
        } else if (tries > 0) {
          settings.tries = static_cast<int>(tries);
        }
      }
      if (auto d = OptionalDuration(*delivery, "first_retry")) settings.first_retry = *d;
      if (auto d = OptionalDuration(*delivery, "max_retry")) settings.max_retry = *d;
      if (auto d = OptionalDuration(*delivery, "send_timeout")) settings.send_timeout = *d;
      if (settings.max_retry < settings.first_retry) {
        delivery->AddError("max_retry", absl::StrCat("must not be shorter than first_retry (",
                                                     absl::FormatDuration(settings.first_retry), "), got ",
                                                     absl::FormatDuration(settings.max_retry)));
      }
      delivery->RejectUnknownKeys();
    }
  }

  IdIndex person_ids("people");
  std::vector<YamlMap> person_maps = root->MapList("people");
  for (YamlMap& map : person_maps) config.people.push_back(ParsePerson(map, person_ids));

  IdIndex roster_ids("rosters");
  std::vector<YamlMap> roster_maps = root->MapList("rosters");
  for (YamlMap& map : roster_maps) config.rosters.push_back(ParseRoster(map, roster_ids, person_ids));

  std::optional<absl::Duration> default_wait;
  if (const Deadline* ack = protocol.FindDeadline(kPageAckTimeoutDeadline)) default_wait = ack->duration;
  IdIndex chain_ids("chains");
  std::vector<YamlMap> chain_maps = root->MapList("chains");
  for (YamlMap& map : chain_maps) {
    config.chains.push_back(ParseChain(map, chain_ids, person_ids, roster_ids, default_wait, protocol));
  }
  root->RejectUnknownKeys();

  CheckOnExhausted(config.chains, chain_maps, chain_ids);
  if (!chain_maps.empty()) CheckProtocolRoles(reader, chain_ids, protocol);

  RETURN_IF_ERROR(reader.status());
  return config;
}

absl::StatusOr<PagingConfig> LoadPagingConfig(const std::string& path, const ProtocolConfig& protocol) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    const std::string reason = error != 0 ? std::strerror(error) : "cannot open";
    const std::string message = absl::StrCat(path, ": cannot read the paging configuration: ", reason);
    if (error == ENOENT) return absl::NotFoundError(message);
    return absl::FailedPreconditionError(message);
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": cannot read the paging configuration: read error"));
  }
  return ParsePagingConfig(contents.str(), path, protocol);
}

}  // namespace csec::paging
