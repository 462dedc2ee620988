#!/usr/bin/env bash
# bench/verify.sh: `authx verify FILE` vs `gzip -dc FILE | sha256sum` on a ~1 GB
# archive (target ratio <= 1.0; authx peak RSS reported).
#
#   bench/verify.sh [--users N] [--sessions N] [--runs N] [--out DIR] [--authx PATH]
#                   [--no-build] [--keep] [--archive FILE]
#
# The archive is made (untimed) by `authx export` of a generated auth DB. Default
# scale 2,500,000 users / 5,000,000 sessions, which gives an archive of roughly
# 1 GB (the generated data is mostly random tokens and hashes: ~3x compression).
# Scale down with --users. --archive FILE benches an existing archive instead.
# Until the authx CLI exists, a stand-in archive (`sqlite3 .dump | gzip -6`) is
# used so that the peer side still runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_parse_args 2500000 "$@"
ARCHIVE=""
set -- "${BENCH_EXTRA_ARGS[@]+"${BENCH_EXTRA_ARGS[@]}"}"
while [ "$#" -gt 0 ]; do
    case "$1" in
        --archive) ARCHIVE=${2:?--archive needs a file}; shift 2 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done

section "verify benchmark: setup"
bench_ensure_tools
bench_prepare_authx export verify
bench_start
NOTE=""
if [ -n "$ARCHIVE" ]; then
    [ -f "$ARCHIVE" ] || die "no such archive: $ARCHIVE"
    SCALE="archive $(basename "$ARCHIVE")"
else
    DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
    SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
    if [ "$AUTHX_OK" = 1 ]; then
        ARCHIVE="$BENCH_WORK/verify.authx.gz"
        info "making the archive with authx export (untimed)"
        "$BENCH_AUTHX" export "$DB" -o "$ARCHIVE" --force --quiet || die "authx export failed"
    else
        ARCHIVE="$BENCH_WORK/standin.sql.gz"
        info "authx unavailable: stand-in archive = sqlite3 .dump | gzip -6 (untimed)"
        sqlite3 "$DB" .dump | gzip -6 >"$ARCHIVE"
        NOTE="stand-in gzip archive; "
    fi
fi
SIZE_MB=$(du -m "$ARCHIVE" | cut -f1)
SCALE="$SCALE; archive $SIZE_MB MB"
cat "$ARCHIVE" >/dev/null   # warm the page cache equally for both sides

section "verify benchmark: runs"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    bench_measure peer_gunzip_sha256 bash -c 'gzip -dc "$1" | sha256sum' _ "$ARCHIVE"
    if [ "$AUTHX_OK" = 1 ]; then
        bench_measure authx_verify "$BENCH_AUTHX" verify "$ARCHIVE"
    fi
done

bench_add_row "verify: authx verify vs gzip -dc \\| sha256sum" authx_verify peer_gunzip_sha256 1.0 "${NOTE}archive $SIZE_MB MB"
section "verify benchmark: results"
bench_print_table "authx verify" "$SCALE"
