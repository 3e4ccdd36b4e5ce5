// HealthState, and the gRPC server bootstrap on 127.0.0.1 port 0: grpc.health.v1 Check and
// Watch answering from a HealthState, and server reflection describing the health service
// (what `grpcurl -plaintext ADDR grpc.health.v1.Health/Check` needs).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "csec/dispatch/v1/routing_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/common/serving/grpc_call.h"
#include "services/common/serving/grpc_server.h"
#include "services/common/serving/health.h"

namespace csec {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::Contains;
using ::testing::HasSubstr;

// ---- HealthState -------------------------------------------------------------------------

TEST(HealthState, ReadyWithNoChecksOrAllOk) {
  HealthState health;
  EXPECT_TRUE(health.Ready().ok());
  health.Set("kafka", absl::OkStatus());
  EXPECT_TRUE(health.Ready().ok());
}

TEST(HealthState, NamesFailingChecksSortedByName) {
  HealthState health;
  health.Set("redis", absl::UnavailableError("connection refused"));
  health.Set("kafka", absl::DeadlineExceededError("no broker reachable"));
  health.Set("partitions", absl::OkStatus());
  absl::Status ready = health.Ready();
  EXPECT_EQ(ready.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ready.message(), "kafka: no broker reachable; redis: connection refused");
  health.Set("kafka", absl::OkStatus());
  EXPECT_EQ(health.Ready().message(), "redis: connection refused");
  health.Set("redis", absl::OkStatus());
  EXPECT_TRUE(health.Ready().ok());
  health.Set("x", absl::Status(absl::StatusCode::kUnavailable, ""));
  EXPECT_EQ(health.Ready().message(), "x: UNAVAILABLE");  // never a blank reason
}

TEST(HealthState, StoppingWinsAndStays) {
  HealthState health;
  health.Set("kafka", absl::UnavailableError("down"));
  health.SetStopping();
  EXPECT_EQ(health.Ready(), absl::UnavailableError("stopping"));
  health.Set("kafka", absl::OkStatus());
  EXPECT_EQ(health.Ready(), absl::UnavailableError("stopping"));
}

TEST(HealthState, VersionBumpsOnlyWhenReadyChanges) {
  HealthState health;
  uint64_t v0 = health.version();
  health.Set("kafka", absl::OkStatus());  // still ready, same message
  EXPECT_EQ(health.version(), v0);
  health.Set("kafka", absl::UnavailableError("down"));
  uint64_t v1 = health.version();
  EXPECT_NE(v1, v0);
  health.Set("kafka", absl::UnavailableError("down"));  // the same again
  EXPECT_EQ(health.version(), v1);
  health.Set("kafka", absl::UnavailableError("down harder"));  // new message
  uint64_t v2 = health.version();
  EXPECT_NE(v2, v1);
  health.SetStopping();
  EXPECT_NE(health.version(), v2);
}

TEST(HealthState, WaitForChangeReturnsAtDeadlineOrOnChange) {
  HealthState health;
  uint64_t v = health.version();
  EXPECT_EQ(health.WaitForChange(v, absl::Now() + absl::Milliseconds(20)), v);  // nothing changed
  EXPECT_EQ(health.WaitForChange(v - 1, absl::InfiniteFuture()), v);            // already different

  absl::Notification waiting;
  uint64_t woke_with = v;
  std::thread waiter([&] {
    waiting.Notify();
    woke_with = health.WaitForChange(v, absl::Now() + absl::Seconds(30));
  });
  waiting.WaitForNotification();
  health.Set("redis", absl::UnavailableError("down"));
  waiter.join();
  EXPECT_NE(woke_with, v);
  EXPECT_EQ(woke_with, health.version());
}

// ---- gRPC health and reflection ------------------------------------------------------------

const std::string kRouting = csec::dispatch::v1::RoutingService::service_full_name();

class GrpcHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<GrpcServer> server = StartGrpcServer("127.0.0.1:0", {{kRouting, &routing_}}, &health_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::make_unique<GrpcServer>(std::move(*server));
    ASSERT_GT(server_->port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port), grpc::InsecureChannelCredentials());
    stub_ = Health::NewStub(channel_);
  }

  // Check(service): the status, or the gRPC error.
  absl::StatusOr<HealthCheckResponse::ServingStatus> Check(const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status status = stub_->Check(&context, request, &response);
    if (!status.ok()) return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
    return response.status();
  }

  HealthState health_;
  csec::dispatch::v1::RoutingService::Service routing_;  // every method UNIMPLEMENTED: enough here
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Health::Stub> stub_;
};

