#!/usr/bin/env bash
# bench/restore-postgres.sh: restoring into PostgreSQL, on its own throwaway
# PostgreSQL 15 cluster (scripts/lib/pg-cluster.sh, fsync=off, same for everyone).
#
#   (a) `authx export DB` + `authx restore ARCHIVE --to postgresql://...`  vs
#       (and, reported beside it, the pipeline `authx export DB -o - --compression-level 0 | authx restore -`)
#       `pgloader sqlite://DB postgresql://...` migrating the same SQLite file
#       into an empty database                                (target ratio <= 0.4)
#   (b) `authx restore ARCHIVE --to postgresql://... -j N` alone  vs
#       `pg_restore -j N` of a `pg_dump -Fc` of the restored data into a fresh
#       database                                              (target ratio <= 1.0)
#
#   bench/restore-postgres.sh [--users N] [--sessions N] [--runs N] [--out DIR]
#                             [--authx PATH] [--no-build] [--keep] [--db FILE]
#                             [--jobs N] [--pgloader-heap MB]
#
# Default scale: generated auth DB, 1,000,000 users / 2,000,000 sessions. Every
# timed run gets a new empty database (created untimed). Peak RSS is the client
# side's (authx, pgloader, pg_restore); the server's work is in the wall time.
# --jobs N (default 1) is given to both sides of (b): authx restore -j N and
# pg_restore -j N. The pg_dump for (b) is taken from the database authx restored, or from the one
# pgloader made while the authx CLI does not exist yet.
# pgloader runs with `--dynamic-space-size 4096` (SBCL heap, MB; --pgloader-heap):
# with its default 1 GB heap it dies with "Heap exhausted, game over" on the
# 1M-user database.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib/pg-cluster.sh
source "$BENCH_ROOT/scripts/lib/pg-cluster.sh"

bench_parse_args 1000000 "$@"
DB=""
JOBS=1
PGLOADER_HEAP=4096
set -- "${BENCH_EXTRA_ARGS[@]+"${BENCH_EXTRA_ARGS[@]}"}"
while [ "$#" -gt 0 ]; do
    case "$1" in
        --db) DB=${2:?--db needs a file}; shift 2 ;;
        --jobs) JOBS=${2:?--jobs needs a value}; shift 2 ;;
        --pgloader-heap) PGLOADER_HEAP=${2:?--pgloader-heap needs a value (MB)}; shift 2 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done

section "restore-postgres benchmark: setup"
bench_ensure_tools postgresql-15 postgresql-client-15 pgloader
bench_prepare_authx export restore
bench_start --postgres

if [ -z "$DB" ]; then
    DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
    SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
else
    [ -f "$DB" ] || die "no such database: $DB"
    DB=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
    SCALE="database $(basename "$DB")"
fi
SCALE="$SCALE ($(du -m "$DB" | cut -f1) MB SQLite); PostgreSQL 15, fsync=off"

bench_pg_start

count_users() { "${PSQL[@]}" -d "$1" -At -c 'SELECT count(*) FROM users' 2>/dev/null || echo '?'; }

ARCHIVE="$BENCH_WORK/pg.authx.gz"
mkdir -p "$BENCH_WORK/pgloader"
cat "$DB" >/dev/null   # warm the page cache equally for both sides

section "restore-postgres (a): SQLite file -> PostgreSQL"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    url=$(bench_fresh_db bench_pgloader)
    bench_measure a_peer_pgloader pgloader --dynamic-space-size "$PGLOADER_HEAP" --quiet --root-dir "$BENCH_WORK/pgloader" "sqlite://$DB" "$url"
    if [ "$AUTHX_OK" = 1 ]; then
        url=$(bench_fresh_db bench_authx)
        rm -f "$ARCHIVE" "$ARCHIVE.sha256"
        bench_measure a_authx_export_restore bash -c '"$1" export "$2" -o "$3" --force --quiet && "$1" restore "$3" --to "$4"' \
            _ "$BENCH_AUTHX" "$DB" "$ARCHIVE" "$url"
        # The migration as one pipeline, no archive kept: stored (level 0) members cost neither side deflate.
        url=$(bench_fresh_db bench_authx_pipe)
        bench_measure a_authx_pipe bash -c 'set -o pipefail; "$1" export "$2" -o - --quiet --compression-level 0 | "$1" restore - --to "$3"' \
            _ "$BENCH_AUTHX" "$DB" "$url"
    fi
done
NOTE_A="pgloader heap ${PGLOADER_HEAP} MB; users: pgloader $(count_users bench_pgloader)"
if [ "$AUTHX_OK" = 1 ]; then
    NOTE_A="$NOTE_A, authx $(count_users bench_authx)"
    DUMP_SRC=bench_authx
else
    DUMP_SRC=bench_pgloader
fi
bench_add_row "(a) authx export+restore vs pgloader" a_authx_export_restore a_peer_pgloader 0.4 "$NOTE_A"
[ "$AUTHX_OK" = 1 ] && bench_add_row "(a) authx export -o - --compression-level 0 \| authx restore - vs pgloader" a_authx_pipe a_peer_pgloader 0.4 "one pipeline; users: authx $(count_users bench_authx_pipe)"

section "restore-postgres (b): archive -> PostgreSQL vs pg_restore"
info "pg_dump -Fc of $DUMP_SRC (untimed)"
pg_dump -Fc -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U postgres -f "$BENCH_WORK/dump.fc" "$DUMP_SRC"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    url=$(bench_fresh_db bench_pg_restore)
    bench_measure b_peer_pg_restore pg_restore --no-owner --exit-on-error -j "$JOBS" -d "$url" "$BENCH_WORK/dump.fc"
    if [ "$AUTHX_OK" = 1 ]; then
        url=$(bench_fresh_db bench_authx_restore)
        bench_measure b_authx_restore "$BENCH_AUTHX" restore "$ARCHIVE" --to "$url" -j "$JOBS"
    fi
done
NOTE_B="pg_dump of $DUMP_SRC: $(du -m "$BENCH_WORK/dump.fc" | cut -f1) MB; authx restore -j $JOBS, pg_restore -j $JOBS; users: pg_restore $(count_users bench_pg_restore)"
[ "$AUTHX_OK" = 1 ] && NOTE_B="$NOTE_B, authx $(count_users bench_authx_restore)"
bench_add_row "(b) authx restore vs pg_restore" b_authx_restore b_peer_pg_restore 1.0 "$NOTE_B"

section "restore-postgres benchmark: results"
bench_print_table "authx restore → PostgreSQL" "$SCALE"
