// The wallet's own account: init, address, balance, history, consent, and the node's
// status.
#include <openssl/crypto.h>
#include <sys/stat.h>

#include <iostream>

#include "kyoso/crypto/ed25519.h"
#include "kyoso/crypto/encoding.h"
#include "kyoso/crypto/signing.h"
#include "wallet-cli/passphrase.h"
#include "wallet-cli/wallet.h"

namespace kyoso::wallet {
namespace {

using cli::kExitInternal;
using cli::kExitKeystore;
using cli::kExitOk;
using cli::kExitUsage;

// The largest scrypt cost the keystore accepts (crypto/keystore.h).
constexpr uint64_t kScryptNMax = uint64_t{1} << 20;
// History rows per page for people; a script asks for up to the node's 1,000 with --limit.
constexpr uint32_t kHistoryLimitDefault = 20;
constexpr uint32_t kHistoryLimitMax = 1'000;

// --- init ---

struct InitArgs {
  std::string account;
  uint64_t scrypt_n = crypto::KeystoreParams{}.scrypt_n;
};

// Only accounts that own money hold a wallet key.
bool WalletAccountId(const std::string& id) {
  for (std::string_view prefix : {"res:", "mch:", "prd:"}) {
    if (id.starts_with(prefix) && id.size() > prefix.size()) return true;
  }
  return false;
}

// The argument checks of init, before anything is asked or written.
std::optional<Failure> CheckInit(const WalletOptions& options, const InitArgs& args) {
  if (!WalletAccountId(args.account)) {
    return cli::MakeFailure(kExitUsage,
                            "--account must be a resident (res:NAME), merchant (mch:NAME) or "
                            "producer (prd:NAME) account");
  }
  if (args.scrypt_n < 2 || args.scrypt_n > kScryptNMax || (args.scrypt_n & (args.scrypt_n - 1))) {
    return cli::MakeFailure(kExitUsage, "--scrypt-n must be a power of two from 2 to 1048576");
  }
  struct stat existing {};
  if (lstat(options.keystore_path.c_str(), &existing) == 0) {
    return KeystoreFailure(crypto::KeystoreError::kExists, options.keystore_path);
  }
  return std::nullopt;
}

void PrintInit(const Session& session, const std::string& account, const std::string& key_hex) {
  std::string next =
      "kyoso-admin account create " + account + " --currency CODE --public-key " + key_hex;
  if (session.json()) {
    session.PrintJson({{"account", account},
                       {"public_key", key_hex},
                       {"keystore", session.options().keystore_path},
                       {"next_step", next}});
    return;
  }
  std::cout << "Created a key for " << account << " in " << session.options().keystore_path
            << "\nPublic key: " << key_hex << "\nNext, ask the issuer to register it:\n  " << next
            << "\n";
}

int RunInit(const WalletOptions& options, const InitArgs& args) {
  Session session(options);
  if (std::optional<Failure> bad = CheckInit(options, args)) return session.Fail(*bad);
  Failure failure;
  std::optional<std::string> passphrase = ObtainPassphrase(
      options.passphrase_file, options.keystore_path, PassphraseUse::kCreate, &failure);
  if (!passphrase) return session.Fail(failure);
  std::optional<crypto::KeyPair> keys = crypto::GenerateKeyPair();
  if (!keys) return session.Fail(kExitInternal, "OpenSSL could not generate a key");
  crypto::Keystore keystore{args.account, keys->public_key, keys->private_key};
  crypto::KeystoreParams params;
  params.scrypt_n = args.scrypt_n;
  crypto::KeystoreError written =
      crypto::WriteKeystore(options.keystore_path, keystore, *passphrase, params);
  OPENSSL_cleanse(passphrase->data(), passphrase->size());
  OPENSSL_cleanse(keys->private_key.data(), keys->private_key.size());
  OPENSSL_cleanse(keystore.private_key.data(), keystore.private_key.size());
  if (written != crypto::KeystoreError::kNone) {
    return session.Fail(KeystoreFailure(written, options.keystore_path));
  }
  PrintInit(session, args.account, crypto::ToHex(keys->public_key));
  return kExitOk;
}

// --- address ---

int RunAddress(const WalletOptions& options) {
  Session session(options);
  crypto::Keystore keystore;
  crypto::KeystoreError error = crypto::ReadKeystorePublic(options.keystore_path, &keystore);
  if (error != crypto::KeystoreError::kNone) {
    return session.Fail(KeystoreFailure(error, options.keystore_path));
  }
  std::string key_hex = crypto::ToHex(keystore.public_key);
  if (session.json()) {
    session.PrintJson({{"account", keystore.account},
                       {"public_key", key_hex},
                       {"keystore", options.keystore_path}});
  } else {
    std::cout << "Account:    " << keystore.account << "\nPublic key: " << key_hex << "\n";
  }
  return kExitOk;
}

// --- balance ---

void PrintBalance(const WalletAccount& wallet) {
  const v1::Account& a = wallet.account;
  std::cout << a.id() << ": " << wallet.Format(a.balance_minor()) << "\n";
  if (a.status() != v1::ACCOUNT_STATUS_ACTIVE) {
    std::cout << "Status: " << EnumWord(v1::AccountStatus_Name(a.status()), "ACCOUNT_STATUS_")
              << " (no money moves until the issuer makes it active)\n";
  }
  if (a.lots_size() > 0) std::cout << "Lots, in the order they are spent:\n";
  for (const v1::Lot& lot : a.lots()) {
    std::string expiry =
        lot.expiry_ns() == 0 ? "never expires" : "expires " + cli::FormatTime(lot.expiry_ns());
    std::cout << "  " << PadRight(lot.program().empty() ? "free" : lot.program(), 16)
              << PadLeft(wallet.Format(lot.amount_minor()), 20) << "  " << expiry << "\n";
  }
  if (a.monthly_spend_cap_minor() > 0) {
    std::cout << "Spent this month: " << wallet.Format(a.spent_this_month_minor()) << " of "
              << wallet.Format(a.monthly_spend_cap_minor()) << "\n";
  }
}

int RunBalance(const WalletOptions& options) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  if (session.json()) {
    session.PrintJson(AccountJson(*wallet));
  } else {
    PrintBalance(*wallet);
  }
  return kExitOk;
}

// --- history ---

struct HistoryArgs {
  uint32_t limit = kHistoryLimitDefault;
  uint64_t cursor = 0;
  bool oldest_first = false;
};

void PrintHistory(const WalletAccount& wallet, const v1::ListHistoryReply& page,
                  const HistoryArgs& args) {
  if (page.entries_size() == 0)
    std::cout << "No movements" << (args.cursor ? " here" : "") << ".\n";
  for (const v1::HistoryEntry& e : page.entries()) {
    std::string id = e.transfer_id().empty() ? "(by the ledger)" : e.transfer_id();
    std::cout << cli::FormatTime(e.timestamp_ns()) << "  "
              << PadRight(cli::TransferKindName(e.kind()), 11) << PadRight(id, 34)
              << PadLeft(wallet.Format(e.delta_minor()), 18) << "  balance "
              << wallet.Format(e.balance_after_minor()) << "\n";
  }
  if (page.next_cursor() != 0) {
    std::cout << "More: kyoso-wallet history --cursor " << page.next_cursor() << " --limit "
              << args.limit << (args.oldest_first ? " --oldest-first" : "") << "\n";
  }
}

int RunHistory(const WalletOptions& options, const HistoryArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  grpc::ClientContext context;
  cli::SetDeadline(&context, session.client());
  v1::ListHistoryRequest request;
  request.set_account(wallet->id());
  request.set_cursor(args.cursor);
  request.set_limit(args.limit);
  request.set_oldest_first(args.oldest_first);
  v1::ListHistoryReply page;
  grpc::Status status = session.query().ListHistory(&context, request, &page);
  if (!status.ok()) return session.Fail(cli::DescribeFailure(status, context, session.client()));
  if (!session.json()) {
    PrintHistory(*wallet, page, args);
    return kExitOk;
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const v1::HistoryEntry& e : page.entries()) entries.push_back(HistoryEntryJson(e, *wallet));
  session.PrintJson({{"account", wallet->id()},
                     {"currency", wallet->currency.code()},
                     {"entries", entries},
                     {"next_cursor", page.next_cursor()}});
  return kExitOk;
}

// --- consent ---

struct ConsentArgs {
  std::string topic;
  std::string state;
};

int RunConsent(const WalletOptions& options, const ConsentArgs& args) {
  Session session(options);
  Failure failure;
  // Checked before the passphrase is asked: is the account there at all?
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  const std::string& account = wallet->id();
  std::unique_ptr<UnlockedKey> key = session.Unlock(&failure);
  if (!key) return session.Fail(failure);
  v1::SetResearchConsentRequest request;
  request.set_account(account);
  request.set_consent(args.state == "on");
  request.set_issued_at_ns(NowNs());
  std::optional<std::string> signature = key->Sign(
      crypto::ConsentSigningPayload(request.account(), request.consent(), request.issued_at_ns()));
  if (!signature) return session.Fail(kExitInternal, "OpenSSL could not sign the request");
  request.set_signature(*signature);
  grpc::ClientContext context;
  cli::SetDeadline(&context, session.client());
  v1::AdminReply reply;
  grpc::Status status = session.resident().SetResearchConsent(&context, request, &reply);
  if (!status.ok()) return session.Fail(cli::DescribeFailure(status, context, session.client()));
  if (session.json()) {
    session.PrintJson({{"account", account},
                       {"research_consent", request.consent()},
                       {"result", reply.outcome().result_name()}});
  } else {
    std::cout << "Research use of " << account << "'s transfers is now " << args.state
              << (request.consent() ? " (only ever in anonymised flows).\n" : ".\n");
  }
  return kExitOk;
}

// --- releases ---

int RunReleases(const WalletOptions& options) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<std::vector<v1::Release>> releases =
      session.ReleasesIncluding(wallet->id(), &failure);
  if (!releases) return session.Fail(failure);
  if (session.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const v1::Release& r : *releases) list.push_back(ReleaseJson(r));
    session.PrintJson({{"account", wallet->id()}, {"releases", list}});
    return kExitOk;
  }
  if (releases->empty()) {
    std::cout << "No published release includes " << wallet->id() << "'s payments.\n";
    return kExitOk;
  }
  std::cout << "Published releases that include " << wallet->id()
            << "'s payments (with differential privacy: no figure is yours alone):\n";
  for (const v1::Release& r : *releases) {
    std::cout << "  " << r.id() << "  " << r.month() << " " << r.flow_class() << " by "
              << r.payer_group() << " -> " << r.payee_group() << ", epsilon "
              << r.epsilon_milli() / 1000.0 << "\n";
  }
  return kExitOk;
}

