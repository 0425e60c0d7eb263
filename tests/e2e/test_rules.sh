#!/usr/bin/env bash
# tests/e2e/test_rules.sh: `finwatch rules` end to end: the shipped pack lints clean,
# a broken file fails lint with FILE:LINE:COL, `rules test` runs the real sensor on
# a shared capture and compares alerts, `rules explain` finds an alert it wrote.
. "$(dirname "$0")/lib.sh"
cd "$FW_ROOT" || exit 1

out=$("$FW_BIN" rules lint rules/detections 2>&1); rc=$?
check "default pack lints clean" [ "$rc" -eq 0 ]
check "lint counts errors" grep -q " 0 errors" <<<"$out"

out=$("$FW_BIN" rules lint tests/rules/cases/e006_unknown_field.yaml 2>&1); rc=$?
check "broken rule fails lint" [ "$rc" -eq 1 ]
check "lint error is FILE:LINE:COL [E006]" \
    grep -q "e006_unknown_field.yaml:4:3: error: .*\[E006\]" <<<"$out"

pcap=$PCAPS/attacks/ndpi-synscan.pcap
if ! have_shared || [ ! -e "$pcap" ]; then
    skip "rules test on a capture" "shared captures not found"
    exit 0
fi
cat >"$TMP/r.yaml" <<'YAML'
id: FW-E2E-REMOTE
title: Telnet or RDP seen
event: flow_classified
dedup: 0
match:
  ndpi.protocol|in: [Telnet, RDP]
---
id: FW-E2E-REMOTE-DEDUP
title: Telnet or RDP seen, one alert per pair and hour
event: flow_classified
match:
  ndpi.protocol|in: [Telnet, RDP]
---
id: FW-E2E-NEVER
title: never fires
match:
  ndpi.protocol: NoSuchProtocol
YAML
printf 'FW-E2E-REMOTE 172.16.0.8 4\nFW-E2E-REMOTE-DEDUP 172.16.0.8 1\nFW-E2E-NEVER * 0\n' >"$TMP/ok.txt"
printf 'FW-E2E-REMOTE 172.16.0.8 1\n' >"$TMP/bad.txt"
out=$("$FW_BIN" rules test "$TMP/r.yaml" --pcap "$pcap" --expect "$TMP/ok.txt" 2>&1); rc=$?
check "rules test passes on the right expectation" [ "$rc" -eq 0 ]
out=$("$FW_BIN" rules test "$TMP/r.yaml" --pcap "$pcap" --expect "$TMP/bad.txt" 2>&1); rc=$?
check "rules test fails on a wrong count" [ "$rc" -eq 1 ]
check "rules test prints the diff" grep -q "^+FW-E2E-REMOTE 172.16.0.8 4" <<<"$out"

"$FW_BIN" sensor -r "$pcap" --rules "$TMP/r.yaml" --no-redis --alerts "$TMP/alerts.json" -q \
    2>/dev/null
out=$("$FW_BIN" rules explain --last --alerts "$TMP/alerts.json" --rules "$TMP/r.yaml" 2>&1)
rc=$?
check "rules explain --last exits 0" [ "$rc" -eq 0 ]
check "rules explain shows the reason" grep -q "^reason " <<<"$out"
id=$(grep -o '"id":"[0-9a-f]\{16\}"' "$TMP/alerts.json" | head -1 | cut -d'"' -f4)
out=$("$FW_BIN" rules explain "$id" --alerts "$TMP/alerts.json" --rules "$TMP/r.yaml" 2>&1)
check "rules explain finds an alert by id" grep -q "^alert      $id" <<<"$out"
