// The wallet keystore: one resident's Ed25519 private key, encrypted under a passphrase,
// in a small text file.
//
// The private key is encrypted with AES-256-GCM under a key derived from the passphrase
// by scrypt, with a random salt and nonce per file. The account id and public key are
// stored in the clear, so a wallet can show whose key a file holds without asking for the
// passphrase, and are authenticated as GCM additional data, so editing them makes
// decryption fail. The file is written once, with mode 0600, and never overwritten.
//
// The functions keep no state; they are safe to call from any number of threads at once.
// Two concurrent writes to the same path leave one file: one succeeds, the other gets
// kExists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kyoso::crypto {

// scrypt's cost parameters (RFC 7914). The defaults cost about 32 MiB and a fraction of
// a second per derivation. Both WriteKeystore and ReadKeystore accept only n a power of
// two in [2, 2^20], r in [1, 16], p in [1, 4], and at most the memory n = 2^20, r = 8,
// p = 4 needs (about 1 GiB), so a hostile file cannot make a wallet exhaust memory.
struct KeystoreParams {
  uint64_t scrypt_n = 1 << 15;
  uint64_t scrypt_r = 8;
  uint64_t scrypt_p = 1;
};

// The contents of a keystore: raw 32-byte keys (see ed25519.h). The caller owns
// private_key and should wipe it (OPENSSL_cleanse) when done with it.
struct Keystore {
  std::string account;
  std::string public_key;
  std::string private_key;
};

enum class KeystoreError {
  kNone,             // Success.
  kNotFound,         // No file at the path.
  kExists,           // WriteKeystore: a file already exists at the path.
  kMalformed,        // Not a valid keystore file, or invalid keys or parameters to write.
  kWrongPassphrase,  // The GCM tag did not verify: wrong passphrase, or the file was edited.
  kIo,               // The operating system or OpenSSL failed.
};

// A sentence for the user saying what went wrong and what to do about it.
[[nodiscard]] std::string_view KeystoreErrorMessage(KeystoreError e);

// Writes a new keystore file with mode 0600. The file is created with
// open(O_CREAT | O_EXCL, 0600), so it is never world-readable even briefly, and an
// existing file is never overwritten (kExists). Missing parent directories are created
// with mode 0700. Returns kMalformed, before touching the disk, if the account is empty,
// longer than 256 bytes or holds a control character, if the keys are malformed or do not
// belong together, or if params are outside the bounds above. On kIo no partial file is
// left behind.
[[nodiscard]] KeystoreError WriteKeystore(const std::string& path, const Keystore& keystore,
                                          std::string_view passphrase,
                                          const KeystoreParams& params = {});

// Reads and decrypts the keystore at path into *out; *out is unchanged unless kNone.
// Returns kNotFound if there is no file, kMalformed for bad contents (including scrypt
// parameters outside the bounds above, rejected before any derivation), kWrongPassphrase
// when the GCM tag does not verify, and kMalformed if the decrypted private key's public
// key differs from the file's public_key.
[[nodiscard]] KeystoreError ReadKeystore(const std::string& path, std::string_view passphrase,
                                         Keystore* out);

// Reads only the public part (account, public key) without a passphrase; out->private_key
// is left empty. The whole file is still checked for well-formedness, but nothing is
// authenticated: treat the result as a label, not as proof.
[[nodiscard]] KeystoreError ReadKeystorePublic(const std::string& path, Keystore* out);

}  // namespace kyoso::crypto
