#!/usr/bin/env bash
# tests/e2e/test_live_capture.sh: live capture for real. Two private network
# namespaces joined by a veth pair; tcpreplay sends a capture from one side,
# finwatch sensor -i listens on the other and must count every packet. IPv6 and
# addresses stay off on the veths so the kernel adds no traffic of its own.
# Nothing leaves the namespaces. Skips when not root or without ip/tcpreplay.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
    skip "live capture on a veth pair" "needs root, iproute2 and tcpreplay"; exit 0
fi
if ! have_shared; then
    skip "live capture on a veth pair" "../shared/pcaps not present"; exit 0
fi
if ! veth_pair fw$$; then
    skip "live capture on a veth pair" "cannot create network namespaces here"; exit 0
fi
A=$NS_A B=$NS_B

pcap=$PCAPS/attacks/ndpi-synscan.pcap
want=$(python3 - "$pcap" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
e = "<" if b[:4] == b"\xd4\xc3\xb2\xa1" else ">"
off, n = 24, 0
while off + 16 <= len(b):
    off += 16 + struct.unpack(e + "I", b[off+8:off+12])[0]; n += 1
print(n)
PY
)
ip netns exec "$B" "$FW_BIN" sensor -i $IF_B --no-redis --rules rules/detections \
    --flows "$TMP/flows.json" 2>"$TMP/sensor.err" &
spid=$!
sleep 1.5
ip netns exec "$A" tcpreplay -q --pps 4000 -i $IF_A "$pcap" >"$TMP/replay.log" 2>&1
check "tcpreplay sent the capture" grep -q "Successful packets:.*$want" "$TMP/replay.log"
sleep 1
kill -INT "$spid"
wait "$spid"; rc=$?
check "sensor exits 0 on SIGINT" [ "$rc" -eq 0 ]
got=$(sed -n 's/^finwatch: \([0-9]*\) packets.*/\1/p' "$TMP/sensor.err" | tail -1)
check "sensor saw every packet ($got of $want)" [ "${got:-0}" -eq "$want" ]
check "flow records written on SIGINT" [ -s "$TMP/flows.json" ]
