// timers: every protocol deadline and every other service's wait, held in Redis and fired once,
// on time, to csec.timers.v1; TimerService on --grpc_listen. Flags: services/common/
// service_runtime.cc, plus the three below. SIGHUP reloads the protocol config: deadlines armed
// after it use the new policy, those already armed keep their due instants.
#include <cstdlib>

#include "absl/flags/flag.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/runtime/event_handlers.h"
#include "services/common/runtime/service_runtime.h"
#include "services/timers/firing_loop.h"
#include "services/timers/timer_grpc_service.h"
#include "services/timers/timers_service.h"

ABSL_FLAG(int, timer_shards, 64,
          "Timer shards per Kafka partition (Redis key pairs). Keep each shard under a few hundred live timers "
          "(deploy/redis/redis.conf's listpack limit, 512): e.g. 512 for a million. Changing it needs a rebuild");
ABSL_FLAG(absl::Duration, timer_lease, absl::Seconds(10),
          "How long a claim holds a due timer: a replica that dies mid-fire delays that timer this long (real "
          "time, also under --clock_scale)");
ABSL_FLAG(int, timer_claim_batch, 256, "Due timers claimed per script");

int main(int argc, char** argv) {
  using namespace csec;
  using namespace csec::timers;
  return ServiceRuntime::Run("timers", argc, argv, [](ServiceContext& s) -> absl::Status {
    const int shards = absl::GetFlag(FLAGS_timer_shards);
    if (shards < 1 || shards > 65536) return absl::InvalidArgumentError("--timer_shards must be between 1 and 65536");
    if (absl::GetFlag(FLAGS_timer_lease) < absl::Seconds(1)) {
      return absl::InvalidArgumentError("--timer_lease must be at least 1s (a fire must finish within it)");
    }
    const Clock* clock = s.clock();
    const absl::Duration mark_horizon = s.flags().dedupe_horizon;
    auto* store = s.Own(std::make_unique<TimerStore>(
        s.redis(), TimerSharding{.partitions = s.flags().topics.partitions, .shards_per_partition = shards}));
    ASSIGN_OR_RETURN(TimerEpoch epoch, PrepareTimerState(s.redis(), store, s.kafka(), clock, mark_horizon));

    RedisClient* redis = s.redis();
    auto* loop = s.Own(std::make_unique<FiringLoop>(
        store, s.producer(), s.config(), clock,
        FiringOptions{.lease = absl::GetFlag(FLAGS_timer_lease),
                      .claim_batch = absl::GetFlag(FLAGS_timer_claim_batch),
                      .mark_horizon = mark_horizon,
                      .check_state = [redis, epoch = epoch] { return CheckTimerState(redis, epoch); },
                      .on_state_lost =
                          [](const absl::Status& why) {
                            // Firing on would miss every timer Redis lost; a fresh start rebuilds
                            // them from Kafka. Exit like a crash: claims in hand are re-fired.
                            log::Error("timers.exiting_to_rebuild", {{"error", why.ToString()}});
                            std::_Exit(3);
                          }}));
    auto* handler = s.Own(std::make_unique<TimerHandler>(store, loop, s.producer(), s.config(), clock, mark_horizon));
    s.Consume({.group_id = epoch.consumer_group,
               .topics = ConsumedTopics(),
               .on_assigned = [loop](const std::vector<TopicPartitionId>& p) { loop->OnAssigned(p); },
               .on_revoked = [loop](const std::vector<TopicPartitionId>& p) { loop->OnRevoked(p); }},
              HandleEnvelopes("timers", [handler](const csec::dispatch::v1::Envelope& e, HandlerDone done) {
                handler->Handle(e, std::move(done));
              }));
    s.Serve(csec::dispatch::v1::TimerService::service_full_name(),
            s.Own(std::make_unique<TimerGrpcService>(store, s.config())));
    loop->Start();
    s.OnStop([loop] { loop->Stop(); });
    return absl::OkStatus();
  });
}
