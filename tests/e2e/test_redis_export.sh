#!/usr/bin/env bash
# tests/e2e/test_redis_export.sh: the sensor's exporter against a private
# redis-server: every documented key has its type after a run on the attack
# captures, the stream holds one entry per alert line (updates included), a
# second run over the same capture adds nothing (stable ids, idempotent
# transaction), a run while Redis is down spools and the next run replays it
# exactly once, and JSON lines stay valid JSON on the hostile captures.
. "$(dirname "$0")/lib.sh"

if ! have_shared; then skip "redis export" "no shared pcaps"; exit 0; fi
if ! command -v redis-server >/dev/null; then skip "redis export" "no redis-server"; exit 0; fi
if [ ! -x "$FW_BIN" ]; then nok "finwatch binary built ($FW_BIN)"; exit 0; fi

json_ok() {     # json_ok FILE: every line parses
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$1"
}
cfg() {         # cfg FILE SPOOL: a config naming the sensor and its spool
    printf 'sensor: {id: e2e}\nredis: {spool_dir: %s}\n' "$2" >"$1"
}
enforce_lines() { grep -c '"mode":"enforce"' "$1" || true; }

redis_start || { nok "redis-server starts"; exit 0; }
cfg "$TMP/c.yaml" "$TMP/spool"
"$FW_BIN" sensor -r "$PCAPS/attacks" -c "$TMP/c.yaml" --redis "$REDIS_URL" \
    --alerts "$TMP/a.jsonl" --flows "$TMP/f.jsonl" >"$TMP/out" 2>&1
check "sensor run on attacks succeeds" [ $? -eq 0 ]
check "alerts JSON lines are valid JSON" json_ok "$TMP/a.jsonl"
check "flows JSON lines are valid JSON" json_ok "$TMP/f.jsonl"
n=$(enforce_lines "$TMP/a.jsonl")
check "the attack captures raise alerts" [ "$n" -gt 0 ]
check "fw:alerts is a stream" [ "$(rcli TYPE fw:alerts)" = stream ]
check "one stream entry per alert line ($n)" [ "$(rcli XLEN fw:alerts)" = "$n" ]
check "fw:map:hosts is a zset" [ "$(rcli TYPE fw:map:hosts)" = zset ]
check "fw:map:edges is a zset" [ "$(rcli TYPE fw:map:edges)" = zset ]
host=$(rcli ZREVRANGE fw:map:hosts 0 0)
check "fw:host:<top host> is a hash" [ "$(rcli TYPE "fw:host:$host")" = hash ]
ttl=$(rcli TTL "fw:host:$host")
check "fw:host:<ip> expires within 7 d" [ "$ttl" -gt 0 -a "$ttl" -le 604800 ]
check "fw:host:<ip> has top_rules JSON" \
    python3 -c 'import json,sys; assert json.loads(sys.argv[1])' "$(rcli HGET "fw:host:$host" top_rules)"
zone=$(rcli HGET "fw:host:$host" zone)
check "fw:zone:<name> is a hash" [ "$(rcli TYPE "fw:zone:$zone")" = hash ]
check "fw:zone:<name>:trend is a zset" [ "$(rcli TYPE "fw:zone:$zone:trend")" = zset ]
check "fw:sensor:e2e is a hash" [ "$(rcli TYPE fw:sensor:e2e)" = hash ]
ttl=$(rcli TTL fw:sensor:e2e)
check "fw:sensor:e2e expires within 30 s" [ "$ttl" -gt 0 -a "$ttl" -le 30 ]
check "stream entries carry the alert JSON" \
    python3 -c 'import json,sys; json.loads(sys.argv[1])' "$(rcli XRANGE fw:alerts - + COUNT 1 | grep '^{' | head -1)"

# the same capture again: stable ids, nothing added
"$FW_BIN" sensor -r "$PCAPS/attacks" -c "$TMP/c.yaml" --redis "$REDIS_URL" >/dev/null 2>&1
check "a replayed capture adds no stream entry" [ "$(rcli XLEN fw:alerts)" = "$n" ]

# Redis down: alerts spool; next run replays them exactly once
rcli FLUSHALL >/dev/null
port=$REDIS_PORT
redis_stop
"$FW_BIN" sensor -r "$PCAPS/attacks" -c "$TMP/c.yaml" --redis "$REDIS_URL" >"$TMP/out2" 2>&1
check "run with Redis down still succeeds" [ $? -eq 0 ]
check "the spool holds segments" [ -n "$(ls "$TMP/spool"/seg-*.fws 2>/dev/null)" ]
mkdir -p "$TMP/redis"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP/redis" \
    >/dev/null 2>&1 &
REDIS_PID=$!
for _ in $(seq 50); do rcli PING >/dev/null 2>&1 && break; sleep 0.1; done
quiet=$(ls "$PCAPS"/encap/*.pcap | head -1)
"$FW_BIN" sensor -r "$quiet" -c "$TMP/c.yaml" --redis "$REDIS_URL" >/dev/null 2>&1
check "spooled alerts replayed once each ($n)" [ "$(rcli XLEN fw:alerts)" = "$n" ]
check "the spool is empty after replay" [ -z "$(ls "$TMP/spool"/seg-*.fws 2>/dev/null)" ]

# hostile captures: records stay valid JSON
"$FW_BIN" sensor -r "$PCAPS/hostile" -c "$TMP/c.yaml" --no-redis --alerts "$TMP/ha.jsonl" \
    --flows "$TMP/hf.jsonl" >/dev/null 2>&1
check "hostile captures: flow lines are valid JSON" json_ok "$TMP/hf.jsonl"
check "hostile captures: alert lines are valid JSON" json_ok "$TMP/ha.jsonl"
