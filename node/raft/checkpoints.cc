#include "node/raft/checkpoints.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <system_error>
#include <vector>

namespace kyoso::node {
namespace fs = std::filesystem;

namespace {

constexpr size_t kCheckpointsKept = 2;

// The raft index a checkpoint directory is named by; nullopt for any other name (a fetch
// or a write under way, or an operator's file).
std::optional<uint64_t> IndexNamed(std::string_view name) {
  uint64_t index = 0;
  const char* end = name.data() + name.size();
  auto [stop, error] = std::from_chars(name.data(), end, index);
  if (name.empty() || error != std::errc() || stop != end) return std::nullopt;
  return index;
}

ledger::Status FsError(std::string_view what, const std::error_code& error) {
  return ledger::Status::IOError(std::string(what) + ": " + error.message());
}

// Copies a checkpoint into a database directory: table files are immutable, so they are
// linked; everything else (MANIFEST, CURRENT, OPTIONS, logs) is copied.
ledger::Status CopyDatabase(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::create_directories(to, error);
  if (error) return FsError("create " + to.string(), error);
  for (const fs::directory_entry& file : fs::directory_iterator(from, error)) {
    fs::path target = to / file.path().filename();
    if (file.path().extension() == ".sst") {
      fs::create_hard_link(file.path(), target, error);
      if (!error) continue;
      error.clear();  // Another file system: copy instead.
    }
    fs::copy_file(file.path(), target, fs::copy_options::overwrite_existing, error);
    if (error) return FsError("copy " + file.path().string(), error);
  }
  if (error) return FsError("read " + from.string(), error);
  return ledger::Status::Ok();
}

}  // namespace

RocksDbCheckpoints::RocksDbCheckpoints(std::string ledger_dir, std::string checkpoints_dir,
                                       ledger::RocksDbOptions options, Fetch fetch)
    : ledger_dir_(std::move(ledger_dir)),
      checkpoints_dir_(std::move(checkpoints_dir)),
      options_(options),
      fetch_(std::move(fetch)) {}

RocksDbCheckpoints::~RocksDbCheckpoints() {
  Stop();
}

std::string RocksDbCheckpoints::DirFor(uint64_t raft_index) const {
  return checkpoints_dir_ + "/" + std::to_string(raft_index);
}

std::optional<uint64_t> RocksDbCheckpoints::NewestAtOrAfter(uint64_t raft_index) const {
  std::optional<uint64_t> newest;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(checkpoints_dir_, error)) {
    const std::optional<uint64_t> index = IndexNamed(entry.path().filename().string());
    if (index && *index >= raft_index && (!newest || *index > *newest)) newest = index;
  }
  return newest;
}

std::optional<std::string> RocksDbCheckpoints::Locate(uint64_t raft_index,
                                                      std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  std::optional<uint64_t> found;
  changed_.wait_for(lock, wait, [&] {
    found = NewestAtOrAfter(raft_index);
    // Nothing to wait for while this node installs a snapshot itself (it is behind).
    return found || !serving_ || installing_ || (!writing_ && !wanted_);
  });
  if (!found) return std::nullopt;
  return DirFor(*found);
}

ledger::Status RocksDbCheckpoints::Keep(ledger::Store& store, uint64_t raft_index) {
  auto* rocksdb = dynamic_cast<ledger::RocksDbStore*>(&store);
  if (rocksdb == nullptr) return ledger::Status::FailedPrecondition("not a RocksDB store");
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return ledger::Status::FailedPrecondition("the node is stopping");
    store_ = rocksdb;
    wanted_ = raft_index;
    if (!thread_.joinable()) thread_ = std::thread([this] { TakeCheckpoints(); });
  }
  changed_.notify_all();
  return ledger::Status::Ok();
}

void RocksDbCheckpoints::StopServing() {
  {
    std::lock_guard lock(mutex_);
    serving_ = false;
  }
  changed_.notify_all();
}

void RocksDbCheckpoints::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    serving_ = false;
    wanted_.reset();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RocksDbCheckpoints::TakeCheckpoints() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || wanted_; });
      if (stopping_) return;
    }
    std::lock_guard work(work_mutex_);  // Install may hold it: then wanted_ is gone.
    uint64_t raft_index = 0;
    ledger::RocksDbStore* store = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (!wanted_ || store_ == nullptr) continue;
      raft_index = *wanted_;
      wanted_.reset();
      store = store_;
      writing_ = true;
    }
    TakeCheckpoint(*store, raft_index);
    {
      std::lock_guard lock(mutex_);
      writing_ = false;
    }
    changed_.notify_all();
  }
}

