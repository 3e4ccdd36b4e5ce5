#include "services/common/kafka/kafka_admin.h"

#include <algorithm>
#include <map>
#include <memory>

#include <librdkafka/rdkafka.h>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/base/log.h"
#include "services/common/base/status_macros.h"
#include "services/common/kafka/kafka_client.h"

namespace csec {
namespace {

// A client handle configured like every other (kafka_internal::MakeConf), for the C admin API,
// which librdkafka's C++ API lacks; its queue receives the admin results.
struct AdminClient {
  std::unique_ptr<RdKafka::Producer> handle;
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  ~AdminClient() {
    if (queue) rd_kafka_queue_destroy(queue);
  }
};

absl::Status Open(const KafkaSettings& kafka, AdminClient& client) {
  ASSIGN_OR_RETURN(auto conf, kafka_internal::MakeConf(kafka, {}));
  std::string err;
  client.handle.reset(RdKafka::Producer::create(conf.get(), err));
  if (!client.handle) return absl::InvalidArgumentError(absl::StrCat("kafka admin client: ", err));
  client.rk = client.handle->c_ptr();
  client.queue = rd_kafka_queue_new(client.rk);
  return absl::OkStatus();
}

int Millis(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

// Partition count of each existing topic among `topics`.
absl::StatusOr<std::map<std::string, int>> ExistingTopics(AdminClient& client, const std::vector<std::string>& topics,
                                                          absl::Duration timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(client.rk, 1, nullptr, &metadata, Millis(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("Kafka metadata: ", rd_kafka_err2str(err)));
  }
  std::map<std::string, int> existing;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    // A topic just created may show a transient error (no leader elected yet): it exists.
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    for (const std::string& wanted : topics) {
      if (wanted == t.topic) existing[wanted] = t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? t.partition_cnt : -1;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  return existing;
}

// Waits for the admin result event of `type` on the client's queue.
rd_kafka_event_t* AwaitResult(AdminClient& client, rd_kafka_event_type_t type, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout + absl::Seconds(1);
  while (absl::Now() < deadline) {
    rd_kafka_event_t* event = rd_kafka_queue_poll(client.queue, Millis(deadline - absl::Now()));
    if (!event) return nullptr;
    if (rd_kafka_event_type(event) == type) return event;
    rd_kafka_event_destroy(event);
  }
  return nullptr;
}

// Creates `missing`; a topic another client created meanwhile is added to `raced`.
absl::Status CreateTopics(AdminClient& client, const std::vector<std::string>& missing, const TopicSettings& settings,
                          absl::Duration timeout, std::vector<std::string>& raced) {
  char errstr[512];
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  const std::string retention_ms = absl::StrCat(absl::ToInt64Milliseconds(settings.retention));
  const std::string min_insync = absl::StrCat(settings.min_insync_replicas);
  for (const std::string& t : missing) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.c_str(), settings.partitions, settings.replication_factor, errstr, sizeof errstr);
    if (!nt) {
      rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
      return absl::InvalidArgumentError(absl::StrCat("topic ", t, ": ", errstr));
    }
    rd_kafka_NewTopic_set_config(nt, "retention.ms", retention_ms.c_str());
    rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", min_insync.c_str());
    new_topics.push_back(nt);
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(client.rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, Millis(timeout), errstr, sizeof errstr);
  rd_kafka_CreateTopics(client.rk, new_topics.data(), new_topics.size(), options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());

  rd_kafka_event_t* event = AwaitResult(client, RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout);
  if (!event) return absl::DeadlineExceededError("create topics: no answer from the broker");
  absl::Status result = absl::OkStatus();
  if (rd_kafka_event_error(event)) {
    result = absl::UnavailableError(absl::StrCat("create topics: ", rd_kafka_event_error_string(event)));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count && result.ok(); ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        raced.push_back(rd_kafka_topic_result_name(results[i]));
      } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* msg = rd_kafka_topic_result_error_string(results[i]);
        result = absl::UnavailableError(absl::StrCat("create topic ", rd_kafka_topic_result_name(results[i]), ": ",
                                                     msg ? msg : rd_kafka_err2str(err)));
      }
    }
  }
  rd_kafka_event_destroy(event);
  for (const std::string& t : missing) {
    if (result.ok() && std::find(raced.begin(), raced.end(), t) == raced.end()) {
      log::Info("kafka.topic_created", {{"topic", t},
                                        {"partitions", settings.partitions},
                                        {"replication_factor", settings.replication_factor},
                                        {"retention_ms", retention_ms}});
    }
  }
  return result;
}

