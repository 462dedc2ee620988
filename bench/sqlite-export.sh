#!/usr/bin/env bash
# bench/sqlite-export.sh: `authx export` vs `sqlite3 DB .dump | gzip -6`, side by side in one run.
#
#   bench/sqlite-export.sh [--users N] [--sessions M] [--runs R] [--db FILE] [--level L] [--out DIR]
#
# Generates (and caches) a deterministic auth database with scripts/generate-auth-db (default 1,000,000
# users / 2,000,000 sessions), builds authx in release mode, then alternates the two commands R times
# (default 3) on a warm page cache. Reports for each: median wall time, user+sys CPU, peak RSS and output
# size, and the ratio authx / peer (target: <= 0.5, peak RSS < 100 MB). Machine load is printed too: on a
# shared machine wall times move with what else runs, CPU times much less.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USERS=1000000
SESSIONS=2000000
RUNS=3
DB=""
LEVEL=""
OUT="$ROOT/bench-out"
while [ "$#" -gt 0 ]; do
    case "$1" in
        --users) USERS=$2; shift 2 ;;
        --sessions) SESSIONS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --db) DB=$2; shift 2 ;;
        --level) LEVEL=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

for tool in sqlite3 gzip python3 /usr/bin/time; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (apt-get install sqlite3 gzip python3 time)" >&2; exit 1; }
done
mkdir -p "$OUT"
if [ -z "$DB" ]; then
    DB="$OUT/auth-${USERS}u-${SESSIONS}s.db"
    if [ ! -f "$DB" ]; then
        echo "[bench] generating $DB" >&2
        python3 "$ROOT/scripts/generate-auth-db" "$DB" --users "$USERS" --sessions "$SESSIONS" >&2
    fi
fi
[ -f "$DB" ] || { echo "no such database: $DB" >&2; exit 1; }

echo "[bench] building authx (release)" >&2
(cd "$ROOT" && swift build -c release --static-swift-stdlib --product authx >&2)
AUTHX="$ROOT/.build/release/authx"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authx-bench.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
cat "$DB" >/dev/null  # warm the page cache for both

measure() {  # NAME CMD...: appends "wall cpu rss" to $WORK/NAME
    local name=$1
    shift
    /usr/bin/time -o "$WORK/time" -f "%e %U %S %M" "$@"
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$WORK/time" >>"$WORK/$name"
}

LEVEL_ARGS=()
[ -n "$LEVEL" ] && LEVEL_ARGS=(--compression-level "$LEVEL")
for run in $(seq 1 "$RUNS"); do
    echo "[bench] run $run/$RUNS (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    rm -f "$WORK/dump.sql.gz"
    measure peer bash -c 'sqlite3 "$1" .dump | gzip -6 > "$2"' _ "$DB" "$WORK/dump.sql.gz"
    rm -f "$WORK/export.authx.gz" "$WORK/export.authx.gz.sha256"
    measure authx "$AUTHX" export "$DB" -o "$WORK/export.authx.gz" --quiet "${LEVEL_ARGS[@]+"${LEVEL_ARGS[@]}"}"
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
column_of() { cut -d' ' -f"$2" "$WORK/$1" | median; }
PW=$(column_of peer 1); PC=$(column_of peer 2)
AW=$(column_of authx 1); AC=$(column_of authx 2); AR=$(cut -d' ' -f3 "$WORK/authx" | sort -n | tail -1)
PS=$(stat -c %s "$WORK/dump.sql.gz"); AS=$(stat -c %s "$WORK/export.authx.gz")
DBMB=$(( $(stat -c %s "$DB") / 1000000 ))
echo
echo "## authx export vs sqlite3 .dump | gzip -6"
echo
echo "database: $(basename "$DB") ($DBMB MB); $RUNS runs, medians; $(nproc) CPUs; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| | wall s | CPU s (user+sys) | peak RSS MB | output MB |"
echo "|---|---|---|---|---|"
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
echo "| sqlite3 .dump \\| gzip -6 | $PW | $PC | - | $(calc %.1f "$PS / 1000000") |"
echo "| authx export${LEVEL:+ (level $LEVEL)} | $AW | $AC | $(calc %.0f "$AR / 1024") | $(calc %.1f "$AS / 1000000") |"
echo
echo "ratio authx/peer: wall $(calc %.2f "$AW / $PW") (target <= 0.50), CPU $(calc %.2f "$AC / $PC"); peak RSS $(calc %.0f "$AR / 1024") MB (target < 100)"
