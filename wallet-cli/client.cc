// The calling half of kyoso_client: options, connection, deadlines, failures and how
// they are reported. The text half (amounts, ids, times, URIs) is in client_text.cc.
#include "wallet-cli/client.h"

#include <grpc/grpc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace kyoso::cli {
namespace {

// The trailing metadata key under which the node sends a refused call's reply
// (node/write_path.h, kOutcomeMetadataKey). Part of the wire contract.
constexpr char kOutcomeMetadataKey[] = "kyoso-outcome-bin";

// What one ledger result means for the person at the command line.
struct ResultMeaning {
  v1::Result result;
  int exit_code;
  const char* sentence;
};

// Every Result, with its exit code and what to do about it. A result missing here is
// reported with its name and kExitRefused, so a newer node never breaks an older tool.
constexpr ResultMeaning kResultMeanings[] = {
    {v1::RESULT_OK, kExitOk, "ok"},
    {v1::RESULT_INVALID_TRANSFER_ID, kExitInvalid,
     "invalid transfer id: use 32 hexadecimal characters, not all zeros"},
    {v1::RESULT_AMOUNT_NOT_POSITIVE, kExitInvalid,
     "amount not positive: give an amount of more than zero"},
    {v1::RESULT_MEMO_TOO_LONG, kExitInvalid, "memo too long: keep it to 140 bytes"},
    {v1::RESULT_TERMINAL_ID_TOO_LONG, kExitInvalid, "terminal id too long: keep it to 64 bytes"},
    {v1::RESULT_INVALID_ACCOUNT_ID, kExitInvalid,
     "invalid account id: write kind:name, e.g. res:alice or mch:bakery"},
    {v1::RESULT_INVALID_CURRENCY_CODE, kExitInvalid,
     "invalid currency code: use 3 to 8 capital letters, e.g. BUNJI"},
    {v1::RESULT_INVALID_PROGRAM_ID, kExitInvalid,
     "invalid programme id: use a short name such as fresh-food"},
    {v1::RESULT_INVALID_NAME, kExitInvalid, "invalid name or code: check its spelling"},
    {v1::RESULT_INVALID_SCALE, kExitInvalid, "invalid scale: a currency has 0 to 8 decimals"},
    {v1::RESULT_INVALID_RATE, kExitInvalid, "invalid rate or fee: check the numbers given"},
    {v1::RESULT_INVALID_LIMIT, kExitInvalid, "invalid limit: limits cannot be negative"},
    {v1::RESULT_INVALID_TIMEOUT, kExitInvalid,
     "invalid hold timeout: give more than zero and at most 7 days"},
    {v1::RESULT_INVALID_WINDOW, kExitInvalid,
     "invalid validity window: it must end after it starts"},
    {v1::RESULT_SAME_ACCOUNT, kExitInvalid,
     "same account: the payer and the payee must be different accounts"},
    {v1::RESULT_LINKED_GROUP_OPEN, kExitInvalid,
     "linked group open: the last transfer of a batch must not be linked"},
    {v1::RESULT_REFERENCE_REQUIRED, kExitInvalid,
     "reference required: give the transfer this refers to with --ref"},
    {v1::RESULT_MEMO_REQUIRED, kExitInvalid, "memo required: say why with --memo"},
    {v1::RESULT_PARTIES_MISMATCH, kExitInvalid,
     "parties mismatch: the accounts are not those of the transfer referred to"},
    {v1::RESULT_ACCOUNT_KIND_MISMATCH, kExitInvalid,
     "account kind mismatch: this kind of account cannot take part in this transfer"},
    {v1::RESULT_INVALID_KEY, kExitInvalid,
     "invalid key: give the wallet's raw 32-byte Ed25519 public key (from `kyoso-wallet "
     "address`)"},
    {v1::RESULT_CURRENCY_NOT_FOUND, kExitNotFound, "currency not found: check the code"},
    {v1::RESULT_CURRENCY_EXISTS, kExitRefused,
     "currency exists: a currency with this code was created before"},
    {v1::RESULT_ACCOUNT_NOT_FOUND, kExitNotFound,
     "account not found: check the id (has the issuer registered it?)"},
    {v1::RESULT_ACCOUNT_EXISTS, kExitRefused,
     "account exists: an account with this id was created before"},
    {v1::RESULT_PROGRAM_NOT_FOUND, kExitNotFound, "programme not found: check its id"},
    {v1::RESULT_PROGRAM_EXISTS, kExitRefused,
     "programme exists: a programme with this id was created before"},
    {v1::RESULT_TRANSFER_NOT_FOUND, kExitNotFound,
     "transfer not found: check the transfer id (it must be an accepted transfer of the "
     "right kind)"},
    {v1::RESULT_CURRENCY_MISMATCH, kExitInvalid,
     "currency mismatch: the accounts or the amount are in different currencies"},
    {v1::RESULT_DUPLICATE_ID_DIFFERENT_BODY, kExitDuplicateId,
     "duplicate id: this transfer id was already used for a different transfer; leave out "
     "--id to get a new one"},
    {v1::RESULT_ACCOUNT_FROZEN, kExitAccountFrozen,
     "account frozen: no money moves until the issuer unfreezes it"},
    {v1::RESULT_ACCOUNT_CLOSED, kExitAccountFrozen,
     "account closed: a closed account can no longer send or receive money"},
    {v1::RESULT_ACCOUNT_NOT_EMPTY, kExitRefused,
     "account not empty: move its money and end its holds before closing it"},
    {v1::RESULT_INSUFFICIENT_FUNDS, kExitInsufficientFunds,
     "insufficient funds: the balance is lower than the amount; check it with `kyoso-wallet "
     "balance`"},
    {v1::RESULT_LOT_EXPIRED, kExitLotExpired,
     "lot expired: the money that would pay this has expired; see `kyoso-wallet balance`"},
    {v1::RESULT_PAYEE_NOT_ELIGIBLE, kExitPayeeNotEligible,
     "payee not eligible: this programme's money cannot be spent there; pay somewhere the "
     "programme allows, or with free money"},
    {v1::RESULT_PAYER_NOT_ALLOWED, kExitRefused,
     "payer not allowed: this kind of account cannot make this kind of transfer"},
    {v1::RESULT_CAP_EXCEEDED, kExitCapExceeded,
     "cap exceeded: this would pass the monthly spending cap; see `kyoso-wallet balance` "
     "or wait for next month"},
    {v1::RESULT_BALANCE_LIMIT_EXCEEDED, kExitCapExceeded,
     "balance limit exceeded: the receiving account would hold more than its maximum"},
    {v1::RESULT_BUDGET_EXHAUSTED, kExitRefused,
     "budget exhausted: the programme has paid out its whole budget"},
    {v1::RESULT_PROGRAM_NOT_ACTIVE, kExitRefused,
     "programme not active: it has not started yet or has ended"},
    {v1::RESULT_RULES_NOT_IN_FORCE, kExitRefused,
     "rules not in force: the programme has no rules at this time"},
    {v1::RESULT_EFFECTIVE_TIME_IN_PAST, kExitRefused,
     "effective time in the past: rules and rates take effect now or later, never earlier"},
    {v1::RESULT_NOT_BACKED, kExitRefused,
     "not backed: this currency holds no national money, so it cannot be redeemed or "
     "cashed out"},
    {v1::RESULT_NOT_REDEEMABLE, kExitRefused,
     "not redeemable: the programme of this money does not let this account redeem it"},
    {v1::RESULT_CASH_OUT_NOT_ALLOWED, kExitRefused,
     "cash-out not allowed: only free money cashes out, and only where the programme "
     "allows it"},
    {v1::RESULT_RATE_MISSING, kExitRefused,
     "rate missing: no exchange rate between these currencies is in force"},
    {v1::RESULT_HOLD_NOT_PENDING, kExitHoldState,
     "hold not pending: it was already captured, voided or has expired"},
    {v1::RESULT_HOLD_EXPIRED, kExitHoldState,
     "hold expired: the money went back to the payer; ask for a new payment"},
    {v1::RESULT_POST_EXCEEDS_HOLD, kExitHoldState,
     "amount exceeds hold: capture at most the held amount (void takes the whole hold)"},
    {v1::RESULT_NOT_REFUNDABLE, kExitRefused,
     "not refundable: only payments, purchases and captures can be refunded"},
    {v1::RESULT_REFUND_EXCEEDS_PAYMENT, kExitRefused,
     "refund exceeds payment: at most what is left unrefunded of the payment can go back"},
    {v1::RESULT_LOTS_LIMIT_EXCEEDED, kExitRefused,
     "lots limit exceeded: the account holds too many separate lots of money"},
    {v1::RESULT_OVERFLOW, kExitRefused, "overflow: the amounts involved are too large"},
    {v1::RESULT_LINKED_EVENT_FAILED, kExitRefused,
     "linked transfer failed: another transfer of its linked group was refused, so none "
     "applied"},
    {v1::RESULT_PERIOD_NOT_CLOSED, kExitRefused,
     "period not closed: a month is published once it has ended"},
    {v1::RESULT_PRIVACY_BUDGET_EXCEEDED, kExitRefused,
     "privacy budget exceeded: this month's releases have spent what it allows"},
    {v1::RESULT_INVALID_RELEASE, kExitRefused,
     "invalid release: its id, partitions, bounds or epsilon are out of range"},
};

const ResultMeaning* FindMeaning(v1::Result result) {
  for (const ResultMeaning& meaning : kResultMeanings) {
    if (meaning.result == result) return &meaning;
  }
  return nullptr;
}

// The ledger's answer carried in the trailers of a refused call. Which reply it is
// depends on the service, so both are tried; a TransferReply is recognised by its outcome
// (field 2), which an AdminReply never has.
std::optional<v1::Outcome> OutcomeFromTrailers(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto found = trailers.find(kOutcomeMetadataKey);
  if (found == trailers.end()) return std::nullopt;
  std::string bytes(found->second.data(), found->second.size());
  v1::TransferReply transfer_reply;
  if (transfer_reply.ParseFromString(bytes) && transfer_reply.has_outcome()) {
    return transfer_reply.outcome();
  }
  v1::AdminReply admin_reply;
  if (admin_reply.ParseFromString(bytes) && admin_reply.has_outcome()) {
    return admin_reply.outcome();
  }
  return std::nullopt;
}

// gRPC's own words for a transport that never reached the server.
bool LooksUnconnected(const std::string& message) {
  for (const char* marker :
       {"failed to connect", "Failed to connect", "Connection refused", "DNS resolution failed",
        "connections to all backends failing", "Socket closed", "Connection reset"}) {
    if (message.find(marker) != std::string::npos) return true;
  }
  return false;
}

Failure Unavailable(const grpc::Status& status, const ClientOptions* options) {
  std::string where = options ? "the node at " + options->node : std::string("the node");
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::string within = options ? " within " + std::to_string(options->timeout_ms) + " ms" : "";
    return {kExitUnreachable,
            where + " did not answer" + within +
                ": it may be busy or unreachable; try again, or give more time with --timeout-ms",
            std::nullopt};
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      LooksUnconnected(status.error_message())) {
    return {kExitUnreachable,
            "cannot reach " + where + ": is kyoso-node running? (ops/quickstart starts one)",
            std::nullopt};
  }
  return {kExitUnreachable,
          where + " could not take the call (" + status.error_message() + "); try again shortly",
          std::nullopt};
}

