#include "node/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "kyoso/ledger/rocksdb_store.h"
#include "node/cluster_services.h"
#include "node/data_dir.h"
#include "node/directory.h"
#include "node/flow_tables.h"
#include "node/http_gateway.h"
#include "node/local_consensus.h"
#include "node/raft/checkpoints.h"
#include "node/raft/raft_consensus.h"
#include "node/release_service.h"
#include "node/research_service.h"
#include "node/services.h"
#include "node/tls.h"

namespace kyoso::node {

// Members are destroyed in reverse order: the server first, the data directory's lock
// last, so nothing is written once the lock is gone.
struct NodeServer::Parts {
  NodeConfig config;
  std::unique_ptr<DataDir> data_dir;
  // Standalone, the node owns the store and ledger; in a cluster the raft consensus does.
  std::unique_ptr<ledger::RocksDbStore> store;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<RocksDbCheckpoints> checkpoints;
  std::unique_ptr<Access> access;
  std::shared_ptr<grpc::ChannelCredentials> peer_credentials;  // For calls to other nodes.
  std::shared_ptr<ssl_ctx_st> raft_tls;  // The raft port's TLS; null when plaintext.
  std::unique_ptr<GrpcLeaderLink> leader_link;
  AccountDirectory directory;
  CallTracker calls;
  std::unique_ptr<Gate> gate;
  // Protects flow tables off the apply thread; stopped (its queued jobs answer that the
  // node is stopping) before the gRPC server is waited for, since its jobs finish calls.
  Worker worker;
  // Null unless [http] listen is set. Declared before the consensus, so that it outlives
  // the consensus's last read callback on every path.
  std::unique_ptr<HttpGateway> gateway;
  std::unique_ptr<Consensus> consensus;
  ledger::TimeNs last_timestamp = 0;
  std::unique_ptr<Batcher> batcher;
  std::unique_ptr<WritePath> writes;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<MoneyService> money;
  std::unique_ptr<TerminalService> terminal;
  std::unique_ptr<ResidentService> resident;
  std::unique_ptr<QueryService> query;
  FlowServing flows;  // Its rules set from the config at start.
  std::unique_ptr<NodeService> node;
  std::unique_ptr<ClusterService> cluster;
  std::unique_ptr<PeerService> peer;
  std::unique_ptr<ReleaseService> releases;
  std::unique_ptr<ResearchService> research;
  std::unique_ptr<grpc::Server> server;
  std::string address;
  bool shut_down = false;

