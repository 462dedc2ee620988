#!/usr/bin/env bash
# bench/frameworks.sh: every job of authx against its peer on databases built by real frameworks
# (bench/frameworks/build_db.py: Django's own migrations and models with signed database sessions and
# the admin log; Flask-Security-Too's fsqla_v3 models with roles, TOTP/WebAuthn columns and API keys),
# at the sizes users have.
#
#   bench/frameworks.sh [--sizes "20000 200000"] [--frameworks "django flask-security"] [--runs N]
#                       [--out DIR] [--authx PATH] [--no-build] [--keep] [--no-postgres]
#
# Per framework database and size, side by side in one run, alternating, medians of --runs (default 3):
#   export             authx export DB -o F              vs  sqlite3 DB .dump | gzip -6       (≤ 0.6 at 20k users, else ≤ 0.5)
#   verify             authx verify F                    vs  gzip -dc F | sha256sum           (≤ 1.0)
#   restore → SQLite   authx restore F --to sqlite:///…  vs  sqlite3 new.db < dump.sql        (≤ 0.5, peak RSS < 100 MB)
#   export+restore → PostgreSQL  authx export + restore  vs  pgloader sqlite://DB postgresql://…  (≤ 0.6)
#   restore → PostgreSQL         authx restore F --no-analyze  vs  pg_restore of a pg_dump -Fc of it   (≤ 1.0)
#                                authx restore F (its default ANALYZE)  vs  pg_restore + psql -c ANALYZE (≤ 1.0)
# Sizes are users (1,000,000 also when AUTHX_BENCH_1M=1: building it takes long). The databases and
# the framework venv (pinned scripts/e2e/orm/requirements.txt, from PyPI) are cached in $OUT/dbs and
# $OUT/venv. PostgreSQL is a throwaway cluster (scripts/lib/pg-cluster.sh, fsync=off, same settings for
# every contender); --no-postgres leaves the two PostgreSQL jobs out.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/lib/pg-cluster.sh
source "$BENCH_ROOT/scripts/lib/pg-cluster.sh"

bench_parse_args 0 "$@"
SIZES="20000 200000"
[ "${AUTHX_BENCH_1M:-0}" = 1 ] && SIZES="$SIZES 1000000"
FRAMEWORKS="django flask-security"
POSTGRES=1
set -- "${BENCH_EXTRA_ARGS[@]+"${BENCH_EXTRA_ARGS[@]}"}"
while [ "$#" -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=${2:?--sizes needs a list}; shift 2 ;;
        --frameworks) FRAMEWORKS=${2:?--frameworks needs a list}; shift 2 ;;
        --no-postgres) POSTGRES=0; shift ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done

section "frameworks benchmark: setup"
if [ "$POSTGRES" = 1 ]; then
    bench_ensure_tools postgresql-15 postgresql-client-15 pgloader
else
    bench_ensure_tools
fi
bench_prepare_authx export verify restore
[ "$AUTHX_OK" = 1 ] || die "the authx CLI is needed for this benchmark"
bench_make_workdir
cleanup_all() {
    local rc=$?
    trap - EXIT INT TERM
    [ "$POSTGRES" = 1 ] && { pg_cluster_stop || true; }
    bench_cleanup || true
    exit "$rc"
}
trap cleanup_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DBS=()
for size in $SIZES; do
    for fw in $FRAMEWORKS; do
        DBS+=("$fw:$size:$(bench_framework_db "$fw" "$size")")
    done
done

[ "$POSTGRES" = 1 ] && bench_pg_start
rows_in() { "${PSQL[@]}" -d "$1" -At -c "SELECT count(*) FROM $2" 2>/dev/null || echo '?'; }

