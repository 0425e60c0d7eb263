#!/usr/bin/env bash
# tests/e2e/test_dashboard.sh: the dashboard end to end.
#
# 1. CLI contract: --help, unknown flag (2), non-loopback without a token
#    refused at startup (1).
# 2. If `finwatch sensor` works: the sensor reads an fwgen demo capture into
#    Redis db 0 and the page (chromium --dump-dom, ?live=0) shows its riskiest
#    host and its zones.
# 3. Redis db 1 is filled by hand following DESIGN.md's layout; a second
#    dashboard serves it; headless Chromium checks hosts, zones and alerts in
#    the DOM (--dump-dom with ?live=0: a snapshot page that opens no
#    EventSource, since --dump-dom waits for open requests and an SSE stream
#    never ends).
# 4. The live feed: Chromium is driven over the DevTools protocol (a tiny
#    WebSocket client in python3, standard library only): open the page, wait
#    until the map is drawn and the EventSource is open, PUBLISH an alert to
#    fw:live, and wait until it shows up in the feed without a reload. Then
#    click a host and check the side panel. Screenshots land in
#    $FW_BUILD/test-artifacts/dashboard*.png.
# 5. SIGTERM stops the server cleanly.
. "$(dirname "$0")/lib.sh"

ART=$FW_ROOT/$FW_BUILD/test-artifacts
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
DASH_PIDS=()

# The dashboard: `finwatch dashboard` once wired into fw_main.c, else the
# fwdash test tool (dash_main on its own).
if "$FW_BIN" dashboard --help 2>/dev/null | grep -q -- '--listen'; then
    DASH=("$FW_BIN" dashboard)
elif [ -x "$FW_ROOT/$FW_BUILD/tests/tools/fwdash" ]; then
    DASH=("$FW_ROOT/$FW_BUILD/tests/tools/fwdash")
else
    skip "dashboard" "neither finwatch dashboard nor tests/tools/fwdash is built"
    exit 0
fi

dash_cleanup() {
    local p
    for p in "${DASH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    fw_cleanup
}
trap dash_cleanup EXIT

# dash_start PORT ARGS...: start a dashboard in the background; sets DASH_PID.
dash_start() {
    local port=$1
    shift
    "${DASH[@]}" --listen "127.0.0.1:$port" "$@" 2>>"$TMP/dash.log" &
    DASH_PID=$!
    DASH_PIDS+=("$DASH_PID")
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
        sleep 0.1
    done
    return 1
}

chrome_dom() {
    timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$TMP/chrome.XXXXXX")" --virtual-time-budget=5000 \
        --dump-dom "$1" 2>/dev/null
}

# seed_map PORT: fill the Redis layout of DESIGN.md by hand (what the exporter writes)
seed_map() {
    local p=$1 now
    now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
    r() { redis-cli -p "$p" "$@" >/dev/null; }
    r ZADD fw:map:hosts 95.5 10.1.0.5 72 10.2.0.9 45 10.2.0.10 12 203.0.113.7
    r ZADD fw:map:edges 30 "10.1.0.5>10.2.0.9" 12 "203.0.113.7>10.1.0.5"
    r HSET fw:host:10.1.0.5 score 95.5 zone payments first_seen "$now" last_seen "$now" alerts 7 \
        alerts_critical 2 alerts_high 5 top_rules '[{"rule":"FW-LAT-001","count":5}]' \
        top_apps '[{"app":"SMBv23","count":9},{"app":"RDP","count":2}]'
    r HSET fw:host:10.2.0.9 score 72 zone corp alerts 3 top_apps '[]'
    r HSET fw:host:10.2.0.10 score 45 zone corp alerts 1
    r HSET fw:host:203.0.113.7 score 12 zone external alerts 1
    r HSET fw:zone:payments score 95.5 trend 4.2 forecast 99.7 alerts_low 0 alerts_medium 1 \
        alerts_high 5 alerts_critical 2
    r HSET fw:zone:corp score 117 trend -1.5 forecast 115 alerts_low 1 alerts_medium 2 \
        alerts_high 0 alerts_critical 0
    r ZADD fw:zone:payments:trend 60 1700000000 80 1700000300 95.5 1700000600
    r HSET fw:sensor:s1 version 0.1.0 uptime 120 pps 1520.5 bps 9000000 drops 3 flows 420 \
        ruleset abc123 updated "$now" counters '{"pkt_truncated":1}'
    r EXPIRE fw:sensor:s1 30
    r XADD fw:alerts '*' id a-001 ts "$now" sensor s1 rule FW-LAT-001 severity 85 score 30 \
        analyzer lateral src 10.1.0.5 dst 10.2.0.9 \
        json '{"event":{"id":"a-001","reason":"SMB to 14 hosts in 60s"},"rule":{"id":"FW-LAT-001","name":"Lateral SMB"}}'
    r XADD fw:alerts '*' id a-002 ts "$now" sensor s1 rule FW-TI-002 severity 95 score 40 \
        analyzer threat_intel src 203.0.113.7 dst 10.1.0.5 json 'not json <script>'
}

