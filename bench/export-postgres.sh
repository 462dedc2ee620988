#!/usr/bin/env bash
# bench/export-postgres.sh: exporting from PostgreSQL, on a throwaway PostgreSQL 15
# cluster (scripts/lib/pg-cluster.sh, fsync=off, same settings as restore-postgres.sh).
#
#   (c) `authx export postgresql://... -o FILE`  vs  `pg_dump -Fc -f FILE` of the same
#       database (pg_dump's default zlib compression; authx at its default level 6)
#                                                          (own target: ratio <= 1.0)
#
#   bench/export-postgres.sh [--users N] [--sessions N] [--runs N] [--out DIR]
#                            [--authx PATH] [--no-build] [--keep] [--db FILE]
#
# The database is the generated 1M-user SQLite database (or --db FILE) restored
# into PostgreSQL with authx, untimed. Runs alternate; sizes of both outputs are
# reported beside the times. Peak RSS is the client's (authx, pg_dump).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib/pg-cluster.sh
source "$BENCH_ROOT/scripts/lib/pg-cluster.sh"

bench_parse_args 1000000 "$@"
bench_parse_db_option

section "export-postgres benchmark: setup"
bench_ensure_tools postgresql-15 postgresql-client-15
bench_prepare_authx export restore
[ "$AUTHX_OK" = 1 ] || die "this benchmark needs the authx CLI (export and restore) to build its PostgreSQL database"
bench_start --postgres

if [ -z "$DB" ]; then
    DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
    SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
else
    [ -f "$DB" ] || die "no such database: $DB"
    DB=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
    SCALE="database $(basename "$DB")"
fi

bench_pg_start
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_source" >&2
URL="postgresql://postgres@127.0.0.1:$PG_CLUSTER_PORT/bench_source"
info "building the source database with authx export + restore (untimed)"
"$BENCH_AUTHX" export "$DB" -o "$BENCH_WORK/source.authx.gz" --force --quiet
"$BENCH_AUTHX" restore "$BENCH_WORK/source.authx.gz" --to "$URL" --quiet
rm -f "$BENCH_WORK/source.authx.gz" "$BENCH_WORK/source.authx.gz.sha256"
SCALE="$SCALE, restored into PostgreSQL 15 ($("${PSQL[@]}" -d bench_source -At -c "SELECT pg_size_pretty(pg_database_size('bench_source'))")), fsync=off"

section "export-postgres (c): PostgreSQL -> archive vs pg_dump -Fc"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    rm -f "$BENCH_WORK/dump.fc"
    bench_measure c_peer_pg_dump pg_dump -Fc -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U postgres -f "$BENCH_WORK/dump.fc" bench_source
    rm -f "$BENCH_WORK/pg.authx.gz" "$BENCH_WORK/pg.authx.gz.sha256"
    bench_measure c_authx_export "$BENCH_AUTHX" export "$URL" -o "$BENCH_WORK/pg.authx.gz" --quiet
done
"$BENCH_AUTHX" verify "$BENCH_WORK/pg.authx.gz" >&2 || die "the exported archive does not verify"
NOTE_C="archive $(du -m "$BENCH_WORK/pg.authx.gz" | cut -f1) MB, pg_dump -Fc $(du -m "$BENCH_WORK/dump.fc" | cut -f1) MB; verified"
bench_add_row "(c) authx export postgresql:// vs pg_dump -Fc" c_authx_export c_peer_pg_dump 1.0 "$NOTE_C"

section "export-postgres benchmark: results"
bench_print_table "authx export ← PostgreSQL" "$SCALE"
