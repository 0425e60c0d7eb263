#!/usr/bin/env bash
# tests/e2e/test_packet_counts.sh: the sensor counts every packet of every shared
# capture, exactly as capinfos does (the packets column of MANIFEST.md). All
# files go through the sensor's capture source in one process (fwcount); a
# sample also goes through the real binary, whose summary line must agree.
# Captures of link types the sensor refuses (DSA, Juniper, MFR...) must fail
# with a clear message instead of counting zero.
. "$(dirname "$0")/lib.sh"
COUNT=${FW_ROOT}/${FW_BUILD}/tests/tools/fwcount

if ! have_shared; then
    skip "packet counts of the shared captures" "../shared/pcaps not present"; exit 0
fi
awk -F'|' 'NF > 7 && $2 !~ /group|---/ {
    gsub(/ /, "", $2); gsub(/ /, "", $3); gsub(/ /, "", $6); print $2 "/" $3, $6 }' \
    "$PCAPS/MANIFEST.md" >"$TMP/expect"
(cd "$PCAPS" && "$COUNT" $(awk '{print $1}' "$TMP/expect")) >"$TMP/got"
python3 - "$TMP/expect" "$TMP/got" >"$TMP/report" <<'PY'
import sys
exp = dict(l.split() for l in open(sys.argv[1]) if l.strip())
got, refused = {}, {}
for l in open(sys.argv[2]):
    if l.startswith("ERR "):
        path, why = l[4:].split(": ", 1)
        refused[path] = why.strip()
    else:
        n, path = l.split(None, 1)
        got[path.strip()] = int(n)
bad = [p for p in exp if p in got and got[p] != int(exp[p])]
unclear = [p for p, why in refused.items() if "link type" not in why and "truncated" not in why]
print("files %d, counted %d, refused %d, mismatched %d" % (len(exp), len(got), len(refused), len(bad)))
for p in bad[:20]:
    print("MISMATCH %s: sensor %d, capinfos %s" % (p, got[p], exp[p]))
for p in unclear[:20]:
    print("UNCLEAR %s: %s" % (p, refused[p]))
for p, why in sorted(refused.items())[:20]:
    print("REFUSED %s: %s" % (p, why))
sys.exit(1 if bad or unclear or len(got) + len(refused) != len(exp) else 0)
PY
rc=$?
sed 's/^/# /' "$TMP/report"
check "every shared capture: packets counted = capinfos ($(head -1 "$TMP/report"))" [ "$rc" -eq 0 ]

# The real binary on a sample: its summary must say the same.
ok_all=1
for f in attacks/ndpi-synscan.pcap attacks/ndpi-fix.pcap encap/suricata-decode-sll2-01_input.pcap \
         encap/suricata-bug-7552_bug-7552-01_input.pcap \
         $(awk '$1 ~ /pcapng$/ {print $1}' "$TMP/expect" | head -3); do
    [ -e "$PCAPS/$f" ] || continue
    want=$(awk -v f="$f" '$1 == f {print $2}' "$TMP/expect")
    got=$("$FW_BIN" sensor -r "$PCAPS/$f" --no-redis --rules rules/detections 2>&1 |
          sed -n 's/^finwatch: \([0-9]*\) packets.*/\1/p')
    if [ "$got" != "$want" ]; then
        echo "# $f: sensor summary $got, capinfos $want"
        ok_all=0
    fi
done
check "sensor summary line agrees with capinfos on a sample" [ "$ok_all" -eq 1 ]
