#include "node/config.h"

#include <toml++/toml.h>

#include <set>

namespace kyoso::node {
namespace {

using ledger::Status;

template <typename T>
Status Read(const toml::table& table, std::string_view key, T* out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  std::optional<T> value = node->value<T>();
  if (!value)
    return Status::InvalidArgument("config key '" + std::string(key) + "' has the wrong type");
  *out = *value;
  return Status::Ok();
}

Status CheckKeys(const toml::table& table, const std::set<std::string_view>& known,
                 std::string_view where) {
  for (const auto& [key, value] : table) {
    if (known.count(key.str()) == 0) {
      return Status::InvalidArgument("unknown config key '" + std::string(where) +
                                     std::string(key.str()) + "'");
    }
  }
  return Status::Ok();
}

Status ReadBatch(const toml::table& table, BatcherOptions* batch) {
  KYOSO_RETURN_IF_ERROR(
      CheckKeys(table, {"size_max", "linger_us", "tick_interval_ms", "queued_max"}, "batch."));
  int64_t size_max = static_cast<int64_t>(batch->size_max);
  int64_t linger_us = batch->linger.count();
  int64_t tick_ms = batch->tick_interval.count();
  int64_t queued_max = static_cast<int64_t>(batch->queued_max);
  KYOSO_RETURN_IF_ERROR(Read(table, "size_max", &size_max));
  KYOSO_RETURN_IF_ERROR(Read(table, "linger_us", &linger_us));
  KYOSO_RETURN_IF_ERROR(Read(table, "tick_interval_ms", &tick_ms));
  KYOSO_RETURN_IF_ERROR(Read(table, "queued_max", &queued_max));
  if (size_max < 1 || linger_us < 0 || tick_ms < 1 || queued_max < 1) {
    return Status::InvalidArgument("batch settings must be positive");
  }
  batch->size_max = static_cast<size_t>(size_max);
  batch->linger = std::chrono::microseconds(linger_us);
  batch->tick_interval = std::chrono::milliseconds(tick_ms);
  batch->queued_max = static_cast<size_t>(queued_max);
  return Status::Ok();
}

}  // namespace

Status LoadConfigFile(const std::string& path, NodeConfig* config) {
  toml::table table;
  try {
    // Debian's toml++ is built with exceptions: a parse error is thrown, caught here.
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return Status::InvalidArgument("config " + path + " line " +
                                   std::to_string(error.source().begin.line) + ": " +
                                   std::string(error.description()));
  }
  KYOSO_RETURN_IF_ERROR(CheckKeys(table,
                                  {"node_id", "listen", "data_dir", "log_level", "ready_file",
                                   "shutdown_grace_ms", "message_size_max_bytes", "batch"},
                                  ""));
  KYOSO_RETURN_IF_ERROR(Read(table, "node_id", &config->node_id));
  KYOSO_RETURN_IF_ERROR(Read(table, "listen", &config->listen));
  KYOSO_RETURN_IF_ERROR(Read(table, "data_dir", &config->data_dir));
  KYOSO_RETURN_IF_ERROR(Read(table, "log_level", &config->log_level));
  KYOSO_RETURN_IF_ERROR(Read(table, "ready_file", &config->ready_file));
  int64_t grace = config->shutdown_grace_ms;
  int64_t message_max = config->message_size_max_bytes;
  KYOSO_RETURN_IF_ERROR(Read(table, "shutdown_grace_ms", &grace));
  KYOSO_RETURN_IF_ERROR(Read(table, "message_size_max_bytes", &message_max));
  config->shutdown_grace_ms = static_cast<int>(grace);
  config->message_size_max_bytes = static_cast<int>(message_max);
  if (const toml::table* batch = table["batch"].as_table()) {
    KYOSO_RETURN_IF_ERROR(ReadBatch(*batch, &config->batch));
  }
  return Status::Ok();
}

Status ValidateConfig(const NodeConfig& config) {
  if (config.node_id.empty()) return Status::InvalidArgument("node_id must not be empty");
  if (config.data_dir.empty()) return Status::InvalidArgument("data_dir must not be empty");
  if (config.batch.size_max < 1 || config.batch.size_max > ledger::kBatchCommandsMax) {
    return Status::InvalidArgument("batch.size_max must be 1 to " +
                                   std::to_string(ledger::kBatchCommandsMax));
  }
  if (config.batch.tick_interval.count() < 1) {
    return Status::InvalidArgument("batch.tick_interval_ms must be at least 1");
  }
  if (config.shutdown_grace_ms < 0 || config.message_size_max_bytes < 1024) {
    return Status::InvalidArgument("shutdown_grace_ms or message_size_max_bytes out of range");
  }
  static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  if (kLevels.count(config.log_level) == 0) {
    return Status::InvalidArgument(
        "log_level must be one of trace, debug, info, warn, error, critical, off");
  }
  return Status::Ok();
}

}  // namespace kyoso::node
