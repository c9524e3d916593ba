// TestCertificates: a certificate authority with node and role certificates, made by
// ops/certs (the openssl command line) in a test's temp dir, and the flags and channel
// credentials that use them.
// Not thread-safe: set up by one test thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace kyoso::testing {

class TestCertificates {
 public:
  // Runs `ops/certs --dir DIR dev`: nodes node-1..3, one certificate per role and one per
  // demo account (see ops/certs). ok() tells whether it worked.
  explicit TestCertificates(std::filesystem::path dir);
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // Another client certificate: `ops/certs client ROLE NAME IDENTITY`.
  bool AddClient(const std::string& role, const std::string& name, const std::string& identity);
  // Another node certificate for 127.0.0.1: `ops/certs node NAME`.
  bool AddNode(const std::string& name);
  // The kyoso-node flags that serve TLS with node `name`'s certificate.
  std::vector<std::string> NodeFlags(const std::string& name = "node-1") const;
  // Channel credentials presenting the certificate `name` (see ops/certs dev for names).
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& name) const;
  // A channel to `address` as `name`.
  std::shared_ptr<grpc::Channel> Channel(const std::string& address, const std::string& name) const;
  std::string File(const std::string& name) const { return (dir_ / name).string(); }

 private:
  bool RunCerts(std::vector<std::string> args);  // ops/certs --dir DIR ARGS...

  std::filesystem::path dir_;
  bool ok_ = false;
  std::string error_;
};

}  // namespace kyoso::testing