// A failure judged by its gRPC code alone: the node sent no ledger outcome.
Failure FromStatus(const grpc::Status& status, const ClientOptions* options) {
  const std::string& said = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Unavailable(status, options);
    case grpc::StatusCode::NOT_FOUND:
      return {kExitNotFound, said + ": check the name or id given", std::nullopt};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return {kExitInvalid, "the node refused the request as malformed: " + said, std::nullopt};
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      // Refused by the certificate's role or binding, or by the payer's signature.
      if (said.find("certificate") != std::string::npos || said.starts_with("role ")) {
        return {kExitUnauthenticated,
                "not allowed: " + said +
                    "; the TLS certificate given (--tls-cert, KYOSO_TLS_CERT) decides what this "
                    "tool may do",
                std::nullopt};
      }
      return {kExitUnauthenticated,
              "not authorised: " + said +
                  "; check that this wallet's key (`kyoso-wallet address`) is the one "
                  "registered for the account",
              std::nullopt};
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return {kExitRefused, "the node refused it: " + said, std::nullopt};
    case grpc::StatusCode::UNIMPLEMENTED:
      return {kExitInternal,
              "the node does not offer this call (" + said + "): is it an older kyoso-node?",
              std::nullopt};
    default:
      return {kExitInternal,
              "the call failed (gRPC code " + std::to_string(status.error_code()) + "): " + said,
              std::nullopt};
  }
}

