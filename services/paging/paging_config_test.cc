#include "services/paging/paging_config.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/domain/protocol_config.h"
#include "services/paging/on_call.h"

namespace csec::paging {
namespace {

using ::csec::dispatch::v1::ResponderAgency;
using ::csec::dispatch::v1::RosterChanges;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSourceDir = CSEC_SOURCE_DIR;
const std::string kProtocolPath = kSourceDir + "/deploy/config/protocol.yaml";
const std::string kPagingPath = kSourceDir + "/deploy/config/paging.yaml";
constexpr char kTestFile[] = "paging-test.yaml";

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::shared_ptr<const ProtocolConfig> ShippedProtocol() {
  absl::StatusOr<std::shared_ptr<const ProtocolConfig>> protocol = LoadProtocolConfig(kProtocolPath);
  EXPECT_TRUE(protocol.ok()) << protocol.status();
  return protocol.ok() ? *protocol : nullptr;
}

// A small protocol: the roles it pages are two teams, an advocacy agency and three supervisor
// lines; page_ack_timeout is 10 minutes.
ProtocolConfig SmallProtocol() {
  ProtocolConfig protocol;
  protocol.file_name = "protocol-test.yaml";
  EXPECT_TRUE(absl::LoadTimeZone("America/Los_Angeles", &protocol.time_zone));
  protocol.teams = {{"ctu-north", "CTU North", TeamAgency::kCtu}, {"mart-north", "MART North", TeamAgency::kMart}};
  protocol.advocacy_agencies = {{"advocates", "Advocates Inc"}};
  Deadline responder;
  responder.id = std::string(kResponderArrivalDeadline);
  responder.duration = absl::Minutes(90);
  responder.escalate_to = {"ctu-supervisor", "mart-supervisor"};
  Deadline ack;
  ack.id = std::string(kPageAckTimeoutDeadline);
  ack.duration = absl::Minutes(10);
  ack.escalate_to = {"cph-supervisor"};
  protocol.deadlines = {responder, ack};
  protocol.routing.supervisor_id = "cph-supervisor";
  return protocol;
}

// A valid file for SmallProtocol(); each error test breaks one thing in it.
constexpr absl::string_view kSmallConfig = R"yaml(
people:
  - id: ann
    name: Ann Example
    contacts:
      - {method: webhook, address: "http://127.0.0.1:8099/pages"}
      - {method: sms, address: "+1-555-0100", after: {minutes: 2}}
      - {method: log, after: {minutes: 5}}
  - {id: bob, name: Bob Example}
  - {id: cy, name: Cy Example, contacts: [{method: voice, address: "+1 (555) 0101"}]}
rosters:
  - id: ctu-north
    name: CTU North on call
    rotation:
      starts: 2026-01-05
      handoffs: ["08:00", "20:00"]
      members: [ann, bob]
  - id: mart-north
    name: MART North on call
    rotation: {starts: 2026-01-05, handoffs: ["09:00"], shifts_per_turn: 7, members: [cy]}
  - id: advocates
    name: Advocates on call
  - id: supervisors
    name: Supervisors on call
    rotation: {starts: 2026-01-05, handoffs: ["08:00"], members: []}
chains:
  - id: ctu-north
    name: CTU North responders
    steps:
      - targets: [{on_call: ctu-north}]
      - targets: [{on_call: supervisors}, {person: cy}]
        wait: {minutes: 5}
    repeat: 1
    on_exhausted: cph-supervisor
  - id: mart-north
    name: MART North responders
    steps:
      - targets: [{on_call: mart-north}]
  - id: advocates
    name: Advocates
    steps:
      - targets: [{on_call: advocates}]
  - id: ctu-supervisor
    name: CTU supervisor line
    steps:
      - targets: [{on_call: supervisors}]
    on_exhausted: cph-supervisor
    applies_to_agency: ctu
  - id: mart-supervisor
    name: MART supervisor line
    steps:
      - targets: [{on_call: supervisors}]
    on_exhausted: cph-supervisor
    applies_to_agency: mart
  - id: cph-supervisor
    name: CPH supervisor line
    steps:
      - targets: [{person: bob}]
    repeat: 2
)yaml";

absl::StatusOr<PagingConfig> ParseSmall(absl::string_view text) {
  return ParsePagingConfig(text, kTestFile, SmallProtocol());
}

// The small config with `from` replaced by `to` (which must occur).
std::string SmallWith(absl::string_view from, absl::string_view to) {
  const std::string text(kSmallConfig);
  EXPECT_THAT(text, HasSubstr(std::string(from))) << "test bug: not in the small config";
  return absl::StrReplaceAll(text, {{from, to}});
}

// The error message of parsing `text`, which must fail.
std::string ErrorOf(absl::string_view text) {
  absl::StatusOr<PagingConfig> config = ParseSmall(text);
  EXPECT_FALSE(config.ok()) << "parsed, but an error was expected";
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

// --- The shipped configuration ------------------------------------------------------------

TEST(ShippedPagingConfigTest, LoadsAgainstTheShippedProtocol) {
  std::shared_ptr<const ProtocolConfig> protocol = ShippedProtocol();
  ASSERT_NE(protocol, nullptr);
  absl::StatusOr<PagingConfig> config = LoadPagingConfig(kPagingPath, *protocol);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->path, kPagingPath);
  EXPECT_EQ(config->version.size(), 12u);
  EXPECT_EQ(config->version.find_first_not_of("0123456789abcdef"), std::string::npos) << config->version;
  EXPECT_EQ(config->time_zone.name(), "America/Los_Angeles");
}

TEST(ShippedPagingConfigTest, EveryRoleTheProtocolPagesHasAChain) {
  std::shared_ptr<const ProtocolConfig> protocol = ShippedProtocol();
  ASSERT_NE(protocol, nullptr);
  absl::StatusOr<PagingConfig> config = LoadPagingConfig(kPagingPath, *protocol);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(protocol->teams.size(), 17u);
  for (const Team& team : protocol->teams) EXPECT_NE(config->FindChain(team.id), nullptr) << team.id;
  for (const AdvocacyAgency& agency : protocol->advocacy_agencies) {
    EXPECT_NE(config->FindChain(agency.id), nullptr) << agency.id;
  }
  for (const Deadline& deadline : protocol->deadlines) {
    for (const std::string& role : deadline.escalate_to) {
      EXPECT_NE(config->FindChain(role), nullptr) << role << " of " << deadline.id;
    }
  }
  EXPECT_NE(config->FindChain(protocol->routing.supervisor_id), nullptr);
  ASSERT_FALSE(protocol->hubs.empty());
  for (const Hub& hub : protocol->hubs) {
    EXPECT_NE(config->FindChain(hub.id), nullptr) << hub.id;
    EXPECT_NE(config->FindRoster(hub.id), nullptr) << hub.id;
  }
  // The line paged about a scheduling failure at a hub without a chain of its own.
  EXPECT_NE(config->FindChain(kHubCoordinatorFallbackChain), nullptr);
}

TEST(ShippedPagingConfigTest, TeamChainsGoToTheTeamThenItsSupervisorLine) {
  std::shared_ptr<const ProtocolConfig> protocol = ShippedProtocol();
  ASSERT_NE(protocol, nullptr);
  absl::StatusOr<PagingConfig> config = LoadPagingConfig(kPagingPath, *protocol);
  ASSERT_TRUE(config.ok()) << config.status();

  const Chain* ctu = config->FindChain("ctu-spa-4");
  ASSERT_NE(ctu, nullptr);
  ASSERT_EQ(ctu->steps.size(), 2u);
  ASSERT_EQ(ctu->steps[0].targets.size(), 1u);
  EXPECT_EQ(ctu->steps[0].targets[0].kind, ChainTarget::Kind::kOnCall);
  EXPECT_EQ(ctu->steps[0].targets[0].id, "ctu-spa-4");
  ASSERT_EQ(ctu->steps[1].targets.size(), 1u);
  EXPECT_EQ(ctu->steps[1].targets[0].id, "ctu-supervisor");
  EXPECT_EQ(ctu->repeat, 1);
  EXPECT_EQ(ctu->on_exhausted, "cph-supervisor");
  // No wait in the file: the protocol's page_ack_timeout, 10 minutes.
  EXPECT_EQ(ctu->steps[0].wait, absl::Minutes(10));
  EXPECT_EQ(ctu->steps[1].wait, absl::Minutes(10));

  EXPECT_EQ(config->FindChain("mart-spa-6")->steps[1].targets[0].id, "mart-supervisor");
  EXPECT_EQ(config->FindChain("cph-standard-response")->steps[1].targets[0].id, "cph-supervisor");
  EXPECT_EQ(config->FindChain("saving-innocence")->steps[1].targets[0].id, "advocacy-supervisor");
  EXPECT_EQ(config->FindChain("hub-mlk")->steps[1].targets[0].id, "dhs-hub-coordinator");

  const Chain* ctu_supervisor = config->FindChain("ctu-supervisor");
  ASSERT_NE(ctu_supervisor, nullptr);
  EXPECT_EQ(ctu_supervisor->applies_to_agency, ResponderAgency::RESPONDER_AGENCY_CTU);
  EXPECT_EQ(ctu_supervisor->repeat, 2);
  EXPECT_EQ(config->FindChain("mart-supervisor")->applies_to_agency, ResponderAgency::RESPONDER_AGENCY_MART);
  const Chain* last_resort = config->FindChain("cph-supervisor");
  ASSERT_NE(last_resort, nullptr);
  EXPECT_EQ(last_resort->on_exhausted, "");
  EXPECT_FALSE(last_resort->applies_to_agency.has_value());
}

// The shipped rosters must never leave a role without anyone on call.
TEST(ShippedPagingConfigTest, SomeoneIsOnCallOnEveryRosterAroundTheClock) {
  std::shared_ptr<const ProtocolConfig> protocol = ShippedProtocol();
  ASSERT_NE(protocol, nullptr);
  absl::StatusOr<PagingConfig> config = LoadPagingConfig(kPagingPath, *protocol);
  ASSERT_TRUE(config.ok()) << config.status();
  const RosterChanges none;
  // Every 3 hours through 2026 and 2027 (both daylight-saving changes of each year).
  const absl::Time from = absl::FromCivil(absl::CivilSecond(2026, 1, 5, 8, 0, 0), config->time_zone);
  for (const Roster& roster : config->rosters) {
    for (absl::Time t = from; t < from + absl::Hours(24 * 730); t += absl::Hours(3)) {
      const OnCall on_call = OnCallAt(roster, none, t, config->time_zone);
      ASSERT_FALSE(on_call.person_id.empty()) << roster.id << " at " << t;
      ASSERT_NE(config->FindPerson(on_call.person_id), nullptr) << on_call.person_id;
    }
  }
}

TEST(ShippedPagingConfigTest, RemovingTheChainOfAnEscalationRoleIsRefused) {
  std::shared_ptr<const ProtocolConfig> protocol = ShippedProtocol();
  ASSERT_NE(protocol, nullptr);
  const std::string shipped = ReadFile(kPagingPath);
  const std::string chain = "  - id: mart-supervisor\n    name: DCFS MART supervisor line\n";
  ASSERT_THAT(shipped, HasSubstr(chain));
  const std::string edited =
      absl::StrReplaceAll(shipped, {{chain, "  - id: mart-supervisor-old\n    name: DCFS MART supervisor line\n"}});
  absl::StatusOr<PagingConfig> config = ParsePagingConfig(edited, "deploy/config/paging.yaml", *protocol);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("deploy/config/paging.yaml: key 'chains': no chain for role \"mart-supervisor\" named by "
                        "deadlines.responder_arrival.escalate_to"));
  // The roster is still there: only the chain is missing. Team chains name the line as a target,
  // which is a roster, so they stay valid.
  EXPECT_THAT(config.status().message(), HasSubstr(kProtocolPath));
}