// --- status ---

int RunStatus(const WalletOptions& options) {
  Session session(options);
  grpc::ClientContext context;
  cli::SetDeadline(&context, session.client());
  v1::NodeStatus s;
  grpc::Status status = session.node().GetStatus(&context, v1::GetStatusRequest(), &s);
  if (!status.ok()) return session.Fail(cli::DescribeFailure(status, context, session.client()));
  if (session.json()) {
    session.PrintJson({{"node", options.client.node},
                       {"node_id", s.node_id()},
                       {"role", s.role()},
                       {"leader_address", s.leader_address()},
                       {"applied_index", s.applied_index()},
                       {"chain_head", s.chain_head_hex()},
                       {"last_seq", s.last_seq()},
                       {"last_timestamp_ns", s.last_timestamp_ns()},
                       {"version", s.version()}});
    return kExitOk;
  }
  std::cout << "Node:          " << s.node_id() << " at " << options.client.node << " (" << s.role()
            << "), kyoso-node " << s.version() << "\n";
  if (!s.leader_address().empty()) std::cout << "Leader:        " << s.leader_address() << "\n";
  std::cout << "Applied index: " << s.applied_index() << "\nChain head:    " << s.chain_head_hex()
            << "\nLast transfer: seq " << s.last_seq() << " at "
            << cli::FormatTime(s.last_timestamp_ns()) << " UTC\n";
  return kExitOk;
}

}  // namespace

