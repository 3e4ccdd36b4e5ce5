#include "services/common/domain/yaml_config.h"

#include <array>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace csec {
namespace {

// More than this many errors is one mistake repeated; the operator needs the first ones.
constexpr size_t kMaxReportedErrors = 25;

std::optional<int> LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return std::nullopt;
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return std::nullopt;
  return mark.line + 1;
}

// What a node is, for "got ..." in messages. Scalars are quoted so that "" and " " show.
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return absl::StrCat("\"", node.Scalar(), "\"");
  }
  return "something else";
}

}  // namespace

YamlConfigReader::YamlConfigReader(std::string file_name) : file_name_(std::move(file_name)) {}

std::optional<YamlMap> YamlConfigReader::Parse(absl::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    std::optional<int> line;
    if (!e.mark.is_null()) line = e.mark.line + 1;
    errors_.push_back(
        absl::StrCat(file_name_, ": not valid YAML: ", e.msg, line ? absl::StrCat(" (line ", *line, ")") : ""));
    return std::nullopt;
  }
  if (!root.IsMap()) {
    errors_.push_back(absl::StrCat(file_name_, ": the top level must be a map of keys, got ", Describe(root)));
    return std::nullopt;
  }
  return YamlMap(this, root, "");
}

void YamlConfigReader::AddError(absl::string_view path, absl::string_view problem, std::optional<int> line) {
  errors_.push_back(
      absl::StrCat(file_name_, ": key '", path, "': ", problem, line ? absl::StrCat(" (line ", *line, ")") : ""));
}

absl::Status YamlConfigReader::status() const {
  if (errors_.empty()) return absl::OkStatus();
  std::string message;
  if (errors_.size() <= kMaxReportedErrors) {
    message = absl::StrJoin(errors_, "\n");
  } else {
    std::vector<std::string> first(errors_.begin(), errors_.begin() + kMaxReportedErrors);
    message =
        absl::StrCat(absl::StrJoin(first, "\n"), "\n... and ", errors_.size() - kMaxReportedErrors, " more errors");
  }
  return absl::InvalidArgumentError(message);
}

YamlMap::YamlMap(YamlConfigReader* reader, YAML::Node node, std::string path)
    : reader_(reader), node_(std::move(node)), path_(std::move(path)) {}

std::string YamlMap::PathOf(absl::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

int YamlMap::line() const { return LineOf(node_).value_or(0); }

YAML::Node YamlMap::Lookup(absl::string_view key) {
  known_keys_.emplace(std::string(key));
  // Iterating, rather than operator[], never inserts into the node and never throws.
  for (const auto& entry : node_) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void YamlMap::AddError(absl::string_view key, absl::string_view problem) {
  std::optional<int> line;
  for (const auto& entry : node_) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      line = LineOf(entry.first);
      break;
    }
  }
  if (!line) line = LineOf(node_);
  reader_->AddError(PathOf(key), problem, line);
}

void YamlMap::AddErrorHere(absl::string_view problem) {
  reader_->AddError(path_.empty() ? "(top level)" : path_, problem, LineOf(node_));
}

bool YamlMap::Has(absl::string_view key) { return Lookup(key).IsDefined(); }

std::optional<std::string> YamlMap::RequiredScalar(absl::string_view key, absl::string_view expected) {
  const YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    AddError(key, absl::StrCat("is required (", expected, ")"));
    return std::nullopt;
  }
  if (!value.IsScalar() || value.Scalar().empty()) {
    AddError(key, absl::StrCat("must be ", expected, ", got ", Describe(value)));
    return std::nullopt;
  }
  return value.Scalar();
}

std::string YamlMap::String(absl::string_view key) { return RequiredScalar(key, "a non-empty string").value_or(""); }

std::optional<std::string> YamlMap::OptionalString(absl::string_view key) {
  const YAML::Node value = Lookup(key);
  if (!value.IsDefined() || value.IsNull()) return std::nullopt;
  if (!value.IsScalar() || value.Scalar().empty()) {
    AddError(key, absl::StrCat("must be a non-empty string, got ", Describe(value)));
    return std::nullopt;
  }
  return value.Scalar();
}

bool YamlMap::Bool(absl::string_view key) {
  std::optional<std::string> text = RequiredScalar(key, "true or false");
  if (!text) return false;
  if (*text == "true") return true;
  if (*text == "false") return false;
  AddError(key, absl::StrCat("must be true or false, got \"", *text, "\""));
  return false;
}