  // On every path (a start that failed too): the checkpoint thread stops after the raft
  // loop (which calls Keep) and before the consensus closes the store it writes from.
  ~Parts() {
    if (!checkpoints) return;
    if (consensus) consensus->Stop();
    checkpoints->Stop();
  }
};

namespace {

ledger::Status OpenStandalone(NodeServer::Parts& p) {
  ledger::StatusOr<std::unique_ptr<ledger::RocksDbStore>> store =
      ledger::RocksDbStore::Open(p.data_dir->LedgerPath());
  if (!store.ok()) return store.status();
  p.store = std::move(store).value();
  ledger::StatusOr<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::Open(p.store.get());
  if (!opened.ok()) return opened.status();
  p.ledger = std::move(opened).value();
  p.directory.Load(*p.ledger);
  p.last_timestamp = p.ledger->last_timestamp();
  spdlog::info("ledger open at {}: applied index {}, last sequence {}", p.config.data_dir,
               p.ledger->applied_index(), p.ledger->last_seq());
  AccountDirectory* directory = &p.directory;
  p.consensus = std::make_unique<LocalConsensus>(
      p.ledger.get(), [directory](const ledger::Batch& batch, const ledger::BatchResult& result,
                                  const ledger::Ledger&) { directory->Observe(batch, result); });
  return ledger::Status::Ok();
}

RaftOptions MakeRaftOptions(NodeServer::Parts& p, bool raft_log_pristine) {
  const ClusterConfig& cluster = p.config.cluster;
  RaftOptions options;
  options.id = cluster.id;
  options.raft_address = cluster.raft_listen;
  options.api_address = p.config.listen;
  options.raft_dir = p.data_dir->RaftPath();
  options.leader_link = p.leader_link.get();
  options.election_timeout_ms = cluster.election_timeout_ms;
  options.heartbeat_timeout_ms = cluster.heartbeat_timeout_ms;
  options.snapshot_threshold = cluster.snapshot_threshold;
  options.snapshot_trailing = cluster.snapshot_trailing;
  options.tls_context = p.raft_tls;
  if (raft_log_pristine) {
    for (const std::string& spec : cluster.peers) {
      PeerAddress peer = ParsePeer(spec).value();  // Checked by ValidateConfig.
      options.bootstrap.push_back(RaftPeer{peer.id, peer.raft_address});
    }
  }
  return options;
}

ledger::Status OpenCluster(NodeServer::Parts& p) {
  std::error_code error;
  std::filesystem::create_directories(p.data_dir->RaftPath(), error);
  if (error) return ledger::Status::IOError("create " + p.data_dir->RaftPath());
  bool pristine = std::filesystem::is_empty(p.data_dir->RaftPath(), error);
  ledger::StatusOr<std::unique_ptr<ledger::RocksDbStore>> store =
      ledger::RocksDbStore::Open(p.data_dir->LedgerPath());
  if (!store.ok()) return store.status();
  p.checkpoints = std::make_unique<RocksDbCheckpoints>(
      p.data_dir->LedgerPath(), p.data_dir->CheckpointsPath(), ledger::RocksDbOptions{},
      [credentials = p.peer_credentials](const std::string& address, uint64_t index,
                                         const std::string& into) {
        return FetchCheckpointFrom(credentials, address, index, into);
      });
  AccountDirectory* directory = &p.directory;
  ReplicatedState::Hooks hooks;
  hooks.applied = [directory](const ledger::Batch& batch, const ledger::BatchResult& result,
                              const ledger::Ledger&) { directory->Observe(batch, result); };
  hooks.restored = [directory](const ledger::Ledger& ledger) { directory->Load(ledger); };
  ledger::StatusOr<std::unique_ptr<ReplicatedState>> state =
      ReplicatedState::Open(p.config.cluster.id, p.config.listen, std::move(store).value(),
                            p.checkpoints.get(), std::move(hooks));
  if (!state.ok()) return state.status();
  const ledger::Ledger& ledger = (*state)->ledger();
  if (pristine && ledger.applied_index() > 0) {
    return ledger::Status::FailedPrecondition(
        "the ledger in " + p.data_dir->LedgerPath() + " holds state up to raft index " +
        std::to_string(ledger.applied_index()) + " but the raft log in " + p.data_dir->RaftPath() +
        " is missing. The node will not guess its log. To rejoin: remove it from the cluster "
        "(kyoso-admin cluster remove), empty its data directory and add it again.");
  }
  p.directory.Load(ledger);
  p.last_timestamp = ledger.last_timestamp();
  spdlog::info("ledger open at {}: applied index {}, last sequence {}; raft log {}",
               p.config.data_dir, ledger.applied_index(), ledger.last_seq(),
               pristine ? "new" : "present");
  ledger::StatusOr<std::unique_ptr<RaftConsensus>> consensus =
      RaftConsensus::Start(MakeRaftOptions(p, pristine), std::move(state).value());
  if (!consensus.ok()) return consensus.status();
  p.consensus = std::move(consensus).value();
  return ledger::Status::Ok();
}

ledger::Status PrepareTls(NodeServer::Parts& p) {
  ledger::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakePeerCredentials(p.config.tls);
  if (!credentials.ok()) return credentials.status();
  p.peer_credentials = std::move(credentials).value();
  ledger::StatusOr<std::shared_ptr<ssl_ctx_st>> raft_tls = MakeRaftTlsContext(p.config.tls);
  if (!raft_tls.ok()) return raft_tls.status();
  p.raft_tls = std::move(raft_tls).value();
  p.leader_link = std::make_unique<GrpcLeaderLink>(p.peer_credentials);
  p.access = std::make_unique<Access>(p.config.tls.enabled());
  if (!p.config.tls.enabled()) {
    spdlog::warn(
        "no TLS: serving plaintext on {} and trusting every caller (development only; "
        "see docs/security.md)",
        p.config.listen);
  }
  return ledger::Status::Ok();
}

ledger::Status OpenLedger(NodeServer::Parts& p) {
  ledger::StatusOr<std::unique_ptr<DataDir>> dir = DataDir::Open(p.config.data_dir);
  if (!dir.ok()) return dir.status();
  p.data_dir = std::move(dir).value();
  return p.config.cluster.id == 0 ? OpenStandalone(p) : OpenCluster(p);
}

void StartWritePath(NodeServer::Parts& p) {
  p.batcher = std::make_unique<Batcher>(p.consensus.get(), p.config.batch, p.last_timestamp);
  p.writes =
      std::make_unique<WritePath>(p.batcher.get(), &p.directory, &p.calls, p.consensus.get());
  p.gate = std::make_unique<Gate>(p.access.get(), &p.calls, p.config.limits);
  Gate* gate = p.gate.get();
  p.admin = std::make_unique<AdminService>(&p.calls, gate, p.writes.get());
  p.money = std::make_unique<MoneyService>(&p.calls, gate, p.writes.get());
  p.terminal = std::make_unique<TerminalService>(&p.calls, gate, p.writes.get(), &p.directory);
  p.resident = std::make_unique<ResidentService>(&p.calls, gate, p.writes.get());
  p.flows.rules = p.config.disclosure;
  p.flows.worker = &p.worker;
  p.query = std::make_unique<QueryService>(&p.calls, gate, p.consensus.get(), p.flows);
  p.releases = std::make_unique<ReleaseService>(&p.calls, gate, p.consensus.get(), p.writes.get(),
                                                p.config.releases);
  p.research =
      std::make_unique<ResearchService>(&p.calls, gate, p.consensus.get(), p.config.research);
  p.node = std::make_unique<NodeService>(&p.calls, gate, p.consensus.get(), p.config.node_id);
  p.cluster = std::make_unique<ClusterService>(&p.calls, gate, p.consensus.get());
  RocksDbCheckpoints* checkpoints = p.checkpoints.get();
  p.peer = std::make_unique<PeerService>(
      &p.calls, gate, p.consensus.get(), [checkpoints](uint64_t index) {
        // A snapshot's checkpoint is written just after it: a peer that asks at once waits.
        return checkpoints ? checkpoints->Locate(index, std::chrono::seconds(60)) : std::nullopt;
      });
}

ledger::Status StartGrpc(NodeServer::Parts& p) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  ledger::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(p.config.tls);
  if (!credentials.ok()) return credentials.status();
  builder.AddListeningPort(p.config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(p.config.message_size_max_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             p.config.limits.streams_per_connection_max);
  for (grpc::Service* service : std::initializer_list<grpc::Service*>{
           p.admin.get(), p.money.get(), p.terminal.get(), p.resident.get(), p.query.get(),
           p.node.get(), p.cluster.get(), p.peer.get(), p.releases.get(), p.research.get()}) {
    builder.RegisterService(service);
  }
  p.server = builder.BuildAndStart();
  if (p.server == nullptr || port == 0) {
    return ledger::Status::IOError("cannot listen on " + p.config.listen +
                                   " (in use, or not an address of this machine)");
  }
  std::string host = p.config.listen.substr(0, p.config.listen.rfind(':'));
  p.address = host + ":" + std::to_string(port);
  return ledger::Status::Ok();
}

ledger::Status StartHttp(NodeServer::Parts& p) {
  if (p.config.http.listen.empty()) return ledger::Status::Ok();
  HttpGatewayParts parts{.access = p.access.get(),
                         .gate = p.gate.get(),
                         .consensus = p.consensus.get(),
                         .calls = &p.calls,
                         .worker = &p.worker,
                         .connections_max = static_cast<int>(p.config.http.connections_max),
                         .routes = FlowRoutes(p.flows)};
  for (HttpRoute& route : ReleaseRoutes(p.config.releases)) parts.routes.push_back(route);
  parts.routes.push_back(MicrodataRoute(p.config.research));
  ledger::StatusOr<std::unique_ptr<HttpGateway>> gateway =
      HttpGateway::Start(p.config.http.listen, p.config.tls, std::move(parts));
  if (!gateway.ok()) return gateway.status();
  p.gateway = std::move(*gateway);
  spdlog::info("HTTP gateway on {} ({})", p.gateway->address(),
               p.config.tls.enabled() ? "HTTPS, client certificates required" : "plain HTTP");
  return ledger::Status::Ok();
}

ledger::Status WriteReadyFile(const NodeServer::Parts& p) {
  if (p.config.ready_file.empty()) return ledger::Status::Ok();
  std::string temporary = p.config.ready_file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << p.address << "\n";
    if (p.gateway) out << "http " << p.gateway->address() << "\n";
    if (!out) return ledger::Status::IOError("cannot write " + temporary);
  }
  // Renamed into place, so a reader never sees half an address.
  if (std::rename(temporary.c_str(), p.config.ready_file.c_str()) != 0) {
    return ledger::Status::IOError("cannot write " + p.config.ready_file);
  }
  return ledger::Status::Ok();
}

}  // namespace

