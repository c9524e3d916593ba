// Roles from client certificates, against a real kyoso-node serving TLS: every role calls
// every RPC of kyoso.v1 and gets through or PERMISSION_DENIED exactly as the matrix
// below says (written out here on its own, so a change to the node's table must be made
// twice); certificates bound to an account or a programme reach only their own; clients
// without a certificate, with one from another authority, or naming no role are refused.
#include "node/access.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <map>
#include <set>

#include "kyoso/v1/admin.grpc.pb.h"
#include "kyoso/v1/money.grpc.pb.h"
#include "kyoso/v1/node.grpc.pb.h"
#include "kyoso/v1/query.grpc.pb.h"
#include "kyoso/v1/releases.grpc.pb.h"
#include "kyoso/v1/research.grpc.pb.h"
#include "support/certificates.h"
#include "support/node_process.h"
#include "support/tls_town.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

using google::protobuf::Message;

// Each role and the certificate ops/certs dev makes for it (its CN in brackets).
const std::map<std::string, std::string> kRoleCertificate = {
    {"issuer", "issuer"},                // municipality
    {"program-operator", "fresh-food"},  // fresh-food
    {"merchant", "bakery"},              // mch:bakery
    {"resident", "alice"},               // res:alice
    {"exchange", "exchange"},            // exchange-desk
    {"analyst", "analyst"},              // town-lab
    {"researcher", "researcher"},        // town-lab-research
    {"auditor", "auditor"},              // town-audit
    {"operator", "operator"},            // ops
    {"node", "node-2"},                  // node-2: another node calling as a peer
};

// Who may call what: the expected matrix.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"kyoso.v1.Admin/CreateCurrency", {"issuer"}},
    {"kyoso.v1.Admin/CreateAccount", {"issuer"}},
    {"kyoso.v1.Admin/SetAccountStatus", {"issuer"}},
    {"kyoso.v1.Admin/RotateOwnerKey", {"issuer"}},
    {"kyoso.v1.Admin/CreateProgram", {"issuer"}},
    {"kyoso.v1.Admin/SetProgramRules", {"issuer", "program-operator"}},
    {"kyoso.v1.Admin/SetExchangeRate", {"issuer", "exchange"}},
    {"kyoso.v1.Money/Issue", {"issuer"}},
    {"kyoso.v1.Money/TopUp", {"issuer", "program-operator"}},
    {"kyoso.v1.Money/Pay", {"resident"}},
    {"kyoso.v1.Money/Purchase", {"merchant"}},
    {"kyoso.v1.Money/Redeem", {"merchant"}},
    {"kyoso.v1.Money/CashOut", {"resident"}},
    {"kyoso.v1.Money/Exchange", {"exchange", "merchant", "resident"}},
    {"kyoso.v1.Money/Correct", {"issuer"}},
    {"kyoso.v1.Money/SubmitBatch",
     {"issuer", "program-operator", "merchant", "resident", "exchange"}},
    {"kyoso.v1.Terminal/Authorize", {"merchant", "resident"}},
    {"kyoso.v1.Terminal/Capture", {"merchant"}},
    {"kyoso.v1.Terminal/Void", {"merchant"}},
    {"kyoso.v1.Terminal/Refund", {"merchant"}},
    {"kyoso.v1.Terminal/CreatePaymentRequest", {"merchant"}},
    {"kyoso.v1.Resident/SetResearchConsent", {"resident"}},
    {"kyoso.v1.Query/GetAccount", {"issuer", "auditor", "merchant", "resident"}},
    {"kyoso.v1.Query/GetTransfer", {"issuer", "auditor", "merchant", "resident"}},
    {"kyoso.v1.Query/ListHistory", {"issuer", "auditor", "merchant", "resident"}},
    {"kyoso.v1.Query/GetBalanceAt", {"issuer", "auditor", "merchant", "resident"}},
    {"kyoso.v1.Query/GetProgram",
     {"issuer", "auditor", "analyst", "researcher", "program-operator", "merchant", "resident"}},
    {"kyoso.v1.Query/GetCurrency",
     {"issuer", "program-operator", "merchant", "resident", "exchange", "analyst", "researcher",
      "auditor", "operator", "node"}},
    {"kyoso.v1.Query/ListJournal", {"issuer", "auditor"}},
    {"kyoso.v1.Query/GetFlowTable", {"analyst", "auditor"}},
    {"kyoso.v1.Query/GetProgramMetrics", {"analyst", "auditor"}},
    {"kyoso.v1.Releases/Publish", {"analyst"}},
    {"kyoso.v1.Releases/GetRelease",
     {"issuer", "program-operator", "merchant", "resident", "exchange", "analyst", "researcher",
      "auditor", "operator", "node"}},
    {"kyoso.v1.Releases/ListReleases",
     {"issuer", "program-operator", "merchant", "resident", "exchange", "analyst", "researcher",
      "auditor", "operator", "node"}},
    {"kyoso.v1.Releases/ListAccountReleases", {"issuer", "auditor", "merchant", "resident"}},
    {"kyoso.v1.Releases/GetPrivacyBudget",
     {"issuer", "program-operator", "merchant", "resident", "exchange", "analyst", "researcher",
      "auditor", "operator", "node"}},
    {"kyoso.v1.Research/ExportMicrodata", {"researcher"}},
    {"kyoso.v1.Node/GetStatus",
     {"issuer", "program-operator", "merchant", "resident", "exchange", "analyst", "researcher",
      "auditor", "operator", "node"}},
    {"kyoso.v1.Node/GetChainHead", {"operator", "auditor", "node"}},
    {"kyoso.v1.Cluster/AddNode", {"operator"}},
    {"kyoso.v1.Cluster/RemoveNode", {"operator"}},
    {"kyoso.v1.Cluster/TransferLeadership", {"operator"}},
    {"kyoso.v1.Peer/ForwardBatch", {"node"}},
    {"kyoso.v1.Peer/ReadIndex", {"node"}},
    {"kyoso.v1.Peer/FetchCheckpoint", {"node"}},
};

