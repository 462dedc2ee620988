#!/usr/bin/env bash
# bench/export.sh: `authx export` vs `sqlite3 DB .dump | gzip -6` (target ratio <= 0.5).
#
#   bench/export.sh [--users N] [--sessions N] [--runs N] [--out DIR] [--authx PATH]
#                   [--no-build] [--keep] [--db FILE]
#
# Default scale: a generated auth DB with 1,000,000 users / 2,000,000 sessions
# (scripts/generate-auth-db, cached in bench-out/dbs/). --db FILE benches an
# existing SQLite file instead.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_parse_args 1000000 "$@"
bench_parse_db_option

section "export benchmark: setup"
bench_ensure_tools
bench_prepare_authx export
bench_start
if [ -z "$DB" ]; then
    DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
    SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
else
    [ -f "$DB" ] || die "no such database: $DB"
    SCALE="database $(basename "$DB")"
fi
SCALE="$SCALE ($(du -m "$DB" | cut -f1) MB SQLite)"
cat "$DB" >/dev/null   # warm the page cache equally for both sides

section "export benchmark: runs"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    rm -f "$BENCH_WORK/dump.sql.gz"
    bench_measure peer_dump_gzip bash -c 'sqlite3 "$1" .dump | gzip -6 > "$2"' _ "$DB" "$BENCH_WORK/dump.sql.gz"
    if [ "$AUTHX_OK" = 1 ]; then
        rm -f "$BENCH_WORK/export.authx.gz" "$BENCH_WORK/export.authx.gz.sha256"
        bench_measure authx_export "$BENCH_AUTHX" export "$DB" -o "$BENCH_WORK/export.authx.gz" --force --quiet
    fi
done

NOTE="dump.sql.gz $(du -m "$BENCH_WORK/dump.sql.gz" | cut -f1) MB"
if [ "$AUTHX_OK" = 1 ]; then
    NOTE="$NOTE; archive $(du -m "$BENCH_WORK/export.authx.gz" | cut -f1) MB"
fi
bench_add_row "export: authx export vs sqlite3 .dump \\| gzip -6" authx_export peer_dump_gzip 0.5 "$NOTE"
section "export benchmark: results"
bench_print_table "authx export" "$SCALE"
