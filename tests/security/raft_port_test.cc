// The raft port speaks mutual TLS: a one-node TLS cluster (its raft transport listening)
// hangs up on a plaintext client, on a client without a certificate, on a certificate
// of another role and on a node certificate whose hello is not a raft hello; each
// refusal is logged with its reason, and the ledger is untouched. A node certificate
// with a proper hello is kept (the control: the refusals are the node's doing).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/certificates.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

// The hello a connecting node sends after the handshake (node/raft/tls_transport.c).
std::string RaftHello(uint64_t id, const std::string& address) {
  std::string hello = "KYRAFT01";
  for (int i = 0; i < 8; ++i) hello.push_back(static_cast<char>(id >> (8 * i)));
  hello.push_back(static_cast<char>(address.size() & 0xff));
  hello.push_back(static_cast<char>(address.size() >> 8));
  return hello + address;
}

// libraft's own plaintext handshake: protocol 1, server id 2, address length, address.
std::string PlaintextRaftHandshake() {
  std::string handshake(24, '\0');
  handshake[0] = 1;
  handshake[8] = 2;
  handshake[16] = 16;
  return handshake + "127.0.0.1:1\0\0\0\0\0";
}

struct Knock {
  bool tls = true;
  std::string certificate;  // The client certificate's name in ops/certs dev; "" for none.
  std::string payload;      // Sent once connected (after the handshake with TLS).
};

Knock Plaintext(std::string payload) {
  return {false, "", std::move(payload)};
}

Knock Tls(std::string certificate, std::string payload = "") {
  return {true, std::move(certificate), std::move(payload)};
}

class RaftPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certificates_.ok()) << certificates_.error();
    raft_port_ = FreePort();
    std::string raft = "127.0.0.1:" + std::to_string(raft_port_);
    std::vector<std::string> flags = {"--listen",
                                      "127.0.0.1:" + std::to_string(FreePort()),
                                      "--raft-id",
                                      "1",
                                      "--raft-listen",
                                      raft,
                                      "--peers",
                                      "1@" + raft,
                                      "--tick-interval-ms",
                                      "3600000"};
    std::vector<std::string> tls = certificates_.NodeFlags("node-1");
    flags.insert(flags.end(), tls.begin(), tls.end());
    node_ = std::make_unique<NodeProcess>(temp_.path() / "node", flags);
    node_->set_channel_credentials(certificates_.Credentials("issuer"));
    ASSERT_TRUE(node_->Start()) << node_->log();
  }

  // Whether the node hung up (end of stream or an alert) within `wait_s` seconds of the
  // knock; false when the connection was still open at the end of the wait.
  bool NodeHangsUp(const Knock& knock, int wait_s = 5) {
    int fd = Connect(wait_s);
    bool hung_up = knock.tls ? TlsKnock(fd, knock) : PlainKnock(fd, knock.payload);
    close(fd);
    return hung_up;
  }

  // A TCP connection to the raft port whose reads give up after `wait_s` seconds.
  int Connect(int wait_s) const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(raft_port_));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    timeval timeout{wait_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
  }

  TempDir temp_;
  TestCertificates certificates_{temp_.path() / "certs"};
  int raft_port_ = 0;
  std::unique_ptr<NodeProcess> node_;

 private:
  static bool TimedOut() { return errno == EAGAIN || errno == EWOULDBLOCK; }

  static bool PlainKnock(int fd, const std::string& payload) {
    EXPECT_EQ(send(fd, payload.data(), payload.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(payload.size()));
    char reply[256];
    ssize_t n = 0;
    while ((n = recv(fd, reply, sizeof reply, 0)) > 0) {
    }
    return n == 0 || !TimedOut();
  }

  bool TlsKnock(int fd, const Knock& knock) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                              &SSL_CTX_free);
    SSL_CTX* c = context.get();
    EXPECT_EQ(SSL_CTX_load_verify_locations(c, certificates_.File("ca.crt").c_str(), nullptr), 1);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    if (!knock.certificate.empty()) {
      EXPECT_EQ(SSL_CTX_use_certificate_chain_file(
                    c, certificates_.File(knock.certificate + ".crt").c_str()),
                1);
      EXPECT_EQ(SSL_CTX_use_PrivateKey_file(
                    c, certificates_.File(knock.certificate + ".key").c_str(), SSL_FILETYPE_PEM),
                1);
    }
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(c), &SSL_free);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
    SSL_set_fd(ssl.get(), fd);
    // TLS 1.3: the client's side of the handshake ends before the node has checked the
    // client's certificate, so a refusal shows on the next read.
    if (SSL_connect(ssl.get()) != 1) return true;
    // The node presents its own node certificate.
    std::unique_ptr<X509, decltype(&X509_free)> server(SSL_get1_peer_certificate(ssl.get()),
                                                       &X509_free);
    char unit[32] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(server.get()), NID_organizationalUnitName, unit,
                              sizeof unit);
    EXPECT_STREQ(unit, "node");
    if (!knock.payload.empty()) {
      EXPECT_EQ(SSL_write(ssl.get(), knock.payload.data(), static_cast<int>(knock.payload.size())),
                static_cast<int>(knock.payload.size()));
    }
    char reply[256];
    int n = 0;
    errno = 0;
    while ((n = SSL_read(ssl.get(), reply, sizeof reply)) > 0) {
    }
    // A receive timeout reads as "want read" (the socket BIO retries on EAGAIN).
    int error = SSL_get_error(ssl.get(), n);
    return !(error == SSL_ERROR_WANT_READ || (error == SSL_ERROR_SYSCALL && TimedOut()));
  }
};

