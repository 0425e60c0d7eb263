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
    *pkt*|*decode*)
        # one frame per seed: strip the pcap headers of the small shared captures
        if [ -d ../shared/pcaps ]; then
            python3 - "$dir" ../shared/pcaps <<'PY' || true
import os, struct, sys
out, root = sys.argv[1], sys.argv[2]
n = 0
for d, _, files in os.walk(root):
    for f in sorted(files):
        if not f.endswith(".pcap"): continue
        b = open(os.path.join(d, f), "rb").read()
        if len(b) < 24 or b[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"): continue
        e = "<" if b[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        off = 24
        for _ in range(3):
            if off + 16 > len(b): break
            incl = struct.unpack(e + "I", b[off+8:off+12])[0]
            frame = b[off+16:off+16+incl]
            open(os.path.join(out, "seed%05d" % n), "wb").write(frame)
            n += 1; off += 16 + incl
PY
        fi ;;
    esac
    [ -n "$(ls -A "$dir")" ] || printf 'seed' >"$dir/empty-seed"
}

fail=0
for h in tests/fuzz/fuzz_*.c; do
    [ -e "$h" ] || continue
    name=$(basename "$h" .c)
    bin=$OUT/$name
    clang $CFLAGS -fsanitize=fuzzer "$h" "$OUT/libfw.a" $LIBS -o "$bin"
    corpus=$OUT/$name.corpus
    seed_corpus "$name" "$corpus"
    mkdir -p "$OUT/$name"
    echo "fuzz: $name for ${SECS}s"
    if ! (cd "$OUT/$name" && "../$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=0 "../$name.corpus" >"../$name.log" 2>&1); then
        echo "fuzz: $name FAILED -- see $OUT/$name.log and $OUT/$name/crash-*"
        tail -30 "$OUT/$name.log"
        fail=1
    fi
done
exit $fail
