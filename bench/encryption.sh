#!/usr/bin/env bash
# bench/encryption.sh: what age encryption costs, side by side with the plain archive of
# the same database (one throwaway PostgreSQL 15 cluster, fsync=off, as restore-postgres.sh).
#
#   (a) authx export DB -o x.age --recipient age1…   vs  authx export DB -o x        (target <= 1.10)
#   (b) authx verify --identity KEY x.age            vs  authx verify x              (target <= 1.10)
#   (c) authx restore --identity KEY x.age --to pg   vs  authx restore x --to pg     (target <= 1.10)
#   (d) authx verify --identity KEY x.age            vs  age -d -i KEY x.age | authx verify -   (for comparison)
#   (e) authx inspect --identity KEY x.age: bytes read (inspect --json bytes_read) and time
#
#   bench/encryption.sh [--users N] [--sessions N] [--runs N] [--out DIR]
#                       [--authx PATH] [--no-build] [--keep] [--no-restore]
#
# --no-restore skips (c) and PostgreSQL (a shorter run for the export, verify and inspect figures).
#
# Runs alternate encrypted and plain. Key: a fresh `authx keygen` identity.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib/pg-cluster.sh
source "$BENCH_ROOT/scripts/lib/pg-cluster.sh"

bench_parse_args 1000000 "$@"
WITH_RESTORE=1
for extra in "${BENCH_EXTRA_ARGS[@]+"${BENCH_EXTRA_ARGS[@]}"}"; do
    case "$extra" in
        --no-restore) WITH_RESTORE=0 ;;
        *) die "unknown option: $extra (see --help)" ;;
    esac
done

section "encryption benchmark: setup"
bench_ensure_tools postgresql-15 postgresql-client-15 age
bench_prepare_authx export verify inspect restore keygen
[ "$AUTHX_OK" = 1 ] || die "this benchmark needs the authx CLI"
if [ "$WITH_RESTORE" = 1 ]; then bench_start --postgres; else bench_start; fi

DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
export PG_CLUSTER_EXTRA_CONF="shared_buffers = 512MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
autovacuum = off"
[ "$WITH_RESTORE" = 0 ] || pg_cluster_start
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${PG_CLUSTER_PORT:-}" -U postgres)
W=$BENCH_WORK
"$BENCH_AUTHX" keygen -o "$W/key.txt" 2>"$W/keygen.err"
RECIPIENT=$(sed -n 's/^Public key: //p' "$W/keygen.err")
[ -n "$RECIPIENT" ] || die "authx keygen printed no public key"

fresh_db() {
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS bench_target" -c "CREATE DATABASE bench_target" >&2
}
URL="postgresql://postgres@127.0.0.1:${PG_CLUSTER_PORT:-}/bench_target"

for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    rm -f "$W"/plain.authx.gz* "$W"/enc.authx.gz.age*
    bench_measure a_plain_export "$BENCH_AUTHX" export "$DB" -o "$W/plain.authx.gz" --quiet
    bench_measure a_enc_export "$BENCH_AUTHX" export "$DB" -o "$W/enc.authx.gz.age" --recipient "$RECIPIENT" --quiet
    bench_measure b_enc_verify "$BENCH_AUTHX" verify --identity "$W/key.txt" "$W/enc.authx.gz.age"
    bench_measure b_plain_verify "$BENCH_AUTHX" verify "$W/plain.authx.gz"
    bench_measure d_age_pipe_verify sh -c "age -d -i '$W/key.txt' '$W/enc.authx.gz.age' | '$BENCH_AUTHX' verify -"
    if [ "$WITH_RESTORE" = 1 ]; then
        fresh_db
        bench_measure c_plain_restore "$BENCH_AUTHX" restore "$W/plain.authx.gz" --to "$URL" --quiet
        fresh_db
        bench_measure c_enc_restore "$BENCH_AUTHX" restore --identity "$W/key.txt" "$W/enc.authx.gz.age" --to "$URL" --quiet
    fi
    bench_measure e_enc_inspect "$BENCH_AUTHX" inspect --identity "$W/key.txt" "$W/enc.authx.gz.age"
    bench_measure e_plain_inspect "$BENCH_AUTHX" inspect "$W/plain.authx.gz"
done
READ=$("$BENCH_AUTHX" inspect --json --identity "$W/key.txt" "$W/enc.authx.gz.age" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_read"])')
READ_PLAIN=$("$BENCH_AUTHX" inspect --json "$W/plain.authx.gz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_read"])')
SIZE_NOTE="plain $(du -m "$W/plain.authx.gz" | cut -f1) MB, encrypted $(du -m "$W/enc.authx.gz.age" | cut -f1) MB"
(cd "$W" && sha256sum -c --quiet enc.authx.gz.age.sha256) || die "sha256sum -c failed on the encrypted archive"

bench_add_row "(a) export, encrypted vs plain" a_enc_export a_plain_export 1.10 "$SIZE_NOTE; sha256sum -c OK"
bench_add_row "(b) verify, encrypted vs plain" b_enc_verify b_plain_verify 1.10 ""
[ "$WITH_RESTORE" = 0 ] || bench_add_row "(c) restore --to postgresql, encrypted vs plain" c_enc_restore c_plain_restore 1.10 ""
bench_add_row "(d) verify --identity vs age -d | verify -" b_enc_verify d_age_pipe_verify 1.0 "for comparison"
E_MS=$(awk -v s="$(bench_median e_enc_inspect)" 'BEGIN { printf "%.0f", s * 1000 }')
E_VERDICT=$(awk -v ms="$E_MS" -v b="$READ" 'BEGIN { print (ms < 50 ? "time MET" : "time MISSED") ", " (b < 65536 ? "bytes MET" : "bytes MISSED") }')
BENCH_ROWS+=("| (e) inspect, encrypted (plain) | $(bench_median e_enc_inspect) ($(bench_all_runs e_enc_inspect)) | $(bench_rss_mb e_enc_inspect) | $(bench_median e_plain_inspect) ($(bench_all_runs e_plain_inspect)) | $(bench_rss_mb e_plain_inspect) | – | < 50 ms, < 64 KiB read: $E_VERDICT | encrypted: $READ bytes read (plain: $READ_PLAIN), process wall time incl. start-up |")

section "encryption benchmark: results"
bench_print_table "authx encrypted archives (age) vs plain" "$SCALE"
