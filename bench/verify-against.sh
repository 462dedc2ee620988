#!/usr/bin/env bash
# bench/verify-against.sh: proving a restore and comparing backups, on a throwaway PostgreSQL 15
# cluster (scripts/lib/pg-cluster.sh, fsync=off, same settings as export-postgres.sh).
#
#   (v) `authx verify FILE --against postgresql://...`  vs  `authx export postgresql://... -o X`
#       followed by `authx verify X` (the two jobs it does at once)      (own target: ratio <= 1.2)
#   (d) `authx diff OLD NEW` of two archives of the database (NEW after an application session:
#       logins, new users, deleted sessions)  vs  one `authx verify --keys OLD` (own target: <= 1.5)
#
#   bench/verify-against.sh [--users N] [--sessions N] [--runs N] [--out DIR]
#                           [--authx PATH] [--no-build] [--keep] [--db FILE]
#
# The database is the generated 1M-user SQLite database (or --db FILE) restored into PostgreSQL
# with authx, untimed. Runs alternate. Peak RSS is the client's (authx; for the pair, the larger).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib/pg-cluster.sh
source "$BENCH_ROOT/scripts/lib/pg-cluster.sh"

bench_parse_args 1000000 "$@"
bench_parse_db_option

section "verify-against benchmark: setup"
bench_ensure_tools postgresql-15 postgresql-client-15
bench_prepare_authx export restore verify diff
[ "$AUTHX_OK" = 1 ] || die "this benchmark needs the authx CLI (export, restore, verify, diff)"
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
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_target" >&2
URL="postgresql://postgres@127.0.0.1:$PG_CLUSTER_PORT/bench_target"
OLD="$BENCH_WORK/old.authx.gz"
NEW="$BENCH_WORK/new.authx.gz"
info "building the archive and the restored database (untimed)"
"$BENCH_AUTHX" export "$DB" -o "$OLD" --force --quiet
"$BENCH_AUTHX" restore "$OLD" --to "$URL" --quiet
SCALE="$SCALE, restored into PostgreSQL 15 ($("${PSQL[@]}" -d bench_target -At -c "SELECT pg_size_pretty(pg_database_size('bench_target'))")), fsync=off"

section "verify-against (v): verify --against vs export + verify"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    rm -f "$BENCH_WORK/pg.authx.gz" "$BENCH_WORK/pg.authx.gz.sha256"
    bench_measure v_peer_export_verify bash -c '"$1" export "$2" -o "$3" --quiet && "$1" verify "$3" --quiet' _ \
        "$BENCH_AUTHX" "$URL" "$BENCH_WORK/pg.authx.gz"
    bench_measure v_authx_against "$BENCH_AUTHX" verify "$OLD" --against "$URL" --quiet
done
bench_add_row "(v) verify --against postgresql:// vs export + verify" v_authx_against v_peer_export_verify 1.2 \
    "exit 0 (match) every run"

section "verify-against (d): diff OLD NEW vs verify --keys OLD"
info "the application session on a copy of the database: logins, new users, deleted sessions (untimed)"
cp "$DB" "$BENCH_WORK/session.db"
sqlite3 "$BENCH_WORK/session.db" <<'SQL' >&2
UPDATE users SET last_login = '2026-12-04 08:00:00.000000' WHERE rowid % 100 = 7;
DELETE FROM sessions WHERE rowid % 50 = 3;
INSERT INTO users (id, email, password_hash, is_active, is_admin, created_at)
  SELECT lower(hex(randomblob(16))), 'new' || rowid || '@example.com', password_hash, 1, 0, created_at
  FROM users WHERE rowid <= 1000;
SQL
"$BENCH_AUTHX" export "$BENCH_WORK/session.db" -o "$NEW" --force --quiet
rm -f "$BENCH_WORK/session.db"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    bench_measure d_peer_verify_keys "$BENCH_AUTHX" verify --keys "$OLD" --quiet
    bench_measure d_authx_diff bash -c '"$1" diff "$2" "$3" --quiet >"$4"; [ $? -eq 1 ]' _ \
        "$BENCH_AUTHX" "$OLD" "$NEW" "$BENCH_WORK/diff.txt"
done
NOTE_D="diff exit 1; $(head -c 300 "$BENCH_WORK/diff.txt" | grep -v '^  ' | tr '\n' ';')"
bench_add_row "(d) diff OLD NEW vs verify --keys OLD" d_authx_diff d_peer_verify_keys 1.5 "$NOTE_D"

section "verify-against benchmark: results"
bench_print_table "authx verify --against / authx diff" "$SCALE"
