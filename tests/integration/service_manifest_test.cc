#include "tests/integration/service_manifest.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace csec::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ServiceManifest, ReadsNamesPortsAndConfigFiles) {
  absl::StatusOr<std::vector<ServiceEntry>> services =
      ParseServiceManifest("# comment\n\nintake  50051\npaging 50054   paging_config=deploy/config/paging.yaml\n");
  ASSERT_TRUE(services.ok()) << services.status();
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].name, "intake");
  EXPECT_EQ((*services)[0].grpc_port, 50051);
  EXPECT_TRUE((*services)[0].config_files.empty());
  EXPECT_THAT((*services)[1].ConfigArgs("/src"), ElementsAre("--paging_config=/src/deploy/config/paging.yaml"));
}

TEST(ServiceManifest, RefusesALineNamingTheLineAndTheProblem) {
  EXPECT_THAT(ParseServiceManifest("intake 50051\nrouting\n").status().message(), HasSubstr("line 2"));
  EXPECT_THAT(ParseServiceManifest("intake 99999\n").status().message(), HasSubstr("port from 1 to 65535"));
  EXPECT_THAT(ParseServiceManifest("paging 1 paging_config\n").status().message(), HasSubstr("is not flag=path"));
  EXPECT_FALSE(ParseServiceManifest("# nothing\n").ok());
}

// The shipped manifest: every service it lists has its folder and its config files exist.
TEST(ServiceManifest, TheRepositorysManifestMatchesTheTree) {
  absl::StatusOr<std::vector<ServiceEntry>> services = ReadServiceManifest(CSEC_SOURCE_DIR);
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_GE(services->size(), 5u);
  for (const ServiceEntry& s : *services) {
    EXPECT_TRUE(std::filesystem::exists(std::string(CSEC_SOURCE_DIR) + "/services/" + s.name + "/main.cc")) << s.name;
    for (const auto& [flag, path] : s.config_files) {
      EXPECT_TRUE(std::filesystem::exists(std::string(CSEC_SOURCE_DIR) + "/" + path)) << flag << "=" << path;
    }
  }
}

}  // namespace
}  // namespace csec::testing
