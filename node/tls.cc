#include "node/tls.h"

#include <fstream>
#include <sstream>

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

}  // namespace kyoso::node
