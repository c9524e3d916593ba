# Starting and stopping a kyoso-node from a script (sourced by ops/quickstart).
# Needs $bin (the directory of the binaries). With $certs set (a directory made by
# ops/certs dev) the node serves TLS and the tools present the certificates in it.

# tls_flags NAME: the --tls-* flags that present certificate NAME from $certs (none
# without $certs).
tls_flags() {
  [ -n "${certs:-}" ] || return 0
  echo "--tls-ca $certs/ca.crt --tls-cert $certs/$1.crt --tls-key $certs/$1.key"
}

# start_node DATA_DIR LISTEN LOG [FLAGS...]: starts a node (with any further kyoso-node
# FLAGS) in the background and waits until it serves; sets $node_pid and $node_address,
# and $http_address when FLAGS turn the HTTP gateway on.
start_node() {
  local data_dir=$1 listen=$2 log=$3 ready="$1.ready"
  rm -f "$ready"
  # shellcheck disable=SC2046 # tls_flags yields separate words; paths have no spaces.
  "$bin/kyoso-node" --data-dir "$data_dir" --listen "$listen" --ready-file "$ready" \
    $(tls_flags node-1) "${@:4}" >>"$log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 300); do
    if [ -s "$ready" ]; then
      node_address=$(head -n 1 "$ready")
      http_address=$(sed -n 's/^http //p' "$ready")
      return 0
    fi
    if ! kill -0 "$node_pid" 2>/dev/null; then
      echo "kyoso-node did not start; its log ($log) says:" >&2
      tail -n 5 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "kyoso-node did not become ready in 30 s; see $log" >&2
  return 1
}

# stop_node: SIGTERM (drains calls in flight, closes RocksDB) and waits.
stop_node() {
  if [ -n "${node_pid:-}" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid"
    wait "$node_pid" 2>/dev/null || true
  fi
  node_pid=
}
