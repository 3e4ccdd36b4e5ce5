// The bookkeeping a consumer keeps for one assigned partition, apart from librdkafka so it is
// tested without a broker:
//   - which fetched messages may be handled now: one at a time per key (a case's events are
//     handled in order) unless `one_at_a_time_per_key` is false, at most `max_in_flight` at once,
//     and nothing new while a failed message of the partition waits for its retry (so a failure
//     holds up only this partition);
//   - which offset may be stored: the one after the highest message whose handling, and every
//     earlier message's, has completed. Handlers may complete in any order.
//
//   PartitionPipeline p({.max_in_flight = 256});
//   p.Add(std::move(message));                      // in offset order, as fetched
//   for (const ConsumedMessage* m : p.TakeReady(now)) StartHandler(*m);
//   p.Completed(offset);                            // handled or dead-lettered, any order
//   p.Failed(offset, now + backoff);                // transient: retried by a later TakeReady
//   if (std::optional<int64_t> next = p.TakeCommittable()) StoreOffset(next);
//
// Not thread-safe: owned by the consumer's loop thread.
#ifndef CSEC_SERVICES_COMMON_KAFKA_PARTITION_PIPELINE_H_
#define CSEC_SERVICES_COMMON_KAFKA_PARTITION_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/time/time.h"
#include "services/common/kafka/kafka_message.h"

namespace csec {

class PartitionPipeline {
 public:
  struct Options {
    size_t max_in_flight = 256;
    // true: a message starts only when every earlier message of its key has completed. false:
    // any message starts as soon as max_in_flight allows (for handlers whose messages of one key
    // must not wait for each other, e.g. deliveries of several pages of one case).
    bool one_at_a_time_per_key = true;
  };

  explicit PartitionPipeline(Options options) : options_(options) {}

  // A fetched message; offsets must increase from call to call.
  void Add(ConsumedMessage message);

  // Marks the messages that may start now as in flight and returns them (pointers stay valid
  // until the message is Completed). Retries whose time has come are returned first; while any
  // retry is pending, nothing else starts.
  std::vector<const ConsumedMessage*> TakeReady(absl::Time now);

  // The handler is done with `offset` for good (handled, or sent to the dead-letter topic).
  void Completed(int64_t offset);
  // The handler failed in a way a retry may fix: the message starts again at `retry_at`.
  void Failed(int64_t offset, absl::Time retry_at);

  // A message added and not yet completed, or null.
  const ConsumedMessage* Find(int64_t offset) const {
    auto it = entries_.find(offset);
    return it == entries_.end() ? nullptr : &it->second.message;
  }

  // The next offset to store, when it moved since the last call.
  std::optional<int64_t> TakeCommittable();
  // The next offset to store now, whether or not it was taken before (for commits on revoke).
  std::optional<int64_t> Committable() const;

  // When the earliest pending retry is due, if any.
  std::optional<absl::Time> NextRetry() const;
  bool waiting_to_retry() const { return retrying_ > 0; }
  size_t in_flight() const { return in_flight_; }
  // Fetched and not yet started.
  size_t buffered() const { return entries_.size() - in_flight_ - retrying_; }
  // Fetched and not yet completed: buffered, in flight or waiting to retry.
  size_t unfinished() const { return entries_.size(); }
  // The offset of the last message added, if any.
  std::optional<int64_t> last_added() const { return last_added_; }

 private:
  enum class State { kWaiting, kInFlight, kRetry };
  struct Entry {
    ConsumedMessage message;
    State state = State::kWaiting;
    absl::Time retry_at;
  };

  void MarkStartableIfFront(const std::string& key);

  Options options_;
  std::map<int64_t, Entry> entries_;  // every message added and not completed, by offset
  // Per key, its uncompleted offsets in order; only the front may be in flight. Empty when
  // !one_at_a_time_per_key.
  std::unordered_map<std::string, std::deque<int64_t>> by_key_;
  std::set<int64_t> startable_;  // waiting messages that may start (at the front of their key's queue)
  size_t in_flight_ = 0;
  size_t retrying_ = 0;
  std::optional<int64_t> last_added_;
  std::optional<int64_t> last_taken_commit_;
};

}  // namespace csec

#endif  // CSEC_SERVICES_COMMON_KAFKA_PARTITION_PIPELINE_H_
