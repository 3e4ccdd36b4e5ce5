#include "services/routing/routing_rules.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

// The rule table names only the fields each case is about; g++ 12 warns about every field a
// designated initializer leaves to its default, which is the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace csec {
namespace {

using ::csec::dispatch::v1::CaseRouted;
using ::csec::dispatch::v1::LeadAgency;
using ::csec::dispatch::v1::Referral;
using ::csec::dispatch::v1::ResponderAgency;
using ::csec::dispatch::v1::SourceKind;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAreArray;

constexpr absl::string_view kConfig = R"yaml(
deadlines:
  responder_arrival: {minutes: 90, escalate_to: [ctu-supervisor]}
  advocate_arrival: {minutes: 90, escalate_to: [advocacy-supervisor]}
  medical_exam: {hours: 72, escalate_to: [mart-supervisor]}
  initial_mdt: {days: 7, escalate_to: [mart-supervisor]}
  soda_pad_stay: {days: 30, escalate_to: [mart-supervisor]}
  advocacy_case_management: {days: 90, escalate_to: [advocacy-supervisor]}
  page_ack_timeout: {minutes: 10, escalate_to: [cph-supervisor]}
agencies:
  - {id: sheriff, name: County Sheriff, kind: law_enforcement, notify_on_identification: [sheriff-htb]}
  - {id: city-pd, name: City PD, kind: law_enforcement}
  - {id: indie-pd, name: Independent PD, kind: law_enforcement}
  - {id: syz, name: Safe Youth Zones, kind: safe_youth_zone}
  - {id: cph, name: Child Protection Hotline, kind: hotline}
stations:
  - {id: sheriff-north, name: Sheriff North Station, agency_id: sheriff, area_id: north, participating: true}
  - {id: city-south, name: City PD South, agency_id: city-pd, area_id: south, participating: true}
  - {id: syz-clinic, name: Safe Youth Zone Clinic, agency_id: syz, area_id: north, participating: true}
  - {id: indie-pd, name: Independent PD, agency_id: indie-pd, area_id: south, participating: false}
  - {id: sheriff-east, name: Sheriff East Station, agency_id: sheriff, area_id: east, participating: false}
teams:
  - {id: ctu-north, name: CTU North, agency: ctu}
  - {id: mart-north, name: MART North, agency: mart}
  - {id: ctu-south, name: CTU South, agency: ctu}
  - {id: mart-south, name: MART South, agency: mart}
  - {id: ctu-east, name: CTU East, agency: ctu}
  - {id: mart-east, name: MART East, agency: mart}
  - {id: hotline-team, name: Hotline standard response, agency: hotline}
advocacy_agencies:
  - {id: advocates-north, name: Advocates North}
  - {id: advocates-south, name: Advocates South}
hubs:
  - {id: hub-a, name: Hub A, area_id: north, daily_capacity: 4}
  - {id: hub-b, name: Hub B, area_id: south, daily_capacity: 6}
  - {id: hub-c, name: Hub C, area_id: south, daily_capacity: 6}
areas:
  - {id: north, name: North Area, ctu_team_id: ctu-north, mart_team_id: mart-north, advocacy_agency_id: advocates-north, hub_ids: [hub-a, hub-b]}
  - {id: south, name: South Area, ctu_team_id: ctu-south, mart_team_id: mart-south, advocacy_agency_id: advocates-south, hub_ids: [hub-b, hub-c, hub-a]}
  - {id: east, name: East Area, ctu_team_id: ctu-east, mart_team_id: mart-east, advocacy_agency_id: advocates-south, hub_ids: [hub-c]}
routing:
  dual_status_default_lead: DEFAULT_LEAD
  standard_response_team_id: hotline-team
  standard_response_area_id: south
  supervisor_id: cph-supervisor
)yaml";

