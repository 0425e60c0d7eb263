#!/bin/sh
# Stands in for `finwatch sensor` in tests of `rules test`: writes the canned
# alerts next to this script to the file given with --alerts.
dir=$(dirname "$0")
while [ $# -gt 0 ]; do
    [ "$1" = "--alerts" ] && cp "$dir/alerts.jsonl" "$2"
    shift
done
exit 0