# ------------------------------------------------------------------ 1. CLI
"${DASH[@]}" --help >"$TMP/help" 2>&1
check "--help exits 0" [ $? -eq 0 ]
check "--help describes every flag" bash -c 'for f in --redis --prefix --listen --token \
    --max-clients "-c FILE"; do grep -q -- "$f" "$1" || exit 1; done' _ "$TMP/help"
"${DASH[@]}" --bogus >/dev/null 2>&1
check "unknown flag exits 2" [ $? -eq 2 ]
env -u FINWATCH_DASHBOARD_TOKEN "${DASH[@]}" --listen "0.0.0.0:$(free_port)" \
    --redis redis://127.0.0.1:1/0 >/dev/null 2>"$TMP/open.err"
rc=$?
check "non-loopback listen without a token is refused (exit 1)" [ $rc -eq 1 ]
check "the refusal names the token" grep -q token "$TMP/open.err"

if ! redis_start; then
    nok "redis-server starts"
    exit 0
fi
have_chrome=1
[ -x "$CHROMIUM" ] || have_chrome=0

# -------------------------------------------------- 2. real sensor output
GEN=$FW_ROOT/$FW_BUILD/tests/tools/fwgen
if [ -x "$GEN" ] && "$FW_BIN" sensor --help >/dev/null 2>&1 &&
   "$GEN" demo "$TMP/demo.pcap" >/dev/null 2>&1; then
    sed "s#/var/lib/finwatch/spool#$TMP/spool#" "$FW_ROOT/configs/finwatch.yaml" >"$TMP/fw.yaml"
    (cd "$FW_ROOT" && "$FW_BIN" sensor -r "$TMP/demo.pcap" -c "$TMP/fw.yaml" \
        --rules rules/detections --redis "$REDIS_URL" >/dev/null 2>"$TMP/sensor.log")
    top=$(rcli ZREVRANGE fw:map:hosts 0 0)
    if [ -n "$top" ]; then
        P1=$(free_port)
        dash_start "$P1" --redis "$REDIS_URL"
        check "sensor data: /api/map lists the riskiest host $top" \
            grep -qF "\"ip\":\"$top\"" <(curl -s "http://127.0.0.1:$P1/api/map")
        if [ $have_chrome = 1 ]; then
            chrome_dom "http://127.0.0.1:$P1/?live=0" >"$TMP/demo.html"
            check "sensor data: page draws host $top" grep -qF "data-ip=\"$top\"" "$TMP/demo.html"
            zone=$(rcli --scan --pattern 'fw:zone:*' | grep -v ':trend$' | head -1)
            zone=${zone#fw:zone:}
            check "sensor data: page shows zone $zone" \
                grep -qF "data-zone=\"$zone\"" "$TMP/demo.html"
            mkdir -p "$ART"
            timeout 90 python3 "$(dirname "$0")/cdp_drive.py" shot "http://127.0.0.1:$P1/" "$REDIS_PORT" "$ART"
        fi
    else
        skip "sensor data on the dashboard" "the sensor wrote no threat map"
    fi
else
    skip "sensor data on the dashboard" "finwatch sensor or fwgen not available"
fi

# ------------------------------------------------- 3. hand-filled layout
seed_map_db() { redis-cli() { command redis-cli -n 1 "$@"; }; seed_map "$REDIS_PORT"; unset -f redis-cli; }
seed_map_db
P2=$(free_port)
URL1="redis://127.0.0.1:$REDIS_PORT/1"
check "dashboard starts on 127.0.0.1:$P2" dash_start "$P2" --redis "$URL1"
curl -s -D "$TMP/h" -o "$TMP/map.json" "http://127.0.0.1:$P2/api/map"
check "/api/map is JSON with host 10.1.0.5" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
h = {x["ip"]: x for x in m["hosts"]}
assert h["10.1.0.5"]["severity"] == "critical" and h["10.1.0.5"]["zone"] == "payments"
assert {z["name"] for z in m["zones"]} == {"corp", "payments"}
assert any(e["src"] == "10.1.0.5" and e["dst"] == "10.2.0.9" for e in m["edges"])' "$TMP/map.json"
check "security headers on /api" bash -c 'grep -qi "^Content-Security-Policy: default-src .self.; frame-ancestors .none." "$1" &&
    grep -qi "^X-Frame-Options: DENY" "$1" && grep -qi "^X-Content-Type-Options: nosniff" "$1" &&
    grep -qi "^Referrer-Policy: no-referrer" "$1" && grep -qi "^Cache-Control: no-store" "$1"' _ "$TMP/h"
check "bad host parameter is 400" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$P2/api/host/10.1.0.x")" = 400 ]
check "POST is 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    "http://127.0.0.1:$P2/api/map")" = 405 ]
P3=$(free_port)
dash_start "$P3" --redis "$URL1" --token s3cret
check "with --token: no header is 401" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$P3/api/map")" = 401 ]
check "with --token: wrong token is 401" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Authorization: Bearer nope' "http://127.0.0.1:$P3/api/map")" = 401 ]
check "with --token: right token is 200" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$P3/api/map")" = 200 ]

