// What a merchant (or producer) does with its wallet: ask to be paid (request, charge),
// finish a charge (capture, void), refund, buy from another business, redeem. A
// business's own money needs no signature in this release, so none of these asks for the
// passphrase.
#include <unistd.h>

#include <iostream>

#include "wallet-cli/qr.h"
#include "wallet-cli/wallet.h"

namespace kyoso::wallet {
namespace {

using cli::kExitInvalid;
using cli::kExitOk;
using cli::kExitUsage;
using cli::MakeFailure;

// --- request, charge ---

struct RequestArgs {
  std::string amount;
  std::string memo;
  std::string terminal;
  std::string valid_for = "15m";
  std::string hold = "30m";
};

std::optional<int64_t> ParseDurationFlag(std::string_view flag, const std::string& text,
                                         Failure* failure) {
  std::optional<int64_t> ms = cli::ParseDurationMs(text);
  if (!ms || *ms <= 0) {
    *failure = MakeFailure(kExitUsage, std::string(flag) +
                                           " must be a duration such as 90s, "
                                           "15m, 2h or 1d");
  }
  return ms;
}

// The request the node is asked to prepare; nullopt on bad input.
std::optional<v1::CreatePaymentRequestRequest> PlanRequest(const WalletAccount& wallet,
                                                           const RequestArgs& args, bool charge,
                                                           Failure* failure) {
  std::optional<int64_t> amount = ParsePositiveAmount(args.amount, wallet, failure);
  std::optional<int64_t> valid_ms =
      amount ? ParseDurationFlag("--valid-for", args.valid_for, failure) : std::nullopt;
  std::optional<int64_t> hold_ms = valid_ms && charge
                                       ? ParseDurationFlag("--hold", args.hold, failure)
                                       : std::optional<int64_t>(0);
  if (!amount || !valid_ms || !hold_ms) return std::nullopt;
  v1::CreatePaymentRequestRequest request;
  request.set_merchant(wallet.id());
  request.set_amount_minor(*amount);
  request.set_currency(wallet.currency.code());
  request.set_memo(args.memo);
  request.set_terminal(args.terminal);
  request.set_valid_for_ms(*valid_ms);
  request.set_hold_timeout_ms(*hold_ms);
  return request;
}

void PrintRequest(const Session& session, const WalletAccount& wallet,
                  const v1::PaymentRequest& r) {
  if (session.json()) {
    session.PrintJson({{"transfer_id", r.transfer_id()},
                       {"merchant", r.merchant()},
                       {"amount_minor", r.amount_minor()},
                       {"amount", cli::FormatAmount(r.amount_minor(), wallet.currency.scale(), "")},
                       {"currency", r.currency()},
                       {"memo", r.memo()},
                       {"terminal", r.terminal()},
                       {"not_after_ns", r.not_after_ns()},
                       {"not_after_utc", cli::FormatTime(r.not_after_ns())},
                       {"hold_timeout_ms", r.hold_timeout_ms()},
                       {"uri", r.uri()}});
    return;
  }
  bool charge = r.hold_timeout_ms() != 0;
  std::cout << (charge ? "Charge: " : "Payment request: ") << wallet.Format(r.amount_minor())
            << " to " << r.merchant() << ", transfer " << r.transfer_id() << ", valid until "
            << cli::FormatTime(r.not_after_ns()) << " UTC\n"
            << r.uri() << "\n\n"
            << RenderQr(r.uri(), isatty(STDOUT_FILENO) == 1) << "\n"
            << "The customer scans it, or runs: kyoso-wallet pay --request '" << r.uri() << "'\n";
  if (charge) {
    std::cout << "Once authorised, capture it: kyoso-wallet capture --ref " << r.transfer_id()
              << "  (or release it: kyoso-wallet void --ref " << r.transfer_id() << ")\n";
  }
}

int RunRequest(const WalletOptions& options, const RequestArgs& args, bool charge) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<v1::CreatePaymentRequestRequest> request =
      PlanRequest(*wallet, args, charge, &failure);
  if (!request) return session.Fail(failure);
  grpc::ClientContext context;
  cli::SetDeadline(&context, session.client());
  v1::PaymentRequest reply;
  grpc::Status status = session.terminal().CreatePaymentRequest(&context, *request, &reply);
  if (!status.ok()) return session.Fail(cli::DescribeFailure(status, context, session.client()));
  PrintRequest(session, *wallet, reply);
  return kExitOk;
}

// --- capture, void, refund ---

struct RefArgs {
  std::string ref;
  std::string amount;
  std::string memo;
  std::string id;
};

// The transfer --ref names, if it is one of `kinds` and was paid to the wallet's account.
std::optional<v1::TransferRecord> LoadReferenced(Session& session, const WalletAccount& wallet,
                                                 const std::string& ref_text,
                                                 std::initializer_list<v1::TransferKind> kinds,
                                                 std::string_view wanted, Failure* failure) {
  std::optional<std::string> ref = ParseRef(ref_text, failure);
  if (!ref) return std::nullopt;
  std::optional<v1::TransferRecord> record = session.GetTransfer(*ref, failure);
  if (!record) return std::nullopt;
  std::string_view kind = cli::TransferKindName(record->kind());
  if (std::find(kinds.begin(), kinds.end(), record->kind()) == kinds.end()) {
    std::string hint = record->kind() == v1::TRANSFER_KIND_HOLD
                           ? "; refund a charge by the transfer id that `capture` printed"
                           : "";
    *failure = MakeFailure(kExitInvalid, "transfer " + *ref + " is a " + std::string(kind) +
                                             ", not " + std::string(wanted) + hint);
    return std::nullopt;
  }
  if (record->transfer().to() != wallet.id()) {
    *failure = MakeFailure(kExitInvalid, "transfer " + *ref + " went to " +
                                             record->transfer().to() + ", not to " + wallet.id());
    return std::nullopt;
  }
  return record;
}

// The transfer that answers `record`: from `from` to `to`, referring to it.
std::optional<v1::Transfer> Answer(const v1::TransferRecord& record, const std::string& from,
                                   const std::string& to, int64_t amount_minor, const RefArgs& args,
                                   Failure* failure) {
  std::optional<std::string> id = ChooseTransferId(args.id, failure);
  if (!id) return std::nullopt;
  v1::Transfer transfer;
  transfer.set_id(*id);
  transfer.set_from(from);
  transfer.set_to(to);
  transfer.set_amount_minor(amount_minor);
  transfer.set_currency(record.currency());
  transfer.set_ref(record.transfer().id());
  transfer.set_memo(args.memo);
  return transfer;
}

enum class HoldAction { kCapture, kVoid };

void PrintHoldDone(const Session& session, const WalletAccount& wallet, HoldAction action,
                   const v1::TransferRecord& hold, const v1::Transfer& t,
                   const v1::TransferReply& reply) {
  const std::string& payer = hold.transfer().from();
  int64_t held = hold.transfer().amount_minor();
  if (session.json()) {
    nlohmann::json out = TransferJson(t, reply, wallet);
    out["kind"] = action == HoldAction::kCapture ? "post" : "void";
    out["held_minor"] = held;
    session.PrintJson(out);
  } else if (action == HoldAction::kVoid) {
    std::cout << "Voided hold " << t.ref() << ": " << wallet.Format(held) << " back to " << payer
              << TransferTail(reply, "already voided earlier") << "\n";
  } else {
    std::cout << "Captured " << wallet.Format(t.amount_minor()) << " from " << payer;
    if (t.amount_minor() < held) {
      std::cout << "; " << wallet.Format(held - t.amount_minor()) << " went back to " << payer;
    }
    std::cout << TransferTail(reply, "already captured earlier") << "\n";
  }
}

int RunHoldAction(const WalletOptions& options, const RefArgs& args, HoldAction action) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<v1::TransferRecord> hold =
      LoadReferenced(session, *wallet, args.ref, {v1::TRANSFER_KIND_HOLD}, "a hold", &failure);
  if (!hold) return session.Fail(failure);
  // A capture takes the whole hold unless told less; a void always releases all of it and
  // carries no amount.
  int64_t amount = 0;
  if (action == HoldAction::kCapture) {
    std::optional<int64_t> parsed = args.amount.empty()
                                        ? std::optional<int64_t>(hold->transfer().amount_minor())
                                        : ParsePositiveAmount(args.amount, *wallet, &failure);
    if (!parsed) return session.Fail(failure);
    amount = *parsed;
  }
  std::optional<v1::Transfer> transfer =
      Answer(*hold, hold->transfer().from(), wallet->id(), amount, args, &failure);
  if (!transfer) return session.Fail(failure);
  auto rpc =
      action == HoldAction::kCapture ? &v1::Terminal::Stub::Capture : &v1::Terminal::Stub::Void;
  std::optional<v1::TransferReply> reply =
      session.SendTransfer(session.terminal(), rpc, *transfer, &failure);
  if (!reply) return session.Fail(failure);
  PrintHoldDone(session, *wallet, action, *hold, *transfer, *reply);
  return kExitOk;
}

