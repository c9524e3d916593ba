// Tests of kyoso_crypto: Ed25519 signatures (including RFC 8032's first test vector),
// hex and base64, the canonical signing payloads, and the encrypted wallet keystore.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/encoding.h"
#include "kyoso/crypto/keystore.h"
#include "kyoso/crypto/signing.h"

namespace kyoso::crypto {
namespace {

// RFC 8032 section 7.1, TEST 1: an empty message.
constexpr char kRfcSecretHex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfcPublicHex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kRfcSignatureHex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
    "b46bd25bf5f0595bbe24655141438e7a100b";

// Small scrypt cost, so keystore tests take milliseconds rather than seconds.
constexpr KeystoreParams kFastParams{1 << 10, 8, 1};

std::string Hex(std::string_view hex) {
  std::optional<std::string> bytes = FromHex(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  return bytes.value_or("");
}

std::string FlipBit(std::string bytes, size_t index, int bit) {
  bytes[index] = static_cast<char>(bytes[index] ^ (1 << bit));
  return bytes;
}

KeyPair MustGenerate() {
  std::optional<KeyPair> pair = GenerateKeyPair();
  EXPECT_TRUE(pair.has_value());
  return pair.value_or(KeyPair{});
}

// ---- Ed25519 ----

TEST(Ed25519Test, SignVerifyRoundTrip) {
  const KeyPair pair = MustGenerate();
  ASSERT_EQ(pair.private_key.size(), kPrivateKeySize);
  ASSERT_EQ(pair.public_key.size(), kPublicKeySize);
  const std::string message = "pay res:bob 12.50 KYO";
  const std::optional<std::string> signature = Sign(pair.private_key, message);
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(signature->size(), kSignatureSize);
  EXPECT_TRUE(Verify(pair.public_key, message, *signature));
}

TEST(Ed25519Test, SigningIsDeterministic) {
  const KeyPair pair = MustGenerate();
  EXPECT_EQ(Sign(pair.private_key, "m"), Sign(pair.private_key, "m"));
}

TEST(Ed25519Test, GeneratedKeysDiffer) {
  EXPECT_NE(MustGenerate().private_key, MustGenerate().private_key);
}

TEST(Ed25519Test, VerifyFailsOnFlippedMessageBit) {
  const KeyPair pair = MustGenerate();
  const std::string message = "pay res:bob 12.50 KYO";
  const std::string signature = Sign(pair.private_key, message).value();
  for (size_t i = 0; i < message.size(); ++i) {
    EXPECT_FALSE(Verify(pair.public_key, FlipBit(message, i, i % 8), signature)) << i;
  }
}

TEST(Ed25519Test, VerifyFailsOnFlippedSignatureBit) {
  const KeyPair pair = MustGenerate();
  const std::string signature = Sign(pair.private_key, "message").value();
  for (size_t i = 0; i < signature.size(); ++i) {
    EXPECT_FALSE(Verify(pair.public_key, "message", FlipBit(signature, i, i % 8))) << i;
  }
}

TEST(Ed25519Test, VerifyFailsWithWrongKey) {
  const KeyPair signer = MustGenerate();
  const KeyPair other = MustGenerate();
  const std::string signature = Sign(signer.private_key, "message").value();
  EXPECT_FALSE(Verify(other.public_key, "message", signature));
  EXPECT_FALSE(Verify(FlipBit(signer.public_key, 0, 0), "message", signature));
}

TEST(Ed25519Test, WrongSizesAreRejectedNotCrashed) {
  const KeyPair pair = MustGenerate();
  const std::string signature = Sign(pair.private_key, "message").value();
  for (size_t size : {0, 1, 31, 33, 63, 64, 65, 128}) {
    const std::string junk(size, '\x5a');
    if (size != kPublicKeySize) {
      EXPECT_FALSE(Verify(junk, "message", signature)) << size;
    }
    if (size != kSignatureSize) {
      EXPECT_FALSE(Verify(pair.public_key, "message", junk)) << size;
    }
    if (size != kPrivateKeySize) {
      EXPECT_FALSE(Sign(junk, "message").has_value()) << size;
      EXPECT_FALSE(PublicKeyOf(junk).has_value()) << size;
    }
  }
  // A signature one byte short or long of a valid one, as in a truncated wire field.
  EXPECT_FALSE(Verify(pair.public_key, "message", signature.substr(0, 63)));
  EXPECT_FALSE(Verify(pair.public_key, "message", signature + '\0'));
  EXPECT_FALSE(Verify("", "", ""));
}

TEST(Ed25519Test, PublicKeyOfMatchesGenerateKeyPair) {
  const KeyPair pair = MustGenerate();
  EXPECT_EQ(PublicKeyOf(pair.private_key), pair.public_key);
}

TEST(Ed25519Test, Rfc8032TestVector1) {
  const std::string secret = Hex(kRfcSecretHex);
  EXPECT_EQ(PublicKeyOf(secret), Hex(kRfcPublicHex));
  const std::optional<std::string> signature = Sign(secret, "");
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(ToHex(*signature), kRfcSignatureHex);
  EXPECT_TRUE(Verify(Hex(kRfcPublicHex), "", *signature));
  EXPECT_FALSE(Verify(Hex(kRfcPublicHex), "x", *signature));
}

// ---- Hex and base64 ----

TEST(EncodingTest, HexRoundTripsAllBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::string hex = ToHex(all);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
  EXPECT_EQ(FromHex(hex), all);
  EXPECT_EQ(ToHex(""), "");
  EXPECT_EQ(FromHex(""), "");
}

TEST(EncodingTest, HexAcceptsEitherCase) {
  EXPECT_EQ(FromHex("ABcdEf"), std::string("\xab\xcd\xef"));
  EXPECT_EQ(ToHex("\xab\xcd\xef"), "abcdef");
}

TEST(EncodingTest, HexRejectsOddLengthAndBadCharacters) {
  for (std::string_view bad : {"a", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1", "zz"}) {
    EXPECT_FALSE(FromHex(bad).has_value()) << bad;
  }
  EXPECT_FALSE(FromHex(std::string_view("0\0", 2)).has_value());
}

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(ToBase64(bytes), text);
    EXPECT_EQ(FromBase64(text), bytes);
  }
}

TEST(EncodingTest, Base64RoundTripsAllBytesAndLengths) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(255 - i));
  for (size_t size = 0; size <= all.size(); ++size) {
    const std::string bytes = all.substr(0, size);
    EXPECT_EQ(FromBase64(ToBase64(bytes)), bytes) << size;
  }
  EXPECT_EQ(ToBase64("\xfb\xff"), "+/8=");
}

