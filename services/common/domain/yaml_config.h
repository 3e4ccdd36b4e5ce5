// Reading a YAML configuration file so that every mistake in it is reported as
// "<file>: key '<dotted.path>': <problem>", all mistakes at once, and unknown keys (typos) are
// refused instead of silently ignored.
//
//   YamlConfigReader reader("deploy/config/paging.yaml");
//   std::optional<YamlMap> root = reader.Parse(yaml_text);
//   if (!root) return reader.status();             // not YAML, or not a map at the top
//   int64_t retries = root->PositiveInt("retries");
//   for (YamlMap& roster : root->MapList("rosters")) {
//     std::string id = roster.String("id");          // "rosters[2].id" in messages
//     std::vector<std::string> staff = roster.StringList("staff_ids");
//     roster.RejectUnknownKeys();
//   }
//   root->RejectUnknownKeys();
//   if (!reader.status().ok()) return reader.status();
//
// Every getter records an error and returns an empty value when the key is missing or wrong, so
// the caller reads straight through and asks `status()` once at the end. Every key a getter asks
// for (present or not) counts as known; `RejectUnknownKeys()` reports the rest of the map's keys.
// Semantic checks of the caller (references, uniqueness) use `AddError` with the same format.
//
// A YamlMap points into its YamlConfigReader: the reader must outlive every map it hands out.
// Not thread-safe; one reader per parse, on one thread. yaml-cpp exceptions never escape.
#ifndef CSEC_SERVICES_COMMON_DOMAIN_YAML_CONFIG_H_
#define CSEC_SERVICES_COMMON_DOMAIN_YAML_CONFIG_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml-cpp/yaml.h"

namespace csec {

class YamlMap;

class YamlConfigReader {
 public:
  // `file_name` is only used in messages: say it the way an operator would look for it.
  explicit YamlConfigReader(std::string file_name);
  YamlConfigReader(const YamlConfigReader&) = delete;
  YamlConfigReader& operator=(const YamlConfigReader&) = delete;

  // Parses the text; the top level must be a map. nullopt (with an error recorded) if not.
  std::optional<YamlMap> Parse(absl::string_view yaml_text);

  // Records "<file>: key '<path>': <problem>", plus " (line N)" when a line is known (1-based).
  void AddError(absl::string_view path, absl::string_view problem, std::optional<int> line = {});

  // OK, or InvalidArgument listing every recorded error, one a line.
  absl::Status status() const;
  const std::string& file_name() const { return file_name_; }

 private:
  std::string file_name_;
  std::vector<std::string> errors_;
};

// One YAML map of the file, with its dotted path for messages ("" for the top level).
class YamlMap {
 public:
  // Required, non-empty scalar.
  std::string String(absl::string_view key);
  // Absent or null → nullopt; present must be a non-empty scalar.
  std::optional<std::string> OptionalString(absl::string_view key);
  // Required; `true` or `false` only (not yes/no/on/off, which YAML 1.1 readers disagree on).
  bool Bool(absl::string_view key);
  // Required integer > 0.
  int64_t PositiveInt(absl::string_view key);
  // Absent → nullopt; present must be a number.
  std::optional<double> OptionalDouble(absl::string_view key);
  // Required list of non-empty strings; an empty list is an error unless `allow_empty`.
  std::vector<std::string> StringList(absl::string_view key, bool allow_empty = false);
  // Required nested map.
  std::optional<YamlMap> Map(absl::string_view key);
  // Required list of maps; an empty list is an error. Paths read "key[i]".
  std::vector<YamlMap> MapList(absl::string_view key);

  // A duration written as exactly one unit key of this map: `seconds: 30`, `minutes: 90`,
  // `hours: 72` or `days: 7`, a positive integer. Marks the four unit keys as known.
  absl::Duration DurationFromUnitKey();

  // Whether the key is present (and marks it known, for maps whose keys are optional).
  bool Has(absl::string_view key);

  // Reports every key of this map that no getter asked for, and any key written twice.
  void RejectUnknownKeys();

  // "<path of this map>.<key>", the form used in messages.
  std::string PathOf(absl::string_view key) const;
  const std::string& path() const { return path_; }
  // 1-based line of this map in the file, for messages about the map as a whole.
  int line() const;
  // Records an error about `key` of this map (at the key's line when present).
  void AddError(absl::string_view key, absl::string_view problem);
  // Records an error about this map as a whole.
  void AddErrorHere(absl::string_view problem);

 private:
  friend class YamlConfigReader;
  YamlMap(YamlConfigReader* reader, YAML::Node node, std::string path);

  // The node at key, or an undefined node; marks the key known.
  YAML::Node Lookup(absl::string_view key);
  // A required scalar's text, or nullopt after recording what is wrong.
  std::optional<std::string> RequiredScalar(absl::string_view key, absl::string_view expected);

  YamlConfigReader* reader_;
  YAML::Node node_;
  std::string path_;
  std::set<std::string, std::less<>> known_keys_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_DOMAIN_YAML_CONFIG_H_
