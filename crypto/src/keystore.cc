#include "kyoso/crypto/keystore.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/encoding.h"
#include "openssl_bytes.h"

namespace kyoso::crypto {
namespace {

constexpr std::string_view kFormat = "kyoso-keystore-1";
constexpr std::string_view kKdfScrypt = "scrypt";
// Domain tag and version of the GCM additional data, so it cannot be confused with any
// other byte string this code base authenticates.
constexpr std::string_view kAadTag = "KYOSO-KEYSTORE\x01";

constexpr size_t kSaltSize = 16;
constexpr size_t kNonceSize = 12;  // GCM's native nonce size; others are hashed first.
constexpr size_t kTagSize = 16;
constexpr size_t kDerivedKeySize = 32;  // AES-256.

// Bounds on scrypt's parameters. They are checked before any derivation, so a hostile
// file cannot make a wallet allocate gigabytes or spin for minutes.
constexpr uint64_t kScryptNMax = uint64_t{1} << 20;
constexpr uint64_t kScryptRMax = 16;
constexpr uint64_t kScryptPMax = 4;

// The bytes OpenSSL's scrypt allocates: B (128 * r * p) plus V, X and T (128 * r * (n + 2)).
// Only called on parameters within the bounds above, where this cannot overflow.
constexpr uint64_t ScryptMemoryBytes(uint64_t n, uint64_t r, uint64_t p) {
  return 128 * r * p + 128 * r * (n + 2);
}
// The most memory a derivation may use: what the strongest common setting, n = 2^20 and
// r = 8, needs at the largest p (about 1 GiB). Larger r must come with smaller n.
constexpr uint64_t kScryptMemoryMaxBytes = ScryptMemoryBytes(kScryptNMax, 8, kScryptPMax);

// A keystore file is under 1 KiB. The cap stops a wrong path (a log, /dev/zero) from
// being read whole into memory.
constexpr size_t kFileSizeMax = 64 * 1024;
// Generous next to the ledger's account id limit; the node enforces the real one, and
// this library does not depend on the ledger.
constexpr size_t kAccountSizeMax = 256;

constexpr std::string_view kKeyFormat = "format";
constexpr std::string_view kKeyAccount = "account";
constexpr std::string_view kKeyPublicKey = "public_key";
constexpr std::string_view kKeyKdf = "kdf";
constexpr std::string_view kKeyScryptN = "scrypt_n";
constexpr std::string_view kKeyScryptR = "scrypt_r";
constexpr std::string_view kKeyScryptP = "scrypt_p";
constexpr std::string_view kKeySalt = "salt";
constexpr std::string_view kKeyNonce = "nonce";
constexpr std::string_view kKeyCiphertext = "ciphertext";
constexpr std::string_view kKeyTag = "tag";
// Every key, in the order WriteKeystore writes them. A file must hold each exactly once.
constexpr std::array<std::string_view, 11> kAllKeys = {
    kKeyFormat,  kKeyAccount, kKeyPublicKey, kKeyKdf,        kKeyScryptN, kKeyScryptR,
    kKeyScryptP, kKeySalt,    kKeyNonce,     kKeyCiphertext, kKeyTag};
constexpr std::string_view kSeparator = " = ";

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// Key material that is wiped on every exit path.
class SecretBytes {
 public:
  explicit SecretBytes(size_t size) : bytes_(size, '\0') {}
  ~SecretBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  unsigned char* data() { return MutableBytes(bytes_); }
  const unsigned char* data() const { return Bytes(bytes_); }
  size_t size() const { return bytes_.size(); }
  std::string_view view() const { return bytes_; }