TEST_F(GrpcHealthTest, CheckFollowsHealthStateForServerAndEachService) {
  for (const std::string& name : {std::string(), kRouting}) {
    EXPECT_EQ(Check(name).value_or(HealthCheckResponse::UNKNOWN), HealthCheckResponse::SERVING) << name;
  }
  health_.Set("kafka", absl::UnavailableError("no broker reachable"));
  for (const std::string& name : {std::string(), kRouting}) {
    EXPECT_EQ(Check(name).value_or(HealthCheckResponse::UNKNOWN), HealthCheckResponse::NOT_SERVING) << name;
  }
  health_.Set("kafka", absl::OkStatus());
  EXPECT_EQ(Check("").value_or(HealthCheckResponse::UNKNOWN), HealthCheckResponse::SERVING);
  health_.SetStopping();
  EXPECT_EQ(Check("").value_or(HealthCheckResponse::UNKNOWN), HealthCheckResponse::NOT_SERVING);
}

TEST_F(GrpcHealthTest, UnknownServiceIsNotFound) {
  absl::StatusOr<HealthCheckResponse::ServingStatus> status = Check("csec.dispatch.v1.NoSuchService");
  EXPECT_EQ(status.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.status().message(), "unknown service csec.dispatch.v1.NoSuchService");
}

TEST_F(GrpcHealthTest, WatchSendsCurrentStatusThenEachChange) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  HealthCheckRequest request;
  request.set_service(kRouting);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> watch = stub_->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  health_.Set("redis", absl::UnavailableError("connection refused"));
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);

  // A different reason is the same NOT_SERVING: not sent again. Recovery is.
  health_.Set("redis", absl::UnavailableError("still refused"));
  health_.Set("redis", absl::OkStatus());
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  context.TryCancel();
  while (watch->Read(&response)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GrpcHealthTest, WatchOfUnknownServiceSaysServiceUnknown) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  HealthCheckRequest request;
  request.set_service("nope");
  auto watch = stub_->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  context.TryCancel();
  while (watch->Read(&response)) {
  }
  watch->Finish();
}

TEST_F(GrpcHealthTest, ShutdownEndsOpenWatchesAtOnce) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto watch = stub_->Watch(&context, HealthCheckRequest());
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  absl::Time start = absl::Now();
  server_->Shutdown(absl::Now() + absl::Seconds(20));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // not held until the deadline
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(watch->Read(&response));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcHealthTest, PlainServerShutdownWithDeadlineIsNotHeldByWatch) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto watch = stub_->Watch(&context, HealthCheckRequest());
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  absl::Time start = absl::Now();
  server_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));  // the deadline plus at most a Watch tick
  while (watch->Read(&response)) {
  }
  EXPECT_FALSE(watch->Finish().ok());
}

// Server reflection over the wire. Debian ships no reflection.grpc.pb.h, so the messages come
// from the descriptors libgrpc++_reflection registers, and the call is made the way a
// generated stub makes it.
class ReflectionClient {
 public:
  explicit ReflectionClient(const std::shared_ptr<grpc::Channel>& channel)
      : method_("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                grpc::internal::RpcMethod::BIDI_STREAMING, channel) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    stream_.reset(
        grpc::internal::ClientReaderWriterFactory<google::protobuf::Message, google::protobuf::Message>::Create(
            channel.get(), method_, &context_));
  }
  ~ReflectionClient() {
    stream_->WritesDone();
    stream_->Finish();
  }

  // One request in text format ("list_services: \"\""); the response, or null.
  std::unique_ptr<google::protobuf::Message> Ask(const std::string& request_text) {
    std::unique_ptr<google::protobuf::Message> request = New("grpc.reflection.v1alpha.ServerReflectionRequest");
    std::unique_ptr<google::protobuf::Message> response = New("grpc.reflection.v1alpha.ServerReflectionResponse");
    if (!request || !response) return nullptr;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(request_text, request.get()));
    if (!stream_->Write(*request) || !stream_->Read(response.get())) return nullptr;
    return response;
  }

 private:
  static std::unique_ptr<google::protobuf::Message> New(const std::string& type) {
    const google::protobuf::Descriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
    EXPECT_NE(descriptor, nullptr) << type << " not registered: is libgrpc++_reflection linked?";
    if (descriptor == nullptr) return nullptr;
    return std::unique_ptr<google::protobuf::Message>(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  }

  grpc::ClientContext context_;
  grpc::internal::RpcMethod method_;
  std::unique_ptr<grpc::ClientReaderWriter<google::protobuf::Message, google::protobuf::Message>> stream_;
};