int64_t YamlMap::PositiveInt(absl::string_view key) {
  std::optional<std::string> text = RequiredScalar(key, "a positive integer");
  if (!text) return 0;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value <= 0) {
    AddError(key, absl::StrCat("must be a positive integer, got \"", *text, "\""));
    return 0;
  }
  return value;
}

std::optional<double> YamlMap::OptionalDouble(absl::string_view key) {
  const YAML::Node value = Lookup(key);
  if (!value.IsDefined()) return std::nullopt;
  double number = 0;
  if (!value.IsScalar() || !absl::SimpleAtod(value.Scalar(), &number)) {
    AddError(key, absl::StrCat("must be a number, got ", Describe(value)));
    return std::nullopt;
  }
  return number;
}

std::vector<std::string> YamlMap::StringList(absl::string_view key, bool allow_empty) {
  std::vector<std::string> result;
  const YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    AddError(key, "is required (a list of strings)");
    return result;
  }
  if (!value.IsSequence()) {
    AddError(key, absl::StrCat("must be a list of strings, got ", Describe(value)));
    return result;
  }
  if (value.size() == 0 && !allow_empty) {
    AddError(key, "must not be empty");
    return result;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const YAML::Node item = value[i];
    if (!item.IsScalar() || item.Scalar().empty()) {
      reader_->AddError(absl::StrCat(PathOf(key), "[", i, "]"),
                        absl::StrCat("must be a non-empty string, got ", Describe(item)), LineOf(item));
      continue;
    }
    result.push_back(item.Scalar());
  }
  return result;
}

std::optional<YamlMap> YamlMap::Map(absl::string_view key) {
  const YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    AddError(key, "is required (a map of keys)");
    return std::nullopt;
  }
  if (!value.IsMap()) {
    AddError(key, absl::StrCat("must be a map of keys, got ", Describe(value)));
    return std::nullopt;
  }
  return YamlMap(reader_, value, PathOf(key));
}

std::vector<YamlMap> YamlMap::MapList(absl::string_view key) {
  std::vector<YamlMap> result;
  const YAML::Node value = Lookup(key);
  if (!value.IsDefined()) {
    AddError(key, "is required (a list of maps)");
    return result;
  }
  if (!value.IsSequence() || value.size() == 0) {
    AddError(key, absl::StrCat("must be a non-empty list of maps, got ",
                               value.IsSequence() ? "an empty list" : Describe(value)));
    return result;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const YAML::Node item = value[i];
    const std::string item_path = absl::StrCat(PathOf(key), "[", i, "]");
    if (!item.IsMap()) {
      reader_->AddError(item_path, absl::StrCat("must be a map of keys, got ", Describe(item)), LineOf(item));
      continue;
    }
    result.push_back(YamlMap(reader_, item, item_path));
  }
  return result;
}

absl::Duration YamlMap::DurationFromUnitKey() {
  static constexpr std::array<absl::string_view, 4> kUnitKeys = {"seconds", "minutes", "hours", "days"};
  const std::array<absl::Duration, 4> unit_lengths = {absl::Seconds(1), absl::Minutes(1), absl::Hours(1),
                                                      absl::Hours(24)};
  std::vector<size_t> present;
  for (size_t i = 0; i < kUnitKeys.size(); ++i) {
    if (Has(kUnitKeys[i])) present.push_back(i);
  }
  if (present.size() != 1) {
    std::vector<absl::string_view> written;
    for (size_t i : present) written.push_back(kUnitKeys[i]);
    AddErrorHere(absl::StrCat("must give its duration as exactly one of seconds, minutes, hours or days, got ",
                              written.empty() ? "none" : absl::StrJoin(written, " and ")));
    return absl::ZeroDuration();
  }
  const size_t unit = present.front();
  const int64_t count = PositiveInt(kUnitKeys[unit]);
  return count * unit_lengths[unit];
}

void YamlMap::RejectUnknownKeys() {
  std::map<std::string, int> seen;
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar()) {
      AddErrorHere(absl::StrCat("has a key that is not a plain name: ", Describe(entry.first)));
      continue;
    }
    const std::string& key = entry.first.Scalar();
    if (++seen[key] == 2) {
      reader_->AddError(PathOf(key), "is written more than once; keep one", LineOf(entry.first));
    }
    if (!known_keys_.contains(key)) {
      reader_->AddError(PathOf(key),
                        absl::StrCat("unknown key (a typo?); expected one of: ", absl::StrJoin(known_keys_, ", ")),
                        LineOf(entry.first));
    }
  }
}

}  // namespace csec