std::shared_ptr<const ProtocolConfig> TestConfig(absl::string_view default_lead = "dcfs") {
  std::string text(kConfig);
  text.replace(text.find("DEFAULT_LEAD"), std::string("DEFAULT_LEAD").size(), std::string(default_lead));
  auto config = ParseProtocolConfig(text, "routing_test.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : nullptr;
}

struct Youth {
  bool probation = false;
  bool dcfs = false;
  bool dual = false;
  LeadAgency lead = csec::dispatch::v1::LEAD_AGENCY_UNSPECIFIED;
  std::string social_worker;
};

Referral MakeReferral(absl::string_view station_id, const Youth& youth, absl::string_view agency_id = "",
                      SourceKind kind = csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT) {
  Referral referral;
  referral.mutable_source()->set_kind(kind);
  referral.mutable_source()->set_station_id(std::string(station_id));
  referral.mutable_source()->set_agency_id(std::string(agency_id));
  auto* jurisdiction = referral.mutable_youth()->mutable_jurisdiction();
  jurisdiction->set_open_probation_case(youth.probation);
  jurisdiction->set_open_dcfs_case(youth.dcfs);
  jurisdiction->set_dual_status(youth.dual);
  jurisdiction->set_dual_status_lead(youth.lead);
  jurisdiction->set_dcfs_social_worker_id(youth.social_worker);
  referral.mutable_youth()->set_pseudonym_ref("TEST-2026-0001-Y1");
  return referral;
}

std::map<std::string, std::string> InputsOf(const CaseRouted& routed) {
  std::map<std::string, std::string> inputs;
  for (const auto& input : routed.inputs()) inputs[input.name()] = input.value();
  return inputs;
}

std::vector<std::string> RecipientsOf(const CaseRouted& routed) {
  std::vector<std::string> recipients;
  for (const auto& n : routed.notifications()) recipients.push_back(n.recipient_id());
  return recipients;
}

struct RouteCase {
  std::string name;
  std::string station_id;
  SourceKind kind = csec::dispatch::v1::SOURCE_KIND_LAW_ENFORCEMENT;
  std::string agency_id;
  Youth youth;
  std::string default_lead = "dcfs";
  // Expected:
  ResponderAgency agency;
  std::string rule_id;
  std::string team_id;
  std::string area_id;
  std::vector<std::string> hubs;
  std::string advocacy_agency_id;
  bool supervisor_review = false;
  std::vector<std::string> notified;
  std::map<std::string, std::string> inputs;  // exactly these
};

// gtest prints a parameter by name, not as raw bytes, in test listings.
void PrintTo(const RouteCase& c, std::ostream* os) { *os << c.name; }

class RouteTest : public ::testing::TestWithParam<RouteCase> {};

TEST_P(RouteTest, DecidesByTheRule) {
  const RouteCase& c = GetParam();
  std::shared_ptr<const ProtocolConfig> config = TestConfig(c.default_lead);
  ASSERT_NE(config, nullptr);
  const CaseRouted routed = DecideRoute(*config, MakeReferral(c.station_id, c.youth, c.agency_id, c.kind));

  EXPECT_EQ(routed.agency(), c.agency) << csec::dispatch::v1::ResponderAgency_Name(routed.agency());
  EXPECT_EQ(routed.rule_id(), c.rule_id);
  EXPECT_EQ(routed.team_id(), c.team_id);
  EXPECT_EQ(routed.area_id(), c.area_id);
  EXPECT_THAT(routed.candidate_hub_ids(), ElementsAreArray(c.hubs));
  EXPECT_EQ(routed.advocacy_agency_id(), c.advocacy_agency_id);
  EXPECT_EQ(routed.supervisor_review(), c.supervisor_review);
  EXPECT_THAT(RecipientsOf(routed), UnorderedElementsAreArray(c.notified));
  EXPECT_EQ(InputsOf(routed), c.inputs);
  EXPECT_EQ(routed.config_version(), config->version);
  EXPECT_FALSE(routed.rule_description().empty());
  EXPECT_TRUE(routed.referral_event_id().empty()) << "the caller's part";
  EXPECT_FALSE(routed.medical_emergency()) << "the referral reported no medical emergency";
}

using csec::dispatch::v1::LEAD_AGENCY_DCFS;
using csec::dispatch::v1::LEAD_AGENCY_PROBATION;
using csec::dispatch::v1::RESPONDER_AGENCY_CTU;
using csec::dispatch::v1::RESPONDER_AGENCY_MART;
using csec::dispatch::v1::RESPONDER_AGENCY_STANDARD_HOTLINE;
using csec::dispatch::v1::SOURCE_KIND_HOTLINE;

INSTANTIATE_TEST_SUITE_P(
    EveryRule, RouteTest,
    ::testing::ValuesIn(std::vector<RouteCase>{
        {.name = "open_probation_goes_to_ctu",
         .station_id = "city-south",
         .youth = {.probation = true},
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "ctu.open-probation",
         .team_id = "ctu-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "true"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "false"}}},
        {.name = "open_dcfs_goes_to_mart_and_names_the_social_worker",
         .station_id = "city-south",
         .youth = {.dcfs = true, .social_worker = "sw-4711"},
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "mart.open-dcfs",
         .team_id = "mart-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .notified = {"sw-4711"},
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"},
                    {"dcfs_social_worker_id", "sw-4711"}}},
        {.name = "open_dcfs_without_known_social_worker",
         .station_id = "city-south",
         .youth = {.dcfs = true},
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "mart.open-dcfs",
         .team_id = "mart-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"}}},
        {.name = "new_to_both_goes_to_mart",
         .station_id = "city-south",
         .youth = {},
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "mart.new-to-both",
         .team_id = "mart-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "false"}}},
        {.name = "social_worker_of_a_youth_without_open_dcfs_case_is_not_notified",
         .station_id = "city-south",
         .youth = {.social_worker = "sw-old"},
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "mart.new-to-both",
         .team_id = "mart-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "false"}}},
        {.name = "dual_status_with_recorded_probation_lead",
         .station_id = "city-south",
         .youth = {.dual = true, .lead = LEAD_AGENCY_PROBATION},
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "dual-status.recorded-lead",
         .team_id = "ctu-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "true"},
                    {"dual_status_lead", "probation"}}},
        {.name = "dual_status_with_recorded_dcfs_lead_overrides_probation_default",
         .station_id = "city-south",
         .youth = {.probation = true, .dcfs = true, .dual = true, .lead = LEAD_AGENCY_DCFS, .social_worker = "sw-1"},
         .default_lead = "probation",
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "dual-status.recorded-lead",
         .team_id = "mart-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .notified = {"sw-1"},
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "true"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "true"},
                    {"dual_status_lead", "dcfs"},
                    {"dcfs_social_worker_id", "sw-1"}}},
        {.name = "dual_status_without_lead_takes_default_dcfs",
         .station_id = "city-south",
         .youth = {.dual = true},
         .default_lead = "dcfs",
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "dual-status.default-lead",
         .team_id = "mart-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "true"},
                    {"dual_status_lead", "unspecified"},
                    {"dual_status_default_lead", "dcfs"}}},
        {.name = "dual_status_without_lead_takes_default_probation",
         .station_id = "city-south",
         .youth = {.dual = true},
         .default_lead = "probation",
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "dual-status.default-lead",
         .team_id = "ctu-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "true"},
                    {"dual_status_lead", "unspecified"},
                    {"dual_status_default_lead", "probation"}}},
        {.name = "both_open_cases_without_flag_are_dual_status",
         .station_id = "city-south",
         .youth = {.probation = true, .dcfs = true, .social_worker = "sw-9"},
         .default_lead = "probation",
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "dual-status.default-lead",
         .team_id = "ctu-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .notified = {"sw-9"},
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "true"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"},
                    {"dual_status_lead", "unspecified"},
                    {"dual_status_default_lead", "probation"},
                    {"dcfs_social_worker_id", "sw-9"}}},
        {.name = "both_open_cases_with_recorded_lead",
         .station_id = "city-south",
         .youth = {.probation = true, .dcfs = true, .lead = LEAD_AGENCY_PROBATION},
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "dual-status.recorded-lead",
         .team_id = "ctu-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "true"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"},
                    {"dual_status_lead", "probation"}}},
        {.name = "sheriff_station_notifies_the_human_trafficking_bureau",
         .station_id = "sheriff-north",
         .youth = {.probation = true},
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "ctu.open-probation",
         .team_id = "ctu-north",
         .area_id = "north",
         .hubs = {"hub-a", "hub-b"},
         .advocacy_agency_id = "advocates-north",
         .notified = {"sheriff-htb"},
         .inputs = {{"station_id", "sheriff-north"},
                    {"participating", "true"},
                    {"open_probation_case", "true"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "false"},
                    {"agency_id", "sheriff"}}},
        {.name = "sheriff_station_and_social_worker_both_notified",
         .station_id = "sheriff-north",
         .youth = {.dcfs = true, .social_worker = "sw-2"},
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "mart.open-dcfs",
         .team_id = "mart-north",
         .area_id = "north",
         .hubs = {"hub-a", "hub-b"},
         .advocacy_agency_id = "advocates-north",
         .notified = {"sheriff-htb", "sw-2"},
         .inputs = {{"station_id", "sheriff-north"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"},
                    {"agency_id", "sheriff"},
                    {"dcfs_social_worker_id", "sw-2"}}},
        {.name = "safe_youth_zone_routes_like_a_station",
         .station_id = "syz-clinic",
         .youth = {},
         .agency = RESPONDER_AGENCY_MART,
         .rule_id = "mart.new-to-both",
         .team_id = "mart-north",
         .area_id = "north",
         .hubs = {"hub-a", "hub-b"},
         .advocacy_agency_id = "advocates-north",
         .inputs = {{"station_id", "syz-clinic"},
                    {"participating", "true"},
                    {"open_probation_case", "false"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "false"}}},
        {.name = "non_participating_station_gets_standard_hotline_response",
         .station_id = "indie-pd",
         .youth = {.probation = true},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.non-participating-station",
         .team_id = "hotline-team",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor"},
         .inputs = {{"station_id", "indie-pd"}, {"participating", "false"}}},
        {.name = "non_participating_station_uses_its_own_area_and_still_notifies_htb",
         .station_id = "sheriff-east",
         .youth = {.dcfs = true, .social_worker = "sw-3"},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.non-participating-station",
         .team_id = "hotline-team",
         .area_id = "east",
         .hubs = {"hub-c"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor", "sheriff-htb", "sw-3"},
         .inputs = {{"station_id", "sheriff-east"},
                    {"participating", "false"},
                    {"agency_id", "sheriff"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"},
                    {"dcfs_social_worker_id", "sw-3"}}},
        {.name = "unknown_station_gets_standard_hotline_response_in_default_area",
         .station_id = "no-such-station",
         .youth = {.dcfs = true},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.unknown-station",
         .team_id = "hotline-team",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor"},
         .inputs = {{"station_id", "no-such-station"}, {"station_known", "false"}}},
        {.name = "missing_station_is_never_dropped",
         .station_id = "",
         .youth = {},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.unknown-station",
         .team_id = "hotline-team",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor"},
         .inputs = {{"station_id", ""}, {"station_known", "false"}}},
        {.name = "hotline_originated_gets_standard_hotline_response",
         .station_id = "",
         .kind = SOURCE_KIND_HOTLINE,
         .agency_id = "cph",
         .youth = {.probation = true},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.hotline-originated",
         .team_id = "hotline-team",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor"},
         .inputs = {{"station_id", ""}, {"source_kind", "hotline"}}},
        {.name = "hotline_originated_still_notifies_the_social_worker",
         .station_id = "",
         .kind = SOURCE_KIND_HOTLINE,
         .agency_id = "cph",
         .youth = {.dcfs = true, .social_worker = "sw-5"},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.hotline-originated",
         .team_id = "hotline-team",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor", "sw-5"},
         .inputs = {{"station_id", ""},
                    {"source_kind", "hotline"},
                    {"open_dcfs_case", "true"},
                    {"dual_status", "false"},
                    {"dcfs_social_worker_id", "sw-5"}}},
        // A station given with kind HOTLINE is the station that identified the youth.
        {.name = "hotline_referral_naming_a_participating_station_routes_by_it",
         .station_id = "city-south",
         .kind = SOURCE_KIND_HOTLINE,
         .agency_id = "cph",
         .youth = {.probation = true},
         .agency = RESPONDER_AGENCY_CTU,
         .rule_id = "ctu.open-probation",
         .team_id = "ctu-south",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .inputs = {{"station_id", "city-south"},
                    {"participating", "true"},
                    {"open_probation_case", "true"},
                    {"open_dcfs_case", "false"},
                    {"dual_status", "false"}}},
        {.name = "hotline_referral_naming_an_unknown_station_is_an_unknown_station",
         .station_id = "no-such-station",
         .kind = SOURCE_KIND_HOTLINE,
         .agency_id = "cph",
         .youth = {},
         .agency = RESPONDER_AGENCY_STANDARD_HOTLINE,
         .rule_id = "hotline.unknown-station",
         .team_id = "hotline-team",
         .area_id = "south",
         .hubs = {"hub-b", "hub-c", "hub-a"},
         .advocacy_agency_id = "advocates-south",
         .supervisor_review = true,
         .notified = {"cph-supervisor"},
         .inputs = {{"station_id", "no-such-station"}, {"station_known", "false"}}},
    }),
    [](const ::testing::TestParamInfo<RouteCase>& info) { return info.param.name; });

