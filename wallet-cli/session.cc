// The wallet's session: options, stubs, keystore access, output and the small helpers
// every command uses.
#include <openssl/crypto.h>
#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/encoding.h"
#include "kyoso/crypto/signing.h"
#include "wallet-cli/passphrase.h"
#include "wallet-cli/wallet.h"

namespace kyoso::wallet {
namespace {

using cli::kExitKeystore;
using cli::kExitUsage;
using cli::MakeFailure;

std::string DefaultKeystorePath() {
  std::string home;
  if (const char* env = std::getenv("HOME"); env != nullptr) home = env;
  if (home.empty()) {
    if (const passwd* user = getpwuid(getuid()); user != nullptr && user->pw_dir != nullptr) {
      home = user->pw_dir;
    }
  }
  return (home.empty() ? "." : home) + "/.kyoso/wallet.key";
}

}  // namespace

Failure KeystoreFailure(crypto::KeystoreError error, const std::string& path) {
  switch (error) {
    case crypto::KeystoreError::kNotFound:
      return MakeFailure(kExitKeystore,
                         "no keystore at " + path +
                             ": create one with `kyoso-wallet init --account res:NAME`, or point "
                             "--keystore (or KYOSO_KEYSTORE) at yours");
    case crypto::KeystoreError::kWrongPassphrase:
      return MakeFailure(kExitKeystore, "the passphrase does not open " + path + "; try again");
    case crypto::KeystoreError::kExists:
      return MakeFailure(kExitKeystore, "a keystore already exists at " + path +
                                            "; it was not overwritten (move it away first, or "
                                            "give --keystore another path)");
    case crypto::KeystoreError::kMalformed:
      return MakeFailure(kExitKeystore, path +
                                            " is damaged or not a Kyoso keystore; restore it "
                                            "from your backup");
    default:
      return MakeFailure(kExitKeystore, "cannot use the keystore " + path + ": " +
                                            std::string(crypto::KeystoreErrorMessage(error)));
  }
}

void AddWalletOptions(CLI::App& app, WalletOptions* options) {
  cli::AddClientOptions(app, &options->client);
  options->keystore_path = DefaultKeystorePath();
  app.add_option("--keystore", options->keystore_path, "The wallet's keystore file")
      ->type_name("PATH")
      ->envname("KYOSO_KEYSTORE")
      ->capture_default_str();
  app.add_option("--passphrase-file", options->passphrase_file,
                 "Read the keystore passphrase from this file's first line (otherwise "
                 "KYOSO_PASSPHRASE, otherwise the terminal asks)")
      ->type_name("PATH");
}

UnlockedKey::~UnlockedKey() {
  if (!keystore_.private_key.empty()) {
    OPENSSL_cleanse(keystore_.private_key.data(), keystore_.private_key.size());
  }
}

std::optional<std::string> UnlockedKey::Sign(std::string_view payload) const {
  return crypto::Sign(keystore_.private_key, payload);
}

bool UnlockedKey::SignTransfer(std::string_view kind, v1::Transfer* transfer) const {
  crypto::SignedTransfer fields;
  fields.kind = std::string(kind);
  fields.transfer_id = transfer->id();
  fields.from = transfer->from();
  fields.to = transfer->to();
  fields.amount_minor = transfer->amount_minor();
  fields.currency = transfer->currency();
  fields.program = transfer->program();
  fields.ref = transfer->ref();
  fields.memo = transfer->memo();
  fields.terminal = transfer->terminal();
  fields.not_after_ns = transfer->not_after_ns();
  std::optional<std::string> signature = Sign(crypto::TransferSigningPayload(fields));
  if (!signature) return false;
  transfer->set_signature(*signature);
  return true;
}

Session::Session(const WalletOptions& options)
    : options_(options),
      channel_(cli::Connect(options.client)),
      query_(v1::Query::NewStub(channel_)),
      money_(v1::Money::NewStub(channel_)),
      terminal_(v1::Terminal::NewStub(channel_)),
      resident_(v1::Resident::NewStub(channel_)),
      node_(v1::Node::NewStub(channel_)),
      releases_(v1::Releases::NewStub(channel_)) {}

std::optional<std::vector<v1::Release>> Session::ReleasesIncluding(const std::string& account,
                                                                   Failure* failure) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, client());
  v1::ListAccountReleasesRequest request;
  request.set_account(account);
  v1::ReleaseIdList ids;
  grpc::Status status = releases_->ListAccountReleases(&context, request, &ids);
  if (!status.ok()) {
    *failure = cli::DescribeFailure(status, context, client());
    return std::nullopt;
  }
  std::vector<v1::Release> found;
  for (const std::string& id : ids.ids()) {
    grpc::ClientContext one;
    cli::SetDeadline(&one, client());
    v1::GetReleaseRequest get;
    get.set_id(id);
    v1::Release release;
    status = releases_->GetRelease(&one, get, &release);
    if (!status.ok()) {
      *failure = cli::DescribeFailure(status, one, client());
      return std::nullopt;
    }
    found.push_back(std::move(release));
  }
  return found;
}

