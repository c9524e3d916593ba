// Access: who may call what. A caller's role and identity come from its TLS client
// certificate (subject OU = role, CN = identity); one table, kRules in access.cc, says
// which roles may call each RPC and, for roles bound to an account or a programme, which
// field of the request must name it. Every handler asks the gate (gate.h), which asks
// Identify and Allow, before doing anything.
//
// Without TLS (a development node on loopback) every caller is trusted and Allow allows
// everything; the node says so in its log at start.
//
// Thread-safety: Identify and Allow may be called from any number of threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kyoso/ledger/types.h"

namespace google::protobuf {
class Message;
}

namespace kyoso::node {

enum class Role : uint8_t {
  kIssuer,           // The municipality: currencies, accounts, programmes, issuance.
  kProgramOperator,  // Runs one programme (CN = programme id): its rules and top-ups.
  kMerchant,         // A business's terminal (CN = its account, mch: or prd:).
  kResident,         // A resident's wallet (CN = its account, res:).
  kExchange,         // The exchange desk: rates and exchanges.
  kAnalyst,          // The lab: aggregates only.
  kResearcher,       // The accredited lab: pseudonymised research microdata.
  kAuditor,          // Reads everything, writes nothing.
  kOperator,         // Runs the cluster.
  kNode,             // Another node of the cluster.
};
inline constexpr int kRoleCount = 10;

// The role's name as it appears in certificates ("program-operator"); nullopt if unknown.
std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

// Every RPC of kyoso.v1, one row each in the table.
enum class Rpc : uint8_t {
  kCreateCurrency,
  kCreateAccount,
  kSetAccountStatus,
  kRotateOwnerKey,
  kCreateProgram,
  kSetProgramRules,
  kSetExchangeRate,
  kIssue,
  kTopUp,
  kPay,
  kPurchase,
  kRedeem,
  kCashOut,
  kExchange,
  kCorrect,
  kSubmitBatch,
  kAuthorize,
  kCapture,
  kVoid,
  kRefund,
  kCreatePaymentRequest,
  kSetResearchConsent,
  kGetAccount,
  kGetTransfer,
  kListHistory,
  kGetBalanceAt,
  kGetProgram,
  kGetCurrency,
  kListJournal,
  kGetFlowTable,
  kGetProgramMetrics,
  kPublishRelease,
  kGetRelease,
  kListReleases,
  kListAccountReleases,
  kGetPrivacyBudget,
  kExportMicrodata,
  kGetStatus,
  kGetChainHead,
  kAddNode,
  kRemoveNode,
  kTransferLeadership,
  kForwardBatch,
  kReadIndex,
  kFetchCheckpoint,
};

// A row of the table: the RPC's full gRPC name ("kyoso.v1.Money/Pay"), the roles that
// may call it (bit i = Role i), and the request fields that bound roles must own: a
// path like "transfer.from" that a merchant's or a resident's account must equal, and
// one a programme operator's programme must equal. Money moves only out of the caller's
// own account, or into it where the payer signed (a hold). An empty path leaves that
// role unbound for this RPC; "*party" is checked on the record read (GetTransfer).
struct AccessRule {
  Rpc rpc;
  std::string_view method;
  uint16_t roles;
  std::string_view merchant_field;
  std::string_view resident_field;
  std::string_view program_field;
};

// The table, for tests and documentation.
std::span<const AccessRule> AccessRules();
const AccessRule& RuleFor(Rpc rpc);
// The RPC a batch item of this kind stands for (SubmitBatch items pass its rule).
Rpc RpcForKind(ledger::TransferKind kind);

// Who is calling. `trusted` when the node runs without TLS.
struct Caller {
  bool trusted = false;
  Role role = Role::kAuditor;
  std::string identity;  // The certificate's CN.
};

class Access {
 public:
  // `enforce` is true when the node serves TLS with client certificates.
  explicit Access(bool enforce) : enforce_(enforce) {}

  // The caller of `context`, or UNAUTHENTICATED when its certificate names no role.
  grpc::Status Identify(const grpc::ServerContextBase& context, Caller* caller) const;
  // The same from the PEM text of a certificate the TLS handshake verified (the HTTP
  // gateway's callers).
  grpc::Status IdentifyPem(std::string pem, Caller* caller) const;
  // OK when the identified caller may make this call with this request; PERMISSION_DENIED
  // with a sentence saying why otherwise.
  static grpc::Status Allow(const Caller& caller, Rpc rpc,
                            const google::protobuf::Message& request);
  // For "*party" rules: a bound caller may read a transfer only as its payer or payee.
  static grpc::Status AllowParty(const Caller& caller, std::string_view from, std::string_view to);

 private:
  bool enforce_;
  mutable std::mutex mutex_;
  // Certificates already read, by their PEM text (bounded; cleared when full).
  mutable std::unordered_map<std::string, Caller> known_;
};

}  // namespace kyoso::node