 private:
  std::string bytes_;
};

// A keystore file's contents, decoded: all byte fields raw, not hex.
struct KeystoreFile {
  std::string account;
  std::string public_key;
  KeystoreParams params;
  std::string salt;
  std::string nonce;
  std::string ciphertext;
  std::string tag;
};

// ---- Validation ----

bool ValidParams(const KeystoreParams& params) {
  const uint64_t n = params.scrypt_n;
  const uint64_t r = params.scrypt_r;
  const uint64_t p = params.scrypt_p;
  if (n < 2 || n > kScryptNMax || (n & (n - 1)) != 0) return false;
  if (r < 1 || r > kScryptRMax || p < 1 || p > kScryptPMax) return false;
  // RFC 7914 requires n < 2^(128 * r / 8); OpenSSL refuses otherwise.
  if (16 * r < 64 && n >= (uint64_t{1} << (16 * r))) return false;
  return ScryptMemoryBytes(n, r, p) <= kScryptMemoryMaxBytes;
}

bool ValidAccount(std::string_view account) {
  if (account.empty() || account.size() > kAccountSizeMax) return false;
  // Control characters could break the line format or mislead a terminal that shows it.
  for (char c : account) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

// ---- Cryptography ----

// The additional data GCM authenticates: the public fields, length-prefixed so their
// boundary cannot shift.
std::string AdditionalData(std::string_view account, std::string_view public_key) {
  std::string aad(kAadTag);
  for (std::string_view field : {account, public_key}) {
    const auto size = static_cast<uint32_t>(field.size());
    for (int shift = 24; shift >= 0; shift -= 8) aad.push_back(static_cast<char>(size >> shift));
    aad.append(field);
  }
  return aad;
}

bool DeriveKey(std::string_view passphrase, std::string_view salt, const KeystoreParams& params,
               SecretBytes* key) {
  assert(ValidParams(params));
  assert(key->size() == kDerivedKeySize);
  const uint64_t maxmem = ScryptMemoryBytes(params.scrypt_n, params.scrypt_r, params.scrypt_p);
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), Bytes(salt), salt.size(),
                     params.scrypt_n, params.scrypt_r, params.scrypt_p, maxmem, key->data(),
                     key->size()) != 1) {
    ERR_clear_error();
    return false;
  }
  return true;
}

// Sets up ctx for AES-256-GCM in the given direction (1 encrypt, 0 decrypt) and feeds it
// the additional data.
bool StartGcm(EVP_CIPHER_CTX* ctx, int encrypt, const SecretBytes& key, std::string_view nonce,
              std::string_view aad) {
  assert(nonce.size() == kNonceSize);
  int size = 0;
  return EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key.data(), Bytes(nonce), encrypt, nullptr) ==
             1 &&
         EVP_CipherUpdate(ctx, nullptr, &size, Bytes(aad), static_cast<int>(aad.size())) == 1;
}

// Encrypts plaintext; fills ciphertext and tag. False only if OpenSSL fails.
bool Encrypt(const SecretBytes& key, std::string_view nonce, std::string_view aad,
             std::string_view plaintext, std::string* ciphertext, std::string* tag) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  ciphertext->assign(plaintext.size(), '\0');
  tag->assign(kTagSize, '\0');
  unsigned char* out = MutableBytes(*ciphertext);
  int size = 0;
  int final_size = 0;
  const bool ok = ctx != nullptr && StartGcm(ctx.get(), 1, key, nonce, aad) &&
                  EVP_CipherUpdate(ctx.get(), out, &size, Bytes(plaintext),
                                   static_cast<int>(plaintext.size())) == 1 &&
                  EVP_CipherFinal_ex(ctx.get(), out + size, &final_size) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, tag->data()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

enum class DecryptResult { kOk, kBadTag, kError };

