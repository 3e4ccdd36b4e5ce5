// Who is on call on a roster at an instant: pure, from the configured rotation, the runtime
// changes (members replaced, overrides) and the county's time zone.
//
//   OnCall now = OnCallAt(*config.FindRoster("ctu-spa-4"), changes, clock.Now(), config.time_zone);
//   if (now.person_id.empty()) { /* nobody: the chain step is skipped at once */ }
#ifndef CSEC_SERVICES_PAGING_ON_CALL_H_
#define CSEC_SERVICES_PAGING_ON_CALL_H_

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "csec/dispatch/v1/events.pb.h"
#include "services/paging/paging_config.h"

namespace csec::paging {

struct OnCall {
  std::string person_id;  // empty: nobody is on call
  std::string source;     // "rotation", "override:<id>", or "" for nobody
  // The span around the instant during which this answer holds (an override's or a shift's
  // bounds, whichever is tighter). InfinitePast/InfiniteFuture when unbounded.
  absl::Time starts_at = absl::InfinitePast();
  absl::Time ends_at = absl::InfiniteFuture();
};

// Overrides come first: of those covering `t`, the one added last (latest in `changes`) wins.
// Otherwise the rotation's shift holding `t`, with `changes.members` in place of the configured
// members when `changes.members_replaced`. Nobody before the rotation's first handoff, with no
// rotation, or with no members.
OnCall OnCallAt(const Roster& roster, const csec::dispatch::v1::RosterChanges& changes, absl::Time t,
                const absl::TimeZone& time_zone);

// The rotation's shift holding `t` (person empty when it has no members), and the next handoff
// strictly after `t`; nullopt without a rotation. For shift-start notices.
struct Shift {
  std::string person_id;
  absl::Time starts_at;
  absl::Time ends_at;
};
std::optional<Shift> RotationShiftAt(const Roster& roster, const csec::dispatch::v1::RosterChanges& changes,
                                     absl::Time t, const absl::TimeZone& time_zone);

}  // namespace csec::paging

#endif  // CSEC_SERVICES_PAGING_ON_CALL_H_
