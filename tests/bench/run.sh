#!/usr/bin/env bash
# tests/bench/run.sh (make bench): throughput and memory of finwatch, measured
# side by side with ndpiReader and a bare libpcap loop on the same capture in the
# same run, because absolute times on shared 2-core machines are noisy. Prints
# ratios; docs/performance.md keeps a results table.
#   BENCH_PACKETS   packets in the throughput capture (default 1000000)
#   BENCH_RUNS      runs per measurement, best kept (default 3)
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${FW_BUILD:-build}
BIN=$BUILD/finwatch
N=${BENCH_PACKETS:-1000000}
RUNS=${BENCH_RUNS:-3}
SHARED=${FW_SHARED:-../shared}
WORK=$(mktemp -d /tmp/fw-bench.XXXXXX)
REDIS_PID=""
trap '[ -n "$REDIS_PID" ] && kill $REDIS_PID 2>/dev/null; rm -rf "$WORK"' EXIT

if [ ! -d "$SHARED/pcaps/ndpi" ]; then
    echo "bench: $SHARED/pcaps not found; the throughput capture is built from it"; exit 0
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
"$BUILD/tests/tools/fwcat" "$WORK/tp.pcap" "$N" "$SHARED"/pcaps/ndpi/*.pcap "$SHARED"/pcaps/attacks/*.pcap 2>&1
pk=$N

# best_time CMD... : prints the best wall time of RUNS runs (seconds)
best_time() {
    local best="" t
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e' -o "$WORK/t.tmp" "$@" >/dev/null 2>&1
        t=$(tail -1 "$WORK/t.tmp")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
    done
    echo "$best"
}
pps() { awk -v n="$pk" -v t="$1" 'BEGIN{ if (t <= 0) t = 0.001; printf "%.0f", n / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.2f", a / b }'; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >/dev/null 2>&1 &
REDIS_PID=$!
sleep 0.3
mkdir -p "$WORK/spool"
sed "s#/var/lib/finwatch/spool#$WORK/spool#" configs/finwatch.yaml >"$WORK/fw.yaml"

t_loop=$(best_time "$BUILD/tests/bench/bench_pcap_loop" "$WORK/tp.pcap")
t_ndpi=$(best_time ndpiReader -i "$WORK/tp.pcap" -q)
fw() { "$BIN" sensor -r "$WORK/tp.pcap" -c "$WORK/fw.yaml" --rules rules/detections \
        --redis "redis://127.0.0.1:$port/0" --no-summary -q "$@"; }
t_fw1=$(best_time fw --workers 1)
t_fw2=$(best_time fw --workers 2)

echo
printf '%-44s %12s %10s\n' "measurement ($pk packets)" "packets/s" "ratio"
printf '%-44s %12s %10s\n' "bare libpcap read loop (ceiling)" "$(pps "$t_loop")" "1.00"
printf '%-44s %12s %10s\n' "ndpiReader -i (nDPI 4.2)" "$(pps "$t_ndpi")" "$(ratio "$t_loop" "$t_ndpi")"
printf '%-44s %12s %10s\n' "finwatch, 1 worker, rules+analyzers+Redis" "$(pps "$t_fw1")" "$(ratio "$t_loop" "$t_fw1")"
printf '%-44s %12s %10s\n' "finwatch, 2 workers" "$(pps "$t_fw2")" "$(ratio "$t_loop" "$t_fw2")"
echo
echo "finwatch 1 worker / ndpiReader:   $(ratio "$t_ndpi" "$t_fw1")x   (target >= 1.5)"
echo "finwatch 1 worker / libpcap loop: $(ratio "$t_loop" "$t_fw1")    (target >= 0.40)"
echo "finwatch 2 workers / 1 worker:    $(ratio "$t_fw1" "$t_fw2")x   (target >= 1.8)"

# Memory per idle classified flow: RSS growth between a small and a many-flow run.
if [ -x "$BUILD/tests/tools/fwgen" ]; then
    "$BUILD/tests/tools/fwgen" benign "$WORK/small.pcap" >/dev/null 2>&1
    "$BUILD/tests/tools/fwgen" manyflows "$WORK/many.pcap" >/dev/null 2>&1 || true
    if [ -s "$WORK/many.pcap" ]; then
        rss() { /usr/bin/time -f '%M' -o "$WORK/m.tmp" "$BIN" sensor -r "$1" --no-redis --rules rules/detections -q >/dev/null 2>&1; tail -1 "$WORK/m.tmp"; }
        flows() { "$BIN" sensor -r "$1" --no-redis --rules rules/detections 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) flows.*/\1/p' | tail -1; }
        r1=$(rss "$WORK/small.pcap"); r2=$(rss "$WORK/many.pcap")
        f1=$(flows "$WORK/small.pcap"); f2=$(flows "$WORK/many.pcap")
        echo
        echo "peak RSS: small run ${r1} KiB ($f1 flows), many-flow run ${r2} KiB ($f2 flows)"
        awk -v a="$r1" -v b="$r2" -v x="$f1" -v y="$f2" 'BEGIN{ if (y > x) printf "bytes per flow: %.0f (target <= 512)\n", (b - a) * 1024 / (y - x) }'
    fi
fi
for b in "$BUILD"/tests/bench/bench_*; do
    case $b in *bench_pcap_loop|*.d) continue ;; esac
    [ -x "$b" ] || continue
    echo; "$b" "$WORK/tp.pcap" 2>&1 | tail -5
done
