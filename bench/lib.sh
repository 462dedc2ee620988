# shellcheck shell=bash
# Shared benchmark helpers. Source from bench/*.sh (which use `set -euo pipefail`).
#
# Every benchmark runs authx and its peer tool side by side in ONE run, alternating
# (peer, authx, peer, authx, ...), and reports median wall seconds, the ratio
# authx/peer (machines are shared and noisy: compare ratios, not seconds), and the
# peak RSS of each side (/usr/bin/time %M: the largest process of the command,
# pipelines included; for PostgreSQL restores this is the CLIENT side only).
#
# Common options (parsed by bench_parse_args):
#   --users N        generated DB scale (sessions default to 2 x users)
#   --sessions N
#   --runs N         timed runs per contender (default 3)
#   --out DIR        work/result directory (default: <repo>/bench-out)
#   --authx PATH     authx binary (default: <repo>/.build/release/authx)
#   --no-build       do not run `swift build -c release --static-swift-stdlib` first
#   --keep           keep the run's temp files (archives, dumps, restored DBs)
#   -h, --help

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/lib/common.sh
source "$BENCH_ROOT/scripts/lib/common.sh"

BENCH_USERS=""
BENCH_SESSIONS=""
BENCH_RUNS=3
BENCH_OUT="$BENCH_ROOT/bench-out"
BENCH_AUTHX="$BENCH_ROOT/.build/release/authx"
BENCH_BUILD=1
BENCH_KEEP=0
BENCH_EXTRA_ARGS=()
AUTHX_OK=0
BENCH_WORK=""
BENCH_ROWS=()

bench_usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit "${1:-0}"
}

