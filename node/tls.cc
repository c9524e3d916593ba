#include "node/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "node/access.h"

namespace kyoso::node {
namespace {

ledger::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN ") == std::string::npos) {
    return ledger::Status::InvalidArgument("cannot read the " + std::string(what) + " from " +
                                           path + " (a PEM file is expected)");
  }
  return text.str();
}

struct PemFiles {
  std::string ca;
  std::string cert;
  std::string key;
};

ledger::StatusOr<PemFiles> ReadAll(const TlsConfig& tls) {
  PemFiles files;
  ledger::StatusOr<std::string> ca = ReadPem(tls.ca_file, "certificate authority");
  if (!ca.ok()) return ca.status();
  ledger::StatusOr<std::string> cert = ReadPem(tls.cert_file, "node certificate");
  if (!cert.ok()) return cert.status();
  ledger::StatusOr<std::string> key = ReadPem(tls.key_file, "node private key");
  if (!key.ok()) return key.status();
  return PemFiles{std::move(ca).value(), std::move(cert).value(), std::move(key).value()};
}

// Depth 0 is the peer's own certificate: it must name the role node. A wrong role is
// reported as X509_V_ERR_APPLICATION_VERIFICATION (the transport names it so).
int VerifyNodeRole(int preverified, X509_STORE_CTX* store) {
  if (preverified != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverified;
  X509_NAME* subject = X509_get_subject_name(X509_STORE_CTX_get_current_cert(store));
  char role[64] = {0};
  if (X509_NAME_get_text_by_NID(subject, NID_organizationalUnitName, role, sizeof role) <= 0 ||
      RoleFromName(role) != Role::kNode) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

std::string OpenSslError() {
  char text[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace

ledger::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  ledger::StatusOr<PemFiles> files = ReadAll(tls);
  if (!files.ok()) return files.status();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = files->ca;
  options.pem_key_cert_pairs.push_back({files->key, files->cert});
  return grpc::SslServerCredentials(options);
}

ledger::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakePeerCredentials(
    const TlsConfig& tls) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  ledger::StatusOr<PemFiles> files = ReadAll(tls);
  if (!files.ok()) return files.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = files->ca;
  options.pem_private_key = files->key;
  options.pem_cert_chain = files->cert;
  return grpc::SslCredentials(options);
}

ledger::StatusOr<std::shared_ptr<ssl_ctx_st>> MakeRaftTlsContext(const TlsConfig& tls) {
  if (!tls.enabled()) return std::shared_ptr<ssl_ctx_st>();
  KYOSO_RETURN_IF_ERROR(ReadAll(tls).status());  // The same messages as the gRPC port's.
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_method()), &SSL_CTX_free);
  if (!context) return ledger::Status::IOError("raft TLS: " + OpenSslError());
  SSL_CTX* c = context.get();
  bool loaded = SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) == 1 &&
                SSL_CTX_use_certificate_chain_file(c, tls.cert_file.c_str()) == 1 &&
                SSL_CTX_use_PrivateKey_file(c, tls.key_file.c_str(), SSL_FILETYPE_PEM) == 1 &&
                SSL_CTX_check_private_key(c) == 1 &&
                SSL_CTX_load_verify_locations(c, tls.ca_file.c_str(), nullptr) == 1;
  if (!loaded) {
    return ledger::Status::InvalidArgument("raft TLS with " + tls.cert_file + ", " + tls.key_file +
                                           " and " + tls.ca_file + ": " + OpenSslError());
  }
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &VerifyNodeRole);
  SSL_CTX_set_num_tickets(c, 0);  // Peers keep their connections; nothing to resume.
  return context;
}

}  // namespace kyoso::node