void RocksDbCheckpoints::TakeCheckpoint(ledger::RocksDbStore& store, uint64_t raft_index) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code error;
  fs::create_directories(checkpoints_dir_, error);
  const std::string dir = DirFor(raft_index);
  ledger::Status status = ledger::Status::Ok();
  if (error) {
    status = FsError("create " + checkpoints_dir_, error);
  } else if (!fs::exists(dir, error)) {
    status = store.Checkpoint(dir);
  }
  if (!status.ok()) {
    // The snapshot stands; a peer that needs a checkpoint gets the next one.
    spdlog::error("checkpoint for the snapshot at raft index {} failed: {}", raft_index,
                  status.ToString());
    return;
  }
  DropOlderThan(raft_index, kCheckpointsKept);
  const auto took = std::chrono::steady_clock::now() - started;
  spdlog::info("checkpoint for the snapshot at raft index {} written in {} ms", raft_index,
               std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
}

void RocksDbCheckpoints::DropOlderThan(uint64_t raft_index, size_t keep) {
  std::vector<uint64_t> indices;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(checkpoints_dir_, error)) {
    const std::optional<uint64_t> index = IndexNamed(entry.path().filename().string());
    if (!index) {
      fs::remove_all(entry.path(), error);  // A fetch that never finished.
      continue;
    }
    indices.push_back(*index);
  }
  std::sort(indices.rbegin(), indices.rend());
  for (size_t i = 0; i < indices.size(); ++i) {
    if (i >= keep && indices[i] < raft_index) fs::remove_all(DirFor(indices[i]), error);
  }
}

ledger::Status RocksDbCheckpoints::FetchFromPeers(const SnapshotDescription& description) {
  // The node that took the checkpoint first, then every other node known.
  std::vector<std::pair<uint64_t, std::string>> order{
      {description.source, description.source_address}};
  for (const auto& [id, address] : description.directory) {
    if (id != description.source) order.emplace_back(id, address);
  }
  std::string last_error;
  for (const auto& [id, address] : order) {
    if (address.empty()) continue;
    std::string partial = DirFor(description.raft_index) + ".partial";
    std::error_code error;
    fs::remove_all(partial, error);
    fs::create_directories(partial, error);
    if (error) return FsError("create " + partial, error);
    ledger::Status fetched = fetch_(address, description.raft_index, partial);
    if (fetched.ok()) {
      ::sync();  // The files are durable before the directory is renamed into place.
      fs::rename(partial, DirFor(description.raft_index), error);
      if (error) return FsError("rename " + partial, error);
      spdlog::info("fetched the checkpoint at raft index {} from node {} ({})",
                   description.raft_index, id, address);
      return ledger::Status::Ok();
    }
    last_error = "node " + std::to_string(id) + " (" + address + "): " + fetched.message();
    spdlog::warn("fetching the checkpoint at raft index {} failed: {}", description.raft_index,
                 last_error);
  }
  return ledger::Status::IOError("cannot fetch the checkpoint at raft index " +
                                 std::to_string(description.raft_index) + ": " +
                                 (last_error.empty() ? "no node's address is known" : last_error));
}

ledger::StatusOr<std::unique_ptr<ledger::Store>> RocksDbCheckpoints::Install(
    const SnapshotDescription& description, std::unique_ptr<ledger::Store> current) {
  {
    std::lock_guard lock(mutex_);
    installing_ = true;
    store_ = nullptr;  // Closed below; the next Keep names the new one.
    wanted_.reset();
  }
  changed_.notify_all();
  struct Installed {
    RocksDbCheckpoints* keeper;
    ~Installed() {
      std::lock_guard lock(keeper->mutex_);
      keeper->installing_ = false;
    }
  } installed{this};
  std::lock_guard work(work_mutex_);  // After the checkpoint being written, if any.
  std::optional<uint64_t> kept = NewestAtOrAfter(description.raft_index);
  if (!kept) {
    KYOSO_RETURN_IF_ERROR(FetchFromPeers(description));
    kept = description.raft_index;
  }
  std::error_code error;
  std::string incoming = ledger_dir_ + ".incoming";
  std::string replaced = ledger_dir_ + ".replaced";
  fs::remove_all(incoming, error);
  fs::remove_all(replaced, error);
  KYOSO_RETURN_IF_ERROR(CopyDatabase(DirFor(*kept), incoming));
  current.reset();  // Closes the live database before it is replaced.
  // A crash between the renames leaves no ledger directory: the node then starts from an
  // empty ledger, and raft restores this snapshot again.
  if (fs::exists(ledger_dir_, error)) fs::rename(ledger_dir_, replaced, error);
  if (error) return FsError("move " + ledger_dir_ + " aside", error);
  fs::rename(incoming, ledger_dir_, error);
  if (error) return FsError("move " + incoming + " into place", error);
  fs::remove_all(replaced, error);
  ledger::StatusOr<std::unique_ptr<ledger::RocksDbStore>> opened =
      ledger::RocksDbStore::Open(ledger_dir_, options_);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<ledger::Store>(std::move(opened).value());
}

}  // namespace kyoso::node