// Decrypts into plaintext, which is sized to the ciphertext. On kBadTag the caller must
// discard plaintext: it is unauthenticated.
DecryptResult Decrypt(const SecretBytes& key, const KeystoreFile& file, std::string_view aad,
                      SecretBytes* plaintext) {
  assert(plaintext->size() == file.ciphertext.size());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string tag = file.tag;  // EVP_CIPHER_CTX_ctrl wants a mutable pointer.
  int size = 0;
  const bool started =
      ctx != nullptr && StartGcm(ctx.get(), 0, key, file.nonce, aad) &&
      EVP_CipherUpdate(ctx.get(), plaintext->data(), &size, Bytes(file.ciphertext),
                       static_cast<int>(file.ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag.data()) == 1;
  if (!started) {
    ERR_clear_error();
    return DecryptResult::kError;
  }
  int final_size = 0;
  if (EVP_CipherFinal_ex(ctx.get(), plaintext->data() + size, &final_size) != 1) {
    ERR_clear_error();
    return DecryptResult::kBadTag;
  }
  assert(size + final_size == static_cast<int>(plaintext->size()));
  return DecryptResult::kOk;
}

// ---- The text format ----

std::string FormatFile(const KeystoreFile& file) {
  const std::map<std::string_view, std::string> values = {
      {kKeyFormat, std::string(kFormat)},
      {kKeyAccount, file.account},
      {kKeyPublicKey, ToHex(file.public_key)},
      {kKeyKdf, std::string(kKdfScrypt)},
      {kKeyScryptN, std::to_string(file.params.scrypt_n)},
      {kKeyScryptR, std::to_string(file.params.scrypt_r)},
      {kKeyScryptP, std::to_string(file.params.scrypt_p)},
      {kKeySalt, ToHex(file.salt)},
      {kKeyNonce, ToHex(file.nonce)},
      {kKeyCiphertext, ToHex(file.ciphertext)},
      {kKeyTag, ToHex(file.tag)},
  };
  std::string text;
  for (std::string_view key : kAllKeys) {
    text.append(key).append(kSeparator).append(values.at(key)).push_back('\n');
  }
  return text;
}

bool IsKnownKey(std::string_view key) {
  for (std::string_view known : kAllKeys) {
    if (key == known) return true;
  }
  return false;
}

// Splits "key = value" lines, each ending in '\n'. nullopt on any other line, an unknown
// or repeated key, or a missing key.
std::optional<std::map<std::string_view, std::string_view>> SplitLines(std::string_view text) {
  std::map<std::string_view, std::string_view> values;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) return std::nullopt;  // Truncated mid-line.
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const size_t separator = line.find(kSeparator);
    if (separator == std::string_view::npos) return std::nullopt;
    const std::string_view key = line.substr(0, separator);
    if (!IsKnownKey(key)) return std::nullopt;
    if (!values.emplace(key, line.substr(separator + kSeparator.size())).second) {
      return std::nullopt;
    }
  }
  if (values.size() != kAllKeys.size()) return std::nullopt;
  return values;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Decodes hex that must come to exactly size bytes.
bool ParseHex(std::string_view hex, size_t size, std::string* out) {
  std::optional<std::string> bytes = FromHex(hex);
  if (!bytes || bytes->size() != size) return false;
  *out = std::move(*bytes);
  return true;
}

bool ParseParams(const std::map<std::string_view, std::string_view>& values,
                 KeystoreParams* params) {
  const std::optional<uint64_t> n = ParseUint(values.at(kKeyScryptN));
  const std::optional<uint64_t> r = ParseUint(values.at(kKeyScryptR));
  const std::optional<uint64_t> p = ParseUint(values.at(kKeyScryptP));
  if (!n || !r || !p) return false;
  *params = KeystoreParams{*n, *r, *p};
  return ValidParams(*params);
}