int Session::Fail(const Failure& failure) const {
  return cli::ReportFailure(kTool, options_.client, failure);
}

int Session::Fail(int exit_code, std::string message) const {
  return Fail(MakeFailure(exit_code, std::move(message)));
}

void Session::PrintJson(const nlohmann::json& json) const {
  // Replace rather than throw on bytes that are not UTF-8: output must never abort.
  std::cout << json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::optional<std::string> Session::KeystoreAccount(Failure* failure) const {
  crypto::Keystore keystore;
  crypto::KeystoreError error = crypto::ReadKeystorePublic(options_.keystore_path, &keystore);
  if (error != crypto::KeystoreError::kNone) {
    *failure = KeystoreFailure(error, options_.keystore_path);
    return std::nullopt;
  }
  return keystore.account;
}

std::unique_ptr<UnlockedKey> Session::Unlock(Failure* failure) const {
  const std::string& path = options_.keystore_path;
  std::optional<std::string> passphrase =
      ObtainPassphrase(options_.passphrase_file, path, PassphraseUse::kOpen, failure);
  if (!passphrase) return nullptr;
  crypto::Keystore keystore;
  crypto::KeystoreError error = crypto::ReadKeystore(path, *passphrase, &keystore);
  OPENSSL_cleanse(passphrase->data(), passphrase->size());
  if (error != crypto::KeystoreError::kNone) {
    *failure = KeystoreFailure(error, path);
    return nullptr;
  }
  return std::make_unique<UnlockedKey>(std::move(keystore));
}

std::optional<v1::Account> Session::GetAccount(const std::string& id, Failure* failure) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, client());
  v1::GetAccountRequest request;
  request.set_id(id);
  v1::Account account;
  grpc::Status status = query_->GetAccount(&context, request, &account);
  if (status.ok()) return account;
  *failure = cli::DescribeFailure(status, context, client());
  return std::nullopt;
}

std::optional<v1::TransferRecord> Session::GetTransfer(const std::string& id, Failure* failure) {
  grpc::ClientContext context;
  cli::SetDeadline(&context, client());
  v1::GetTransferRequest request;
  request.set_id(id);
  v1::TransferRecord record;
  grpc::Status status = query_->GetTransfer(&context, request, &record);
  if (status.ok()) return record;
  *failure = cli::DescribeFailure(status, context, client());
  if (failure->exit_code == cli::kExitNotFound) {
    failure->message = "there is no transfer " + id + ": check the id";
  }
  return std::nullopt;
}

std::optional<WalletAccount> Session::LoadWalletAccount(Failure* failure) {
  std::optional<std::string> id = KeystoreAccount(failure);
  if (!id) return std::nullopt;
  std::optional<v1::Account> account = GetAccount(*id, failure);
  if (!account && failure->exit_code == cli::kExitNotFound) {
    failure->message = "the node holds no account " + *id +
                       ": ask the issuer to register it (kyoso-admin account create " + *id +
                       " …), or check --node";
  }
  if (!account) return std::nullopt;
  std::optional<v1::Currency> currency =
      cli::FetchCurrency(*query_, client(), account->currency(), failure);
  if (!currency) return std::nullopt;
  return WalletAccount{std::move(*account), std::move(*currency)};
}

void Session::AddRetryAdvice(const std::string& transfer_id, Failure* failure) {
  failure->message +=
      ". Whether it went through is unknown: retry with the same transfer id (--id " + transfer_id +
      ", or the same --request), which moves the money at most once";
}

std::optional<int64_t> ParsePositiveAmount(const std::string& text, const WalletAccount& wallet,
                                           Failure* failure) {
  std::string why;
  std::optional<int64_t> amount =
      cli::ParseAmount(text, wallet.currency.scale(), wallet.currency.code(), &why);
  if (amount && *amount <= 0) why = "the amount must be more than zero";
  if (!amount || *amount <= 0) {
    *failure = MakeFailure(kExitUsage, "--amount: " + why);
    return std::nullopt;
  }
  return amount;
}

std::optional<std::string> ChooseTransferId(const std::string& given, Failure* failure) {
  if (!given.empty()) {
    std::optional<std::string> id = cli::NormalizeTransferId(given);
    if (!id) *failure = MakeFailure(kExitUsage, "--id must be 32 hexadecimal characters");
    return id;
  }
  std::string fresh = cli::NewTransferId();
  if (fresh.empty()) {
    *failure = MakeFailure(cli::kExitInternal, "OpenSSL gave no random bytes for a transfer id");
    return std::nullopt;
  }
  return fresh;
}

