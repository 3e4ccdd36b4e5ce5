#include "services/timers/timer_grpc_service.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "services/common/base/clock.h"
#include "services/common/base/status_macros.h"
#include "services/common/serving/grpc_call.h"

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
  return Answer(context, "GetCaseDeadlines", [&](const RpcCall& call) -> absl::Status {
    if (request->case_id().empty()) return absl::InvalidArgumentError("case_id is required");
    std::vector<std::string> ids;
    for (const Deadline& d : config_->Current()->deadlines) {
      if (!d.armed_by.empty()) ids.push_back(TimerId(TimerClass::TIMER_CLASS_DEADLINE, request->case_id(), d.id, ""));
    }
    ASSIGN_OR_RETURN(auto timers, store_->Get(store_->ShardOf(request->case_id()), ids, call.Deadline(kLongestWait)));
    for (const std::optional<StoredTimer>& t : timers) {
      if (t.has_value()) *response->add_deadlines() = ToTimerStatus(*t);
    }
    return absl::OkStatus();
  });
}

grpc::Status TimerGrpcService::ListDueSoon(grpc::ServerContext* context,
                                           const csec::dispatch::v1::ListDueSoonRequest* request,
                                           csec::dispatch::v1::ListDueSoonResponse* response) {
  return Answer(context, "ListDueSoon", [&](const RpcCall& call) -> absl::Status {
    if (request->limit() < 0 || request->limit() > 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat("limit must be between 1 and 1000 (0 means 50), got ", request->limit()));
    }
    const int limit = request->limit() == 0 ? 50 : request->limit();
    const absl::Time before = request->has_due_before() ? FromProtoTime(request->due_before()) : absl::InfiniteFuture();
    const absl::Time deadline = call.Deadline(kLongestWait);
    std::vector<std::pair<std::string, StoredTimer>> all;
    for (const TimerShard& shard : store_->AllShards()) {
      ASSIGN_OR_RETURN(auto soonest, store_->Soonest(shard, TimerClass::TIMER_CLASS_DEADLINE, before, limit, deadline));
      for (auto& entry : soonest) all.push_back(std::move(entry));
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.second.record.due_ms() != b.second.record.due_ms() ? a.second.record.due_ms() < b.second.record.due_ms()
                                                                  : a.first < b.first;
    });
    if (all.size() > static_cast<size_t>(limit)) all.resize(limit);
    for (const auto& [id, timer] : all) *response->add_timers() = ToTimerStatus(timer);
    return absl::OkStatus();
  });
}

}  // namespace csec::timers