void AddAccountCommands(CLI::App& app, const WalletOptions& options, Commands* commands) {
  auto init = std::make_shared<InitArgs>();
  CLI::App* sub = app.add_subcommand("init", "Create a new wallet key in the keystore");
  sub->add_option("--account", init->account, "The account this key is for, e.g. res:alice")
      ->required();
  sub->add_option("--scrypt-n", init->scrypt_n,
                  "scrypt cost of the passphrase (a power of two; higher is slower to guess)")
      ->capture_default_str();
  commands->push_back({sub, [&options, init] { return RunInit(options, *init); }});

  sub = app.add_subcommand("address", "Show the keystore's account and public key");
  commands->push_back({sub, [&options] { return RunAddress(options); }});

  sub = app.add_subcommand("balance", "Show the balance and its lots");
  commands->push_back({sub, [&options] { return RunBalance(options); }});

  auto history = std::make_shared<HistoryArgs>();
  sub = app.add_subcommand("history", "List the account's movements, newest first");
  sub->add_option("--limit", history->limit, "Entries per page")
      ->check(CLI::Range(uint32_t{1}, kHistoryLimitMax))
      ->capture_default_str();
  sub->add_option("--cursor", history->cursor, "Where to continue (printed after a page)");
  sub->add_flag("--oldest-first", history->oldest_first, "List the oldest movements first");
  commands->push_back({sub, [&options, history] { return RunHistory(options, *history); }});

  auto consent = std::make_shared<ConsentArgs>();
  sub = app.add_subcommand("consent", "Turn research use of your transfers on or off (signed)");
  sub->add_option("topic", consent->topic, "What the consent is for: research")
      ->required()
      ->check(CLI::IsMember({"research"}));
  sub->add_option("state", consent->state, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));
  commands->push_back({sub, [&options, consent] { return RunConsent(options, *consent); }});

  sub = app.add_subcommand("releases", "List the published releases that include your payments");
  commands->push_back({sub, [&options] { return RunReleases(options); }});

  sub = app.add_subcommand("status", "Show the node's role, applied index and chain head");
  commands->push_back({sub, [&options] { return RunStatus(options); }});
}

}  // namespace kyoso::wallet
