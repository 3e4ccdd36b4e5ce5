// The paging service on the real broker and Redis, with the real timers service holding its
// waits, and chain steps of seconds: who is paged when a case is routed, how a chain moves on,
// what stops it, and how pages reach people (WatchPages streams, webhooks). CaseRouted and
// arrivals are produced the way routing and intake produce them.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "csec/dispatch/v1/paging_service.grpc.pb.h"
#include "services/common/base/clock.h"
#include "services/common/base/ids.h"
#include "services/common/domain/events.h"
#include "tests/integration/harness.h"
#include "tests/integration/paging_support.h"
#include "tests/integration/timers_support.h"

namespace csec::testing {
namespace {

using csec::dispatch::v1::Envelope;

constexpr absl::Duration kPatience = absl::Seconds(60);
constexpr char kTeam[] = "mart-spa-6";  // RoutedEvent's team: a MART case
constexpr char kAdvocacy[] = "saving-innocence";
constexpr char kSecret[] = "paging-test-webhook-secret";

// A webhook receiver on 127.0.0.1: /ok answers 200, /fail 500, /hang holds the request until
// released (or 20 s). Records when each request came, by path.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    server_.Post("/ok", [this](const httplib::Request& req, httplib::Response& res) {
      Record("/ok", req);
      res.status = 200;
    });
    server_.Post("/fail", [this](const httplib::Request& req, httplib::Response& res) {
      Record("/fail", req);
      res.status = 500;
    });
    server_.Post("/hang", [this](const httplib::Request& req, httplib::Response& res) {
      Record("/hang", req);
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookReceiver() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const { return absl::StrCat("http://127.0.0.1:", port_, path); }
  struct Hit {
    absl::Time at;
    std::string delivery_id;
    std::string body;
  };
  std::vector<Hit> Hits(const std::string& path) {
    std::lock_guard lock(mu_);
    return hits_[path];
  }

 private:
  void Record(const std::string& path, const httplib::Request& req) {
    std::lock_guard lock(mu_);
    hits_[path].push_back({absl::Now(), req.get_header_value("X-Csec-Delivery"), req.body});
  }
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::map<std::string, std::vector<Hit>> hits_;
};

class PagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = StackEnv::FromEnvironment();
    dir_ = MakeTempDir();
    std::ofstream(dir_ + "/secret") << kSecret;
  }

  // Starts timers and paging with arrival deadlines of `arrival` and the given rosters.
  void Start(absl::Duration arrival, const PagingTestConfig& paging) {
    protocol_path_ = WriteTimersConfig(stack_, dir_, arrival);
    paging_path_ = WritePagingConfig(protocol_path_, dir_, paging);
    ASSERT_FALSE(paging_path_.empty());
    timers_ = ServiceProcess::Start("csec-timers", stack_, {"--config=" + protocol_path_, "--timer_lease=2s"});
    ASSERT_TRUE(timers_.ok()) << timers_.status();
    StartPaging();
  }
  void StartPaging() {
    paging_ = ServiceProcess::Start("csec-paging", stack_,
                                    {"--config=" + protocol_path_, "--paging_config=" + paging_path_,
                                     "--webhook_secret_file=" + dir_ + "/secret", "--instance_id=paging-test"});
    ASSERT_TRUE(paging_.ok()) << paging_.status();
    stub_ = csec::dispatch::v1::PagingService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", (*paging_)->port("grpc_port")), grpc::InsecureChannelCredentials()));
  }

  // Routes a fresh case identified now; returns its id.
  std::string RouteCase() {
    const std::string case_id = absl::StrCat("case-paging-", NewRandomId());
    EXPECT_TRUE(ProduceEvent(stack_, kRoutingTopic, RoutedEvent(case_id, NowMillis())).ok());
    return case_id;
  }

  std::vector<Envelope> AwaitEvents(const std::string& case_id,
                                    const std::function<bool(const std::vector<Envelope>&)>& done) {
    std::vector<Envelope> events;
    WaitFor(
        [&] {
          events = PagingEvents(stack_, {case_id});
          return done(events);
        },
        kPatience);
    return events;
  }
  std::vector<Envelope> AwaitPages(const std::string& case_id, const std::string& person, size_t n) {
    return AwaitEvents(case_id, [&](const auto& events) { return PagesSent(events, person).size() >= n; });
  }

  grpc::Status Acknowledge(const Envelope& page_sent, csec::dispatch::v1::PageActionResponse* response = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    csec::dispatch::v1::AcknowledgeRequest request;
    request.set_case_id(page_sent.case_id());
    request.set_page_id(page_sent.page_sent().page_id());
    request.set_person_id(page_sent.page_sent().person_id());
    csec::dispatch::v1::PageActionResponse ignored;
    return stub_->Acknowledge(&context, request, response ? response : &ignored);
  }

  StackEnv stack_;
  std::string dir_;
  std::string protocol_path_;
  std::string paging_path_;
  absl::StatusOr<std::unique_ptr<ServiceProcess>> timers_;
  absl::StatusOr<std::unique_ptr<ServiceProcess>> paging_;
  std::unique_ptr<csec::dispatch::v1::PagingService::Stub> stub_;
};

