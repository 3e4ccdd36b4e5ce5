// The paging service's Redis state as its events tell it, pure: what a rebuild writes back after
// Redis lost it (paging_store.h, page_delivery.h).
//
// Each case's pages come from paging's own decisions on csec.paging.v1 (PageSent, PageEscalated,
// ChainExhausted, PageAcknowledged, PageClosed): they say exactly what was paged, to whom, at which
// attempt and until when, which DecidePaging cannot re-derive (it depends on who was on call, and
// on the time). The case summary comes from the events paging acted on (CaseRouted,
// DeadlineMissed, ArrivalRecorded, CaseClosed, the medical events), applied by DecidePaging itself
// as if they were too old to page for, so it is told the same way. Deliveries: the PageSent and
// ShiftStarting envelopes kept for later tries, and each contact delivered or given up.
//
//   PagingReplay replay(&config);
//   for (each event of each topic, in topic order) replay.Apply(event, bytes, kafka_timestamp);
//   for (const auto& [case_id, state] : replay.Cases()) store.Restore(case_id, state);
//
// Feed csec.paging.v1 first: an input event then never re-decides a page.
#ifndef CSEC_SERVICES_PAGING_PAGING_REPLAY_H_
#define CSEC_SERVICES_PAGING_PAGING_REPLAY_H_

#include <map>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/paging_state.pb.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

class PagingReplay {
 public:
  explicit PagingReplay(const PagingConfig* config) : config_(config) {}

  // `written`: when Kafka took the event (its timestamp), which dates what delivery keeps.
  void Apply(const csec::dispatch::v1::Envelope& event, const std::string& bytes, absl::Time written);

  // Every case with a page or a summary, as the handler would have saved it.
  std::map<std::string, csec::dispatch::v1::PagingCaseState> Cases() const;

  struct Kept {
    std::string value;  // the envelope's bytes, or "delivered" / "gave_up"
    absl::Time written;
  };
  using CaseKey = std::pair<std::string, std::string>;  // case id, event id or delivery id
  // PageSent and ShiftStarting envelopes by (case id, event id): delivery's later tries read them.
  const std::map<CaseKey, Kept>& sent_bodies() const { return sent_bodies_; }
  // Contacts finished by (case id, delivery id): "delivered" or "gave_up".
  const std::map<CaseKey, Kept>& deliveries_done() const { return deliveries_done_; }

 private:
  csec::dispatch::v1::PageRecord* FindOrAdd(csec::dispatch::v1::PagingCaseState& state, const std::string& page_id,
                                            const std::string& role, const std::string& reason, int64_t opened_ms);
  void ApplyOwn(const csec::dispatch::v1::Envelope& event, const std::string& bytes, absl::Time written);

  const PagingConfig* config_;
  std::map<std::string, csec::dispatch::v1::PagingCaseState> cases_;
  // The notification events seen: (page id, attempt, person) → PageSent event id, for the ids of
  // their deliveries.
  std::map<std::string, std::string> sent_ids_;
  std::map<CaseKey, Kept> sent_bodies_;
  std::map<CaseKey, Kept> deliveries_done_;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGING_REPLAY_H_
