// kyoso-wallet: the resident's and merchant's command line for a Kyoso ledger.
//
//   kyoso-wallet [--node HOST:PORT] [--keystore FILE] [--json] COMMAND [flags]
//
// Every command has --help. Exit codes are those of wallet-cli/client.h (docs/wallet.md).
#include <cstdio>
#include <exception>

#include "wallet-cli/wallet.h"

namespace {

using kyoso::wallet::Commands;
using kyoso::wallet::WalletOptions;

int Main(int argc, char** argv) {
  CLI::App app{
      "kyoso-wallet: keys, balance, history and payments for residents and merchants of a "
      "Kyoso community currency"};
  // Common flags may follow the command too: `kyoso-wallet balance --json`.
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", KYOSO_VERSION);
  WalletOptions options;
  kyoso::wallet::AddWalletOptions(app, &options);
  Commands commands;
  kyoso::wallet::AddAccountCommands(app, options, &commands);
  kyoso::wallet::AddPayCommands(app, options, &commands);
  kyoso::wallet::AddExportCommand(app, options, &commands);
  kyoso::wallet::AddMerchantCommands(app, options, &commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 prints the help, the version or the mistake; only its exit code is ours.
    return app.exit(error) == 0 ? kyoso::cli::kExitOk : kyoso::cli::kExitUsage;
  }
  for (const kyoso::wallet::Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return kyoso::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing in the wallet throws on purpose; this is the last guard so that an
  // unexpected exception (out of memory) still ends with a message and kExitInternal.
  try {
    int code = Main(argc, argv);
    kyoso::cli::AwaitGrpcShutdown();
    return code;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "kyoso-wallet: internal error: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "kyoso-wallet: internal error\n");
  }
  return kyoso::cli::kExitInternal;
}
