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

# free_port: a free TCP port on loopback.
. "$(dirname "${BASH_SOURCE[0]}")/../tools/free_port.sh"

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

# veth_pair PREFIX: veth_pair_up (tests/tools/netns.sh), removed at exit.
. "$(dirname "${BASH_SOURCE[0]}")/../tools/netns.sh"
veth_pair() {
    trap 'veth_pair_down; fw_cleanup' EXIT
    veth_pair_up "$1"
}