TEST(EncodingTest, Base64RejectsMalformedText) {
  for (std::string_view bad :
       {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zm9v\n", " Zm9v", "Zm9v-_==",
        "Zh==",  // Unused bits set: "Zg==" is the only form of "f".
        "Zm9=",  // Likewise for "fo" ("Zm8=").
        "Zg===", "Zm9vY"}) {
    EXPECT_FALSE(FromBase64(bad).has_value()) << bad;
  }
}

// ---- Signing payloads ----

SignedTransfer SampleTransfer() {
  SignedTransfer t;
  t.kind = "payment";
  t.transfer_id = "0123456789abcdef0123456789abcdef";
  t.from = "res:alice";
  t.to = "mer:bakery";
  t.amount_minor = 1250;
  t.currency = "KYO";
  t.program = "base";
  t.ref = "";
  t.memo = "bread";
  t.terminal = "term-7";
  t.not_after_ns = 1'700'000'000'000'000'000;
  return t;
}

// Each entry changes exactly one field of the sample.
std::vector<std::function<void(SignedTransfer&)>> SingleFieldChanges() {
  return {
      [](SignedTransfer& t) { t.kind = "hold"; },
      [](SignedTransfer& t) { t.transfer_id[31] = 'e'; },
      [](SignedTransfer& t) { t.from = "res:alicf"; },
      [](SignedTransfer& t) { t.to = "mer:bakerz"; },
      [](SignedTransfer& t) { t.amount_minor = 1251; },
      [](SignedTransfer& t) { t.amount_minor = -1250; },
      [](SignedTransfer& t) { t.currency = "KYP"; },
      [](SignedTransfer& t) { t.program = ""; },
      [](SignedTransfer& t) { t.ref = "00"; },
      [](SignedTransfer& t) { t.memo = "bread "; },
      [](SignedTransfer& t) { t.terminal = "term-8"; },
      [](SignedTransfer& t) { t.not_after_ns = 0; },
  };
}