int RunRefund(const WalletOptions& options, const RefArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<v1::TransferRecord> paid = LoadReferenced(
      session, *wallet, args.ref,
      {v1::TRANSFER_KIND_PAYMENT, v1::TRANSFER_KIND_PURCHASE, v1::TRANSFER_KIND_POST},
      "a payment, purchase or capture", &failure);
  if (!paid) return session.Fail(failure);
  std::optional<int64_t> amount = ParsePositiveAmount(args.amount, *wallet, &failure);
  if (!amount) return session.Fail(failure);
  std::optional<v1::Transfer> transfer =
      Answer(*paid, wallet->id(), paid->transfer().from(), *amount, args, &failure);
  if (!transfer) return session.Fail(failure);
  std::optional<v1::TransferReply> reply =
      session.SendTransfer(session.terminal(), &v1::Terminal::Stub::Refund, *transfer, &failure);
  if (!reply) return session.Fail(failure);
  if (session.json()) {
    session.PrintJson(TransferJson(*transfer, *reply, *wallet));
  } else {
    std::cout << "Refunded " << wallet->Format(*amount) << " to " << transfer->to() << " (of "
              << cli::TransferKindName(paid->kind()) << " " << transfer->ref() << ")"
              << TransferTail(*reply, "already refunded earlier") << "\n";
  }
  return kExitOk;
}

