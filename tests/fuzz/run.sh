#!/usr/bin/env bash
# tests/fuzz/run.sh (make fuzz): builds every tests/fuzz/fuzz_*.c with clang's
# libFuzzer + ASan + UBSan against all library sources, and runs each for
# FUZZ_SECONDS (default 60) on a seed corpus: captures from ../shared/pcaps for
# packet harnesses, the project's rule and config files for YAML harnesses.
# A crash leaves its input in build/fuzz/<harness>/crash-* and fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-60}
OUT=build/fuzz
mkdir -p "$OUT"
if ! command -v clang >/dev/null; then
    [ "$(id -u)" = 0 ] && apt-get install -y -qq clang >/dev/null 2>&1 || true
fi
if ! command -v clang >/dev/null; then
    echo "fuzz: clang not installed; skipping (apt-get install clang)"; exit 0
fi
PKGS="libpcap libndpi hiredis yaml-0.1 zlib libpcre2-8 libxxhash libgcrypt libmicrohttpd"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
    -Isensor -Ianalyzers -Irules -Idashboard-export $(pkg-config --cflags $PKGS) -DFW_VERSION=\"fuzz\""
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"
objs=()
for src in sensor/*.c analyzers/*.c rules/*.c dashboard-export/*.c; do
    [ "$src" = sensor/fw_main.c ] && continue
    obj=$OUT/obj/${src%.c}.o
    mkdir -p "$(dirname "$obj")"
    if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ]; then
        clang $CFLAGS -c "$src" -o "$obj"
    fi
    objs+=("$obj")
done
rm -f "$OUT/libfw.a"; ar rcs "$OUT/libfw.a" "${objs[@]}"

seed_corpus() {     # seed_corpus HARNESS DIR
    local name=$1 dir=$2
    mkdir -p "$dir"
    case $name in
    *yaml*|*config*|*rule*)
        find rules configs tests -name '*.yaml' -size -64k -exec cp {} "$dir/" \; 2>/dev/null || true ;;
    fuzz_cap_*)     # whole small captures, classic pcap (the in-place reader's input)
        for c in "${CAPS[@]}"; do
            [ "$(stat -c %s "$c")" -lt 65536 ] && cp "$c" "$dir/" 2>/dev/null
        done; true ;;
    fuzz_pkt|fuzz_decode|fuzz_wrk_worker|fuzz_meta_*)
        # frames / IP packets / UDP-53 and TCP payloads cut from the shared captures
        # and from fwgen scenarios (SSH and FIX are rare in the shared set)
        python3 tests/fuzz/seeds.py "$name" "$dir" "${CAPS[@]}" || true ;;
    esac
    [ -n "$(ls -A "$dir")" ] || printf 'seed' >"$dir/empty-seed"
}

# Captures for the seed corpora: every classic pcap under ../shared/pcaps plus a
# few fwgen scenarios when the tool is built (FW_BUILD, default build).
CAPS=()
[ -d ../shared/pcaps ] && mapfile -t CAPS < <(find ../shared/pcaps -name '*.pcap' | sort)
GEN=${FW_BUILD:-build}/tests/tools/fwgen
if [ -x "$GEN" ]; then
    mkdir -p "$OUT/gen"
    for sc in bruteforce_ssh fix_anomaly dns_tunnel demo; do
        [ -s "$OUT/gen/$sc.pcap" ] || "$GEN" "$sc" "$OUT/gen/$sc.pcap" >/dev/null 2>&1 || true
        [ -s "$OUT/gen/$sc.pcap" ] && CAPS+=("$OUT/gen/$sc.pcap")
    done
fi

fail=0
for h in tests/fuzz/fuzz_*.c; do
    [ -e "$h" ] || continue
    name=$(basename "$h" .c)
    mkdir -p "$OUT/bin"; bin=$OUT/bin/$name     # $OUT/$name is the work dir
    clang $CFLAGS -fsanitize=fuzzer "$h" "$OUT/libfw.a" $LIBS -o "$bin"
    corpus=$OUT/$name.corpus
    seed_corpus "$name" "$corpus"
    mkdir -p "$OUT/$name"
    # crashes found earlier are kept in tests/fuzz/regress/<harness>/ and replayed
    # first: a fixed bug that comes back fails here before any new fuzzing
    if [ -d "tests/fuzz/regress/$name" ] && [ -n "$(ls -A "tests/fuzz/regress/$name")" ]; then
        if ! "$bin" -runs=0 "tests/fuzz/regress/$name"/* >"$OUT/$name.regress.log" 2>&1; then
            echo "fuzz: $name REGRESSION -- see $OUT/$name.regress.log"; fail=1; continue
        fi
    fi
    echo "fuzz: $name for ${SECS}s"
    if ! (cd "$OUT/$name" && "../bin/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=0 "../$name.corpus" >"../$name.log" 2>&1); then
        echo "fuzz: $name FAILED -- see $OUT/$name.log and $OUT/$name/crash-*"
        tail -30 "$OUT/$name.log"
        fail=1
    fi
done
exit $fail