TEST(ShippedPagingConfigTest, RemovingTheDhsHubCoordinatorChainIsRefused) {
  std::shared_ptr<const ProtocolConfig> protocol = ShippedProtocol();
  ASSERT_NE(protocol, nullptr);
  const std::string shipped = ReadFile(kPagingPath);
  const std::string chain = "  - id: dhs-hub-coordinator\n    name: DHS Medical Hub coordinator line\n";
  ASSERT_THAT(shipped, HasSubstr(chain));
  const std::string edited =
      absl::StrReplaceAll(shipped, {{chain, "  - id: dhs-hub-line\n    name: DHS Medical Hub coordinator line\n"}});
  absl::StatusOr<PagingConfig> config = ParsePagingConfig(edited, "deploy/config/paging.yaml", *protocol);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              AllOf(HasSubstr("deploy/config/paging.yaml: key 'chains': no chain for role \"dhs-hub-coordinator\" "
                              "named by "),
                    HasSubstr("hubs (the Medical Hub coordinator line paged for a hub without a chain)"),
                    HasSubstr(kProtocolPath)));
}

TEST(LoadPagingConfigTest, MissingFileNamesIt) {
  absl::StatusOr<PagingConfig> config = LoadPagingConfig("/nonexistent/paging.yaml", SmallProtocol());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/paging.yaml"));
}