// Every method of the kyoso.v1 services, from the compiled-in descriptors.
// (A message of each file names it, so the linker keeps every file's descriptor: looked up
// by name, a file no code refers to may be missing from the pool.)
std::vector<const google::protobuf::MethodDescriptor*> AllMethods() {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const google::protobuf::FileDescriptor* descriptor :
       {v1::CreateAccountRequest::descriptor()->file(), v1::TransferRequest::descriptor()->file(),
        v1::GetAccountRequest::descriptor()->file(), v1::GetStatusRequest::descriptor()->file(),
        v1::PublishReleaseRequest::descriptor()->file(),
        v1::ExportMicrodataRequest::descriptor()->file()}) {
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = descriptor->service(s);
      for (int m = 0; m < service->method_count(); ++m) methods.push_back(service->method(m));
    }
  }
  return methods;
}

std::string FullName(const google::protobuf::MethodDescriptor* method) {
  return method->service()->full_name() + "/" + method->name();
}

// Sets the string field at a dotted path if the message has it.
void SetIfPresent(Message* message, std::string_view path, const std::string& value) {
  size_t dot = path.find('.');
  const auto* field = message->GetDescriptor()->FindFieldByName(std::string(path.substr(0, dot)));
  if (field == nullptr || field->is_repeated()) return;
  const auto* reflection = message->GetReflection();
  if (dot == std::string_view::npos) {
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      reflection->SetString(message, field, value);
    }
    return;
  }
  if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) return;
  SetIfPresent(reflection->MutableMessage(message, field), path.substr(dot + 1), value);
}

// A request for `method` naming `identity` wherever a bound role's own account or
// programme is expected, so that a certificate's binding never decides the matrix.
std::string BoundRequest(const google::protobuf::MethodDescriptor* method,
                         const std::string& identity) {
  std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(method->input_type())
                                       ->New());
  for (const char* path :
       {"id", "account", "merchant", "transfer.from", "transfer.to", "transfer.program"}) {
    SetIfPresent(request.get(), path, identity);
  }
  return request->SerializeAsString();
}

grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel,
                  const google::protobuf::MethodDescriptor* method, const std::string& identity) {
  std::string request = BoundRequest(method, identity);
  if (!method->server_streaming()) return CallRaw(channel, "/" + FullName(method), request);
  // The one streaming RPC, Peer.FetchCheckpoint: read the stream to its end.
  auto stub = v1::Peer::NewStub(channel);
  grpc::ClientContext context;
  SetTestDeadline(&context);
  v1::FetchCheckpointRequest fetch;
  fetch.ParseFromString(request);
  auto reader = stub->FetchCheckpoint(&context, fetch);
  v1::CheckpointChunk chunk;
  while (reader->Read(&chunk)) {
  }
  return reader->Finish();
}

// One GetStatus call, not repeated (TownClient repeats UNAVAILABLE).
grpc::StatusCode StatusCallCode(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::Node::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::NodeStatus status;
  return stub->GetStatus(&context, v1::GetStatusRequest(), &status).error_code();
}

using AccessTest = TlsTownTest;

