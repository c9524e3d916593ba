#include "node/access.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <memory>

namespace kyoso::node {
namespace {

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "issuer",  "program-operator", "merchant", "resident", "exchange",
    "analyst", "researcher",       "auditor",  "operator", "node"};

constexpr uint16_t Bit(Role role) {
  return uint16_t{1} << static_cast<int>(role);
}

constexpr uint16_t kIssuer = Bit(Role::kIssuer);
constexpr uint16_t kProgramOperator = Bit(Role::kProgramOperator);
constexpr uint16_t kMerchant = Bit(Role::kMerchant);
constexpr uint16_t kResident = Bit(Role::kResident);
constexpr uint16_t kExchange = Bit(Role::kExchange);
constexpr uint16_t kAnalyst = Bit(Role::kAnalyst);
constexpr uint16_t kResearcher = Bit(Role::kResearcher);
constexpr uint16_t kAuditor = Bit(Role::kAuditor);
constexpr uint16_t kOperator = Bit(Role::kOperator);
constexpr uint16_t kNode = Bit(Role::kNode);
constexpr uint16_t kEveryone = (uint16_t{1} << kRoleCount) - 1;
// Those who read one account's own data: the account itself, and the overseers.
constexpr uint16_t kAccountReaders = kIssuer | kAuditor | kMerchant | kResident;

// The one authorisation table (docs/security.md prints it). Order follows Rpc.
constexpr std::array kRules = {
    AccessRule{Rpc::kCreateCurrency, "kyoso.v1.Admin/CreateCurrency", kIssuer, "", "", ""},
    AccessRule{Rpc::kCreateAccount, "kyoso.v1.Admin/CreateAccount", kIssuer, "", "", ""},
    AccessRule{Rpc::kSetAccountStatus, "kyoso.v1.Admin/SetAccountStatus", kIssuer, "", "", ""},
    AccessRule{Rpc::kRotateOwnerKey, "kyoso.v1.Admin/RotateOwnerKey", kIssuer, "", "", ""},
    AccessRule{Rpc::kCreateProgram, "kyoso.v1.Admin/CreateProgram", kIssuer, "", "", ""},
    AccessRule{Rpc::kSetProgramRules, "kyoso.v1.Admin/SetProgramRules", kIssuer | kProgramOperator,
               "", "", "id"},
    AccessRule{Rpc::kSetExchangeRate, "kyoso.v1.Admin/SetExchangeRate", kIssuer | kExchange, "", "",
               ""},
    AccessRule{Rpc::kIssue, "kyoso.v1.Money/Issue", kIssuer, "", "", ""},
    AccessRule{Rpc::kTopUp, "kyoso.v1.Money/TopUp", kIssuer | kProgramOperator, "", "",
               "transfer.program"},
    AccessRule{Rpc::kPay, "kyoso.v1.Money/Pay", kResident, "transfer.from", "transfer.from", ""},
    AccessRule{Rpc::kPurchase, "kyoso.v1.Money/Purchase", kMerchant, "transfer.from",
               "transfer.from", ""},
    AccessRule{Rpc::kRedeem, "kyoso.v1.Money/Redeem", kMerchant, "transfer.from", "transfer.from",
               ""},
    AccessRule{Rpc::kCashOut, "kyoso.v1.Money/CashOut", kResident, "transfer.from", "transfer.from",
               ""},
    AccessRule{Rpc::kExchange, "kyoso.v1.Money/Exchange", kExchange | kMerchant | kResident,
               "transfer.from", "transfer.from", ""},
    AccessRule{Rpc::kCorrect, "kyoso.v1.Money/Correct", kIssuer, "", "", ""},
    // Each item must also pass the rule of the single call it stands for.
    AccessRule{Rpc::kSubmitBatch, "kyoso.v1.Money/SubmitBatch",
               kIssuer | kProgramOperator | kMerchant | kResident | kExchange, "", "", ""},
    AccessRule{Rpc::kAuthorize, "kyoso.v1.Terminal/Authorize", kMerchant | kResident, "transfer.to",
               "transfer.from", ""},
    AccessRule{Rpc::kCapture, "kyoso.v1.Terminal/Capture", kMerchant, "transfer.to", "transfer.to",
               ""},
    AccessRule{Rpc::kVoid, "kyoso.v1.Terminal/Void", kMerchant, "transfer.to", "transfer.to", ""},
    AccessRule{Rpc::kRefund, "kyoso.v1.Terminal/Refund", kMerchant, "transfer.from",
               "transfer.from", ""},
    AccessRule{Rpc::kCreatePaymentRequest, "kyoso.v1.Terminal/CreatePaymentRequest", kMerchant,
               "merchant", "merchant", ""},
    AccessRule{Rpc::kSetResearchConsent, "kyoso.v1.Resident/SetResearchConsent", kResident,
               "account", "account", ""},
    AccessRule{Rpc::kGetAccount, "kyoso.v1.Query/GetAccount", kAccountReaders, "id", "id", ""},
    AccessRule{Rpc::kGetTransfer, "kyoso.v1.Query/GetTransfer", kAccountReaders, "*party", "*party",
               ""},
    AccessRule{Rpc::kListHistory, "kyoso.v1.Query/ListHistory", kAccountReaders, "account",
               "account", ""},
    AccessRule{Rpc::kGetBalanceAt, "kyoso.v1.Query/GetBalanceAt", kAccountReaders, "account",
               "account", ""},
    AccessRule{
        Rpc::kGetProgram, "kyoso.v1.Query/GetProgram",
        kIssuer | kAuditor | kAnalyst | kResearcher | kProgramOperator | kMerchant | kResident, "",
        "", ""},
    AccessRule{Rpc::kGetCurrency, "kyoso.v1.Query/GetCurrency", kEveryone, "", "", ""},
    AccessRule{Rpc::kListJournal, "kyoso.v1.Query/ListJournal", kIssuer | kAuditor, "", "", ""},
    AccessRule{Rpc::kGetFlowTable, "kyoso.v1.Query/GetFlowTable", kAnalyst | kAuditor, "", "", ""},
    AccessRule{Rpc::kGetProgramMetrics, "kyoso.v1.Query/GetProgramMetrics", kAnalyst | kAuditor, "",
               "", ""},
    AccessRule{Rpc::kPublishRelease, "kyoso.v1.Releases/Publish", kAnalyst, "", "", ""},
    AccessRule{Rpc::kGetRelease, "kyoso.v1.Releases/GetRelease", kEveryone, "", "", ""},
    AccessRule{Rpc::kListReleases, "kyoso.v1.Releases/ListReleases", kEveryone, "", "", ""},
    AccessRule{Rpc::kListAccountReleases, "kyoso.v1.Releases/ListAccountReleases", kAccountReaders,
               "account", "account", ""},
    AccessRule{Rpc::kGetPrivacyBudget, "kyoso.v1.Releases/GetPrivacyBudget", kEveryone, "", "", ""},
    AccessRule{Rpc::kExportMicrodata, "kyoso.v1.Research/ExportMicrodata", kResearcher, "", "", ""},
    AccessRule{Rpc::kGetStatus, "kyoso.v1.Node/GetStatus", kEveryone, "", "", ""},
    AccessRule{Rpc::kGetChainHead, "kyoso.v1.Node/GetChainHead", kOperator | kAuditor | kNode, "",
               "", ""},
    AccessRule{Rpc::kAddNode, "kyoso.v1.Cluster/AddNode", kOperator, "", "", ""},
    AccessRule{Rpc::kRemoveNode, "kyoso.v1.Cluster/RemoveNode", kOperator, "", "", ""},
    AccessRule{Rpc::kTransferLeadership, "kyoso.v1.Cluster/TransferLeadership", kOperator, "", "",
               ""},
    AccessRule{Rpc::kForwardBatch, "kyoso.v1.Peer/ForwardBatch", kNode, "", "", ""},
    AccessRule{Rpc::kReadIndex, "kyoso.v1.Peer/ReadIndex", kNode, "", "", ""},
    AccessRule{Rpc::kFetchCheckpoint, "kyoso.v1.Peer/FetchCheckpoint", kNode, "", "", ""},
};

constexpr bool RulesFollowRpcOrder() {
  for (size_t i = 0; i < kRules.size(); ++i) {
    if (static_cast<size_t>(kRules[i].rpc) != i) return false;
  }
  return true;
}
static_assert(RulesFollowRpcOrder(), "kRules must list every Rpc once, in enum order");
static_assert(kRules.size() == static_cast<size_t>(Rpc::kFetchCheckpoint) + 1);

constexpr size_t kKnownCertificatesMax = 4'096;

bool BoundToAccount(Role role) {
  return role == Role::kMerchant || role == Role::kResident;
}

// The string at a dotted path of singular fields ("transfer.from"); empty if unset.
std::string FieldText(const google::protobuf::Message& message, std::string_view path) {
  const google::protobuf::Message* current = &message;
  while (true) {
    size_t dot = path.find('.');
    std::string name(path.substr(0, dot));
    const google::protobuf::FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(name);
    if (field == nullptr || field->is_repeated()) return {};
    const google::protobuf::Reflection* reflection = current->GetReflection();
    if (dot == std::string_view::npos) {
      if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) return {};
      return reflection->GetString(*current, field);
    }
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) return {};
    current = &reflection->GetMessage(*current, field);
    path.remove_prefix(dot + 1);
  }
}

