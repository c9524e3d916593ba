// RocksDbCheckpoints: the CheckpointKeeper of a kyoso-node, keeping RocksDB checkpoints
// under <data>/checkpoints/<raft index> and installing them in place of <data>/ledger.
//
// Keep writes a checkpoint (hard links to table files, so it costs little disk) and
// drops all but the newest two. Install uses the checkpoint if it is here, else fetches
// its files from the node that took it, or any other node, through the caller-given
// Fetch (gRPC in the node), into a temporary directory renamed into place once whole.
// The live database is then replaced by a copy of the checkpoint (table files linked).
//
// Thread-safety: Keep and Install run on the raft loop thread; PathOf may be called from
// any thread (it only looks at the file system).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "kyoso/ledger/rocksdb_store.h"
#include "node/raft/replicated_state.h"

namespace kyoso::node {

class RocksDbCheckpoints final : public CheckpointKeeper {
 public:
  // Fetches the files of the checkpoint at `raft_index` from the node whose API is at
  // `api_address` into the directory `into` (which exists and is empty).
  using Fetch = std::function<ledger::Status(const std::string& api_address, uint64_t raft_index,
                                             const std::string& into)>;

  RocksDbCheckpoints(std::string ledger_dir, std::string checkpoints_dir,
                     ledger::RocksDbOptions options, Fetch fetch);

  ledger::Status Keep(ledger::Store& store, uint64_t raft_index) override;
  ledger::StatusOr<std::unique_ptr<ledger::Store>> Install(
      const SnapshotDescription& description, std::unique_ptr<ledger::Store> current) override;

  // The directory holding the checkpoint kept for `raft_index`, if there is one.
  std::optional<std::string> PathOf(uint64_t raft_index) const;

 private:
  std::string DirFor(uint64_t raft_index) const;
  ledger::Status FetchFromPeers(const SnapshotDescription& description);
  void DropOlderThan(uint64_t raft_index, size_t keep);

  std::string ledger_dir_;
  std::string checkpoints_dir_;
  ledger::RocksDbOptions options_;
  Fetch fetch_;
};

}  // namespace kyoso::node
