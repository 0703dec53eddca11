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
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
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
