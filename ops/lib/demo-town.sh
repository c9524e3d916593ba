# The demo town (sourced by ops/quickstart): two currencies, a municipality with two
# programmes, residents with wallets, merchants, producers, and some history, all set up
# through kyoso-admin and kyoso-wallet against a running node.
# Needs $bin, $node_address and $wallets (a directory for keystores); with $certs (see
# ops/lib/node.sh) the municipality's tools use the issuer certificate and each wallet its
# own (named like the wallet).

# shellcheck disable=SC2046 # tls_flags yields separate words; paths have no spaces.
admin() { "$bin/kyoso-admin" --node "$node_address" $(tls_flags issuer) "$@"; }
# shellcheck disable=SC2046
wallet() {
  local who=$1; shift
  "$bin/kyoso-wallet" --node "$node_address" --keystore "$wallets/$who.key" $(tls_flags "$who") "$@"
}

# new_wallet NAME ACCOUNT [admin account create options…]: a keystore and its account.
new_wallet() {
  local name=$1 account=$2
  shift 2
  wallet "$name" init --account "$account" --scrypt-n 1024 >/dev/null
  local key
  key=$(wallet "$name" --json address | jq -r .public_key)
  admin account create "$account" --public-key "$key" "$@" >/dev/null
}

seed_demo_town() {
  mkdir -p "$wallets"
  chmod 700 "$wallets"
  admin currency create BUNJI --name "Bunji" --backing KRW --redemption-fee-bps 200 >/dev/null
  admin currency create HANA --name "Hana" --backing KRW >/dev/null
  admin program create fresh-food --name "Fresh food from local farms" --currency BUNJI \
    --budget "5000000 BUNJI" --bonus-bps 1000 --payee-kinds merchant,producer --payee-sectors food \
    --monthly-cap "200000 BUNJI" --lot-validity 90d >/dev/null
  admin program create repair-cafe --name "Repair instead of replace" --currency BUNJI \
    --budget "1000000 BUNJI" --cashback-bps 500 --payee-kinds merchant --payee-sectors repair \
    --lot-validity 60d >/dev/null

  for who in alice bob chloe; do
    new_wallet "$who" "res:$who" --currency BUNJI --district north --monthly-cap "300000 BUNJI"
  done
  new_wallet bakery mch:bakery --currency BUNJI --district north --sector food
  new_wallet grocer mch:grocer --currency BUNJI --district south --sector food
  new_wallet bikefix mch:bikefix --currency BUNJI --district south --sector repair
  new_wallet farm prd:farm --currency BUNJI --district east --sector food
  new_wallet mill prd:mill --currency BUNJI --district east --sector food
  admin account create mch:bakery.hana --currency HANA --district east --sector food >/dev/null
  admin account create xch:bunji --currency BUNJI --credit-limit "100000000 BUNJI" >/dev/null
  admin account create xch:hana --currency HANA --credit-limit "100000000 HANA" >/dev/null
  admin rate BUNJI HANA --rate 1/1 --fee-bps 100 >/dev/null

  # Some history: top-ups with the fresh-food incentive, and money going round.
  admin top-up res:alice "100000 BUNJI" --program fresh-food >/dev/null
  admin top-up res:bob "50000 BUNJI" --program fresh-food >/dev/null
  admin top-up res:chloe "30000 BUNJI" >/dev/null
  wallet alice pay --to mch:bakery --amount "4500 BUNJI" --memo "bread and buns" >/dev/null
  wallet bob pay --to mch:grocer --amount "12000 BUNJI" --memo "vegetables" >/dev/null
  wallet chloe pay --to mch:bikefix --amount "8000 BUNJI" --program repair-cafe --memo "new chain" >/dev/null
  wallet bakery purchase --to prd:mill --amount "3000 BUNJI" --memo "flour" >/dev/null
  wallet grocer purchase --to prd:farm --amount "6000 BUNJI" --memo "carrots" >/dev/null
}