TEST_F(AccessTest, TheMatrixCoversEveryRpcAndAgreesWithTheNodesTable) {
  std::set<std::string> methods;
  for (const auto* method : AllMethods()) methods.insert(FullName(method));
  std::set<std::string> expected;
  for (const auto& [method, roles] : kAllowed) expected.insert(method);
  EXPECT_EQ(methods, expected) << "an RPC was added or removed: give it a row in kAllowed";

  std::set<std::string> in_table;
  for (const node::AccessRule& rule : node::AccessRules()) {
    std::string method(rule.method);
    in_table.insert(method);
    std::set<std::string> roles;
    for (int r = 0; r < node::kRoleCount; ++r) {
      if (rule.roles & (1 << r)) roles.insert(std::string(node::RoleName(node::Role(r))));
    }
    EXPECT_EQ(roles, kAllowed.count(method) ? kAllowed.at(method) : std::set<std::string>{})
        << method;
  }
  EXPECT_EQ(in_table, expected);
}

TEST_F(AccessTest, EveryRoleCallsEveryRpcAndOnlyTheMatrixGetsThrough) {
  ASSERT_EQ(kRoleCertificate.size(), size_t{node::kRoleCount});
  const std::map<std::string, std::string> identity = {{"issuer", "municipality"},
                                                       {"program-operator", "fresh-food"},
                                                       {"merchant", "mch:bakery"},
                                                       {"resident", "res:alice"},
                                                       {"exchange", "exchange-desk"},
                                                       {"analyst", "town-lab"},
                                                       {"researcher", "town-lab-research"},
                                                       {"auditor", "town-audit"},
                                                       {"operator", "ops"},
                                                       {"node", "node-2"}};
  int calls = 0;
  for (const auto& [role, certificate] : kRoleCertificate) {
    std::shared_ptr<grpc::Channel> channel = Channel(certificate);
    for (const auto* method : AllMethods()) {
      grpc::Status status = Call(channel, method, identity.at(role));
      bool allowed = kAllowed.at(FullName(method)).count(role) > 0;
      ++calls;
      if (allowed) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << role << " should be allowed " << FullName(method) << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << role;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << "WRONG ALLOW: " << role << " got " << FullName(method) << " (" << status.error_code()
            << " " << status.error_message() << ")";
      }
    }
  }
  EXPECT_EQ(calls, node::kRoleCount * static_cast<int>(kAllowed.size()));
}