// --- purchase, redeem ---

struct OutArgs {
  std::string to;
  std::string amount;
  std::string program;
  std::string memo;
  std::string id;
};

// A transfer out of the business's account to `to`; nullopt on bad input.
std::optional<v1::Transfer> PlanOut(const WalletAccount& wallet, const std::string& to,
                                    const OutArgs& args, Failure* failure) {
  std::optional<int64_t> amount = ParsePositiveAmount(args.amount, wallet, failure);
  std::optional<std::string> id = amount ? ChooseTransferId(args.id, failure) : std::nullopt;
  if (!amount || !id) return std::nullopt;
  v1::Transfer transfer;
  transfer.set_id(*id);
  transfer.set_from(wallet.id());
  transfer.set_to(to);
  transfer.set_amount_minor(*amount);
  transfer.set_currency(wallet.currency.code());
  transfer.set_program(args.program);
  transfer.set_memo(args.memo);
  return transfer;
}

int RunPurchase(const WalletOptions& options, const OutArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<v1::Transfer> transfer = PlanOut(*wallet, args.to, args, &failure);
  if (!transfer) return session.Fail(failure);
  std::optional<v1::TransferReply> reply =
      session.SendTransfer(session.money(), &v1::Money::Stub::Purchase, *transfer, &failure);
  if (!reply) return session.Fail(failure);
  if (session.json()) {
    session.PrintJson(TransferJson(*transfer, *reply, *wallet));
  } else {
    std::cout << "Paid " << wallet->Format(transfer->amount_minor()) << " to " << transfer->to()
              << TransferTail(*reply, "already paid earlier") << "\n";
  }
  return kExitOk;
}

int RunRedeem(const WalletOptions& options, const OutArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  // The issuer pays the national money out of its reserve, so the transfer goes to it.
  std::optional<v1::Transfer> transfer =
      PlanOut(*wallet, wallet->currency.issuer_account(), args, &failure);
  if (!transfer) return session.Fail(failure);
  std::optional<v1::TransferReply> reply =
      session.SendTransfer(session.money(), &v1::Money::Stub::Redeem, *transfer, &failure);
  if (!reply) return session.Fail(failure);
  const v1::Outcome& outcome = reply->outcome();
  std::string settled = cli::FormatAmount(outcome.settled_minor(), wallet->currency.scale(),
                                          wallet->currency.backing());
  if (session.json()) {
    nlohmann::json out = TransferJson(*transfer, *reply, *wallet);
    out["fee_minor"] = outcome.fee_minor();
    out["settled_minor"] = outcome.settled_minor();
    out["settled"] = settled;
    session.PrintJson(out);
  } else {
    std::cout << "Redeemed " << wallet->Format(transfer->amount_minor()) << ": fee "
              << wallet->Format(outcome.fee_minor()) << ", " << settled << " settled"
              << TransferTail(*reply, "already redeemed earlier") << "\n";
  }
  return kExitOk;
}