int CountBody(const std::vector<Envelope>& events, Envelope::BodyCase body) {
  int n = 0;
  for (const Envelope& e : events) n += e.body_case() == body;
  return n;
}

TEST_F(PagingTest, RoutedCasePagesTheTeamsResponderAndTheAgencysAdvocate) {
  Start(absl::Seconds(300), {});
  const std::string case_id = RouteCase();
  std::vector<Envelope> events = AwaitEvents(case_id, [](const auto& e) { return PagesSent(e).size() >= 2; });
  std::vector<Envelope> responder = PagesSent(events, OnCallPerson(kTeam));
  std::vector<Envelope> advocate = PagesSent(events, OnCallPerson(kAdvocacy));
  ASSERT_EQ(responder.size(), 1u);
  ASSERT_EQ(advocate.size(), 1u);
  EXPECT_EQ(responder[0].page_sent().reason(), "case_routed");
  EXPECT_EQ(responder[0].page_sent().case_summary().team_id(), kTeam);
  EXPECT_NE(responder[0].page_sent().page_id(), advocate[0].page_sent().page_id());

  // ListCasePages shows both, open.
  grpc::ClientContext context;
  csec::dispatch::v1::ListCasePagesRequest request;
  request.set_case_id(case_id);
  csec::dispatch::v1::ListCasePagesResponse response;
  ASSERT_TRUE(stub_->ListCasePages(&context, request, &response).ok());
  ASSERT_EQ(response.pages_size(), 2);
  for (const auto& page : response.pages()) EXPECT_EQ(page.state(), csec::dispatch::v1::PAGE_STATE_OPEN);
}

TEST_F(PagingTest, UnacknowledgedPageMovesToTheNextStepAfterItsWait) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(3);
  Start(absl::Seconds(300), config);
  const std::string case_id = RouteCase();
  std::vector<Envelope> events = AwaitPages(case_id, OnCallPerson("mart-supervisor"), 1);
  const Envelope first = PagesSent(events, OnCallPerson(kTeam)).at(0);
  const Envelope second = PagesSent(events, OnCallPerson("mart-supervisor")).at(0);
  EXPECT_EQ(second.page_sent().page_id(), first.page_sent().page_id());
  EXPECT_EQ(second.page_sent().attempt(), 2);
  EXPECT_EQ(second.page_sent().step_index(), 1);
  // Not before the wait (how soon after it is the benchmark's business: tools/bench/paging).
  const absl::Duration gap = FromProtoTime(second.page_sent().sent_at()) - FromProtoTime(first.page_sent().sent_at());
  EXPECT_GE(gap, config.step_wait);
  int escalated = 0;
  for (const Envelope& e : events) {
    if (!e.has_page_escalated() || e.page_escalated().page_id() != first.page_sent().page_id()) continue;
    ++escalated;
    EXPECT_EQ(e.page_escalated().why(), "not acknowledged");
  }
  EXPECT_EQ(escalated, 1);
}

TEST_F(PagingTest, StepWithNobodyOnCallIsSkippedAtOnce) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(30);
  config.empty_rosters = {kTeam};
  Start(absl::Seconds(300), config);
  const std::string case_id = RouteCase();
  std::vector<Envelope> events = AwaitPages(case_id, OnCallPerson("mart-supervisor"), 1);
  ASSERT_EQ(CountBody(events, Envelope::kStepSkipped), 1);
  const Envelope* skipped = nullptr;
  for (const Envelope& e : events) {
    if (e.has_step_skipped()) skipped = &e;
  }
  EXPECT_TRUE(absl::StrContains(skipped->step_skipped().why(), kTeam)) << skipped->step_skipped().why();
  EXPECT_TRUE(PagesSent(events, OnCallPerson(kTeam)).empty());
  // The supervisor was paged at once, in the same decision as the skip, not after the empty
  // step's 30 s.
  const Envelope supervisor = PagesSent(events, OnCallPerson("mart-supervisor")).at(0);
  EXPECT_EQ(supervisor.page_sent().attempt(), 1);
  EXPECT_EQ(FromProtoTime(supervisor.page_sent().sent_at()), FromProtoTime(skipped->step_skipped().skipped_at()));
}

