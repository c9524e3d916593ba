// kyoso-admin research …: research microdata for the accredited lab (docs/flows.md,
// "Research microdata"). `key` is the data custodian's: a fresh key for one release.
// `export` is the lab's (a researcher certificate): every page of a period, written as
// transfers.csv with a datapackage.json that describes each column.
#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "admin-cli/admin.h"
#include "kyoso/crypto/encoding.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

struct ExportFlags {
  std::string currency;
  std::string month;  // "2026-11", or first and last day.
  std::string first_day;
  std::string last_day;
  std::string key;
  std::string out_dir;
};

// A column of transfers.csv: its name, Table Schema type, what it holds, and its value.
struct Column {
  const char* name;
  const char* type;
  const char* description;
  std::string (*value)(const v1::MicrodataRow&);
};

// clang-format off
constexpr Column kColumns[] = {
    {"transfer", "string", "Pseudonym of the transfer (HMAC-SHA256 under this release's key); the legs of one transfer share it",
     [](const v1::MicrodataRow& r) { return r.transfer(); }},
    {"day", "date", "The transfer's day of ledger time (UTC); no finer time is given",
     [](const v1::MicrodataRow& r) { return r.day(); }},
    {"flow_class", "string", "payment, refund, issuance, redemption or exchange (docs/flows.md)",
     [](const v1::MicrodataRow& r) { return r.flow_class(); }},
    {"transfer_kind", "string", "The transfer's kind: issue, top_up, payment, purchase, post, refund, redeem, cash_out, exchange",
     [](const v1::MicrodataRow& r) { return r.transfer_kind(); }},
    {"program", "string", "The programme the money came from; empty for free money",
     [](const v1::MicrodataRow& r) { return r.program(); }},
    {"amount_minor", "integer", "Amount of this leg in the currency's minor unit",
     [](const v1::MicrodataRow& r) { return std::to_string(r.amount_minor()); }},
    {"payer", "string", "Pseudonym of the paying account (HMAC-SHA256 under this release's key)",
     [](const v1::MicrodataRow& r) { return r.payer(); }},
    {"payer_kind", "string", "Kind of the paying account: res, mch, prd, prg, iss, xch, fee, opr",
     [](const v1::MicrodataRow& r) { return r.payer_kind(); }},
    {"payer_sector", "string", "Sector code of the paying account (may be empty)",
     [](const v1::MicrodataRow& r) { return r.payer_sector(); }},
    {"payer_district", "string", "District of the paying account (may be empty)",
     [](const v1::MicrodataRow& r) { return r.payer_district(); }},
    {"payee", "string", "Pseudonym of the receiving account",
     [](const v1::MicrodataRow& r) { return r.payee(); }},
    {"payee_kind", "string", "Kind of the receiving account",
     [](const v1::MicrodataRow& r) { return r.payee_kind(); }},
    {"payee_sector", "string", "Sector code of the receiving account (may be empty)",
     [](const v1::MicrodataRow& r) { return r.payee_sector(); }},
    {"payee_district", "string", "District of the receiving account (may be empty)",
     [](const v1::MicrodataRow& r) { return r.payee_district(); }},
};
// clang-format on

// RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void WriteCsvRow(std::ofstream& out, const v1::MicrodataRow* row) {
  bool first = true;
  for (const Column& column : kColumns) {
    out << (first ? "" : ",") << CsvField(row ? column.value(*row) : column.name);
    first = false;
  }
  out << "\r\n";
}

// Now in RFC 3339 UTC ("2026-12-04T00:21:01Z"), as a data package's `created` wants it.
std::string CreatedNow() {
  std::string text = cli::FormatTime(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
  std::replace(text.begin(), text.end(), ' ', 'T');
  return text + "Z";
}

json DataPackage(const ExportFlags& flags, uint64_t rows, uint64_t left_out) {
  json fields = json::array();
  for (const Column& column : kColumns) {
    fields.push_back(
        {{"name", column.name}, {"type", column.type}, {"description", column.description}});
  }
  std::string name = "kyoso-microdata-" + flags.currency + "-" + flags.key;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {{"profile", "tabular-data-package"},
          {"name", name},
          {"title", "Kyoso research microdata: " + flags.currency + ", " + flags.first_day +
                        " to " + flags.last_day},
          {"description",
           "Transfers of a community currency, one flow leg a row. Accounts and transfers are "
           "keyed pseudonyms (HMAC-SHA256 under the key named below, held by the data custodian); "
           "pseudonyms link only within releases made under the same key. Times are coarsened to "
           "the day. Transfers with a resident who has not consented to research use are left out "
           "whole."},
          {"created", CreatedNow()},
          {"kyoso",
           {{"currency", flags.currency},
            {"first_day", flags.first_day},
            {"last_day", flags.last_day},
            {"key", flags.key},
            {"rows", rows},
            {"transfers_left_out", left_out}}},
          {"resources",
           {{{"name", "transfers"},
             {"path", "transfers.csv"},
             {"profile", "tabular-data-resource"},
             {"format", "csv"},
             {"mediatype", "text/csv"},
             {"encoding", "utf-8"},
             // An empty cell is a value (free money, no sector), not a missing one.
             {"schema", {{"fields", fields}, {"missingValues", json::array()}}}}}}};
}

// Fills first_day and last_day from --month; false when the flags name no period.
bool ResolvePeriod(ExportFlags* flags) {
  if (!flags->month.empty()) {
    int year = 0, month = 0;
    char dash = 0;
    std::istringstream in(flags->month);
    if (!(in >> year >> dash >> month) || dash != '-' || month < 1 || month > 12 || !in.eof()) {
      return false;
    }
    auto first = std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} / 1;
    auto last = std::chrono::year_month_day_last(first.year(), first.month() / std::chrono::last);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-01", year, month);
    flags->first_day = text;
    std::snprintf(text, sizeof text, "%04d-%02d-%02u", year, month,
                  static_cast<unsigned>(last.day()));
    flags->last_day = text;
  }
  return !flags->first_day.empty() && !flags->last_day.empty();
}

