// paging: pages on-call responders, advocates and supervisors from rosters and escalation
// chains (--paging_config), delivers pages to on-call staff (WatchPages streams, webhooks,
// SMS/voice adapters) and takes their acknowledgements; PagingService on --grpc_listen. Flags:
// services/common/runtime/service_runtime.cc, plus the ones below.
//
// Two consumers: "paging" decides (routing, timers, intake, medical and paging topics: routed
// cases, missed deadlines, step waits, acknowledgements, arrivals, medical scheduling failures and
// emergencies) and "paging-delivery" sends (the PageSent events and the delivery waits), apart,
// so a slow channel holds up no decision.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/redis/state_epoch.h"
#include "services/common/runtime/event_handlers.h"
#include "services/common/runtime/service_runtime.h"
#include "services/paging/page_delivery.h"
#include "services/paging/paging_config.h"
#include "services/paging/paging_grpc_service.h"
#include "services/paging/paging_handler.h"
#include "services/paging/paging_keys.h"
#include "services/paging/paging_store.h"
#include "services/paging/roster_book.h"
#include "services/paging/webhook_channel.h"

ABSL_FLAG(std::string, paging_config, "deploy/config/paging.yaml",
          "People, rosters and escalation chains (YAML); refused at start-up if any role the protocol config pages "
          "has no chain");
ABSL_FLAG(std::string, webhook_secret_file, "",
          "File holding the HMAC key webhooks are signed with (else $CSEC_WEBHOOK_SECRET); required when any "
          "contact method is a webhook");
ABSL_FLAG(int, paging_workers, 8, "Threads deciding pages (one case always on the same one)");
ABSL_FLAG(int, delivery_threads, 16, "Threads sending notifications (a slow channel holds one of them)");

namespace {

absl::StatusOr<std::string> WebhookSecret(const csec::paging::PagingConfig& config) {
  std::string secret;
  const std::string file = absl::GetFlag(FLAGS_webhook_secret_file);
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("--webhook_secret_file: cannot read ", file));
    std::stringstream bytes;
    bytes << in.rdbuf();
    secret = bytes.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  } else if (const char* env = std::getenv("CSEC_WEBHOOK_SECRET"); env != nullptr) {
    secret = env;
  }
  bool uses_webhooks = false;
  for (const auto& person : config.people) {
    for (const auto& c : person.contacts) uses_webhooks |= c.kind == csec::paging::ContactMethod::Kind::kWebhook;
  }
  if (uses_webhooks && secret.size() < 16) {
    return absl::InvalidArgumentError(
        absl::StrCat(config.path,
                     ": people have webhook contacts, so a signing key of at least 16 bytes is needed "
                     "(--webhook_secret_file or CSEC_WEBHOOK_SECRET)"));
  }
  return secret;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace csec;
  using namespace csec::paging;
  return ServiceRuntime::Run("paging", argc, argv, [](ServiceContext& s) -> absl::Status {
    const Clock* clock = s.clock();
    ASSIGN_OR_RETURN(PagingConfig loaded, LoadPagingConfig(absl::GetFlag(FLAGS_paging_config), *s.config()->Current()));
    const PagingConfig* config = s.Own(std::make_unique<PagingConfig>(std::move(loaded)));
    ASSIGN_OR_RETURN(std::string secret, WebhookSecret(*config));
    log::Info("paging.config_loaded", {{"path", config->path},
                                       {"version", config->version},
                                       {"people", static_cast<int64_t>(config->people.size())},
                                       {"rosters", static_cast<int64_t>(config->rosters.size())},
                                       {"chains", static_cast<int64_t>(config->chains.size())}});

    auto* store = s.Own(std::make_unique<PagingStore>(s.redis(), s.flags().dedupe_horizon));
    auto* rosters = s.Own(std::make_unique<RosterBook>(config, s.redis(), s.producer(), clock));
    // Redis without the paging epoch lost the pages, the marks that stop deliveries and what
    // delivery keeps (or never had them): rebuild them from Kafka before deciding or sending
    // anything. A running paging that finds the epoch gone exits so that its restart does this;
    // meanwhile decisions and sends answer Unavailable and are retried after it.
    RedisClient* redis = s.redis();
    absl::StatusOr<StateEpoch> epoch = PrepareStateEpoch(redis, redis_keys::PagingEpoch(), "paging", [&] {
      RETURN_IF_ERROR(rosters->Rebuild(s.kafka()));
      int64_t events = 0;
      absl::Status rebuilt = RebuildPagingState(store, config, s.kafka(), &events);
      log::Info("paging.rebuild_read", {{"events", static_cast<long long>(events)}});
      return rebuilt;
    });
    if (!epoch.ok()) return epoch.status();
    s.WatchState([redis, epoch = *epoch] { return CheckStateEpoch(redis, redis_keys::PagingEpoch(), epoch); });
    RETURN_IF_ERROR(rosters->Rebuild(s.kafka()));

    auto* handler =
        s.Own(std::make_unique<PagingHandler>(config, store, rosters, s.producer(), clock,
                                              PagingHandlerOptions{.workers = absl::GetFlag(FLAGS_paging_workers)}));
    RETURN_IF_ERROR(handler->RequestShiftNotices());
    s.Consume(
        {.group_id = "paging", .topics = {kRoutingTopic, kTimersTopic, kIntakeTopic, kMedicalTopic, kPagingTopic}},
        HandleEnvelopes("paging", [handler](const csec::dispatch::v1::Envelope& e, HandlerDone done) {
          handler->Handle(e, std::move(done));
        }));

    auto* webhook = s.Own(std::make_unique<WebhookChannel>(secret, config->delivery));
    auto* log_only = s.Own(std::make_unique<LogChannel>());
    auto* delivery = s.Own(std::make_unique<PageDelivery>(
        config, s.redis(), s.producer(), clock,
        DeliveryChannels{.webhook = webhook, .sms = log_only, .voice = log_only, .log = log_only},
        absl::GetFlag(FLAGS_delivery_threads), s.flags().dedupe_horizon));
    s.Consume({.group_id = "paging-delivery", .topics = {kPagingTopic, kTimersTopic}, .one_at_a_time_per_key = false},
              HandleEnvelopes("paging-delivery", [delivery](const csec::dispatch::v1::Envelope& e, HandlerDone done) {
                delivery->Handle(e, std::move(done));
              }));

    s.Serve(csec::dispatch::v1::PagingService::service_full_name(),
            s.Own(std::make_unique<PagingGrpcService>(config, store, rosters, s.producer(), s.kafka(), clock)));
    s.OnStop([handler, delivery] {
      handler->Stop();
      delivery->Stop();
    });
    return absl::OkStatus();
  });
}
