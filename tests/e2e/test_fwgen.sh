#!/usr/bin/env bash
# tests/e2e/test_fwgen.sh: sanity of the scenario generator (tests/tools/fwgen.c).
# Every scenario must give a pcap that tcpdump/capinfos read, with a packet count
# in the expected range; output must be deterministic per seed; the demo must stay
# under 2 MB; ndpiReader (when installed) must classify the application flows.
. "$(dirname "$0")/lib.sh"

GEN=${FWGEN:-$FW_ROOT/$FW_BUILD/tests/tools/fwgen}

# scenario  min-packets  max-packets (seed 1, scale 1; counts vary a little by seed)
EXPECT="
benign          70000 95000
scan_horizontal   400   650
scan_vertical    2000  2100
scan_udp          240   300
syn_flood       25000 25000
amplification    6006  6006
bruteforce_ssh   1800  2100
dns_tunnel       1000  1100
beacon           2000  2300
exfil          140000 180000
lateral           950  1200
zone_policy        40    70
fix_anomaly       140   220
demo             8000 10500
rule_pack         150   190
cleartext         130   170
web_attack         35    50
threat_intel       55    85
manyflows      400000 400000
"

# Packets in a pcap: capinfos, else tcpdump, else our own walk of the records.
count_pkts() {
    local f=$1
    if command -v capinfos >/dev/null 2>&1; then
        capinfos -M -c "$f" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}'
    elif command -v tcpdump >/dev/null 2>&1; then
        tcpdump -nr "$f" 2>/dev/null | wc -l
    else
        python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); off = 24; n = 0
while off + 16 <= len(d):
    off += 16 + struct.unpack("<I", d[off + 8:off + 12])[0]; n += 1
print(n if off == len(d) else -1)' "$f"
    fi
}

# tcpdump must read the whole file without complaint (truncated frames are fine).
readable() {
    local f=$1 err
    command -v tcpdump >/dev/null 2>&1 || return 0
    err=$(tcpdump -nr "$f" 2>&1 >/dev/null | grep -v '^reading from file')
    [ -z "$err" ]
}

if [ ! -x "$GEN" ]; then
    skip "fwgen built" "no $GEN (run make tools)"
    exit 0
fi

SCENARIOS=$(awk 'NF == 3 {print $1}' <<<"$EXPECT")
listed=$("$GEN" list | awk '/^  [a-z]/ {print $1}')
check "fwgen list names every scenario" [ "$listed" = "$SCENARIOS" ]

"$GEN" nosuch "$TMP/x.pcap" 2>/dev/null
check "unknown scenario exits 2" [ $? -eq 2 ]
"$GEN" benign "$TMP/x.pcap" --scale abc 2>/dev/null
check "bad --scale exits 2" [ $? -eq 2 ]

while read -r name lo hi; do
    [ -n "$name" ] || continue
    out=$TMP/$name.pcap
    if ! "$GEN" "$name" "$out" 2>"$TMP/$name.err"; then
        nok "$name: fwgen exits 0 ($(cat "$TMP/$name.err"))"
        continue
    fi
    n=$(count_pkts "$out")
    if [ -n "$n" ] && [ "$n" -ge "$lo" ] && [ "$n" -le "$hi" ]; then
        ok "$name: $n packets in [$lo, $hi]"
    else
        nok "$name: ${n:-?} packets, expected [$lo, $hi]"
    fi
    check "$name: tcpdump reads it cleanly" readable "$out"
done <<<"$EXPECT"

size=$(stat -c %s "$TMP/demo.pcap" 2>/dev/null || echo 0)
check "demo.pcap is under 2 MB ($size bytes)" test "$size" -gt 100000 -a "$size" -lt 2000000

"$GEN" demo "$TMP/demo2.pcap" 2>/dev/null
check "same seed gives identical bytes" cmp -s "$TMP/demo.pcap" "$TMP/demo2.pcap"
"$GEN" demo "$TMP/demo3.pcap" --seed 7 2>/dev/null
check "another seed gives different bytes" bash -c "! cmp -s '$TMP/demo.pcap' '$TMP/demo3.pcap'"