std::string NameEntry(X509_NAME* name, int nid) {
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* text = nullptr;
  int length = ASN1_STRING_to_UTF8(&text, data);
  if (length < 0) return {};
  std::string value(reinterpret_cast<char*>(text), static_cast<size_t>(length));
  OPENSSL_free(text);
  return value;
}

// Reads role and identity from a PEM certificate the TLS handshake already verified.
grpc::Status ReadCertificate(const std::string& pem, Caller* caller) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
  if (!certificate) {
    return {grpc::StatusCode::UNAUTHENTICATED, "the client certificate cannot be read"};
  }
  X509_NAME* subject = X509_get_subject_name(certificate.get());
  std::string role = NameEntry(subject, NID_organizationalUnitName);
  std::optional<Role> known = RoleFromName(role);
  if (!known) {
    return {grpc::StatusCode::UNAUTHENTICATED,
            "the client certificate names no Kyoso role (its subject OU is '" + role +
                "'; see docs/security.md)"};
  }
  caller->role = *known;
  caller->identity = NameEntry(subject, NID_commonName);
  return grpc::Status::OK;
}

grpc::Status Denied(const Caller& caller, const AccessRule& rule) {
  return {grpc::StatusCode::PERMISSION_DENIED, "role " + std::string(RoleName(caller.role)) +
                                                   " may not call " + std::string(rule.method)};
}

