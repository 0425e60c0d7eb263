#!/usr/bin/env bash
# tests/e2e/test_faults.sh: faults the sensor must survive without losing data.
#  1. Spool full: Redis down and spool_max 4 KiB, then a 64 KiB tmpfs under the
#     spool (disk full); each overflow is reported in the log and counted ("spool
#     dropped N" on the summary line), and the run still ends 0.
#  2. Live sensor in a private netns (veth pair, as test_live_capture.sh), started
#     as root with -u nobody: after start its uid is nobody's; a rule fires; a rule
#     file is broken and SIGHUP sent: the log names FILE:LINE:COL and the old rule
#     still fires on new traffic; SIGTERM then flushes every flow and alert the
#     summary counted into the files and the exit status is 0.
# Part 2 skips without root, ip netns or tcpreplay.
. "$(dirname "$0")/lib.sh"

# mkpcap OUT SRC_LAST_OCTET...: one SYN per source 10.20.7.N -> 10.10.0.9:4444
mkpcap() {
    python3 - "$@" <<'PY'
import struct, sys
out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
for i, n in enumerate(sys.argv[2:]):
    tcp = struct.pack("!HHIIBBHHH", 40000 + i, 4444, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0, 64, 6, 0,
                     bytes([10, 20, 7, int(n)]), bytes([10, 10, 0, 9]))
    f = b"\0\x11\x22\x33\x44\x55\0\x66\x77\x88\x99\xaa\x08\x00" + ip + tcp
    out.append(struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f)
open(sys.argv[1], "wb").write(b"".join(out))
PY
}
mkdir -p "$TMP/rules" "$TMP/spool" "$TMP/out"
cat >"$TMP/rules/port4444.yaml" <<'YAML'
id: FW-TEST-4444
title: Connection attempt to 4444/tcp
description: Test rule for fault handling.
severity: medium
event: flow_start
match:
  destination.port: 4444
dedup: 0
reason: "{source.ip} tried {destination.ip}:4444"
YAML
field() { sed -n "s/.*$2 \([0-9]*\).*/\1/p" "$1" | tail -1; }

# ---- 1. spool full while Redis is down
mkpcap "$TMP/many.pcap" $(seq 1 200)
port=$(free_port)       # nothing listens there: Redis is down
cat >"$TMP/spool.yaml" <<YAML
redis:
  url: "redis://127.0.0.1:$port/0"
  spool_dir: $TMP/spool
  spool_max: 4KiB
  timeout: 300ms
YAML
timeout 60 "$FW_BIN" sensor -r "$TMP/many.pcap" -c "$TMP/spool.yaml" --rules "$TMP/rules" \
    2>"$TMP/spool.err"
rc=$?
grep -E 'spool|^finwatch: [0-9]' "$TMP/spool.err" | head -4 | sed 's/^/# /'
check "Redis down + full spool: the run still ends 0 (rc $rc)" [ "$rc" -eq 0 ]
check "full spool reported in the log" grep -qE 'spool: .*full \(spool_max reached\); .*dropped' "$TMP/spool.err"
sd=$(field "$TMP/spool.err" 'spool dropped')
check "full spool counted on the summary line (spool dropped ${sd:-none})" [ "${sd:-0}" -gt 0 ]
sz=$(du -sb "$TMP/spool" | cut -f1)
check "spool stays near spool_max ($sz bytes on disk)" [ "$sz" -lt $((4096 + 8192)) ]

# ---- 1b. the disk under the spool fills up (a 64 KiB tmpfs; root only)
if [ "$(id -u)" = 0 ] && mkdir -p "$TMP/tiny" && mount -t tmpfs -o size=64k fwtiny "$TMP/tiny" 2>/dev/null; then
    sed -e "s|spool_dir: .*|spool_dir: $TMP/tiny|" -e 's/spool_max: .*/spool_max: 1GiB/' \
        "$TMP/spool.yaml" >"$TMP/tiny.yaml"
    timeout 60 "$FW_BIN" sensor -r "$TMP/many.pcap" -c "$TMP/tiny.yaml" --rules "$TMP/rules" \
        2>"$TMP/tiny.err"
    rc=$?
    umount "$TMP/tiny"
    grep -E 'spool:|^finwatch: [0-9]' "$TMP/tiny.err" | head -3 | sed 's/^/# /'
    check "disk full under the spool: the run still ends 0 (rc $rc)" [ "$rc" -eq 0 ]
    check "disk full reported in the log" grep -q 'spool: .*: disk full; record dropped' "$TMP/tiny.err"
    sd=$(field "$TMP/tiny.err" 'spool dropped')
    check "disk full counted on the summary line (spool dropped ${sd:-none})" [ "${sd:-0}" -gt 0 ]
