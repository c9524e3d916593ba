// NodeConfig: everything a kyoso-node is told at start, from a TOML file (toml++) and
// command-line flags (CLI11), flags winning. Defaults run one node on loopback with its
// data under ./var/node-1. See ops/node.sample.toml for every key.
#pragma once

#include <string>
#include <vector>

#include "kyoso/ledger/disclosure.h"
#include "kyoso/ledger/releases.h"
#include "kyoso/ledger/status.h"
#include "node/batcher.h"
#include "node/limits.h"

namespace kyoso::node {

// Replication. With id 0 (the default) the node runs standalone.
struct ClusterConfig {
  uint64_t id = 0;          // This node's raft id (> 0 in a cluster).
  std::string raft_listen;  // host:port of the raft transport; required in a cluster.
  // The first configuration as "id@host:port" raft addresses. Every founding node lists
  // the same peers; a node that joins later lists none and is added by the leader.
  std::vector<std::string> peers;
  unsigned election_timeout_ms = 1'000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 1'024;  // Raft entries between snapshots.
  unsigned snapshot_trailing = 512;     // Entries kept in the log after one.
};

// TLS on the gRPC port, with client certificates required (docs/security.md). All three
// files or none: without them the node serves plaintext on loopback only and trusts
// every caller (development).
struct TlsConfig {
  std::string ca_file;    // PEM: the authority that signs clients' and nodes' certificates.
  std::string cert_file;  // PEM: this node's certificate (chain).
  std::string key_file;   // PEM: its private key.
  bool enabled() const { return !cert_file.empty(); }
};

// Published releases ([releases]; docs/flows.md): the public partition lists, what one
// payer may add, and the privacy budget per currency and month.
struct ReleasesConfig {
  std::vector<std::string> districts;
  std::vector<std::string> sectors;
  std::vector<std::string> programs;  // Programme ids; "free" for money of no programme.
  ledger::ReleaseBounds bounds;
  uint32_t budget_milli_per_month = 1'000;  // Epsilon 1 per account and month.
};

// Research microdata ([research]; docs/flows.md): the directory where the data custodian
// places one key file per release (NAME.key, readable by the node's user only). Empty:
// this node serves no microdata.
struct ResearchConfig {
  std::string keys_dir;
};

// The read-only HTTP/JSON gateway ([http]; docs/api.md): off unless `listen` is set, and
// TLS like the gRPC port when [tls] is.
struct HttpConfig {
  std::string listen;             // "127.0.0.1:7480"; port 0 picks a free one.
  int64_t connections_max = 256;  // Open connections at most; more are closed at once.
};

struct NodeConfig {
  std::string node_id = "node-1";
  // Loopback by default: exposing a node is an explicit decision.
  std::string listen = "127.0.0.1:7400";
  std::string data_dir = "var/node-1";
  std::string log_level = "info";
  // Written with the address actually listened on once the node serves (for scripts
  // and tests that ask for port 0); a second line "http ADDRESS" when the HTTP gateway
  // is on.
  std::string ready_file;
  BatcherOptions batch;
  // How long SIGTERM waits for calls in flight before cancelling them.
  int shutdown_grace_ms = 5'000;
  // Largest request the gRPC server accepts.
  int message_size_max_bytes = 4 << 20;
  ClusterConfig cluster;
  TlsConfig tls;
  LimitsConfig limits;
  // The municipality tables' disclosure rules ([disclosure]; docs/flows.md).
  ledger::DisclosureRules disclosure;
  ReleasesConfig releases;
  ResearchConfig research;
  HttpConfig http;
};

// A founding peer parsed from "id@host:port".
struct PeerAddress {
  uint64_t id = 0;
  std::string raft_address;
};
ledger::StatusOr<PeerAddress> ParsePeer(std::string_view spec);

// Reads a TOML file into `config` (keys absent from the file keep their values).
// Unknown keys and wrong types are errors naming the key.
ledger::Status LoadConfigFile(const std::string& path, NodeConfig* config);
// Checks ranges (batch sizes, intervals) once flags and file are merged.
ledger::Status ValidateConfig(const NodeConfig& config);

}  // namespace kyoso::node
