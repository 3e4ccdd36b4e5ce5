// rebuild_bench: how long intake, medical and paging take to rebuild their Redis state from Kafka after
// Redis lost everything, with --days (120: the topics' retention) of history at --per_day
// referrals a day, beside a plain read of the same topics in the same run (the floor: a rebuild
// reads them whole). Driven by tools/bench/rebuild/rebuild.sh, which starts the stack.
//
//   rebuild_bench --brokers 127.0.0.1:9092 --redis 127.0.0.1:6379 [--days 120] [--per_day 3]
//
// The history, per referral: ReferralReceived and three facts with request ids (two arrivals and
// an MDT) on csec.intake.v1, CaseRouted on csec.routing.v1, MedicalAppointmentScheduled on
// csec.medical.v1 (every tenth case cancelled, every twentieth closed), and on csec.paging.v1 the
// responder's and the advocate's pages (PageSent, a delivery each, the responder's acknowledged,
// both closed at arrival), spread over the days.
// Prints the setup, then key=value results; exits 1 if a rebuild fails or restores the wrong count.
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "services/common/kafka/kafka.h"
#include "services/common/kafka/topic_scanner.h"
#include "services/common/redis/redis.h"
#include "services/intake/intake_service.h"
#include "services/medical/medical_keys.h"
#include "services/medical/medical_store.h"
#include "services/paging/page_engine.h"
#include "services/paging/paging_keys.h"
#include "services/paging/paging_store.h"
#include "tools/bench/bench_common.h"
#include "tools/bench/bench_kafka.h"
#include "tools/cli_flags.h"

