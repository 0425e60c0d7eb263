#!/usr/bin/env bash
# tests/e2e/test_aggregate.sh: several agent sensors, one central aggregator,
# against a private redis-server. Two agents (s1, s2) read the same scan
# capture and s2 also a brute-force capture; an aggregator is killed -9 in the
# middle of a batch (written, not acknowledged) and a second one takes over the
# pending entries with XAUTOCLAIM. Afterwards: every alert (id, update) is in
# fw:alerts exactly once, the scanner's score equals a single sensor's score
# (not double), fw:host:<ip> lists both sensors, and agents wrote no map keys.
. "$(dirname "$0")/lib.sh"

if ! command -v redis-server >/dev/null; then skip "aggregate" "no redis-server"; exit 0; fi
if [ ! -x "$FW_BIN" ]; then nok "finwatch binary built ($FW_BIN)"; exit 0; fi
FWGEN=${FWGEN:-$FW_ROOT/$FW_BUILD/tests/tools/fwgen}
if [ ! -x "$FWGEN" ]; then nok "fwgen built ($FWGEN)"; exit 0; fi
RULES=$FW_ROOT/rules/detections
SCANNER=10.20.3.77
BRUTE=198.51.100.23

# distinct (id, update) pairs and duplicates in a stream: "distinct dups"
pairs() {
    rcli --raw EVAL "local t, n, d = {}, 0, 0
        for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
            local f, id, u = e[2], '', '0'
            for i = 1, #f, 2 do
                if f[i] == 'id' then id = f[i+1] elseif f[i] == 'update' then u = f[i+1] end
            end
            if t[id .. ':' .. u] then d = d + 1 else t[id .. ':' .. u] = 1; n = n + 1 end
        end
        return n .. ' ' .. d" 1 "$1"
}
lag() {         # entries of fw:ingest not yet delivered + delivered but not acked
    local pending last
    pending=$(rcli XPENDING fw:ingest aggregators | head -1)
    last=$(rcli XINFO STREAM fw:ingest | sed -n '/^last-generated-id$/{n;p}')
    delivered=$(rcli XINFO GROUPS fw:ingest | sed -n '/^last-delivered-id$/{n;p}')
    if [ "$last" = "$delivered" ]; then echo "$pending"; else echo "more"; fi
}
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 0 && d <= a * 0.01) }'; }

# usage
"$FW_BIN" aggregate --bogus >/dev/null 2>&1
check "aggregate: unknown option exits 2" [ $? -eq 2 ]
"$FW_BIN" aggregate --count 0 >/dev/null 2>&1
check "aggregate: --count 0 exits 2" [ $? -eq 2 ]
"$FW_BIN" aggregate --help | grep -q "consumer group"
check "aggregate --help describes the consumer group" [ $? -eq 0 ]
printf 'redis: {mode: bogus}\n' >"$TMP/bad.yaml"
"$FW_BIN" sensor -r /dev/null -c "$TMP/bad.yaml" --no-redis >"$TMP/bad.out" 2>&1
check "redis.mode: bogus is refused with the key's position" grep -q "bad.yaml:1:.*'local' or 'agent'" "$TMP/bad.out"

"$FWGEN" scan_horizontal "$TMP/scan.pcap" 2>/dev/null && "$FWGEN" bruteforce_ssh "$TMP/brute.pcap" 2>/dev/null
check "fwgen writes the captures" [ -s "$TMP/scan.pcap" -a -s "$TMP/brute.pcap" ]
redis_start || { nok "redis-server starts"; exit 0; }
DB1="redis://127.0.0.1:$REDIS_PORT/1"

# baseline: one sensor in the default local mode (db 1)
printf 'redis: {spool_dir: %s}\n' "$TMP/sp0" >"$TMP/local.yaml"
"$FW_BIN" sensor -r "$TMP/scan.pcap" -c "$TMP/local.yaml" --rules "$RULES" --redis "$DB1" \
    --sensor-id solo --no-summary >/dev/null 2>&1
solo=$(rcli -n 1 ZSCORE fw:map:hosts "$SCANNER")
check "baseline: a local sensor scores the scanner ($solo)" [ -n "$solo" ]