Failure Describe(const grpc::Status& status, const grpc::ClientContext& context,
                 const ClientOptions* options) {
  std::optional<v1::Outcome> outcome = OutcomeFromTrailers(context);
  if (outcome && outcome->result() != v1::RESULT_OK &&
      outcome->result() != v1::RESULT_UNSPECIFIED) {
    return {ExitCodeFor(outcome->result()), ResultSentence(outcome->result()), outcome};
  }
  Failure failure = FromStatus(status, options);
  failure.outcome = outcome;
  return failure;
}

}  // namespace

void AddClientOptions(CLI::App& app, ClientOptions* options) {
  app.add_option("--node", options->node, "The node's gRPC address")
      ->type_name("HOST:PORT")
      ->envname("KYOSO_NODE")
      ->capture_default_str();
  app.add_option("--timeout-ms", options->timeout_ms,
                 "Deadline of every call to the node, in milliseconds")
      ->type_name("MS")
      ->check(CLI::Range(1, 10 * 60 * 1000))
      ->capture_default_str();
  app.add_flag("--json", options->json, "Print one JSON object on stdout instead of text");
  app.add_option("--tls-ca", options->tls_ca, "PEM file of the certificate authority (TLS)")
      ->type_name("PATH")
      ->envname("KYOSO_TLS_CA")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", options->tls_cert, "PEM file of this client's certificate")
      ->type_name("PATH")
      ->envname("KYOSO_TLS_CERT")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options->tls_key, "PEM file of this client's private key")
      ->type_name("PATH")
      ->envname("KYOSO_TLS_KEY")
      ->check(CLI::ExistingFile);
}