TEST(DecideRouteTest, UnknownStationOfAKnownAgencyStillNotifiesThatAgency) {
  auto config = TestConfig();
  const CaseRouted routed = DecideRoute(*config, MakeReferral("sheriff-west", {}, "sheriff"));
  EXPECT_EQ(routed.rule_id(), kRuleUnknownStation);
  EXPECT_THAT(RecipientsOf(routed), UnorderedElementsAreArray({"cph-supervisor", "sheriff-htb"}));
}

TEST(DecideRouteTest, DescriptionsAreSentencesAPersonCanCheck) {
  auto config = TestConfig();
  const CaseRouted ctu = DecideRoute(*config, MakeReferral("sheriff-north", {.probation = true}));
  EXPECT_THAT(ctu.rule_description(), HasSubstr("open probation case"));
  EXPECT_THAT(ctu.rule_description(), HasSubstr("Sheriff North Station"));
  EXPECT_THAT(ctu.rule_description(), HasSubstr("North Area"));
  const CaseRouted hotline = DecideRoute(*config, MakeReferral("indie-pd", {}));
  EXPECT_THAT(hotline.rule_description(), HasSubstr("Independent PD does not participate"));
  EXPECT_THAT(hotline.rule_description(), HasSubstr("supervisor"));
  ASSERT_EQ(hotline.notifications_size(), 1);
  EXPECT_THAT(hotline.notifications(0).reason(), HasSubstr("supervisor review"));
}

