// kyoso-admin audit …: export the journal from a node, and verify an exported journal
// offline against the hash chain (no node needed: an auditor checks what it was given).
#include <fstream>
#include <iostream>

#include "admin-cli/admin.h"
#include "kyoso/crypto/encoding.h"
#include "kyoso/ledger/journal.h"

namespace kyoso::admin {
namespace {

using nlohmann::json;

// Exit code of `audit verify` when the journal breaks (or ends elsewhere than --head).
constexpr int kExitJournalBroken = 21;

std::string HeadHex(const ledger::ChainHead& head) {
  return crypto::ToHex(std::string_view(reinterpret_cast<const char*>(head.data()), head.size()));
}

json EntryJson(const v1::JournalEntry& entry) {
  return {{"index", entry.index()},
          {"batch", crypto::ToHex(entry.batch())},
          {"results", crypto::ToHex(entry.results())},
          {"chain_head", crypto::ToHex(entry.chain_head())}};
}

// One line of an export back into an entry; nullopt if it is not one.
std::optional<ledger::JournalEntry> ParseEntry(const std::string& line) {
  json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object() || !value["index"].is_number_unsigned()) return std::nullopt;
  ledger::JournalEntry entry;
  entry.index = value["index"].get<uint64_t>();
  std::optional<std::string> batch, results, head;
  if (value["batch"].is_string()) batch = crypto::FromHex(value["batch"].get<std::string>());
  if (value["results"].is_string()) results = crypto::FromHex(value["results"].get<std::string>());
  if (value["chain_head"].is_string())
    head = crypto::FromHex(value["chain_head"].get<std::string>());
  if (!batch || !results || !head || head->size() != entry.chain_head.size()) return std::nullopt;
  entry.batch = std::move(*batch);
  entry.results = std::move(*results);
  std::copy(head->begin(), head->end(), entry.chain_head.begin());
  return entry;
}

int Export(AdminTool& tool, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return tool.Fail(cli::kExitUsage, "cannot write " + path);
  v1::ListJournalRequest request;
  request.set_limit(1'000);
  uint64_t batches = 0;
  std::string last_head;
  do {
    grpc::ClientContext context;
    cli::SetDeadline(&context, tool.options);
    v1::JournalPage page;
    grpc::Status status = tool.query().ListJournal(&context, request, &page);
    if (!status.ok()) return tool.Fail(status, context);
    for (const v1::JournalEntry& entry : page.entries()) {
      out << EntryJson(entry).dump() << "\n";
      last_head = crypto::ToHex(entry.chain_head());
      ++batches;
    }
    request.set_from_index(page.next_index());
  } while (request.from_index() != 0);
  out.close();
  if (!out) return tool.Fail(cli::kExitUsage, "cannot write " + path);
  return tool.Print(
      {{"file", path}, {"batches", batches}, {"chain_head", last_head}},
      "Wrote " + std::to_string(batches) + " batches to " + path + "\nChain head: " + last_head);
}

int Verify(AdminTool& tool, const std::string& path, const std::string& expected_head) {
  std::ifstream in(path);
  if (!in) return tool.Fail(cli::kExitUsage, "cannot read " + path);
  ledger::JournalVerifier verifier;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::optional<ledger::JournalEntry> entry = ParseEntry(line);
    std::optional<std::string> wrong =
        entry ? verifier.Add(*entry)
              : std::optional<std::string>("line " + std::to_string(number) +
                                           " is not a journal entry");
    if (wrong) {
      return tool.Fail(kExitJournalBroken, "the journal breaks after " +
                                               std::to_string(verifier.entries()) +
                                               " good batches: " + *wrong);
    }
  }
  std::string head = HeadHex(verifier.head());
  if (!expected_head.empty() && expected_head != head) {
    return tool.Fail(kExitJournalBroken, "the journal's " + std::to_string(verifier.entries()) +
                                             " batches verify but end at " + head + ", not at " +
                                             expected_head);
  }
  return tool.Print({{"verified", true}, {"batches", verifier.entries()}, {"chain_head", head}},
                    "Verified " + std::to_string(verifier.entries()) +
                        " batches: the chain is unbroken.\nChain head: " + head);
}

}  // namespace

void AddAuditCommands(CLI::App& app, AdminTool& tool) {
  CLI::App* audit = app.add_subcommand("audit", "Export the journal and verify it offline");
  audit->require_subcommand(1);

  auto out = std::make_shared<std::string>();
  CLI::App* exporter = audit->add_subcommand(
      "export", "Write every applied batch, as hashed into the chain, to a file (JSON lines)");
  exporter->add_option("--out", *out, "The file to write")->required();
  exporter->callback([&tool, out] { tool.run = [&tool, out] { return Export(tool, *out); }; });

  auto file = std::make_shared<std::string>();
  auto head = std::make_shared<std::string>();
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Recompute the hash chain of an exported journal and report the first break "
      "(offline; exit 21 on a break)");
  verify->add_option("file", *file, "The exported journal")->required();
  verify->add_option("--head", *head,
                     "The chain head the journal must end at (hex, e.g. from kyoso-admin status)");
  verify->callback([&tool, file, head] {
    tool.run = [&tool, file, head] { return Verify(tool, *file, *head); };
  });
}

}  // namespace kyoso::admin
