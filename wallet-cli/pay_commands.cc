// Money leaving the wallet's own account on its owner's signature: pay (directly or a
// merchant's payment request, which may ask for a hold), exchange and cash-out.
#include <iostream>

#include "wallet-cli/wallet.h"

namespace kyoso::wallet {
namespace {

using cli::kExitInternal;
using cli::kExitInvalid;
using cli::kExitOk;
using cli::kExitRefused;
using cli::kExitUsage;
using cli::MakeFailure;

// Signs the transfer when the payer is a resident (the node verifies residents' money
// only; a business's own money needs no signature in this release, so no passphrase is
// asked), then sends it with `rpc`.
template <typename Stub>
std::optional<v1::TransferReply> SignAndSend(Session& session, const WalletAccount& wallet,
                                             std::string_view kind, Stub& stub,
                                             Session::TransferRpc<Stub> rpc, v1::Transfer* transfer,
                                             Failure* failure) {
  if (wallet.account.kind() == v1::ACCOUNT_KIND_RESIDENT) {
    std::unique_ptr<UnlockedKey> key = session.Unlock(failure);
    if (!key) return std::nullopt;
    if (!key->SignTransfer(kind, transfer)) {
      *failure = MakeFailure(kExitInternal, "OpenSSL could not sign the transfer");
      return std::nullopt;
    }
  }
  return session.SendTransfer(stub, rpc, *transfer, failure);
}

// The fields every transfer from the wallet starts with.
v1::Transfer FromWallet(const WalletAccount& wallet, std::string id, int64_t amount_minor) {
  v1::Transfer transfer;
  transfer.set_id(std::move(id));
  transfer.set_from(wallet.id());
  transfer.set_amount_minor(amount_minor);
  transfer.set_currency(wallet.currency.code());
  return transfer;
}

// A transfer to `to` of --amount under --id (or a fresh id); nullopt on bad input.
std::optional<v1::Transfer> PlanTransfer(const WalletAccount& wallet, const std::string& to,
                                         const std::string& amount_text, const std::string& id,
                                         Failure* failure) {
  std::optional<int64_t> amount = ParsePositiveAmount(amount_text, wallet, failure);
  if (!amount) return std::nullopt;
  std::optional<std::string> transfer_id = ChooseTransferId(id, failure);
  if (!transfer_id) return std::nullopt;
  v1::Transfer transfer = FromWallet(wallet, std::move(*transfer_id), *amount);
  transfer.set_to(to);
  return transfer;
}

// --- pay ---

struct PayArgs {
  std::string to;
  std::string amount;
  std::string program;
  std::string memo;
  std::string id;
  std::string request;
};

// A payment request, checked against the wallet before anything is signed.
std::optional<v1::Transfer> PlanFromRequest(const WalletAccount& wallet, const PayArgs& args,
                                            Failure* failure) {
  std::optional<cli::PaymentRequestUri> request = cli::ParsePaymentRequestUri(args.request);
  if (!request) {
    *failure = MakeFailure(kExitUsage,
                           "--request is not a Kyoso payment request (kyoso:pay?id=…&to=…); "
                           "copy it whole from the merchant's terminal");
    return std::nullopt;
  }
  if (request->currency != wallet.currency.code()) {
    *failure = MakeFailure(kExitInvalid, "the request asks for " + request->currency + " but " +
                                             wallet.id() + " holds " + wallet.currency.code());
    return std::nullopt;
  }
  if (NowNs() > request->not_after_ns) {
    *failure = MakeFailure(kExitRefused, "this payment request expired at " +
                                             cli::FormatTime(request->not_after_ns) +
                                             " UTC; ask the merchant for a new one");
    return std::nullopt;
  }
  v1::Transfer transfer = FromWallet(wallet, request->transfer_id, request->amount_minor);
  transfer.set_to(request->merchant);
  transfer.set_memo(request->memo);
  transfer.set_terminal(request->terminal);
  transfer.set_not_after_ns(request->not_after_ns);
  transfer.set_hold_timeout_ms(request->hold_timeout_ms);
  return transfer;
}

void PrintPaid(const Session& session, const WalletAccount& wallet, const v1::Transfer& t,
               const v1::TransferReply& reply) {
  bool hold = t.hold_timeout_ms() != 0;
  if (session.json()) {
    nlohmann::json out = TransferJson(t, reply, wallet);
    out["kind"] = hold ? "hold" : "payment";
    if (hold) out["hold_timeout_ms"] = t.hold_timeout_ms();
    session.PrintJson(out);
    return;
  }
  std::string amount = wallet.Format(t.amount_minor());
  if (hold) {
    std::cout << "Authorised " << amount << " for " << t.to()
              << ", held until the merchant captures it (at most "
              << cli::FormatDurationMs(t.hold_timeout_ms()) << ")"
              << TransferTail(reply, "authorised earlier") << "\n";
  } else {
    std::cout << "Paid " << amount << " to " << t.to()
              << TransferTail(reply, "already paid earlier") << "\n";
  }
}

int RunPay(const WalletOptions& options, const PayArgs& args) {
  Session session(options);
  if (args.request.empty() && (args.to.empty() || args.amount.empty())) {
    return session.Fail(kExitUsage, "give --to and --amount, or --request with a payment request");
  }
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<v1::Transfer> transfer =
      args.request.empty() ? PlanTransfer(*wallet, args.to, args.amount, args.id, &failure)
                           : PlanFromRequest(*wallet, args, &failure);
  if (!transfer) return session.Fail(failure);
  transfer->set_program(args.program);
  if (!args.memo.empty()) transfer->set_memo(args.memo);
  std::optional<v1::TransferReply> reply =
      transfer->hold_timeout_ms() != 0
          ? SignAndSend(session, *wallet, "hold", session.terminal(),
                        &v1::Terminal::Stub::Authorize, &*transfer, &failure)
          : SignAndSend(session, *wallet, "payment", session.money(), &v1::Money::Stub::Pay,
                        &*transfer, &failure);
  if (!reply) return session.Fail(failure);
  PrintPaid(session, *wallet, *transfer, *reply);
  return kExitOk;
}

// --- exchange ---

struct ExchangeArgs {
  std::string to;
  std::string amount;
  std::string memo;
  std::string id;
};

// The credited amount in the payee's currency; in minor units if that cannot be read.
std::string CreditedText(Session& session, const std::string& payee, int64_t credited_minor) {
  Failure ignored;
  std::optional<v1::Account> account = session.GetAccount(payee, &ignored);
  std::optional<v1::Currency> currency;
  if (account)
    currency = cli::FetchCurrency(session.query(), session.client(), account->currency(), &ignored);
  if (!currency) return std::to_string(credited_minor) + " minor units";
  return cli::FormatAmount(credited_minor, currency->scale(), currency->code());
}

int RunExchange(const WalletOptions& options, const ExchangeArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<v1::Transfer> transfer =
      PlanTransfer(*wallet, args.to, args.amount, args.id, &failure);
  if (!transfer) return session.Fail(failure);
  transfer->set_memo(args.memo);
  std::optional<v1::TransferReply> reply =
      SignAndSend(session, *wallet, "exchange", session.money(), &v1::Money::Stub::Exchange,
                  &*transfer, &failure);
  if (!reply) return session.Fail(failure);
  const v1::Outcome& outcome = reply->outcome();
  std::string credited = CreditedText(session, args.to, outcome.credited_minor());
  if (session.json()) {
    nlohmann::json out = TransferJson(*transfer, *reply, *wallet);
    out["credited_minor"] = outcome.credited_minor();
    out["credited"] = credited;
    out["fee_minor"] = outcome.fee_minor();
    session.PrintJson(out);
    return kExitOk;
  }
  std::cout << "Exchanged " << wallet->Format(transfer->amount_minor()) << " into " << credited
            << " for " << args.to << " (fee " << wallet->Format(outcome.fee_minor()) << ")"
            << TransferTail(*reply, "already exchanged earlier") << "\n";
  return kExitOk;
}

// --- cash-out ---

struct CashOutArgs {
  std::string amount;
  std::string memo;
  std::string id;
};

int RunCashOut(const WalletOptions& options, const CashOutArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  // The issuer pays national money out of the reserve, so the transfer goes to it.
  std::optional<v1::Transfer> transfer =
      PlanTransfer(*wallet, wallet->currency.issuer_account(), args.amount, args.id, &failure);
  if (!transfer) return session.Fail(failure);
  transfer->set_memo(args.memo);
  std::optional<v1::TransferReply> reply =
      SignAndSend(session, *wallet, "cash_out", session.money(), &v1::Money::Stub::CashOut,
                  &*transfer, &failure);
  if (!reply) return session.Fail(failure);
  const v1::Outcome& outcome = reply->outcome();
  int32_t scale = wallet->currency.scale();
  std::string settled =
      cli::FormatAmount(outcome.settled_minor(), scale, wallet->currency.backing());
  if (session.json()) {
    nlohmann::json out = TransferJson(*transfer, *reply, *wallet);
    out["settled_minor"] = outcome.settled_minor();
    out["settled"] = settled;
    out["incentive_returned_minor"] = outcome.incentive_minor();
    session.PrintJson(out);
    return kExitOk;
  }
  std::cout << "Cashed out " << wallet->Format(transfer->amount_minor()) << ": " << settled
            << " paid out";
  if (outcome.incentive_minor() != 0) {
    std::cout << " (" << wallet->Format(outcome.incentive_minor())
              << " of incentive on it given back)";
  }
  std::cout << TransferTail(*reply, "already cashed out earlier") << "\n";
  return kExitOk;
}

void AddPay(CLI::App& app, const WalletOptions& options, Commands* commands) {
  auto args = std::make_shared<PayArgs>();
  CLI::App* sub = app.add_subcommand("pay", "Pay a merchant or producer (signed)");
  CLI::Option* to = sub->add_option("--to", args->to, "The payee, e.g. mch:bakery");
  CLI::Option* amount =
      sub->add_option("--amount", args->amount, "e.g. \"12.50\" or \"12.50 BUNJI\"");
  sub->add_option("--program", args->program, "Pay under this programme");
  CLI::Option* memo = sub->add_option("--memo", args->memo, "A short note (at most 140 bytes)");
  CLI::Option* id = sub->add_option(
      "--id", args->id, "Transfer id (32 hex); reuse one to retry without paying twice");
  sub->add_option("--request", args->request, "A merchant's payment request, kyoso:pay?…")
      ->excludes(to)
      ->excludes(amount)
      ->excludes(id)
      ->excludes(memo);
  commands->push_back({sub, [&options, args] { return RunPay(options, *args); }});
}

}  // namespace

void AddPayCommands(CLI::App& app, const WalletOptions& options, Commands* commands) {
  AddPay(app, options, commands);

  auto exchange = std::make_shared<ExchangeArgs>();
  CLI::App* sub = app.add_subcommand("exchange", "Exchange into another currency's account");
  sub->add_option("--to", exchange->to, "The account credited, e.g. res:alice.h")->required();
  sub->add_option("--amount", exchange->amount, "In your currency, e.g. \"10.00 BUNJI\"")
      ->required();
  sub->add_option("--memo", exchange->memo, "A short note");
  sub->add_option("--id", exchange->id, "Transfer id (32 hex), to retry safely");
  commands->push_back({sub, [&options, exchange] { return RunExchange(options, *exchange); }});

  auto cash_out = std::make_shared<CashOutArgs>();
  sub = app.add_subcommand("cash-out", "Cash unused money back into national money (signed)");
  sub->add_option("--amount", cash_out->amount, "e.g. \"20.00\"")->required();
  sub->add_option("--memo", cash_out->memo, "A short note");
  sub->add_option("--id", cash_out->id, "Transfer id (32 hex), to retry safely");
  commands->push_back({sub, [&options, cash_out] { return RunCashOut(options, *cash_out); }});
}

}  // namespace kyoso::wallet