grpc::Status NotOwned(const Caller& caller, std::string_view field, std::string_view value) {
  return {grpc::StatusCode::PERMISSION_DENIED,
          "this " + std::string(RoleName(caller.role)) + " certificate is bound to " +
              caller.identity + ", not to " + std::string(field) + " '" + std::string(value) + "'"};
}

}  // namespace

std::string_view RoleName(Role role) {
  return kRoleNames[static_cast<size_t>(role)];
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

std::span<const AccessRule> AccessRules() {
  return kRules;
}

const AccessRule& RuleFor(Rpc rpc) {
  return kRules[static_cast<size_t>(rpc)];
}

Rpc RpcForKind(ledger::TransferKind kind) {
  using K = ledger::TransferKind;
  switch (kind) {
    case K::kIssue:
      return Rpc::kIssue;
    case K::kTopUp:
      return Rpc::kTopUp;
    case K::kPayment:
      return Rpc::kPay;
    case K::kPurchase:
      return Rpc::kPurchase;
    case K::kRedeem:
      return Rpc::kRedeem;
    case K::kCashOut:
      return Rpc::kCashOut;
    case K::kExchange:
      return Rpc::kExchange;
    case K::kHold:
      return Rpc::kAuthorize;
    case K::kPost:
      return Rpc::kCapture;
    case K::kVoid:
      return Rpc::kVoid;
    case K::kRefund:
      return Rpc::kRefund;
    default:
      return Rpc::kCorrect;
  }
}

grpc::Status Access::Identify(const grpc::ServerContextBase& context, Caller* caller) const {
  if (!enforce_) {
    caller->trusted = true;
    return grpc::Status::OK;
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::vector<grpc::string_ref> pem =
      auth ? auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)
           : std::vector<grpc::string_ref>{};
  if (pem.empty()) {
    return {grpc::StatusCode::UNAUTHENTICATED, "this node requires a client certificate"};
  }
  return IdentifyPem(std::string(pem.front().data(), pem.front().size()), caller);
}

grpc::Status Access::IdentifyPem(std::string text, Caller* caller) const {
  if (!enforce_) {
    caller->trusted = true;
    return grpc::Status::OK;
  }
  std::lock_guard lock(mutex_);
  if (auto found = known_.find(text); found != known_.end()) {
    *caller = found->second;
    return grpc::Status::OK;
  }
  grpc::Status status = ReadCertificate(text, caller);
  if (!status.ok()) return status;
  if (known_.size() >= kKnownCertificatesMax) known_.clear();
  known_.emplace(std::move(text), *caller);
  return grpc::Status::OK;
}

grpc::Status Access::Allow(const Caller& caller, Rpc rpc,
                           const google::protobuf::Message& request) {
  if (caller.trusted) return grpc::Status::OK;
  const AccessRule& rule = RuleFor(rpc);
  if ((rule.roles & Bit(caller.role)) == 0) return Denied(caller, rule);
  std::string_view field;
  if (caller.role == Role::kMerchant) field = rule.merchant_field;
  if (caller.role == Role::kResident) field = rule.resident_field;
  if (caller.role == Role::kProgramOperator) field = rule.program_field;
  if (field.empty() || field == "*party") return grpc::Status::OK;
  std::string value = FieldText(request, field);
  if (value != caller.identity) return NotOwned(caller, field, value);
  return grpc::Status::OK;
}

grpc::Status Access::AllowParty(const Caller& caller, std::string_view from, std::string_view to) {
  if (caller.trusted || !BoundToAccount(caller.role)) return grpc::Status::OK;
  if (from == caller.identity || to == caller.identity) return grpc::Status::OK;
  return {grpc::StatusCode::PERMISSION_DENIED,
          "this " + std::string(RoleName(caller.role)) + " certificate is bound to " +
              caller.identity + ", which is neither payer nor payee of this transfer"};
}

}  // namespace kyoso::node