namespace {

using csec::dispatch::v1::Envelope;

int Usage() {
  std::fprintf(stderr, "usage: rebuild_bench --brokers HOST:PORT --redis HOST:PORT [--days 120] [--per_day 3]\n");
  return 2;
}

const char* const kHubs[] = {"hub-high-desert", "hub-olive-view-ucla", "hub-lac-usc", "hub-chla",
                             "hub-mlk",         "hub-harbor-ucla"};

// The history: what the county's topics hold after `days` at `per_day` referrals a day.
int64_t ProduceHistory(csec::KafkaProducer& producer, int days, int per_day, int64_t* referrals,
                       std::shared_ptr<std::atomic<int64_t>> failed) {
  const absl::Time start = absl::Now() - absl::Hours(24) * days;
  int64_t events = 0;
  auto send = [&](const char* topic, const Envelope& e) {
    producer.ProduceAsync(topic, e.case_id(), e.SerializeAsString(), [failed](absl::Status acked) {
      if (!acked.ok()) failed->fetch_add(1);
    });
    // The producer queues at most 100,000 messages: let it drain now and then.
    if (++events % 20000 == 0) (void)producer.Flush(absl::Minutes(2));
  };
  for (int day = 0; day < days; ++day) {
    for (int i = 0; i < per_day; ++i) {
      const absl::Time at = start + absl::Hours(24) * day + absl::Minutes(17) * i;
      const std::string case_id = csec::NewRandomId();
      const std::string key = absl::StrCat("bench-", day, "-", i);
      Envelope received = csec::NewEnvelope(csec::DeriveId("intake.referral-received", case_id), case_id, "intake", at);
      received.set_request_id(key);
      auto* referral = received.mutable_referral_received()->mutable_referral();
      referral->mutable_source()->set_kind(csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT);
      referral->mutable_source()->set_agency_id("lapd");
      referral->mutable_source()->set_station_id("lapd-77th-street");
      *referral->mutable_identified_at() = csec::ToProtoTime(at - absl::Minutes(20));
      referral->mutable_youth()->set_pseudonym_ref(absl::StrCat("BENCH-", key));
      referral->mutable_youth()->set_age_years(15);
      received.mutable_referral_received()->set_idempotency_key(key);
      send(csec::kIntakeTopic, received);
      for (int fact = 0; fact < 3; ++fact) {
        Envelope e = csec::NewEnvelope(csec::NewRandomId(), case_id, "intake", at + absl::Minutes(30 + fact));
        e.set_request_id(absl::StrCat("fact-", fact));
        if (fact < 2) {
          e.mutable_arrival_recorded()->set_role(fact == 0 ? csec::dispatch::v1::RESPONDER_ROLE_RESPONDER
                                                           : csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE);
          *e.mutable_arrival_recorded()->mutable_arrived_at() = csec::ToProtoTime(at + absl::Minutes(40));
        } else {
          *e.mutable_mdt_recorded()->mutable_held_at() = csec::ToProtoTime(at + absl::Hours(100));
        }
        send(csec::kIntakeTopic, e);
      }
      Envelope routed = csec::NewEnvelope(csec::NewRandomId(), case_id, "routing", at);
      routed.mutable_case_routed()->set_area_id("spa-4");
      routed.mutable_case_routed()->add_candidate_hub_ids("hub-lac-usc");
      *routed.mutable_case_routed()->mutable_identified_at() = csec::ToProtoTime(at - absl::Minutes(20));
      send(csec::kRoutingTopic, routed);
      Envelope scheduled = csec::NewEnvelope(csec::NewRandomId(), case_id, "medical", at);
      auto* booking = scheduled.mutable_medical_appointment_scheduled();
      booking->set_booking_number(1);
      auto* a = booking->mutable_appointment();
      a->set_appointment_id(csec::DeriveId("medical.appointment", absl::StrCat(case_id, "/1")));
      a->set_hub_id(kHubs[i % 6]);
      a->set_local_date(absl::FormatTime("%Y-%m-%d", at, absl::UTCTimeZone()));
      a->set_slot_index(i / 6);
      send(csec::kMedicalTopic, scheduled);
      for (const char* role : {"mart-spa-6", "saving-innocence"}) {
        const std::string page_id = csec::paging::PageId(case_id, role, "case_routed");
        Envelope sent = csec::NewEnvelope(csec::NewRandomId(), case_id, "paging", at);
        auto* p = sent.mutable_page_sent();
        p->set_page_id(page_id);
        p->set_role(role);
        p->set_reason("case_routed");
        p->set_attempt(1);
        p->set_person_id(absl::StrCat(role, "-a"));
        *p->mutable_ack_due_at() = csec::ToProtoTime(at + absl::Minutes(10));
        send(csec::kPagingTopic, sent);
        Envelope delivered = csec::NewEnvelope(csec::NewRandomId(), case_id, "paging", at + absl::Seconds(1));
        delivered.mutable_page_delivered()->set_page_id(page_id);
        delivered.mutable_page_delivered()->set_attempt(1);
        delivered.mutable_page_delivered()->set_person_id(p->person_id());
        send(csec::kPagingTopic, delivered);
        if (std::string(role) == "mart-spa-6") {
          Envelope ack = csec::NewEnvelope(csec::NewRandomId(), case_id, "paging", at + absl::Minutes(3));
          ack.mutable_page_acknowledged()->set_page_id(page_id);
          ack.mutable_page_acknowledged()->set_person_id(p->person_id());
          send(csec::kPagingTopic, ack);
        }
        Envelope closed = csec::NewEnvelope(csec::NewRandomId(), case_id, "paging", at + absl::Minutes(40));
        closed.mutable_page_closed()->set_page_id(page_id);
        send(csec::kPagingTopic, closed);
      }
      if (i % 10 == 9) {
        Envelope cancelled = csec::NewEnvelope(csec::NewRandomId(), case_id, "medical", at + absl::Hours(1));
        cancelled.mutable_medical_appointment_cancelled()->set_appointment_id(a->appointment_id());
        send(csec::kMedicalTopic, cancelled);
      }
      if (i % 20 == 19) {
        Envelope closed = csec::NewEnvelope(csec::NewRandomId(), case_id, "intake", at + absl::Hours(2));
        closed.mutable_case_closed()->set_reason("bench");
        send(csec::kIntakeTopic, closed);
      }
      ++*referrals;
    }
  }
  return events;
}

double Seconds(absl::Time since) { return absl::ToDoubleSeconds(absl::Now() - since); }

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  if (!csec::tools::ParseFlags(argc, argv, 1, {}, flags)) return Usage();
  const std::string brokers = flags["brokers"], redis_address = flags["redis"];
  if (brokers.empty() || redis_address.empty()) return Usage();
  const int days = std::stoi(flags.count("days") ? flags["days"] : "120");
  const int per_day = std::stoi(flags.count("per_day") ? flags["per_day"] : "3");
  csec::bench::PrintSetup(
      "rebuild_bench",
      {{"days", absl::StrCat(days)}, {"per_day", absl::StrCat(per_day)}, {"kafka", csec::bench::KafkaVersion()}});
  if (csec::bench::EnsureStackTopics(brokers, "rebuild_bench") != 0) return 1;
  const csec::KafkaSettings kafka = csec::bench::BenchKafka(brokers, "rebuild-bench");
  auto producer = csec::KafkaProducer::Create(kafka);
  auto redis = csec::RedisClient::Connect(redis_address);
  if (!producer.ok() || !redis.ok()) {
    std::fprintf(stderr, "rebuild_bench: %s %s\n", producer.status().ToString().c_str(),
                 redis.status().ToString().c_str());
    return 1;
  }
  int64_t referrals = 0;
  auto failed = std::make_shared<std::atomic<int64_t>>(0);
  const int64_t produced = ProduceHistory(**producer, days, per_day, &referrals, failed);
  if (absl::Status flushed = (*producer)->Flush(absl::Minutes(2)); !flushed.ok() || failed->load() > 0) {
    std::fprintf(stderr, "rebuild_bench: %s, %lld not acknowledged\n", flushed.ToString().c_str(),
                 static_cast<long long>(failed->load()));
    return 1;
  }
  csec::bench::Result("referrals", referrals);
  csec::bench::Result("events_produced", produced);

