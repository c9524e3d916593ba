// RocksDbCheckpoints: the CheckpointKeeper of a kyoso-node, keeping RocksDB checkpoints
// under <data>/checkpoints/<raft index> and installing them in place of <data>/ledger.
//
// Keep returns at once: a thread of its own writes the checkpoint (hard links to table
// files, so it costs little disk, but RocksDB first flushes its memtables: 0.1 to 0.5 s
// that would otherwise stall the raft loop, and with it heartbeats and every write),
// then drops all but the newest two. The checkpoint under an index therefore holds the
// ledger as it was at that index or a little later (replicated_state.h). Install uses a
// checkpoint kept here at or after the index it is asked for, else fetches one from the
// node that took the snapshot, or any other, through the caller-given Fetch (gRPC in the
// node), into a temporary directory renamed into place once whole. The live database
// is then replaced by a copy of the checkpoint (table files linked).
//
// Thread-safety: Keep and Install run on the raft loop thread, Locate on any thread (a
// peer's fetch); StopServing before the gRPC server shuts down; Stop after the raft loop
// has stopped and before the store closes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kyoso/ledger/rocksdb_store.h"
#include "node/raft/replicated_state.h"

namespace kyoso::node {

class RocksDbCheckpoints final : public CheckpointKeeper {
 public:
  // Fetches the files of a checkpoint at `raft_index` or later from the node whose API is
  // at `api_address` into the directory `into` (which exists and is empty).
  using Fetch = std::function<ledger::Status(const std::string& api_address, uint64_t raft_index,
                                             const std::string& into)>;

  RocksDbCheckpoints(std::string ledger_dir, std::string checkpoints_dir,
                     ledger::RocksDbOptions options, Fetch fetch);
  ~RocksDbCheckpoints() override;

  ledger::Status Keep(ledger::Store& store, uint64_t raft_index) override;
  ledger::StatusOr<std::unique_ptr<ledger::Store>> Install(
      const SnapshotDescription& description, std::unique_ptr<ledger::Store> current) override;

  // The directory of the newest checkpoint kept at `raft_index` or later. If there is none
  // yet but one is being written, waits for it (up to `wait`).
  std::optional<std::string> Locate(uint64_t raft_index, std::chrono::milliseconds wait);
  // Locate waits no more (the gRPC server is shutting down).
  void StopServing();
  // Finishes the checkpoint being written, if any, and takes no more.
  void Stop();

 private:
  std::string DirFor(uint64_t raft_index) const;
  std::optional<uint64_t> NewestAtOrAfter(uint64_t raft_index) const;
  void TakeCheckpoints();
  void TakeCheckpoint(ledger::RocksDbStore& store, uint64_t raft_index);
  ledger::Status FetchFromPeers(const SnapshotDescription& description);
  void DropOlderThan(uint64_t raft_index, size_t keep);

  std::string ledger_dir_;
  std::string checkpoints_dir_;
  ledger::RocksDbOptions options_;
  Fetch fetch_;

  // Held while the checkpoints directory or the live store is worked on: by the thread
  // while it writes a checkpoint, by Install throughout.
  std::mutex work_mutex_;
  // Guards what follows; never held for long.
  std::mutex mutex_;
  std::condition_variable changed_;
  ledger::RocksDbStore* store_ = nullptr;  // The live store, as Keep last saw it.
  std::optional<uint64_t> wanted_;         // A checkpoint to write, for this raft index.
  bool writing_ = false;                   // The thread is writing a checkpoint.
  bool installing_ = false;                // Install is under way.
  bool serving_ = true;                    // Until StopServing.
  bool stopping_ = false;
  std::thread thread_;  // Started by the first Keep.
};

}  // namespace kyoso::node