TEST(SigningTest, TransferPayloadIsStable) {
  EXPECT_EQ(TransferSigningPayload(SampleTransfer()), TransferSigningPayload(SampleTransfer()));
}

TEST(SigningTest, TransferPayloadChangesWithEveryField) {
  const std::string original = TransferSigningPayload(SampleTransfer());
  const auto changes = SingleFieldChanges();
  std::vector<std::string> payloads = {original};
  for (size_t i = 0; i < changes.size(); ++i) {
    SignedTransfer changed = SampleTransfer();
    changes[i](changed);
    payloads.push_back(TransferSigningPayload(changed));
    EXPECT_NE(payloads.back(), original) << "change " << i;
  }
  // Also pairwise distinct, so no two different edits collide.
  std::sort(payloads.begin(), payloads.end());
  EXPECT_EQ(std::adjacent_find(payloads.begin(), payloads.end()), payloads.end());
}

TEST(SigningTest, TransferPayloadSeparatesAdjacentStrings) {
  // Every pair of adjacent string fields, with one character moved across the boundary.
  const std::vector<std::string SignedTransfer::*> strings = {
      &SignedTransfer::kind, &SignedTransfer::transfer_id, &SignedTransfer::from,
      &SignedTransfer::to,   &SignedTransfer::currency,    &SignedTransfer::program,
      &SignedTransfer::ref,  &SignedTransfer::memo,        &SignedTransfer::terminal};
  for (size_t i = 0; i + 1 < strings.size(); ++i) {
    SignedTransfer left;
    left.*strings[i] = "ab";
    left.*strings[i + 1] = "c";
    SignedTransfer right;
    right.*strings[i] = "a";
    right.*strings[i + 1] = "bc";
    EXPECT_NE(TransferSigningPayload(left), TransferSigningPayload(right)) << i;
  }
}

TEST(SigningTest, TransferPayloadExactBytes) {
  // The layout is a durable format: pin it byte for byte.
  SignedTransfer t;
  t.kind = "payment";
  t.from = "a";
  t.amount_minor = -2;
  t.not_after_ns = 258;
  std::string expected("KYOSO-TRANSFER\x01", 15);
  expected += std::string("\0\0\0\x07payment", 11);  // kind
  expected += std::string("\0\0\0\0", 4);            // transfer_id
  expected += std::string(
      "\0\0\0\x01"
      "a",
      5);                                                          // from
  expected += std::string("\0\0\0\0", 4);                          // to
  expected += std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8);  // amount_minor
  expected += std::string(5 * 4, '\0');                            // currency .. terminal
  expected += std::string("\0\0\0\0\0\0\x01\x02", 8);              // not_after_ns
  EXPECT_EQ(ToHex(TransferSigningPayload(t)), ToHex(expected));
}

TEST(SigningTest, ConsentPayloadExactBytes) {
  std::string expected("KYOSO-CONSENT\x01", 14);
  expected += std::string("\0\0\0\x03res\x01", 8);
  expected += std::string("\0\0\0\0\0\0\0\x05", 8);
  EXPECT_EQ(ToHex(ConsentSigningPayload("res", true, 5)), ToHex(expected));
}

