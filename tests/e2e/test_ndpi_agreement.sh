#!/usr/bin/env bash
# tests/e2e/test_ndpi_agreement.sh: our decode -> flow -> nDPI path against
# ndpiReader 4.2 on every shared capture. ../shared/pcaps/ndpi-expected.tsv holds
# (file, transport, a, b, protocol, category) per flow as ndpiReader printed it;
# tests/tools/fw_flowdump prints our flows the same way. Flows are matched by
# file, transport and the unordered endpoint pair; the figure is the share of
# ndpiReader's flows for which we print the same protocol name. Target >= 98 %.
# FW_NDPI_DIFFS=FILE keeps the list of differences (docs/ndpi-agreement.md).
. "$(dirname "$0")/lib.sh"

TOOL=$FW_ROOT/$FW_BUILD/tests/tools/fw_flowdump
EXPECTED=$PCAPS/ndpi-expected.tsv
TARGET=${FW_NDPI_TARGET:-98.0}

if ! have_shared || [ ! -f "$EXPECTED" ]; then
    skip "ndpi agreement" "no shared captures at $PCAPS"
    exit 0
fi
if [ ! -x "$TOOL" ]; then
    skip "ndpi agreement" "$TOOL not built"
    exit 0
fi

ours=$TMP/ours.tsv
: >"$ours"
fails=0
while IFS= read -r f; do
    if "$TOOL" "$PCAPS/$f" >"$TMP/one.tsv" 2>>"$TMP/tool.err"; then
        sed "s|^|$f\t|" "$TMP/one.tsv" >>"$ours"
    else
        fails=$((fails + 1))
    fi
done < <(tail -n +2 "$EXPECTED" | cut -f1 | sort -u)
check "fw_flowdump ran on every capture ($fails failures)" [ "$fails" -eq 0 ]
[ "$fails" -eq 0 ] || sed 's/^/# /' "$TMP/tool.err" | head -20

python3 - "$EXPECTED" "$ours" "$TARGET" "${FW_NDPI_DIFFS:-}" <<'PY'
import collections, ipaddress, sys

def ndpi_patch(s):
    # ndpiReader 4.2 prints IPv6 addresses through ndpi_patchIPv6Address(),
    # which turns every ":0:" into "::" (even when the text already has one)
    out, i = [], 0
    while i < len(s):
        if s[i] == ':' and s[i + 1:i + 3] == '0:':
            out.append('::')
            i += 3
        else:
            out.append(s[i])
            i += 1
    return ''.join(out)

def norm(ep, ours):
    host, _, port = ep.rpartition(':')
    host = host.strip('[]')
    if ours and ':' in host:
        host = ndpi_patch(str(ipaddress.ip_address(host)))
    return host + '|' + port

def load(path, header):
    flows = collections.defaultdict(list)
    with open(path) as fh:
        for i, line in enumerate(fh):
            if header and i == 0:
                continue
            c = line.rstrip('\n').split('\t')
            if len(c) < 6:
                continue
            key = (c[0], c[1], frozenset((norm(c[2], not header), norm(c[3], not header))))
            flows[key].append((c[4], c[5], c[2], c[3]))
    return flows

exp, ours = load(sys.argv[1], True), load(sys.argv[2], False)
target, diffs_path = float(sys.argv[3]), sys.argv[4]
total = agree = 0
diffs = []
for key, rows in exp.items():
    mine = [r[0] for r in ours.get(key, [])]
    for proto, cat, a, b in rows:
        total += 1
        if proto in mine:
            mine.remove(proto)
            agree += 1
        else:
            got = ','.join(r[0] for r in ours.get(key, [])) or '(no flow)'
            diffs.append((key[0], key[1], a, b, proto, got))
extra = sum(len(v) for k, v in ours.items() if k not in exp)
pct = 100.0 * agree / total if total else 0.0
print(f"# ndpi agreement: {agree}/{total} flows = {pct:.2f} % (target {target} %); "
      f"{len(diffs)} differ, {extra} flows only we report")
for d in diffs[:40]:
    print("# diff: " + '\t'.join(d))
if diffs_path:
    with open(diffs_path, 'w') as fh:
        for d in diffs:
            fh.write('\t'.join(d) + '\n')
print(("ok" if pct >= target else "not ok") + f" - ndpi agreement {pct:.2f} % >= {target} %")
PY
