// kyoso_client: what every Kyoso command-line tool (kyoso-wallet, kyoso-admin) shares to
// talk to a node: the common flags, the connection and deadlines, turning a failed call
// into an exit code and a sentence that says what to do, amounts and durations as people
// type them, transfer ids, times, and the payment-request URI.
//
// The exit codes are a stable contract for scripts (documented in docs/wallet.md). Text
// parsers take any input without throwing and return nullopt when it is not accepted.
// Thread-safety: every function is safe to call from any number of threads at once
// (they keep no state; the stubs and options passed in are the caller's to share).
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kyoso/crypto/payment_uri.h"
#include "kyoso/v1/query.grpc.pb.h"
#include "kyoso/v1/types.pb.h"

namespace kyoso::cli {

// Process exit codes, documented in docs/wallet.md; stable for scripts.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,         // A bug, or the node answered something unexpected.
  kExitUsage = 2,            // The command line is wrong (CLI11 says how).
  kExitUnreachable = 3,      // No answer in time, or the node could not take the call.
  kExitKeystore = 4,         // No keystore, wrong passphrase, no way to ask for one.
  kExitNotFound = 5,         // An account, currency, programme or transfer does not exist.
  kExitInvalid = 6,          // The node refused the request as malformed.
  kExitUnauthenticated = 7,  // The signature or the caller's identity was refused.
  kExitInsufficientFunds = 10,
  kExitCapExceeded = 11,       // A monthly cap or a balance limit.
  kExitPayeeNotEligible = 12,  // Programme money cannot be spent there.
  kExitLotExpired = 13,
  kExitAccountFrozen = 14,  // Frozen or closed.
  kExitDuplicateId = 15,    // The transfer id was used for a different transfer.
  kExitHoldState = 16,      // The hold is not pending, has expired, or is too small.
  kExitRefused = 19,        // Any other rule of the ledger refused it.
};

// The options every tool shares. The defaults suit a node started by ops/quickstart.
struct ClientOptions {
  std::string node = "127.0.0.1:7400";  // flag --node, env KYOSO_NODE
  int timeout_ms = 5000;                // flag --timeout-ms: every call's deadline
  bool json = false;                    // flag --json: machine-readable output on stdout
  // TLS (docs/security.md): the authority's certificate and this client's certificate and
  // key, PEM files. Without them the tool talks plaintext (a development node).
  std::string tls_ca;    // flag --tls-ca, env KYOSO_TLS_CA
  std::string tls_cert;  // flag --tls-cert, env KYOSO_TLS_CERT
  std::string tls_key;   // flag --tls-key, env KYOSO_TLS_KEY
};

// Adds --node, --timeout-ms, --json and the --tls-* flags to `app` (environment
// variables read as the defaults).
// `options` must outlive the parse.
void AddClientOptions(CLI::App& app, ClientOptions* options);

// A channel to options.node: TLS with the client certificate when options.tls_ca is set,
// plaintext otherwise. Connecting is lazy: an unreachable node shows up as the first
// call's UNAVAILABLE. A TLS file that cannot be read ends the process (kExitUsage) with
// a message naming it.
std::shared_ptr<grpc::Channel> Connect(const ClientOptions& options);

// Waits, at most `limit`, until gRPC has finished shutting down once the last channel is
// gone. gRPC may finish that on a thread of its own, and a process that exits while the
// thread still runs races OpenSSL's clean-up at exit: a TLS session ticket is then freed
// by neither (a leak report under LeakSanitizer). Call it at the end of main, after every
// channel and stub is destroyed.
void AwaitGrpcShutdown(std::chrono::milliseconds limit = std::chrono::seconds(2));

// Sets the call's deadline to now + options.timeout_ms. Call it on every ClientContext.
void SetDeadline(grpc::ClientContext* context, const ClientOptions& options);

// Why a call failed: the exit code and one sentence that says what happened and what to
// do. `outcome` is the ledger's answer when the node sent one.
struct Failure {
  int exit_code = kExitInternal;
  std::string message;
  std::optional<kyoso::v1::Outcome> outcome;
};

// Describes a failed call. Reads the Outcome from the trailing metadata
// "kyoso-outcome-bin" (a serialized TransferReply or AdminReply) when present; otherwise
// judges by the gRPC code. `context` must be the one the call used.
Failure DescribeFailure(const grpc::Status& status, const grpc::ClientContext& context);
// The same, naming the node's address and the deadline in the sentence when the node
// could not be reached or did not answer in time.
Failure DescribeFailure(const grpc::Status& status, const grpc::ClientContext& context,
                        const ClientOptions& options);
// A failure of the tool's own making (bad input found before any call).
Failure MakeFailure(int exit_code, std::string message);

// The exit code for a ledger result (kExitOk for RESULT_OK).
int ExitCodeFor(kyoso::v1::Result result);
// A sentence saying what a refusal means and what to do, starting with the result's name
// in words ("insufficient funds: …").
std::string ResultSentence(kyoso::v1::Result result);

// "12.50" with scale 2 -> 1250; "12.50 BUNJI" also accepted (the code then must match
// `currency` if non-empty). More decimals than `scale` are an error unless they are all
// zeros ("12.505" with scale 2 is an error, "12.500" is 1250). Negative, empty, garbage
// or overflowing text -> nullopt with *error (if not null) set to a sentence. Zero is
// accepted; callers that need a positive amount check it.
std::optional<int64_t> ParseAmount(std::string_view text, int32_t scale, std::string_view currency,
                                   std::string* error);
// 1250, 2, "BUNJI" -> "12.50 BUNJI"; negative -> "-12.50 BUNJI"; empty currency: no code.
std::string FormatAmount(int64_t minor, int32_t scale, std::string_view currency);

// "90s", "15m", "2h", "30d", "500ms" -> milliseconds; nullopt otherwise (no sign, no
// fraction, no missing unit, no overflow).
std::optional<int64_t> ParseDurationMs(std::string_view text);
// The inverse, in the largest unit that divides it: 1'800'000 -> "30m", 1'500 -> "1500ms".
std::string FormatDurationMs(int64_t ms);

// 16 random bytes (OpenSSL RAND_bytes) as 32 lowercase hex, never all zeros. Empty only if
// OpenSSL has no randomness to give.
std::string NewTransferId();
// A transfer id as typed (32 hex digits, either case, not all zeros) in lowercase;
// nullopt if it is not one.
std::optional<std::string> NormalizeTransferId(std::string_view text);

// UTC "2026-11-25 14:03:07"; 0 -> "never".
std::string FormatTime(int64_t ns);
// The kind's wire name as the ledger spells it: "payment", "top_up", "hold_expiry", ….
std::string_view TransferKindName(kyoso::v1::TransferKind kind);

// Fetches a currency (for its scale); on failure fills *failure and returns nullopt.
std::optional<kyoso::v1::Currency> FetchCurrency(kyoso::v1::Query::Stub& query,
                                                 const ClientOptions& options,
                                                 const std::string& code, Failure* failure);

// Prints a failure: as JSON {"error": ..., "exit_code": ..., "result": ...} on stdout when
// options.json, else "kyoso-<tool>: <message>" on stderr; returns the exit code.
int ReportFailure(std::string_view tool, const ClientOptions& options, const Failure& failure);

// The payment-request URI codec is shared with the node (kyoso/crypto/payment_uri.h).
using crypto::FormatPaymentRequestUri;
using crypto::ParsePaymentRequestUri;
using crypto::PaymentRequestUri;

}  // namespace kyoso::cli
