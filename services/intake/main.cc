// intake: the gRPC front door, and the projector that keeps the case view (every topic → Redis)
// for GetCase and WatchCase. Flags: services/common/service_runtime.cc, plus --case_view_group.
// SIGHUP reloads the protocol config; a bad file is refused.
#include "absl/flags/flag.h"
#include "services/common/events.h"
#include "services/common/service_runtime.h"
#include "services/intake/case_store.h"
#include "services/intake/intake_service.h"

ABSL_FLAG(std::string, case_view_group, "case-view",
          "Consumer group of the case-view projector; a new name replays every topic (a rebuild)");

int main(int argc, char** argv) {
  using namespace csec;
  return ServiceRuntime::Run("intake", argc, argv, [](ServiceContext& s) {
    // The projector: every event of every topic into its case. Adding is idempotent by event id,
    // so no separate once-only guard is needed. Not needed for readiness: intake serves reports
    // whether or not this replica owns projector partitions.
    auto* projection = s.Own(std::make_unique<intake::CaseStore>(s.redis()));
    s.Consume({.group_id = absl::GetFlag(FLAGS_case_view_group), .topics = ProjectedTopics()},
              HandleEnvelopes("case-view", [projection](const csec::dispatch::v1::Envelope& e, HandlerDone done) {
                projection->AddAsync(e, std::move(done));
              }),
              /*needed_for_readiness=*/false);
    auto* intake = s.Own(std::make_unique<intake::Intake>(s.producer(), s.redis(), s.config(), s.health(), s.clock()));
    s.Serve(csec::dispatch::v1::IntakeService::service_full_name(),
            s.Own(std::make_unique<intake::IntakeGrpcService>(intake)));
    return absl::OkStatus();
  });
}
