#!/usr/bin/env bash
# tests/e2e/test_hostile.sh: the sensor reads captures an attacker shaped. Files
# crafted by tests/tools/mkhostile.py (truncated, lying record headers, caplen >
# snaplen, zero-length packets, absurd timestamps, pcapng with unknown or broken
# blocks) and every capture in ../shared/pcaps/hostile must each end with a clear
# message (an error line, or the summary line with its counters), never a crash,
# a sanitizer report or a hang. Under the asan build (FW_BUILD=build/asan) the
# same run also proves there is no memory error or leak.
. "$(dirname "$0")/lib.sh"

RULES=$FW_ROOT/rules/detections
# run_one FILE: runs the sensor; sets RC and leaves stderr in $TMP/err
run_one() {
    timeout 60 "$FW_BIN" sensor -r "$1" --no-redis --rules "$RULES" \
        --flows "$TMP/flows.json" --alerts "$TMP/alerts.json" >"$TMP/out" 2>"$TMP/err"
    RC=$?
}
# sane: exit 0/1 (no signal, no timeout), no sanitizer report, and a message
sane() {
    [ "$RC" -le 1 ] || return 1
    ! grep -qE 'Sanitizer|runtime error:' "$TMP/err" || return 1
    if [ "$RC" -eq 0 ]; then
        grep -q '^finwatch: [0-9]* packets' "$TMP/err"
    else
        grep -q '^finwatch: error: ' "$TMP/err"
    fi
}
field() { sed -n "s/.*$1 \([0-9]*\).*/\1/p" "$TMP/err" | tail -1; }

python3 "$FW_ROOT/tests/tools/mkhostile.py" "$TMP/h" >"$TMP/list"
while IFS=$'\t' read -r name what want; do
    run_one "$TMP/h/$name"
    if ! sane; then
        nok "$name ($what): exit $RC"; sed 's/^/# /' "$TMP/err" | tail -5; continue
    fi
    got=$(sed -n 's/^finwatch: \([0-9]*\) packets.*/\1/p' "$TMP/err")
    if [ "$want" -ge 0 ] && [ "${got:-0}" -ne "$want" ]; then
        nok "$name ($what): counted ${got:-0} packets, want $want"; continue
    fi
    # a file that breaks mid-way is named in a warning and counted
    dmg=$(field 'damaged files')
    if grep -q 'rest of file skipped' "$TMP/err" && [ "${dmg:-0}" -lt 1 ]; then
        nok "$name ($what): damaged file not counted"; continue
    fi
    ok "$name ($what): exit $RC, $(grep '^finwatch:' "$TMP/err" | tail -1 | cut -c1-90)"
done <"$TMP/list"

# Counters that prove the guards fired, not just that nothing crashed.
run_one "$TMP/h/zero_length.pcap"
check "zero-length packets are counted as truncated" [ "$(field 'truncated')" -ge 10 ]
run_one "$TMP/h/huge_incl_len.pcap"
check "a 4 GB record header is refused by name" grep -q 'huge_incl_len.pcap: .*(rest of file skipped)' "$TMP/err"
run_one "$TMP/h/garbage.pcap"
check "a non-capture file is an error naming it" grep -q 'garbage.pcap: unknown file format' "$TMP/err"

if ! have_shared || [ ! -d "$PCAPS/hostile" ]; then
    skip "shared hostile captures" "../shared/pcaps/hostile not present"; exit 0
fi
n=0 bad=()
for f in "$PCAPS"/hostile/*; do
    case $f in *.pcap|*.pcapng) ;; *) continue ;; esac
    n=$((n + 1))
    run_one "$f"
    if ! sane; then
        bad+=("$(basename "$f"):$RC")
        sed "s|^|# $(basename "$f"): |" "$TMP/err" | grep -E 'Sanitizer|runtime error|SUMMARY|#[0-9] ' | head -8
    fi
done
check "all $n shared hostile captures handled (failed: ${bad[*]:-none})" [ "${#bad[@]}" -eq 0 ]
