// The routing decision, in one place: which agency responds to a referral (Probation's CTU,
// DCFS's MART, or the hotline's standard response), which team, advocacy agency and Medical Hubs,
// who else is notified — and the rule that decided, with the inputs it used, so a person can
// check every decision.
//
//   std::shared_ptr<const ProtocolConfig> config = store->Current();
//   csec::dispatch::v1::CaseRouted routed = csec::DecideRoute(*config, referral);
//   routed.set_referral_event_id(envelope.event_id());   // the caller's part
//
// A pure function of the config and the referral: no I/O, no clock, safe on any thread. Used by
// the routing service for decisions and by RoutingService.Explain / `dispatchctl route
// --explain`, which records nothing. It never reads the youth's identifying fields
// (referral.youth().identity()).
//
// The rules, first match wins:
//   1. Hotline-originated (source kind HOTLINE) with no station
//                                           → hotline standard response, supervisor review.
//   2. Station unknown to the config        → hotline standard response, supervisor review.
//   3. Station not participating            → hotline standard response, supervisor review.
//   4. Dual status (WIC 241.1): the dual_status flag, or both an open probation and an open DCFS
//      case → the lead agency recorded for the youth, else the configured default.
//   5. Open probation case (WIC 602)        → CTU.
//   6. Open DCFS referral or case (WIC 300) → MART.
//   7. New to both                          → MART.
// A hotline referral that names a station is routed by that station like any other.
// Whatever the rule, also notified: the recipients the identifying station's agency names
// (the Sheriff's Human Trafficking Bureau), and the youth's DCFS social worker when the youth has
// an open DCFS case or dual status and the referral names one.
#ifndef CSEC_SERVICES_ROUTING_ROUTING_RULES_H_
#define CSEC_SERVICES_ROUTING_ROUTING_RULES_H_

#include "absl/strings/string_view.h"
#include "csec/dispatch/v1/events.pb.h"
#include "csec/dispatch/v1/referral.pb.h"
#include "services/common/domain/protocol_config.h"

namespace csec {

// Stable rule ids, recorded in CaseRouted.rule_id: dashboards and audits key on them.
inline constexpr absl::string_view kRuleHotlineOriginated = "hotline.hotline-originated";
inline constexpr absl::string_view kRuleUnknownStation = "hotline.unknown-station";
inline constexpr absl::string_view kRuleNonParticipatingStation = "hotline.non-participating-station";
inline constexpr absl::string_view kRuleDualStatusRecordedLead = "dual-status.recorded-lead";
inline constexpr absl::string_view kRuleDualStatusDefaultLead = "dual-status.default-lead";
inline constexpr absl::string_view kRuleOpenProbation = "ctu.open-probation";
inline constexpr absl::string_view kRuleOpenDcfs = "mart.open-dcfs";
inline constexpr absl::string_view kRuleNewToBoth = "mart.new-to-both";

// Fills every field of CaseRouted except referral_event_id.
csec::dispatch::v1::CaseRouted DecideRoute(const ProtocolConfig& config, const csec::dispatch::v1::Referral& referral);

}  // namespace csec

#endif  // CSEC_SERVICES_ROUTING_ROUTING_RULES_H_
