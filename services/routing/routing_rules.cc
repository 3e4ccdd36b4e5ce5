#include "services/routing/routing_rules.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace csec {
namespace {

using ::csec::dispatch::v1::CaseRouted;
using ::csec::dispatch::v1::Jurisdiction;
using ::csec::dispatch::v1::Referral;
using ::csec::dispatch::v1::ResponderAgency;

absl::string_view BoolText(bool value) { return value ? "true" : "false"; }

absl::string_view LeadText(csec::dispatch::v1::LeadAgency lead) {
  switch (lead) {
    case csec::dispatch::v1::LEAD_AGENCY_PROBATION:
      return "probation";
    case csec::dispatch::v1::LEAD_AGENCY_DCFS:
      return "dcfs";
    default:
      return "unspecified";
  }
}

// Builds one CaseRouted; keeps inputs and notifications free of duplicates.
class Decision {
 public:
  explicit Decision(const ProtocolConfig& config) : config_(config) { routed_.set_config_version(config.version); }

  void AddInput(absl::string_view name, absl::string_view value) {
    for (const auto& input : routed_.inputs()) {
      if (input.name() == name) return;
    }
    auto* input = routed_.add_inputs();
    input->set_name(std::string(name));
    input->set_value(std::string(value));
  }

  void Notify(absl::string_view recipient_id, std::string reason) {
    for (const auto& notification : routed_.notifications()) {
      if (notification.recipient_id() == recipient_id) return;
    }
    auto* notification = routed_.add_notifications();
    notification->set_recipient_id(std::string(recipient_id));
    notification->set_reason(std::move(reason));
  }

  void SetRule(absl::string_view rule_id, std::string description) {
    routed_.set_rule_id(std::string(rule_id));
    routed_.set_rule_description(std::move(description));
  }

  // Team, advocacy agency and hubs come from the area. A config that passed validation always
  // has the area; an empty area_id leaves them empty rather than guessing.
  void Respond(ResponderAgency agency, const std::string& area_id, absl::string_view team_id) {
    routed_.set_agency(agency);
    routed_.set_area_id(area_id);
    routed_.set_team_id(std::string(team_id));
    if (const Area* area = config_.FindArea(area_id)) {
      routed_.set_advocacy_agency_id(area->advocacy_agency_id);
      for (const std::string& hub_id : area->hub_ids) routed_.add_candidate_hub_ids(hub_id);
    }
  }

  // For participating stations: the area's CTU or MART team.
  void RespondFromArea(ResponderAgency agency, const Area& area) {
    Respond(agency, area.id, agency == csec::dispatch::v1::RESPONDER_AGENCY_CTU ? area.ctu_team_id : area.mart_team_id);
  }

  CaseRouted& routed() { return routed_; }

