# TAP helpers for shell tests. Source it, call check/ok/not_ok, end with
# tap_done (which exits non-zero if anything failed).
#   check "name" command args...   runs the command; ok if it exits 0
TAP_N=0
TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
check() {
  local name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
diag() { echo "# $*"; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

# A free TCP port on 127.0.0.1 (the kernel picks it; tiny race accepted).
# A TCP port on 127.0.0.1 below the kernel's ephemeral range, where no
# outgoing connection (nor its TIME_WAIT) can hold it (tests/lib/ports.mjs
# says why port 0 is not enough for a daemon that binds it a moment later).
free_port() {
  /usr/bin/python3 -c '
import random, socket
low = 20000
try:
    high = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    high = 32768
for _ in range(500):
    p = random.randrange(low, high)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
else:
    raise SystemExit("no free TCP port")
'
}

# Waits until URL answers (curl -k), up to $2 seconds (default 10).
wait_http() {
  local url=$1 limit=${2:-10} i=0
  while [ "$i" -lt $((limit * 10)) ]; do
    curl -ks -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# Waits until a command succeeds, polling every 0.1 s, up to $1 seconds:
#   wait_until 10 test -s "$dir/file"
# Returns 1 when the time runs out (the caller's check says what failed).
wait_until() {
  local limit=$1 i=0; shift
  while [ "$i" -lt $((limit * 10)) ]; do
    "$@" && return 0
    sleep 0.1; i=$((i + 1)) # pacing of the poll, inside the deadline
  done
  "$@"
}

# Waits (up to SECS, default 5) until a UDP socket is bound to PORT, on ADDR
# if given; inside network namespace $WAIT_NS when set:
#   WAIT_NS=$B wait_udp 5000 10.201.0.2
# (a receiver started in the background is ready when its socket is bound).
wait_udp() {
  local port=$1 addr=${2:-} limit=${3:-5} filter="sport = :$1"
  [ -n "$addr" ] && filter="src $addr and $filter"
  wait_until "$limit" _udp_bound "$filter"
}
_udp_bound() { ${WAIT_NS:+ip netns exec $WAIT_NS} ss -Hlun "$1" 2>/dev/null | grep -q .; }
