# tests/e2e/lib.sh: helpers for end-to-end scripts. Each script prints TAP lines
# ("ok - what", "not ok - what", "ok - what # SKIP why") that tests/run.sh counts.
# Source it: . "$(dirname "$0")/lib.sh"
FW_ROOT=${FW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FW_BUILD=${FW_BUILD:-build}
FW_BIN=${FW_BIN:-$FW_ROOT/$FW_BUILD/finwatch}
SHARED=${FW_SHARED:-$FW_ROOT/../shared}
PCAPS=$SHARED/pcaps
TMP=$(mktemp -d /tmp/fw-e2e.XXXXXX)
REDIS_PID=""
trap 'fw_cleanup' EXIT

fw_cleanup() {
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    rm -rf "$TMP"
}

ok()   { echo "ok - $*"; }
nok()  { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }
# check "what" command...: ok when the command succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

have_shared() { [ -d "$PCAPS" ]; }

# A free TCP port on loopback.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Start a private redis-server on a free loopback port; sets REDIS_PORT, REDIS_URL.
redis_start() {
    REDIS_PORT=$(free_port)
    mkdir -p "$TMP/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$TMP/redis" --daemonize no "$@" >"$TMP/redis/log" 2>&1 &
    REDIS_PID=$!
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    for _ in $(seq 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

redis_stop() {
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=""
}

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# veth_pair PREFIX: two private namespaces ${PREFIX}a/${PREFIX}b joined by a veth
# pair (interfaces ${PREFIX}va in a, ${PREFIX}vb in b), IPv6 off and no addresses
# so the kernel sends nothing of its own; removed at exit. Sets NS_A, NS_B,
# IF_A, IF_B. Returns 1 when namespaces cannot be made here.
veth_pair() {
    NS_A=${1}a NS_B=${1}b IF_A=${1}va IF_B=${1}vb
    trap 'ip netns del "$NS_A" 2>/dev/null; ip netns del "$NS_B" 2>/dev/null; fw_cleanup' EXIT
    ip netns add "$NS_A" 2>/dev/null && ip netns add "$NS_B" 2>/dev/null || return 1
    ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B" || return 1
    for ns in "$NS_A" "$NS_B"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    done
    ip -n "$NS_A" link set "$IF_A" mtu 9000 up && ip -n "$NS_B" link set "$IF_B" mtu 9000 up
}
