#include "services/common/kafka/consumer_book.h"

#include <algorithm>

namespace csec {

bool IsPermanentFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

void ConsumerBook::Assign(const std::vector<TopicPartitionId>& partitions) {
  for (const TopicPartitionId& id : partitions) {
    partitions_.erase(id);
    partitions_.emplace(
        id, Partition{.pipeline = PartitionPipeline({.max_in_flight = options_.max_in_flight_per_partition,
                                                     .one_at_a_time_per_key = options_.one_at_a_time_per_key}),
                      .generation = ++generations_,
                      .paused = false,
                      .backoff = options_.min_retry_backoff});
  }
}

std::vector<PartitionOffset> ConsumerBook::Revoke(const std::vector<TopicPartitionId>& partitions) {
  std::vector<PartitionOffset> standing = Committable(partitions);
  for (const TopicPartitionId& id : partitions) partitions_.erase(id);
  return standing;
}

std::vector<TopicPartitionId> ConsumerBook::Owned() const {
  std::vector<TopicPartitionId> owned;
  for (const auto& [id, p] : partitions_) owned.push_back(id);
  return owned;
}

bool ConsumerBook::Accept(ConsumedMessage message) {
  auto it = partitions_.find({message.topic, message.partition});
  if (it == partitions_.end()) return false;  // not ours any more; it comes again to its owner
  it->second.pipeline.Add(std::move(message));
  return true;
}

std::vector<ConsumerBook::Start> ConsumerBook::TakeReady(absl::Time now) {
  std::vector<Start> ready;
  for (auto& [id, p] : partitions_) {
    for (const ConsumedMessage* m : p.pipeline.TakeReady(now)) {
      ready.push_back({.partition = id, .generation = p.generation, .message = m});
    }
  }
  return ready;
}

ConsumerBook::Partition* ConsumerBook::FindCurrent(const TopicPartitionId& id, uint64_t generation) {
  auto it = partitions_.find(id);
  if (it == partitions_.end() || it->second.generation != generation) return nullptr;
  return &it->second;
}

ConsumerBook::Outcome ConsumerBook::Apply(const Completion& c, absl::Time now) {
  Partition* p = FindCurrent(c.partition, c.generation);
  if (p == nullptr) return {.verdict = Verdict::kIgnored, .retry_in = absl::ZeroDuration()};
  if (c.status.ok()) {
    p->pipeline.Completed(c.offset);
    p->backoff = options_.min_retry_backoff;
    return {.verdict = Verdict::kDone, .retry_in = absl::ZeroDuration()};
  }
  if (!c.dead_letter && IsPermanentFailure(c.status)) {
    return {.verdict = Verdict::kDeadLetter, .retry_in = absl::ZeroDuration()};
  }
  // Transient, or the dead letter could not be written: hold the partition and retry.
  const absl::Duration retry_in = p->backoff;
  p->pipeline.Failed(c.offset, now + retry_in);
  p->backoff = std::min(p->backoff * 2, options_.max_retry_backoff);
  return {.verdict = Verdict::kRetry, .retry_in = retry_in};
}

const ConsumedMessage* ConsumerBook::Find(const TopicPartitionId& partition, int64_t offset) const {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? nullptr : it->second.pipeline.Find(offset);
}

std::vector<PartitionOffset> ConsumerBook::TakeStores() {
  std::vector<PartitionOffset> stores;
  for (auto& [id, p] : partitions_) {
    if (std::optional<int64_t> next = p.pipeline.TakeCommittable()) stores.emplace_back(id, *next);
  }
  return stores;
}

std::vector<PartitionOffset> ConsumerBook::Committable(const std::vector<TopicPartitionId>& partitions) const {
  std::vector<PartitionOffset> standing;
  for (const TopicPartitionId& id : partitions) {
    auto it = partitions_.find(id);
    if (it == partitions_.end()) continue;
    if (std::optional<int64_t> next = it->second.pipeline.Committable()) standing.emplace_back(id, *next);
  }
  return standing;
}

ConsumerBook::PauseChanges ConsumerBook::TakePauseChanges() {
  PauseChanges changes;
  for (auto& [id, p] : partitions_) {
    const bool want = p.pipeline.waiting_to_retry() || p.pipeline.buffered() >= options_.max_buffered_per_partition;
    if (want == p.paused) continue;
    (want ? changes.pause : changes.resume).push_back(id);
    p.paused = want;
  }
  return changes;
}

std::vector<ConsumerBook::PartitionState> ConsumerBook::States() const {
  std::vector<PartitionState> states;
  for (const auto& [id, p] : partitions_) {
    std::optional<int64_t> last = p.pipeline.last_added();
    states.push_back({.partition = id,
                      .generation = p.generation,
                      .fetched_next = last ? std::optional<int64_t>(*last + 1) : std::nullopt,
                      .handled_next = p.pipeline.Committable(),
                      .unfinished = p.pipeline.unfinished(),
                      .paused = p.paused,
                      .retrying = p.pipeline.waiting_to_retry()});
  }
  return states;
}

size_t ConsumerBook::InFlight(const std::vector<TopicPartitionId>& partitions) const {
  size_t n = 0;
  for (const TopicPartitionId& id : partitions) {
    auto it = partitions_.find(id);
    if (it != partitions_.end()) n += it->second.pipeline.in_flight();
  }
  return n;
}

absl::Duration ConsumerBook::IdleWait(absl::Time now, absl::Duration longest) const {
  absl::Duration wait = longest;
  for (const auto& [id, p] : partitions_) {
    if (std::optional<absl::Time> retry = p.pipeline.NextRetry()) {
      wait = std::min(wait, std::max(absl::ZeroDuration(), *retry - now));
    }
  }
  return wait;
}

int ConsumerBook::paused() const {
  int n = 0;
  for (const auto& [id, p] : partitions_) n += p.paused ? 1 : 0;
  return n;
}

}  // namespace csec
