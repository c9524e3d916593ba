#include "stock_book.h"

#include <limits>

#include "kyoso/ledger/codec.h"

namespace kyoso::ledger {
namespace {

constexpr StockSum kStockMax = std::numeric_limits<StockSum>::max();
constexpr StockSum kStockMin = -kStockMax;  // So that every value has a Wide.
constexpr size_t kValueSize = 32;

const std::string kStockPrefix("\0stock\0", 7);

// "\0stock\0", currency, 0, programme, 0: every point of one stock.
std::string StockPrefix(std::string_view currency, std::string_view program) {
  std::string key = kStockPrefix;
  key.append(currency).push_back('\0');
  key.append(program).push_back('\0');
  return key;
}

StockSum Saturated(StockSum a, StockSum b) {
  StockSum sum;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? kStockMax : kStockMin;
  return sum < kStockMin ? kStockMin : sum;
}

void AppendSum(StockSum value, std::string* out) {
  auto bits = static_cast<StockBits>(value);
  keys::AppendU64(static_cast<uint64_t>(bits >> 64), out);
  keys::AppendU64(static_cast<uint64_t>(bits), out);
}

// Seconds complemented with the sign bit flipped: later times sort first, before 1970
// too.
uint64_t SecondsKey(int64_t seconds) {
  return ~(static_cast<uint64_t>(seconds) ^ (uint64_t{1} << 63));
}
int64_t SecondsFromKey(uint64_t key) {
  return static_cast<int64_t>(~key ^ (uint64_t{1} << 63));
}

StockSum ReadSum(std::string_view bytes) {
  auto bits = (static_cast<StockBits>(keys::ReadU64(bytes)) << 64) | keys::ReadU64(bytes.substr(8));
  return static_cast<StockSum>(bits);
}

}  // namespace

StockSum StockPoint::IntegralAt(int64_t at) const {
  StockSum area;
  if (__builtin_mul_overflow(stock, static_cast<StockSum>(at - seconds), &area)) {
    area = stock > 0 ? kStockMax : kStockMin;
  }
  return Saturated(integral, area);
}

void StockBook::Note(const Account& account, int sign) {
  if (!InCirculation(account.kind)) return;
  for (const Lot& lot : account.lots) {
    Stock& stock = Find(account.currency, lot.program);
    stock.delta += sign * static_cast<StockSum>(lot.amount);
  }
}

StockBook::Stock& StockBook::Find(std::string_view currency, std::string_view program) {
  key_.assign(currency).push_back('\0');
  key_.append(program);
  auto [it, added] = index_.try_emplace(key_, static_cast<uint32_t>(stocks_.size()));
  if (added) {
    stocks_.push_back(Stock{CurrencyCode(currency), ProgramId(program), false, {}, 0});
  }
  Stock& stock = stocks_[it->second];
  if (stock.delta == 0) moved_.push_back(it->second);  // Listed again only after a reset.
  return stock;
}

Status StockBook::Commit(const Store& store, TimeNs now, WriteBatch* out) {
  const int64_t seconds = SecondsOf(now);
  for (uint32_t number : moved_) {
    Stock& stock = stocks_[number];
    if (stock.delta == 0) continue;  // Listed twice, or moved and moved back.
    if (!stock.loaded) {
      StatusOr<StockPoint> last =
          PointAt(store, stock.currency, stock.program, std::numeric_limits<int64_t>::max());
      if (!last.ok()) return last.status();
      stock.last = *last;
      stock.loaded = true;
    }
    StockPoint& point = stock.last;
    point.integral = point.IntegralAt(seconds);
    point.seconds = seconds;
    point.stock = Saturated(point.stock, stock.delta);
    stock.delta = 0;
    std::string key = StockPrefix(stock.currency, stock.program);
    keys::AppendU64(SecondsKey(seconds), &key);
    std::string value;
    AppendSum(point.stock, &value);
    AppendSum(point.integral, &value);
    out->Put(Column::kFlows, key, value);
  }
  moved_.clear();
  return Status::Ok();
}

StatusOr<StockPoint> StockBook::PointAt(const Store& store, std::string_view currency,
                                        std::string_view program, int64_t seconds) {
  std::string start = StockPrefix(currency, program);
  std::string end = start;
  end.back() = '\1';
  keys::AppendU64(SecondsKey(seconds), &start);
  StockPoint point;  // None yet: nothing held since the beginning.
  bool corrupt = false;
  Status scanned =
      store.Scan(Column::kFlows, start, end, /*reverse=*/false,
                 [&](std::string_view key, std::string_view value) {
                   if (value.size() != kValueSize || key.size() < 8) {
                     corrupt = true;
                     return false;
                   }
                   point = StockPoint{SecondsFromKey(keys::ReadU64(key.substr(key.size() - 8))),
                                      ReadSum(value), ReadSum(value.substr(16))};
                   return false;
                 });
  if (!scanned.ok()) return scanned;
  if (corrupt) return Status::Corruption("stock point: malformed");
  return point;
}

}  // namespace kyoso::ledger
