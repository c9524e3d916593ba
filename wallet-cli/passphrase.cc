#include "wallet-cli/passphrase.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace kyoso::wallet {
namespace {

using cli::Failure;
using cli::kExitKeystore;
using cli::MakeFailure;

// Wipes a secret before its memory is released.
void Wipe(std::string* secret) {
  if (!secret->empty()) OPENSSL_cleanse(secret->data(), secret->size());
  secret->clear();
}

// A whole line from `fd`, without its end; nullopt on an error, or a line that is too
// long (then nothing that was read is kept).
std::optional<std::string> ReadLine(int fd) {
  std::string line;
  char ch = 0;
  for (;;) {
    ssize_t got = read(fd, &ch, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || ch == '\n') break;
    if (line.size() >= kPassphraseLengthMax) {
      Wipe(&line);
      return std::nullopt;
    }
    line += ch;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void WriteText(int fd, const std::string& text) {
  [[maybe_unused]] ssize_t written = write(fd, text.data(), text.size());
}

// Asks on the terminal `tty` with echo off, restoring the terminal's settings after.
std::optional<std::string> AskWithoutEcho(int tty, const std::string& prompt) {
  WriteText(tty, prompt);
  termios saved{};
  bool restore = tcgetattr(tty, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::optional<std::string> line = ReadLine(tty);
  if (restore) tcsetattr(tty, TCSAFLUSH, &saved);
  WriteText(tty, "\n");
  return line;
}

std::optional<std::string> FromFile(const std::string& path, Failure* failure) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *failure = MakeFailure(kExitKeystore,
                           "cannot read the passphrase file " + path + ": " + std::strerror(errno));
    return std::nullopt;
  }
  // The first line is the passphrase, so a file written with `echo` works as expected.
  std::optional<std::string> line = ReadLine(fd);
  close(fd);
  if (!line || line->empty()) {
    *failure = MakeFailure(kExitKeystore, "the passphrase file " + path +
                                              " must hold the passphrase on its first line");
    return std::nullopt;
  }
  return line;
}

std::optional<std::string> FromTerminal(const std::string& keystore_path, PassphraseUse use,
                                        Failure* failure) {
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (tty < 0) {
    *failure = MakeFailure(kExitKeystore,
                           "no passphrase given and no terminal to ask on: give "
                           "--passphrase-file FILE or set KYOSO_PASSPHRASE");
    return std::nullopt;
  }
  bool create = use == PassphraseUse::kCreate;
  std::optional<std::string> first = AskWithoutEcho(
      tty, (create ? "New passphrase for " : "Passphrase for ") + keystore_path + ": ");
  std::optional<std::string> second;
  if (create && first && !first->empty()) second = AskWithoutEcho(tty, "Same passphrase again: ");
  close(tty);
  if (!first) {
    *failure = MakeFailure(kExitKeystore, "no passphrase was read from the terminal");
  } else if (create && first->empty()) {
    *failure = MakeFailure(kExitKeystore, "the passphrase must not be empty; run init again");
  } else if (create && (!second || *second != *first)) {
    *failure = MakeFailure(kExitKeystore, "the two passphrases differ; run init again");
  } else {
    return first;
  }
  if (first) Wipe(&*first);
  if (second) Wipe(&*second);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ObtainPassphrase(const std::string& passphrase_file,
                                            const std::string& keystore_path, PassphraseUse use,
                                            Failure* failure) {
  if (!passphrase_file.empty()) return FromFile(passphrase_file, failure);
  if (const char* env = std::getenv("KYOSO_PASSPHRASE"); env != nullptr && *env != '\0') {
    if (std::strlen(env) > kPassphraseLengthMax) {
      *failure = MakeFailure(kExitKeystore, "KYOSO_PASSPHRASE is longer than 1,024 bytes");
      return std::nullopt;
    }
    return std::string(env);
  }
  return FromTerminal(keystore_path, use, failure);
}

}  // namespace kyoso::wallet