TEST(SigningTest, ConsentPayloadChangesWithEveryField) {
  const std::string original = ConsentSigningPayload("res:alice", true, 100);
  EXPECT_NE(ConsentSigningPayload("res:alicf", true, 100), original);
  EXPECT_NE(ConsentSigningPayload("res:alice", false, 100), original);
  EXPECT_NE(ConsentSigningPayload("res:alice", true, 101), original);
}

TEST(SigningTest, PayloadKindsCannotCollide) {
  // The domain tags differ, so a consent signature can never pass as a transfer's.
  EXPECT_NE(TransferSigningPayload(SignedTransfer{}).substr(0, 14),
            ConsentSigningPayload("", false, 0).substr(0, 14));
}

// ---- Keystore ----

// A fresh directory under the system temp directory, named with the pid so parallel test
// runs do not collide, and removed at the end of each test.
class KeystoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("kyoso_crypto_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    pair_ = MustGenerate();
    keystore_ = Keystore{"res:alice", pair_.public_key, pair_.private_key};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string PathOf(std::string_view name) const { return (dir_ / name).string(); }

  // Writes a valid keystore at name and returns its path.
  std::string WriteValid(std::string_view name = "alice.keystore") {
    const std::string path = PathOf(name);
    EXPECT_EQ(WriteKeystore(path, keystore_, "correct horse", kFastParams), KeystoreError::kNone);
    return path;
  }

  static std::string ReadText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static void WriteText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }

  // Replaces the value on the line for key; fails the test if there is no such line.
  static void EditLine(const std::string& path, std::string_view key, std::string_view value) {
    std::string text = ReadText(path);
    const std::string prefix = std::string(key) + " = ";
    const size_t start = text.find(prefix);
    ASSERT_NE(start, std::string::npos) << key;
    const size_t end = text.find('\n', start);
    text.replace(start + prefix.size(), end - start - prefix.size(), value);
    WriteText(path, text);
  }

  std::filesystem::path dir_;
  KeyPair pair_;
  Keystore keystore_;
};

TEST_F(KeystoreTest, RoundTrip) {
  const std::string path = WriteValid();
  Keystore read;
  ASSERT_EQ(ReadKeystore(path, "correct horse", &read), KeystoreError::kNone);
  EXPECT_EQ(read.account, "res:alice");
  EXPECT_EQ(read.public_key, pair_.public_key);
  EXPECT_EQ(read.private_key, pair_.private_key);
  // The key read back still signs for the public key.
  EXPECT_TRUE(Verify(read.public_key, "m", Sign(read.private_key, "m").value()));
}

TEST_F(KeystoreTest, FileIsTextWithExpectedFields) {
  const std::string text = ReadText(WriteValid());
  EXPECT_EQ(text.rfind("format = kyoso-keystore-1\naccount = res:alice\n", 0), 0u) << text;
  EXPECT_NE(text.find("public_key = " + ToHex(pair_.public_key) + "\n"), std::string::npos);
  EXPECT_NE(text.find("kdf = scrypt\nscrypt_n = 1024\nscrypt_r = 8\nscrypt_p = 1\n"),
            std::string::npos);
  // The private key must not appear in the clear, in either encoding.
  EXPECT_EQ(text.find(ToHex(pair_.private_key)), std::string::npos);
  EXPECT_EQ(text.find(pair_.private_key), std::string::npos);
}

TEST_F(KeystoreTest, EmptyPassphraseRoundTrips) {
  const std::string path = PathOf("empty");
  ASSERT_EQ(WriteKeystore(path, keystore_, "", kFastParams), KeystoreError::kNone);
  Keystore read;
  EXPECT_EQ(ReadKeystore(path, "", &read), KeystoreError::kNone);
  EXPECT_EQ(ReadKeystore(path, " ", &read), KeystoreError::kWrongPassphrase);
}

TEST_F(KeystoreTest, WrongPassphrase) {
  const std::string path = WriteValid();
  Keystore read{"untouched", "", ""};
  EXPECT_EQ(ReadKeystore(path, "correct horsf", &read), KeystoreError::kWrongPassphrase);
  EXPECT_EQ(ReadKeystore(path, "", &read), KeystoreError::kWrongPassphrase);
  EXPECT_EQ(read.account, "untouched");
  EXPECT_TRUE(read.private_key.empty());
}

