// StockBook: how much of each programme's money is in circulation over time, kept on
// apply (internal to ledger/), for velocity and the mean holding period
// (kyoso/ledger/metrics.h).
//
// A stock is (currency, programme of the money; "" for free money): the sum of that
// money's lots in the accounts of residents, merchants and producers. Money in the
// issuer's reserve, a programme's budget, a clearing or a fee account is not in
// circulation. Apply notes each account a batch changes once before the change and once
// at commit; what the two differ by, per stock, is what the batch put into circulation
// or took out of it (issuance, redemption, expiry, demurrage, exchange…), whichever
// command did it.
//
// For each stock a batch changed, commit records a change point: the ledger time in
// whole seconds, the stock from then on, and the stock's integral over ledger time up to
// then (minor units × seconds). The integral up to any time is then one read: the last
// change point at or before it, plus its stock times the seconds since. Key (column
// kFlows, beside the flow records): "\0stock\0", currency, 0 byte, programme, 0 byte,
// then the point's seconds, sign bit flipped and complemented (8 bytes, big-endian), so
// that the latest point comes first. Value: the stock and the integral, 16 bytes each,
// big-endian two's complement. Two batches in one second share a key: the later point
// replaces the earlier, whose integral is the same.
// The book is kept from a ledger's first batch (Ledger::Open refuses a store written
// without it), so a stock with no point has never held anything.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <string>
#include <vector>

#include "kyoso/ledger/domain.h"
#include "kyoso/ledger/status.h"
#include "kyoso/ledger/store.h"

namespace kyoso::ledger {

__extension__ typedef __int128 StockSum;
__extension__ typedef unsigned __int128 StockBits;  // Its two's complement bits.

// The state of one stock from a change point on.
struct StockPoint {
  int64_t seconds = 0;  // Ledger time of the point, whole seconds since 1970 (UTC).
  StockSum stock = 0;
  StockSum integral = 0;  // Of the stock over ledger time up to `seconds`.
  // The integral up to `at` (at or after the point), saturating rather than wrapping.
  StockSum IntegralAt(int64_t at) const;
};

class StockBook {
 public:
  // Notes `account`'s lots before a batch first changes it, and at commit.
  void Before(const Account& account) { Note(account, -1); }
  void After(const Account& account) { Note(account, +1); }
  // Records a change point at ledger time `now` into `out` for every stock the noted
  // lots moved, and forgets the notes. Reads a stock's last point from `store` the first
  // time this book meets it.
  Status Commit(const Store& store, TimeNs now, WriteBatch* out);

  // The last change point of the stock at or before `seconds` (a zero point at the
  // beginning of time when there is none).
  static StatusOr<StockPoint> PointAt(const Store& store, std::string_view currency,
                                      std::string_view program, int64_t seconds);

 private:
  struct Stock {
    CurrencyCode currency;
    ProgramId program;
    bool loaded = false;  // `last` holds the stock's last point.
    StockPoint last;
    StockSum delta = 0;  // Noted in this batch.
  };

  void Note(const Account& account, int sign);
  // The stock's slot, made on first use.
  Stock& Find(std::string_view currency, std::string_view program);

  std::vector<Stock> stocks_;
  // By currency, 0 byte, programme.
  absl::flat_hash_map<std::string, uint32_t> index_;
  std::string key_;              // Find's key buffer.
  std::vector<uint32_t> moved_;  // Stocks noted in this batch, each once.
};

}  // namespace kyoso::ledger
