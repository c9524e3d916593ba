// ReplicatedState: what every replica builds from the raft log — the ledger on its store,
// the directory of node API addresses, and the chain heads of recent batches — and the
// snapshots of it.
//
// Apply takes committed entries in raft order. A batch whose raft index the ledger has
// already applied (it was applied, then the node restarted and raft replays its log) is
// skipped: the ledger records its applied index in the same WriteBatch as the batch, so
// each batch is applied exactly once across restarts. A snapshot is a small description
// of a checkpoint that a CheckpointKeeper keeps; restoring one replaces the store with
// the checkpoint's copy, fetched from a peer when it is not here. The copy may hold later
// batches than the snapshot (a keeper may take it after the snapshot, off the raft
// loop): they are committed, and replaying the log skips them like any batch applied.
//
// Thread-safety: none; the raft loop thread (or the simulation) owns it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "kyoso/ledger/ledger.h"
#include "node/raft/entry.h"

namespace kyoso::node {

// Keeps copies of the ledger's store at raft indices, and installs them.
class CheckpointKeeper {
 public:
  virtual ~CheckpointKeeper() = default;
  // Keeps a copy of `store` under `raft_index`: as it is now, or as it is a little later
  // (with later batches applied) if the copy is taken in the background.
  virtual ledger::Status Keep(ledger::Store& store, uint64_t raft_index) = 0;
  // Replaces `current` (closed by this call) with the copy `description` names, fetched
  // from its source or another node of the directory when it is not kept here: the state
  // at its raft index or a later one.
  virtual ledger::StatusOr<std::unique_ptr<ledger::Store>> Install(
      const SnapshotDescription& description, std::unique_ptr<ledger::Store> current) = 0;
};

class ReplicatedState {
 public:
  using BatchApplied = std::function<void(const BatchEntry&, const ledger::BatchResult&)>;
  struct Hooks {
    // After each batch applied here, on every replica.
    std::function<void(const ledger::Batch&, const ledger::BatchResult&, const ledger::Ledger&)>
        applied;
    // After a snapshot replaced the whole state.
    std::function<void(const ledger::Ledger&)> restored;
  };

  // Opens the ledger on `store`. `keeper` must outlive this object.
  // `api_address` is where peers fetch this node's checkpoints.
  static ledger::StatusOr<std::unique_ptr<ReplicatedState>> Open(
      uint64_t node_id, std::string api_address, std::unique_ptr<ledger::Store> store,
      CheckpointKeeper* keeper, Hooks hooks);

  // Applies the committed entry at raft `index`; calls `on_batch` when it was a batch
  // applied now. A non-ok Status is fatal: the replica must stop.
  ledger::Status Apply(uint64_t index, std::string_view bytes, const BatchApplied& on_batch);
  // Keeps a checkpoint of the state at raft `index` and describes it.
  ledger::StatusOr<std::string> TakeSnapshot(uint64_t index);
  // Brings the state to the one a description names (nothing to do if already there).
  ledger::Status Restore(std::string_view description);

  const ledger::Ledger& ledger() const { return *ledger_; }
  const NodeDirectory& directory() const { return directory_; }
  // The last raft index applied or restored.
  uint64_t raft_index() const { return raft_index_; }
  // The raft index and chain head of the last batch at or before `index`, if it is among
  // the recent ones kept.
  std::optional<std::pair<uint64_t, ledger::ChainHead>> HeadAtOrBefore(uint64_t index) const;

 private:
  ReplicatedState(uint64_t node_id, std::string api_address, CheckpointKeeper* keeper, Hooks hooks)
      : node_id_(node_id),
        api_address_(std::move(api_address)),
        keeper_(keeper),
        hooks_(std::move(hooks)) {}
  ledger::Status ApplyBatch(uint64_t index, BatchEntry& entry, const BatchApplied& on_batch);
  // Whether the ledger is the state `description` names, or that state with later batches.
  bool HoldsTheSnapshot(const SnapshotDescription& description) const;
  void RememberHead(uint64_t index, const ledger::ChainHead& head);

  uint64_t node_id_;
  std::string api_address_;
  CheckpointKeeper* keeper_;
  Hooks hooks_;
  std::unique_ptr<ledger::Store> store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  NodeDirectory directory_;
  uint64_t raft_index_ = 0;
  std::deque<std::pair<uint64_t, ledger::ChainHead>> recent_heads_;
};

}  // namespace kyoso::node
