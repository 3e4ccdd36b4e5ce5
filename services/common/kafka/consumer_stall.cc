#include "services/common/kafka/consumer_stall.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace csec {
namespace {

std::string Cause(const ConsumerBook::PartitionState& s, std::optional<int64_t> not_taken) {
  if (s.retrying)
    return absl::StrCat("a failed message is being retried and keeps failing (", s.unfinished, " in hand)");
  if (s.unfinished > 0) {
    return absl::StrCat(s.unfinished, " message(s) in hand and none completed",
                        s.paused ? " (fetching paused: the buffer is full)" : "");
  }
  return absl::StrCat(not_taken.value_or(0), " message(s) on the broker and none taken",
                      s.paused ? " (fetching paused)" : " although fetching should run");
}

}  // namespace

std::vector<PartitionVerdict> ConsumerStallWatch::Look(const std::vector<PartitionLook>& looks, absl::Time now) {
  std::map<TopicPartitionId, Memory> seen;
  std::vector<PartitionVerdict> verdicts;
  for (const PartitionLook& look : looks) {
    const ConsumerBook::PartitionState& s = look.state;
    auto old = memory_.find(s.partition);
    Memory m = old == memory_.end() ? Memory{.progress_at = now} : old->second;
    const bool moved = old == memory_.end() || m.generation != s.generation || m.fetched_next != s.fetched_next ||
                       m.handled_next != s.handled_next;
    if (look.low_watermark) m.low_watermark = look.low_watermark;
    if (look.high_watermark) m.high_watermark = look.high_watermark;
    m.generation = s.generation;
    m.fetched_next = s.fetched_next;
    m.handled_next = s.handled_next;

    // Before anything is taken, fetching starts at the committed offset, or at the log's start
    // (also when retention deleted what lay after the committed offset).
    std::optional<int64_t> start = look.committed ? look.committed : m.low_watermark;
    if (start && m.low_watermark) start = std::max(*start, *m.low_watermark);
    const std::optional<int64_t> fetch_at = s.fetched_next ? s.fetched_next : start;
    const std::optional<int64_t> done = s.handled_next ? s.handled_next : start;
    std::optional<int64_t> not_taken;
    if (m.high_watermark && fetch_at) not_taken = std::max<int64_t>(0, *m.high_watermark - *fetch_at);
    const bool waiting = s.unfinished > 0 || not_taken.value_or(0) > 0;
    if (moved || !waiting) m.progress_at = now;

    PartitionVerdict v{.partition = s.partition};
    if (m.high_watermark && done) v.lag = std::max<int64_t>(0, *m.high_watermark - *done);
    v.without_progress = waiting ? now - m.progress_at : absl::ZeroDuration();
    v.stalled = waiting && v.without_progress >= stall_after_;
    if (v.stalled) {
      v.reason = absl::StrCat(v.lag.value_or(0), " message(s) waiting, no progress for ",
                              absl::FormatDuration(absl::Trunc(v.without_progress, absl::Seconds(1))), ": ",
                              Cause(s, not_taken));
      v.fetch_stopped_unpaused = s.unfinished == 0 && !s.paused;
    }
    verdicts.push_back(std::move(v));
    seen.emplace(s.partition, m);
  }
  memory_ = std::move(seen);
  return verdicts;
}

}  // namespace csec
