// TlsTownTest: a gtest fixture with a real kyoso-node serving TLS (the certificates of
// `ops/certs dev`, in a temp dir) and the test town set up through it by the issuer.
// Subclasses add node flags through the constructor and call as any other role through
// Channel(certificate name). Not thread-safe: one test thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/certificates.h"
#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {

class TlsTownTest : public ::testing::Test {
 protected:
  explicit TlsTownTest(const std::vector<std::string>& extra_flags = {})
      : node_(temp_.path() / "node", NodeFlags(certificates_, extra_flags)) {}

  void SetUp() override {
    ASSERT_TRUE(certificates_.ok()) << certificates_.error();
    node_.set_channel_credentials(certificates_.Credentials("issuer"));
    ASSERT_TRUE(node_.Start()) << node_.log();
    town_ = std::make_unique<TownClient>(node_.channel());
    ASSERT_TRUE(town_->SetUpTown());
  }

  // A channel to the node presenting `certificate` (see ops/certs dev for the names).
  std::shared_ptr<grpc::Channel> Channel(const std::string& certificate) {
    return certificates_.Channel(node_.address(), certificate);
  }

  TempDir temp_;
  TestCertificates certificates_{temp_.path() / "certs"};
  NodeProcess node_;
  std::unique_ptr<TownClient> town_;  // The issuer's.

 private:
  static std::vector<std::string> NodeFlags(const TestCertificates& certificates,
                                            const std::vector<std::string>& extra) {
    std::vector<std::string> flags = certificates.NodeFlags();
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  }
};

}  // namespace kyoso::testing
