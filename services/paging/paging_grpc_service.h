// PagingService over gRPC: on-call staff take their pages (WatchPages, Acknowledge, Decline,
// RecordArrival) and operations see and change who is on call (OnCall, ChangeRoster,
// ListCasePages). Calls that change something answer once Kafka has the event; the page's
// state then follows through the "paging" consumer, like every other event.
//
// Owned by paging's main; gRPC calls it on its own threads, concurrently.
#ifndef CSEC_SERVICES_PAGING_PAGING_GRPC_SERVICE_H_
#define CSEC_SERVICES_PAGING_PAGING_GRPC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/kafka/kafka_settings.h"
#include "services/common/runtime/event_producer.h"
#include "services/paging/paging_config.h"
#include "services/paging/paging_store.h"
#include "services/paging/roster_book.h"

namespace csec::paging {

class PagingGrpcService final : public csec::dispatch::v1::PagingService::Service {
 public:
  PagingGrpcService(const PagingConfig* config, PagingStore* store, RosterBook* rosters, EventProducer* producer,
                    KafkaSettings kafka, const Clock* clock)
      : config_(config),
        store_(store),
        rosters_(rosters),
        producer_(producer),
        kafka_(std::move(kafka)),
        clock_(clock) {}

  grpc::Status WatchPages(grpc::ServerContext* context, const csec::dispatch::v1::WatchPagesRequest* request,
                          grpc::ServerWriter<csec::dispatch::v1::WatchPagesResponse>* writer) override;
  // INVALID_ARGUMENT for a missing field; NOT_FOUND for an unknown page; FAILED_PRECONDITION when
  // the person was not paged for it or the page is over. Acknowledging twice is a duplicate.
  grpc::Status Acknowledge(grpc::ServerContext* context, const csec::dispatch::v1::AcknowledgeRequest* request,
                           csec::dispatch::v1::PageActionResponse* response) override;
  grpc::Status Decline(grpc::ServerContext* context, const csec::dispatch::v1::DeclineRequest* request,
                       csec::dispatch::v1::PageActionResponse* response) override;
  // Records the arrival (ArrivalRecorded on csec.paging.v1, which meets the arrival deadline)
  // and closes the page. Only for a responder's or advocate's "case_routed" page.
  grpc::Status RecordArrival(grpc::ServerContext* context, const csec::dispatch::v1::RecordPageArrivalRequest* request,
                             csec::dispatch::v1::PageActionResponse* response) override;
  grpc::Status ListCasePages(grpc::ServerContext* context, const csec::dispatch::v1::ListCasePagesRequest* request,
                             csec::dispatch::v1::ListCasePagesResponse* response) override;
  grpc::Status OnCall(grpc::ServerContext* context, const csec::dispatch::v1::OnCallRequest* request,
                      csec::dispatch::v1::OnCallResponse* response) override;
  grpc::Status ChangeRoster(grpc::ServerContext* context, const csec::dispatch::v1::ChangeRosterRequest* request,
                            csec::dispatch::v1::ChangeRosterResponse* response) override;

 private:
  const PagingConfig* config_;
  PagingStore* store_;
  RosterBook* rosters_;
  EventProducer* producer_;
  KafkaSettings kafka_;
  const Clock* clock_;
};

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_PAGING_GRPC_SERVICE_H_
