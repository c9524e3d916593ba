// DataDir: a node's data directory and the lock that keeps a second node out of it.
//
// Layout: <dir>/ledger is the RocksDB database, <dir>/kyoso.lock the lock file holding
// the owner's pid; in a cluster, <dir>/raft holds the raft log and <dir>/checkpoints the
// RocksDB checkpoints that snapshots name. The lock is an flock held for the process's life, so it
// is released by the kernel even after SIGKILL, and a second kyoso-node on the same directory is
// refused with a message naming the holder.
// Thread-safety: none needed (used once at start).
#pragma once

#include <memory>
#include <string>

#include "kyoso/ledger/status.h"

namespace kyoso::node {

class DataDir {
 public:
  // Creates the directory (0700) if missing and takes its lock.
  static ledger::StatusOr<std::unique_ptr<DataDir>> Open(const std::string& path);
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  std::string LedgerPath() const { return path_ + "/ledger"; }
  std::string RaftPath() const { return path_ + "/raft"; }
  std::string CheckpointsPath() const { return path_ + "/checkpoints"; }

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_;
};

}  // namespace kyoso::node
