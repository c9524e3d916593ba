# The scripted end-to-end tour of ops/quickstart --smoke: a fresh node serving TLS on a
# free port with its data and certificates under a temp dir, the demo town, then every
# kind of movement and a refusal by role, each checked.
# Needs $bin, lib/node.sh and lib/demo-town.sh sourced.

failures=0

# check WHAT EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then
    printf '  ok    %s\n' "$1"
  else
    printf '  FAIL  %s: expected %s, got %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  fi
}

balance() { admin --json account show "$1" | jq -r .balance_minor; }
field() { jq -r ".$1" <<<"$2"; }

smoke_payments() {
  echo "A top-up, a signed payment, its replay, and a refusal"
  local out id
  out=$(admin --json top-up res:dave "100000 BUNJI" --program fresh-food)
  check "top-up under fresh-food adds its 10% incentive" 10000 "$(field incentive_minor "$out")"
  check "dave holds the top-up and the incentive" 110000 "$(balance res:dave)"
  id=$(openssl rand -hex 16)
  out=$(wallet dave --json pay --to mch:grocer --amount "20000 BUNJI" --id "$id")
  check "a signed payment is applied" ok "$(field result "$out")"
  out=$(wallet dave --json pay --to mch:grocer --amount "20000 BUNJI" --id "$id")
  check "the same payment again is its first result" true "$(field duplicate "$out")"
  check "and moved the money once" 90000 "$(balance res:dave)"
  set +e
  wallet dave --json pay --to mch:grocer --amount "10000000 BUNJI" >/dev/null
  check "paying more than the balance exits 10 (insufficient funds)" 10 $?
  set -e
}

smoke_terminal() {
  echo "A charge: a hold signed by the resident, a capture, a refund"
  local out hold capture
  out=$(wallet bakery --json charge --amount "3000 BUNJI" --hold 10m)
  hold=$(field transfer_id "$out")
  out=$(wallet dave --json pay --request "$(field uri "$out")")
  check "the wallet answers a charge with a hold" hold "$(field kind "$out")"
  check "the hold takes the money from dave" 87000 "$(balance res:dave)"
  out=$(wallet bakery --json capture --ref "$hold" --amount "2500 BUNJI")
  capture=$(field transfer_id "$out")
  check "the terminal captures 2500 of the 3000 held" ok "$(field result "$out")"
  check "the rest went back to dave" 87500 "$(balance res:dave)"
  out=$(wallet bakery --json refund --ref "$capture" --amount "1000 BUNJI")
  check "a refund of part of the capture" ok "$(field result "$out")"
  check "returns it to dave" 88500 "$(balance res:dave)"
}

smoke_business() {
  echo "Business to business, redemption and exchange"
  local out farm_before
  farm_before=$(balance prd:farm)
  out=$(wallet grocer --json purchase --to prd:farm --amount "5000 BUNJI")
  check "the grocer buys from the farm" "$((farm_before + 5000))" "$(balance prd:farm)"
  out=$(wallet grocer --json redeem --amount "10000 BUNJI")
  check "a redemption pays the 2% fee" 200 "$(field fee_minor "$out")"
  check "and settles the rest in national money" 9800 "$(field settled_minor "$out")"
  out=$(wallet grocer --json exchange --to mch:bakery.hana --amount "1000 BUNJI")
  check "an exchange into HANA at 1:1 less the 1% fee" 990 "$(field credited_minor "$out")"
}

smoke_roles() {
  echo "Roles from certificates"
  local code=0
  wallet dave --json redeem --amount "100 BUNJI" >/dev/null 2>&1 || code=$?
  check "a resident's certificate may not redeem (exit 7: refused identity)" 7 "$code"
  code=0
  "$bin/kyoso-admin" --node "$node_address" $(tls_flags bakery) --json account show res:dave \
    >/dev/null 2>&1 || code=$?
  check "a merchant's certificate may not read a resident's account" 7 "$code"
}

