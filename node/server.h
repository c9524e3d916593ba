// NodeServer: one running kyoso-node — its data directory, ledger, consensus, batcher
// and gRPC server — started and drained in the right order.
//
// Start opens the data directory (taking its lock), RocksDB and the ledger, then
// serves the kyoso.v1 services, the standard health service and server reflection.
// Shutdown stops taking calls, lets calls in flight finish (up to the grace period),
// applies what was accepted, and closes RocksDB cleanly.
// Thread-safety: Start and Shutdown are called from one thread (main).
#pragma once

#include <memory>
#include <string>

#include "kyoso/ledger/status.h"
#include "node/config.h"

namespace kyoso::node {

class NodeServer {
 public:
  static ledger::StatusOr<std::unique_ptr<NodeServer>> Start(const NodeConfig& config);
  ~NodeServer();

  // The address served, with the port chosen when the config asked for port 0.
  const std::string& address() const;
  void Shutdown();

  struct Parts;

 private:
  explicit NodeServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kyoso::node
