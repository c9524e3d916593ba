// kyoso-wallet's shared parts: the options every command takes, the session that one
// command runs in (connection, stubs, keystore, output), and the registration of the
// command groups defined in *_commands.cc.
//
// A command reads the keystore's public part (its account) without a passphrase, asks the
// node about that account, and only unlocks the private key when it must sign, so that
// mistakes and an unreachable node are reported before anyone types a passphrase.
// Thread-safety: the wallet is single-threaded; a Session belongs to one thread.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kyoso/crypto/keystore.h"
#include "kyoso/v1/money.grpc.pb.h"
#include "kyoso/v1/node.grpc.pb.h"
#include "kyoso/v1/query.grpc.pb.h"
#include "kyoso/v1/releases.grpc.pb.h"
#include "wallet-cli/client.h"

namespace kyoso::wallet {

using cli::Failure;

// The tool's name in messages ("kyoso-wallet: …").
inline constexpr char kTool[] = "wallet";

// What every wallet command takes besides its own flags.
struct WalletOptions {
  cli::ClientOptions client;
  std::string keystore_path;    // --keystore, env KYOSO_KEYSTORE
  std::string passphrase_file;  // --passphrase-file
};

// A subcommand and what runs it once the command line has been parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using Commands = std::vector<Command>;

// Adds --keystore and --passphrase-file (and the client options) to `app`.
void AddWalletOptions(CLI::App& app, WalletOptions* options);

// The command groups. Each adds its subcommands to `app`, bound to `options`, which must
// outlive the run.
void AddAccountCommands(CLI::App& app, const WalletOptions& options, Commands* commands);
void AddExportCommand(CLI::App& app, const WalletOptions& options, Commands* commands);
void AddPayCommands(CLI::App& app, const WalletOptions& options, Commands* commands);
void AddMerchantCommands(CLI::App& app, const WalletOptions& options, Commands* commands);

// The wallet's own account as the node holds it, with its currency.
struct WalletAccount {
  v1::Account account;
  v1::Currency currency;

  const std::string& id() const { return account.id(); }
  // An amount of this currency for people: "12.50 BUNJI".
  std::string Format(int64_t minor) const {
    return cli::FormatAmount(minor, currency.scale(), currency.code());
  }
};

// A keystore opened with its passphrase. It wipes the private key when destroyed.
class UnlockedKey {
 public:
  explicit UnlockedKey(crypto::Keystore keystore) : keystore_(std::move(keystore)) {}
  ~UnlockedKey();
  UnlockedKey(const UnlockedKey&) = delete;
  UnlockedKey& operator=(const UnlockedKey&) = delete;

  const std::string& account() const { return keystore_.account; }
  // Signs crypto::TransferSigningPayload of exactly the fields of *transfer, under
  // `kind` ("payment", "hold", …), and stores the signature in it. False if OpenSSL fails.
  bool SignTransfer(std::string_view kind, v1::Transfer* transfer) const;
  // Signs any payload; nullopt if OpenSSL fails.
  std::optional<std::string> Sign(std::string_view payload) const;

 private:
  crypto::Keystore keystore_;
};

// One command's run: its connection to the node, its stubs, its keystore and its output.
class Session {
 public:
  explicit Session(const WalletOptions& options);

  const WalletOptions& options() const { return options_; }
  const cli::ClientOptions& client() const { return options_.client; }
  bool json() const { return options_.client.json; }
  v1::Query::Stub& query() { return *query_; }
  v1::Money::Stub& money() { return *money_; }
  v1::Terminal::Stub& terminal() { return *terminal_; }
  v1::Resident::Stub& resident() { return *resident_; }
  v1::Node::Stub& node() { return *node_; }
  v1::Releases::Stub& releases() { return *releases_; }

  // Reports a failure as the options ask (text on stderr or JSON on stdout); returns its
  // exit code.
  int Fail(const Failure& failure) const;
  int Fail(int exit_code, std::string message) const;
  // Prints one JSON object on stdout.
  void PrintJson(const nlohmann::json& json) const;

  // The account named in the keystore, read without the passphrase.
  std::optional<std::string> KeystoreAccount(Failure* failure) const;
  // The keystore, opened with its passphrase.
  std::unique_ptr<UnlockedKey> Unlock(Failure* failure) const;