// --- What a valid file means ---------------------------------------------------------------

TEST(ParsePagingConfigTest, ReadsPeopleAndTheirContactsInOrder) {
  absl::StatusOr<PagingConfig> config = ParseSmall(kSmallConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->path, kTestFile);
  const Person* ann = config->FindPerson("ann");
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ(ann->name, "Ann Example");
  ASSERT_EQ(ann->contacts.size(), 3u);
  EXPECT_EQ(ann->contacts[0].kind, ContactMethod::Kind::kWebhook);
  EXPECT_EQ(ann->contacts[0].address, "http://127.0.0.1:8099/pages");
  EXPECT_EQ(ann->contacts[0].after, absl::ZeroDuration());
  EXPECT_EQ(ann->contacts[1].kind, ContactMethod::Kind::kSms);
  EXPECT_EQ(ann->contacts[1].address, "+1-555-0100");
  EXPECT_EQ(ann->contacts[1].after, absl::Minutes(2));
  EXPECT_EQ(ann->contacts[2].kind, ContactMethod::Kind::kLog);
  EXPECT_EQ(ann->contacts[2].address, "");
  EXPECT_EQ(ann->contacts[2].after, absl::Minutes(5));
  EXPECT_TRUE(config->FindPerson("bob")->contacts.empty());
  EXPECT_EQ(config->FindPerson("cy")->contacts.at(0).kind, ContactMethod::Kind::kVoice);
  EXPECT_EQ(config->FindPerson("nobody"), nullptr);

  EXPECT_EQ(ContactKindName(ContactMethod::Kind::kWebhook), "webhook");
  EXPECT_EQ(ContactKindName(ContactMethod::Kind::kSms), "sms");
  EXPECT_EQ(ContactKindName(ContactMethod::Kind::kVoice), "voice");
  EXPECT_EQ(ContactKindName(ContactMethod::Kind::kLog), "log");
}

