#include "node/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "kyoso/ledger/rocksdb_store.h"
#include "node/data_dir.h"
#include "node/directory.h"
#include "node/local_consensus.h"
#include "node/services.h"

namespace kyoso::node {

// Members are destroyed in reverse order: the server first, the data directory's lock
// last, so nothing is written once the lock is gone.
struct NodeServer::Parts {
  NodeConfig config;
  std::unique_ptr<DataDir> data_dir;
  std::unique_ptr<ledger::RocksDbStore> store;
  std::unique_ptr<ledger::Ledger> ledger;
  AccountDirectory directory;
  CallTracker calls;
  std::unique_ptr<LocalConsensus> consensus;
  std::unique_ptr<Batcher> batcher;
  std::unique_ptr<WritePath> writes;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<MoneyService> money;
  std::unique_ptr<TerminalService> terminal;
  std::unique_ptr<ResidentService> resident;
  std::unique_ptr<QueryService> query;
  std::unique_ptr<NodeService> node;
  std::unique_ptr<grpc::Server> server;
  std::string address;
  bool shut_down = false;
};

namespace {

ledger::Status OpenLedger(NodeServer::Parts& p) {
  ledger::StatusOr<std::unique_ptr<DataDir>> dir = DataDir::Open(p.config.data_dir);
  if (!dir.ok()) return dir.status();
  p.data_dir = std::move(dir).value();
  ledger::StatusOr<std::unique_ptr<ledger::RocksDbStore>> store =
      ledger::RocksDbStore::Open(p.data_dir->LedgerPath());
  if (!store.ok()) return store.status();
  p.store = std::move(store).value();
  ledger::StatusOr<std::unique_ptr<ledger::Ledger>> opened = ledger::Ledger::Open(p.store.get());
  if (!opened.ok()) return opened.status();
  p.ledger = std::move(opened).value();
  p.directory.Load(*p.ledger);
  return ledger::Status::Ok();
}

void StartWritePath(NodeServer::Parts& p) {
  AccountDirectory* directory = &p.directory;
  p.consensus = std::make_unique<LocalConsensus>(
      p.ledger.get(), [directory](const ledger::Batch& batch, const ledger::BatchResult& result,
                                  const ledger::Ledger&) { directory->Observe(batch, result); });
  p.batcher =
      std::make_unique<Batcher>(p.consensus.get(), p.config.batch, p.ledger->last_timestamp());
  p.writes = std::make_unique<WritePath>(p.batcher.get(), &p.directory, &p.calls);
  p.admin = std::make_unique<AdminService>(&p.calls, p.writes.get());
  p.money = std::make_unique<MoneyService>(&p.calls, p.writes.get());
  p.terminal = std::make_unique<TerminalService>(&p.calls, p.writes.get(), &p.directory);
  p.resident = std::make_unique<ResidentService>(&p.calls, p.writes.get());
  p.query = std::make_unique<QueryService>(&p.calls, p.consensus.get());
  p.node = std::make_unique<NodeService>(&p.calls, p.consensus.get(), p.config.node_id);
}

ledger::Status StartGrpc(NodeServer::Parts& p) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(p.config.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(p.config.message_size_max_bytes);
  for (grpc::Service* service :
       std::initializer_list<grpc::Service*>{p.admin.get(), p.money.get(), p.terminal.get(),
                                             p.resident.get(), p.query.get(), p.node.get()}) {
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

ledger::Status WriteReadyFile(const NodeServer::Parts& p) {
  if (p.config.ready_file.empty()) return ledger::Status::Ok();
  std::string temporary = p.config.ready_file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << p.address << "\n";
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
  KYOSO_RETURN_IF_ERROR(OpenLedger(*parts));
  spdlog::info("ledger open at {}: applied index {}, last sequence {}", config.data_dir,
               parts->ledger->applied_index(), parts->ledger->last_seq());
  StartWritePath(*parts);
  KYOSO_RETURN_IF_ERROR(StartGrpc(*parts));
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
    p.server->Shutdown(std::chrono::system_clock::now());
  }
  if (p.batcher) p.batcher->Stop();
  if (p.consensus) p.consensus->Stop();
  if (p.server) p.server->Wait();
  p.ledger.reset();
  p.store.reset();  // Closes RocksDB cleanly.
  spdlog::info("stopped; applied index and chain head are on disk");
}

}  // namespace kyoso::node
