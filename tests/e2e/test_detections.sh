#!/usr/bin/env bash
# tests/e2e/test_detections.sh: every behaviour detector proven on captures.
# Each fwgen scenario is generated, replayed through `finwatch sensor` with the
# shipped configuration and rule pack, and the alert JSON must show the expected
# analyzer blaming the expected host (source.ip or destination.ip per
# finwatch.blame). The benign scenario and ordinary public captures must raise
# nothing of medium severity (40) or more. Real attack captures from
# ../shared/pcaps/attacks are checked too; the tiny ones against
# tests/e2e/rules-sensitive/ (same detectors, lowered thresholds).
. "$(dirname "$0")/lib.sh"
cd "$FW_ROOT" || exit 1

FWGEN=$FW_ROOT/$FW_BUILD/tests/tools/fwgen
CONF=configs/finwatch.yaml

# alerts FILE: one line "analyzer rule_id severity blamed_ip" per alert
alerts() {
    python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    a = json.loads(line)
    fw = a.get("finwatch", {})
    side = a.get("destination" if fw.get("blame") == "destination" else "source", {})
    print(fw.get("analyzer", "-"), a.get("rule", {}).get("id", "-"),
          a.get("event", {}).get("severity", 0), side.get("ip", "-"))
PY
}

# run NAME PCAP RULES: replay into $TMP/NAME.json, summary into $TMP/NAME.txt
run() {
    rm -f "$TMP/$1.json"
    if ! "$FW_BIN" sensor -r "$2" -c "$CONF" --rules "$3" --no-redis \
            --alerts "$TMP/$1.json" -q 2>"$TMP/$1.err"; then
        : >"$TMP/$1.txt"
        return 1
    fi
    touch "$TMP/$1.json"
    alerts "$TMP/$1.json" >"$TMP/$1.txt"
}

# expect NAME ANALYZER IP: the analyzer fired and blamed IP
expect() {
    check "$1: $2 blames $3" grep -qE "^$2 [^ ]+ [0-9]+ ${3//./\\.}\$" "$TMP/$1.txt"
}

# quiet NAME: no alert of medium severity or above
quiet() {
    local loud
    loud=$(awk '$3 >= 40' "$TMP/$1.txt" | sort | uniq -c | head -5)
    if [ -z "$loud" ]; then
        ok "$1: no medium+ alert"
    else
        nok "$1: no medium+ alert"
        sed 's/^/# /' <<<"$loud"
    fi
}

if [ ! -x "$FWGEN" ]; then
    skip "fwgen scenarios" "$FWGEN not built"
else
    for s in benign scan_horizontal scan_vertical scan_udp syn_flood amplification bruteforce_ssh \
             dns_tunnel beacon exfil lateral zone_policy fix_anomaly; do
        if ! "$FWGEN" "$s" "$TMP/$s.pcap" 2>/dev/null; then
            nok "$s: fwgen"
            continue
        fi
        run "$s" "$TMP/$s.pcap" rules/detections || nok "$s: sensor ran"
        rm -f "$TMP/$s.pcap"        # the exfil capture is large
    done
    quiet benign
    expect scan_horizontal scan 10.20.3.77
    expect scan_vertical scan 203.0.113.66
    expect scan_vertical zone_policy 203.0.113.66
    expect scan_udp scan 203.0.113.70
    # the ATMs' port unreachables go to an external address (atm -> external is
    # denied) but answer the scanner: no alert may blame a probed ATM
    check "scan_udp: no alert blames a probed ATM host" \
        bash -c "! grep -q ' 10\\.60\\.' '$TMP/scan_udp.txt'"
    expect syn_flood flood 10.40.0.10
    expect amplification amplification 10.50.0.20
    expect bruteforce_ssh bruteforce 198.51.100.23
    expect dns_tunnel dns_tunnel 10.20.5.5
    expect beacon beacon 10.20.8.8
    expect exfil exfil 10.10.3.3
    expect lateral lateral 10.20.9.9
    expect zone_policy zone_policy 10.20.1.1
    expect zone_policy zone_policy 10.60.0.5
    check "zone_policy: atm -> card allowed (no alert for 10.50.0.20)" \
        bash -c "! grep -q '^zone_policy .* 10\\.50\\.0\\.20\$' '$TMP/zone_policy.txt'"
    expect fix_anomaly protocol_anomaly 10.40.7.77
    check "fix_anomaly: nothing for the known session 10.40.1.20" \
        bash -c "! grep -q ' 10\\.40\\.1\\.20\$' '$TMP/fix_anomaly.txt'"
    check "amplification: DNS responses from port 53 are not DNS-on-odd-port" \
        bash -c "! grep -q FW-DNS-PORT-001 '$TMP/amplification.txt'"
fi

A=$PCAPS/attacks
# real NAME FILE RULES ANALYZER IP
real() {
    if [ ! -e "$A/$2" ]; then
        skip "$1: $4 blames $5" "$A/$2 not found"
        return
    fi
    run "$1" "$A/$2" "$3" || nok "$1: sensor ran"
    expect "$1" "$4" "$5"
}
real synscan ndpi-synscan.pcap rules/detections scan 172.16.0.8
real iodine ndpi-dns-tunnel-iodine.pcap rules/detections dns_tunnel 10.0.2.30
real synflood suricata-firewall_tcp-session-syn-flood-drop-precedence_input.pcap \
    tests/e2e/rules-sensitive flood 198.51.100.5
real vnc zeek-rfb_vnc-scanner.pcap tests/e2e/rules-sensitive bruteforce 192.168.0.11
real psexec suricata-dcerpc_dcerpc-dce-iface-01_20171220_smb_psexec_mimikatz_ticket_dump-s2.pcap \
    tests/e2e/rules-sensitive lateral 192.168.10.31

# Ordinary traffic from public captures: NTP, DNS, web, TLS, QUIC, streaming.
for f in ndpi-NTPv4.pcap ndpi-dns.pcap ndpi-google_ssl.pcap ndpi-http.pcapng \
         ndpi-netflix.pcap ndpi-facebook.pcap ndpi-iphone.pcap ndpi-quic-24.pcap \
         ndpi-ookla.pcap; do
    if [ ! -e "$PCAPS/ndpi/$f" ]; then
        skip "$f: no medium+ alert" "capture not found"
        continue
    fi
    run "$f" "$PCAPS/ndpi/$f" rules/detections || nok "$f: sensor ran"
    quiet "$f"
done
