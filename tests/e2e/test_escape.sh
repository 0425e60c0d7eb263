#!/usr/bin/env bash
# tests/e2e/test_escape.sh: strings an attacker puts in packets (DNS names, HTTP
# Host, URL, User-Agent) carrying quotes, backslashes, control bytes, NUL, invalid
# UTF-8, U+2028 and very long values must come out as valid JSON everywhere: the
# --flows and --alerts files, every field of the fw:alerts Redis stream, and the
# log. Two test rules copy those strings into alert reasons on purpose.
. "$(dirname "$0")/lib.sh"

python3 - "$TMP/hostile.pcap" <<'PY'
import struct, sys

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ip(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\0\x11\x22\x33\x44\x55\0\x66\x77\x88\x99\xaa\x08\x00" + h + l4

def udp(src, dst, sp, dp, data):
    return ip(src, dst, 17, struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data)

def tcp(src, dst, sp, dp, seq, ack, flags, data=b""):
    return ip(src, dst, 6, struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags,
                                       65535, 0, 0) + data)

def qname(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"

HOSTILE = [b'q"uote', b"back\\slash", b"ctl\x01\x1f\x7f", b"nul\x00byte", b"bad\xff\xfe\xc0\xaf",
           b"ls\xe2\x80\xa8ps\xe2\x80\xa9", b"dot.in.label", b"</script><b>", b"evil"]
names = [[h, b"evil", b"example"] for h in HOSTILE]
names.append([b"x" * 63, b"y" * 63, b"z" * 63, b"w" * 53, b"evil"])      # 250 chars
names.append([b"\"\\\x00\n\r\t" * 10, b"evil"])
CLI, SRV, DNS = [10, 20, 1, 5], [10, 10, 0, 80], [10, 10, 0, 53]
pk, t = [], 1700000000.0
for i, n in enumerate(names):
    q = struct.pack("!HHHHHH", 0x1000 + i, 0x0100, 1, 0, 0, 0) + qname(n) + b"\0\x01\0\x01"
    r = struct.pack("!HHHHHH", 0x1000 + i, 0x8183, 1, 0, 0, 0) + qname(n) + b"\0\x01\0\x01"
    pk.append((t, udp(CLI, DNS, 40000 + i, 53, q))); t += 0.001
    pk.append((t, udp(DNS, CLI, 53, 40000 + i, r))); t += 0.1
HTTP = [(b'evil"host\\', b'/a"b\\c\x01d?x=\xff\xfe', b'Mozilla "x" \\ \x07'),
        (b"evil\xe2\x80\xa8host", b"/\xe2\x80\xa9" + b"%22" * 10, b"UA\xc3\x28\xa0\xa1"),
        (b"evil.example", b"/" + b"A\"\\" * 700, b"B\\\"" * 1500),
        (b"evil\x1b[31mred", b"/\r\x1b]0;title\x07", b"\x00\x01\x02 nul ua")]
for i, (host, url, ua) in enumerate(HTTP):
    sp = 50000 + i
    req = b"GET " + url + b" HTTP/1.1\r\nHost: " + host + b"\r\nUser-Agent: " + ua + \
          b"\r\nAccept: */*\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nServer: x\"\\\x01\r\nContent-Length: 0\r\n\r\n"
    s = [(CLI, SRV, sp, 80, 1000, 0, 0x02, b""), (SRV, CLI, 80, sp, 5000, 1001, 0x12, b""),
         (CLI, SRV, sp, 80, 1001, 5001, 0x10, b""), (CLI, SRV, sp, 80, 1001, 5001, 0x18, req),
         (SRV, CLI, 80, sp, 5001, 1001 + len(req), 0x18, resp),
         (CLI, SRV, sp, 80, 1001 + len(req), 5001 + len(resp), 0x11, b""),
         (SRV, CLI, 80, sp, 5001 + len(resp), 1002 + len(req), 0x11, b""),
         (CLI, SRV, sp, 80, 1002 + len(req), 5002 + len(resp), 0x10, b"")]
    for a in s:
        pk.append((t, tcp(*a))); t += 0.01
    t += 1
out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
for ts, f in pk:
    out.append(struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(f), len(f)) + f)
open(sys.argv[1], "wb").write(b"".join(out))
PY
mkdir -p "$TMP/rules"
cat >"$TMP/rules/escape.yaml" <<'YAML'
id: FW-TEST-ESC-DNS
title: Test rule that echoes hostile DNS names
description: Copies the queried name into the reason so escaping is exercised.
severity: low
event: dns
match:
  dns.question.name|contains: evil
reason: "dns name {dns.question.name} from {source.ip}"
---
id: FW-TEST-ESC-HTTP
title: Test rule that echoes hostile HTTP headers
description: Copies Host, URL and User-Agent into the reason.
severity: low
event: flow_end
match:
  http.host|contains: evil
reason: "host {http.host} url {url.original} ua {user_agent.original}"
YAML

if ! redis_start; then
    nok "redis-server starts"; exit 0
fi
timeout 120 "$FW_BIN" sensor -r "$TMP/hostile.pcap" --rules "$TMP/rules" --redis "$REDIS_URL" \
    --flows "$TMP/flows.json" --alerts "$TMP/alerts.json" -v -v >"$TMP/out" 2>"$TMP/err"
rc=$?
check "sensor exits 0 on hostile strings (rc $rc)" [ "$rc" -eq 0 ]
grep '^finwatch:' "$TMP/err" | tail -1 | sed 's/^/# /'

