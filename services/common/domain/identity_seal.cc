#include "services/common/domain/identity_seal.h"

#include <memory>

#include <openssl/evp.h>

#include "services/common/base/ids.h"

namespace csec {
namespace {

constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(absl::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

absl::StatusOr<csec::dispatch::v1::SealedIdentity> SealIdentity(const csec::dispatch::v1::YouthIdentity& identity,
                                                                absl::string_view key, absl::string_view key_id) {
  if (key.size() != kCaseKeyBytes) return absl::InvalidArgumentError("case key must be 32 bytes");
  const std::string plain = identity.SerializeAsString();
  const std::string nonce = RandomBytes(kNonceBytes);
  // The key id is authenticated too, so a ciphertext cannot be passed off under another case.
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string out(plain.size() + kTagBytes, '\0');
  int len = 0, total = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(key_id), static_cast<int>(key_id.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), dst, &len, Bytes(plain), static_cast<int>(plain.size())) != 1) {
    return absl::InternalError("identity seal: encryption failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), dst + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + total + len) != 1) {
    return absl::InternalError("identity seal: encryption failed");
  }
  total += len;
  out.resize(static_cast<size_t>(total) + kTagBytes);
  csec::dispatch::v1::SealedIdentity sealed;
  sealed.set_key_id(std::string(key_id));
  sealed.set_nonce(nonce);
  sealed.set_ciphertext(std::move(out));
  return sealed;
}

absl::StatusOr<csec::dispatch::v1::YouthIdentity> OpenIdentity(const csec::dispatch::v1::SealedIdentity& sealed,
                                                               absl::string_view key) {
  if (key.size() != kCaseKeyBytes) return absl::InvalidArgumentError("case key must be 32 bytes");
  const std::string& in = sealed.ciphertext();
  if (in.size() < kTagBytes || sealed.nonce().size() != kNonceBytes) {
    return absl::DataLossError("sealed identity is truncated");
  }
  const size_t body = in.size() - kTagBytes;
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  std::string plain(body, '\0');
  int len = 0;
  auto* dst = reinterpret_cast<unsigned char*>(plain.data());
  std::string tag = in.substr(body);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), Bytes(sealed.nonce())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(sealed.key_id()), static_cast<int>(sealed.key_id().size())) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), dst, &len, Bytes(in), static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), dst + len, &len) != 1) {
    return absl::PermissionDeniedError("sealed identity does not open with this key");
  }
  csec::dispatch::v1::YouthIdentity identity;
  if (!identity.ParseFromString(plain)) return absl::DataLossError("sealed identity is not a YouthIdentity");
  return identity;
}

}  // namespace csec
