// Replicated entries and snapshot descriptions: what kyoso-node puts into the raft log
// and into a raft snapshot, and how both are encoded.
//
// An entry is either a ledger Batch (with the proposing node and its proposal number, so
// the proposer recognises its own entry when it is applied) or a node announcing the
// address of its gRPC API (a new leader announces itself, so followers can send clients
// to it). A snapshot description stays small: it names a RocksDB checkpoint (kept by the
// node that took it) and carries the node directory; the checkpoint's files travel over
// gRPC. Both formats start with a version byte; decoding checks every length.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "kyoso/ledger/command.h"
#include "kyoso/ledger/status.h"

namespace kyoso::node {

inline constexpr uint8_t kEntryFormatVersion = 1;

// Raft ids of nodes to the host:port of their gRPC API.
using NodeDirectory = std::map<uint64_t, std::string>;

struct BatchEntry {
  uint64_t proposer = 0;  // Raft id of the node that proposed it.
  uint64_t proposal = 0;  // That node's own counter, unique while it runs.
  ledger::Batch batch;    // Its index is the raft index, set when applied.
};

struct AnnounceEntry {
  uint64_t node = 0;
  std::string api_address;
};

using Entry = std::variant<BatchEntry, AnnounceEntry>;

void EncodeEntry(const Entry& entry, std::string* out);
ledger::StatusOr<Entry> DecodeEntry(std::string_view bytes);

struct SnapshotDescription {
  uint64_t raft_index = 0;    // The raft index the state is at.
  uint64_t ledger_index = 0;  // The ledger's applied index (the last batch's raft index).
  ledger::ChainHead chain_head{};
  uint64_t source = 0;         // Raft id of the node that keeps the checkpoint...
  std::string source_address;  // ...and the address of its API, to fetch it from.
  NodeDirectory directory;
};

std::string EncodeSnapshotDescription(const SnapshotDescription& description);
ledger::StatusOr<SnapshotDescription> DecodeSnapshotDescription(std::string_view bytes);

}  // namespace kyoso::node
