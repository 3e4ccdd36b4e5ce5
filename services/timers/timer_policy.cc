#include "services/timers/timer_policy.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/base/status_macros.h"
#include "services/common/domain/events.h"

namespace csec::timers {
namespace {

using csec::dispatch::v1::Envelope;
using csec::dispatch::v1::TimerClass;
using csec::dispatch::v1::TimerRecord;

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out.set_seconds(nanos / 1000000000);
  out.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return out;
}

// Due instants are kept in whole milliseconds, rounded up: a timer never fires before its instant.
int64_t DueMillis(absl::Time t) {
  const int64_t ms = absl::ToUnixMillis(t);
  return absl::FromUnixMillis(ms) < t ? ms + 1 : ms;
}

google::protobuf::Timestamp ProtoMillis(int64_t ms) { return ToProtoTime(absl::FromUnixMillis(ms)); }

// The event's selector names (kTimerEventSelectors) it answers to.
std::vector<std::string> SelectorsOf(const Envelope& e) {
  using csec::dispatch::v1::PlacementKind;
  using csec::dispatch::v1::ResponderRole;
  switch (e.body_case()) {
    case Envelope::kReferralReceived:
      return {"referral_received"};
    case Envelope::kCaseRouted:
      return {"case_routed"};
    case Envelope::kArrivalRecorded:
      switch (e.arrival_recorded().role()) {
        case ResponderRole::RESPONDER_ROLE_RESPONDER:
          return {"arrival_recorded.responder"};
        case ResponderRole::RESPONDER_ROLE_ADVOCATE:
          return {"arrival_recorded.advocate"};
        default:
          return {};
      }
    case Envelope::kMdtRecorded:
      return {"mdt_recorded"};
    case Envelope::kMedicalExamRecorded:
      return {"medical_exam_recorded"};
    case Envelope::kPlacementRecorded:
      switch (e.placement_recorded().kind()) {
        case PlacementKind::PLACEMENT_KIND_HOME:
          return {"placement_recorded.home"};
        case PlacementKind::PLACEMENT_KIND_SODA_PAD_BED:
          return {"placement_recorded.soda_pad_bed"};
        case PlacementKind::PLACEMENT_KIND_OTHER:
          return {"placement_recorded.other"};
        default:
          return {};
      }
    case Envelope::kCaseClosed:
      return {"case_closed"};
    default:
      return {};
  }
}

bool Names(const std::vector<std::string>& selectors, const std::vector<std::string>& of_event) {
  for (const std::string& s : of_event) {
    if (std::find(selectors.begin(), selectors.end(), s) != selectors.end()) return true;
  }
  return false;
}

TimerOp ArmOp(std::string id, TimerRecord record) {
  return {.kind = TimerOp::Kind::kArm, .timer_id = std::move(id), .record = std::move(record)};
}

TimerOp CloseOp(std::string id, TimerRecord record, TimerState state) {
  return {.kind = TimerOp::Kind::kClose, .timer_id = std::move(id), .record = std::move(record), .close_state = state};
}

TimerRecord Finished(TimerClass timer_class, const std::string& case_id, const std::string& kind,
                     const std::string& subject, absl::Time at, const std::string& by_event_id) {
  TimerRecord r;
  r.set_timer_class(timer_class);
  r.set_case_id(case_id);
  r.set_kind(kind);
  r.set_subject(subject);
  r.set_finished_ms(absl::ToUnixMillis(at));
  r.set_finished_by_event_id(by_event_id);
  return r;
}

absl::Status ValidateWait(absl::string_view kind, absl::string_view subject, bool needs_due, bool has_due) {
  const bool kind_ok = !kind.empty() && kind.size() <= 64 && std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
  if (!kind_ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("wait.kind \"", kind, "\" must be 1 to 64 lower-case letters, digits, '-' or '_'"));
  }
  if (subject.size() > 256) return absl::InvalidArgumentError("wait.subject must be at most 256 bytes");
  if (needs_due && !has_due) return absl::InvalidArgumentError("wait_requested.due_at is required");
  return absl::OkStatus();
}

Envelope TimersEnvelope(absl::string_view purpose, const std::string& timer_id, const std::string& case_id,
                        absl::Time now) {
  return NewEnvelope(DeriveId(purpose, timer_id), case_id, "timers", now);
}

Envelope ArmedEvent(const std::string& timer_id, const TimerRecord& r, absl::Time now) {
  Envelope e = TimersEnvelope("timers.deadline-armed", timer_id, r.case_id(), now);
  auto* armed = e.mutable_deadline_armed();
  armed->set_deadline_id(r.kind());
  *armed->mutable_starts_at() = ProtoMillis(r.starts_ms());
  *armed->mutable_due_at() = ProtoMillis(r.due_ms());
  armed->set_config_version(r.config_version());
  armed->set_armed_by_event_id(r.armed_by_event_id());
  return e;
}

