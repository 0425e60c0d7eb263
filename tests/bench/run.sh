#!/usr/bin/env bash
# tests/bench/run.sh (make bench): throughput and memory of finwatch, measured
# side by side with ndpiReader and a bare libpcap loop on the same capture in the
# same run, because absolute times on shared 2-core machines are noisy. Prints
# ratios; docs/performance.md keeps a results table.
#   BENCH_PACKETS   packets in the throughput capture (default 1000000)
#   BENCH_RUNS      runs per measurement, best kept (default 3)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../tools/free_port.sh"    # before the cd: path is relative
. "$(dirname "${BASH_SOURCE[0]}")/../tools/netns.sh"
cd "$(dirname "$0")/../.."
BUILD=${FW_BUILD:-build}
BIN=$BUILD/finwatch
N=${BENCH_PACKETS:-1000000}
RUNS=${BENCH_RUNS:-3}
SHARED=${FW_SHARED:-../shared}
WORK=$(mktemp -d /tmp/fw-bench.XXXXXX)
REDIS_PID=""
NS_A=""
trap '[ -n "$REDIS_PID" ] && kill $REDIS_PID 2>/dev/null; [ -n "$NS_A" ] && veth_pair_down
      rm -rf "$WORK"' EXIT

if [ ! -d "$SHARED/pcaps/ndpi" ]; then
    echo "bench: $SHARED/pcaps not found; the throughput capture is built from it"; exit 0
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
"$BUILD/tests/tools/fwcat" "$WORK/tp.pcap" "$N" "$SHARED"/pcaps/ndpi/*.pcap "$SHARED"/pcaps/attacks/*.pcap 2>&1
pk=$N

# best_time CMD... : runs CMD (a program or a shell function) RUNS times and
# prints "WALL CPU" of the fastest run in seconds (CPU = user + sys of all
# threads). Wall time is the figure that counts, but on a shared machine CPU
# time shows the work done even when other jobs steal the cores. "FAIL FAIL"
# if the command fails: a benchmark of a crash is not a result.
best_time() {
    local best="" cpu="" w c r
    for _ in $(seq "$RUNS"); do
        # bash -c so that CMD may be an exported shell function (fw below)
        /usr/bin/time -f '%e %U %S' -o "$WORK/t.tmp" bash -c '"$@"' _ "$@" \
            >/dev/null 2>"$WORK/err.tmp"; r=$?
        if [ "$r" -ne 0 ]; then echo "bench: $1 failed ($r): $(head -c 300 "$WORK/err.tmp")" >&2
            echo "FAIL FAIL"; return; fi
        read -r w c < <(tail -1 "$WORK/t.tmp" | awk '{ printf "%.3f %.3f", $1, $2 + $3 }')
        if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$w; cpu=$c; fi
    done
    echo "$best $cpu"
}
pps() { awk -v n="$pk" -v t="$1" 'BEGIN{ if (t == "FAIL") { print "FAIL"; exit }
    if (t <= 0) t = 0.001; printf "%.0f", n / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "FAIL" || b == "FAIL" || b <= 0) print "n/a";
    else printf "%.2f", a / b }'; }
# instructions CMD...: user-space instructions retired (all threads), or "n/a";
# repeatable to ~1 %, unlike times on a busy machine.
instructions() {
    if ! perf stat -x, -e instructions:u true >/dev/null 2>&1; then echo n/a; return; fi
    perf stat -x, -e instructions:u -o "$WORK/ins.tmp" "$@" >/dev/null 2>&1 || { echo n/a; return; }
    awk -F, '/instructions/ { print $1; exit }' "$WORK/ins.tmp"
}

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >/dev/null 2>&1 &
REDIS_PID=$!
sleep 0.3
mkdir -p "$WORK/spool"
sed "s#/var/lib/finwatch/spool#$WORK/spool#" configs/finwatch.yaml >"$WORK/fw.yaml"

fw() { "$BIN" sensor -r "$WORK/tp.pcap" -c "$WORK/fw.yaml" --rules rules/detections \
        --redis "redis://127.0.0.1:$port/0" --no-summary -q "$@"; }
export -f fw; export BIN WORK port
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the cores)"
read -r t_loop c_loop < <(best_time "$BUILD/tests/bench/bench_pcap_loop" "$WORK/tp.pcap")
read -r t_ndpi c_ndpi < <(best_time ndpiReader -i "$WORK/tp.pcap" -q)
read -r t_fw1 c_fw1 < <(best_time fw --workers 1)
read -r t_fw2 c_fw2 < <(best_time fw --workers 2)
i_ndpi=$(instructions ndpiReader -i "$WORK/tp.pcap" -q)
i_fw1=$(instructions fw --workers 1)

echo
printf '%-44s %12s %8s %8s %8s\n' "measurement ($pk packets, best of $RUNS)" "packets/s" "ratio" "wall s" "cpu s"
row() { printf '%-44s %12s %8s %8s %8s\n' "$1" "$(pps "$2")" "$(ratio "$t_loop" "$2")" "$2" "$3"; }
row "bare libpcap read loop (ceiling)" "$t_loop" "$c_loop"
row "ndpiReader -i (nDPI 4.2)" "$t_ndpi" "$c_ndpi"
row "finwatch, 1 worker, rules+analyzers+Redis" "$t_fw1" "$c_fw1"
row "finwatch, 2 workers" "$t_fw2" "$c_fw2"
echo
echo "finwatch 1 worker / ndpiReader:   $(ratio "$t_ndpi" "$t_fw1")x   (target >= 1.5)"
echo "finwatch 1 worker / libpcap loop: $(ratio "$t_loop" "$t_fw1")    (target >= 0.40)"
echo "finwatch 2 workers / 1 worker:    $(ratio "$t_fw1" "$t_fw2")x   (target >= 1.8)"
echo "cpu seconds, finwatch 1 worker / ndpiReader: $(ratio "$c_fw1" "$c_ndpi") (lower is better)"
if [ "$i_fw1" != n/a ] && [ "$i_ndpi" != n/a ]; then
    awk -v a="$i_fw1" -v b="$i_ndpi" -v n="$pk" 'BEGIN{ printf "instructions/packet: finwatch %.0f, ndpiReader %.0f (ratio %.2f)\n", a / n, b / n, a / b }'
fi

# Instructions per packet (valgrind --tool=callgrind; repeatable, unlike wall
# time on a shared machine): ndpiReader against finwatch in total and per
# thread, on the first BENCH_CG_PACKETS packets (default 200000; 0 skips it).
# The busiest finwatch thread bounds its speed on enough cores; ndpiReader's
# total bounds its own.
cg_packets=${BENCH_CG_PACKETS:-200000}
if [ "$cg_packets" -gt 0 ] && command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
    "$BUILD/tests/tools/fwcat" "$WORK/cg.pcap" "$cg_packets" "$SHARED"/pcaps/ndpi/*.pcap \
        "$SHARED"/pcaps/attacks/*.pcap >/dev/null 2>&1
    cg_total() { grep -h '^summary:' "$@" | awk '{ s += $2 } END { print s + 0 }'; }
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cgn.out" ndpiReader -i "$WORK/cg.pcap" -q \
        >/dev/null 2>&1
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/cgf.out" \
        "$BIN" sensor -r "$WORK/cg.pcap" -c "$WORK/fw.yaml" --rules rules/detections --no-redis \
        --workers 1 -q --no-summary >/dev/null 2>&1
    i_n=$(cg_total "$WORK"/cgn.out*) i_f=$(cg_total "$WORK"/cgf.out*)
    echo
    awk -v n="$i_n" -v f="$i_f" -v p="$cg_packets" 'BEGIN { if (n > 0 && f > 0)
        printf "instructions/packet (callgrind, %d packets): ndpiReader %.0f, finwatch %.0f in all threads (%.2f of ndpiReader)\n", p, n / p, f / p, f / n }'
    # threads in creation order: capture (main), worker, analyzer, exporter
    for t in "$WORK"/cgf.out-*; do
        [ -f "$t" ] || continue
        awk -v p="$cg_packets" -v n="$i_n" -v t="${t##*-}" '/^summary:/ {
            name = (t == "01") ? "capture+decode" : (t == "02") ? "worker (nDPI)" : (t == "03") ? "analyzer" : (t == "04") ? "exporter" : "thread " t
            printf "  %-16s %6.0f per packet (%.2f of ndpiReader)\n", name, $2 / p, $2 / n }' "$t"
    done
fi

# Live capture: the throughput capture replayed by tcpreplay through a veth pair
# between two private namespaces, at top speed and at a fixed 300k packets/s,
# into `finwatch sensor -i` (rules, analyzers, Redis inside the namespace).
# Prints what tcpreplay sent, what the sensor counted and its kernel drops. On
# 2 cores tcpreplay takes one of them, so this is a floor, not the ceiling.
live_run() {    # live_run TCPREPLAY-RATE-ARGS...
    local lport log
    lport=$(free_port)
    ip netns exec "$NS_B" ip link set lo up
    ip netns exec "$NS_B" redis-server --port "$lport" --bind 127.0.0.1 --save '' \
        --appendonly no --dir "$WORK" >/dev/null 2>&1 &
    local rpid=$!
    ip netns exec "$NS_B" "$BIN" sensor -i "$IF_B" -c "$WORK/fw.yaml" --rules rules/detections \
        --redis "redis://127.0.0.1:$lport/0" 2>"$WORK/live.err" >/dev/null &
    local spid=$!
    sleep 2
    log=$(ip netns exec "$NS_A" tcpreplay "$@" -i "$IF_A" "$WORK/tp.pcap" 2>&1)
    sleep 2
    kill -INT "$spid"; wait "$spid" 2>/dev/null
    kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
    local sent rate seen kdrop
    sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' <<<"$log")
    rate=$(sed -n 's/.*Rated: .*, \([0-9.]*\) pps.*/\1/p' <<<"$log")
    seen=$(sed -n 's/^finwatch: \([0-9]*\) packets.*/\1/p' "$WORK/live.err" | tail -1)
    kdrop=$(sed -n 's/.*(kernel \([0-9]*\),.*/\1/p' "$WORK/live.err" | tail -1)
    printf '%-44s sent %s at %s pps, sensor counted %s, kernel drops %s\n' "live, tcpreplay $*" \
        "${sent:-?}" "${rate:-?}" "${seen:-?}" "${kdrop:-?}"
}
echo
if [ "$(id -u)" = 0 ] && command -v tcpreplay >/dev/null && command -v ip >/dev/null &&
   veth_pair_up "fwb$$"; then
    live_run --topspeed
    live_run --pps 300000
else
    echo "live capture: skipped (needs root, iproute2, tcpreplay and network namespaces)"
fi

# Memory per idle classified flow: RSS growth between a small and a many-flow run.
if [ -x "$BUILD/tests/tools/fwgen" ]; then
    "$BUILD/tests/tools/fwgen" benign "$WORK/small.pcap" >/dev/null 2>&1
    "$BUILD/tests/tools/fwgen" manyflows "$WORK/many.pcap" >/dev/null 2>&1 || true
    if [ -s "$WORK/many.pcap" ]; then
        rss() { /usr/bin/time -f '%M' -o "$WORK/m.tmp" "$BIN" sensor -r "$1" -c "$WORK/fw.yaml" --no-redis --rules rules/detections -q >/dev/null 2>&1; tail -1 "$WORK/m.tmp"; }
        flows() { "$BIN" sensor -r "$1" -c "$WORK/fw.yaml" --no-redis --rules rules/detections 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) flows.*/\1/p' | tail -1; }
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
