# Network-namespace helpers for the SFU browser tests (bash, source it).
# netns_make NAME [veth]: a namespace with lo up; with "veth", also a veth
# pair 10.200.0.1/24 <-> 10.200.0.2/24 and a default route (Firefox gathers
# no candidates without one). Every packet stays inside the namespace.
netns_make() {
  local ns=$1
  ip netns add "$ns" || return 1
  ip netns exec "$ns" ip link set lo up || return 1
  if [ "${2:-}" = veth ]; then
    ip netns exec "$ns" ip link add v0 type veth peer name v1 || return 1
    ip netns exec "$ns" ip addr add 10.200.0.1/24 dev v0
    ip netns exec "$ns" ip addr add 10.200.0.2/24 dev v1
    ip netns exec "$ns" ip link set v0 up
    ip netns exec "$ns" ip link set v1 up
    ip netns exec "$ns" ip route add default via 10.200.0.2 dev v0
  fi
}
netns_delete() {
  ip netns pids "$1" 2>/dev/null | xargs -r kill 2>/dev/null
  # Until its processes are gone (at most 3 s), then delete it.
  local i
  for i in $(seq 30); do [ -z "$(ip netns pids "$1" 2>/dev/null)" ] && break; sleep 0.1; done
  ip netns delete "$1" 2>/dev/null
}
