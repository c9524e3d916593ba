// Bounding each payer's contribution to a release (kyoso/ledger/releases.h).
#include "kyoso/ledger/releases.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <functional>
#include <limits>

#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/ledger.h"
#include "state.h"

namespace kyoso::ledger {
namespace {

// A payer's total in one cell before bounding.
struct Contribution {
  const Account* payer;
  uint32_t cell;
  uint64_t count;
  FlowSum sum;
};

// A resident who has not consented to research use: left out of every release.
bool OptedOut(const Account* account) {
  return account != nullptr && account->kind == AccountKind::kResident &&
         !account->research_consent;
}

// Partition numbers by name, for one side.
absl::flat_hash_map<std::string_view, uint32_t> Numbered(const std::vector<std::string>& names) {
  absl::flat_hash_map<std::string_view, uint32_t> numbers;
  for (size_t i = 0; i < names.size(); ++i) numbers.emplace(names[i], static_cast<uint32_t>(i));
  return numbers;
}

// Keeps each payer's `max_cells` largest cells (by sum, then cell), each cut to the
// bounds, and adds them up. `all` is sorted by payer on return.
BoundedTable AddUp(std::vector<Contribution>& all, const ReleaseSpec& spec) {
  std::sort(all.begin(), all.end(), [](const Contribution& a, const Contribution& b) {
    if (a.payer != b.payer) return std::less<const Account*>{}(a.payer, b.payer);
    if (a.sum != b.sum) return a.sum > b.sum;
    return a.cell < b.cell;
  });
  const ReleaseBounds& bounds = spec.bounds;
  BoundedTable table;
  table.cells.resize(spec.payer_partitions.size() * spec.payee_partitions.size());
  for (size_t i = 0; i < all.size();) {
    size_t end = i;
    while (end < all.size() && all[end].payer == all[i].payer) ++end;
    size_t kept = std::min<size_t>(end - i, bounds.max_cells);
    for (size_t k = i; k < i + kept; ++k) {
      BoundedCell& cell = table.cells[all[k].cell];
      cell.count += std::min<uint64_t>(all[k].count, bounds.max_count);
      cell.sum += static_cast<Amount>(std::min<FlowSum>(all[k].sum, FlowSum(bounds.max_amount)));
    }
    table.contributors.push_back(all[i].payer->id);
    i = end;
  }
  std::sort(table.contributors.begin(), table.contributors.end());
  return table;
}

}  // namespace

uint64_t CountSensitivity(const ReleaseBounds& bounds) {
  return uint64_t{bounds.max_cells} * bounds.max_count;
}

uint64_t SumSensitivity(const ReleaseBounds& bounds) {
  return uint64_t{bounds.max_cells} * static_cast<uint64_t>(bounds.max_amount);
}

StatusOr<BoundedTable> Ledger::BoundFlows(const ReleaseSpec& spec) const {
  if (spec.payer_partitions.size() * spec.payee_partitions.size() > 64 * 64 ||
      spec.bounds.max_cells == 0 || spec.bounds.max_amount <= 0) {
    return Status::InvalidArgument("release partitions or bounds out of range");
  }
  // A cell's bounded sum is at most (accounts × max_amount): it must fit an int64.
  if (Wide(state_->accounts.entries().size()) * spec.bounds.max_amount >
      Wide(std::numeric_limits<Amount>::max())) {
    return Status::InvalidArgument("max_amount too large for this many accounts");
  }
  auto payer_numbers = Numbered(spec.payer_partitions);
  auto payee_numbers = Numbered(spec.payee_partitions);
  auto number = [](const auto& numbers, GroupBy group_by, const Account* account,
                   std::string_view program) -> std::optional<uint32_t> {
    std::string_view name =
        group_by == GroupBy::kProgram ? ProgramGroup(program) : AccountGroup(group_by, account);
    auto it = numbers.find(name);
    return it == numbers.end() ? std::nullopt : std::optional(it->second);
  };
  absl::flat_hash_map<std::pair<const Account*, uint32_t>, Contribution> by_payer_and_cell;
  KYOSO_RETURN_IF_ERROR(state_->flows.ForEachPair(
      *store_, spec.currency, Period{PeriodKind::kMonth, spec.month}, spec.flow_class,
      [this](std::string_view id) { return state_->accounts.Find(id); },
      [&](std::string_view program, const Account* payer, const Account* payee, uint64_t count,
          FlowSum sum) {
        if (payer == nullptr || OptedOut(payer) || OptedOut(payee)) return;
        auto row = number(payer_numbers, spec.payer_group, payer, program);
        auto column = number(payee_numbers, spec.payee_group, payee, program);
        if (!row || !column) return;  // Outside the public partitions.
        uint32_t cell = *row * static_cast<uint32_t>(spec.payee_partitions.size()) + *column;
        auto [it, added] =
            by_payer_and_cell.try_emplace({payer, cell}, Contribution{payer, cell, 0, 0});
        it->second.count += count;
        it->second.sum += sum;
      }));
  std::vector<Contribution> all;
  all.reserve(by_payer_and_cell.size());
  for (const auto& [key, contribution] : by_payer_and_cell) all.push_back(contribution);
  return AddUp(all, spec);
}

StatusOr<std::optional<Release>> Ledger::FindRelease(const ReleaseId& id) const {
  std::string value;
  Status read = store_->Get(Column::kReleases, release_keys::Release(id), &value);
  if (read.IsNotFound()) return std::optional<Release>();
  if (!read.ok()) return read;
  StatusOr<Release> release = DecodeRelease(value);
  if (!release.ok()) return release.status();
  return std::optional<Release>(std::move(release).value());
}

Status Ledger::ForEachRelease(const std::function<bool(const Release&)>& visit) const {
  std::string start(1, release_keys::kReleaseTag), end(1, release_keys::kReleaseTag + 1);
  Status broken = Status::Ok();
  KYOSO_RETURN_IF_ERROR(store_->Scan(Column::kReleases, start, end, false,
                                     [&](std::string_view, std::string_view value) {
                                       StatusOr<Release> release = DecodeRelease(value);
                                       if (!release.ok()) broken = release.status();
                                       return release.ok() && visit(*release);
                                     }));
  return broken;
}

StatusOr<std::vector<ReleaseId>> Ledger::ReleasesIncluding(const AccountId& account) const {
  std::string start = release_keys::Included(account, "");
  std::string end = start;
  end.back() = '\1';
  std::vector<ReleaseId> ids;
  KYOSO_RETURN_IF_ERROR(store_->Scan(Column::kReleases, start, end, false,
                                     [&](std::string_view key, std::string_view) {
                                       ids.emplace_back(key.substr(start.size()));
                                       return true;
                                     }));
  return ids;
}

uint32_t Ledger::PrivacySpent(const CurrencyCode& currency, int32_t month) const {
  auto it = state_->privacy_spent.find({currency, month});
  return it == state_->privacy_spent.end() ? 0 : it->second;
}

}  // namespace kyoso::ledger