// request and charge: the same flags, a charge adding how long the hold lasts.
void AddRequest(CLI::App& app, const WalletOptions& options, Commands* commands, bool charge) {
  auto args = std::make_shared<RequestArgs>();
  CLI::App* sub =
      app.add_subcommand(charge ? "charge" : "request",
                         charge ? "Merchant: ask to be paid with a hold, then capture or void it"
                                : "Merchant: ask to be paid; prints the request and its QR code");
  sub->add_option("--amount", args->amount, "e.g. \"12.50\" or \"12.50 BUNJI\"")->required();
  sub->add_option("--memo", args->memo, "Shown to the customer (at most 140 bytes)");
  sub->add_option("--terminal", args->terminal, "This terminal's id (at most 64 bytes)");
  sub->add_option("--valid-for", args->valid_for, "How long it may be paid, e.g. 15m")
      ->capture_default_str();
  if (charge) {
    sub->add_option("--hold", args->hold, "How long the customer's money is held, e.g. 30m")
        ->capture_default_str();
  }
  commands->push_back(
      {sub, [&options, args, charge] { return RunRequest(options, *args, charge); }});
}

// capture, void and refund: each answers an earlier transfer named by --ref.
void AddAnswers(CLI::App& app, const WalletOptions& options, Commands* commands) {
  for (HoldAction action : {HoldAction::kCapture, HoldAction::kVoid}) {
    auto args = std::make_shared<RefArgs>();
    bool capture = action == HoldAction::kCapture;
    CLI::App* sub =
        app.add_subcommand(capture ? "capture" : "void",
                           capture ? "Merchant: take a held payment (all of it, or --amount)"
                                   : "Merchant: release a held payment back to the customer");
    sub->add_option("--ref", args->ref, "The hold's transfer id (from `charge`)")->required();
    if (capture) sub->add_option("--amount", args->amount, "At most the held amount");
    sub->add_option("--memo", args->memo, "A short note");
    sub->add_option("--id", args->id, "Transfer id (32 hex), to retry safely");
    commands->push_back(
        {sub, [&options, args, action] { return RunHoldAction(options, *args, action); }});
  }
  auto refund = std::make_shared<RefArgs>();
  CLI::App* sub = app.add_subcommand("refund", "Merchant: return (part of) a payment");
  sub->add_option("--ref", refund->ref, "The payment, purchase or capture to refund")->required();
  sub->add_option("--amount", refund->amount, "How much to give back")->required();
  sub->add_option("--memo", refund->memo, "A short note");
  sub->add_option("--id", refund->id, "Transfer id (32 hex), to retry safely");
  commands->push_back({sub, [&options, refund] { return RunRefund(options, *refund); }});
}

// purchase and redeem: a business's money out, to another business or to the issuer.
void AddOut(CLI::App& app, const WalletOptions& options, Commands* commands, bool purchase) {
  auto args = std::make_shared<OutArgs>();
  CLI::App* sub = app.add_subcommand(purchase ? "purchase" : "redeem",
                                     purchase ? "Business: pay another business, e.g. a producer"
                                              : "Business: turn local money into national money");
  if (purchase) sub->add_option("--to", args->to, "The business paid, e.g. prd:farm")->required();
  sub->add_option("--amount", args->amount, "e.g. \"100.00\"")->required();
  if (purchase) sub->add_option("--program", args->program, "Pay under this programme");
  sub->add_option("--memo", args->memo, "A short note");
  sub->add_option("--id", args->id, "Transfer id (32 hex), to retry safely");
  commands->push_back({sub, [&options, args, purchase] {
                         return purchase ? RunPurchase(options, *args) : RunRedeem(options, *args);
                       }});
}

}  // namespace

void AddMerchantCommands(CLI::App& app, const WalletOptions& options, Commands* commands) {
  AddRequest(app, options, commands, false);
  AddRequest(app, options, commands, true);
  AddAnswers(app, options, commands);
  AddOut(app, options, commands, true);
  AddOut(app, options, commands, false);
}

}  // namespace kyoso::wallet
