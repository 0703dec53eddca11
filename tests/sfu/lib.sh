# Shared helpers for the SFU integration tests (bash). Source after tap.sh.
#   sfu_start [extra ini lines...]   starts parlour-sfu on free ports with its
#                                    own config and secret; sets SFU_PORT,
#                                    SFU_URL, SFU_SECRET_FILE, SFU_LOG, SFU_PID
#   sfu_cleanup                      stops what sfu_start and peers started
# Everything lives in $SFU_TMP, removed on exit unless the test failed (then
# kept under $PARLOUR_ARTIFACTS for the logs).
SFU_BIN=${SFU_BIN:-${PARLOUR_BIN:-$PARLOUR_ROOT/build/bin}/parlour-sfu}
PEER=${PEER:-${PARLOUR_TESTBIN:-$PARLOUR_ROOT/build/tests}/sfu/prog_webrtc_peer}
SFU_TMP=$(mktemp -d /tmp/parlour-sfu-test.XXXXXX)
SFU_PIDS=()

sfu_cleanup() {
  local p
  for p in "${SFU_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${SFU_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ "${TAP_FAILED:-0}" -gt 0 ] && [ -n "${PARLOUR_ARTIFACTS:-}" ]; then
    local keep="$PARLOUR_ARTIFACTS/sfu/$(basename "$0")-$$"
    mkdir -p "$keep" && cp -r "$SFU_TMP"/*.log "$SFU_TMP"/*.out "$keep"/ 2>/dev/null
    echo "# logs kept in $keep"
  fi
  rm -rf "$SFU_TMP"
}
trap sfu_cleanup EXIT

# A random base so parallel tests rarely share media ports (libnice skips
# ports in use anyway).
sfu_port_base() { echo $((20000 + (RANDOM % 200) * 100)); }

sfu_start() {
  "$PARLOUR_ROOT/scripts/setup-var" "$SFU_TMP/var" >/dev/null
  SFU_PORT=$(free_port)
  SFU_SECRET_FILE=$SFU_TMP/var/secrets/sfu-control.secret
  SFU_URL=ws://127.0.0.1:$SFU_PORT/control
  SFU_LOG=$SFU_TMP/sfu.log
  local base; base=$(sfu_port_base)
  SFU_MEDIA_MIN=$base
  SFU_MEDIA_MAX=$((base + 99))
  {
    echo "[control]"
    echo "address=127.0.0.1"
    echo "port=$SFU_PORT"
    echo "secret_file=$SFU_SECRET_FILE"
    echo "[media]"
    echo "port_min=$SFU_MEDIA_MIN"
    echo "port_max=$SFU_MEDIA_MAX"
    echo "ice_addresses=${SFU_ICE_ADDRESSES:-127.0.0.1}"
    echo "workers=${SFU_WORKERS:-2}"
    echo "[recording]"
    echo "directory=$SFU_TMP/recordings"
    echo "[log]"
    echo "level=${SFU_LOG_LEVEL:-info}"
  } > "$SFU_TMP/sfu.ini"
  ${SFU_WRAP:-} "$SFU_BIN" --config "$SFU_TMP/sfu.ini" > "$SFU_LOG" 2>&1 &
  SFU_PID=$!
  SFU_PIDS+=("$SFU_PID")
  wait_http "http://127.0.0.1:$SFU_PORT/healthz" 20
}

# peer NAME ARGS...: runs prog_webrtc_peer in the background, output in NAME.out
peer_bg() {
  local name=$1; shift
  "$PEER" --url "$SFU_URL" --secret-file "$SFU_SECRET_FILE" "$@" \
    > "$SFU_TMP/$name.out" 2> "$SFU_TMP/$name.log" &
  SFU_PIDS+=("$!")
  echo $!
}

# peer_fg NAME ARGS...: runs it in the foreground; returns its exit code
peer_fg() {
  local name=$1; shift
  "$PEER" --url "$SFU_URL" --secret-file "$SFU_SECRET_FILE" "$@" \
    > "$SFU_TMP/$name.out" 2> "$SFU_TMP/$name.log"
}

# json_field FILE EXPR: evaluates a Python expression on the last JSON line
# of FILE (bound to r) and prints it.
json_field() {
  /usr/bin/python3 -c 'import json,sys
lines=[l for l in open(sys.argv[1]) if l.startswith("{")]
r=json.loads(lines[-1]) if lines else {}
print(eval(sys.argv[2]))' "$1" "$2"
}

# sfu_alive: the SFU process still runs
sfu_alive() { kill -0 "$SFU_PID" 2>/dev/null; }

# wait_line FILE REGEX [SECONDS]: waits until FILE has a matching line.
wait_line() {
  local f=$1 re=$2 limit=${3:-20} i=0
  while [ "$i" -lt $((limit * 10)) ]; do
    grep -qE "$re" "$f" 2>/dev/null && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

# sfu_stop_clean: SIGTERM the SFU; ok when it exits 0 and its log has no
# sanitizer report (meaningful with SFU_BIN pointing at an ASan build).
sfu_stop_clean() {
  kill -TERM "$SFU_PID" 2>/dev/null
  wait "$SFU_PID"
  local st=$?
  if grep -qE "LeakSanitizer|AddressSanitizer|runtime error:" "$SFU_LOG"; then
    grep -E -A30 "LeakSanitizer|AddressSanitizer|runtime error:" "$SFU_LOG" | head -60 | sed 's/^/# /'
    return 1
  fi
  [ "$st" -eq 0 ]
}
