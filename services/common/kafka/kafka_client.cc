#include "services/common/kafka/kafka_client.h"

#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"

namespace csec {

std::string KafkaClientVersion() { return RdKafka::version_str(); }

namespace kafka_internal {
namespace {

// librdkafka's own log lines and client errors, as JSON lines like every other log.
class KafkaClientLogger final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
          log::Warn("kafka.client_log", {{"facility", event.fac()}, {"message", event.str()}});
        } else {
          log::Info("kafka.client_log", {{"facility", event.fac()}, {"message", event.str()}});
        }
        break;
      case RdKafka::Event::EVENT_ERROR:
        log::Warn("kafka.client_error", {{"error", RdKafka::err2str(event.err())}, {"message", event.str()}});
        break;
      default:
        break;
    }
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeConf(const KafkaSettings& settings,
                                                        std::map<std::string, std::string> props) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  static KafkaClientLogger* logger = new KafkaClientLogger();
  std::string err;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(logger), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(err);
  }
  // A broker that restarted is reconnected to within a second, not librdkafka's ten: every
  // producer, consumer and tail is back (deadlines fire, referrals route) as soon as it is.
  props.emplace("reconnect.backoff.max.ms", "1000");
  props["bootstrap.servers"] = settings.brokers;
  props["client.id"] = settings.client_id;
  for (const auto& [k, v] : settings.extra) props[k] = v;
  for (const auto& [name, value] : props) {
    if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", name, "=", value, ": ", err));
    }
  }
  return conf;
}

absl::Status FromKafkaError(RdKafka::ErrorCode code, absl::string_view what) {
  if (code == RdKafka::ERR_NO_ERROR) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(what, ": ", RdKafka::err2str(code)));
}

}  // namespace kafka_internal
}  // namespace csec