TEST_F(KeystoreTest, TamperedAccountIsNotReadable) {
  const std::string path = WriteValid();
  EditLine(path, "account", "res:mallory");
  Keystore read;
  const KeystoreError error = ReadKeystore(path, "correct horse", &read);
  EXPECT_TRUE(error == KeystoreError::kWrongPassphrase || error == KeystoreError::kMalformed)
      << KeystoreErrorMessage(error);
}

TEST_F(KeystoreTest, TamperedPublicKeyIsNotReadable) {
  const std::string path = WriteValid();
  EditLine(path, "public_key", ToHex(MustGenerate().public_key));
  Keystore read;
  EXPECT_EQ(ReadKeystore(path, "correct horse", &read), KeystoreError::kWrongPassphrase);
}

TEST_F(KeystoreTest, TamperedCiphertextSaltOrParamsIsNotReadable) {
  const std::vector<std::pair<std::string_view, std::string>> edits = {
      {"ciphertext", std::string(64, '0')},
      {"salt", std::string(32, '0')},
      {"nonce", std::string(24, '0')},
      {"tag", std::string(32, '0')},
      {"scrypt_n", "2048"},
  };
  for (const auto& [key, value] : edits) {
    const std::string path = WriteValid(key);
    EditLine(path, key, value);
    Keystore read;
    EXPECT_EQ(ReadKeystore(path, "correct horse", &read), KeystoreError::kWrongPassphrase) << key;
  }
}