// `closed` holds finished_ms/finished_by_event_id; `due_ms` the deadline's due (0: unknown).
Envelope ClosedEvent(const std::string& timer_id, const TimerRecord& closed, int64_t due_ms, TimerState state,
                     absl::Time now) {
  const bool met = state == TimerState::kMet;
  Envelope e =
      TimersEnvelope(met ? "timers.deadline-met" : "timers.deadline-cancelled", timer_id, closed.case_id(), now);
  if (met) {
    auto* m = e.mutable_deadline_met();
    m->set_deadline_id(closed.kind());
    if (due_ms != 0) *m->mutable_due_at() = ProtoMillis(due_ms);
    *m->mutable_met_at() = ProtoMillis(closed.finished_ms());
    m->set_met_by_event_id(closed.finished_by_event_id());
  } else {
    auto* c = e.mutable_deadline_cancelled();
    c->set_deadline_id(closed.kind());
    if (due_ms != 0) *c->mutable_due_at() = ProtoMillis(due_ms);
    *c->mutable_cancelled_at() = ProtoMillis(closed.finished_ms());
    c->set_cancelled_by_event_id(closed.finished_by_event_id());
  }
  return e;
}

}  // namespace

std::string EncodeTimer(TimerState state, const TimerRecord& record) {
  std::string value(1, static_cast<char>(state));
  record.AppendToString(&value);
  return value;
}

std::optional<StoredTimer> DecodeTimer(absl::string_view value) {
  if (value.empty()) return std::nullopt;
  StoredTimer t;
  switch (value[0]) {
    case 'A':
    case 'C':
    case 'M':
    case 'X':
    case 'F':
      t.state = static_cast<TimerState>(value[0]);
      break;
    default:
      return std::nullopt;
  }
  if (!t.record.ParseFromArray(value.data() + 1, static_cast<int>(value.size() - 1))) return std::nullopt;
  return t;
}

std::string TimerId(TimerClass timer_class, absl::string_view case_id, absl::string_view kind,
                    absl::string_view subject) {
  const std::string digest_hex =
      Sha256Hex(absl::StrCat(static_cast<int>(timer_class), "\n", case_id, "\n", kind, "\n", subject));
  return absl::WebSafeBase64Escape(absl::HexStringToBytes(digest_hex.substr(0, 24)));
}

std::string ReminderId(absl::string_view deadline_timer_id, absl::Duration before) {
  return absl::StrCat(deadline_timer_id, ":r", absl::ToInt64Milliseconds(before));
}

absl::StatusOr<TimerPlan> PlanTimers(const ProtocolConfig& config, const Envelope& event) {
  TimerPlan plan;
  const std::string& case_id = event.case_id();
  if (event.has_wait_requested()) {
    const auto& w = event.wait_requested();
    RETURN_IF_ERROR(ValidateWait(w.kind(), w.subject(), true, w.has_due_at()));
    TimerRecord r;
    r.set_timer_class(TimerClass::TIMER_CLASS_WAIT);
    r.set_case_id(case_id);
    r.set_kind(w.kind());
    r.set_subject(w.subject());
    // No requesting event id: (kind, subject) already name the wait to its service, and every
    // byte here is paid per live timer.
    r.set_due_ms(DueMillis(FromProtoTime(w.due_at())));
    std::string id = TimerId(r.timer_class(), case_id, w.kind(), w.subject());
    plan.ops.push_back(ArmOp(std::move(id), std::move(r)));
    return plan;
  }
  if (event.has_wait_cancelled()) {
    const auto& w = event.wait_cancelled();
    RETURN_IF_ERROR(ValidateWait(w.kind(), w.subject(), false, false));
    plan.ops.push_back(CloseOp(
        TimerId(TimerClass::TIMER_CLASS_WAIT, case_id, w.kind(), w.subject()),
        Finished(TimerClass::TIMER_CLASS_WAIT, case_id, w.kind(), w.subject(), FactTime(event), event.event_id()),
        TimerState::kCancelled));
    return plan;
  }

  const std::vector<std::string> selectors = SelectorsOf(event);
  if (selectors.empty()) return plan;
  // Arms first: an event that arms one deadline and closes another is applied in one script.
  for (const Deadline& d : config.deadlines) {
    if (!Names(d.armed_by, selectors)) continue;
    const absl::Time start = d.starts_at == DeadlineStart::kIdentifiedAt ? IdentifiedAt(event) : FactTime(event);
    const absl::Time due = start + d.duration;
    const std::string id = TimerId(TimerClass::TIMER_CLASS_DEADLINE, case_id, d.id, "");
    TimerRecord r;
    r.set_timer_class(TimerClass::TIMER_CLASS_DEADLINE);
    r.set_case_id(case_id);
    r.set_kind(d.id);
    r.set_due_ms(DueMillis(due));
    r.set_starts_ms(absl::ToUnixMillis(start));
    r.set_config_version(config.version);
    r.set_armed_by_event_id(event.event_id());
    for (absl::Duration before : d.remind_before) {
      TimerRecord reminder;
      reminder.set_timer_class(TimerClass::TIMER_CLASS_REMINDER);
      reminder.set_case_id(case_id);
      reminder.set_kind(d.id);
      reminder.set_due_ms(DueMillis(due - before));
      reminder.set_deadline_due_ms(r.due_ms());
      reminder.set_remind_before_ms(absl::ToInt64Milliseconds(before));
      plan.ops.push_back(ArmOp(ReminderId(id, before), std::move(reminder)));
    }
    plan.ops.push_back(ArmOp(id, std::move(r)));
  }
  for (const Deadline& d : config.deadlines) {
    const bool met = Names(d.met_by, selectors);
    if (!met && !Names(d.cancelled_by, selectors)) continue;
    plan.ops.push_back(
        CloseOp(TimerId(TimerClass::TIMER_CLASS_DEADLINE, case_id, d.id, ""),
                Finished(TimerClass::TIMER_CLASS_DEADLINE, case_id, d.id, "", FactTime(event), event.event_id()),
                met ? TimerState::kMet : TimerState::kCancelled));
  }
  return plan;
}