TEST_F(PagingTest, ExhaustedChainPagesTheSupervisorLine) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(2);
  Start(absl::Seconds(300), config);
  const std::string case_id = RouteCase();
  // The advocate's chain exhausts to the same line at about the same time: wait for the team's.
  auto team_exhausted = [](const std::vector<Envelope>& events) {
    return std::any_of(events.begin(), events.end(), [](const Envelope& e) {
      return e.has_chain_exhausted() && e.chain_exhausted().role() == kTeam;
    });
  };
  std::vector<Envelope> events = AwaitEvents(case_id, [&](const std::vector<Envelope>& seen) {
    return team_exhausted(seen) && !PagesSent(seen, OnCallPerson("cph-supervisor")).empty();
  });
  const Envelope cph = PagesSent(events, OnCallPerson("cph-supervisor")).at(0);
  EXPECT_TRUE(absl::StartsWith(cph.page_sent().reason(), "chain_exhausted:")) << cph.page_sent().reason();
  int exhausted = 0;
  for (const Envelope& e : events) {
    if (e.has_chain_exhausted() && e.chain_exhausted().role() == kTeam) {
      ++exhausted;
      EXPECT_EQ(e.chain_exhausted().escalated_to(), "cph-supervisor");
    }
  }
  EXPECT_EQ(exhausted, 1);
}

TEST_F(PagingTest, AcknowledgedPageStillEscalatesAMissedArrival) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(60);
  Start(absl::Seconds(6), config);
  const std::string case_id = RouteCase();
  std::vector<Envelope> events = AwaitPages(case_id, OnCallPerson(kTeam), 1);
  const Envelope page = PagesSent(events, OnCallPerson(kTeam)).at(0);
  csec::dispatch::v1::PageActionResponse ack;
  ASSERT_TRUE(Acknowledge(page, &ack).ok());
  EXPECT_FALSE(ack.duplicate());
  csec::dispatch::v1::PageActionResponse again;
  ASSERT_TRUE(Acknowledge(page, &again).ok());
  EXPECT_TRUE(again.duplicate());
  // No arrival follows: the deadline fires and the MART supervisor line is paged for it.
  events = AwaitEvents(case_id, [](const auto& e) {
    for (const Envelope& p : PagesSent(e)) {
      if (p.page_sent().reason() == "deadline_missed:responder_arrival") return true;
    }
    return false;
  });
  bool supervisor_paged = false;
  for (const Envelope& p : PagesSent(events)) {
    if (p.page_sent().reason() == "deadline_missed:responder_arrival") {
      supervisor_paged |= p.page_sent().person_id() == OnCallPerson("mart-supervisor");
      EXPECT_NE(p.page_sent().person_id(), OnCallPerson("ctu-supervisor")) << "a CTU line paged for a MART case";
    }
  }
  EXPECT_TRUE(supervisor_paged);
  EXPECT_EQ(CountBody(events, Envelope::kPageAcknowledged), 1);
}