TEST_F(RaftPortTest, HangsUpOnAnyoneButANodeAndChangesNothing) {
  TownClient town(node_->channel());
  ASSERT_TRUE(town.SetUpTown());
  ASSERT_TRUE(town.Issue("res:alice", 100).status.ok());
  Call<v1::NodeStatus> before = town.Status();
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();

  EXPECT_TRUE(NodeHangsUp(Plaintext(PlaintextRaftHandshake())));
  EXPECT_TRUE(NodeHangsUp(Tls("")));
  EXPECT_TRUE(NodeHangsUp(Tls("issuer")));
  EXPECT_TRUE(NodeHangsUp(Tls("operator")));
  EXPECT_TRUE(NodeHangsUp(Tls("node-2", "GET / HTTP/1.1\r\n\r\n..........")));
  EXPECT_TRUE(NodeHangsUp(Tls("node-2", RaftHello(2, ""))));
  // The control: a node with a proper hello is handed to raft and kept.
  EXPECT_FALSE(NodeHangsUp(Tls("node-2", RaftHello(2, "127.0.0.1:1")), /*wait_s=*/1));

  std::string log = node_->log();
  EXPECT_NE(log.find("refused (peer did not return a certificate)"), std::string::npos) << log;
  EXPECT_NE(log.find("refused (its certificate does not have the role node)"), std::string::npos)
      << log;
  EXPECT_NE(log.find("refused (its hello is not a Kyoso raft hello)"), std::string::npos) << log;
  Call<v1::NodeStatus> after = town.Status();
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(after.reply.applied_index(), before.reply.applied_index());
  EXPECT_EQ(after.reply.chain_head_hex(), before.reply.chain_head_hex());
  EXPECT_EQ(after.reply.role(), "leader");
  EXPECT_TRUE(town.Issue("res:alice", 5).status.ok());  // Still serving writes.
}

// Connections that say nothing hold the node's resources for 10 seconds each: one host may
// keep at most eight of them waiting; the ninth is closed at once, and once the eight are
// gone a node is served again.
TEST_F(RaftPortTest, SilentConnectionsAreCappedPerHost) {
  std::vector<int> silent;
  for (int i = 0; i < 8; ++i) silent.push_back(Connect(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // Let the node accept them.
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(NodeHangsUp(Plaintext(""), /*wait_s=*/3));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  for (int fd : silent) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(NodeHangsUp(Tls("node-2", RaftHello(2, "127.0.0.1:1")), /*wait_s=*/1));
}

}  // namespace
}  // namespace kyoso::testing