  // Reads, each with the options' deadline.
  std::optional<v1::Account> GetAccount(const std::string& id, Failure* failure);
  std::optional<v1::TransferRecord> GetTransfer(const std::string& id, Failure* failure);
  // The published releases whose figures include `account`'s payments, in id order.
  std::optional<std::vector<v1::Release>> ReleasesIncluding(const std::string& account,
                                                            Failure* failure);
  // The keystore's account and its currency, from the node.
  std::optional<WalletAccount> LoadWalletAccount(Failure* failure);

  // Sends one transfer with `rpc` (e.g. &v1::Money::Stub::Pay). When the node could not
  // be reached, the failure says which id to retry with so the money moves at most once.
  template <typename Stub>
  using TransferRpc = grpc::Status (Stub::*)(grpc::ClientContext*, const v1::TransferRequest&,
                                             v1::TransferReply*);
  template <typename Stub>
  std::optional<v1::TransferReply> SendTransfer(Stub& stub, TransferRpc<Stub> rpc,
                                                const v1::Transfer& transfer, Failure* failure) {
    grpc::ClientContext context;
    cli::SetDeadline(&context, client());
    v1::TransferRequest request;
    *request.mutable_transfer() = transfer;
    v1::TransferReply reply;
    grpc::Status status = (stub.*rpc)(&context, request, &reply);
    if (status.ok()) return reply;
    *failure = cli::DescribeFailure(status, context, client());
    if (failure->exit_code == cli::kExitUnreachable) AddRetryAdvice(transfer.id(), failure);
    return std::nullopt;
  }

 private:
  static void AddRetryAdvice(const std::string& transfer_id, Failure* failure);

  const WalletOptions& options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Query::Stub> query_;
  std::unique_ptr<v1::Money::Stub> money_;
  std::unique_ptr<v1::Terminal::Stub> terminal_;
  std::unique_ptr<v1::Resident::Stub> resident_;
  std::unique_ptr<v1::Node::Stub> node_;
  std::unique_ptr<v1::Releases::Stub> releases_;
};

// What went wrong with the keystore at `path`, and what to do about it.
Failure KeystoreFailure(crypto::KeystoreError error, const std::string& path);
// An amount typed on the command line, in the account's currency and more than zero;
// nullopt with a usage failure otherwise.
std::optional<int64_t> ParsePositiveAmount(const std::string& text, const WalletAccount& wallet,
                                           Failure* failure);
// The transfer id to use: --id as given (validated, lowercased), or a fresh random one.
std::optional<std::string> ChooseTransferId(const std::string& given, Failure* failure);
// A --ref transfer id as typed, validated and lowercased.
std::optional<std::string> ParseRef(const std::string& given, Failure* failure);
// What the node answered for a transfer, as JSON: the transfer's fields and its outcome.
nlohmann::json TransferJson(const v1::Transfer& transfer, const v1::TransferReply& reply,
                            const WalletAccount& wallet);
// The end of a result line: " — transfer <id>, seq N", plus " (<already>)" when the node
// replayed an earlier result for the same id (e.g. "already paid earlier").
std::string TransferTail(const v1::TransferReply& reply, std::string_view already);
// The account with its lots, as JSON (balance, lots, limits, status; amounts both in
// minor units and as text).
nlohmann::json AccountJson(const WalletAccount& wallet);
// What a release that includes the account is of (never its figures' inputs: the
// account's own part in them is not published).
nlohmann::json ReleaseJson(const v1::Release& release);
// One history entry as JSON.
nlohmann::json HistoryEntryJson(const v1::HistoryEntry& entry, const WalletAccount& wallet);
// A proto enum value's name as a word: ("ACCOUNT_STATUS_ACTIVE", "ACCOUNT_STATUS_") ->
// "active".
std::string EnumWord(const std::string& name, std::string_view prefix);
// Text padded with spaces to `width` columns (ASCII), on the right or on the left.
std::string PadRight(std::string_view text, size_t width);
std::string PadLeft(std::string_view text, size_t width);
// Nanoseconds since the Unix epoch, from the wall clock.
int64_t NowNs();

}  // namespace kyoso::wallet