cd "$BENCH_WORK"
mkdir -p pgloader
for entry in "${DBS[@]}"; do
    fw=${entry%%:*}; rest=${entry#*:}; size=${rest%%:*}; DB=${rest#*:}
    users_table=$([ "$fw" = django ] && echo auth_user || echo '"user"')
    tag="$fw-$size"
    mb=$(du -m "$DB" | cut -f1)
    name="$fw, $size users ($mb MB)"
    export_target=0.5
    [ "$size" -le 20000 ] && export_target=0.6
    section "frameworks: $name"
    cat "$DB" >/dev/null   # warm the page cache equally for both sides
    sqlite3 "$DB" .dump >dump.sql
    "$BENCH_AUTHX" export "$DB" -o archive.authx.gz --force --quiet || die "authx export $DB failed"
    for run in $(seq 1 "$BENCH_RUNS"); do
        info "$tag export, run $run/$BENCH_RUNS"
        rm -f peer.sql.gz
        bench_measure "$tag-export-peer" bash -c 'sqlite3 "$1" .dump | gzip -6 > "$2"' _ "$DB" peer.sql.gz
        rm -f x.authx.gz x.authx.gz.sha256
        bench_measure "$tag-export-authx" "$BENCH_AUTHX" export "$DB" -o x.authx.gz --force --quiet
    done
    bench_add_row "$name: export vs \`sqlite3 .dump \\| gzip -6\`" "$tag-export-authx" "$tag-export-peer" "$export_target" \
        "archive $(du -k x.authx.gz | cut -f1) KiB, .sql.gz $(du -k peer.sql.gz | cut -f1) KiB"
    for run in $(seq 1 "$BENCH_RUNS"); do
        info "$tag verify, run $run/$BENCH_RUNS"
        bench_measure "$tag-verify-peer" bash -c 'gzip -dc "$1" | sha256sum' _ archive.authx.gz
        bench_measure "$tag-verify-authx" "$BENCH_AUTHX" verify archive.authx.gz
    done
    bench_add_row "$name: verify vs \`gzip -dc \\| sha256sum\`" "$tag-verify-authx" "$tag-verify-peer" 1.0 "the same archive"
    for run in $(seq 1 "$BENCH_RUNS"); do
        info "$tag restore → SQLite, run $run/$BENCH_RUNS"
        rm -f peer.db
        bench_measure "$tag-rsqlite-peer" bash -c 'sqlite3 -bail peer.db < dump.sql'
        rm -f new.db
        bench_measure "$tag-rsqlite-authx" "$BENCH_AUTHX" restore archive.authx.gz --to sqlite:///new.db
    done
    [ "$(sqlite3 new.db "SELECT count(*) FROM $users_table")" = "$size" ] || die "$tag: the restored SQLite database lacks users"
    bench_add_row "$name: restore → SQLite vs \`sqlite3 new.db < dump.sql\`" "$tag-rsqlite-authx" "$tag-rsqlite-peer" 0.5 \
        "authx peak RSS must stay < 100 MB"
    rm -f peer.db new.db
    [ "$POSTGRES" = 1 ] || continue
    for run in $(seq 1 "$BENCH_RUNS"); do
        info "$tag export+restore → PostgreSQL, run $run/$BENCH_RUNS"
        url=$(bench_fresh_db bench_pgloader)
        bench_measure "$tag-pga-peer" pgloader --dynamic-space-size 4096 --quiet --root-dir "$BENCH_WORK/pgloader" "sqlite://$DB" "$url"
        url=$(bench_fresh_db bench_authx)
        rm -f pg.authx.gz pg.authx.gz.sha256
        bench_measure "$tag-pga-authx" bash -c '"$1" export "$2" -o pg.authx.gz --force --quiet && "$1" restore pg.authx.gz --to "$3"' \
            _ "$BENCH_AUTHX" "$DB" "$url"
        url=$(bench_fresh_db bench_authx_na)
        rm -f pg.authx.gz pg.authx.gz.sha256
        bench_measure "$tag-pgn-authx" bash -c '"$1" export "$2" -o pg.authx.gz --force --quiet && "$1" restore pg.authx.gz --to "$3" --no-analyze' \
            _ "$BENCH_AUTHX" "$DB" "$url"
    done
    # pgloader's SQLite defaults run no ANALYZE; authx's restore ends with one unless --no-analyze.
    bench_add_row "$name: export+restore → PostgreSQL (default, ends with ANALYZE) vs pgloader" "$tag-pga-authx" "$tag-pga-peer" 0.6 \
        "users: pgloader $(rows_in bench_pgloader "$users_table"), authx $(rows_in bench_authx "$users_table")"
    bench_add_row "$name: export+restore → PostgreSQL (\`--no-analyze\`, as pgloader) vs pgloader" "$tag-pgn-authx" "$tag-pga-peer" 0.6 \
        "users: authx $(rows_in bench_authx_na "$users_table")"
    pg_dump -Fc -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U postgres -f dump.fc bench_authx
    # authx ends its restore with ANALYZE (after the commit); pg_restore does not (its manual says to run
    # ANALYZE afterwards). So two comparisons, each with the same work on both sides: authx --no-analyze
    # against pg_restore, and authx as it runs by default against pg_restore followed by that ANALYZE.
    for run in $(seq 1 "$BENCH_RUNS"); do
        info "$tag restore → PostgreSQL, run $run/$BENCH_RUNS"
        url=$(bench_fresh_db bench_pg_restore)
        bench_measure "$tag-pgb-peer" pg_restore --no-owner --exit-on-error -d "$url" dump.fc
        url=$(bench_fresh_db bench_authx_restore)
        bench_measure "$tag-pgb-authx" "$BENCH_AUTHX" restore archive.authx.gz --to "$url" --no-analyze
        url=$(bench_fresh_db bench_pg_restore_analyze)
        bench_measure "$tag-pgc-peer" bash -c 'pg_restore --no-owner --exit-on-error -d "$1" dump.fc && psql -X -q -d "$1" -c ANALYZE' _ "$url"
        url=$(bench_fresh_db bench_authx_restore_analyze)
        bench_measure "$tag-pgc-authx" "$BENCH_AUTHX" restore archive.authx.gz --to "$url"
    done
    bench_add_row "$name: restore → PostgreSQL (\`--no-analyze\`) vs \`pg_restore\` of \`pg_dump -Fc\`" "$tag-pgb-authx" "$tag-pgb-peer" 1.0 \
        "users: pg_restore $(rows_in bench_pg_restore "$users_table"), authx $(rows_in bench_authx_restore "$users_table")"
    bench_add_row "$name: restore → PostgreSQL (default, ends with ANALYZE) vs \`pg_restore\` + \`ANALYZE\`" "$tag-pgc-authx" "$tag-pgc-peer" 1.0 \
        "users: pg_restore $(rows_in bench_pg_restore_analyze "$users_table"), authx $(rows_in bench_authx_restore_analyze "$users_table")"
done

section "frameworks benchmark: results"
bench_print_table "authx on framework-built databases" \
    "Django $(grep -i '^Django==' "$BENCH_ROOT/scripts/e2e/orm/requirements.txt" | cut -d= -f3) and Flask-Security-Too $(grep -i '^Flask-Security-Too==' "$BENCH_ROOT/scripts/e2e/orm/requirements.txt" | cut -d= -f3) databases (bench/frameworks/build_db.py, seed 42); load average $(cut -d' ' -f1-3 /proc/loadavg)"