TEST(DecideRouteTest, AHotlineReferralIsNotCalledAnUnknownStation) {
  auto config = TestConfig();
  const CaseRouted routed = DecideRoute(*config, MakeReferral("", {}, "cph", SOURCE_KIND_HOTLINE));
  EXPECT_EQ(routed.rule_id(), kRuleHotlineOriginated);
  EXPECT_THAT(routed.rule_description(), HasSubstr("The Child Protection Hotline originated the referral; no station "
                                                   "identified the youth, so the hotline gives its standard response"));
  EXPECT_THAT(routed.rule_description(), HasSubstr("South Area"));
  EXPECT_THAT(routed.rule_description(), HasSubstr("supervisor reviews"));
  EXPECT_THAT(routed.rule_description(), ::testing::Not(HasSubstr("not in the protocol")));
  ASSERT_EQ(routed.notifications_size(), 1);
  EXPECT_THAT(routed.notifications(0).reason(), HasSubstr("supervisor review"));
  EXPECT_THAT(routed.notifications(0).reason(), HasSubstr("Child Protection Hotline"));
  EXPECT_THAT(routed.notifications(0).reason(), ::testing::Not(HasSubstr("not in the protocol")));

  // Without kind HOTLINE a missing station is still an unknown one: only the hotline has none.
  const CaseRouted no_station = DecideRoute(*config, MakeReferral("", {}, "city-pd"));
  EXPECT_EQ(no_station.rule_id(), kRuleUnknownStation);
}

