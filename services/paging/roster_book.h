// Runtime roster changes (members replaced, temporary overrides) made by operations over
// PagingService.ChangeRoster: each is a RosterChanged event on csec.paging.v1 with who made it,
// and the latest state of each roster is kept in Redis for every replica to read. When Redis has
// none (first start, or Redis lost), Rebuild reads them back from the topic.
//
//   RosterBook book(&config, redis, producer, &SystemClock::Get());
//   RETURN_IF_ERROR(book.Rebuild(kafka_settings));                       // at start-up
//   absl::StatusOr<RosterSnapshot> now = book.Snapshot();                // per decision
//   OnCall who = OnCallIn(*now, config, "ctu-spa-4", clock.Now());
//
// Thread-safe. A roster edit never touches the protocol config, so the version recorded on
// routing decisions does not change.
#ifndef CSEC_SERVICES_PAGING_ROSTER_BOOK_H_
#define CSEC_SERVICES_PAGING_ROSTER_BOOK_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/paging_service.pb.h"
#include "services/common/base/clock.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/redis/redis.h"
#include "services/common/runtime/event_producer.h"
#include "services/paging/on_call.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

// Every roster's runtime changes at one moment (rosters never changed are absent).
using RosterSnapshot = std::map<std::string, csec::dispatch::v1::RosterChanges>;

// Who is on call on `roster_id` at `at`, from the config and the snapshot; nobody for an
// unknown roster.
OnCall OnCallIn(const RosterSnapshot& snapshot, const PagingConfig& config, const std::string& roster_id,
                absl::Time at);

class RosterBook {
 public:
  RosterBook(const PagingConfig* config, RedisClient* redis, EventProducer* producer, const Clock* clock)
      : config_(config), redis_(redis), producer_(producer), clock_(clock) {}

  // When Redis holds no roster state, restores it from the latest RosterChanged of each roster
  // on csec.paging.v1. A no-op when it is there.
  absl::Status Rebuild(const KafkaSettings& kafka);

  absl::StatusOr<RosterSnapshot> Snapshot() const;

  // Validates (InvalidArgument naming the field), produces RosterChanged, then stores it.
  // Aborted when another change of the same roster won the race (the caller retries).
  absl::StatusOr<csec::dispatch::v1::ChangeRosterResponse> Change(
      const csec::dispatch::v1::ChangeRosterRequest& request);

 private:
  const PagingConfig* config_;
  RedisClient* redis_;
  EventProducer* producer_;
  const Clock* clock_;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_ROSTER_BOOK_H_