# bench_parse_args DEFAULT_USERS "$@"; leftover unknown --opts go to BENCH_EXTRA_ARGS.
bench_parse_args() {
    BENCH_USERS=$1
    shift
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --users) BENCH_USERS=${2:?--users needs a value}; shift 2 ;;
            --sessions) BENCH_SESSIONS=${2:?--sessions needs a value}; shift 2 ;;
            --runs) BENCH_RUNS=${2:?--runs needs a value}; shift 2 ;;
            --out) BENCH_OUT=${2:?--out needs a value}; shift 2 ;;
            --authx) BENCH_AUTHX=${2:?--authx needs a value}; shift 2 ;;
            --no-build) BENCH_BUILD=0; shift ;;
            --keep) BENCH_KEEP=1; shift ;;
            -h|--help) bench_usage 0 ;;
            *) BENCH_EXTRA_ARGS+=("$1"); shift ;;
        esac
    done
    case "$BENCH_USERS$BENCH_RUNS${BENCH_SESSIONS}" in *[!0-9]*) die "--users/--sessions/--runs take integers" ;; esac
    [ "$BENCH_RUNS" -ge 1 ] || die "--runs must be >= 1"
    [ -n "$BENCH_SESSIONS" ] || BENCH_SESSIONS=$((BENCH_USERS * 2))
    case "$BENCH_AUTHX" in /*) ;; *) BENCH_AUTHX="$PWD/$BENCH_AUTHX" ;; esac
    mkdir -p "$BENCH_OUT/dbs" "$BENCH_OUT/results"
    BENCH_OUT=$(cd "$BENCH_OUT" && pwd)
}

# Temp dir for one benchmark run, removed on exit unless --keep. Callers that
# need more cleanup (a PostgreSQL cluster) set their own EXIT trap calling
# bench_cleanup.
bench_make_workdir() {
    BENCH_WORK=$(mktemp -d "$BENCH_OUT/run.$(basename "$0" .sh).XXXXXX")
    info "work dir: $BENCH_WORK"
}

# bench_parse_db_option: the one script option beyond bench_parse_args, `--db FILE` (sets DB, else empty); any
# other leftover option is an error.
bench_parse_db_option() {
    DB=""
    set -- "${BENCH_EXTRA_ARGS[@]+"${BENCH_EXTRA_ARGS[@]}"}"
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --db) DB=${2:?--db needs a file}; shift 2 ;;
            *) die "unknown option: $1 (see --help)" ;;
        esac
    done
}

# bench_start [--postgres]: the work dir, and the traps every benchmark sets: on exit the work dir is removed
# (and with --postgres the benchmark's cluster stopped); Ctrl-C exits 130, SIGTERM 143.
bench_start() {
    bench_make_workdir
    if [ "${1:-}" = --postgres ]; then
        trap 'rc=$?; trap - EXIT INT TERM; pg_cluster_stop || true; bench_cleanup || true; exit "$rc"' EXIT
    else
        trap bench_cleanup EXIT
    fi
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

bench_cleanup() {
    if [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ]; then
        if [ "$BENCH_KEEP" = 1 ]; then
            info "kept $BENCH_WORK"
        else
            rm -rf -- "$BENCH_WORK"
        fi
    fi
}

bench_ensure_tools() {
    ensure_debian_packages time sqlite3 gzip coreutils "$@"
    command -v python3 >/dev/null 2>&1 || die "python3 is required"
}

# Build (unless --no-build) and probe the authx CLI; sets AUTHX_OK=1 when the
# binary exists and `authx SUBCOMMAND --help` works for every named subcommand.
bench_prepare_authx() {
    if [ "$BENCH_BUILD" = 1 ] && [ "$BENCH_AUTHX" = "$BENCH_ROOT/.build/release/authx" ]; then
        section "swift build -c release"
        # The system libraries the package links (Package.swift's .systemLibrary providers).
        ensure_debian_packages libsqlite3-dev libpq-dev zlib1g-dev libdeflate-dev pkg-config
        (cd "$BENCH_ROOT" && swift build -c release --static-swift-stdlib --product authx) || die "swift build -c release failed (use --no-build to bench the peers only)"
    fi
    AUTHX_OK=1
    if [ ! -x "$BENCH_AUTHX" ]; then
        AUTHX_OK=0
        warn "authx binary not found at $BENCH_AUTHX: authx side SKIPPED, peers only"
        return 0
    fi
    local sub
    for sub in "$@"; do
        if ! authx_supports "$BENCH_AUTHX" "$sub"; then
            AUTHX_OK=0
            warn "$BENCH_AUTHX has no working '$sub' subcommand yet: authx side SKIPPED, peers only"
            return 0
        fi
    done
    info "authx: $BENCH_AUTHX"
}

# bench_generated_db USERS SESSIONS -> prints the path of a cached generated DB.
bench_generated_db() {
    local users=$1 sessions=$2
    local db="$BENCH_OUT/dbs/auth-u${users}-s${sessions}-seed42.db"
    if [ ! -f "$db" ]; then
        info "generating $db (users=$users sessions=$sessions)"
        "$BENCH_ROOT/scripts/generate-auth-db" "$db" --users "$users" --sessions "$sessions" --seed 42 >&2 ||
            die "generate-auth-db failed"
    fi
    printf '%s\n' "$db"
}

# The Python venv with the frameworks that build the framework databases: the pinned packages
# of scripts/e2e/orm/requirements.txt from PyPI, in $BENCH_OUT/venv (AUTHX_BENCH_VENV to reuse
# another one), made once and reused while the requirements do not change.
bench_framework_venv() {
    local venv=${AUTHX_BENCH_VENV:-$BENCH_OUT/venv} req="$BENCH_ROOT/scripts/e2e/orm/requirements.txt" stamp
    stamp=$(sha256sum "$req" | cut -c1-16)
    if [ ! -f "$venv/.authx-bench-$stamp" ]; then
        info "making the framework venv $venv (pip install -r scripts/e2e/orm/requirements.txt)"
        python3 -m venv "$venv" >/dev/null 2>&1 || { ensure_debian_packages python3-venv; python3 -m venv "$venv"; } ||
            die "python3 -m venv $venv failed"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2 ||
            die "pip install -r $req failed (PyPI must be reachable)"
        touch "$venv/.authx-bench-$stamp"
    fi
    printf '%s\n' "$venv"
}

# bench_framework_db FRAMEWORK USERS -> prints the path of a cached database built by the framework
# itself (bench/frameworks/build_db.py: django | flask-security), seed 42. The file name carries a hash
# of the generator and the pinned requirements, so a change to either builds a new one.
bench_framework_db() {
    local fw=$1 users=$2 venv tag db
    tag=$(cat "$BENCH_ROOT/bench/frameworks/build_db.py" "$BENCH_ROOT/scripts/e2e/orm/requirements.txt" | sha256sum | cut -c1-8)
    db="$BENCH_OUT/dbs/$fw-u$users-seed42-$tag.db"
    if [ ! -f "$db" ]; then
        venv=$(bench_framework_venv)
        info "building $db with $fw ($users users)"
        local t0=$SECONDS
        "$venv/bin/python" "$BENCH_ROOT/bench/frameworks/build_db.py" "$fw" "$db" --users "$users" --seed 42 >&2 ||
            die "bench/frameworks/build_db.py $fw --users $users failed"
        info "built in $((SECONDS - t0)) s: $(du -m "$db" | cut -f1) MB"
    fi
    printf '%s\n' "$db"
}

# bench_pg_start: start the throwaway PostgreSQL 15 cluster (scripts/lib/pg-cluster.sh, which the caller
# sources; call in the main shell, with pg_cluster_stop in the EXIT trap) with bulk-load friendly
# settings, identical for every contender, and set PSQL to a psql command line for it.
bench_pg_start() {
    export PG_CLUSTER_EXTRA_CONF="shared_buffers = 512MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
autovacuum = off"
    pg_cluster_start
    PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U postgres)
}

# bench_fresh_db NAME: (re)create an empty database in that cluster, print its URL.
bench_fresh_db() {
    "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\"" >&2
    printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$PG_CLUSTER_PORT" "$1"
}

# bench_measure LABEL CMD...   run CMD once, timed; append "seconds rss_kb" to the
# results of LABEL. CMD's stdout goes to the bench log, stderr is shown on failure.
bench_measure() {
    local label=$1
    shift
    local tf="$BENCH_WORK/.time" ef="$BENCH_WORK/.stderr" start end secs rss cpu
    start=$(date +%s%N)
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >>"$BENCH_WORK/commands.log" 2>"$ef"; then
        echo "[bench] $label FAILED: $*" >&2
        sed 's/^/    /' "$ef" | tail -n 30 >&2
        return 1
    fi
    end=$(date +%s%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(tail -n 1 "$tf" | awk '{print $2}')
    cpu=$(tail -n 1 "$tf" | awk '{printf "%.2f", $3 + $4}')
    # Columns: wall seconds, peak RSS KB, CPU seconds (user + sys), 1-minute load average at the end.
    printf '%s %s %s %s\n' "$secs" "$rss" "$cpu" "$(cut -d' ' -f1 /proc/loadavg)" >>"$BENCH_WORK/$label.runs"
    printf '[bench]   %-28s %8.3f s  %8.1f MB peak RSS  %7.2f CPU-s  load %s\n' "$label" "$secs" \
        "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$cpu" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

# Median seconds / max RSS (MB) / list of seconds for LABEL.
bench_median() { sort -n "$BENCH_WORK/$1.runs" | awk '{a[NR]=$1} END { if (NR % 2) printf "%.3f", a[(NR+1)/2]; else printf "%.3f", (a[NR/2]+a[NR/2+1])/2 }'; }
bench_rss_mb() { awk 'BEGIN{m=0} {if ($2>m) m=$2} END { printf "%.0f", m/1024 }' "$BENCH_WORK/$1.runs"; }
bench_all_runs() { awk '{printf "%s%s", (NR>1?", ":""), $1}' "$BENCH_WORK/$1.runs"; }
# Median CPU seconds (user + sys) and the 1-minute load averages seen, for LABEL.
bench_cpu_median() { sort -n -k3 "$BENCH_WORK/$1.runs" | awk '{a[NR]=$3} END { if (NR % 2) printf "%.2f", a[(NR+1)/2]; else printf "%.2f", (a[NR/2]+a[NR/2+1])/2 }'; }
bench_loads() { awk '{printf "%s%s", (NR>1?", ":""), $4}' "$BENCH_WORK/$1.runs"; }

# bench_add_row BENCHMARK AUTHX_LABEL PEER_LABEL TARGET_RATIO NOTE
# Records one comparison row (authx vs peer) for the markdown table.
bench_add_row() {
    local name=$1 a=$2 p=$3 target=$4 note=${5:-}
    local pm pr am ar ratio verdict
    pm=$(bench_median "$p"); pr=$(bench_rss_mb "$p")
    if [ -f "$BENCH_WORK/$a.runs" ]; then
        am=$(bench_median "$a"); ar=$(bench_rss_mb "$a")
        ratio=$(awk -v x="$am" -v y="$pm" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "n/a" }')
        verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { if (r == "n/a") print "?"; else if (r + 0 <= t + 0) print "MET"; else print "MISSED" }')
        local ac pc cratio
        ac=$(bench_cpu_median "$a"); pc=$(bench_cpu_median "$p")
        cratio=$(awk -v x="$ac" -v y="$pc" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "n/a" }')
        note="CPU s (user+sys, medians) $ac / $pc = $cratio; load $(bench_loads "$a")${note:+; $note}"
        BENCH_ROWS+=("| $name | $am ($(bench_all_runs "$a")) | $ar | $pm ($(bench_all_runs "$p")) | $pr | **$ratio** | ≤ $target $verdict | $note |")
    else
        BENCH_ROWS+=("| $name | skipped | – | $pm ($(bench_all_runs "$p")) | $pr | n/a | ≤ $target | $note |")
    fi
}

# bench_print_table TITLE SCALE_DESCRIPTION: print the markdown table and save it.
bench_print_table() {
    local title=$1 scale=$2
    local out
    out="$BENCH_OUT/results/$(basename "$0" .sh)-$(date -u +%Y%m%dT%H%M%SZ).md"
    {
        printf '### %s\n\n' "$title"
        printf '%s; %s run(s) per contender, alternating; %s; %s CPUs; %s.\n\n' \
            "$scale" "$BENCH_RUNS" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" \
            "$( [ "$AUTHX_OK" = 1 ] && echo "authx $(basename "$BENCH_AUTHX")" || echo 'authx side skipped (CLI not available)')"
        printf '| benchmark | authx median s (runs) | authx peak RSS MB | peer median s (runs) | peer peak RSS MB | ratio authx/peer | target | notes |\n'
        printf '|---|---|---|---|---|---|---|---|\n'
        printf '%s\n' "${BENCH_ROWS[@]}"
    } | tee "$out"
    info "saved $out"
}
