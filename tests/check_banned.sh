#!/usr/bin/env bash
# tests/check_banned.sh: no banned C calls in the sources (STYLE.md rule 20).
cd "$(dirname "$0")/.."
hits=$(grep -nE '\b(strcpy|strcat|sprintf|strtok|atoi|gets)\s*\(' \
    sensor/*.c analyzers/*.c rules/*.c dashboard-export/*.c 2>/dev/null | grep -v snprintf | grep -v vsnprintf)
if [ -n "$hits" ]; then
    echo "banned calls found:"; echo "$hits"; exit 1
fi
echo "banned-call check: clean"