TEST(ParsePagingConfigTest, ReadsRostersWithTheirDefaults) {
  absl::StatusOr<PagingConfig> config = ParseSmall(kSmallConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  const Roster* ctu = config->FindRoster("ctu-north");
  ASSERT_NE(ctu, nullptr);
  ASSERT_TRUE(ctu->rotation.has_value());
  EXPECT_EQ(ctu->rotation->starts, absl::CivilDay(2026, 1, 5));
  EXPECT_EQ(ctu->rotation->handoffs, (std::vector<absl::Duration>{absl::Hours(8), absl::Hours(20)}));
  EXPECT_EQ(ctu->rotation->shifts_per_turn, 1);  // default
  EXPECT_EQ(ctu->rotation->members, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(config->FindRoster("mart-north")->rotation->shifts_per_turn, 7);
  EXPECT_FALSE(config->FindRoster("advocates")->rotation.has_value());
  EXPECT_TRUE(config->FindRoster("supervisors")->rotation->members.empty());
}

TEST(ParsePagingConfigTest, ReadsChainsWithTheirDefaults) {
  absl::StatusOr<PagingConfig> config = ParseSmall(kSmallConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  const Chain* ctu = config->FindChain("ctu-north");
  ASSERT_NE(ctu, nullptr);
  EXPECT_EQ(ctu->name, "CTU North responders");
  ASSERT_EQ(ctu->steps.size(), 2u);
  EXPECT_EQ(ctu->steps[0].wait, absl::Minutes(10));  // page_ack_timeout of the protocol
  EXPECT_EQ(ctu->steps[1].wait, absl::Minutes(5));
  ASSERT_EQ(ctu->steps[1].targets.size(), 2u);
  EXPECT_EQ(ctu->steps[1].targets[0].kind, ChainTarget::Kind::kOnCall);
  EXPECT_EQ(ctu->steps[1].targets[0].id, "supervisors");
  EXPECT_EQ(ctu->steps[1].targets[1].kind, ChainTarget::Kind::kPerson);
  EXPECT_EQ(ctu->steps[1].targets[1].id, "cy");
  EXPECT_EQ(ctu->repeat, 1);
  EXPECT_EQ(ctu->on_exhausted, "cph-supervisor");
  EXPECT_FALSE(ctu->applies_to_agency.has_value());

  const Chain* mart = config->FindChain("mart-north");
  EXPECT_EQ(mart->repeat, 0);         // default
  EXPECT_EQ(mart->on_exhausted, "");  // default: none
  EXPECT_EQ(config->FindChain("ctu-supervisor")->applies_to_agency, ResponderAgency::RESPONDER_AGENCY_CTU);
  EXPECT_EQ(config->FindChain("mart-supervisor")->applies_to_agency, ResponderAgency::RESPONDER_AGENCY_MART);
  EXPECT_EQ(config->FindChain("missing"), nullptr);
}

TEST(ParsePagingConfigTest, DefaultsForNoticeAndDelivery) {
  absl::StatusOr<PagingConfig> config = ParseSmall(kSmallConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->shift_notice_before, absl::Minutes(30));
  EXPECT_EQ(config->delivery.tries, 4);
  EXPECT_EQ(config->delivery.first_retry, absl::Seconds(1));
  EXPECT_EQ(config->delivery.max_retry, absl::Seconds(30));
  EXPECT_EQ(config->delivery.send_timeout, absl::Seconds(2));
  EXPECT_EQ(config->time_zone.name(), "America/Los_Angeles");  // the protocol's
}

TEST(ParsePagingConfigTest, ReadsNoticeAndDelivery) {
  const std::string text = absl::StrCat(
      "shift_notice_before: {hours: 1}\n"
      "delivery: {tries: 2, first_retry: {seconds: 3}, max_retry: {minutes: 1}, send_timeout: {seconds: 5}}\n",
      kSmallConfig);
  absl::StatusOr<PagingConfig> config = ParseSmall(text);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->shift_notice_before, absl::Hours(1));
  EXPECT_EQ(config->delivery.tries, 2);
  EXPECT_EQ(config->delivery.first_retry, absl::Seconds(3));
  EXPECT_EQ(config->delivery.max_retry, absl::Minutes(1));
  EXPECT_EQ(config->delivery.send_timeout, absl::Seconds(5));
  // Only the keys given change.
  absl::StatusOr<PagingConfig> partial = ParseSmall(absl::StrCat("delivery: {tries: 6}\n", kSmallConfig));
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->delivery.tries, 6);
  EXPECT_EQ(partial->delivery.max_retry, absl::Seconds(30));
}

TEST(ParsePagingConfigTest, VersionIsTheFilesHashAndChangesWithAnyEdit) {
  absl::StatusOr<PagingConfig> a = ParseSmall(kSmallConfig);
  absl::StatusOr<PagingConfig> b = ParseSmall(absl::StrCat(kSmallConfig, "# a comment\n"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->version.size(), 12u);
  EXPECT_NE(a->version, b->version);
  EXPECT_EQ(a->version, ParseSmall(kSmallConfig)->version);
}

// --- Errors: each names the file, the key and the problem ----------------------------------

TEST(PagingConfigErrorsTest, UnknownKey) {
  EXPECT_THAT(ErrorOf(SmallWith("    name: CTU North on call\n", "    name: CTU North on call\n    colour: blue\n")),
              AllOf(HasSubstr("paging-test.yaml: key 'rosters[0].colour': unknown key"), HasSubstr("rotation")));
  EXPECT_THAT(ErrorOf(SmallWith("    repeat: 2\n", "    repeats: 2\n")),
              HasSubstr("paging-test.yaml: key 'chains[5].repeats': unknown key"));
  EXPECT_THAT(ErrorOf(absl::StrCat("delivery: {retries: 3}\n", kSmallConfig)),
              HasSubstr("paging-test.yaml: key 'delivery.retries': unknown key"));
}

TEST(PagingConfigErrorsTest, BadHandoff) {
  EXPECT_THAT(ErrorOf(SmallWith(R"(["08:00", "20:00"])", R"(["08:00", "24:00"])")),
              HasSubstr("paging-test.yaml: key 'rosters[0].rotation.handoffs[1]': must be a local time written "
                        "HH:MM, 00:00 to 23:59, got \"24:00\""));
  EXPECT_THAT(ErrorOf(SmallWith(R"(["08:00", "20:00"])", R"(["8:00", "20:00"])")),
              HasSubstr("key 'rosters[0].rotation.handoffs[0]': must be a local time written HH:MM"));
  EXPECT_THAT(ErrorOf(SmallWith(R"(["08:00", "20:00"])", R"(["20:00", "08:00"])")),
              HasSubstr("key 'rosters[0].rotation.handoffs[1]': must be later than the handoff before it"));
  EXPECT_THAT(ErrorOf(SmallWith(R"(["08:00", "20:00"])", R"(["08:00", "08:00"])")),
              HasSubstr("key 'rosters[0].rotation.handoffs[1]': must be later than the handoff before it"));
  EXPECT_THAT(ErrorOf(SmallWith(R"(["08:00", "20:00"])", "[]")),
              HasSubstr("key 'rosters[0].rotation.handoffs': must not be empty"));
}

TEST(PagingConfigErrorsTest, BadStartDate) {
  EXPECT_THAT(ErrorOf(SmallWith("      starts: 2026-01-05\n", "      starts: 2026-02-30\n")),
              HasSubstr("paging-test.yaml: key 'rosters[0].rotation.starts': must be a local date written "
                        "YYYY-MM-DD, got \"2026-02-30\""));
  EXPECT_THAT(ErrorOf(SmallWith("      starts: 2026-01-05\n", "      starts: 5 Jan 2026\n")),
              HasSubstr("key 'rosters[0].rotation.starts': must be a local date"));
}

TEST(PagingConfigErrorsTest, BadShiftsPerTurn) {
  EXPECT_THAT(ErrorOf(SmallWith("shifts_per_turn: 7", "shifts_per_turn: 0")),
              HasSubstr("paging-test.yaml: key 'rosters[1].rotation.shifts_per_turn': must be a positive integer"));
}

TEST(PagingConfigErrorsTest, UnknownPersonInMembers) {
  EXPECT_THAT(ErrorOf(SmallWith("members: [ann, bob]", "members: [ann, zed]")),
              HasSubstr("paging-test.yaml: key 'rosters[0].rotation.members[1]': names \"zed\", which is not the "
                        "id of any entry in 'people'"));
}

TEST(PagingConfigErrorsTest, PersonTwiceInOneRotation) {
  EXPECT_THAT(ErrorOf(SmallWith("members: [ann, bob]", "members: [ann, bob, ann]")),
              HasSubstr("paging-test.yaml: key 'rosters[0].rotation.members[2]': lists person \"ann\" again"));
}

TEST(PagingConfigErrorsTest, UnknownRosterTarget) {
  EXPECT_THAT(ErrorOf(SmallWith("[{on_call: ctu-north}]", "[{on_call: ctu-nowhere}]")),
              HasSubstr("paging-test.yaml: key 'chains[0].steps[0].targets[0].on_call': names \"ctu-nowhere\", "
                        "which is not the id of any entry in 'rosters'"));
  // A person id is not a roster.
  EXPECT_THAT(ErrorOf(SmallWith("[{on_call: ctu-north}]", "[{on_call: ann}]")),
              HasSubstr("key 'chains[0].steps[0].targets[0].on_call': names \"ann\""));
}

TEST(PagingConfigErrorsTest, UnknownPersonTarget) {
  EXPECT_THAT(ErrorOf(SmallWith("{person: cy}", "{person: dee}")),
              HasSubstr("paging-test.yaml: key 'chains[0].steps[1].targets[1].person': names \"dee\", which is "
                        "not the id of any entry in 'people'"));
}

TEST(PagingConfigErrorsTest, TargetNeedsExactlyOneKey) {
  EXPECT_THAT(ErrorOf(SmallWith("{person: cy}", "{person: cy, on_call: advocates}")),
              HasSubstr("paging-test.yaml: key 'chains[0].steps[1].targets[1]': must have one key, on_call or "
                        "person, not both"));
  EXPECT_THAT(ErrorOf(SmallWith("{person: cy}", "{roster: advocates}")),
              AllOf(HasSubstr("key 'chains[0].steps[1].targets[1]': must have exactly one key"),
                    HasSubstr("key 'chains[0].steps[1].targets[1].roster': unknown key")));
  EXPECT_THAT(ErrorOf(SmallWith("      - targets: [{on_call: mart-north}]\n", "      - targets: []\n")),
              HasSubstr("key 'chains[1].steps[0].targets': must be a non-empty list of maps"));
}

TEST(PagingConfigErrorsTest, MissingChainForARoleTheProtocolPages) {
  // Without the mart-supervisor chain, the responder_arrival deadline has no one to escalate to.
  const std::string without_mart_supervisor = SmallWith("  - id: mart-supervisor\n    name: MART supervisor line\n",
                                                        "  - id: mart-lead\n    name: MART lead line\n");
  EXPECT_THAT(ErrorOf(without_mart_supervisor),
              HasSubstr("paging-test.yaml: key 'chains': no chain for role \"mart-supervisor\" named by "
                        "deadlines.responder_arrival.escalate_to in protocol-test.yaml"));
  // A team, the advocacy agency and routing's supervisor: each named with who needs it.
  EXPECT_THAT(ErrorOf(SmallWith("  - id: mart-north\n    name: MART North responders\n",
                                "  - id: mart-south\n    name: MART South responders\n")),
              HasSubstr("key 'chains': no chain for role \"mart-north\" named by teams (team \"mart-north\")"));
  EXPECT_THAT(ErrorOf(SmallWith("  - id: advocates\n    name: Advocates\n", "  - id: advocacy\n    name: Advocates\n")),
              HasSubstr("no chain for role \"advocates\" named by advocacy_agencies (agency \"advocates\")"));
  const std::string without_cph = absl::StrReplaceAll(
      std::string(kSmallConfig),
      {{"  - id: cph-supervisor\n", "  - id: cph-lead\n"}, {"on_exhausted: cph-supervisor", "on_exhausted: cph-lead"}});
  EXPECT_THAT(ErrorOf(without_cph),
              HasSubstr("no chain for role \"cph-supervisor\" named by deadlines.page_ack_timeout.escalate_to, "
                        "routing.supervisor_id"));
}

TEST(PagingConfigErrorsTest, AnyHubNeedsTheDhsHubCoordinatorLineNotAChainOfItsOwn) {
  ProtocolConfig protocol = SmallProtocol();
  Hub hub;
  hub.id = "hub-north";
  hub.name = "Hub North";
  hub.area_id = "north";
  hub.daily_capacity = 4;
  protocol.hubs = {hub};
  absl::StatusOr<PagingConfig> refused = ParsePagingConfig(kSmallConfig, kTestFile, protocol);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("paging-test.yaml: key 'chains': no chain for role \"dhs-hub-coordinator\" named by hubs "
                        "(the Medical Hub coordinator line paged for a hub without a chain) in protocol-test.yaml"));
  // The hub itself needs no chain: the line stands in for it.
  const std::string with_line = absl::StrCat(kSmallConfig,
                                             "  - id: dhs-hub-coordinator\n"
                                             "    name: DHS hub coordinator line\n"
                                             "    steps:\n"
                                             "      - targets: [{person: bob}]\n");
  absl::StatusOr<PagingConfig> accepted = ParsePagingConfig(with_line, kTestFile, protocol);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->FindChain("hub-north"), nullptr);
  // Without any hub, nothing asks for it.
  EXPECT_TRUE(ParseSmall(kSmallConfig).ok());
}