// retention.ms of each topic in `topics` (-1: kept forever).
absl::StatusOr<std::map<std::string, int64_t>> Retentions(AdminClient& client, const std::vector<std::string>& topics,
                                                          absl::Duration timeout) {
  char errstr[512];
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const std::string& t : topics)
    resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(client.rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_AdminOptions_set_request_timeout(options, Millis(timeout), errstr, sizeof errstr);
  rd_kafka_DescribeConfigs(client.rk, resources.data(), resources.size(), options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());

  rd_kafka_event_t* event = AwaitResult(client, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeout);
  if (!event) return absl::DeadlineExceededError("describe topic configs: no answer from the broker");
  std::map<std::string, int64_t> retention;
  absl::Status result = absl::OkStatus();
  if (rd_kafka_event_error(event)) {
    result = absl::UnavailableError(absl::StrCat("describe topic configs: ", rd_kafka_event_error_string(event)));
  } else {
    size_t count = 0;
    const rd_kafka_ConfigResource_t** described =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count);
    for (size_t i = 0; i < count && result.ok(); ++i) {
      if (rd_kafka_ConfigResource_error(described[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        result = absl::UnavailableError(absl::StrCat("describe ", rd_kafka_ConfigResource_name(described[i]), ": ",
                                                     rd_kafka_ConfigResource_error_string(described[i])));
        break;
      }
      size_t entries = 0;
      const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(described[i], &entries);
      for (size_t j = 0; j < entries; ++j) {
        int64_t ms = 0;
        const char* value = rd_kafka_ConfigEntry_value(configs[j]);
        if (std::string(rd_kafka_ConfigEntry_name(configs[j])) == "retention.ms" && value &&
            absl::SimpleAtoi(value, &ms)) {
          retention[rd_kafka_ConfigResource_name(described[i])] = ms;
        }
      }
    }
  }
  rd_kafka_event_destroy(event);
  if (!result.ok()) return result;
  for (const std::string& t : topics) {
    if (!retention.count(t)) return absl::UnavailableError(absl::StrCat("describe ", t, ": no retention.ms reported"));
  }
  return retention;
}

absl::Status RaiseRetention(AdminClient& client, const std::vector<std::string>& topics, const TopicSettings& settings,
                            absl::Duration timeout) {
  char errstr[512];
  const std::string retention_ms = absl::StrCat(absl::ToInt64Milliseconds(settings.retention));
  const std::string min_insync = absl::StrCat(settings.min_insync_replicas);
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const std::string& t : topics) {
    rd_kafka_ConfigResource_t* r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str());
    // AlterConfigs (the only form librdkafka 2.0 has) replaces the topic's whole dynamic config,
    // so it restates every setting csec topics carry.
    rd_kafka_ConfigResource_set_config(r, "retention.ms", retention_ms.c_str());
    rd_kafka_ConfigResource_set_config(r, "min.insync.replicas", min_insync.c_str());
    resources.push_back(r);
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(client.rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
  rd_kafka_AdminOptions_set_request_timeout(options, Millis(timeout), errstr, sizeof errstr);
  rd_kafka_AlterConfigs(client.rk, resources.data(), resources.size(), options, client.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
  rd_kafka_event_t* event = AwaitResult(client, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, timeout);
  if (!event) return absl::DeadlineExceededError("alter topic configs: no answer from the broker");
  absl::Status result = absl::OkStatus();
  if (rd_kafka_event_error(event)) {
    result = absl::UnavailableError(absl::StrCat("alter topic configs: ", rd_kafka_event_error_string(event)));
  } else {
    size_t count = 0;
    const rd_kafka_ConfigResource_t** altered =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event), &count);
    for (size_t i = 0; i < count && result.ok(); ++i) {
      if (rd_kafka_ConfigResource_error(altered[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        result = absl::UnavailableError(absl::StrCat("raise retention of ", rd_kafka_ConfigResource_name(altered[i]),
                                                     ": ", rd_kafka_ConfigResource_error_string(altered[i])));
      }
    }
  }
  rd_kafka_event_destroy(event);
  return result;
}

}  // namespace

absl::Status EnsureTopics(const KafkaSettings& kafka, const std::vector<std::string>& topics,
                          const TopicSettings& settings, absl::Duration timeout) {
  AdminClient client;
  RETURN_IF_ERROR(Open(kafka, client));
  ASSIGN_OR_RETURN(auto existing, ExistingTopics(client, topics, timeout));

  std::vector<std::string> missing;
  std::vector<std::string> present;
  for (const std::string& t : topics) {
    auto it = existing.find(t);
    if (it == existing.end()) {
      missing.push_back(t);
    } else if (it->second >= 0 && it->second != settings.partitions) {
      return absl::FailedPreconditionError(absl::StrCat(
          "topic ", t, " has ", it->second, " partitions, but --topic_partitions is ", settings.partitions,
          ": every csec topic must have the same count, so one case lands on one partition number everywhere"));
    } else {
      present.push_back(t);
    }
  }
  if (!missing.empty()) {
    // Already there after all (metadata lagged behind another client's creation): check it too.
    RETURN_IF_ERROR(CreateTopics(client, missing, settings, timeout, present));
  }
  if (present.empty()) return absl::OkStatus();

  // A topic created a moment ago (by us or another replica) may not be describable yet.
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<std::map<std::string, int64_t>> retention = Retentions(client, present, timeout);
  while (!retention.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    retention = Retentions(client, present, deadline - absl::Now());
  }
  if (!retention.ok()) return retention.status();
  std::vector<std::string> too_short;
  for (const auto& [topic, ms] : *retention) {
    if (ms >= 0 && ms < absl::ToInt64Milliseconds(settings.retention)) too_short.push_back(topic);
  }
  if (too_short.empty()) return absl::OkStatus();
  for (const std::string& t : too_short) {
    log::Warn("kafka.topic_retention_raised",
              {{"topic", t},
               {"from_ms", static_cast<long long>(retention->at(t))},
               {"to_ms", static_cast<long long>(absl::ToInt64Milliseconds(settings.retention))}});
  }
  return RaiseRetention(client, too_short, settings, timeout);
}

absl::StatusOr<absl::Duration> DescribeRetention(const KafkaSettings& kafka, const std::string& topic,
                                                 absl::Duration timeout) {
  AdminClient client;
  RETURN_IF_ERROR(Open(kafka, client));
  ASSIGN_OR_RETURN(auto retention, Retentions(client, {topic}, timeout));
  auto it = retention.find(topic);
  if (it == retention.end()) return absl::NotFoundError(absl::StrCat("topic ", topic, ": no retention.ms reported"));
  return it->second < 0 ? absl::InfiniteDuration() : absl::Milliseconds(it->second);
}

}  // namespace csec