 private:
  const ProtocolConfig& config_;
  CaseRouted routed_;
};

std::string AreaName(const ProtocolConfig& config, const std::string& area_id) {
  const Area* area = config.FindArea(area_id);
  return area != nullptr ? area->name : area_id;
}

// A referral the Child Protection Hotline originated itself: no station identified the youth.
bool IsHotlineOriginated(const Referral& referral) {
  return referral.source().kind() == csec::dispatch::v1::SOURCE_KIND_HOTLINE && referral.source().station_id().empty();
}

// Rules 1 to 3: the hotline's standard response, never dropped, always seen by a supervisor.
void RouteToStandardResponse(const ProtocolConfig& config, const Referral& referral, const Station* station,
                             Decision& decision) {
  const RoutingSettings& settings = config.routing;
  const std::string& area_id = station != nullptr ? station->area_id : settings.standard_response_area_id;
  decision.Respond(csec::dispatch::v1::RESPONDER_AGENCY_STANDARD_HOTLINE, area_id, settings.standard_response_team_id);
  decision.routed().set_supervisor_review(true);
  if (IsHotlineOriginated(referral)) {
    // Expected, not an error: no station to name, so not an "unknown station" either.
    decision.AddInput("source_kind", "hotline");
    decision.SetRule(kRuleHotlineOriginated,
                     absl::StrCat("The Child Protection Hotline originated the referral; no station "
                                  "identified the youth, so the hotline gives its standard response, offering "
                                  "the services of the default area (",
                                  AreaName(config, area_id), "), and a supervisor reviews the case."));
    decision.Notify(settings.supervisor_id,
                    "supervisor review: referral originated by the Child Protection Hotline, "
                    "with no identifying station");
  } else if (station == nullptr) {
    const std::string& station_id = referral.source().station_id();
    decision.AddInput("station_known", "false");
    const std::string which = station_id.empty() ? std::string("The referral names no identifying station")
                                                 : absl::StrCat("The identifying station \"", station_id,
                                                                "\" is not in the protocol configuration");
    decision.SetRule(kRuleUnknownStation,
                     absl::StrCat(which,
                                  ", so the Child Protection Hotline gives its standard response, offering "
                                  "the services of the default area (",
                                  AreaName(config, area_id), "), and a supervisor reviews the case."));
    decision.Notify(settings.supervisor_id, absl::StrCat("supervisor review: referral from a station not in the "
                                                         "protocol configuration (\"",
                                                         station_id, "\")"));
  } else {
    decision.AddInput("participating", "false");
    decision.SetRule(kRuleNonParticipatingStation,
                     absl::StrCat(station->name,
                                  " does not participate in the First Responder Protocol, so the "
                                  "Child Protection Hotline gives its standard response in ",
                                  AreaName(config, area_id), ", and a supervisor reviews the case."));
    decision.Notify(settings.supervisor_id,
                    absl::StrCat("supervisor review: referral from a non-participating station (", station->name, ")"));
  }
}

// Rules 4 to 7, for a participating station.
void RouteByJurisdiction(const ProtocolConfig& config, const Jurisdiction& jurisdiction, const Station& station,
                         Decision& decision) {
  using csec::dispatch::v1::RESPONDER_AGENCY_CTU;
  using csec::dispatch::v1::RESPONDER_AGENCY_MART;
  decision.AddInput("participating", "true");
  const bool probation = jurisdiction.open_probation_case();
  const bool dcfs = jurisdiction.open_dcfs_case();
  decision.AddInput("open_probation_case", BoolText(probation));
  decision.AddInput("open_dcfs_case", BoolText(dcfs));
  decision.AddInput("dual_status", BoolText(jurisdiction.dual_status()));

  const Area* area = config.FindArea(station.area_id);
  const std::string where =
      absl::StrCat(" Identified by ", station.name, ", in ", AreaName(config, station.area_id), ".");
  auto respond = [&](ResponderAgency agency) {
    if (area != nullptr) {
      decision.RespondFromArea(agency, *area);
    } else {
      decision.Respond(agency, station.area_id, "");
    }
  };

  if (jurisdiction.dual_status() || (probation && dcfs)) {
    const std::string why = jurisdiction.dual_status() ? "is recorded as dual status (WIC 241.1)"
                                                       : "has both an open probation case and an open DCFS case, so is "
                                                         "treated as dual status (WIC 241.1)";
    const csec::dispatch::v1::LeadAgency recorded = jurisdiction.dual_status_lead();
    decision.AddInput("dual_status_lead", LeadText(recorded));
    bool lead_is_probation = false;
    if (recorded == csec::dispatch::v1::LEAD_AGENCY_PROBATION || recorded == csec::dispatch::v1::LEAD_AGENCY_DCFS) {
      lead_is_probation = recorded == csec::dispatch::v1::LEAD_AGENCY_PROBATION;
      decision.SetRule(kRuleDualStatusRecordedLead,
                       absl::StrCat("The youth ", why,
                                    " and the lead agency recorded for the "
                                    "youth is ",
                                    lead_is_probation ? "Probation, so CTU" : "DCFS, so MART", " responds.", where));
    } else {
      const LeadAgency lead = config.routing.dual_status_default_lead;
      decision.AddInput("dual_status_default_lead", LeadAgencyName(lead));
      lead_is_probation = lead == LeadAgency::kProbation;
      decision.SetRule(kRuleDualStatusDefaultLead,
                       absl::StrCat("The youth ", why,
                                    " with no lead agency recorded, so the configured default "
                                    "lead, ",
                                    lead_is_probation ? "Probation, applies and CTU" : "DCFS, applies and MART",
                                    " responds.", where));
    }
    respond(lead_is_probation ? RESPONDER_AGENCY_CTU : RESPONDER_AGENCY_MART);
  } else if (probation) {
    decision.SetRule(kRuleOpenProbation, absl::StrCat("The youth has an open probation case (WIC 602) and no open "
                                                      "DCFS case, so Probation's Child Trafficking Unit (CTU) "
                                                      "responds.",
                                                      where));
    respond(RESPONDER_AGENCY_CTU);
  } else if (dcfs) {
    decision.SetRule(kRuleOpenDcfs, absl::StrCat("The youth has an open DCFS referral or case (WIC 300) and no "
                                                 "open probation case, so DCFS's Multi-Agency Response Team "
                                                 "(MART) responds.",
                                                 where));
    respond(RESPONDER_AGENCY_MART);
  } else {
    decision.SetRule(kRuleNewToBoth, absl::StrCat("The youth has no open probation or DCFS case (new to both), "
                                                  "so DCFS's Multi-Agency Response Team (MART) responds.",
                                                  where));
    respond(RESPONDER_AGENCY_MART);
  }
}

// The agency of the identifying station (or, for a station the config does not know, the agency
// the referral names, if the config knows that) may ask to hear of every identification.
void NotifyIdentifyingAgency(const ProtocolConfig& config, const Referral& referral, const Station* station,
                             Decision& decision) {
  const Agency* agency = config.FindAgency(station != nullptr ? station->agency_id : referral.source().agency_id());
  if (agency == nullptr || agency->notify_on_identification.empty()) return;
  decision.AddInput("agency_id", agency->id);
  for (const std::string& recipient : agency->notify_on_identification) {
    decision.Notify(recipient, absl::StrCat(agency->name, " is told of every identification by its stations",
                                            station != nullptr ? absl::StrCat(" (", station->name, ")") : ""));
  }
}

void NotifySocialWorker(const Jurisdiction& jurisdiction, Decision& decision) {
  const bool has_dcfs_involvement = jurisdiction.open_dcfs_case() || jurisdiction.dual_status();
  if (!has_dcfs_involvement || jurisdiction.dcfs_social_worker_id().empty()) return;
  decision.AddInput("open_dcfs_case", BoolText(jurisdiction.open_dcfs_case()));
  decision.AddInput("dual_status", BoolText(jurisdiction.dual_status()));
  decision.AddInput("dcfs_social_worker_id", jurisdiction.dcfs_social_worker_id());
  decision.Notify(jurisdiction.dcfs_social_worker_id(),
                  "the youth's current DCFS social worker (open DCFS case or dual status)");
}

}  // namespace

CaseRouted DecideRoute(const ProtocolConfig& config, const Referral& referral) {
  Decision decision(config);
  // Only these parts of the referral (and needs().medical_emergency()) are read: never
  // referral.youth().identity().
  const std::string& station_id = referral.source().station_id();
  const Jurisdiction& jurisdiction = referral.youth().jurisdiction();
  const Station* station = config.FindStation(station_id);

  decision.AddInput("station_id", station_id);
  if (station == nullptr || !station->participating) {
    RouteToStandardResponse(config, referral, station, decision);
  } else {
    RouteByJurisdiction(config, jurisdiction, *station, decision);
  }
  NotifyIdentifyingAgency(config, referral, station, decision);
  NotifySocialWorker(jurisdiction, decision);
  // Not a routing input: whichever rule decided, the medical service books the soonest slot and
  // the responder is told emergency care comes first.
  decision.routed().set_medical_emergency(referral.needs().medical_emergency());
  return std::move(decision.routed());
}

}  // namespace csec
