#include "services/common/base/ids.h"

#include <cstdlib>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace csec {
namespace {

std::string FormatUuid(unsigned char* b, int version) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | (version << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string hex = absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(b), 16));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                      hex.substr(20, 12));
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no randomness means no safe ids or keys: nothing sensible to go on with
  }
  return out;
}

std::string NewRandomId() {
  std::string bytes = RandomBytes(16);
  return FormatUuid(reinterpret_cast<unsigned char*>(bytes.data()), 4);
}

std::string DeriveId(absl::string_view purpose, absl::string_view input) {
  std::string material = absl::StrCat(purpose, "\n", input);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return FormatUuid(digest, 5);
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

}  // namespace csec