  // The floor: the four topics read whole, doing nothing with them.
  absl::Time started = absl::Now();
  int64_t read = 0;
  for (const char* topic : {csec::kIntakeTopic, csec::kRoutingTopic, csec::kMedicalTopic, csec::kPagingTopic}) {
    (void)csec::ScanTopic(kafka, topic, absl::Minutes(10), true, [&](const csec::ConsumedMessage&) {
      ++read;
      return true;
    });
  }
  const double plain = Seconds(started);
  csec::bench::Result("plain_read_events", read);
  csec::bench::Result("plain_read_s", plain);

  int failures = 0;
  (void)(*redis)->Command({"FLUSHALL"});
  started = absl::Now();
  int64_t intake_events = 0;
  absl::Status intake = csec::intake::RebuildIntakeState(redis->get(), kafka, &intake_events);
  const double intake_s = Seconds(started);
  if (!intake.ok()) {
    std::fprintf(stderr, "intake rebuild: %s\n", intake.ToString().c_str());
    ++failures;
  }
  csec::bench::Result("intake_rebuild_events", intake_events);
  csec::bench::Result("intake_rebuild_s", intake_s);
  csec::bench::Result("intake_rebuild_vs_plain_read", intake_s / plain);

  // Keys restored under a pattern.
  auto count = [&](const std::string& pattern) {
    int64_t n = 0;
    std::string cursor = "0";
    do {
      absl::StatusOr<csec::RedisReply> page = (*redis)->Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (!page.ok() || page->elements.size() != 2) return int64_t{-1};
      cursor = page->elements[0].str;
      n += static_cast<int64_t>(page->elements[1].elements.size());
    } while (cursor != "0");
    return n;
  };
  (void)(*redis)->Command({"FLUSHALL"});
  csec::medical::MedicalStore store(redis->get());
  started = absl::Now();
  int64_t medical_events = 0;
  absl::Status medical = csec::medical::RebuildMedicalState(&store, kafka, &medical_events);
  const double medical_s = Seconds(started);
  if (!medical.ok()) {
    std::fprintf(stderr, "medical rebuild: %s\n", medical.ToString().c_str());
    ++failures;
  }
  csec::bench::Result("medical_rebuild_events", medical_events);
  csec::bench::Result("medical_rebuild_s", medical_s);
  csec::bench::Result("medical_rebuild_vs_plain_read", medical_s / plain);
  const int64_t medical_restored = count(csec::redis_keys::MedicalCase("*"));

  absl::StatusOr<std::shared_ptr<const csec::ProtocolConfig>> protocol =
      csec::LoadProtocolConfig(absl::StrCat(CSEC_SOURCE_DIR, "/deploy/config/protocol.yaml"));
  absl::StatusOr<csec::paging::PagingConfig> paging_config =
      protocol.ok()
          ? csec::paging::LoadPagingConfig(absl::StrCat(CSEC_SOURCE_DIR, "/deploy/config/paging.yaml"), **protocol)
          : absl::StatusOr<csec::paging::PagingConfig>(protocol.status());
  if (!paging_config.ok()) {
    std::fprintf(stderr, "paging config: %s\n", paging_config.status().ToString().c_str());
    csec::bench::Exit(1);
  }
  (void)(*redis)->Command({"FLUSHALL"});
  csec::paging::PagingStore paging_store(redis->get(), absl::Hours(24 * 7));
  started = absl::Now();
  int64_t paging_events = 0;
  absl::Status paging = csec::paging::RebuildPagingState(&paging_store, &*paging_config, kafka, &paging_events);
  const double paging_s = Seconds(started);
  if (!paging.ok()) {
    std::fprintf(stderr, "paging rebuild: %s\n", paging.ToString().c_str());
    ++failures;
  }
  csec::bench::Result("paging_rebuild_events", paging_events);
  csec::bench::Result("paging_rebuild_s", paging_s);
  csec::bench::Result("paging_rebuild_vs_plain_read", paging_s / plain);

  // What was restored: every case's paging state, and (counted before paging's rebuild) medical's.
  const int64_t paging_cases = count(csec::redis_keys::PagingCase("*"));
  csec::bench::Result("paging_cases_restored", paging_cases);
  if (paging_cases != referrals) {
    std::fprintf(stderr, "paging restored %lld cases of %lld\n", static_cast<long long>(paging_cases),
                 static_cast<long long>(referrals));
    ++failures;
  }
  csec::bench::Result("medical_cases_restored", medical_restored);
  if (medical_restored != referrals) {
    std::fprintf(stderr, "medical restored %lld cases of %lld\n", static_cast<long long>(medical_restored),
                 static_cast<long long>(referrals));
    ++failures;
  }
  csec::bench::Exit(failures == 0 ? 0 : 1);
}
