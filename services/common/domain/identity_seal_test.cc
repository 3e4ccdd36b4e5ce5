#include "services/common/domain/identity_seal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/base/ids.h"

namespace csec {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

csec::dispatch::v1::YouthIdentity SyntheticIdentity() {
  csec::dispatch::v1::YouthIdentity id;
  id.set_given_name("Synthetic");
  id.set_family_name("Youth-0001");
  id.set_birth_date("2011-02-03");
  return id;
}

TEST(IdentitySeal, OpensWithTheCaseKeyAndHidesTheFields) {
  const std::string key = RandomBytes(kCaseKeyBytes);
  auto sealed = SealIdentity(SyntheticIdentity(), key, "case-1");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_THAT(sealed->SerializeAsString(), Not(HasSubstr("Synthetic")));
  EXPECT_THAT(sealed->SerializeAsString(), Not(HasSubstr("2011-02-03")));
  auto opened = OpenIdentity(*sealed, key);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->given_name(), "Synthetic");
  EXPECT_EQ(opened->birth_date(), "2011-02-03");
}

TEST(IdentitySeal, RefusesAnotherKeyATamperedTextOrAnotherCase) {
  const std::string key = RandomBytes(kCaseKeyBytes);
  auto sealed = SealIdentity(SyntheticIdentity(), key, "case-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(OpenIdentity(*sealed, RandomBytes(kCaseKeyBytes)).status().code(), absl::StatusCode::kPermissionDenied);
  auto tampered = *sealed;
  tampered.mutable_ciphertext()->at(0) ^= 1;
  EXPECT_FALSE(OpenIdentity(tampered, key).ok());
  auto moved = *sealed;
  moved.set_key_id("case-2");
  EXPECT_FALSE(OpenIdentity(moved, key).ok());
  EXPECT_FALSE(SealIdentity(SyntheticIdentity(), "short", "case-1").ok());
}

}  // namespace
}  // namespace csec
