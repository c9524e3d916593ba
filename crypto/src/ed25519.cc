#include "kyoso/crypto/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cassert>
#include <memory>

#include "openssl_bytes.h"

namespace kyoso::crypto {
namespace {

// Owning handles, so every OpenSSL object is freed on every return path.
struct PkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// Failures here are answered with nullopt or false; OpenSSL's thread-local error queue
// must not keep them, or an unrelated caller on this thread could later report them.
template <typename T>
T Fail(T result) {
  ERR_clear_error();
  return result;
}

PkeyPtr LoadPrivateKey(std::string_view private_key) {
  if (private_key.size() != kPrivateKeySize) return nullptr;
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(private_key),
                                            private_key.size()));
  if (pkey == nullptr) ERR_clear_error();
  return pkey;
}

PkeyPtr LoadPublicKey(std::string_view public_key) {
  if (public_key.size() != kPublicKeySize) return nullptr;
  PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  if (pkey == nullptr) ERR_clear_error();
  return pkey;
}

std::optional<std::string> RawPublicKey(const EVP_PKEY* pkey) {
  std::string public_key(kPublicKeySize, '\0');
  size_t size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(pkey, MutableBytes(public_key), &size) != 1) {
    return Fail(std::optional<std::string>());
  }
  assert(size == kPublicKeySize);
  return public_key;
}

std::optional<std::string> RawPrivateKey(const EVP_PKEY* pkey) {
  std::string private_key(kPrivateKeySize, '\0');
  size_t size = private_key.size();
  if (EVP_PKEY_get_raw_private_key(pkey, MutableBytes(private_key), &size) != 1) {
    OPENSSL_cleanse(private_key.data(), private_key.size());
    return Fail(std::optional<std::string>());
  }
  assert(size == kPrivateKeySize);
  return private_key;
}

}  // namespace

std::optional<KeyPair> GenerateKeyPair() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1) return Fail(std::optional<KeyPair>());
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) return Fail(std::optional<KeyPair>());
  PkeyPtr pkey(raw);
  std::optional<std::string> private_key = RawPrivateKey(pkey.get());
  std::optional<std::string> public_key = RawPublicKey(pkey.get());
  if (!private_key || !public_key) {
    if (private_key) OPENSSL_cleanse(private_key->data(), private_key->size());
    return std::nullopt;
  }
  return KeyPair{std::move(*private_key), std::move(*public_key)};
}

std::optional<std::string> PublicKeyOf(std::string_view private_key) {
  PkeyPtr pkey = LoadPrivateKey(private_key);
  if (pkey == nullptr) return std::nullopt;
  return RawPublicKey(pkey.get());
}

std::optional<std::string> Sign(std::string_view private_key, std::string_view message) {
  PkeyPtr pkey = LoadPrivateKey(private_key);
  if (pkey == nullptr) return std::nullopt;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 hashes internally (PureEdDSA), so OpenSSL requires a NULL digest.
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return Fail(std::optional<std::string>());
  }
  std::string signature(kSignatureSize, '\0');
  size_t size = signature.size();
  if (EVP_DigestSign(ctx.get(), MutableBytes(signature), &size, Bytes(message), message.size()) !=
      1) {
    return Fail(std::optional<std::string>());
  }
  assert(size == kSignatureSize);
  return signature;
}

bool Verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  // Sizes are checked here, before OpenSSL sees the buffers, so no input length can make
  // it read past them.
  if (signature.size() != kSignatureSize) return false;
  PkeyPtr pkey = LoadPublicKey(public_key);
  if (pkey == nullptr) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return Fail(false);
  }
  // EVP_DigestVerify returns 1 for a good signature, 0 for a bad one and a negative
  // value on other errors; only 1 counts.
  if (EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                       message.size()) != 1) {
    return Fail(false);
  }
  return true;
}

}  // namespace kyoso::crypto
