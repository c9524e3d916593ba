#include "node/config.h"

#include <toml++/toml.h>

#include <set>

#include "kyoso/crypto/noise.h"

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

// A number written either as an integer or with a fraction.
Status ReadNumber(const toml::table& table, std::string_view key, double* out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  std::optional<double> value = node->value<double>();
  if (!value)
    return Status::InvalidArgument("config key '" + std::string(key) + "' must be a number");
  *out = *value;
  return Status::Ok();
}

template <typename T>
Status ReadUnsigned(const toml::table& table, std::string_view key, T* out) {
  int64_t value = static_cast<int64_t>(*out);
  KYOSO_RETURN_IF_ERROR(Read(table, key, &value));
  if (value < 0)
    return Status::InvalidArgument("config key '" + std::string(key) + "' is negative");
  *out = static_cast<T>(value);
  return Status::Ok();
}

// A list of strings, if the key is there.
Status ReadStrings(const toml::table& table, std::string_view key, std::string_view prefix,
                   std::vector<std::string>* out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  const toml::array* list = node->as_array();
  std::string name = std::string(prefix).append(key);
  if (list == nullptr) return Status::InvalidArgument("config key '" + name + "' must be a list");
  out->clear();
  for (const toml::node& item : *list) {
    std::optional<std::string> text = item.value<std::string>();
    if (!text) return Status::InvalidArgument(name + " holds a non-string");
    out->push_back(*text);
  }
  return Status::Ok();
}

Status ReadReleases(const toml::table& table, ReleasesConfig* releases) {
  KYOSO_RETURN_IF_ERROR(CheckKeys(table,
                                  {"districts", "sectors", "programs", "max_cells", "max_count",
                                   "max_amount_minor", "budget_milli_per_month"},
                                  "releases."));
  KYOSO_RETURN_IF_ERROR(ReadStrings(table, "districts", "releases.", &releases->districts));
  KYOSO_RETURN_IF_ERROR(ReadStrings(table, "sectors", "releases.", &releases->sectors));
  KYOSO_RETURN_IF_ERROR(ReadStrings(table, "programs", "releases.", &releases->programs));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "max_cells", &releases->bounds.max_cells));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "max_count", &releases->bounds.max_count));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "max_amount_minor", &releases->bounds.max_amount));
  KYOSO_RETURN_IF_ERROR(
      ReadUnsigned(table, "budget_milli_per_month", &releases->budget_milli_per_month));
  return Status::Ok();
}

Status ReadCluster(const toml::table& table, ClusterConfig* cluster) {
  KYOSO_RETURN_IF_ERROR(
      CheckKeys(table,
                {"id", "raft_listen", "peers", "election_timeout_ms", "heartbeat_timeout_ms",
                 "snapshot_threshold", "snapshot_trailing"},
                "cluster."));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "id", &cluster->id));
  KYOSO_RETURN_IF_ERROR(Read(table, "raft_listen", &cluster->raft_listen));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "election_timeout_ms", &cluster->election_timeout_ms));
  KYOSO_RETURN_IF_ERROR(
      ReadUnsigned(table, "heartbeat_timeout_ms", &cluster->heartbeat_timeout_ms));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "snapshot_threshold", &cluster->snapshot_threshold));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "snapshot_trailing", &cluster->snapshot_trailing));
  return ReadStrings(table, "peers", "cluster.", &cluster->peers);
}

Status ReadLimits(const toml::table& table, LimitsConfig* limits) {
  KYOSO_RETURN_IF_ERROR(CheckKeys(table,
                                  {"calls_per_second", "calls_burst", "calls_in_flight_max",
                                   "streams_per_connection_max", "field_bytes_max"},
                                  "limits."));
  KYOSO_RETURN_IF_ERROR(ReadNumber(table, "calls_per_second", &limits->calls_per_second));
  KYOSO_RETURN_IF_ERROR(ReadNumber(table, "calls_burst", &limits->calls_burst));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "calls_in_flight_max", &limits->calls_in_flight_max));
  KYOSO_RETURN_IF_ERROR(
      ReadUnsigned(table, "streams_per_connection_max", &limits->streams_per_connection_max));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "field_bytes_max", &limits->field_bytes_max));
  return Status::Ok();
}

Status ReadDisclosure(const toml::table& table, ledger::DisclosureRules* rules) {
  KYOSO_RETURN_IF_ERROR(CheckKeys(
      table, {"min_payers", "min_payees", "dominance_percent", "running_periods"}, "disclosure."));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "min_payers", &rules->min_payers));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "min_payees", &rules->min_payees));
  KYOSO_RETURN_IF_ERROR(ReadUnsigned(table, "dominance_percent", &rules->dominance_percent));
  if (const toml::node* running = table.get("running_periods")) {
    std::optional<std::string_view> name = running->value<std::string_view>();
    std::optional<ledger::RunningPeriods> parsed =
        name ? ledger::RunningPeriodsFromName(*name) : std::nullopt;
    if (!parsed) {
      return Status::InvalidArgument(
          "disclosure.running_periods must be \"ended-months\" (the default), \"ended-days\" "
          "or \"live\"");
    }
    rules->running_periods = *parsed;
  }
  return Status::Ok();
}

