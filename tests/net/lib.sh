# Emulated networks for tests (bash; source after tests/lib/tap.sh).
#
# Real bottlenecks between network namespaces the test creates: veth pairs,
# tc tbf for rate; delay, jitter and loss by $PARLOUR_TESTBIN/net/prog_udp_impair
# (a user-space UDP relay), because these kernels have no netem
# (net_netem_supported says so). Everything is removed by net_cleanup, which
# the caller puts in its EXIT trap (net_trap does that).
#
#   net_check_tools            root, ip, tc present (else says what is missing)
#   net_tbf_supported          0 if tc tbf works in a namespace here
#   net_netem_supported        0 if tc netem works (not on these kernels)
#   net_ns NAME                namespace "pnet-$$-NAME" with lo up; its full name
#                              in NET_LAST_NS (not echoed: $(...) would lose the cleanup list)
#   net_link NS1 IF1 CIDR1 NS2 IF2 CIDR2   veth pair between two namespaces, up
#   net_rate NS IF KBIT [BURST_BYTES] [LATENCY_MS]   tbf on IF's egress (replace)
#   net_rate_clear NS IF       remove it
#   net_bg NS LOG CMD...       run CMD inside NS in the background (killed by
#                              net_cleanup); sets NET_LAST_PID
#   net_impair NS LOG LISTEN FORWARD DELAY_MS JITTER_MS LOSS_PCT
#                              prog_udp_impair inside NS; waits for "ready"
#   net_cleanup                kill what net_bg started, delete the namespaces
NET_NS=()
NET_PIDS=()
NET_IMPAIR=${PARLOUR_TESTBIN:-$PARLOUR_ROOT/build/tests}/net/prog_udp_impair

net_check_tools() {
  local missing=()
  [ "$(id -u)" = 0 ] || missing+=("root")
  command -v ip >/dev/null || missing+=("ip (iproute2)")
  command -v tc >/dev/null || missing+=("tc (iproute2)")
  if [ ${#missing[@]} -gt 0 ]; then echo "net: missing ${missing[*]}" >&2; return 1; fi
}

_net_try_qdisc() {
  local ns="pnet-$$-probe$RANDOM" rc
  ip netns add "$ns" 2>/dev/null || return 1
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" tc qdisc add dev lo root "$@" >/dev/null 2>&1
  rc=$?
  ip netns delete "$ns"
  return $rc
}
net_tbf_supported() { _net_try_qdisc tbf rate 1mbit burst 16kb latency 50ms; }
net_netem_supported() { _net_try_qdisc netem delay 10ms; }

net_ns() {
  local ns="pnet-$$-$1"
  ip netns add "$ns" || return 1
  NET_NS+=("$ns")
  NET_LAST_NS=$ns
  ip netns exec "$ns" ip link set lo up || return 1
}

net_link() {
  local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
  ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" || return 1
  ip -n "$ns1" addr add "$a1" dev "$if1" && ip -n "$ns2" addr add "$a2" dev "$if2" &&
    ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up
}

net_rate() {
  local ns=$1 dev=$2 kbit=$3 burst=${4:-} lat=${5:-50}
  # burst: at least one MTU, and about 10 ms of the rate
  [ -n "$burst" ] || burst=$(( kbit * 1000 / 8 / 100 )); [ "$burst" -ge 3000 ] || burst=3000
  ip netns exec "$ns" tc qdisc replace dev "$dev" root tbf rate "${kbit}kbit" burst "$burst" latency "${lat}ms"
}
net_rate_clear() { ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null || true; }

net_bg() {
  local ns=$1 log=$2; shift 2
  ip netns exec "$ns" "$@" > "$log" 2>&1 &
  NET_LAST_PID=$!
  NET_PIDS+=("$NET_LAST_PID")
}

net_impair() {
  local ns=$1 log=$2 listen=$3 fwd=$4 delay=$5 jitter=$6 loss=$7 i
  # Real-time priority when allowed: the relay emulates a network, and on a
  # busy shared host a descheduled relay would add delay spikes no network has.
  local rt=()
  if command -v chrt >/dev/null && chrt -f 10 true 2>/dev/null; then rt=(chrt -f 10); fi
  net_bg "$ns" "$log" "${rt[@]}" "$NET_IMPAIR" --listen "$listen" --forward "$fwd" --delay-ms "$delay" \
    --jitter-ms "$jitter" --loss "$loss" --seed "${NET_SEED:-1}"
  for i in $(seq 1 50); do
    grep -q '^ready' "$log" 2>/dev/null && return 0
    kill -0 "$NET_LAST_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

net_cleanup() {
  local p ns
  for p in "${NET_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${NET_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in "${NET_NS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns delete "$ns" 2>/dev/null
  done
  NET_PIDS=()
  NET_NS=()
}
net_trap() { trap 'net_cleanup' EXIT; }
