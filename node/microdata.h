// Research microdata (docs/flows.md, "Research microdata"): a period's transfers as rows
// for the accredited lab, one flow leg a row, with accounts and transfers replaced by
// keyed pseudonyms, times coarsened to the day, and transfers with a resident who has not
// consented to research use left out.
//
// The key is the data custodian's, one per release: a file NAME.key in the node's
// [research] keys_dir holding 32 random bytes as 64 hex characters, readable by the
// node's user only. A pseudonym is the first 16 bytes (32 hex characters) of
// HMAC-SHA256(key, kind tag ‖ id), so two releases made under different keys do not link.
//
// Page tokens carry where the next page starts, masked and authenticated with the same
// key: the lab cannot read the time in a token, and a token the node did not make is
// refused, so the lab cannot aim a page at a chosen moment either.
//
// Thread-safety: every function is safe to call from any number of threads at once.
#pragma once

#include <grpcpp/grpcpp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kyoso/ledger/ledger.h"
#include "kyoso/v1/research.pb.h"

namespace kyoso::node {

// Transfers per page at least (a page ends with the batch that brings it this many):
// a few thousand rows, well inside gRPC's 4 MiB message, and a bounded read on the apply
// thread.
inline constexpr size_t kMicrodataTransfersPerPage = 1'000;
// Days one request may span: a year.
inline constexpr int32_t kMicrodataDaysMax = 366;

struct ResearchKey {
  std::string name;
  std::array<uint8_t, 32> bytes{};
};

// A key name: 1 to 64 of [a-z0-9-].
bool ValidResearchKeyName(std::string_view name);

// Reads `keys_dir`/`name`.key. FAILED_PRECONDITION when the node has no key directory or
// the file is open to group or others; NOT_FOUND when there is no such file;
// INVALID_ARGUMENT for a malformed name; FAILED_PRECONDITION too for a file that does
// not hold 64 hex digits.
grpc::Status LoadResearchKey(const std::string& keys_dir, const std::string& name,
                             ResearchKey* key);

class Pseudonyms {
 public:
  explicit Pseudonyms(const ResearchKey& key) : key_(key) {}
  std::string Account(std::string_view id) const;
  std::string Transfer(const ledger::TransferId& id) const;
  // The token of a page starting at ledger time `resume_at` of the request `scope`
  // (currency and days), and back: nullopt for a token this key did not make for it.
  std::string PageToken(std::string_view scope, ledger::TimeNs resume_at) const;
  std::optional<ledger::TimeNs> ResumeAt(std::string_view scope, std::string_view token) const;

 private:
  std::string Mac(std::string_view tag, std::string_view data) const;
  uint64_t Pad(std::string_view mac) const;
  ResearchKey key_;
};

// The research rows of `records` (transfers that took effect), sorted by day, transfer
// pseudonym and leg. Transfers with a resident party who has not consented are counted
// in `*left_out` and give no row.
std::vector<v1::MicrodataRow> MicrodataRows(const ledger::Ledger& ledger,
                                            const std::vector<ledger::TransferRecord>& records,
                                            const Pseudonyms& pseudonyms, uint64_t* left_out);

}  // namespace kyoso::node
