#include "services/timers/timer_grpc_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "services/common/base/clock.h"
#include "services/common/serving/grpc_server.h"

namespace csec::timers {

using csec::dispatch::v1::TimerClass;
using csec::dispatch::v1::TimerStatus;

namespace {

// A call waits at most this long for Redis, whatever deadline it brought.
constexpr absl::Duration kLongestWait = absl::Seconds(10);

}  // namespace

TimerStatus ToTimerStatus(const StoredTimer& timer) {
  const auto& r = timer.record;
  TimerStatus out;
  out.set_case_id(r.case_id());
  out.set_deadline_id(r.kind());
  out.set_subject(r.subject());
  switch (timer.state) {
    case TimerState::kArmed:
      out.set_state(csec::dispatch::v1::TIMER_STATE_ARMED);
      break;
    case TimerState::kClaimed:
      out.set_state(csec::dispatch::v1::TIMER_STATE_FIRING);
      break;
    case TimerState::kMet:
      out.set_state(csec::dispatch::v1::TIMER_STATE_MET);
      break;
    case TimerState::kCancelled:
      out.set_state(csec::dispatch::v1::TIMER_STATE_CANCELLED);
      break;
    case TimerState::kFired:
      out.set_state(csec::dispatch::v1::TIMER_STATE_MISSED);
      break;
  }
  if (r.due_ms() != 0) *out.mutable_due_at() = ToProtoTime(absl::FromUnixMillis(r.due_ms()));
  out.set_config_version(r.config_version());
  if (r.finished_ms() != 0) *out.mutable_finished_at() = ToProtoTime(absl::FromUnixMillis(r.finished_ms()));
  return out;
}

grpc::Status TimerGrpcService::GetCaseDeadlines(grpc::ServerContext* context,
                                                const csec::dispatch::v1::GetCaseDeadlinesRequest* request,
                                                csec::dispatch::v1::GetCaseDeadlinesResponse* response) {
  if (request->case_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "case_id is required");
  }
  std::vector<std::string> ids;
  for (const Deadline& d : config_->Current()->deadlines) {
    if (!d.armed_by.empty()) ids.push_back(TimerId(TimerClass::TIMER_CLASS_DEADLINE, request->case_id(), d.id, ""));
  }
  auto timers = store_->Get(store_->ShardOf(request->case_id()), ids, CallDeadline(context, kLongestWait));
  if (!timers.ok()) return ToGrpcStatus(timers.status());
  for (const std::optional<StoredTimer>& t : *timers) {
    if (t.has_value()) *response->add_deadlines() = ToTimerStatus(*t);
  }
  return grpc::Status::OK;
}

grpc::Status TimerGrpcService::ListDueSoon(grpc::ServerContext* context,
                                           const csec::dispatch::v1::ListDueSoonRequest* request,
                                           csec::dispatch::v1::ListDueSoonResponse* response) {
  if (request->limit() < 0 || request->limit() > 1000) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("limit must be between 1 and 1000 (0 means 50), got ", request->limit()));
  }
  const int limit = request->limit() == 0 ? 50 : request->limit();
  const absl::Time before = request->has_due_before() ? FromProtoTime(request->due_before()) : absl::InfiniteFuture();
  const absl::Time deadline = CallDeadline(context, kLongestWait);
  std::vector<std::pair<std::string, StoredTimer>> all;
  for (const TimerShard& shard : store_->AllShards()) {
    auto soonest = store_->Soonest(shard, TimerClass::TIMER_CLASS_DEADLINE, before, limit, deadline);
    if (!soonest.ok()) return ToGrpcStatus(soonest.status());
    for (auto& entry : *soonest) all.push_back(std::move(entry));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second.record.due_ms() != b.second.record.due_ms() ? a.second.record.due_ms() < b.second.record.due_ms()
                                                                : a.first < b.first;
  });
  if (all.size() > static_cast<size_t>(limit)) all.resize(limit);
  for (const auto& [id, timer] : all) *response->add_timers() = ToTimerStatus(timer);
  return grpc::Status::OK;
}

}  // namespace csec::timers
