#!/usr/bin/env bash
# tests/run.sh: runs every unit test (cmocka, TAP output) and every end-to-end
# script (tests/e2e/test_*.sh, TAP lines), then prints one closing line:
#   N passed, N failed, N skipped
# A test binary that dies without reporting counts as one failure.
# FW_BUILD names the build folder (build or build/asan). FW_TEST_FILTER limits
# the run to tests whose path contains it.
set -u
cd "$(dirname "$0")/.."
BUILD=${FW_BUILD:-build}
export FW_BIN="$PWD/$BUILD/finwatch" FW_BUILD="$BUILD" FW_ROOT="$PWD"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 skip=0
failed_names=()
logdir="$BUILD/test-logs"
mkdir -p "$logdir"

# Count TAP lines of one test's output; a non-zero exit with no failure counted
# is itself a failure (crash, sanitizer abort, missing plan).
tally() {
    local name=$1 log=$2 rc=$3 p f s
    p=$(grep -cE '^ok [0-9]*' "$log" | head -1)
    s=$(grep -cE '^ok .*# *(SKIP|skip)' "$log" | head -1)
    f=$(grep -cE '^not ok' "$log" | head -1)
    p=$((p - s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc" >>"$log"
    fi
    pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
    if [ "$f" -gt 0 ]; then
        failed_names+=("$name")
        echo "FAIL $name ($f failed) -- log: $log"
        grep -E '^not ok|^# ' "$log" | head -20 | sed 's/^/    /'
    else
        printf 'ok   %-50s %d passed%s\n' "$name" "$p" "$([ "$s" -gt 0 ] && echo ", $s skipped")"
    fi
}

for t in $(find "$BUILD/tests" -type f -name 'test_*' -perm -u+x 2>/dev/null | sort); do
    [ -n "${FW_TEST_FILTER:-}" ] && [[ "$t" != *"$FW_TEST_FILTER"* ]] && continue
    name=${t#"$BUILD/"}
    log="$logdir/$(echo "$name" | tr / _).log"
    timeout 600 "$t" >"$log" 2>&1
    tally "$name" "$log" $?
done

for t in tests/e2e/test_*.sh; do
    [ -e "$t" ] || continue
    [ -n "${FW_TEST_FILTER:-}" ] && [[ "$t" != *"$FW_TEST_FILTER"* ]] && continue
    log="$logdir/$(basename "$t").log"
    timeout 1200 bash "$t" >"$log" 2>&1
    tally "$t" "$log" $?
done

echo
if [ "${#failed_names[@]}" -gt 0 ]; then
    echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
