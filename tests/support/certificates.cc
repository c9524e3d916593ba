#include "support/certificates.h"

#include <fstream>
#include <sstream>

#include "support/node_process.h"

namespace kyoso::testing {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TestCertificates::TestCertificates(std::filesystem::path dir) : dir_(std::move(dir)) {
  ProgramResult made = RunProgram(KYOSO_SOURCE_DIR "/ops/certs", {"--dir", dir_.string(), "dev"});
  ok_ = made.exit_code == 0;
  error_ = made.err;
}

bool TestCertificates::AddClient(const std::string& role, const std::string& name,
                                 const std::string& identity) {
  return RunCerts({"client", role, name, identity});
}

bool TestCertificates::AddNode(const std::string& name) {
  return RunCerts({"node", name});
}

bool TestCertificates::RunCerts(std::vector<std::string> args) {
  args.insert(args.begin(), {"--dir", dir_.string()});
  ProgramResult made = RunProgram(KYOSO_SOURCE_DIR "/ops/certs", args);
  error_ = made.err;
  return made.exit_code == 0;
}

std::vector<std::string> TestCertificates::NodeFlags(const std::string& name) const {
  return {"--tls-ca",          File("ca.crt"), "--tls-cert",
          File(name + ".crt"), "--tls-key",    File(name + ".key")};
}

std::shared_ptr<grpc::ChannelCredentials> TestCertificates::Credentials(
    const std::string& name) const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadText(File("ca.crt"));
  options.pem_cert_chain = ReadText(File(name + ".crt"));
  options.pem_private_key = ReadText(File(name + ".key"));
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> TestCertificates::Channel(const std::string& address,
                                                         const std::string& name) const {
  return grpc::CreateChannel(address, Credentials(name));
}

}  // namespace kyoso::testing
