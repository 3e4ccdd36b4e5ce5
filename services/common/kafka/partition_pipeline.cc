#include "services/common/kafka/partition_pipeline.h"

#include <utility>

namespace csec {

void PartitionPipeline::Add(ConsumedMessage message) {
  const int64_t offset = message.offset;
  last_added_ = offset;
  if (!options_.one_at_a_time_per_key) {
    entries_.emplace(offset, Entry{.message = std::move(message), .state = State::kWaiting, .retry_at = {}});
    startable_.insert(offset);
    return;
  }
  std::deque<int64_t>& queue = by_key_[message.key];
  queue.push_back(offset);
  const bool front = queue.size() == 1;
  entries_.emplace(offset, Entry{.message = std::move(message), .state = State::kWaiting, .retry_at = {}});
  if (front) startable_.insert(offset);
}

std::vector<const ConsumedMessage*> PartitionPipeline::TakeReady(absl::Time now) {
  std::vector<const ConsumedMessage*> ready;
  if (retrying_ > 0) {
    for (auto& [offset, entry] : entries_) {
      if (entry.state == State::kRetry && entry.retry_at <= now) {
        entry.state = State::kInFlight;
        --retrying_;
        ++in_flight_;
        ready.push_back(&entry.message);
      }
    }
    if (retrying_ > 0) return ready;  // the partition holds until every retry has started
  }
  while (in_flight_ < options_.max_in_flight && !startable_.empty()) {
    const int64_t offset = *startable_.begin();
    startable_.erase(startable_.begin());
    Entry& entry = entries_.at(offset);
    entry.state = State::kInFlight;
    ++in_flight_;
    ready.push_back(&entry.message);
  }
  return ready;
}

void PartitionPipeline::Completed(int64_t offset) {
  auto it = entries_.find(offset);
  if (it == entries_.end() || it->second.state != State::kInFlight) return;  // not ours, or twice
  --in_flight_;
  if (!options_.one_at_a_time_per_key) {
    entries_.erase(it);
    return;
  }
  const std::string key = it->second.message.key;
  entries_.erase(it);
  std::deque<int64_t>& queue = by_key_[key];
  if (!queue.empty() && queue.front() == offset) queue.pop_front();
  if (queue.empty()) {
    by_key_.erase(key);
  } else {
    MarkStartableIfFront(key);
  }
}

void PartitionPipeline::Failed(int64_t offset, absl::Time retry_at) {
  auto it = entries_.find(offset);
  if (it == entries_.end() || it->second.state != State::kInFlight) return;
  it->second.state = State::kRetry;
  it->second.retry_at = retry_at;
  --in_flight_;
  ++retrying_;
}

void PartitionPipeline::MarkStartableIfFront(const std::string& key) {
  const int64_t front = by_key_.at(key).front();
  if (entries_.at(front).state == State::kWaiting) startable_.insert(front);
}

std::optional<int64_t> PartitionPipeline::Committable() const {
  // Everything below the lowest open message is done; with none open, everything added is.
  if (!entries_.empty()) return entries_.begin()->first;
  if (!last_added_) return std::nullopt;
  return *last_added_ + 1;
}

std::optional<int64_t> PartitionPipeline::TakeCommittable() {
  std::optional<int64_t> next = Committable();
  if (!next || (last_taken_commit_ && *next <= *last_taken_commit_)) return std::nullopt;
  last_taken_commit_ = next;
  return next;
}

std::optional<absl::Time> PartitionPipeline::NextRetry() const {
  std::optional<absl::Time> earliest;
  if (retrying_ == 0) return earliest;
  for (const auto& [offset, entry] : entries_) {
    if (entry.state == State::kRetry && (!earliest || entry.retry_at < *earliest)) earliest = entry.retry_at;
  }
  return earliest;
}

}  // namespace csec