TEST_F(GrpcHealthTest, ReflectionListsAndDescribesTheHealthService) {
  ReflectionClient reflection(channel_);
  std::unique_ptr<google::protobuf::Message> listed = reflection.Ask("list_services: \"\"");
  ASSERT_NE(listed, nullptr);
  std::vector<std::string> names;
  const google::protobuf::Message& list =
      listed->GetReflection()->GetMessage(*listed, listed->GetDescriptor()->FindFieldByName("list_services_response"));
  const google::protobuf::FieldDescriptor* service_field = list.GetDescriptor()->FindFieldByName("service");
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field); ++i) {
    const google::protobuf::Message& service = list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    names.push_back(service.GetReflection()->GetString(service, service.GetDescriptor()->FindFieldByName("name")));
  }
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(names, Contains(kRouting));

  // grpcurl then asks for the file defining the symbol; it must be there, not an error.
  std::unique_ptr<google::protobuf::Message> file = reflection.Ask("file_containing_symbol: \"grpc.health.v1.Health\"");
  ASSERT_NE(file, nullptr);
  const google::protobuf::FieldDescriptor* files_field =
      file->GetDescriptor()->FindFieldByName("file_descriptor_response");
  ASSERT_TRUE(file->GetReflection()->HasField(*file, files_field)) << file->DebugString();
  const google::protobuf::Message& files = file->GetReflection()->GetMessage(*file, files_field);
  const google::protobuf::FieldDescriptor* protos = files.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  ASSERT_GE(files.GetReflection()->FieldSize(files, protos), 1);
  google::protobuf::FileDescriptorProto proto;
  ASSERT_TRUE(proto.ParseFromString(files.GetReflection()->GetRepeatedString(files, protos, 0)));
  EXPECT_EQ(proto.name(), "grpc/health/v1/health.proto");
  EXPECT_EQ(proto.package(), "grpc.health.v1");
  ASSERT_EQ(proto.service_size(), 1);
  EXPECT_EQ(proto.service(0).name(), "Health");
}

TEST(GrpcServer, NoHealthStateMeansServing) {
  absl::StatusOr<GrpcServer> server = StartGrpcServer("127.0.0.1:0", {}, nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(server->port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  HealthCheckResponse response;
  ASSERT_TRUE(stub->Check(&context, HealthCheckRequest(), &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
}

TEST(GrpcServer, StartErrorsSayWhy) {
  HealthState health;
  csec::dispatch::v1::RoutingService::Service routing;
  EXPECT_EQ(StartGrpcServer("127.0.0.1:0", {{"", &routing}}, &health).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StartGrpcServer("127.0.0.1:0", {{kRouting, nullptr}}, &health).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<GrpcServer> bad = StartGrpcServer("256.1.1.1:1", {}, &health);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(bad.status().message(), HasSubstr("256.1.1.1:1"));
}

TEST(GrpcServer, ToGrpcStatusKeepsCodeAndMessage) {
  grpc::Status status = ToGrpcStatus(absl::FailedPreconditionError("a proven adult"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "a proven adult");
}

TEST(Answer, RunsTheHandlerOnceAndMapsItsStatus) {
  grpc::ServerContext context;
  int runs = 0;
  grpc::Status answered = Answer(&context, "Acknowledge", [&](const RpcCall& call) -> absl::Status {
    ++runs;
    EXPECT_EQ(call.method(), "Acknowledge");
    return absl::InvalidArgumentError("case_id: required");
  });
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(answered.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(answered.error_message(), "case_id: required");
  EXPECT_TRUE(Answer(&context, "Acknowledge", [](const RpcCall&) { return absl::OkStatus(); }).ok());
}

TEST(Answer, ACallWithoutADeadlineWaitsAtMostTheLongestWait) {
  grpc::ServerContext context;  // the caller set no deadline
  (void)Answer(&context, "GetCase", [](const RpcCall& call) {
    const absl::Time deadline = call.Deadline(absl::Seconds(15));
    EXPECT_LE(deadline, absl::Now() + absl::Seconds(15));
    EXPECT_GT(deadline, absl::Now() + absl::Seconds(14));
    return absl::OkStatus();
  });
}

}  // namespace
}  // namespace csec