std::optional<KeystoreFile> ParseFile(std::string_view text) {
  const auto values = SplitLines(text);
  if (!values) return std::nullopt;
  if (values->at(kKeyFormat) != kFormat || values->at(kKeyKdf) != kKdfScrypt) return std::nullopt;
  KeystoreFile file;
  file.account = std::string(values->at(kKeyAccount));
  const bool ok = ValidAccount(file.account) && ParseParams(*values, &file.params) &&
                  ParseHex(values->at(kKeyPublicKey), kPublicKeySize, &file.public_key) &&
                  ParseHex(values->at(kKeySalt), kSaltSize, &file.salt) &&
                  ParseHex(values->at(kKeyNonce), kNonceSize, &file.nonce) &&
                  ParseHex(values->at(kKeyCiphertext), kPrivateKeySize, &file.ciphertext) &&
                  ParseHex(values->at(kKeyTag), kTagSize, &file.tag);
  if (!ok) return std::nullopt;
  return file;
}

// ---- Files ----

// Closes a file descriptor on every exit path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  // Closes now, so the caller learns whether the close (which may flush) failed.
  bool Close() {
    const int fd = fd_;
    fd_ = -1;
    return close(fd) == 0;
  }

 private:
  int fd_;
};

// Creates each missing directory on the way to path's parent with mode 0700, so a new
// wallet directory is private from the start. Existing directories are left as they are.
bool EnsureParentDirectory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::filesystem::path prefix;
  for (const std::filesystem::path& part : parent) {
    prefix /= part;
    struct stat info {};
    if (stat(prefix.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) continue;
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return true;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Makes the new directory entry durable, so a crash cannot lose a key the user was told
// had been saved.
bool SyncParentDirectory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  FileDescriptor dir(open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return dir.get() >= 0 && fsync(dir.get()) == 0 && dir.Close();
}

KeystoreError CreateFile(const std::string& path, std::string_view contents) {
  if (!EnsureParentDirectory(path)) return KeystoreError::kIo;
  // O_EXCL refuses an existing file, and with O_CREAT also a symlink, so the key can
  // never be written through a link to somewhere else.
  FileDescriptor file(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (file.get() < 0) return errno == EEXIST ? KeystoreError::kExists : KeystoreError::kIo;
  // The umask can only remove bits from 0600; fchmod makes the mode exactly 0600.
  const bool ok = fchmod(file.get(), 0600) == 0 && WriteAll(file.get(), contents) &&
                  fsync(file.get()) == 0 && file.Close() && SyncParentDirectory(path);
  if (!ok) {
    unlink(path.c_str());  // The file is ours (O_EXCL), and a partial one is useless.
    return KeystoreError::kIo;
  }
  return KeystoreError::kNone;
}

KeystoreError ReadSmallFile(const std::string& path, std::string* contents) {
  FileDescriptor file(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) return errno == ENOENT ? KeystoreError::kNotFound : KeystoreError::kIo;
  struct stat info {};
  if (fstat(file.get(), &info) != 0) return KeystoreError::kIo;
  if (!S_ISREG(info.st_mode)) return KeystoreError::kMalformed;
  std::string buffer(kFileSizeMax + 1, '\0');
  size_t size = 0;
  while (size < buffer.size()) {
    const ssize_t got = read(file.get(), buffer.data() + size, buffer.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return KeystoreError::kIo;
    if (got == 0) break;
    size += static_cast<size_t>(got);
  }
  if (size > kFileSizeMax) return KeystoreError::kMalformed;
  buffer.resize(size);
  *contents = std::move(buffer);
  return KeystoreError::kNone;
}

KeystoreError ReadKeystoreFile(const std::string& path, KeystoreFile* file) {
  std::string text;
  const KeystoreError error = ReadSmallFile(path, &text);
  if (error != KeystoreError::kNone) return error;
  std::optional<KeystoreFile> parsed = ParseFile(text);
  if (!parsed) return KeystoreError::kMalformed;
  *file = std::move(*parsed);
  return KeystoreError::kNone;
}

// Checks what WriteKeystore is given, so it never writes a file ReadKeystore rejects.
bool ValidToWrite(const Keystore& keystore, const KeystoreParams& params) {
  if (!ValidAccount(keystore.account) || !ValidParams(params)) return false;
  if (keystore.public_key.size() != kPublicKeySize) return false;
  const std::optional<std::string> public_key = PublicKeyOf(keystore.private_key);
  return public_key && *public_key == keystore.public_key;
}

}  // namespace

std::string_view KeystoreErrorMessage(KeystoreError e) {
  switch (e) {
    case KeystoreError::kNone:
      return "The keystore operation succeeded.";
    case KeystoreError::kNotFound:
      return "No keystore file was found at that path; check the path, or create a key first.";
    case KeystoreError::kExists:
      return "A keystore file already exists at that path; choose another path, or move the "
             "old file away if you are sure it is no longer needed.";
    case KeystoreError::kMalformed:
      return "The keystore file is damaged or not a Kyoso keystore (or the key or parameters "
             "given were invalid); restore the file from your backup.";
    case KeystoreError::kWrongPassphrase:
      return "The passphrase is wrong, or the keystore file has been altered; try the "
             "passphrase again, or restore the file from your backup.";
    case KeystoreError::kIo:
      return "The keystore file could not be read or written; check the path, its "
             "permissions, free disk space and free memory, then try again.";
  }
  return "Unknown keystore error; this is a bug, please report it.";
}

KeystoreError WriteKeystore(const std::string& path, const Keystore& keystore,
                            std::string_view passphrase, const KeystoreParams& params) {
  if (!ValidToWrite(keystore, params)) return KeystoreError::kMalformed;
  KeystoreFile file{keystore.account,
                    keystore.public_key,
                    params,
                    std::string(kSaltSize, '\0'),
                    std::string(kNonceSize, '\0'),
                    {},
                    {}};
  if (RAND_bytes(MutableBytes(file.salt), kSaltSize) != 1 ||
      RAND_bytes(MutableBytes(file.nonce), kNonceSize) != 1) {
    ERR_clear_error();
    return KeystoreError::kIo;
  }
  SecretBytes key(kDerivedKeySize);
  if (!DeriveKey(passphrase, file.salt, params, &key) ||
      !Encrypt(key, file.nonce, AdditionalData(file.account, file.public_key), keystore.private_key,
               &file.ciphertext, &file.tag)) {
    return KeystoreError::kIo;
  }
  return CreateFile(path, FormatFile(file));
}

KeystoreError ReadKeystore(const std::string& path, std::string_view passphrase, Keystore* out) {
  KeystoreFile file;
  const KeystoreError error = ReadKeystoreFile(path, &file);
  if (error != KeystoreError::kNone) return error;
  SecretBytes key(kDerivedKeySize);
  if (!DeriveKey(passphrase, file.salt, file.params, &key)) return KeystoreError::kIo;
  SecretBytes private_key(file.ciphertext.size());
  switch (Decrypt(key, file, AdditionalData(file.account, file.public_key), &private_key)) {
    case DecryptResult::kOk:
      break;
    case DecryptResult::kBadTag:
      return KeystoreError::kWrongPassphrase;
    case DecryptResult::kError:
      return KeystoreError::kIo;
  }
  // The tag proves the file is as written, but not that its writer paired the keys
  // correctly; a key that signs for someone else's public key must not be handed out.
  const std::optional<std::string> public_key = PublicKeyOf(private_key.view());
  if (!public_key || *public_key != file.public_key) return KeystoreError::kMalformed;
  OPENSSL_cleanse(out->private_key.data(), out->private_key.size());  // About to be freed.
  *out = Keystore{std::move(file.account), std::move(file.public_key),
                  std::string(private_key.view())};
  return KeystoreError::kNone;
}

KeystoreError ReadKeystorePublic(const std::string& path, Keystore* out) {
  KeystoreFile file;
  const KeystoreError error = ReadKeystoreFile(path, &file);
  if (error != KeystoreError::kNone) return error;
  *out = Keystore{std::move(file.account), std::move(file.public_key), {}};
  return KeystoreError::kNone;
}

}  // namespace kyoso::crypto
