// Rules shared by the transfer apply functions (internal to ledger/): who may pay whom,
// caps, eligibility, and the movement of lots between accounts.
#pragma once

#include "applier.h"
#include "validate.h"

namespace kyoso::ledger {

inline constexpr AccountKindMask kBusinessKinds =
    KindBit(AccountKind::kMerchant) | KindBit(AccountKind::kProducer);
inline constexpr AccountKindMask kWalletKinds = KindBit(AccountKind::kResident) | kBusinessKinds;

bool KindIn(const Account& account, AccountKindMask kinds);
// a + b, clamped to int64's range: for counters that only compare against caps.
Amount SaturatingAdd(Amount a, Amount b);
// Months since 1970-01 (UTC) of a ledger time.
int32_t MonthOf(TimeNs at);

// Not found, frozen or closed; kOk for an active account.
ResultCode CheckUsable(const Account* account);
// Both accounts exist and are usable, differ, and share a currency.
ResultCode LoadParties(const Applier& applier, const TransferRequest& request,
                       const Account** payer, const Account** payee);

ResultCode CheckSpendCap(const Account& payer, Amount amount, TimeNs now);
// Adds `amount` (negative to give back) to the payer's spending this month.
void CountSpend(Account& payer, Amount amount, TimeNs now);

bool RulesAdmitPayee(const ProgramRules& rules, const Account& payee);
// Which of the payer's lots `payee` may receive at `now` under each lot's programme.
std::function<bool(const Lot&)> PayeeEligibility(const Applier& applier, const Account& payee,
                                                 TimeNs now);
// Which of the payer's lots it may redeem at `now`.
std::function<bool(const Lot&)> RedeemEligibility(const Applier& applier, const Account& payer,
                                                  TimeNs now);

// The payee's lots after receiving `lots`, or why it cannot receive them.
ResultCode PrepareCredit(const Account& payee, const std::vector<Lot>& lots,
                         std::vector<Lot>* new_lots);

// Checks that `program` may pay `amount` to `recipient` now: window, rules, budget, cap.
ResultCode CheckProgramPayout(const Program& program, const Account& recipient, Amount amount,
                              TimeNs now);
// The part of a wanted incentive that the budget and the recipient's cap still allow.
Amount GrantableIncentive(const Program& program, const Account& recipient, Amount wanted,
                          TimeNs now);
// Books programme money paid to `recipient`: its monthly receipt and the budget.
void BookProgramPayout(Applier& applier, Account& recipient, const ProgramId& program,
                       Amount amount, TimeNs now);

// Keeps a resident's outstanding top-up principal within its free balance: spent money
// has earned its incentive and is no longer subject to clawback.
void ReconcileTopUpBasis(Account& account);

// Moves `lots` from payer to payee (both found by the applier), whose lots become
// `payee_lots` (from PrepareCredit), and journals both sides. `payer_minted` is new money the payer
// gets in the same entry (a cash-back), already checked to fit. The entry must be stamped.
void MoveLots(Applier& applier, const Account& payer, const Account& payee,
              const std::vector<Lot>& lots, std::vector<Lot> payee_lots,
              const TransferRecord& record, const std::vector<Lot>& payer_minted = {});

// Counts newly created money in the currency's supply. In a backed currency every unit
// created (issue, top-up, incentive) is backed: the issuer puts as much national money
// in the reserve, so redemption can always be paid.
void BookIssuance(Applier& applier, const CurrencyCode& currency, Amount amount);

// Creates money into `account` as `lots`; the caller has checked PrepareCredit.
void MintLots(Applier& applier, Account& account, std::vector<Lot> new_lots);

}  // namespace kyoso::ledger