smoke_lost_device() {
  echo "A lost device: the municipality registers the new wallet's key"
  local before key out code=0
  before=$(balance res:dave)
  wallet dave2 init --account res:dave --scrypt-n 1024 >/dev/null
  key=$(wallet dave2 --json address | jq -r .public_key)
  admin account rotate-key res:dave --public-key "$key" >/dev/null
  check "the balance stays" "$before" "$(balance res:dave)"
  wallet dave --json pay --to mch:grocer --amount "100 BUNJI" >/dev/null 2>&1 || code=$?
  check "the old wallet's signature is refused (exit 7)" 7 "$code"
  out=$(wallet dave2 --json pay --to mch:grocer --amount "100 BUNJI")
  check "the new wallet pays" ok "$(field result "$out")"
}

smoke_audit() {
  echo "The journal, exported and verified offline"
  local journal=$smoke_dir/journal.jsonl head before out index code=0 attempt
  # Ticks append batches now and then: export until no batch came in meanwhile.
  for attempt in 1 2 3 4 5; do
    before=$(admin --json status | jq -r .chain_head)
    admin audit export --out "$journal" >/dev/null
    head=$(admin --json status | jq -r .chain_head)
    [ "$before" = "$head" ] && break
  done
  # (A failed verification is reported by the check below, not by `set -e`.)
  out=$("$bin/kyoso-admin" --json audit verify "$journal" --head "$head" 2>&1 || true)
  check "the exported chain recomputes to the node's head" true "$(field verified "$out")"
  # Change one byte inside the first batch that carries commands (not a bare tick): the
  # chain must break right there.
  index=$(jq -r 'select((.batch | length) > 100) | .index' "$journal" | head -n 1)
  jq -c --argjson i "$index" \
    'if .index == $i then .batch |= (.[0:40] + (if .[40:41] == "0" then "1" else "0" end) + .[41:]) else . end' \
    "$journal" >"$journal.altered"
  "$bin/kyoso-admin" audit verify "$journal.altered" >"$smoke_dir/verify.out" 2>&1 || code=$?
  check "an altered journal fails verification (exit 21)" 21 "$code"
  check "naming the altered batch" 1 "$(grep -c "batch $index:" "$smoke_dir/verify.out")"
}

smoke_conservation() {
  echo "The books balance"
  local sum=0 id supply minor
  for id in res:alice res:bob res:chloe res:dave mch:bakery mch:grocer mch:bikefix prd:farm prd:mill \
    iss:bunji fee:bunji xch:bunji; do
    minor=$(balance "$id" || true)
    if ! [[ $minor =~ ^-?[0-9]+$ ]]; then
      check "reading the balance of $id" "a number" "'$minor'"
      continue
    fi
    sum=$((sum + minor))
  done
  supply=$(admin --json currency show BUNJI)
  check "every BUNJI balance plus holds adds up to the supply" "$(field supply_minor "$supply")" \
    "$((sum + $(field held_minor "$supply")))"
  check "the node reports a 32-byte chain head" 64 "$(admin --json status | jq -r '.chain_head | length')"
}

run_smoke_tour() {
  smoke_dir=$(mktemp -d)
  wallets=$smoke_dir/wallets
  trap 'stop_node; rm -rf "$smoke_dir"' EXIT
  certs=$smoke_dir/certs
  ops/certs --dir "$certs" dev >/dev/null
  ops/certs --dir "$certs" client resident dave res:dave >/dev/null
  ops/certs --dir "$certs" client resident dave2 res:dave >/dev/null
  # No tick batches during the tour (nothing in it waits for ledger time to pass): the
  # audit step compares an exported journal with the node's head, which a tick arriving
  # during a slow export (a loaded machine, a sanitizer build) would move on.
  start_node "$smoke_dir/node" 127.0.0.1:0 "$smoke_dir/node.log" --tick-interval-ms 600000
  echo "Smoke tour against kyoso-node on $node_address"
  seed_demo_town
  new_wallet dave res:dave --currency BUNJI --district south
  smoke_payments
  smoke_terminal
  smoke_business
  smoke_roles
  smoke_lost_device
  smoke_conservation
  smoke_audit
  if [ "$failures" -ne 0 ]; then
    echo "smoke tour: $failures check(s) failed; the node's log:" >&2
    tail -n 20 "$smoke_dir/node.log" >&2
    return 1
  fi
  echo "smoke tour: every step gave the expected result"
}