# valid_jsonl FILE MIN: every line is strict UTF-8 JSON (no raw control bytes,
# no raw U+2028/2029) and there are at least MIN lines
valid_jsonl() {
    python3 - "$1" "$2" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
lines = [l for l in raw.split(b"\n") if l]
for i, l in enumerate(lines):
    try:
        s = l.decode("utf-8")          # strict: invalid UTF-8 from packets must not leak
        json.loads(s)                  # strict: raw control characters are rejected
    except Exception as e:
        print("# line %d: %s: %r" % (i + 1, e, l[:120])); sys.exit(1)
    if "\u2028" in s or "\u2029" in s:
        print("# line %d: raw U+2028/U+2029 (breaks JavaScript consumers)" % (i + 1)); sys.exit(1)
sys.exit(0 if len(lines) >= int(sys.argv[2]) else 1)
PY
}
check "every flow record is valid JSON" valid_jsonl "$TMP/flows.json" 15
# the test rules deduplicate per source/destination pair: one alert each
check "every alert record is valid JSON" valid_jsonl "$TMP/alerts.json" 2

# The hostile characters must survive escaping (decoded), not be silently dropped.
check "hostile names and headers reach the records intact, decoded" \
    python3 - "$TMP/flows.json" "$TMP/alerts.json" <<'PY'
import json, sys
flows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
alerts = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
names = [f.get("dns", {}).get("question", {}).get("name", "") for f in flows]
reasons = " ".join(a["event"]["reason"] for a in alerts)
# DNS names come in presentation form (dig's escaping: \\ for a backslash, \000
# for NUL, \. for a dot inside a label); after JSON decoding those must be there
want = ['q"uote', "back\\\\slash", "nul\\000byte", "dot\\.in", "ls\u2028ps\u2029", "ctl\x01\x1f\x7f",
        "</script>"]
missing = [w for w in want if not any(w in n for n in names)]
if not any(len(n) >= 250 for n in names):
    missing.append("250-char name")
urls = [f.get("url", {}) for f in flows]
uas = [f.get("user_agent", {}).get("original", "") for f in flows]
if not any("evil\u2028host" == u.get("domain") for u in urls): missing.append("U+2028 host")
# 2 KB URLs and 4 KB User-Agents are cut to a bound, never dropped or overrun
if not any(200 <= len(u.get("original", "")) <= 1024 and '"\\' in u["original"] for u in urls):
    missing.append("long URL with quotes, bounded")
if not any(150 <= len(x) <= 1024 and '\\"' in x for x in uas):
    missing.append("long User-Agent, bounded")
# a control byte in the URL does not hide the request: it stays HTTP, the
# byte percent-encoded, and its Host reaches the (deduplicated) HTTP alert
if not any(u.get("original", "").startswith('/a"b\\c%01d?x=') for u in urls):
    missing.append("URL with a control byte, percent-encoded")
if 'q"uote' not in reasons or 'evil"host\\' not in reasons: missing.append("alert reasons")
if missing:
    print("# missing:", missing, [n[:40] for n in names])
sys.exit(1 if missing else 0)
PY

check "every fw:alerts stream entry has valid fields and JSON" python3 - "$REDIS_PORT" <<'PY'
import json, sys
port = sys.argv[1]
# raw RESP, so the exact bytes of every field are checked (redis-cli would quote)
import socket
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(b"*4\r\n$6\r\nXRANGE\r\n$9\r\nfw:alerts\r\n$1\r\n-\r\n$1\r\n+\r\n")
f = s.makefile("rb")
def read():
    line = f.readline().rstrip(b"\r\n")
    t, rest = line[:1], line[1:]
    if t == b"*":
        return [read() for _ in range(int(rest))]
    if t == b"$":
        n = int(rest)
        if n < 0: return None
        d = f.read(n + 2)[:-2]; return d
    return rest
entries = read()
n = 0
for eid, fields in entries:
    kv = dict(zip(fields[::2], fields[1::2]))
    for k, v in kv.items():
        v.decode("utf-8")
    rec = json.loads(kv[b"json"].decode("utf-8"))
    assert rec["rule"]["id"] == kv[b"rule"].decode()
    n += 1
print("# %d stream entries" % n)
sys.exit(0 if n >= 2 else 1)
PY

check "the log has no raw control bytes or invalid UTF-8" python3 - "$TMP/err" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
b.decode("utf-8")
bad = [c for c in b if c < 0x20 and c not in (0x0A, 0x09)]
sys.exit(1 if bad or b"\xe2\x80\xa8" in b else 0)
PY

# With the default pack, the request whose URL and User-Agent carry raw control
# bytes is a protocol anomaly (FW-PROTO-001, check http_control_bytes): one
# alert naming both fields, its URL as kept (percent-encoded); the clean and the
# merely odd requests (U+2028, invalid UTF-8, %22) raise none.
timeout 120 "$FW_BIN" sensor -r "$TMP/hostile.pcap" --rules "$FW_ROOT/rules/detections" \
    --no-redis --alerts "$TMP/alerts-pack.json" -q --no-summary 2>"$TMP/err-pack"
check "sensor exits 0 with the default pack" [ "$?" -eq 0 ]
check "raw control bytes in an HTTP request: one protocol anomaly, fields named" \
    python3 - "$TMP/alerts-pack.json" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
ctl = [a for a in alerts if a["rule"]["id"] == "FW-PROTO-001" and
       a["finwatch"]["evidence"].get("check") == "http_control_bytes"]
if len(ctl) != 1:
    print("# %d http_control_bytes alerts of %d" % (len(ctl), len(alerts))); sys.exit(1)
r = ctl[0]["event"]["reason"]
ok = "URL, User-Agent" in r and '/a"b\\c%01d?x=' in r and ctl[0]["destination"]["port"] == 80
print("# " + r[:160])
sys.exit(0 if ok else 1)
PY