"$GEN" syn_flood "$TMP/small.pcap" --scale 0.1 2>/dev/null
check "--scale 0.1 shrinks syn_flood to 2500 packets" [ "$(count_pkts "$TMP/small.pcap")" = 2500 ]

if command -v tcpdump >/dev/null 2>&1; then
    first=$(tcpdump -tt -nr "$TMP/scan_horizontal.pcap" 2>/dev/null | head -1 | cut -d. -f1)
    check "timestamps start at 2026-11-02 09:00:00 UTC" [ "$first" = 1793610000 ]
    bad=$(tcpdump -vv -nr "$TMP/benign.pcap" 2>/dev/null | grep -cE 'bad cksum|incorrect')
    check "benign: no bad IP/TCP/UDP checksums" [ "$bad" -eq 0 ]
else
    skip "timestamps and checksums" "tcpdump not installed"
fi

# Protocol names ndpiReader 4.2 gives to the flows of a capture.
ndpi_protos() {
    ndpiReader -i "$1" -v 1 2>/dev/null | sed -n '/Detected protocols/,/Protocol statistics/p' |
        awk '/packets:/ {print $1 ":" $NF}'
}

if command -v ndpiReader >/dev/null 2>&1; then
    p=$(ndpi_protos "$TMP/benign.pcap" | tr '\n' ' ')
    for want in TLS DNS NTP SNMP FIX RSYNC; do
        check "ndpiReader: benign has $want ($p)" grep -q "\b$want:" <<<"$p"
    done
    check "ndpiReader: bruteforce_ssh is 60 SSH flows" \
        grep -qx 'SSH:60' <<<"$(ndpi_protos "$TMP/bruteforce_ssh.pcap")"
    check "ndpiReader: beacon is 120 TLS flows" \
        grep -qx 'TLS:120' <<<"$(ndpi_protos "$TMP/beacon.pcap")"
    check "ndpiReader: fix_anomaly is 2 FIX flows" \
        grep -qx 'FIX:2' <<<"$(ndpi_protos "$TMP/fix_anomaly.pcap")"
    p=$(ndpi_protos "$TMP/lateral.pcap" | tr '\n' ' ')
    check "ndpiReader: lateral has SMBv23, DCE_RPC, RDP ($p)" \
        bash -c "grep -q SMBv23 <<<'$p' && grep -q DCE_RPC <<<'$p' && grep -q RDP <<<'$p'"
    ndpiReader -i "$TMP/beacon.pcap" -v 2 >"$TMP/beacon.ndpi" 2>/dev/null
    check "ndpiReader: SNI cdn-update.example in beacon" \
        grep -q 'SNI: cdn-update.example' "$TMP/beacon.ndpi"
    # The captures of the rule pack (tests/rules/pack/): what the rules key on.
    p=$(ndpi_protos "$TMP/cleartext.pcap" | tr '\n' ' ')
    check "ndpiReader: cleartext is 1 Telnet and 2 FTP_CONTROL flows ($p)" \
        bash -c "grep -q 'Telnet:1 ' <<<'$p' && grep -q 'FTP_CONTROL:2 ' <<<'$p'"
    check "ndpiReader: rule_pack has a DNScrypt flow" \
        grep -qx 'DNScrypt:1' <<<"$(ndpi_protos "$TMP/rule_pack.pcap")"
    ndpiReader -i "$TMP/web_attack.pcap" -v 2 >"$TMP/web_attack.ndpi" 2>/dev/null
    for risk in 'XSS Attack' 'SQL Injection' 'Possible Exploit Detected'; do
        check "ndpiReader: web_attack has risk $risk" grep -q "\*\* $risk \*\*" "$TMP/web_attack.ndpi"
    done
    ndpiReader -i "$TMP/threat_intel.pcap" -v 2 >"$TMP/threat_intel.ndpi" 2>/dev/null
    check "ndpiReader: SNI ti-canary.finwatch.example in threat_intel" \
        grep -q 'SNI: ti-canary.finwatch.example' "$TMP/threat_intel.ndpi"
else
    skip "ndpiReader classification" "ndpiReader not installed"
fi