TEST(PagingConfigErrorsTest, OnExhaustedMustNameAnotherChainWithoutALoop) {
  EXPECT_THAT(ErrorOf(SmallWith("    repeat: 1\n    on_exhausted: cph-supervisor\n",
                                "    repeat: 1\n    on_exhausted: cph-lead\n")),
              HasSubstr("paging-test.yaml: key 'chains[0].on_exhausted': names \"cph-lead\", which is not the id "
                        "of any entry in 'chains'"));
  EXPECT_THAT(ErrorOf(SmallWith("    repeat: 1\n    on_exhausted: cph-supervisor\n",
                                "    repeat: 1\n    on_exhausted: ctu-north\n")),
              HasSubstr("key 'chains[0].on_exhausted': names the chain itself (\"ctu-north\")"));
  EXPECT_THAT(ErrorOf(SmallWith("    repeat: 2\n", "    repeat: 2\n    on_exhausted: ctu-supervisor\n")),
              HasSubstr("key 'chains[3].on_exhausted': makes a loop of chains (ctu-supervisor -> cph-supervisor -> "
                        "ctu-supervisor)"));
}

TEST(PagingConfigErrorsTest, BadMethodOrAddress) {
  EXPECT_THAT(ErrorOf(SmallWith("{method: log, after: {minutes: 5}}", "{method: pager}")),
              HasSubstr("paging-test.yaml: key 'people[0].contacts[2].method': must be one of webhook, sms, voice, "
                        "log, got \"pager\""));
  EXPECT_THAT(ErrorOf(SmallWith("\"http://127.0.0.1:8099/pages\"", "\"ftp://127.0.0.1/pages\"")),
              HasSubstr("key 'people[0].contacts[0].address': must be an http:// or https:// URL for method "
                        "webhook, got \"ftp://127.0.0.1/pages\""));
  EXPECT_THAT(ErrorOf(SmallWith("{method: webhook, address: \"http://127.0.0.1:8099/pages\"}", "{method: webhook}")),
              HasSubstr("key 'people[0].contacts[0].address': is required for method webhook"));
  EXPECT_THAT(ErrorOf(SmallWith("{method: voice, address: \"+1 (555) 0101\"}", "{method: voice}")),
              HasSubstr("key 'people[2].contacts[0].address': is required for method voice"));
  EXPECT_THAT(ErrorOf(SmallWith("\"+1-555-0100\"", "\"call me\"")),
              HasSubstr("key 'people[0].contacts[1].address': must be a phone number"));
  EXPECT_THAT(ErrorOf(SmallWith("{method: log, after: {minutes: 5}}", "{method: log, address: x}")),
              HasSubstr("key 'people[0].contacts[2].address': must not be given for method log"));
}

