#!/usr/bin/env bash
# Issue 14 acceptance, first run anywhere: from a fresh clone under a 0700 folder (as root's home is), the newcomer's
# `./recallfiles run --once` exits 0 twice and no PostgreSQL process of the product is left running afterwards.
# Usage: scripts/first-run-check.sh [REPOSITORY]   (default: this checkout). Heavy: the clone builds itself first.
# FirstRunTests does the same with the already built program in about a minute.
set -u
repo="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
locked=$(mktemp -d /tmp/rf-first-run-XXXXXX)   # mktemp -d: mode 0700, so other users (postgres) cannot enter it
echo "folder $(stat -c '%a %U' "$locked") $locked, as $(id -un)"
git clone --quiet "$repo" "$locked/recallfiles" && cd "$locked/recallfiles" || exit 2
start=$(date +%s)
./recallfiles run --once > ../run1.log 2>&1; first=$?
./recallfiles run --once > ../run2.log 2>&1; second=$?
echo "run 1 exit $first, run 2 exit $second, $(( $(date +%s) - start )) s (the first includes the build)"
cluster=$(sed -n 's/^database    private PostgreSQL cluster in \([^ ]*\) .*/\1/p' ../run1.log | head -1)
echo "cluster ${cluster:-(not printed)}"
left=$(ps -eo pid,args | grep -F -- "${cluster:-$locked}" | grep -v grep)
echo "PostgreSQL of the product left running: ${left:-none}"
[ "$first" = 0 ] && [ "$second" = 0 ] && [ -n "$cluster" ] && [ -z "$left" ]
