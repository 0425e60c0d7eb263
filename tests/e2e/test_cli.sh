#!/usr/bin/env bash
# tests/e2e/test_cli.sh: the finwatch command line: usage errors exit 2 with a
# usage text, --help per subcommand, version lists the libraries, a bad config
# refuses to start with FILE:LINE:COL, and a run on a capture writes valid JSON.
. "$(dirname "$0")/lib.sh"

out=$("$FW_BIN" 2>&1); rc=$?
check "no command exits 2" [ "$rc" -eq 2 ]
check "no command prints usage" grep -q "usage: finwatch" <<<"$out"

out=$("$FW_BIN" frobnicate 2>&1); rc=$?
check "unknown command exits 2" [ "$rc" -eq 2 ]

out=$("$FW_BIN" sensor --bogus -r x 2>&1); rc=$?
check "unknown flag exits 2" [ "$rc" -eq 2 ]
check "unknown flag is named" grep -q "unknown option '--bogus'" <<<"$out"

out=$("$FW_BIN" sensor 2>&1); rc=$?
check "sensor without input exits 2" [ "$rc" -eq 2 ]

out=$("$FW_BIN" sensor -r 2>&1); rc=$?
check "missing argument exits 2" [ "$rc" -eq 2 ]
check "missing argument is named" grep -q "needs an argument" <<<"$out"

out=$("$FW_BIN" sensor --help 2>&1); rc=$?
check "sensor --help exits 0" [ "$rc" -eq 0 ]
missing=""
for flag in --read --interface --config --rules --workers --redis --no-redis --flows \
            --alerts --sensor-id --progress --filter --user --verbose --quiet; do
    grep -q -- "$flag" <<<"$out" || missing="$missing $flag"
done
check "sensor --help documents every flag${missing:+ (missing:$missing)}" [ -z "$missing" ]

for sub in lint test explain; do
    out=$("$FW_BIN" rules "$sub" --help 2>&1); rc=$?
    check "rules $sub --help exits 0" [ "$rc" -eq 0 ]
done

out=$("$FW_BIN" version 2>&1); rc=$?
check "version exits 0" [ "$rc" -eq 0 ]
for lib in nDPI libpcap hiredis yaml zlib; do
    check "version names $lib" grep -qi "$lib" <<<"$out"
done

# A config the loader has not seen in unit tests: typo'd key at line 3 col 3.
printf 'sensor:\n  id: s9\n  wokers: 2\n' >"$TMP/bad.yaml"
out=$("$FW_BIN" sensor -r /dev/null -c "$TMP/bad.yaml" --no-redis 2>&1); rc=$?
check "bad config refuses to start" [ "$rc" -ne 0 ]
check "bad config error is FILE:LINE:COL" grep -q "$TMP/bad.yaml:3:3: error" <<<"$out"

printf 'zones:\n  - {name: a, cidrs: [10.0.0.0/8], criticality: 3}\n  - {name: b, cidrs: [10.1.0.0/16], criticality: 3}\n' >"$TMP/overlap.yaml"
out=$("$FW_BIN" sensor -r /dev/null -c "$TMP/overlap.yaml" --no-redis 2>&1); rc=$?
check "overlapping zones refuse to start" [ "$rc" -ne 0 ]
check "overlap error points at line 3" grep -q "$TMP/overlap.yaml:3:" <<<"$out"

if have_shared; then
    pcap=$PCAPS/ndpi/$(ls "$PCAPS/ndpi" | head -1)
    pcap=$(ls "$PCAPS"/ndpi/*.pcap* | head -1)
    "$FW_BIN" sensor -r "$pcap" --no-redis --rules rules/detections --flows "$TMP/flows.json" \
        --alerts "$TMP/alerts.json" 2>"$TMP/err"; rc=$?
    check "sensor run on $(basename "$pcap") exits 0" [ "$rc" -eq 0 ]
    check "flow records written" [ -s "$TMP/flows.json" ]
    check "flow records are valid JSON" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["event"]["kind"] == "event" and "source" in r and "destination" in r
' "$TMP/flows.json"
    check "summary line printed" grep -q "packets" "$TMP/err"
else
    skip "sensor run on a shared capture" "../shared/pcaps not present"
fi
