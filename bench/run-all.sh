#!/usr/bin/env bash
# bench/run-all.sh: run every benchmark (export, verify, restore-sqlite, export-postgres,
# restore-postgres, signing, encryption, verify-against, frameworks) and print one combined markdown
# report.
#
#   bench/run-all.sh [--users N] [--verify-users N] [--runs N] [--out DIR]
#                    [--authx PATH] [--no-build] [--keep]
#
# --users N applies to export / restore-sqlite / restore-postgres / signing (default
# 1,000,000); --verify-users N to verify.sh (default 2,500,000: a ~1 GB archive).
# For a quick smoke run: bench/run-all.sh --users 20000 --verify-users 20000
# `swift build -c release` runs once, before the first benchmark. Continues past
# a failing benchmark and exits non-zero if any failed.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=../scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

USERS=1000000
VERIFY_USERS=2500000
COMMON=()
BUILD=1
OUT="$ROOT/bench-out"
while [ "$#" -gt 0 ]; do
    case "$1" in
        --users) USERS=${2:?}; shift 2 ;;
        --verify-users) VERIFY_USERS=${2:?}; shift 2 ;;
        --runs|--authx) COMMON+=("$1" "${2:?}"); shift 2 ;;
        --out) OUT=${2:?}; COMMON+=("$1" "$2"); shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --keep) COMMON+=("$1"); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done

if [ "$BUILD" = 1 ]; then
    section "swift build -c release"
    (cd "$ROOT" && swift build -c release --static-swift-stdlib --product authx) || warn "release build failed: authx sides will be skipped"
fi

mkdir -p "$OUT/results"
REPORT="$OUT/results/run-all-$(date -u +%Y%m%dT%H%M%SZ).md"
failed=()
run() {
    local name=$1
    shift
    local log
    log=$(mktemp)
    section "bench/$name $*"
    if "$BENCH_DIR/$name" "$@" --no-build "${COMMON[@]+"${COMMON[@]}"}" 2>&1 | tee "$log"; then
        # Keep the table (from the '### ' title to the end of the table).
        awk '/^### /{p=1} p && /^\[authx\] saved/{exit} p' "$log" >>"$REPORT"
        printf '\n' >>"$REPORT"
    else
        failed+=("$name")
        printf '### %s\n\nFAILED (see the console log)\n\n' "$name" >>"$REPORT"
    fi
    rm -f "$log"
}
run export.sh --users "$USERS"
run verify.sh --users "$VERIFY_USERS"
run restore-sqlite.sh --users "$USERS"
run restore-postgres.sh --users "$USERS"
run export-postgres.sh --users "$USERS"
run signing.sh --users "$USERS"
run encryption.sh --users "$USERS"
run verify-against.sh --users "$USERS"
run frameworks.sh

section "all benchmarks"
cat "$REPORT"
info "combined report: $REPORT"
if [ "${#failed[@]}" -gt 0 ]; then
    die "failed benchmarks: ${failed[*]}"
fi