# agents: s1 by flag, s2 by config
printf 'redis: {spool_dir: %s}\n' "$TMP/sp1" >"$TMP/s1.yaml"
printf 'redis: {mode: agent, spool_dir: %s}\n' "$TMP/sp2" >"$TMP/s2.yaml"
"$FW_BIN" sensor -r "$TMP/scan.pcap" -c "$TMP/s1.yaml" --agent --sensor-id s1 --rules "$RULES" \
    --redis "$REDIS_URL" --no-summary >/dev/null 2>&1
check "agent s1 runs" [ $? -eq 0 ]
for p in scan brute; do
    "$FW_BIN" sensor -r "$TMP/$p.pcap" -c "$TMP/s2.yaml" --sensor-id s2 --rules "$RULES" \
        --redis "$REDIS_URL" --no-summary >/dev/null 2>&1
done
read -r ingest_n ingest_dup <<<"$(pairs fw:ingest)"
check "agents fill fw:ingest ($ingest_n alerts)" [ "${ingest_n:-0}" -gt 0 ]
check "agents write no fw:alerts" [ "$(rcli EXISTS fw:alerts)" = 0 ]
check "agents write no map keys" [ "$(rcli EXISTS fw:map:hosts "fw:host:$SCANNER")" = 0 ]

# aggregator A dies in the middle of a batch
total=$(rcli XLEN fw:ingest)
half=$((total / 2 + 3))
"$FW_BIN" aggregate --redis "$REDIS_URL" --consumer A --count 7 --test-stall-after "$half" \
    >"$TMP/A.out" 2>&1 &
apid=$!
for _ in $(seq 100); do grep -q "test stall" "$TMP/A.out" && break; sleep 0.1; done
kill -9 "$apid" 2>/dev/null; wait "$apid" 2>/dev/null
pend=$(rcli XPENDING fw:ingest aggregators | head -1)
check "killed aggregator left entries pending ($pend)" [ "${pend:-0}" -gt 0 ]
check "killed aggregator had written part of fw:alerts" [ "$(rcli XLEN fw:alerts)" -gt 0 ]

# aggregator B takes over
"$FW_BIN" aggregate --redis "$REDIS_URL" --consumer B --claim-idle 300 -v >"$TMP/B.out" 2>&1 &
bpid=$!
for _ in $(seq 150); do [ "$(lag)" = 0 ] && break; sleep 0.1; done
check "aggregator B drains fw:ingest (nothing pending)" [ "$(lag)" = 0 ]
kill -TERM "$bpid"; wait "$bpid"
check "aggregator B stops cleanly on SIGTERM" [ $? -eq 0 ]
check "aggregator B claimed the dead consumer's entries" grep -Eq "[1-9][0-9]* claimed" "$TMP/B.out"
read -r alerts_n alerts_dup <<<"$(pairs fw:alerts)"
check "every ingest alert is in fw:alerts ($alerts_n of $ingest_n)" [ "$alerts_n" = "$ingest_n" ]
check "no alert twice in fw:alerts" [ "$alerts_dup" = 0 ]
agg=$(rcli ZSCORE fw:map:hosts "$SCANNER")
check "scanner's score is one sensor's ($agg vs $solo), not double" close "$solo" "$agg"
sensors=$(rcli HGET "fw:host:$SCANNER" sensors)
check "fw:host:$SCANNER lists both sensors ($sensors)" [ "$sensors" = '["s1","s2"]' ]
check "fw:host:$BRUTE (s2 only) is on the map" [ -n "$(rcli ZSCORE fw:map:hosts "$BRUTE")" ]
check "fw:host:$BRUTE lists s2" [ "$(rcli HGET "fw:host:$BRUTE" sensors)" = '["s2"]' ]
check "fw:host:$SCANNER has the map fields" [ -n "$(rcli HGET "fw:host:$SCANNER" top_rules)" ]

# a replay of everything by a fresh group member adds nothing
rcli XGROUP SETID fw:ingest aggregators 0 >/dev/null
"$FW_BIN" aggregate --redis "$REDIS_URL" --consumer C >"$TMP/C.out" 2>&1 &
cpid=$!
for _ in $(seq 100); do [ "$(lag)" = 0 ] && break; sleep 0.1; done
kill -INT "$cpid"; wait "$cpid"
read -r n2 d2 <<<"$(pairs fw:alerts)"
check "replaying fw:ingest adds nothing ($n2 == $alerts_n, $d2 dups)" [ "$n2" = "$alerts_n" -a "$d2" = 0 ]
agg2=$(rcli ZSCORE fw:map:hosts "$SCANNER")
check "replay leaves the score ($agg2)" close "$solo" "$agg2"