Status ValidateReleases(const ReleasesConfig& releases) {
  for (const auto* list : {&releases.districts, &releases.sectors, &releases.programs}) {
    std::set<std::string> seen(list->begin(), list->end());
    if (list->size() > ledger::kReleasePartitionsMax || seen.size() != list->size() ||
        seen.contains("")) {
      return Status::InvalidArgument(
          "releases.districts, sectors and programs: at most 64 names each, none empty or "
          "twice");
    }
  }
  const ledger::ReleaseBounds& bounds = releases.bounds;
  // The noise's scale is 2,000 x (max_cells x max_amount_minor) / epsilon_milli: exact
  // sampling keeps it below 2^40.
  if (bounds.max_cells < 1 || bounds.max_cells > 64 || bounds.max_count < 1 ||
      bounds.max_amount < 1 ||
      ledger::SumSensitivity(bounds) * 2'000 >= crypto::kNoiseParameterMax) {
    return Status::InvalidArgument(
        "releases.max_cells must be 1 to 64, max_count at least 1, and max_cells x "
        "max_amount_minor at most 549,755,813");
  }
  if (releases.budget_milli_per_month < 1 || releases.budget_milli_per_month > 100'000) {
    return Status::InvalidArgument("releases.budget_milli_per_month must be 1 to 100,000");
  }
  return Status::Ok();
}

}  // namespace

