// Where kyoso-wallet gets the keystore passphrase: --passphrase-file, else the
// environment (KYOSO_PASSPHRASE), else the terminal, asked without echo.
//
// The terminal is /dev/tty rather than stdin, so a passphrase can be typed even when
// stdin is a pipe, and a script with no terminal gets a clear failure instead of a hang.
// Thread-safety: call from one thread at a time (it changes the terminal's settings).
#pragma once

#include <optional>
#include <string>

#include "wallet-cli/client.h"

namespace kyoso::wallet {

// The longest passphrase read from a file or the terminal: bounds what a mistaken
// --passphrase-file (a large file) can make the wallet read and hash.
inline constexpr size_t kPassphraseLengthMax = 1'024;

enum class PassphraseUse {
  kOpen,    // Opening an existing keystore: asked once.
  kCreate,  // A new keystore: asked twice on a terminal, and must not be empty.
};

// The passphrase for the keystore at `keystore_path` (named in prompts and messages), or
// nullopt with *failure set (kExitKeystore) saying how to give one.
std::optional<std::string> ObtainPassphrase(const std::string& passphrase_file,
                                            const std::string& keystore_path, PassphraseUse use,
                                            cli::Failure* failure);

}  // namespace kyoso::wallet
