#include "services/timers/firing_loop.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/base/log.h"
#include "services/common/domain/events.h"
#include "services/common/serving/metrics.h"

namespace csec::timers {
namespace {

Gauge& InFlightGauge() {
  static Gauge& g = Metrics::Get().GetGauge("csec_timers_claims_in_flight",
                                            "Timers claimed whose event is not yet acknowledged and marked fired");
  return g;
}

Gauge& LiveGauge() {
  static Gauge& g = Metrics::Get().GetGauge("csec_timers_live",
                                            "Open timers (armed or being fired) in the shards this replica fires");
  return g;
}

Histogram& LatenessHistogram() {
  static Histogram& h = Metrics::Get().GetHistogram("csec_timers_fire_lateness_seconds",
                                                    "From a timer's due instant to its claim for firing");
  return h;
}

// Looked up once per kind, not on every fire.
Counter& FiredCounter(csec::dispatch::v1::TimerClass timer_class) {
  auto get = [](csec::dispatch::v1::TimerClass c) -> Counter& {
    return Metrics::Get().GetCounter("csec_timers_fired_total", "Timer events acknowledged by Kafka, by timer kind",
                                     Labels({{"kind", TimerClassLabel(c)}}));
  };
  static Counter& deadline = get(csec::dispatch::v1::TIMER_CLASS_DEADLINE);
  static Counter& reminder = get(csec::dispatch::v1::TIMER_CLASS_REMINDER);
  static Counter& wait = get(csec::dispatch::v1::TIMER_CLASS_WAIT);
  switch (timer_class) {
    case csec::dispatch::v1::TIMER_CLASS_DEADLINE:
      return deadline;
    case csec::dispatch::v1::TIMER_CLASS_REMINDER:
      return reminder;
    default:
      return wait;
  }
}

}  // namespace

FiringLoop::FiringLoop(TimerStore* store, EventProducer* producer, ProtocolConfigStore* config, const Clock* clock,
                       FiringOptions options)
    : store_(store), producer_(producer), config_(config), clock_(clock), options_(std::move(options)) {}

FiringLoop::~FiringLoop() { Stop(); }

void FiringLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FiringLoop::Stop(absl::Duration drain) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  // Fires in hand complete on other threads; let them land before the producer flushes.
  const absl::Time until = absl::Now() + drain;
  absl::MutexLock lock(&mu_);
  while (in_flight_.load() > 0 && absl::Now() < until) wake_.WaitWithDeadline(&mu_, until);
}

void FiringLoop::OnAssigned(const std::vector<TopicPartitionId>& partitions) {
  std::vector<int32_t> fresh;
  {
    absl::MutexLock lock(&mu_);
    for (const TopicPartitionId& tp : partitions) {
      if (owned_[tp.partition]++ == 0) fresh.push_back(tp.partition);
    }
  }
  for (int32_t partition : fresh) {
    log::Info("timers.partition_owned", {{"partition", partition}});
    for (const TimerShard& shard : store_->ShardsOfPartition(partition)) {
      store_->Head(shard, [this, shard](absl::StatusOr<std::optional<absl::Time>> head) {
        // Unknown for now: try again soon rather than leave the shard unwatched.
        NoteHead(shard,
                 head.ok() ? *head : std::optional<absl::Time>(clock_->Now() + RealToClock(options_.retry_after)));
      });
    }
  }
}

void FiringLoop::OnRevoked(const std::vector<TopicPartitionId>& partitions) {
  absl::MutexLock lock(&mu_);
  for (const TopicPartitionId& tp : partitions) {
    auto it = owned_.find(tp.partition);
    if (it == owned_.end() || --it->second > 0) continue;
    owned_.erase(it);
    for (const TimerShard& shard : store_->ShardsOfPartition(tp.partition)) {
      if (auto h = heads_.find(shard); h != heads_.end()) {
        queue_.erase({h->second, shard});
        heads_.erase(h);
      }
    }
  }
}

void FiringLoop::NoteHead(const TimerShard& shard, std::optional<absl::Time> head) {
  absl::MutexLock lock(&mu_);
  if (!owned_.contains(shard.partition)) return;
  const absl::Time earliest_before = queue_.empty() ? absl::InfiniteFuture() : queue_.begin()->first;
  if (auto h = heads_.find(shard); h != heads_.end()) {
    queue_.erase({h->second, shard});
    heads_.erase(h);
  }
  if (!head.has_value()) return;
  heads_[shard] = *head;
  queue_.insert({*head, shard});
  if (*head < earliest_before) wake_.Signal();  // nearer than what the loop sleeps towards
}

