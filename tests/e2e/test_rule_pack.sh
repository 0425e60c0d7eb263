#!/usr/bin/env bash
# tests/e2e/test_rule_pack.sh: every rule of rules/detections has a test.
# For each rule id found in rules/detections/*.yaml, tests/rules/pack/<ID>.expect
# must exist; its "# source:" line names the capture (fwgen:SCENARIO, generated
# here, or pcap:GROUP/FILE from ../shared/pcaps, skipped when absent). The rule is
# extracted alone into a temporary folder (so alerts of the other rules are not
# unexpected "+" lines) and `finwatch rules test` compares its alerts with the
# expectation. One TAP line per rule. Rules on alerts (event: alert) need the rules
# whose alerts they correlate: "# with: ID ..." in the .expect file extracts those
# too (their alerts are then expected like the tested rule's).
. "$(dirname "$0")/lib.sh"
cd "$FW_ROOT" || exit 1

FWGEN=$FW_ROOT/$FW_BUILD/tests/tools/fwgen
PACK=tests/rules/pack

# extract ID DIR [NAME]: write the YAML document of rule ID into DIR/NAME.yaml (rule)
extract() {
    mkdir -p "$2"
    cp -r rules/detections/ti "$2/" || return 1     # lists rules name relative to their file
    python3 - "$1" "$2/${3:-rule}.yaml" rules/detections/*.yaml <<'PY'
import re, sys
rid, out = sys.argv[1], sys.argv[2]
for f in sys.argv[3:]:
    for doc in re.split(r"^---\s*$", open(f).read(), flags=re.M):
        if re.search(r"^id:\s*%s\s*$" % re.escape(rid), doc, flags=re.M):
            open(out, "w").write(doc)
            sys.exit(0)
sys.exit(1)
PY
}

ids=$(sed -n 's/^id: *\([A-Z0-9-]*\).*/\1/p' rules/detections/*.yaml | sort)
for id in $ids; do
    exp=$PACK/$id.expect
    if [ ! -f "$exp" ]; then
        nok "$id: no $exp"
        continue
    fi
    src=$(sed -n 's/^# source: *//p' "$exp" | head -1)
    case $src in
    fwgen:*)
        scn=${src#fwgen:}
        pcap=$TMP/$scn.pcap
        if [ ! -x "$FWGEN" ]; then
            skip "$id" "fwgen not built"
            continue
        fi
        [ -e "$pcap" ] || "$FWGEN" "$scn" "$pcap" 2>/dev/null || { nok "$id: fwgen $scn"; continue; }
        ;;
    pcap:*)
        pcap=$PCAPS/${src#pcap:}
        if [ ! -e "$pcap" ]; then
            skip "$id" "$pcap not found"
            continue
        fi
        ;;
    *)
        nok "$id: $exp has no '# source:' line"
        continue
        ;;
    esac
    if ! extract "$id" "$TMP/rules-$id"; then
        nok "$id: rule not found in rules/detections"
        continue
    fi
    for w in $(sed -n 's/^# with: *//p' "$exp" | head -1); do
        extract "$w" "$TMP/rules-$id" "with-$w" || nok "$id: '# with: $w' not found"
    done
    if out=$("$FW_BIN" rules test "$TMP/rules-$id" --pcap "$pcap" --expect "$exp" \
            --config configs/finwatch.yaml 2>&1); then
        ok "$id ($src)"
    else
        nok "$id ($src)"
        grep -E '^[-+]' <<<"$out" | head -10 | sed 's/^/# /'
    fi
done
