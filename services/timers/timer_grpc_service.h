// TimerService over gRPC: the live deadlines in Redis, for agency systems (one case's deadlines)
// and operations (the deadlines due soonest across all cases). Reads only; timers are armed and
// closed by events. The history of a deadline (when armed, met, missed) is in the case view
// (IntakeService.GetCase), built from the csec.timers.v1 events; Redis forgets a closed timer
// after --dedupe_horizon.
//
// Owned by timers' main; gRPC calls it on its own threads, concurrently.
#ifndef CSEC_SERVICES_TIMERS_TIMER_GRPC_SERVICE_H_
#define CSEC_SERVICES_TIMERS_TIMER_GRPC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "csec/dispatch/v1/timer_service.grpc.pb.h"
#include "services/common/domain/protocol_config.h"
#include "services/timers/timer_store.h"

namespace csec::timers {

// What TimerService says about a stored timer (pure).
csec::dispatch::v1::TimerStatus ToTimerStatus(const StoredTimer& timer);

class TimerGrpcService final : public csec::dispatch::v1::TimerService::Service {
 public:
  TimerGrpcService(TimerStore* store, const ProtocolConfigStore* config) : store_(store), config_(config) {}

  // INVALID_ARGUMENT when case_id is empty.
  grpc::Status GetCaseDeadlines(grpc::ServerContext* context,
                                const csec::dispatch::v1::GetCaseDeadlinesRequest* request,
                                csec::dispatch::v1::GetCaseDeadlinesResponse* response) override;
  // INVALID_ARGUMENT when limit is outside 0..1000.
  grpc::Status ListDueSoon(grpc::ServerContext* context, const csec::dispatch::v1::ListDueSoonRequest* request,
                           csec::dispatch::v1::ListDueSoonResponse* response) override;

 private:
  TimerStore* store_;
  const ProtocolConfigStore* config_;
};

}  // namespace csec::timers

#endif  // CSEC_SERVICES_TIMERS_TIMER_GRPC_SERVICE_H_