void FiringLoop::Run() {
  absl::Time next_state_check = absl::InfinitePast();
  absl::Time next_live_refresh = absl::InfinitePast();
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = clock_->Now();
    std::vector<TimerShard> due;
    while (!queue_.empty() && queue_.begin()->first <= now &&
           static_cast<size_t>(in_flight_.load()) < options_.max_in_flight) {
      const TimerShard shard = queue_.begin()->second;
      queue_.erase(queue_.begin());
      heads_.erase(shard);  // unknown until the claim answers
      due.push_back(shard);
    }
    if (!due.empty()) {
      mu_.Unlock();
      for (const TimerShard& shard : due) ClaimShard(shard);
      mu_.Lock();
      continue;
    }
    const absl::Time real_now = absl::Now();
    if (real_now >= next_state_check && options_.check_state) {
      mu_.Unlock();
      absl::Status state = options_.check_state();
      mu_.Lock();
      if (!state.ok()) {
        log::Error("timers.state_lost", {{"error", state.ToString()}});
        stopping_ = true;
        mu_.Unlock();
        if (options_.on_state_lost) options_.on_state_lost(state);
        mu_.Lock();
        break;
      }
      next_state_check = real_now + options_.state_check_interval;
    }
    if (real_now >= next_live_refresh) {
      mu_.Unlock();
      RefreshLiveGauge();
      mu_.Lock();
      next_live_refresh = real_now + absl::Seconds(5);
    }
    // Sleep towards the earliest instant (in this clock's time, converted: a scaled clock runs
    // faster than the real time the sleep takes), a state check, or a wake-up.
    absl::Time wake_at = std::min(next_state_check, next_live_refresh);
    if (!queue_.empty() && static_cast<size_t>(in_flight_.load()) < options_.max_in_flight) {
      wake_at = std::min(wake_at, real_now + clock_->ToReal(queue_.begin()->first - now));
    }
    wake_.WaitWithDeadline(&mu_, wake_at);
  }
}

void FiringLoop::ClaimShard(const TimerShard& shard) {
  const absl::Time now = clock_->Now();
  store_->Claim(shard, now, RealToClock(options_.lease), options_.claim_batch,
                [this, shard, now](absl::StatusOr<ClaimResult> result) {
                  if (!result.ok()) {
                    static Counter& failed = Metrics::Get().GetCounter(
                        "csec_timers_claim_failures_total", "Claim scripts that failed (Redis away); retried");
                    failed.Increment();
                    NoteHead(shard, now + RealToClock(options_.retry_after));
                    return;
                  }
                  in_flight_ += static_cast<int64_t>(result->claimed.size());
                  InFlightGauge().Set(static_cast<double>(in_flight_.load()));
                  NoteHead(shard, result->head);
                  const std::shared_ptr<const ProtocolConfig> config = config_->Current();
                  for (ClaimedTimer& claimed : result->claimed) Fire(shard, std::move(claimed), *config, now);
                });
}

void FiringLoop::Fire(const TimerShard& shard, ClaimedTimer claimed, const ProtocolConfig& config, absl::Time now) {
  const auto& record = claimed.timer.record;
  std::optional<csec::dispatch::v1::Envelope> event = FireEvent(claimed.id, record, config, now);
  if (!event.has_value()) {  // a reminder of a deadline already due: nothing to say
    MarkFired(shard, claimed.id, now, "");
    return;
  }
  LatenessHistogram().Observe(absl::ToDoubleSeconds(LateBy(record, now)));
  producer_->ProduceAsync(
      *event, [this, shard, id = std::move(claimed.id), event_id = event->event_id(), case_id = event->case_id(),
               timer_class = record.timer_class(), deadline = record.kind(), now,
               late_ms = absl::ToInt64Milliseconds(LateBy(record, now))](absl::Status acked) {
        if (!acked.ok()) {
          // The claim stays; when its lease runs out the timer is fired again, same event id.
          log::Warn("timers.fire_failed", {{"case_id", case_id}, {"event_id", event_id}, {"error", acked.ToString()}});
          FireDone();
          return;
        }
        FiredCounter(timer_class).Increment();
        if (timer_class != csec::dispatch::v1::TIMER_CLASS_WAIT) {  // waits are other services' to log
          log::Info("timers.fired", {{"case_id", case_id},
                                     {"event_id", event_id},
                                     {"kind", TimerClassLabel(timer_class)},
                                     {"deadline_id", deadline},
                                     {"late_ms", static_cast<long long>(late_ms)}});
        }
        MarkFired(shard, id, now, event_id);
      });
}

void FiringLoop::MarkFired(const TimerShard& shard, const std::string& id, absl::Time now,
                           const std::string& event_id) {
  TimerOp op{.kind = TimerOp::Kind::kFired, .timer_id = id, .record = {}, .close_state = TimerState::kFired};
  op.record.set_finished_ms(absl::ToUnixMillis(now));
  op.record.set_finished_by_event_id(event_id);
  store_->Apply(shard, {op}, clock_->Now() + RealToClock(options_.mark_horizon),
                [this, shard](absl::StatusOr<ApplyResult> result) {
                  // On failure the claim stays and its lease brings the timer back: fired twice,
                  // one event id.
                  if (result.ok()) NoteHead(shard, result->head);
                  FireDone();
                });
}

void FiringLoop::FireDone() {
  const int64_t left = --in_flight_;
  InFlightGauge().Set(static_cast<double>(left));
  // The loop may be waiting for room, or Stop for the last one.
  if (left == 0 || static_cast<size_t>(left) + 1 == options_.max_in_flight) {
    absl::MutexLock lock(&mu_);
    wake_.SignalAll();
  }
}

void FiringLoop::RefreshLiveGauge() {
  std::vector<TimerShard> shards;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [partition, refs] : owned_) {
      for (const TimerShard& s : store_->ShardsOfPartition(partition)) shards.push_back(s);
    }
  }
  struct Sum {
    std::atomic<int64_t> total{0};
    std::atomic<size_t> left{0};
  };
  auto sum = std::make_shared<Sum>();
  sum->left = shards.size();
  if (shards.empty()) LiveGauge().Set(0);
  for (const TimerShard& s : shards) {
    store_->LiveCountAsync(s, [sum](absl::StatusOr<int64_t> n) {
      if (n.ok()) sum->total += *n;
      if (--sum->left == 0) LiveGauge().Set(static_cast<double>(sum->total.load()));
    });
  }
}

}  // namespace csec::timers
