// Consensus: how the node turns proposed batches into applied ledger state.
//
// The node's write path proposes a Batch; the Consensus orders it (on one node: at
// once; in a cluster: through Raft), applies it to the ledger on every replica, and calls
// the proposer back with the results on the node that proposed it. Reads run against the
// applied state, serialised with applies. Everything above this interface (gRPC
// services, the batcher) is the same for one node and for a cluster.
//
// Thread-safety: every method may be called from any thread. Callbacks run on the
// consensus's apply thread: they must be quick and must not call back into Propose or
// Read synchronously waiting for a result.
#pragma once

#include <functional>
#include <string>

#include "kyoso/ledger/command.h"
#include "kyoso/ledger/ledger.h"

namespace kyoso::node {

// What a node knows of its place in the cluster.
struct RoleInfo {
  std::string role;            // "standalone", "leader", "follower" or "candidate".
  std::string leader_address;  // Where writes go; empty when unknown.
};

class Consensus {
 public:
  // Called once per proposed batch: with the results when it was applied, or with the
  // reason it was not (then nothing of it was applied).
  using ProposeDone = std::function<void(const ledger::Status&, const ledger::BatchResult*)>;
  // Called with the applied ledger, or with the reason no current read is possible.
  using ReadFn = std::function<void(const ledger::Status&, const ledger::Ledger*)>;
  // Called on every replica after each applied batch, before any ProposeDone.
  using AppliedObserver =
      std::function<void(const ledger::Batch&, const ledger::BatchResult&, const ledger::Ledger&)>;

  virtual ~Consensus() = default;

  // Orders and applies `batch`; the consensus assigns its index. `done` runs exactly once.
  virtual void Propose(ledger::Batch batch, ProposeDone done) = 0;
  // Runs `read` against the applied state. `stale_ok` allows a replica's possibly older
  // state instead of a linearizable read.
  virtual void Read(bool stale_ok, ReadFn read) = 0;
  virtual RoleInfo Role() const = 0;
  // Applies what was proposed before, then stops; later calls fail with UNAVAILABLE.
  virtual void Stop() = 0;
};

}  // namespace kyoso::node