std::optional<std::string> ParseRef(const std::string& given, Failure* failure) {
  std::optional<std::string> id = cli::NormalizeTransferId(given);
  if (!id)
    *failure = MakeFailure(kExitUsage, "--ref must be a transfer id: 32 hexadecimal characters");
  return id;
}

nlohmann::json TransferJson(const v1::Transfer& transfer, const v1::TransferReply& reply,
                            const WalletAccount& wallet) {
  const v1::Outcome& outcome = reply.outcome();
  nlohmann::json out = {
      {"transfer_id", reply.id()},
      {"from", transfer.from()},
      {"to", transfer.to()},
      {"amount_minor", transfer.amount_minor()},
      {"amount", cli::FormatAmount(transfer.amount_minor(), wallet.currency.scale(), "")},
      {"currency", transfer.currency()},
      {"result", outcome.result_name()},
      {"seq", outcome.seq()},
      {"timestamp_ns", outcome.timestamp_ns()},
      {"time_utc", cli::FormatTime(outcome.timestamp_ns())},
      {"duplicate", outcome.duplicate()},
  };
  if (!transfer.ref().empty()) out["ref"] = transfer.ref();
  if (!transfer.memo().empty()) out["memo"] = transfer.memo();
  if (!transfer.program().empty()) out["program"] = transfer.program();
  if (!transfer.terminal().empty()) out["terminal"] = transfer.terminal();
  return out;
}

std::string TransferTail(const v1::TransferReply& reply, std::string_view already) {
  std::string tail = " — transfer " + reply.id() + ", seq " + std::to_string(reply.outcome().seq());
  if (reply.outcome().duplicate()) tail += " (" + std::string(already) + ")";
  return tail;
}

nlohmann::json ReleaseJson(const v1::Release& r) {
  return {{"id", r.id()},
          {"currency", r.currency()},
          {"month", r.month()},
          {"flow_class", r.flow_class()},
          {"payer_group", r.payer_group()},
          {"payee_group", r.payee_group()},
          {"epsilon_milli", r.epsilon_milli()},
          {"published_at_utc", cli::FormatTime(r.published_at_ns())}};
}

nlohmann::json AccountJson(const WalletAccount& wallet) {
  const v1::Account& a = wallet.account;
  int32_t scale = wallet.currency.scale();
  nlohmann::json lots = nlohmann::json::array();
  for (const v1::Lot& lot : a.lots()) {
    lots.push_back({{"program", lot.program()},
                    {"amount_minor", lot.amount_minor()},
                    {"amount", cli::FormatAmount(lot.amount_minor(), scale, "")},
                    {"expiry_ns", lot.expiry_ns()},
                    {"expiry_utc", cli::FormatTime(lot.expiry_ns())}});
  }
  return {
      {"id", a.id()},
      {"kind", EnumWord(v1::AccountKind_Name(a.kind()), "ACCOUNT_KIND_")},
      {"currency", a.currency()},
      {"scale", scale},
      {"district", a.district()},
      {"sector", a.sector()},
      {"status", EnumWord(v1::AccountStatus_Name(a.status()), "ACCOUNT_STATUS_")},
      {"balance_minor", a.balance_minor()},
      {"balance", cli::FormatAmount(a.balance_minor(), scale, "")},
      {"lots", lots},
      {"balance_max_minor", a.balance_max_minor()},
      {"credit_limit_minor", a.credit_limit_minor()},
      {"monthly_spend_cap_minor", a.monthly_spend_cap_minor()},
      {"spent_this_month_minor", a.spent_this_month_minor()},
      {"public_key", crypto::ToHex(a.owner_public_key())},
      {"research_consent", a.research_consent()},
  };
}

nlohmann::json HistoryEntryJson(const v1::HistoryEntry& entry, const WalletAccount& wallet) {
  int32_t scale = wallet.currency.scale();
  return {
      {"seq", entry.seq()},
      {"timestamp_ns", entry.timestamp_ns()},
      {"time_utc", cli::FormatTime(entry.timestamp_ns())},
      {"kind", cli::TransferKindName(entry.kind())},
      {"transfer_id", entry.transfer_id()},
      {"delta_minor", entry.delta_minor()},
      {"delta", cli::FormatAmount(entry.delta_minor(), scale, "")},
      {"balance_after_minor", entry.balance_after_minor()},
      {"balance_after", cli::FormatAmount(entry.balance_after_minor(), scale, "")},
  };
}

std::string EnumWord(const std::string& name, std::string_view prefix) {
  std::string word = name.starts_with(prefix) ? name.substr(prefix.size()) : name;
  for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return word;
}

std::string PadRight(std::string_view text, size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string PadLeft(std::string_view text, size_t width) {
  std::string out(text);
  if (out.size() < width) out.insert(0, width - out.size(), ' ');
  return out;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kyoso::wallet