else
    skip "disk full under the spool" "needs root and a tmpfs mount"
fi

# ---- 2. live: -u, SIGHUP with a broken rule, SIGTERM flush
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null \
        || ! id nobody >/dev/null 2>&1; then
    skip "live faults (-u, SIGHUP, SIGTERM)" "needs root, iproute2, tcpreplay, user nobody"; exit 0
fi
if ! veth_pair fwf$$; then
    skip "live faults (-u, SIGHUP, SIGTERM)" "cannot create network namespaces here"; exit 0
fi
A=$NS_A B=$NS_B
mkpcap "$TMP/before.pcap" 1 2 3
mkpcap "$TMP/after.pcap" 11 12 13 14
chmod 0777 "$TMP/out"; chmod 0755 "$TMP" "$TMP/rules"; chmod 0644 "$TMP/rules/port4444.yaml"
printf 'rules:\n  reload: signal\n' >"$TMP/live.yaml"
ip netns exec "$B" "$FW_BIN" sensor -i $IF_B -c "$TMP/live.yaml" -u nobody --no-redis \
    --rules "$TMP/rules" --flows "$TMP/out/flows.json" --alerts "$TMP/out/alerts.json" \
    2>"$TMP/live.err" &
spid=$!
sleep 1.5
uid=$(awk '/^Uid:/ {print $2}' "/proc/$spid/status" 2>/dev/null)
check "-u nobody: the sensor runs as uid $(id -u nobody) (got ${uid:-dead})" \
    [ "${uid:-x}" = "$(id -u nobody)" ]
ip netns exec "$A" tcpreplay -q --pps 50 -i $IF_A "$TMP/before.pcap" >/dev/null 2>&1
sleep 1
# break the rule: an unknown field, so a new rule set would lose FW-TEST-4444
sed -i 's/destination.port: 4444/destination.prot: 4444/' "$TMP/rules/port4444.yaml"
kill -HUP "$spid"
sleep 1
check "SIGHUP with a broken rule logs FILE:LINE:COL" \
    grep -qE "port4444.yaml:[0-9]+:[0-9]+: .*E006" "$TMP/live.err"
check "SIGHUP with a broken rule says the running rules are kept" grep -q 'keeping the running rules' "$TMP/live.err"
ip netns exec "$A" tcpreplay -q --pps 50 -i $IF_A "$TMP/after.pcap" >/dev/null 2>&1
sleep 1
kill -TERM "$spid"
wait "$spid"; rc=$?
check "sensor exits 0 on SIGTERM (rc $rc)" [ "$rc" -eq 0 ]
grep -E '^finwatch: [0-9]' "$TMP/live.err" | sed 's/^/# /'
sum_flows=$(sed -n 's/^finwatch: [0-9]* packets, [0-9]* bytes, \([0-9]*\) flows.*/\1/p' "$TMP/live.err")
sum_alerts=$(sed -n 's/.* \([0-9]*\) alerts in .*/\1/p' "$TMP/live.err")
nf=$(wc -l <"$TMP/out/flows.json" 2>/dev/null) na=$(wc -l <"$TMP/out/alerts.json" 2>/dev/null)
check "SIGTERM flushed every flow ($nf written, summary ${sum_flows:-?})" \
    [ "${nf:-0}" -ge 7 ] && [ "${nf:-0}" -eq "${sum_flows:--1}" ]
check "SIGTERM flushed every alert ($na written, summary ${sum_alerts:-?})" \
    [ "${na:-0}" -eq "${sum_alerts:--1}" ]
check "the old rule still fired after the failed reload" \
    grep -q '"reason":"10.20.7.1[1-4] tried 10.10.0.9:4444"' "$TMP/out/alerts.json"
check "and before it" grep -q '"reason":"10.20.7.[1-3] tried 10.10.0.9:4444"' "$TMP/out/alerts.json"
