// medical: books each routed case's exam at a DHS Medical Hub inside the 72-hour window (same
// or next day when possible) and serves MedicalHubService on --grpc_listen. Flags:
// services/common/runtime/service_runtime.cc, plus the ones below.
//
// One consumer, "medical": routed cases (book), closed cases (cancel), exams recorded through
// intake, and hub days changed (applied again from csec.medical.v1 should a call die first).
#include "absl/flags/flag.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/redis/state_epoch.h"
#include "services/common/runtime/event_handlers.h"
#include "services/common/runtime/service_runtime.h"
#include "services/medical/medical_config.h"
#include "services/medical/medical_grpc_service.h"
#include "services/medical/medical_handler.h"
#include "services/medical/medical_keys.h"
#include "services/medical/medical_store.h"

ABSL_FLAG(std::string, medical_config, "deploy/config/medical.yaml",
          "The Medical Hubs' opening hours and exam length (YAML); refused at start-up if a hub of the protocol "
          "config has no hours");
ABSL_FLAG(int, medical_workers, 4, "Threads booking (one case always on the same one)");

int main(int argc, char** argv) {
  using namespace csec;
  using namespace csec::medical;
  return ServiceRuntime::Run("medical", argc, argv, [](ServiceContext& s) -> absl::Status {
    const Clock* clock = s.clock();
    ASSIGN_OR_RETURN(MedicalConfig loaded,
                     LoadMedicalConfig(absl::GetFlag(FLAGS_medical_config), *s.config()->Current()));
    const MedicalConfig* config = s.Own(std::make_unique<MedicalConfig>(std::move(loaded)));
    log::Info(
        "medical.config_loaded",
        {{"path", config->path}, {"version", config->version}, {"hubs", static_cast<int64_t>(config->hubs.size())}});

    auto* store = s.Own(std::make_unique<MedicalStore>(s.redis()));
    // Redis without the medical epoch lost the bookings and hub days (or never had them): rebuild
    // them from Kafka before booking anything. A running service that finds the epoch gone exits so
    // that its restart does this; meanwhile every booking answers Unavailable.
    RedisClient* redis = s.redis();
    absl::StatusOr<StateEpoch> epoch = PrepareStateEpoch(redis, redis_keys::MedicalEpoch(), "medical", [&] {
      int64_t events = 0;
      absl::Status rebuilt = RebuildMedicalState(store, s.kafka(), &events);
      log::Info("medical.rebuild_read", {{"events", static_cast<long long>(events)}});
      return rebuilt;
    });
    if (!epoch.ok()) return epoch.status();
    s.WatchState([redis, epoch = *epoch] { return CheckStateEpoch(redis, redis_keys::MedicalEpoch(), epoch); });
    auto* desk =
        s.Own(std::make_unique<MedicalDesk>(config, store, s.producer(), clock, absl::GetFlag(FLAGS_medical_workers)));
    s.Consume({.group_id = "medical", .topics = {kRoutingTopic, kIntakeTopic, kMedicalTopic}},
              HandleEnvelopes("medical", [desk](const csec::dispatch::v1::Envelope& e, HandlerDone done) {
                desk->Handle(e, std::move(done));
              }));
    s.Serve(csec::dispatch::v1::MedicalHubService::service_full_name(),
            s.Own(std::make_unique<MedicalGrpcService>(desk, clock)));
    s.OnStop([desk] { desk->Stop(); });
    return absl::OkStatus();
  });
}
