// intake: the gRPC front door, and the projector that keeps the case view (every topic → Redis)
// for GetCase and WatchCase. Flags: services/common/runtime/service_runtime.cc, plus --case_view_group.
// SIGHUP reloads the protocol config; a bad file is refused.
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/redis/state_epoch.h"
#include "services/common/runtime/event_handlers.h"
#include "services/common/runtime/service_runtime.h"
#include "services/intake/case_store.h"
#include "services/intake/intake_keys.h"
#include "services/intake/intake_service.h"

ABSL_FLAG(std::string, case_view_group, "case-view",
          "Consumer group of the case-view projector (the intake epoch is appended: a Redis that lost its data "
          "gets a new group, which replays every topic); a new name replays every topic too");

int main(int argc, char** argv) {
  using namespace csec;
  return ServiceRuntime::Run("intake", argc, argv, [](ServiceContext& s) {
    // Redis without intake's epoch lost what intake kept there (or never had it): rebuild it from
    // csec.intake.v1 before serving, and let a new case-view group replay every topic into the case
    // view. A running intake that finds the epoch gone exits so that its restart does this.
    RedisClient* redis = s.redis();
    absl::StatusOr<StateEpoch> epoch = PrepareStateEpoch(redis, redis_keys::IntakeEpoch(), "intake", [&] {
      int64_t events = 0;
      absl::Status rebuilt = intake::RebuildIntakeState(redis, s.kafka(), &events);
      log::Info("intake.rebuild_read", {{"events", static_cast<long long>(events)}});
      return rebuilt;
    });
    if (!epoch.ok()) return epoch.status();
    s.WatchState([redis, epoch = *epoch] { return CheckStateEpoch(redis, redis_keys::IntakeEpoch(), epoch); });

    // The projector: every event of every topic into its case. Adding is idempotent by event id,
    // so no separate once-only guard is needed. Not needed for readiness: intake serves reports
    // whether or not this replica owns projector partitions.
    auto* projection = s.Own(std::make_unique<intake::CaseStore>(s.redis()));
    s.Consume(
        {.group_id = absl::StrCat(absl::GetFlag(FLAGS_case_view_group), "-", epoch->id), .topics = ProjectedTopics()},
        HandleEnvelopes("case-view", [projection](const csec::dispatch::v1::Envelope& e,
                                                  HandlerDone done) { projection->AddAsync(e, std::move(done)); }),
        /*needed_for_readiness=*/false);
    auto* intake = s.Own(std::make_unique<intake::Intake>(s.producer(), s.redis(), s.config(), s.health(), s.clock()));
    s.Serve(csec::dispatch::v1::IntakeService::service_full_name(),
            s.Own(std::make_unique<intake::IntakeGrpcService>(intake)));
    return absl::OkStatus();
  });
}
