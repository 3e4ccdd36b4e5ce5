// The protocol config the medical policy tests share: four hubs in three areas (central, north,
// south; hub-far farthest from the others), every deadline the protocol needs, the exam window
// 72 hours.
#ifndef CSEC_SERVICES_MEDICAL_MEDICAL_TEST_PROTOCOL_H_
#define CSEC_SERVICES_MEDICAL_MEDICAL_TEST_PROTOCOL_H_

#include "absl/strings/string_view.h"

namespace csec::medical::testing {

inline constexpr absl::string_view kProtocol = R"yaml(
time_zone: America/Los_Angeles
deadlines:
  responder_arrival: {minutes: 90, escalate_to: [ctu-supervisor]}
  advocate_arrival: {minutes: 90, escalate_to: [advocacy-supervisor]}
  medical_exam: {hours: 72, escalate_to: [mart-supervisor]}
  initial_mdt: {days: 7, escalate_to: [mart-supervisor]}
  soda_pad_stay: {days: 30, escalate_to: [mart-supervisor]}
  advocacy_case_management: {days: 90, escalate_to: [advocacy-supervisor]}
  page_ack_timeout: {minutes: 10, escalate_to: [cph-supervisor]}
agencies:
  - {id: sheriff, name: County Sheriff, kind: law_enforcement}
stations:
  - {id: sheriff-central, name: Sheriff Central, agency_id: sheriff, area_id: central, participating: true}
teams:
  - {id: ctu-central, name: CTU Central, agency: ctu}
  - {id: mart-central, name: MART Central, agency: mart}
  - {id: hotline-team, name: Hotline standard response, agency: hotline}
advocacy_agencies:
  - {id: advocates, name: Advocates}
hubs:
  - {id: hub-central, name: Central Hub, area_id: central, daily_capacity: 4, latitude: 34.05, longitude: -118.25}
  - {id: hub-north, name: North Hub, area_id: north, daily_capacity: 3, latitude: 34.40, longitude: -118.45}
  - {id: hub-south, name: South Hub, area_id: south, daily_capacity: 3, latitude: 33.75, longitude: -118.30}
  - {id: hub-far, name: Far Hub, area_id: north, daily_capacity: 2, latitude: 34.90, longitude: -118.10}
areas:
  - {id: central, name: Central, ctu_team_id: ctu-central, mart_team_id: mart-central, advocacy_agency_id: advocates, hub_ids: [hub-central, hub-north, hub-south]}
  - {id: north, name: North, ctu_team_id: ctu-central, mart_team_id: mart-central, advocacy_agency_id: advocates, hub_ids: [hub-north, hub-far, hub-central]}
  - {id: south, name: South, ctu_team_id: ctu-central, mart_team_id: mart-central, advocacy_agency_id: advocates, hub_ids: [hub-south, hub-central]}
routing:
  dual_status_default_lead: dcfs
  standard_response_team_id: hotline-team
  standard_response_area_id: central
  supervisor_id: cph-supervisor
)yaml";

}  // namespace csec::medical::testing

#endif  // CSEC_SERVICES_MEDICAL_MEDICAL_TEST_PROTOCOL_H_