TEST(PagingConfigErrorsTest, ContactsAreTriedInOrder) {
  EXPECT_THAT(ErrorOf(SmallWith("after: {minutes: 5}", "after: {minutes: 1}")),
              HasSubstr("key 'people[0].contacts[2].after': must not be earlier than the contact before it"));
}

TEST(PagingConfigErrorsTest, IdsAreUniqueAndLowerCaseWithDashes) {
  EXPECT_THAT(ErrorOf(SmallWith("{id: bob, name: Bob Example}", "{id: ann, name: Bob Example}")),
              HasSubstr("paging-test.yaml: key 'people[1].id': duplicate id \"ann\", already used by people[0]"));
  EXPECT_THAT(ErrorOf(SmallWith("  - id: advocates\n    name: Advocates on call\n",
                                "  - id: ctu-north\n    name: Advocates on call\n")),
              HasSubstr("key 'rosters[2].id': duplicate id \"ctu-north\", already used by rosters[0]"));
  EXPECT_THAT(ErrorOf(SmallWith("{id: bob, name: Bob Example}", "{id: Bob_1, name: Bob Example}")),
              HasSubstr("key 'people[1].id': must be lower-case letters and digits separated by single dashes"));
}

TEST(PagingConfigErrorsTest, BadChainSettings) {
  EXPECT_THAT(ErrorOf(SmallWith("    repeat: 1\n", "    repeat: -1\n")),
              HasSubstr("paging-test.yaml: key 'chains[0].repeat': must be a whole number from 0 to 100"));
  EXPECT_THAT(ErrorOf(SmallWith("applies_to_agency: ctu", "applies_to_agency: sheriff")),
              HasSubstr("key 'chains[3].applies_to_agency': must be one of ctu, mart, hotline, got \"sheriff\""));
  EXPECT_THAT(ErrorOf(SmallWith("wait: {minutes: 5}", "wait: {minutes: 0}")),
              HasSubstr("key 'chains[0].steps[1].wait.minutes': must be a positive integer"));
  EXPECT_THAT(ErrorOf(SmallWith("wait: {minutes: 5}", "wait: {minutes: 5, seconds: 3}")),
              HasSubstr("key 'chains[0].steps[1].wait': must give its duration as exactly one of seconds, minutes, "
                        "hours or days"));
  EXPECT_THAT(ErrorOf(SmallWith("      - targets: [{on_call: mart-north}]\n", "")),
              HasSubstr("key 'chains[1].steps': must be a non-empty list of maps"));
}