TimerPlan PlanRebuild(const Envelope& e) {
  TimerPlan plan;
  const std::string& case_id = e.case_id();
  const auto deadline_id = [&](const std::string& deadline) {
    return TimerId(TimerClass::TIMER_CLASS_DEADLINE, case_id, deadline, "");
  };
  const auto fired = [&](std::string id, TimerClass c, const std::string& kind, const std::string& subject,
                         const google::protobuf::Timestamp& at) {
    plan.ops.push_back(CloseOp(std::move(id), Finished(c, case_id, kind, subject, FromProtoTime(at), e.event_id()),
                               TimerState::kFired));
  };
  switch (e.body_case()) {
    case Envelope::kDeadlineArmed: {
      const auto& a = e.deadline_armed();
      TimerRecord r;
      r.set_timer_class(TimerClass::TIMER_CLASS_DEADLINE);
      r.set_case_id(case_id);
      r.set_kind(a.deadline_id());
      r.set_due_ms(absl::ToUnixMillis(FromProtoTime(a.due_at())));
      r.set_starts_ms(absl::ToUnixMillis(FromProtoTime(a.starts_at())));
      r.set_config_version(a.config_version());
      r.set_armed_by_event_id(a.armed_by_event_id());
      plan.ops.push_back(ArmOp(deadline_id(a.deadline_id()), std::move(r)));
      break;
    }
    case Envelope::kDeadlineMet: {
      const auto& m = e.deadline_met();
      plan.ops.push_back(CloseOp(deadline_id(m.deadline_id()),
                                 Finished(TimerClass::TIMER_CLASS_DEADLINE, case_id, m.deadline_id(), "",
                                          FromProtoTime(m.met_at()), m.met_by_event_id()),
                                 TimerState::kMet));
      break;
    }
    case Envelope::kDeadlineCancelled: {
      const auto& c = e.deadline_cancelled();
      plan.ops.push_back(CloseOp(deadline_id(c.deadline_id()),
                                 Finished(TimerClass::TIMER_CLASS_DEADLINE, case_id, c.deadline_id(), "",
                                          FromProtoTime(c.cancelled_at()), c.cancelled_by_event_id()),
                                 TimerState::kCancelled));
      break;
    }
    case Envelope::kDeadlineMissed:
      fired(deadline_id(e.deadline_missed().deadline_id()), TimerClass::TIMER_CLASS_DEADLINE,
            e.deadline_missed().deadline_id(), "", e.deadline_missed().fired_at());
      break;
    case Envelope::kDeadlineReminder: {
      const auto& r = e.deadline_reminder();
      fired(ReminderId(deadline_id(r.deadline_id()),
                       absl::Seconds(r.remind_before().seconds()) + absl::Nanoseconds(r.remind_before().nanos())),
            TimerClass::TIMER_CLASS_REMINDER, r.deadline_id(), "", r.fired_at());
      break;
    }
    case Envelope::kWaitFired: {
      const auto& w = e.wait_fired();
      fired(TimerId(TimerClass::TIMER_CLASS_WAIT, case_id, w.kind(), w.subject()), TimerClass::TIMER_CLASS_WAIT,
            w.kind(), w.subject(), w.fired_at());
      break;
    }
    default:
      break;
  }
  return plan;
}