ledger::StatusOr<PeerAddress> ParsePeer(std::string_view spec) {
  size_t at = spec.find('@');
  PeerAddress peer;
  if (at == std::string_view::npos || at == 0 || at + 1 == spec.size() ||
      spec.substr(0, at).find_first_not_of("0123456789") != std::string_view::npos ||
      spec.find(':', at) == std::string_view::npos) {
    return Status::InvalidArgument("peer '" + std::string(spec) +
                                   "' must be id@host:port, e.g. 2@127.0.0.1:7502");
  }
  peer.id = std::stoull(std::string(spec.substr(0, at)));
  peer.raft_address = std::string(spec.substr(at + 1));
  if (peer.id == 0)
    return Status::InvalidArgument("peer ids start at 1: '" + std::string(spec) + "'");
  return peer;
}

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
  KYOSO_RETURN_IF_ERROR(
      CheckKeys(table,
                {"node_id", "listen", "data_dir", "log_level", "ready_file", "shutdown_grace_ms",
                 "message_size_max_bytes", "batch", "cluster", "tls", "limits", "disclosure",
                 "releases", "research", "http"},
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
  if (const toml::table* cluster = table["cluster"].as_table()) {
    KYOSO_RETURN_IF_ERROR(ReadCluster(*cluster, &config->cluster));
  }
  if (const toml::table* limits = table["limits"].as_table()) {
    KYOSO_RETURN_IF_ERROR(ReadLimits(*limits, &config->limits));
  }
  if (const toml::table* disclosure = table["disclosure"].as_table()) {
    KYOSO_RETURN_IF_ERROR(ReadDisclosure(*disclosure, &config->disclosure));
  }
  if (const toml::table* releases = table["releases"].as_table()) {
    KYOSO_RETURN_IF_ERROR(ReadReleases(*releases, &config->releases));
  }
  if (const toml::table* research = table["research"].as_table()) {
    KYOSO_RETURN_IF_ERROR(CheckKeys(*research, {"keys_dir"}, "research."));
    KYOSO_RETURN_IF_ERROR(Read(*research, "keys_dir", &config->research.keys_dir));
  }
  if (const toml::table* http = table["http"].as_table()) {
    KYOSO_RETURN_IF_ERROR(CheckKeys(*http, {"listen", "connections_max"}, "http."));
    KYOSO_RETURN_IF_ERROR(Read(*http, "listen", &config->http.listen));
    KYOSO_RETURN_IF_ERROR(Read(*http, "connections_max", &config->http.connections_max));
  }
  if (const toml::table* tls = table["tls"].as_table()) {
    KYOSO_RETURN_IF_ERROR(CheckKeys(*tls, {"ca_file", "cert_file", "key_file"}, "tls."));
    KYOSO_RETURN_IF_ERROR(Read(*tls, "ca_file", &config->tls.ca_file));
    KYOSO_RETURN_IF_ERROR(Read(*tls, "cert_file", &config->tls.cert_file));
    KYOSO_RETURN_IF_ERROR(Read(*tls, "key_file", &config->tls.key_file));
  }
  return Status::Ok();
}

Status ValidateCluster(const ClusterConfig& cluster) {
  if (cluster.id == 0) {
    if (!cluster.peers.empty() || !cluster.raft_listen.empty()) {
      return Status::InvalidArgument("cluster.id (> 0) is required with cluster settings");
    }
    return Status::Ok();
  }
  if (cluster.raft_listen.empty()) {
    return Status::InvalidArgument("cluster.raft_listen is required in a cluster");
  }
  std::set<uint64_t> ids;
  bool self_listed = cluster.peers.empty();
  for (const std::string& spec : cluster.peers) {
    ledger::StatusOr<PeerAddress> peer = ParsePeer(spec);
    if (!peer.ok()) return peer.status();
    if (!ids.insert(peer->id).second) {
      return Status::InvalidArgument("cluster.peers lists id " + std::to_string(peer->id) +
                                     " twice");
    }
    self_listed = self_listed || peer->id == cluster.id;
  }
  if (!self_listed) {
    return Status::InvalidArgument("cluster.peers must list this node (id " +
                                   std::to_string(cluster.id) + ") when it lists any");
  }
  if (cluster.heartbeat_timeout_ms < 1 ||
      cluster.election_timeout_ms < 2 * cluster.heartbeat_timeout_ms ||
      cluster.snapshot_threshold < 1) {
    return Status::InvalidArgument(
        "cluster timeouts: election_timeout_ms must be at least twice heartbeat_timeout_ms, "
        "and snapshot_threshold at least 1");
  }
  return Status::Ok();
}

bool IsLoopback(std::string_view address) {
  return address.starts_with("127.") || address.starts_with("localhost:") ||
         address.starts_with("[::1]:");
}

Status ValidateTls(const NodeConfig& config) {
  const TlsConfig& tls = config.tls;
  bool any = !tls.ca_file.empty() || !tls.cert_file.empty() || !tls.key_file.empty();
  if (any && (tls.ca_file.empty() || tls.cert_file.empty() || tls.key_file.empty())) {
    return Status::InvalidArgument("tls needs all of ca_file, cert_file and key_file");
  }
  if (!any && !IsLoopback(config.listen)) {
    return Status::InvalidArgument(
        "listen " + config.listen +
        " is not loopback: serving other machines requires TLS (tls.ca_file, tls.cert_file, "
        "tls.key_file or --tls-ca, --tls-cert, --tls-key; ops/certs makes them)");
  }
  if (!any && !config.http.listen.empty() && !IsLoopback(config.http.listen)) {
    return Status::InvalidArgument("http listen " + config.http.listen +
                                   " is not loopback: serving other machines requires TLS");
  }
  return Status::Ok();
}

Status ValidateLimits(const LimitsConfig& limits) {
  if (limits.calls_per_second < 0 || limits.calls_burst < 1) {
    return Status::InvalidArgument(
        "limits.calls_per_second must be 0 (no limit) or more, and limits.calls_burst at least 1");
  }
  if (limits.calls_in_flight_max < 1 || limits.streams_per_connection_max < 1 ||
      limits.field_bytes_max < 64) {
    return Status::InvalidArgument(
        "limits.calls_in_flight_max and limits.streams_per_connection_max must be at least 1, "
        "limits.field_bytes_max at least 64");
  }
  return Status::Ok();
}

Status ValidateConfig(const NodeConfig& config) {
  if (config.node_id.empty()) return Status::InvalidArgument("node_id must not be empty");
  if (config.data_dir.empty()) return Status::InvalidArgument("data_dir must not be empty");
  if (config.http.connections_max < 1 || config.http.connections_max > 100'000) {
    return Status::InvalidArgument("http.connections_max must be 1 to 100,000");
  }
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
  KYOSO_RETURN_IF_ERROR(ValidateCluster(config.cluster));
  KYOSO_RETURN_IF_ERROR(ValidateTls(config));
  KYOSO_RETURN_IF_ERROR(ValidateLimits(config.limits));
  const ledger::DisclosureRules& disclosure = config.disclosure;
  if (disclosure.min_payers < 1 || disclosure.min_payees < 1 || disclosure.dominance_percent < 1 ||
      disclosure.dominance_percent > 100) {
    return Status::InvalidArgument(
        "disclosure.min_payers and disclosure.min_payees must be at least 1, "
        "disclosure.dominance_percent 1 to 100");
  }
  KYOSO_RETURN_IF_ERROR(ValidateReleases(config.releases));
  if (config.cluster.id != 0 && config.listen.ends_with(":0")) {
    return Status::InvalidArgument(
        "in a cluster, listen needs a fixed port: nodes tell clients where the leader is");
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