TEST(PagingConfigErrorsTest, DeliveryRetriesMustGrow) {
  EXPECT_THAT(ErrorOf(absl::StrCat("delivery: {first_retry: {minutes: 2}, max_retry: {seconds: 30}}\n", kSmallConfig)),
              HasSubstr("paging-test.yaml: key 'delivery.max_retry': must not be shorter than first_retry"));
}

TEST(PagingConfigErrorsTest, WithoutAProtocolAckTimeoutEveryStepNeedsAWait) {
  ProtocolConfig protocol = SmallProtocol();
  protocol.deadlines.pop_back();  // page_ack_timeout
  protocol.routing.supervisor_id = "ctu-supervisor";
  absl::StatusOr<PagingConfig> config = ParsePagingConfig(kSmallConfig, kTestFile, protocol);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("key 'chains[0].steps[0].wait': is required: the protocol config (protocol-test.yaml) has "
                        "no page_ack_timeout deadline"));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("chains[0].steps[1].wait")));
}

TEST(PagingConfigErrorsTest, ReportsEveryErrorAtOnce) {
  std::string text = SmallWith(R"(["08:00", "20:00"])", R"(["08:00", "99:00"])");
  text = absl::StrReplaceAll(text, {{"{person: cy}", "{person: dee}"}});
  const std::string message = ErrorOf(text);
  EXPECT_THAT(message, HasSubstr("rosters[0].rotation.handoffs[1]"));
  EXPECT_THAT(message, HasSubstr("chains[0].steps[1].targets[1].person"));
}

TEST(PagingConfigErrorsTest, NotAMap) {
  EXPECT_THAT(ErrorOf("- just\n- a list\n"), HasSubstr("paging-test.yaml: the top level must be a map"));
  EXPECT_THAT(ErrorOf("people: [\n"), HasSubstr("paging-test.yaml: not valid YAML"));
}

}  // namespace
}  // namespace csec::paging