ledger::StatusOr<std::unique_ptr<NodeServer>> NodeServer::Start(const NodeConfig& config) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  KYOSO_RETURN_IF_ERROR(PrepareTls(*parts));
  KYOSO_RETURN_IF_ERROR(OpenLedger(*parts));
  StartWritePath(*parts);
  KYOSO_RETURN_IF_ERROR(StartGrpc(*parts));
  KYOSO_RETURN_IF_ERROR(StartHttp(*parts));
  KYOSO_RETURN_IF_ERROR(WriteReadyFile(*parts));
  spdlog::info("kyoso-node {} serving on {}", config.node_id, parts->address);
  return std::unique_ptr<NodeServer>(new NodeServer(std::move(parts)));
}

NodeServer::NodeServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

NodeServer::~NodeServer() {
  Shutdown();
}

const std::string& NodeServer::address() const {
  return parts_->address;
}

void NodeServer::Shutdown() {
  Parts& p = *parts_;
  if (p.shut_down) return;
  p.shut_down = true;
  spdlog::info("draining: no new calls, finishing the ones in flight");
  if (p.server) {
    p.server->GetHealthCheckService()->SetServingStatus(false);
    p.calls.StartDraining();
    if (!p.calls.WaitIdle(std::chrono::milliseconds(p.config.shutdown_grace_ms))) {
      spdlog::warn("calls still in flight after {} ms are cancelled", p.config.shutdown_grace_ms);
    }
    // No call of ours is in flight: shut down now rather than wait out idle connections.
    if (p.gateway) p.gateway->Stop();
    if (p.checkpoints) p.checkpoints->StopServing();  // A peer's fetch waits no more.
    p.server->Shutdown(std::chrono::system_clock::now());
  }
  if (p.batcher) p.batcher->Stop();
  if (p.consensus) p.consensus->Stop();
  if (p.checkpoints) p.checkpoints->Stop();  // Before the consensus closes the store.
  p.worker.Stop();  // No read posts more once the consensus has stopped; queued ones give up.
  if (p.server) p.server->Wait();
  p.gateway.reset();    // After the consensus stopped: its reads in flight hold connections.
  p.consensus.reset();  // In a cluster: closes the raft log, then RocksDB.
  p.ledger.reset();
  p.store.reset();  // Closes RocksDB cleanly.
  spdlog::info("stopped; applied index and chain head are on disk");
}

}  // namespace kyoso::node
