#include "flow_book.h"

#include <algorithm>
#include <map>

namespace kyoso::ledger {
namespace {

constexpr size_t kValueSize = 24;  // Count (8 bytes), sum (16 bytes).

uint64_t ReadU64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

std::string Prefix(const CurrencyCode& currency, const Period& period, FlowClass flow_class) {
  std::string key(currency);
  key.push_back('\0');
  key.push_back(static_cast<char>(period.kind));
  uint32_t ordered = static_cast<uint32_t>(period.start_day) ^ 0x8000'0000u;  // Sorts signed.
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(ordered >> shift));
  key.push_back(static_cast<char>(flow_class));
  return key;
}

void PairKey(const Period& period, FlowClass flow_class, std::string_view program,
             const Account& payer, const Account& payee, std::string* key) {
  key->assign(Prefix(payer.currency, period, flow_class));
  key->append(program).push_back('\0');
  key->append(payer.id).push_back('\0');
  key->append(payee.id);
}

// Sums are never negative: every delta adds a positive amount.
void PutU64(uint64_t value, char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(value >> (56 - 8 * i));
}

void EncodeTotals(const FlowTotals& totals, char out[kValueSize]) {
  PutU64(totals.count, out);
  PutU64((totals.sum >> 64).convert_to<uint64_t>(), out + 8);
  PutU64((totals.sum & Wide(UINT64_MAX)).convert_to<uint64_t>(), out + 16);
}

bool DecodeTotals(std::string_view value, FlowPair* pair) {
  if (value.size() != kValueSize) return false;
  pair->count = ReadU64(value);
  pair->sum = (FlowSum{ReadU64(value.substr(8))} << 64) | ReadU64(value.substr(16));
  return true;
}

Wide ToWide(FlowSum sum) {
  return (Wide(static_cast<uint64_t>(sum >> 64)) << 64) | Wide(static_cast<uint64_t>(sum));
}

// Splits "program\0payer\0payee".
bool SplitPair(std::string_view rest, FlowPair* pair) {
  size_t first = rest.find('\0');
  size_t second = first == std::string_view::npos ? first : rest.find('\0', first + 1);
  if (second == std::string_view::npos) return false;
  pair->program = rest.substr(0, first);
  pair->payer = rest.substr(first + 1, second - first - 1);
  pair->payee = rest.substr(second + 1);
  return true;
}

// The group of an account (or of the money's programme) in a table. Views stay valid
// for the query: account fields live as long as the ledger, programmes are interned.
std::string_view GroupOf(GroupBy group_by, const Account* account, std::string_view program,
                         std::set<std::string, std::less<>>& programs) {
  if (group_by == GroupBy::kProgram) {
    if (program.empty()) return "free";
    auto it = programs.find(program);
    if (it == programs.end()) it = programs.emplace(program).first;
    return *it;
  }
  if (account == nullptr) return "unknown";
  switch (group_by) {
    case GroupBy::kKind:
      return AccountKindPrefix(account->kind);
    case GroupBy::kSector:
      return account->sector.empty() ? "none" : std::string_view(account->sector);
    case GroupBy::kDistrict:
      return account->district.empty() ? "none" : std::string_view(account->district);
    case GroupBy::kProgram:
      break;
  }
  return "unknown";
}

// A cell while it is being summed: every contributor's sum on each side, by account.
struct CellSums {
  uint64_t count = 0;
  FlowSum sum = 0;
  std::unordered_map<const Account*, FlowSum> payers;
  std::unordered_map<const Account*, FlowSum> payees;
};

void TopTwo(const std::unordered_map<const Account*, FlowSum>& sums, Wide top[2]) {
  FlowSum first = 0, second = 0;
  for (const auto& [who, sum] : sums) {
    if (sum > first) {
      second = first;
      first = sum;
    } else if (sum > second) {
      second = sum;
    }
  }
  top[0] = ToWide(first);
  top[1] = ToWide(second);
}

}  // namespace