TEST_F(PagingTest, ArrivalOverPagingClosesThePageAndMeetsTheDeadline) {
  Start(absl::Seconds(8), {});
  const std::string case_id = RouteCase();
  const Envelope page = PagesSent(AwaitPages(case_id, OnCallPerson(kTeam), 1), OnCallPerson(kTeam)).at(0);
  grpc::ClientContext context;
  csec::dispatch::v1::RecordPageArrivalRequest request;
  request.set_case_id(case_id);
  request.set_page_id(page.page_sent().page_id());
  request.set_person_id(page.page_sent().person_id());
  csec::dispatch::v1::PageActionResponse response;
  grpc::Status s = stub_->RecordArrival(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<Envelope> timers;
  WaitFor(
      [&] {
        timers = TimerEvents(stack_, {case_id});
        return FindTimerEvent(timers, case_id, Envelope::kDeadlineMet, "responder_arrival") != nullptr;
      },
      kPatience);
  EXPECT_NE(FindTimerEvent(timers, case_id, Envelope::kDeadlineMet, "responder_arrival"), nullptr);
  std::vector<Envelope> events =
      AwaitEvents(case_id, [](const auto& e) { return CountBody(e, Envelope::kPageClosed) >= 1; });
  EXPECT_EQ(CountBody(events, Envelope::kPageClosed), 1);
}

TEST_F(PagingTest, ReplayedOrDuplicatedRoutingPagesNobodyTwice) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(60);
  Start(absl::Seconds(300), config);
  const std::string case_id = absl::StrCat("case-paging-", NewRandomId());
  Envelope routed = RoutedEvent(case_id, NowMillis());
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, routed).ok());
  AwaitPages(case_id, "", 2);
  // The same event again (a replay), and the same decision under another event id.
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, routed).ok());
  routed.set_event_id(NewRandomId());
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, routed).ok());
  // A marker after them on the same partition: once it is handled, so are they.
  const Envelope marker = ArrivalEvent(case_id, csec::dispatch::v1::RESPONDER_ROLE_ADVOCATE, NowMillis());
  ASSERT_TRUE(ProduceEvent(stack_, kRoutingTopic, marker).ok());
  std::vector<Envelope> events =
      AwaitEvents(case_id, [](const auto& e) { return CountBody(e, Envelope::kPageClosed) >= 1; });
  EXPECT_EQ(PagesSent(events).size(), 2u);
}

TEST_F(PagingTest, AcknowledgementStopsEveryPendingNotification) {
  WebhookReceiver receiver;
  PagingTestConfig config;
  config.step_wait = absl::Seconds(60);
  config.tries = 10;
  config.first_retry = absl::Seconds(1);
  // A webhook that keeps failing (retried every second or two), then an SMS 4 s after the page.
  config.contacts[OnCallPerson(kTeam)] = {
      absl::StrCat("{method: webhook, address: \"", receiver.Url("/fail"), "\"}"),
      absl::StrCat("{method: webhook, address: \"", receiver.Url("/ok"), "\", after: {seconds: 4}}")};
  Start(absl::Seconds(300), config);
  const std::string case_id = RouteCase();
  const Envelope page = PagesSent(AwaitPages(case_id, OnCallPerson(kTeam), 1), OnCallPerson(kTeam)).at(0);
  ASSERT_TRUE(WaitFor([&] { return receiver.Hits("/fail").size() >= 2; }, kPatience));
  ASSERT_TRUE(Acknowledge(page).ok());
  const absl::Time acknowledged = absl::Now();
  // Past the delayed contact's due time and several retry intervals.
  const absl::Time enough = acknowledged + absl::Seconds(7);
  WaitFor([&] { return absl::Now() >= enough; }, absl::Seconds(10));
  for (const auto& hit : receiver.Hits("/fail")) EXPECT_LT(hit.at, acknowledged + absl::Seconds(1));
  EXPECT_TRUE(receiver.Hits("/ok").empty());
}

TEST_F(PagingTest, FailingWebhookDelaysNoOtherPersonsPage) {
  WebhookReceiver receiver;
  PagingTestConfig config;
  config.step_wait = absl::Seconds(60);
  config.send_timeout = absl::Seconds(10);
  config.contacts[OnCallPerson(kTeam)] = {absl::StrCat("{method: webhook, address: \"", receiver.Url("/hang"), "\"}")};
  config.contacts[OnCallPerson(kAdvocacy)] = {
      absl::StrCat("{method: webhook, address: \"", receiver.Url("/ok"), "\"}")};
  Start(absl::Seconds(300), config);
  // Many cases: every responder's webhook hangs, every advocate's answers.
  std::set<std::string> cases;
  for (int i = 0; i < 5; ++i) cases.insert(RouteCase());
  ASSERT_TRUE(WaitFor([&] { return receiver.Hits("/ok").size() >= cases.size(); }, kPatience));
  // Every advocate was reached while the responders' sends were still hanging.
  for (const auto& hit : receiver.Hits("/ok")) {
    EXPECT_LT(hit.at, receiver.Hits("/hang").at(0).at + absl::Seconds(10));
  }
  std::vector<Envelope> events = PagingEvents(stack_, cases);
  int delivered = 0;
  for (const Envelope& e : events) {
    if (e.has_page_delivered() && e.page_delivered().person_id() == OnCallPerson(kAdvocacy)) {
      ++delivered;
      EXPECT_EQ(e.page_delivered().channel(), "webhook");
    }
  }
  EXPECT_GE(delivered, static_cast<int>(cases.size()));
}

