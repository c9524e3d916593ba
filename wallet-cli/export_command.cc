// `kyoso-wallet export`: everything the node holds of the wallet's account, in files the
// resident can keep, read or hand on: the account (account.json), every movement
// (history.csv) and both together (export.json). The files hold personal data, so the
// directory is created 0700 and each file 0600.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>

#include "wallet-cli/wallet.h"

namespace kyoso::wallet {
namespace {

using cli::kExitInternal;
using cli::kExitOk;
using cli::MakeFailure;

// The node's largest history page, so an export takes as few calls as possible.
constexpr uint32_t kExportPageSize = 1'000;
// At most this many pages (100 million movements): a bound on a runaway loop should a
// node keep answering with a next cursor.
constexpr int kExportPagesMax = 100'000;
// The version of export.json's layout, for whoever reads it later.
constexpr int kExportFormatVersion = 1;

struct ExportArgs {
  std::string out_dir;  // Empty: ./kyoso-export-<account>.
};

// Every movement of `account`, oldest first, a page at a time.
std::optional<std::vector<v1::HistoryEntry>> FetchAllHistory(Session& session,
                                                             const std::string& account,
                                                             Failure* failure) {
  std::vector<v1::HistoryEntry> entries;
  uint64_t cursor = 0;
  for (int page = 0; page < kExportPagesMax; ++page) {
    grpc::ClientContext context;
    cli::SetDeadline(&context, session.client());
    v1::ListHistoryRequest request;
    request.set_account(account);
    request.set_cursor(cursor);
    request.set_limit(kExportPageSize);
    request.set_oldest_first(true);
    v1::ListHistoryReply reply;
    grpc::Status status = session.query().ListHistory(&context, request, &reply);
    if (!status.ok()) {
      *failure = cli::DescribeFailure(status, context, session.client());
      return std::nullopt;
    }
    for (v1::HistoryEntry& entry : *reply.mutable_entries()) entries.push_back(std::move(entry));
    if (reply.next_cursor() == 0) return entries;
    cursor = reply.next_cursor();
  }
  *failure = MakeFailure(
      kExitInternal, "the history did not end after " + std::to_string(kExportPagesMax) + " pages");
  return std::nullopt;
}

std::string HistoryCsv(const std::vector<v1::HistoryEntry>& entries, const WalletAccount& wallet) {
  int32_t scale = wallet.currency.scale();
  std::ostringstream csv;
  // No field can hold a comma or a quote (numbers, hex ids, kind names, times), so none
  // is quoted.
  csv << "seq,time_utc,timestamp_ns,kind,transfer_id,delta_minor,balance_after_minor,delta,"
         "balance_after\n";
  for (const v1::HistoryEntry& e : entries) {
    csv << e.seq() << ',' << cli::FormatTime(e.timestamp_ns()) << ',' << e.timestamp_ns() << ','
        << cli::TransferKindName(e.kind()) << ',' << e.transfer_id() << ',' << e.delta_minor()
        << ',' << e.balance_after_minor() << ',' << cli::FormatAmount(e.delta_minor(), scale, "")
        << ',' << cli::FormatAmount(e.balance_after_minor(), scale, "") << '\n';
  }
  return csv.str();
}

// Creates `dir` with mode 0700, or accepts an existing directory as it is.
bool MakePrivateDir(const std::string& dir, Failure* failure) {
  if (mkdir(dir.c_str(), 0700) == 0) return true;
  struct stat existing {};
  if (errno == EEXIST && lstat(dir.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) {
    return true;
  }
  *failure = MakeFailure(kExitInternal,
                         "cannot create the directory " + dir + ": " + std::strerror(errno));
  return false;
}

// Writes `content` to `path` with mode 0600, replacing an earlier export's file. A
// symbolic link is refused rather than followed, so the export cannot be redirected.
bool WritePrivateFile(const std::string& path, const std::string& content, Failure* failure) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < content.size()) {
    ssize_t wrote = write(fd, content.data() + done, content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    ok = wrote > 0;
    if (ok) done += static_cast<size_t>(wrote);
  }
  if (fd >= 0 && close(fd) != 0) ok = false;
  if (!ok) {
    *failure = MakeFailure(kExitInternal, "cannot write " + path + ": " + std::strerror(errno));
  }
  return ok;
}

nlohmann::json ExportJson(const Session& session, const WalletAccount& wallet,
                          const std::vector<v1::HistoryEntry>& entries,
                          const std::vector<v1::Release>& releases) {
  nlohmann::json history = nlohmann::json::array();
  for (const v1::HistoryEntry& e : entries) history.push_back(HistoryEntryJson(e, wallet));
  nlohmann::json included = nlohmann::json::array();
  for (const v1::Release& r : releases) included.push_back(ReleaseJson(r));
  int64_t now = NowNs();
  return {{"format", "kyoso-wallet-export"},
          {"version", kExportFormatVersion},
          {"exported_at_ns", now},
          {"exported_at_utc", cli::FormatTime(now)},
          {"node", session.client().node},
          {"account", AccountJson(wallet)},
          {"history", history},
          {"releases", included}};
}

int RunExport(const WalletOptions& options, const ExportArgs& args) {
  Session session(options);
  Failure failure;
  std::optional<WalletAccount> wallet = session.LoadWalletAccount(&failure);
  if (!wallet) return session.Fail(failure);
  std::optional<std::vector<v1::HistoryEntry>> entries =
      FetchAllHistory(session, wallet->id(), &failure);
  if (!entries) return session.Fail(failure);
  std::optional<std::vector<v1::Release>> releases =
      session.ReleasesIncluding(wallet->id(), &failure);
  if (!releases) return session.Fail(failure);
  std::string dir = args.out_dir.empty() ? "kyoso-export-" + wallet->id() : args.out_dir;
  auto dump = [](const nlohmann::json& json) {
    return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  };
  if (!MakePrivateDir(dir, &failure) ||
      !WritePrivateFile(dir + "/account.json", dump(AccountJson(*wallet)), &failure) ||
      !WritePrivateFile(dir + "/history.csv", HistoryCsv(*entries, *wallet), &failure) ||
      !WritePrivateFile(dir + "/export.json",
                        dump(ExportJson(session, *wallet, *entries, *releases)), &failure)) {
    return session.Fail(failure);
  }
  if (session.json()) {
    session.PrintJson({{"account", wallet->id()},
                       {"dir", dir},
                       {"files", {"account.json", "history.csv", "export.json"}},
                       {"entries", entries->size()}});
  } else {
    std::cout << "Exported " << wallet->id() << " (" << entries->size() << " movements) to " << dir
              << "/: account.json, history.csv, export.json\n";
  }
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, const WalletOptions& options, Commands* commands) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* sub =
      app.add_subcommand("export", "Save everything the node holds of your account to files");
  sub->add_option("--out", args->out_dir,
                  "Directory to write (default ./kyoso-export-<account>; created 0700)");
  commands->push_back({sub, [&options, args] { return RunExport(options, *args); }});
}

}  // namespace kyoso::wallet