TEST_F(KeystoreTest, FileModeIsExactly0600) {
  const mode_t old_umask = umask(0);  // Even a permissive umask must not widen the mode.
  const std::string path = WriteValid();
  umask(old_umask);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST_F(KeystoreTest, CreatesMissingParentDirectoriesPrivate) {
  const std::string path = PathOf("wallet/keys/alice.keystore");
  ASSERT_EQ(WriteKeystore(path, keystore_, "pw", kFastParams), KeystoreError::kNone);
  for (const char* dir : {"wallet", "wallet/keys"}) {
    struct stat info {};
    ASSERT_EQ(stat(PathOf(dir).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0700u) << dir;
  }
}

TEST_F(KeystoreTest, RefusesToOverwrite) {
  const std::string path = WriteValid();
  const std::string before = ReadText(path);
  const KeyPair other = MustGenerate();
  const Keystore replacement{"res:bob", other.public_key, other.private_key};
  EXPECT_EQ(WriteKeystore(path, replacement, "x", kFastParams), KeystoreError::kExists);
  EXPECT_EQ(ReadText(path), before);
}

TEST_F(KeystoreTest, RefusesToWriteThroughSymlink) {
  const std::string target = PathOf("target");
  const std::string link = PathOf("link");
  std::filesystem::create_symlink(target, link);
  EXPECT_EQ(WriteKeystore(link, keystore_, "pw", kFastParams), KeystoreError::kExists);
  EXPECT_FALSE(std::filesystem::exists(target));
}

TEST_F(KeystoreTest, RejectsInvalidInputBeforeWriting) {
  const KeyPair other = MustGenerate();
  const std::vector<std::pair<Keystore, KeystoreParams>> cases = {
      {Keystore{"res:alice", other.public_key, pair_.private_key}, kFastParams},  // Mismatch.
      {Keystore{"res:alice", pair_.public_key, "short"}, kFastParams},
      {Keystore{"", pair_.public_key, pair_.private_key}, kFastParams},
      {Keystore{"res:al\nice", pair_.public_key, pair_.private_key}, kFastParams},
      {keystore_, KeystoreParams{1000, 8, 1}},
      {keystore_, KeystoreParams{1 << 21, 8, 1}},
      {keystore_, KeystoreParams{1 << 10, 17, 1}},
      {keystore_, KeystoreParams{1 << 10, 8, 5}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = PathOf("invalid" + std::to_string(i));
    EXPECT_EQ(WriteKeystore(path, cases[i].first, "pw", cases[i].second), KeystoreError::kMalformed)
        << i;
    EXPECT_FALSE(std::filesystem::exists(path)) << i;
  }
}

TEST_F(KeystoreTest, MissingFileIsNotFound) {
  Keystore read;
  EXPECT_EQ(ReadKeystore(PathOf("absent"), "pw", &read), KeystoreError::kNotFound);
  EXPECT_EQ(ReadKeystorePublic(PathOf("absent"), &read), KeystoreError::kNotFound);
}

TEST_F(KeystoreTest, TruncatedOrGarbageFileIsMalformed) {
  const std::string valid = ReadText(WriteValid());
  std::vector<std::string> bad = {
      "",
      "garbage",
      std::string(1000, '\xff'),
      std::string(100'000, 'a'),           // Over the size cap.
      valid.substr(0, valid.size() - 1),   // Final newline lost.
      valid.substr(0, valid.size() - 10),  // Tag cut short.
      valid.substr(0, valid.size() / 2),
      valid + valid,          // Every key twice.
      valid + "extra = 1\n",  // Unknown key.
      "format = kyoso-keystore-2\n" + valid.substr(valid.find('\n') + 1),
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    const std::string path = PathOf("bad" + std::to_string(i));
    WriteText(path, bad[i]);
    Keystore read;
    EXPECT_EQ(ReadKeystore(path, "correct horse", &read), KeystoreError::kMalformed) << i;
    EXPECT_EQ(ReadKeystorePublic(path, &read), KeystoreError::kMalformed) << i;
  }
}

TEST_F(KeystoreTest, DirectoryIsMalformed) {
  Keystore read;
  EXPECT_EQ(ReadKeystore(dir_.string(), "pw", &read), KeystoreError::kMalformed);
}

TEST_F(KeystoreTest, HostileScryptParametersAreRejectedQuickly) {
  const std::vector<std::pair<std::string_view, std::string>> edits = {
      {"scrypt_n", "1099511627776"},  // 2^40.
      {"scrypt_n", "2097152"},        // 2^21.
      {"scrypt_n", "1000"},           // Not a power of two.
      {"scrypt_n", "0"},
      {"scrypt_n", "1"},
      {"scrypt_n", "-1024"},
      {"scrypt_n", "+1024"},
      {"scrypt_n", "99999999999999999999999"},  // Overflows uint64_t.
      {"scrypt_n", ""},
      {"scrypt_r", "17"},
      {"scrypt_r", "0"},
      {"scrypt_p", "5"},
      {"scrypt_p", "0"},
  };
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [key, value] : edits) {
    const std::string path = WriteValid(std::string(key) + "_" + value);
    EditLine(path, key, value);
    Keystore read;
    EXPECT_EQ(ReadKeystore(path, "correct horse", &read), KeystoreError::kMalformed)
        << key << " = " << value;
  }
  // Rejection happens before any derivation; generous, for sanitizer builds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(KeystoreTest, ReadPublicNeedsNoPassphrase) {
  const std::string path = WriteValid();
  Keystore read;
  ASSERT_EQ(ReadKeystorePublic(path, &read), KeystoreError::kNone);
  EXPECT_EQ(read.account, "res:alice");
  EXPECT_EQ(read.public_key, pair_.public_key);
  EXPECT_TRUE(read.private_key.empty());
}

TEST(KeystoreErrorTest, EveryErrorHasAMessage) {
  for (KeystoreError e :
       {KeystoreError::kNone, KeystoreError::kNotFound, KeystoreError::kExists,
        KeystoreError::kMalformed, KeystoreError::kWrongPassphrase, KeystoreError::kIo}) {
    const std::string_view message = KeystoreErrorMessage(e);
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.back(), '.');
  }
}

}  // namespace
}  // namespace kyoso::crypto