TEST(DecideRouteTest, NeverReadsTheYouthsIdentity) {
  auto config = TestConfig();
  Referral plain = MakeReferral("city-south", {.dcfs = true, .social_worker = "sw-1"});
  Referral with_identity = plain;
  auto* identity = with_identity.mutable_youth()->mutable_identity();
  identity->set_given_name("Jane");
  identity->set_family_name("Doe");
  identity->set_birth_date("2010-01-01");
  identity->set_home_address("1 Main St");
  identity->set_dcfs_case_number("DCFS-123");
  identity->set_probation_case_number("PROB-456");
  const CaseRouted a = DecideRoute(*config, plain);
  const CaseRouted b = DecideRoute(*config, with_identity);
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  for (absl::string_view secret : {"Jane", "Doe", "2010-01-01", "Main St", "DCFS-123", "PROB-456"}) {
    EXPECT_THAT(b.DebugString(), ::testing::Not(HasSubstr(secret)));
  }
}

TEST(DecideRouteTest, CarriesTheReferralsMedicalEmergencyWhicheverRuleDecides) {
  auto config = TestConfig();
  for (const std::string station_id : {"sheriff-north", "indie-pd", "no-such-station"}) {
    Referral referral = MakeReferral(station_id, {.probation = true});
    const CaseRouted plain = DecideRoute(*config, referral);
    EXPECT_FALSE(plain.medical_emergency()) << station_id;
    referral.mutable_needs()->set_medical_emergency(true);
    const CaseRouted emergency = DecideRoute(*config, referral);
    EXPECT_TRUE(emergency.medical_emergency()) << station_id;
    // Only the flag differs: the emergency changes who responds in nothing.
    CaseRouted without_flag = emergency;
    without_flag.set_medical_emergency(false);
    EXPECT_EQ(without_flag.SerializeAsString(), plain.SerializeAsString()) << station_id;
  }
}