size_t FlowBook::KeyHash::operator()(const Key& key) const {
  auto mix = [](uint64_t h, const void* p) {
    h ^= reinterpret_cast<uintptr_t>(p) + 0x9E37'79B9'7F4A'7C15ULL + (h << 6) + (h >> 2);
    return h;
  };
  uint64_t h =
      mix(mix(mix(static_cast<uint64_t>(key.flow_class), key.payer), key.payee), key.program);
  return static_cast<size_t>(h * 0xBF58'476D'1CE4'E5B9ULL);
}

const std::string* FlowBook::Intern(std::string_view program) {
  auto it = programs_.find(program);
  if (it == programs_.end()) it = programs_.emplace(program).first;
  return &*it;
}

void FlowBook::Roll(TimeNs t, WriteBatch* out) {
  if (t >= day_begins_ && t < day_ends_) return;  // Usually: the same day as before.
  Flush(out);  // The ending period's changes, before its records leave memory.
  for (Current* current : {&day_, &month_}) {
    Period period = PeriodOf(current->period.kind, t);
    if (period == current->period) continue;
    current->period = period;
    current->records.clear();
  }
  day_begins_ = TimeNs{day_.period.start_day} * kNsPerDay;
  day_ends_ = day_begins_ + kNsPerDay;
}

void FlowBook::Add(const TransferRecord& record, const Account& payer, const Account& payee,
                   WriteBatch* out) {
  ForEachFlow(record, [&](FlowClass flow_class, std::string_view program, Amount amount) {
    Key key{&payer, &payee, Intern(program), flow_class};
    Roll(record.timestamp, out);
    for (Current* current_period : {&day_, &month_}) {
      Current& current = *current_period;
      auto& entry = *current.records.try_emplace(key).first;
      entry.second.totals.count += 1;
      entry.second.totals.sum += amount;
      if (!entry.second.dirty) {
        entry.second.dirty = true;
        dirty_.emplace_back(&current, &entry);
      }
    }
  });
}

void FlowBook::Flush(WriteBatch* out) {
  for (auto& [current, entry] : dirty_) {
    const Key& key = entry->first;
    PairKey(current->period, key.flow_class, *key.program, *key.payer, *key.payee, &key_);
    char value[kValueSize];
    EncodeTotals(entry->second.totals, value);
    out->Put(Column::kFlows, key_, std::string_view(value, kValueSize));
    entry->second.dirty = false;
  }
  dirty_.clear();
}

Status FlowBook::Load(const Store& store, TimeNs now, const std::vector<CurrencyCode>& currencies,
                      const AccountFinder& find) {
  day_ = Current{PeriodOf(PeriodKind::kDay, now), {}};
  month_ = Current{PeriodOf(PeriodKind::kMonth, now), {}};
  day_begins_ = TimeNs{day_.period.start_day} * kNsPerDay;
  day_ends_ = day_begins_ + kNsPerDay;
  for (const CurrencyCode& currency : currencies) {
    KYOSO_RETURN_IF_ERROR(LoadPeriod(store, currency, day_, find));
    KYOSO_RETURN_IF_ERROR(LoadPeriod(store, currency, month_, find));
  }
  return Status::Ok();
}

Status FlowBook::LoadPeriod(const Store& store, const CurrencyCode& currency, Current& current,
                            const AccountFinder& find) {
  for (int c = 0; c < kFlowClassCount; ++c) {
    auto flow_class = static_cast<FlowClass>(c);
    Status unknown = Status::Ok();
    KYOSO_RETURN_IF_ERROR(
        ScanFlowPairs(store, currency, current.period, flow_class, [&](const FlowPair& pair) {
          const Account* payer = find(pair.payer);
          const Account* payee = find(pair.payee);
          if (payer == nullptr || payee == nullptr) {
            unknown = Status::Corruption("a flow record names an unknown account");
            return;
          }
          Key key{payer, payee, Intern(pair.program), flow_class};
          current.records[key].totals = FlowTotals{pair.count, ToWide(pair.sum)};
        }));
    KYOSO_RETURN_IF_ERROR(unknown);
  }
  return Status::Ok();
}

namespace {

Status ScanRange(const Store& store, const std::string& start, const FlowPairVisitor& visit) {
  std::string end = start;
  end.back() = static_cast<char>(end.back() + 1);  // Classes are < 255: no carry.
  Status broken = Status::Ok();
  Status scanned = store.Scan(
      Column::kFlows, start, end, false, [&](std::string_view key, std::string_view value) {
        FlowPair pair;
        if (!DecodeTotals(value, &pair) || !SplitPair(key.substr(start.size()), &pair)) {
          broken = Status::Corruption("unreadable flow record");
          return false;
        }
        visit(pair);
        return true;
      });
  return scanned.ok() ? broken : scanned;
}

}  // namespace

Status ScanFlowPairs(const Store& store, const CurrencyCode& currency, const Period& period,
                     FlowClass flow_class, const FlowPairVisitor& visit) {
  if (period.kind != PeriodKind::kWeek) {
    return ScanRange(store, Prefix(currency, period, flow_class), visit);
  }
  for (int32_t day = period.start_day; day < PeriodEndDay(period); ++day) {
    Period one{PeriodKind::kDay, day};
    KYOSO_RETURN_IF_ERROR(ScanRange(store, Prefix(currency, one, flow_class), visit));
  }
  return Status::Ok();
}

StatusOr<FlowTable> BuildFlowTable(const Store& store, const FlowQuery& query,
                                   const AccountFinder& find) {
  std::set<std::string, std::less<>> programs;
  std::map<std::pair<std::string_view, std::string_view>, CellSums> cells;
  Status scanned =
      ScanFlowPairs(store, query.currency, query.period, query.flow_class, [&](const FlowPair& p) {
        if (query.program && p.program != *query.program) return;
        const Account* payer = find(p.payer);
        const Account* payee = find(p.payee);
        CellSums& cell = cells[{GroupOf(query.payer_group, payer, p.program, programs),
                                GroupOf(query.payee_group, payee, p.program, programs)}];
        cell.count += p.count;
        cell.sum += p.sum;
        cell.payers[payer] += p.sum;
        cell.payees[payee] += p.sum;
      });
  if (!scanned.ok()) return scanned;
  FlowTable table{query, {}};
  for (const auto& [groups, sums] : cells) {
    FlowCell cell{std::string(groups.first), std::string(groups.second), sums.count,
                  ToWide(sums.sum),          sums.payers.size(),         sums.payees.size()};
    TopTwo(sums.payers, cell.top_payers);
    TopTwo(sums.payees, cell.top_payees);
    table.cells.push_back(std::move(cell));
  }
  return table;
}

}  // namespace kyoso::ledger
