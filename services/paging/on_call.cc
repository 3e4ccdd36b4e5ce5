#include "services/paging/on_call.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/common/base/clock.h"

namespace csec::paging {
namespace {

using csec::dispatch::v1::RosterChanges;
using csec::dispatch::v1::RosterOverride;

// The instant a local wall-clock time happens. A time that does not exist (skipped by a
// spring-forward change, e.g. 02:30) happens at the change itself; a time that happens twice
// (a fall-back change, e.g. 01:30) happens the first time.
absl::Time LocalInstant(absl::CivilSecond local, const absl::TimeZone& time_zone) {
  const absl::TimeZone::TimeInfo info = time_zone.At(local);
  switch (info.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE:
    case absl::TimeZone::TimeInfo::REPEATED:
      return info.pre;
    case absl::TimeZone::TimeInfo::SKIPPED:
      return info.trans;
  }
  return info.pre;
}

// The rotation's shifts are numbered k = 0, 1, 2... from the first handoff on `starts`: shift k
// starts at handoff k % m of local day starts + k / m (m handoffs a day) and ends where shift k + 1
// starts. Handoff instants never decrease with k (a skipped local time maps to the change instant,
// a repeated one to its first occurrence), so two handoffs inside one skipped hour make a shift of
// zero length, which holds no instant.
class ShiftClock {
 public:
  ShiftClock(const Rotation& rotation, const absl::TimeZone& time_zone)
      : rotation_(rotation), time_zone_(time_zone), per_day_(static_cast<int64_t>(rotation.handoffs.size())) {}

  absl::Time Start(int64_t k) const {
    const absl::CivilDay day = rotation_.starts + k / per_day_;
    const int64_t since_midnight = absl::ToInt64Seconds(rotation_.handoffs[k % per_day_]);
    return LocalInstant(absl::CivilSecond(day) + since_midnight, time_zone_);
  }

  // The shift holding `t`: the last k whose start is <= t; -1 before the first handoff.
  int64_t IndexAt(absl::Time t) const {
    if (t < Start(0)) return -1;
    // Local days of handoffs at or before `t` lie within a day of t's own local day (offsets
    // differ by less than a day); two days either side leaves room for any zone.
    const absl::CivilDay today = absl::CivilDay(time_zone_.At(t).cs);
    const int64_t first_day = std::max<int64_t>(0, (today - rotation_.starts) - 2);
    int64_t k = first_day * per_day_;
    // Start(first_day * m) <= t: first_day is the start day, or its handoffs are > a day before t.
    while (Start(k + 1) <= t) ++k;  // at most about 4 days of handoffs
    return k;
  }

 private:
  const Rotation& rotation_;
  const absl::TimeZone& time_zone_;
  const int64_t per_day_;
};

// members[(k / shifts_per_turn) % n], or "" with no members.
std::string MemberOf(int64_t k, const std::vector<std::string>& members, int shifts_per_turn) {
  if (members.empty()) return "";
  const int64_t turn = k / std::max(1, shifts_per_turn);
  return members[static_cast<size_t>(turn % static_cast<int64_t>(members.size()))];
}

std::vector<std::string> MembersOf(const Rotation& rotation, const RosterChanges& changes) {
  if (!changes.members_replaced()) return rotation.members;
  return {changes.members().begin(), changes.members().end()};
}

bool Usable(const Roster& roster) { return roster.rotation.has_value() && !roster.rotation->handoffs.empty(); }

bool Finite(absl::Time t) { return t != absl::InfinitePast() && t != absl::InfiniteFuture(); }

struct Span {
  absl::Time starts_at;
  absl::Time ends_at;
};

// Narrows `span` (around `t`) so that none of `overrides` starts or ends strictly inside it on
// either side of `t`: the answer for `t` changes where an override that wins over it begins, and
// holds from where one that won over it ended.
void ClipByOverrides(Span& span, absl::Time t, const std::vector<Span>& overrides) {
  for (const Span& o : overrides) {
    if (o.starts_at > t && o.starts_at < span.ends_at) span.ends_at = o.starts_at;
    if (o.ends_at <= t && o.ends_at > span.starts_at) span.starts_at = o.ends_at;
  }
}

}  // namespace

std::optional<Shift> RotationShiftAt(const Roster& roster, const RosterChanges& changes, absl::Time t,
                                     const absl::TimeZone& time_zone) {
  if (!Usable(roster)) return std::nullopt;
  const Rotation& rotation = *roster.rotation;
  const ShiftClock clock(rotation, time_zone);
  if (!Finite(t)) {
    // No shift holds the ends of time; before any handoff / after every one.
    return Shift{"", absl::InfinitePast(), t == absl::InfinitePast() ? clock.Start(0) : absl::InfiniteFuture()};
  }
  const int64_t k = clock.IndexAt(t);
  if (k < 0) return Shift{"", absl::InfinitePast(), clock.Start(0)};  // before the first handoff
  return Shift{MemberOf(k, MembersOf(rotation, changes), rotation.shifts_per_turn), clock.Start(k), clock.Start(k + 1)};
}

OnCall OnCallAt(const Roster& roster, const RosterChanges& changes, absl::Time t, const absl::TimeZone& time_zone) {
  // Overrides, in the order they were added; an empty or inverted one covers nothing.
  std::vector<Span> spans;
  std::vector<const RosterOverride*> overrides;
  for (const RosterOverride& o : changes.overrides()) {
    const Span span{FromProtoTime(o.starts_at()), FromProtoTime(o.ends_at())};
    if (span.ends_at <= span.starts_at) continue;
    spans.push_back(span);
    overrides.push_back(&o);
  }

  // The last override covering t wins; it holds from its start (or the end of a later one that
  // covered its start) to its end (or the start of a later one).
  for (size_t i = spans.size(); i-- > 0;) {
    if (spans[i].starts_at <= t && t < spans[i].ends_at) {
      Span span = spans[i];
      ClipByOverrides(span, t, std::vector<Span>(spans.begin() + static_cast<std::ptrdiff_t>(i) + 1, spans.end()));
      return OnCall{overrides[i]->person_id(), absl::StrCat("override:", overrides[i]->override_id()), span.starts_at,
                    span.ends_at};
    }
  }

  // The rotation. Its answer's span is the whole turn of the member on call (shifts_per_turn
  // consecutive shifts; one shift when it is 1), narrowed where an override starts or ended.
  OnCall answer;  // nobody, unbounded
  if (Usable(roster) && Finite(t)) {
    const Rotation& rotation = *roster.rotation;
    const ShiftClock clock(rotation, time_zone);
    const std::vector<std::string> members = MembersOf(rotation, changes);
    const int64_t k = clock.IndexAt(t);
    if (k < 0) {
      answer.ends_at = clock.Start(0);  // nobody until the first handoff
    } else if (!members.empty()) {
      const int64_t per_turn = std::max(1, rotation.shifts_per_turn);
      const int64_t turn_start = k / per_turn * per_turn;
      answer.person_id = MemberOf(k, members, rotation.shifts_per_turn);
      answer.source = "rotation";
      answer.starts_at = clock.Start(turn_start);
      answer.ends_at = clock.Start(turn_start + per_turn);
    }
  }
  Span span{answer.starts_at, answer.ends_at};
  ClipByOverrides(span, t, spans);
  answer.starts_at = span.starts_at;
  answer.ends_at = span.ends_at;
  return answer;
}

}  // namespace csec::paging