if [ $have_chrome = 0 ]; then
    skip "browser checks" "no $CHROMIUM"
else
    chrome_dom "http://127.0.0.1:$P2/?live=0" >"$TMP/dom.html"
    for ip in 10.1.0.5 10.2.0.9 10.2.0.10 203.0.113.7; do
        check "page draws host $ip" grep -qF "data-ip=\"$ip\"" "$TMP/dom.html"
    done
    for z in payments corp external; do
        check "page shows zone $z" grep -qF "data-zone=\"$z\"" "$TMP/dom.html"
    done
    for r in FW-LAT-001 FW-TI-002; do
        check "feed shows alert $r" grep -qF "data-rule=\"$r\"" "$TMP/dom.html"
    done
    check "feed shows the alert reason" grep -qF "SMB to 14 hosts in 60s" "$TMP/dom.html"
    check "untrusted record text is not markup" bash -c '! grep -q "<script>" "$1"' _ "$TMP/dom.html"
    chrome_dom "http://127.0.0.1:$P3/?live=0&token=s3cret" >"$TMP/dom-token.html"
    check "page with ?token= loads data from a token server" \
        grep -qF 'data-ip="10.1.0.5"' "$TMP/dom-token.html"
    # ------------------------------------------------ 4. live feed, shots
    mkdir -p "$ART"
    timeout 120 python3 "$(dirname "$0")/cdp_drive.py" live "http://127.0.0.1:$P2/" "$REDIS_PORT" "$ART"
    [ $? -eq 0 ] || nok "browser driver finished"
fi

# --------------------------------------------------------------- 5. stop
kill -TERM "$DASH_PID"
for _ in $(seq 50); do kill -0 "$DASH_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DASH_PID" 2>/dev/null; then
    nok "SIGTERM stops the dashboard within 5 s"
else
    wait "$DASH_PID"
    check "SIGTERM stops the dashboard cleanly (exit 0)" [ $? -eq 0 ]
fi