TEST_F(AccessTest, AMerchantTerminalMovesAndReadsOnlyItsOwnAccount) {
  TownClient bakery(Channel("bakery"));
  v1::Transfer hold = bakery.NewTransfer("res:alice", "mch:grocer", 100);
  auto charged = bakery.SendTerminal(&v1::Terminal::Stub::Authorize, hold);
  EXPECT_EQ(charged.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(charged.status.error_message().find("bound to mch:bakery"), std::string::npos)
      << charged.status.error_message();
  auto redeemed =
      bakery.Send(&v1::Money::Stub::Redeem, bakery.NewTransfer("mch:grocer", "iss:bunji", 1));
  EXPECT_EQ(redeemed.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(bakery.GetAccount("mch:grocer").status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(bakery.GetAccount("mch:bakery").status.ok());
}

TEST_F(AccessTest, AResidentSeesItsOwnTransfersAndNoOneElses) {
  ASSERT_TRUE(town_->Issue("res:alice", 5'000).status.ok());
  ASSERT_TRUE(town_->Issue("res:bob", 5'000).status.ok());
  // alice's wallet pays with alice's key over alice's certificate.
  TownClient alice(Channel("alice"));
  v1::Transfer payment = town_->NewTransfer("res:alice", "mch:bakery", 700);
  town_->Sign(&payment, "payment");
  auto paid = alice.Send(&v1::Money::Stub::Pay, payment);
  ASSERT_TRUE(paid.status.ok()) << paid.status.error_message();
  EXPECT_TRUE(alice.GetTransfer(payment.id()).status.ok());
  EXPECT_TRUE(TownClient(Channel("bakery")).GetTransfer(payment.id()).status.ok());

  ASSERT_TRUE(certificates_.AddClient("resident", "bob", "res:bob"));
  TownClient bob(Channel("bob"));
  EXPECT_EQ(bob.GetTransfer(payment.id()).status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(bob.GetAccount("res:alice").status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // bob's certificate cannot carry alice's payment, even one alice signed.
  v1::Transfer again = town_->NewTransfer("res:alice", "mch:bakery", 1);
  town_->Sign(&again, "payment");
  EXPECT_EQ(bob.Send(&v1::Money::Stub::Pay, again).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(town_->Balance("res:alice"), 5'000 - 700);
}

TEST_F(AccessTest, AProgrammeOperatorTopsUpOnlyUnderItsOwnProgramme) {
  ASSERT_TRUE(certificates_.AddClient("program-operator", "repair", "repair-cafe"));
  TownClient repair(Channel("repair"));
  auto refused = repair.TopUp("res:alice", 1'000, "fresh-food");
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  TownClient fresh(Channel("fresh-food"));
  auto topped = fresh.TopUp("res:alice", 1'000, "fresh-food");
  EXPECT_TRUE(topped.status.ok()) << topped.status.error_message();
  EXPECT_EQ(town_->Balance("res:alice"), 1'100);  // With the programme's 10% bonus.
}

TEST_F(AccessTest, ABatchIsRefusedWholeWhenOneItemIsNotTheCallers) {
  TownClient bakery(Channel("bakery"));
  v1::SubmitBatchRequest batch;
  auto* own = batch.add_items();
  own->set_kind(v1::TRANSFER_KIND_PURCHASE);
  *own->mutable_transfer() = bakery.NewTransfer("mch:bakery", "prd:farm", 1);
  auto* other = batch.add_items();
  other->set_kind(v1::TRANSFER_KIND_PURCHASE);
  *other->mutable_transfer() = bakery.NewTransfer("mch:grocer", "prd:farm", 1);
  v1::SubmitBatchReply reply;
  grpc::ClientContext context;
  SetTestDeadline(&context);
  grpc::Status status = bakery.money().SubmitBatch(&context, batch, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
}

TEST_F(AccessTest, ClientsWithoutAKyosoCertificateAreRefused) {
  // No certificate: the handshake fails, no call is made.
  grpc::SslCredentialsOptions anonymous;
  std::ifstream ca(certificates_.File("ca.crt"));
  anonymous.pem_root_certs.assign(std::istreambuf_iterator<char>(ca), {});
  auto bare = grpc::CreateChannel(node_.address(), grpc::SslCredentials(anonymous));
  EXPECT_EQ(StatusCallCode(bare), grpc::StatusCode::UNAVAILABLE);
  // Plaintext to a TLS port.
  auto plain = grpc::CreateChannel(node_.address(), grpc::InsecureChannelCredentials());
  EXPECT_EQ(StatusCallCode(plain), grpc::StatusCode::UNAVAILABLE);
  // A certificate from another authority.
  TestCertificates strangers(temp_.path() / "other-ca");
  ASSERT_TRUE(strangers.ok());
  grpc::SslCredentialsOptions foreign;
  foreign.pem_root_certs = anonymous.pem_root_certs;
  std::ifstream cert(strangers.File("issuer.crt")), key(strangers.File("issuer.key"));
  foreign.pem_cert_chain.assign(std::istreambuf_iterator<char>(cert), {});
  foreign.pem_private_key.assign(std::istreambuf_iterator<char>(key), {});
  auto outsider = grpc::CreateChannel(node_.address(), grpc::SslCredentials(foreign));
  EXPECT_EQ(StatusCallCode(outsider), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AccessTest, ACertificateNamingNoRoleIsUnauthenticated) {
  // ops/certs refuses unknown roles, so sign one by hand with the same authority.
  std::string dir = temp_.path().string() + "/certs";
  ProgramResult made = RunProgram(
      "/bin/sh", {"-c", "cd " + dir +
                            " && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                            "-nodes -keyout nobody.key -out nobody.csr -subj /O=Kyoso/OU=visitor/"
                            "CN=nobody 2>/dev/null && openssl x509 -req -in nobody.csr -CA ca.crt "
                            "-CAkey ca.key -CAcreateserial -days 1 -out nobody.crt 2>/dev/null"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  grpc::Status status = TownClient(Channel("nobody")).Status().status;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("visitor"), std::string::npos) << status.error_message();
}

TEST(NodeTlsSettingsTest, ANodeWithoutTlsServesLoopbackOnlyAndTlsNeedsAllThreeFiles) {
  TempDir temp;
  NodeProcess exposed(temp.path() / "exposed", {"--listen", "0.0.0.0:0"});
  EXPECT_FALSE(exposed.Start());
  EXPECT_NE(exposed.log().find("requires TLS"), std::string::npos) << exposed.log();

  TestCertificates certificates(temp.path() / "certs");
  ASSERT_TRUE(certificates.ok());
  NodeProcess half(temp.path() / "half", {"--tls-cert", certificates.File("node-1.crt")});
  EXPECT_FALSE(half.Start());
  EXPECT_NE(half.log().find("tls needs all of"), std::string::npos) << half.log();

  NodeProcess wrong(temp.path() / "wrong",
                    {"--tls-ca", certificates.File("ca.crt"), "--tls-cert",
                     certificates.File("node-1.crt"), "--tls-key", temp.path().string() + "/none"});
  EXPECT_FALSE(wrong.Start());
  EXPECT_NE(wrong.log().find("cannot read the node private key"), std::string::npos) << wrong.log();
}

}  // namespace
}  // namespace kyoso::testing