int Export(AdminTool& tool, ExportFlags flags) {
  if (!ResolvePeriod(&flags)) {
    return tool.Fail(cli::kExitUsage, "give --month YYYY-MM, or --first-day and --last-day");
  }
  // Written beside the final files and renamed once every page has come: a failed export
  // leaves an earlier one as it was.
  std::filesystem::create_directories(flags.out_dir);
  std::string csv_path = flags.out_dir + "/transfers.csv";
  std::string partial = csv_path + ".partial";
  std::ofstream csv(partial, std::ios::trunc);
  if (!csv) return tool.Fail(cli::kExitUsage, "cannot write " + partial);
  v1::ExportMicrodataRequest request;
  request.set_currency(flags.currency);
  request.set_first_day(flags.first_day);
  request.set_last_day(flags.last_day);
  request.set_key(flags.key);
  WriteCsvRow(csv, nullptr);
  uint64_t rows = 0, left_out = 0;
  do {
    grpc::ClientContext context;
    cli::SetDeadline(&context, tool.options);
    v1::MicrodataPage page;
    grpc::Status status = tool.research().ExportMicrodata(&context, request, &page);
    if (!status.ok()) {
      std::filesystem::remove(partial);
      return tool.Fail(status, context);
    }
    for (const v1::MicrodataRow& row : page.rows()) WriteCsvRow(csv, &row);
    rows += static_cast<uint64_t>(page.rows_size());
    left_out += page.transfers_left_out();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  csv.close();
  std::string package_path = flags.out_dir + "/datapackage.json";
  std::ofstream package(package_path + ".partial", std::ios::trunc);
  package << DataPackage(flags, rows, left_out).dump(2) << "\n";
  package.close();
  if (!csv || !package) return tool.Fail(cli::kExitUsage, "cannot write " + flags.out_dir);
  std::filesystem::rename(partial, csv_path);
  std::filesystem::rename(package_path + ".partial", package_path);
  return tool.Print({{"dir", flags.out_dir}, {"rows", rows}, {"transfers_left_out", left_out}},
                    "Wrote " + std::to_string(rows) + " rows to " + csv_path + " and " +
                        package_path + "\n" + std::to_string(left_out) +
                        " transfers were left out (a resident without research consent).");
}

// The custodian's fresh key: 32 bytes from OpenSSL's generator, as hex, mode 0600.
int NewKey(AdminTool& tool, const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name + ".key";
  if (std::filesystem::exists(path)) {
    return tool.Fail(cli::kExitUsage, path + " exists; a key is never overwritten");
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return tool.Fail(cli::kExitInternal, "OpenSSL's generator gave no random bytes");
  }
  std::filesystem::create_directories(dir);
  std::string text =
      crypto::ToHex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)) + "\n";
  // O_EXCL: never over a key that appeared meanwhile.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool written =
      fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0 && close(fd) != 0) written = false;
  if (!written) return tool.Fail(cli::kExitUsage, "cannot write " + path);
  return tool.Print({{"key", name}, {"file", path}},
                    "Wrote research key " + name + " to " + path +
                        " (mode 0600). Place it in every node's [research] keys_dir.");
}

void AddExport(CLI::App& research, AdminTool& tool) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* exporter = research.add_subcommand(
      "export",
      "Write a period's pseudonymised transfers as transfers.csv and datapackage.json "
      "(researcher certificate)");
  exporter->add_option("--currency", flags->currency, "Currency code")->required();
  exporter->add_option("--month", flags->month, "The month, YYYY-MM");
  exporter->add_option("--first-day", flags->first_day, "Or the first day, YYYY-MM-DD");
  exporter->add_option("--last-day", flags->last_day, "...and the last day, YYYY-MM-DD");
  exporter->add_option("--key", flags->key, "The custodian's key name for this release")
      ->required();
  exporter->add_option("--out", flags->out_dir, "Directory to write")->required();
  exporter->callback(
      [&tool, flags] { tool.run = [&tool, flags] { return Export(tool, *flags); }; });
}

}  // namespace

void AddResearchCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* research =
      app.add_subcommand("research", "Research microdata: custodian keys and the lab's export");
  research->require_subcommand(1);
  AddExport(*research, tool);
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  CLI::App* key = research->add_subcommand(
      "key", "Make a fresh research key for one release (the data custodian; no node needed)");
  key->add_option("name", *name, "The key's name: 1 to 64 of a-z, 0-9 and -")
      ->required()
      ->check([](const std::string& value) {
        bool ok =
            !value.empty() && value.size() <= 64 &&
            value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
        return ok ? std::string() : std::string("must be 1 to 64 of a-z, 0-9 and -");
      });
  key->add_option("--dir", *dir, "Directory of the custodian's keys")->required();
  key->callback(
      [&tool, dir, name] { tool.run = [&tool, dir, name] { return NewKey(tool, *dir, *name); }; });
}

}  // namespace kyoso::admin
