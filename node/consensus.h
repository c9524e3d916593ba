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

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kyoso/ledger/command.h"
#include "kyoso/ledger/ledger.h"

namespace kyoso::node {

// Marks the leader's address in the message of a write refused by a follower
// ("... retry at leader=127.0.0.1:7401"), for clients to retry there.
inline constexpr std::string_view kLeaderHint = "leader=";

// What a node knows of its place in the cluster.
struct RoleInfo {
  std::string role;            // "standalone", "leader", "follower" or "candidate".
  std::string leader_address;  // Where writes go; empty when unknown.
};

struct ClusterMember {
  uint64_t id = 0;
  std::string raft_address;
  std::string api_address;  // Empty until the node has announced it.
  std::string role;         // "voter", "standby" or "spare".
};

// The node's view of the cluster, for status and divergence checks.
struct ClusterView {
  uint64_t node_id = 0;  // 0 on a standalone node.
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;  // The last raft index applied (ledger batches or not).
  uint64_t leader_id = 0;
  std::vector<ClusterMember> members;
  // The chain head of the last batch at or before the index Inspect was asked about.
  std::optional<std::pair<uint64_t, ledger::ChainHead>> head_at;
};

// A change of the cluster's membership or leadership, asked of the leader.
struct MembershipChange {
  enum class Kind { kAdd, kRemove, kTransferLeadership };
  Kind kind = Kind::kAdd;
  uint64_t id = 0;           // For a transfer, 0 lets raft choose the target.
  std::string raft_address;  // For kAdd.
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
  // Called with the cluster view and the applied ledger (even when stale), or with the
  // reason there are none.
  using InspectFn =
      std::function<void(const ledger::Status&, const ClusterView*, const ledger::Ledger*)>;
  // Runs `inspect`; `head_index` selects ClusterView::head_at.
  virtual void Inspect(uint64_t head_index, InspectFn inspect) = 0;
  // Confirms that this node may serve linearizable reads (in a cluster: it leads, shown
  // by a barrier) and reports the raft index it has applied.
  virtual void ConfirmLeadership(
      std::function<void(const ledger::Status&, uint64_t applied_index)> done) = 0;
  // Applies a membership change: a node added joins as a standby, catches up and is
  // promoted to voter before `done` runs.
  virtual void ChangeMembership(MembershipChange change,
                                std::function<void(const ledger::Status&)> done) = 0;
  // Applies what was proposed before, then stops; later calls fail with UNAVAILABLE.
  virtual void Stop() = 0;
};

}  // namespace kyoso::node