std::vector<Envelope> EventsAfterApply(const TimerOp& op, const std::optional<StoredTimer>& prior, absl::Time now) {
  std::vector<Envelope> out;
  if (op.record.timer_class() != TimerClass::TIMER_CLASS_DEADLINE) return out;
  switch (op.kind) {
    case TimerOp::Kind::kArm: {
      const bool was_mark = prior.has_value() && !IsOpen(prior->state) && prior->record.due_ms() == 0;
      // The stored timer wins: its due instant was fixed when it was first armed.
      const TimerRecord& armed = prior.has_value() && !was_mark ? prior->record : op.record;
      out.push_back(ArmedEvent(op.timer_id, armed, now));
      if (was_mark && prior->state != TimerState::kFired) {
        out.push_back(ClosedEvent(op.timer_id, prior->record, op.record.due_ms(), prior->state, now));
      }
      break;
    }
    case TimerOp::Kind::kClose: {
      if (!prior.has_value()) break;  // a mark was left; the arm reports it
      if (IsOpen(prior->state)) {
        TimerRecord closed = op.record;
        out.push_back(ClosedEvent(op.timer_id, closed, prior->record.due_ms(), op.close_state, now));
      } else if (prior->state == TimerState::kFired && op.close_state == TimerState::kMet) {
        out.push_back(ClosedEvent(op.timer_id, op.record, prior->record.due_ms(), TimerState::kMet, now));
      } else if (prior->record.due_ms() != 0 && prior->state != TimerState::kFired) {
        // Closed before: say it again (a crash may have come between the close and its event).
        out.push_back(ClosedEvent(op.timer_id, prior->record, prior->record.due_ms(), prior->state, now));
      }
      break;
    }
    case TimerOp::Kind::kFired:
      break;
  }
  return out;
}

std::optional<Envelope> FireEvent(const std::string& timer_id, const TimerRecord& r, const ProtocolConfig& config,
                                  absl::Time now) {
  const absl::Duration late = LateBy(r, now);
  switch (r.timer_class()) {
    case TimerClass::TIMER_CLASS_DEADLINE: {
      Envelope e = TimersEnvelope("timers.deadline-missed", timer_id, r.case_id(), now);
      auto* missed = e.mutable_deadline_missed();
      missed->set_deadline_id(r.kind());
      *missed->mutable_due_at() = ProtoMillis(r.due_ms());
      *missed->mutable_fired_at() = ToProtoTime(now);
      *missed->mutable_late_by() = ToProtoDuration(late);
      if (const Deadline* d = config.FindDeadline(r.kind()); d != nullptr) {
        for (const std::string& who : d->escalate_to) missed->add_escalate_to(who);
      }
      missed->set_config_version(r.config_version());
      return e;
    }
    case TimerClass::TIMER_CLASS_REMINDER: {
      if (now >= absl::FromUnixMillis(r.deadline_due_ms())) return std::nullopt;
      Envelope e = TimersEnvelope("timers.deadline-reminder", timer_id, r.case_id(), now);
      auto* reminder = e.mutable_deadline_reminder();
      reminder->set_deadline_id(r.kind());
      *reminder->mutable_due_at() = ProtoMillis(r.deadline_due_ms());
      *reminder->mutable_remind_before() = ToProtoDuration(absl::Milliseconds(r.remind_before_ms()));
      *reminder->mutable_fired_at() = ToProtoTime(now);
      return e;
    }
    case TimerClass::TIMER_CLASS_WAIT: {
      Envelope e = TimersEnvelope("timers.wait-fired", timer_id, r.case_id(), now);
      auto* w = e.mutable_wait_fired();
      w->set_kind(r.kind());
      w->set_subject(r.subject());
      *w->mutable_due_at() = ProtoMillis(r.due_ms());
      *w->mutable_fired_at() = ToProtoTime(now);
      *w->mutable_late_by() = ToProtoDuration(late);
      return e;
    }
    default:
      return std::nullopt;
  }
}

absl::Duration LateBy(const TimerRecord& record, absl::Time now) { return now - absl::FromUnixMillis(record.due_ms()); }

absl::string_view TimerClassLabel(TimerClass timer_class) {
  switch (timer_class) {
    case TimerClass::TIMER_CLASS_DEADLINE:
      return "deadline";
    case TimerClass::TIMER_CLASS_REMINDER:
      return "reminder";
    case TimerClass::TIMER_CLASS_WAIT:
      return "wait";
    default:
      return "unknown";
  }
}

}  // namespace csec::timers
