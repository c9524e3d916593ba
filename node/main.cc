// kyoso-node: serves Kyoso's gRPC API over one ledger on RocksDB.
//
//   kyoso-node [--config FILE] [--listen HOST:PORT] [--data-dir DIR] ...
//
// SIGTERM or SIGINT drains calls in flight and closes RocksDB cleanly.
#include <absl/synchronization/mutex.h>
#include <google/protobuf/stubs/logging.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "node/huge_page_malloc.h"
#include "node/limits.h"
#include "node/server.h"

namespace {

using kyoso::node::NodeConfig;

// Flags override the config file, so they are parsed in two passes: the file first.
void AddFlags(CLI::App& app, NodeConfig& config, std::string& config_file) {
  app.add_option("--config", config_file, "TOML config file (see ops/node.sample.toml)");
  app.add_option("--node-id", config.node_id, "This node's name in logs and status");
  app.add_option("--listen", config.listen, "Address to serve gRPC on (port 0: any free port)");
  app.add_option("--data-dir", config.data_dir, "Data directory (RocksDB and lock)");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error or off");
  app.add_option("--ready-file", config.ready_file,
                 "Write the address served to this file once ready");
  app.add_option("--batch-size-max", config.batch.size_max, "Commands per batch at most");
  app.add_option("--batches-in-flight", config.batch.in_flight_max,
                 "Batches proposed and not yet applied, at most");
  app.add_option("--shutdown-grace-ms", config.shutdown_grace_ms,
                 "How long SIGTERM waits for calls in flight");
  app.add_option("--raft-id", config.cluster.id, "This node's raft id (0: standalone)");
  app.add_option("--raft-listen", config.cluster.raft_listen,
                 "host:port of this node's raft transport");
  app.add_option("--peers", config.cluster.peers,
                 "Founding nodes as id@host:port (all founders list the same); "
                 "none for a node that joins later")
      ->delimiter(',');
  app.add_option("--election-timeout-ms", config.cluster.election_timeout_ms,
                 "Raft election timeout");
  app.add_option("--snapshot-threshold", config.cluster.snapshot_threshold,
                 "Raft entries between snapshots");
  app.add_option("--snapshot-trailing", config.cluster.snapshot_trailing,
                 "Raft entries kept in the log after a snapshot");
  app.add_option("--tls-ca", config.tls.ca_file, "PEM file of the certificate authority");
  app.add_option("--tls-cert", config.tls.cert_file, "PEM file of this node's certificate");
  app.add_option("--tls-key", config.tls.key_file, "PEM file of this node's private key");
  app.add_option("--http-listen", config.http.listen,
                 "Address of the read-only HTTP/JSON gateway and /metrics (off when empty)");
  app.add_option("--research-keys-dir", config.research.keys_dir,
                 "Directory of the data custodian's research key files (NAME.key)");
  app.add_option("--calls-per-second", config.limits.calls_per_second,
                 "Calls a second each client certificate may make (0: no limit)");
  app.add_option("--calls-burst", config.limits.calls_burst,
                 "Calls a client may make at once after a quiet spell");
  app.add_option_function<int64_t>(
      "--batch-linger-us",
      [&config](int64_t us) { config.batch.linger = std::chrono::microseconds(us); },
      "How long a batch waits to fill, in microseconds");
  app.add_option_function<int64_t>(
      "--tick-interval-ms",
      [&config](int64_t ms) { config.batch.tick_interval = std::chrono::milliseconds(ms); },
      "How often ledger time advances for expiries when idle");
  app.add_option_function<std::string>(
         "--running-periods",
         [&config](const std::string& name) {
           config.disclosure.running_periods = *kyoso::ledger::RunningPeriodsFromName(name);
         },
         "Flow tables of a day, week or month: once its months have ended (ended-months, the "
         "default), up to the last ended day (ended-days) or as the ledger stands (live: "
         "demonstrations only); docs/flows.md, Running periods")
      ->check(CLI::IsMember({"ended-months", "ended-days", "live"}));
}

// Protobuf logs a line for every request it cannot parse (a string that is not UTF-8),
// before the node's gate sees the call: into the node's log, at most a few a second.
void LogProtobufThroughSpdlog() {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string& message) {
        static kyoso::node::RateLimiter limiter(/*per_second=*/1, /*burst=*/10);
        if (limiter.Take("protobuf") == 0) spdlog::warn("protobuf: {}", message);
      });
}

int Serve(const NodeConfig& config) {
  // Block the stop signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer that goes away mid-write must be an error on that connection (EPIPE), not
  // the end of this process: libuv's raft transport writes with send(), not MSG_NOSIGNAL.
  signal(SIGPIPE, SIG_IGN);

  auto server = kyoso::node::NodeServer::Start(config);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().message());
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  kyoso::node::RestartWithHugePageMalloc(argv);
  // Debian builds abseil with mutex deadlock detection on: gRPC's every lock then updates
  // a global lock graph behind a spin lock. It costs the node about 2% of its CPU and,
  // being invisible to ThreadSanitizer, shows up as races under it; our locks are std::.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"kyoso-node: a Kyoso ledger node serving the kyoso.v1 gRPC API"};
  NodeConfig config;
  std::string config_file;
  app.set_version_flag("--version", KYOSO_VERSION);
  AddFlags(app, config, config_file);
  CLI11_PARSE(app, argc, argv);
  if (!config_file.empty()) {
    NodeConfig from_file;
    kyoso::ledger::Status loaded = kyoso::node::LoadConfigFile(config_file, &from_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "kyoso-node: %s\n", loaded.message().c_str());
      return 2;
    }
    // Parse again so that flags given on the command line override the file.
    config = from_file;
    CLI::App again{"kyoso-node"};
    std::string ignored;
    AddFlags(again, config, ignored);
    again.set_version_flag("--version", KYOSO_VERSION);
    CLI11_PARSE(again, argc, argv);
  }
  if (kyoso::ledger::Status valid = kyoso::node::ValidateConfig(config); !valid.ok()) {
    std::fprintf(stderr, "kyoso-node: %s\n", valid.message().c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  LogProtobufThroughSpdlog();
  return Serve(config);
}
