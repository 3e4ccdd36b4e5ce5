#include "services/paging/page_watch.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/topic_tail.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::WatchPagesRequest;
using csec::dispatch::v1::WatchPagesResponse;

constexpr absl::string_view kTokenPrefix = "v1.";
// Far above any real token (a few bytes per partition), far below anything that could hurt.
constexpr size_t kMaxTokenBytes = 16 * 1024;
// How long the start of a stream waits for Kafka before answering Unavailable.
constexpr absl::Duration kOpenTimeout = absl::Seconds(5);
// The longest wait for Kafka between two looks at `cancelled`.
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

absl::Status BadToken(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("resume_token ", what));
}

// An entry of a token quoted for an error message: printable, and short.
std::string Quote(absl::string_view s) {
  constexpr size_t kMax = 40;
  std::string quoted = absl::CHexEscape(s.substr(0, kMax));
  return absl::StrCat("\"", quoted, s.size() > kMax ? "...\"" : "\"");
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A number of a token entry: plain decimal digits only (no sign, space or "+"), in range.
template <typename Int>
absl::StatusOr<Int> ParseNumber(absl::string_view text, absl::string_view what, absl::string_view entry) {
  if (absl::StartsWith(text, "-") && AllDigits(text.substr(1))) {
    return BadToken(absl::StrCat("has a negative ", what, " in entry ", Quote(entry)));
  }
  Int value = 0;
  if (!AllDigits(text) || !absl::SimpleAtoi(text, &value)) {
    return BadToken(
        absl::StrCat("has an entry ", Quote(entry), " whose ", what, " is not a non-negative decimal number in range"));
  }
  return value;
}

bool ForPerson(const Envelope& e, const std::string& person_id) {
  if (e.has_page_sent()) return e.page_sent().person_id() == person_id;
  if (e.has_shift_starting()) return e.shift_starting().person_id() == person_id;
  return false;
}

}  // namespace

std::string EncodeResumeToken(const std::map<int32_t, int64_t>& positions) {
  std::vector<std::string> entries;
  entries.reserve(positions.size());
  for (const auto& [partition, offset] : positions) entries.push_back(absl::StrCat(partition, ":", offset));
  return absl::StrCat(kTokenPrefix, absl::WebSafeBase64Escape(absl::StrJoin(entries, ",")));
}

absl::StatusOr<std::map<int32_t, int64_t>> DecodeResumeToken(absl::string_view token) {
  if (token.empty()) return BadToken("is empty");
  if (token.size() > kMaxTokenBytes) {
    return BadToken(
        absl::StrCat("is too long (", token.size(), " bytes; a real one is far below ", kMaxTokenBytes, ")"));
  }
  if (!absl::StartsWith(token, kTokenPrefix)) {
    return BadToken(absl::StrCat("does not start with \"", kTokenPrefix,
                                 "\": it is not a token from WatchPages, or from a newer version of it"));
  }
  const absl::string_view body = token.substr(kTokenPrefix.size());
  // Only the base64url alphabet, "=" padding at the end at most (absl would skip spaces too).
  const size_t last_data = body.find_last_not_of('=');
  const size_t data_end = last_data == absl::string_view::npos ? 0 : last_data + 1;
  const bool alphabet_only = std::all_of(body.begin(), body.begin() + data_end, [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  std::string text;
  if (!alphabet_only || body.size() - data_end > 2 || !absl::WebSafeBase64Unescape(body, &text)) {
    return BadToken(absl::StrCat("is not base64url after \"", kTokenPrefix, "\""));
  }
  std::map<int32_t, int64_t> positions;
  if (text.empty()) return positions;  // no partition named: every partition from its beginning
  for (absl::string_view entry : absl::StrSplit(text, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
    if (parts.size() != 2)
      return BadToken(absl::StrCat("has an entry ", Quote(entry), " that is not partition:offset"));
    ASSIGN_OR_RETURN(int32_t partition, ParseNumber<int32_t>(parts[0], "partition", entry));
    ASSIGN_OR_RETURN(int64_t offset, ParseNumber<int64_t>(parts[1], "offset", entry));
    if (!positions.emplace(partition, offset).second) {
      return BadToken(absl::StrCat("names partition ", partition, " twice"));
    }
  }
  return positions;
}

absl::Status StreamPersonPages(const KafkaSettings& kafka, const WatchPagesRequest& request,
                               const std::function<bool()>& cancelled,
                               const std::function<bool(const WatchPagesResponse&)>& write) {
  if (request.person_id().empty()) return absl::InvalidArgumentError("person_id is required: whose pages to watch");
  std::optional<std::map<int32_t, int64_t>> from;
  if (!request.resume_token().empty()) {
    ASSIGN_OR_RETURN(auto decoded, DecodeResumeToken(request.resume_token()));
    from = std::move(decoded);
  }
  if (cancelled()) return absl::OkStatus();

  absl::StatusOr<std::unique_ptr<TopicTail>> opened = TopicTail::Open(kafka, kPagingTopic, from, kOpenTimeout);
  if (!opened.ok()) {
    // Positions the topic does not have: the token, not Kafka, is what the client must change.
    if (from && absl::IsOutOfRange(opened.status())) {
      return absl::Status(opened.status().code(),
                          absl::StrCat("resume_token does not fit ", kPagingTopic, ": ", opened.status().message(),
                                       "; watch without a resume_token to start from now"));
    }
    return opened.status();
  }
  TopicTail& tail = **opened;

  WatchPagesResponse start;
  start.set_resume_token(EncodeResumeToken(tail.positions()));
  if (!write(start)) return absl::OkStatus();

  while (!cancelled()) {
    ASSIGN_OR_RETURN(std::optional<ConsumedMessage> next, tail.Next(kPollInterval));
    if (!next.has_value()) continue;
    // Not an event (the consumers dead-letter it): nothing a person could be shown.
    absl::StatusOr<Envelope> envelope = ParseEnvelope(next->payload);
    if (!envelope.ok() || !ForPerson(*envelope, request.person_id())) continue;
    WatchPagesResponse response;
    *response.mutable_event() = *std::move(envelope);
    response.set_resume_token(EncodeResumeToken(tail.positions()));
    if (!write(response)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace csec::paging
