#!/usr/bin/env bash
# tests/tools/demo.sh (make demo): a private redis-server on a free loopback
# port, the sensor on a generated capture with the default config and rules,
# then a readable summary of the threat map. Stops the redis-server it started
# unless FW_DEMO_KEEP=1 (then it waits for Enter so you can explore).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"    # before the cd: path is relative
cd "$(dirname "$0")/../.."
BUILD=${FW_BUILD:-build}
BIN=$BUILD/finwatch
GEN=$BUILD/tests/tools/fwgen
WORK=$(mktemp -d /tmp/finwatch-demo.XXXXXX)
REDIS_PID=""
cleanup() {
    if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else echo "$*"; fi; }

port=$(free_port)
bold "1. private redis-server on 127.0.0.1:$port (data in $WORK)"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
    >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
R() { redis-cli -p "$port" "$@"; }

bold "2. generating the demo capture (tests/tools/fwgen demo)"
"$GEN" demo "$WORK/demo.pcap" >/dev/null
ls -l "$WORK/demo.pcap" | awk '{print "   " $5 " bytes"}'

bold "3. finwatch sensor -r demo.pcap -c configs/finwatch.yaml --redis redis://127.0.0.1:$port/0"
mkdir -p "$WORK/spool"
sed "s#/var/lib/finwatch/spool#$WORK/spool#" configs/finwatch.yaml >"$WORK/finwatch.yaml"
"$BIN" sensor -r "$WORK/demo.pcap" -c "$WORK/finwatch.yaml" --rules rules/detections \
    --redis "redis://127.0.0.1:$port/0" --alerts "$WORK/alerts.jsonl" --flows "$WORK/flows.jsonl"

echo
bold "4. the threat map"
echo "Top hosts by risk score (fw:map:hosts):"
R --raw ZREVRANGE fw:map:hosts 0 9 WITHSCORES | paste - - | while read -r host score; do
    zone=$(R --raw HGET "fw:host:$host" zone)
    printf '  %-18s score %7.1f  zone %-13s\n' "$host" "$score" "${zone:-?}"
    python3 - "$WORK/alerts.jsonl" "$host" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a.get("source", {}).get("ip") != sys.argv[2] and a.get("destination", {}).get("ip") != sys.argv[2]:
        continue
    key = a["rule"]["id"]
    if key in seen:
        continue
    seen.add(key)
    print("      %-3s %-22s %s" % (a["event"]["severity"], a["rule"]["id"], a["event"]["reason"][:90]))
PY
done
echo
echo "Zones (fw:zone:<name>):"
for key in $(R --raw --scan --pattern 'fw:zone:*' | grep -v ':trend$' | sort); do
    printf '  %-14s score %-8s alerts low/med/high/crit: %s/%s/%s/%s\n' "${key#fw:zone:}" \
        "$(R --raw HGET "$key" score)" "$(R --raw HGET "$key" alerts_low)" \
        "$(R --raw HGET "$key" alerts_medium)" "$(R --raw HGET "$key" alerts_high)" \
        "$(R --raw HGET "$key" alerts_critical)"
done
echo
echo "Alerts by severity (fw:alerts stream, $(R XLEN fw:alerts) entries):"
python3 - "$WORK/alerts.jsonl" <<'PY'
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    s = json.loads(line)["event"]["severity"]
    c["critical" if s >= 90 else "high" if s >= 70 else "medium" if s >= 40 else "low"] += 1
for k in ("critical", "high", "medium", "low"):
    print("  %-9s %d" % (k, c[k]))
PY
echo
bold "5. why did an alert fire? (finwatch rules explain --last)"
"$BIN" rules explain --last --alerts "$WORK/alerts.jsonl" -c "$WORK/finwatch.yaml" \
    --rules rules/detections 2>&1 | sed 's/^/   /' | head -24
echo
bold "6. look for yourself (while the demo runs)"
cat <<EOT
  redis-cli -p $port ZREVRANGE fw:map:hosts 0 9 WITHSCORES   # risky hosts
  redis-cli -p $port XREVRANGE fw:alerts + - COUNT 5          # latest alerts
  redis-cli -p $port HGETALL fw:host:10.20.5.5                # one host
  redis-cli -p $port SUBSCRIBE fw:live                        # live alerts
(all keys: docs/redis.md)
EOT
echo
dport=$(free_port)
bold "7. the dashboard: http://127.0.0.1:$dport/"
"$BIN" dashboard --redis "redis://127.0.0.1:$port/0" --listen "127.0.0.1:$dport" &
DASH_PID=$!
trap 'kill $DASH_PID 2>/dev/null; wait $DASH_PID 2>/dev/null; cleanup' EXIT
for _ in $(seq 30); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$dport/api/map', timeout=1)" \
        2>/dev/null && break
    sleep 0.2
done
python3 - "$dport" <<'PY'
import json, sys, urllib.request
m = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/map" % sys.argv[1], timeout=5))
print("   /api/map: %d zones, %d hosts, %d edges" % (len(m.get("zones", [])), len(m.get("hosts", [])), len(m.get("edges", []))))
PY
if [ -t 0 ] && [ -t 1 ]; then
    echo "   Open http://127.0.0.1:$dport/ in a browser (ssh -L $dport:127.0.0.1:$dport to reach it"
    echo "   from your desktop). Press Ctrl-C to stop the dashboard and the demo redis-server."
    wait "$DASH_PID" || true
fi
bold "stopping the dashboard and the demo redis-server"