TEST_F(PagingTest, WatcherThatReconnectsReceivesEveryPageExactlyOnce) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(60);
  Start(absl::Seconds(300), config);
  const std::string person = OnCallPerson(kAdvocacy);
  std::vector<std::string> received;
  std::string token;
  auto watch = [&](size_t until) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    csec::dispatch::v1::WatchPagesRequest request;
    request.set_person_id(person);
    request.set_resume_token(token);
    auto reader = stub_->WatchPages(&context, request);
    csec::dispatch::v1::WatchPagesResponse response;
    // The first response carries the stream's starting token; then one per page.
    ASSERT_TRUE(reader->Read(&response)) << "the stream ended before its first response";
    EXPECT_FALSE(response.has_event());
    EXPECT_FALSE(response.resume_token().empty());
    token = response.resume_token();
    while (received.size() < until && reader->Read(&response)) {
      ASSERT_TRUE(response.has_event());
      token = response.resume_token();
      received.push_back(response.event().event_id());
    }
    context.TryCancel();
  };
  watch(0);  // connect: a token, no page yet
  std::set<std::string> cases;
  for (int i = 0; i < 3; ++i) cases.insert(RouteCase());
  watch(2);                                               // reads two, disconnects mid-stream
  for (int i = 0; i < 3; ++i) cases.insert(RouteCase());  // while disconnected
  std::vector<Envelope> sent;
  WaitFor(
      [&] {
        sent = PagesSent(PagingEvents(stack_, cases), person);
        return sent.size() >= 6;
      },
      kPatience);
  watch(6);
  std::set<std::string> expected;
  for (const Envelope& e : sent) expected.insert(e.event_id());
  std::set<std::string> got(received.begin(), received.end());
  EXPECT_EQ(received.size(), got.size()) << "a page was streamed twice";
  EXPECT_EQ(got, expected);
}

TEST_F(PagingTest, BadRequestsNameTheField) {
  Start(absl::Seconds(300), {});
  grpc::ClientContext context;
  csec::dispatch::v1::AcknowledgeRequest request;
  request.set_case_id("case-x");
  csec::dispatch::v1::PageActionResponse response;
  grpc::Status s = stub_->Acknowledge(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "page_id")) << s.error_message();

  grpc::ClientContext change_context;
  csec::dispatch::v1::ChangeRosterRequest change;
  change.set_roster_id(kTeam);
  change.mutable_set_members()->add_person_ids("nobody-known");
  csec::dispatch::v1::ChangeRosterResponse changed;
  s = stub_->ChangeRoster(&change_context, change, &changed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "changed_by")) << s.error_message();
}

TEST_F(PagingTest, RosterChangeIsAnEventThatSurvivesARestart) {
  PagingTestConfig config;
  config.step_wait = absl::Seconds(60);
  Start(absl::Seconds(300), config);
  grpc::ClientContext context;
  csec::dispatch::v1::ChangeRosterRequest change;
  change.set_roster_id(kTeam);
  change.set_changed_by("ops-synthetic-1");
  change.set_reason("cover for a sick day");
  auto* ov = change.mutable_add_override();
  ov->set_person_id(OnCallPerson("mart-spa-5"));
  *ov->mutable_starts_at() = ToProtoTime(absl::Now() - absl::Minutes(1));
  *ov->mutable_ends_at() = ToProtoTime(absl::Now() + absl::Hours(1));
  csec::dispatch::v1::ChangeRosterResponse changed;
  grpc::Status s = stub_->ChangeRoster(&context, change, &changed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  (*paging_)->Signal(SIGTERM);
  StartPaging();
  const std::string case_id = RouteCase();
  std::vector<Envelope> events = AwaitPages(case_id, OnCallPerson("mart-spa-5"), 1);
  EXPECT_TRUE(PagesSent(events, OnCallPerson(kTeam)).empty());
  // Who made it is on the topic.
  bool recorded = false;
  for (const Envelope& e : PagingEvents(stack_, {"roster:" + std::string(kTeam)})) {
    recorded |= e.event_id() == changed.event_id() && e.roster_changed().changed_by() == "ops-synthetic-1";
  }
  EXPECT_TRUE(recorded);
  // Put it back for the other tests.
  grpc::ClientContext undo_context;
  csec::dispatch::v1::ChangeRosterRequest undo;
  undo.set_roster_id(kTeam);
  undo.set_changed_by("ops-synthetic-1");
  undo.set_remove_override_id(changed.roster().overrides(0).override_id());
  ASSERT_TRUE(stub_->ChangeRoster(&undo_context, undo, &changed).ok());
}

}  // namespace
}  // namespace csec::testing
