// Ed25519 keys and signatures (RFC 8032), as used by wallets to sign transfers and by the
// node to verify them.
//
// Keys and signatures are raw bytes held in std::string: a private key is the 32-byte
// seed, a public key the 32-byte encoded point, a signature 64 bytes. Functions take any
// input without throwing or crashing; malformed input yields nullopt or false. Every
// function is stateless and safe to call from any number of threads at once.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kyoso::crypto {

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kPrivateKeySize = 32;  // The raw seed.
inline constexpr size_t kSignatureSize = 64;

// A private key and the public key that belongs to it. The caller owns the private key
// and should wipe it (OPENSSL_cleanse) when done with it.
struct KeyPair {
  std::string private_key;
  std::string public_key;
};

// Draws a fresh key pair from OpenSSL's generator. nullopt only if OpenSSL fails.
[[nodiscard]] std::optional<KeyPair> GenerateKeyPair();

// The public key of a raw 32-byte private key; nullopt if malformed.
[[nodiscard]] std::optional<std::string> PublicKeyOf(std::string_view private_key);

// Signs message; nullopt if the key is malformed. Ed25519 is deterministic: the same key
// and message always give the same signature.
[[nodiscard]] std::optional<std::string> Sign(std::string_view private_key,
                                              std::string_view message);

// True only for a valid 64-byte signature by public_key (32 bytes) over message. Never
// throws, never crashes on any input sizes.
[[nodiscard]] bool Verify(std::string_view public_key, std::string_view message,
                          std::string_view signature);

}  // namespace kyoso::crypto
