#!/usr/bin/env bash
# bench/restore-sqlite.sh: `authx restore ARCHIVE --to sqlite:///new.db` vs
# `sqlite3 new.db < dump.sql` of the same database (target ratio <= 0.5).
#
#   bench/restore-sqlite.sh [--users N] [--sessions N] [--runs N] [--out DIR]
#                           [--authx PATH] [--no-build] [--keep] [--db FILE]
#
# Default scale: generated auth DB, 1,000,000 users / 2,000,000 sessions. The
# archive (authx export) and dump.sql (sqlite3 .dump) are made untimed; each timed
# run restores into a new, absent file. Both commands run inside the work dir, so
# the target is literally `sqlite:///new.db`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_parse_args 1000000 "$@"
bench_parse_db_option

section "restore-sqlite benchmark: setup"
bench_ensure_tools
bench_prepare_authx export restore
bench_start
if [ -z "$DB" ]; then
    DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
    SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
else
    [ -f "$DB" ] || die "no such database: $DB"
    DB=$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")
    SCALE="database $(basename "$DB")"
fi
SCALE="$SCALE ($(du -m "$DB" | cut -f1) MB SQLite)"
info "making dump.sql (untimed)"
sqlite3 "$DB" .dump >"$BENCH_WORK/dump.sql"
if [ "$AUTHX_OK" = 1 ]; then
    info "making the archive with authx export (untimed)"
    "$BENCH_AUTHX" export "$DB" -o "$BENCH_WORK/restore.authx.gz" --force --quiet || die "authx export failed"
fi
cd "$BENCH_WORK"

section "restore-sqlite benchmark: runs"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    rm -f peer.db peer.db-journal
    bench_measure peer_sqlite3_load bash -c 'sqlite3 -bail peer.db < dump.sql'
    if [ "$AUTHX_OK" = 1 ]; then
        rm -f new.db new.db-journal new.db-wal new.db-shm
        bench_measure authx_restore_sqlite "$BENCH_AUTHX" restore restore.authx.gz --to sqlite:///new.db
    fi
done

NOTE="dump.sql $(du -m dump.sql | cut -f1) MB"
if [ "$AUTHX_OK" = 1 ]; then
    a=$(sqlite3 new.db 'SELECT count(*) FROM users') || a='?'
    p=$(sqlite3 peer.db 'SELECT count(*) FROM users') || p='?'
    NOTE="$NOTE; archive $(du -m restore.authx.gz | cut -f1) MB; users restored: authx $a, peer $p"
fi
bench_add_row "restore → SQLite: authx restore vs sqlite3 < dump.sql" authx_restore_sqlite peer_sqlite3_load 0.5 "$NOTE"
section "restore-sqlite benchmark: results"
bench_print_table "authx restore → SQLite" "$SCALE"