namespace {

std::string ReadTlsFile(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "cannot read the TLS file %s: check the path and its permissions\n",
                 path.c_str());
    std::exit(kExitUsage);
  }
  return text.str();
}

}  // namespace

std::shared_ptr<grpc::Channel> Connect(const ClientOptions& options) {
  if (options.tls_ca.empty()) {
    return grpc::CreateChannel(options.node, grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadTlsFile(options.tls_ca);
  tls.pem_cert_chain = ReadTlsFile(options.tls_cert);
  tls.pem_private_key = ReadTlsFile(options.tls_key);
  return grpc::CreateChannel(options.node, grpc::SslCredentials(tls));
}

void AwaitGrpcShutdown(std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (grpc_is_initialized() != 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void SetDeadline(grpc::ClientContext* context, const ClientOptions& options) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(options.timeout_ms));
}

Failure DescribeFailure(const grpc::Status& status, const grpc::ClientContext& context) {
  return Describe(status, context, nullptr);
}

Failure DescribeFailure(const grpc::Status& status, const grpc::ClientContext& context,
                        const ClientOptions& options) {
  return Describe(status, context, &options);
}

Failure MakeFailure(int exit_code, std::string message) {
  return Failure{exit_code, std::move(message), std::nullopt};
}

int ExitCodeFor(v1::Result result) {
  if (result == v1::RESULT_UNSPECIFIED) return kExitInternal;
  const ResultMeaning* meaning = FindMeaning(result);
  return meaning ? meaning->exit_code : kExitRefused;
}

std::string ResultSentence(v1::Result result) {
  const ResultMeaning* meaning = FindMeaning(result);
  if (meaning) return meaning->sentence;
  if (v1::Result_IsValid(result)) return "refused: " + v1::Result_Name(result);
  return "refused with result " + std::to_string(static_cast<int>(result)) +
         ", which this tool does not know: is there a newer release?";
}

std::optional<v1::Currency> FetchCurrency(v1::Query::Stub& query, const ClientOptions& options,
                                          const std::string& code, Failure* failure) {
  grpc::ClientContext context;
  SetDeadline(&context, options);
  v1::GetCurrencyRequest request;
  request.set_code(code);
  v1::Currency currency;
  grpc::Status status = query.GetCurrency(&context, request, &currency);
  if (!status.ok()) {
    *failure = DescribeFailure(status, context, options);
    return std::nullopt;
  }
  return currency;
}

int ReportFailure(std::string_view tool, const ClientOptions& options, const Failure& failure) {
  if (options.json) {
    nlohmann::json out = {{"error", failure.message}, {"exit_code", failure.exit_code}};
    out["result"] = failure.outcome ? nlohmann::json(failure.outcome->result_name()) : nullptr;
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cerr << "kyoso-" << tool << ": " << failure.message << "\n";
  }
  return failure.exit_code;
}

}  // namespace kyoso::cli
