// Where the paging service keeps each case's pages: one Redis value per case (PagingCaseState),
// plus a "stopped" mark per acknowledged or closed page that deliveries look at before each send.
//
//   PagingStore store(redis, absl::Hours(24 * 7));
//   absl::StatusOr<PagingCaseState> state = store.Load(case_id);    // empty when none
//   ... produce the decided events ...
//   absl::Status saved = store.Save(case_id, decision.state);      // then store
//
// Only the owner of a case's partition writes its state, one event at a time (PagingHandler);
// gRPC calls read it and set stopped marks. Thread-safe (RedisClient is).
#ifndef CSEC_SERVICES_PAGING_PAGING_STORE_H_
#define CSEC_SERVICES_PAGING_PAGING_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csec/dispatch/v1/paging_state.pb.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/redis/redis.h"
#include "services/paging/paging_replay.h"

namespace csec::paging {

// OK while Redis holds the paging epoch; Unavailable, saying the state was lost, when it does not.
absl::Status CheckPagingState(RedisClient* redis);

class PagingStore {
 public:
  // Keys expire `horizon` after the case's last change.
  PagingStore(RedisClient* redis, absl::Duration horizon) : redis_(redis), horizon_(horizon) {}

  absl::StatusOr<csec::dispatch::v1::PagingCaseState> Load(const std::string& case_id);
  // Writes the state and, in the same script, the stopped mark of every acknowledged or closed page.
  absl::Status Save(const std::string& case_id, const csec::dispatch::v1::PagingCaseState& state);
  // From RecordArrival: deliveries of the page stop before Kafka has the event.
  absl::Status MarkStopped(const std::string& case_id, const std::string& page_id);
  // From Acknowledge: the same, and whether this is the page's first acknowledgement (false: one
  // came before, whether or not the consumer has applied it yet).
  absl::StatusOr<bool> MarkAcknowledged(const std::string& case_id, const std::string& page_id);
  // Undoes MarkAcknowledged when the acknowledgement could not be recorded.
  absl::Status ClearStopped(const std::string& case_id, const std::string& page_id);
  // After Redis lost the paging state: writes back what `replay` derived from Kafka (case states,
  // stopped marks, kept notifications and delivery marks still inside the horizon at `now`),
  // never over what is there. Load of an unknown case and Save answer Unavailable while the
  // paging epoch is missing.
  absl::Status Restore(const PagingReplay& replay, absl::Time now);

 private:
  RedisClient* redis_;
  absl::Duration horizon_;
};

// After Redis lost the paging state: reads csec.paging.v1, then csec.routing.v1, csec.timers.v1,
// csec.intake.v1 and csec.medical.v1 whole (PagingReplay) and restores it. Idempotent; `events`
// counts the events read.
absl::Status RebuildPagingState(PagingStore* store, const PagingConfig* config, const KafkaSettings& kafka,
                                int64_t* events);

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGING_STORE_H_