TEST(DecideRouteTest, IsDeterministic) {
  auto config = TestConfig();
  const Referral referral = MakeReferral("sheriff-north", {.dual = true, .social_worker = "sw"});
  EXPECT_EQ(DecideRoute(*config, referral).SerializeAsString(), DecideRoute(*config, referral).SerializeAsString());
}

// The shipped file routes the pilot stations as the seeds describe.
TEST(ShippedConfigRoutingTest, CenturyStationNotifiesTheSheriffsHtbAndGoesToSpa6) {
  auto config = LoadProtocolConfig(std::string(CSEC_SOURCE_DIR) + "/deploy/config/protocol.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const CaseRouted routed = DecideRoute(**config, MakeReferral("lasd-century", {}));
  EXPECT_EQ(routed.agency(), RESPONDER_AGENCY_MART);
  EXPECT_EQ(routed.area_id(), "spa-6");
  EXPECT_EQ(routed.advocacy_agency_id(), "saving-innocence");
  EXPECT_EQ(routed.candidate_hub_ids(0), "hub-mlk");
  EXPECT_THAT(RecipientsOf(routed), ElementsAre("lasd-htb"));

  const CaseRouted long_beach = DecideRoute(**config, MakeReferral("lbpd", {.probation = true}));
  EXPECT_EQ(long_beach.agency(), RESPONDER_AGENCY_CTU);
  EXPECT_EQ(long_beach.area_id(), "spa-8");
  EXPECT_THAT(RecipientsOf(long_beach), IsEmpty());

  bool found_non_participating = false;
  for (const Station& station : (*config)->stations) {
    if (station.participating) continue;
    found_non_participating = true;
    const CaseRouted hotline = DecideRoute(**config, MakeReferral(station.id, {}));
    EXPECT_EQ(hotline.agency(), RESPONDER_AGENCY_STANDARD_HOTLINE) << station.id;
    EXPECT_TRUE(hotline.supervisor_review()) << station.id;
  }
  EXPECT_TRUE(found_non_participating);

  const CaseRouted hotline = DecideRoute(**config, MakeReferral("", {}, "cph", SOURCE_KIND_HOTLINE));
  EXPECT_EQ(hotline.rule_id(), kRuleHotlineOriginated);
  EXPECT_EQ(hotline.agency(), RESPONDER_AGENCY_STANDARD_HOTLINE);
  EXPECT_EQ(hotline.team_id(), "cph-standard-response");
  EXPECT_EQ(hotline.area_id(), "spa-4");
  EXPECT_TRUE(hotline.supervisor_review());
  EXPECT_THAT(RecipientsOf(hotline), ElementsAre("cph-supervisor"));
}

}  // namespace
}  // namespace csec
