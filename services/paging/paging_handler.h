// The paging service's event handler (consumer group "paging", on the routing, timers, intake
// and paging topics): for each event it acts on, loads the case's pages, decides (page_engine.h),
// produces the decided events, and only then stores the new state. A crash between the two
// replays the event: the same decision, the same event ids, so nobody is paged twice.
//
//   PagingHandler handler(&config, &store, &rosters, producer, &SystemClock::Get(), {.workers = 8});
//   s.Consume({.group_id = "paging", .topics = ...},
//             HandleEnvelopes("paging", [&](const Envelope& e, HandlerDone done) { handler.Handle(e, std::move(done));
//             }));
//
// A case's events arrive on several topics, each handled in order by the consumer but not with
// each other; the handler runs one case's events one at a time (a case always goes to the same
// worker thread) and different cases in parallel. Handle is called on the consumer thread and
// returns at once; Stop() joins the workers (after the consumer stopped).
#ifndef CSEC_SERVICES_PAGING_PAGING_HANDLER_H_
#define CSEC_SERVICES_PAGING_PAGING_HANDLER_H_

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "csec/dispatch/v1/events.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/keyed_workers.h"
#include "services/common/kafka/kafka_consumer.h"
#include "services/common/runtime/event_producer.h"
#include "services/paging/page_engine.h"
#include "services/paging/paging_config.h"
#include "services/paging/paging_store.h"
#include "services/paging/roster_book.h"

namespace csec::paging {

struct PagingHandlerOptions {
  int workers = 8;
};

class PagingHandler {
 public:
  PagingHandler(const PagingConfig* config, PagingStore* store, RosterBook* rosters, EventProducer* producer,
                const Clock* clock, PagingHandlerOptions options);
  ~PagingHandler();

  void Handle(const csec::dispatch::v1::Envelope& event, HandlerDone done);
  // Asks the timers service for each roster's next shift notice (the same wait as before, if it
  // was asked already): at start-up.
  absl::Status RequestShiftNotices();
  void Stop();

 private:
  // The roster snapshot of one decision, read from Redis on first use.
  using LazyRosters = std::optional<absl::StatusOr<RosterSnapshot>>;

  EngineContext ContextWith(LazyRosters* rosters) const;
  absl::Status Process(const csec::dispatch::v1::Envelope& event);

  const PagingConfig* config_;
  PagingStore* store_;
  RosterBook* rosters_;
  EventProducer* producer_;
  const Clock* clock_;
  KeyedWorkers workers_;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGING_HANDLER_H_
