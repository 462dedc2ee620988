# shellcheck shell=bash
# Throwaway PostgreSQL 15 clusters for tests and benchmarks.
#
# Usage (from a bash script with `set -euo pipefail`):
#
#     source scripts/lib/pg-cluster.sh
#     trap pg_cluster_stop EXIT          # plus INT/TERM -> exit, see scripts/test
#     pg_cluster_start
#     psql "$PG_CLUSTER_URL" -c 'select 1'
#
# pg_cluster_start creates a fresh `mktemp -d` directory holding the data
# directory, the Unix socket directory and the server log, all owned by the
# `postgres` user (PostgreSQL refuses to run as root: when we are root every
# server command runs through `runuser -u postgres --`). The server uses trust
# authentication, listens on 127.0.0.1 on a free TCP port, and runs with
# fsync=off (the data is thrown away). On success it sets and exports:
#
#     PG_CLUSTER_DIR         the temp directory (deleted by pg_cluster_stop)
#     PG_CLUSTER_DATA        data directory
#     PG_CLUSTER_SOCKET_DIR  Unix socket directory
#     PG_CLUSTER_LOG         server log file
#     PG_CLUSTER_HOST        127.0.0.1
#     PG_CLUSTER_PORT        the TCP port
#     PG_CLUSTER_USER        postgres
#     PG_CLUSTER_URL         postgresql://postgres@127.0.0.1:PORT/postgres
#     PG_CLUSTER_PID         our child process running the postmaster
#
# pg_cluster_start must be called in the main shell (not in $(...)), so that
# the postmaster is a child of the calling script and gets reaped on stop.
#
# Tunables (environment, optional):
#     PG_BIN                 server binaries (default /usr/lib/postgresql/15/bin)
#     PG_CLUSTER_EXTRA_CONF  extra postgresql.conf lines (newline separated)
#     PG_CLUSTER_START_TIMEOUT  seconds to wait for readiness (default 60)
#
# pg_cluster_stop stops the server (fast, then immediate, then SIGKILL) and
# deletes the directory. It is idempotent, never fails, and is safe to call
# from an EXIT trap whether or not the cluster ever started.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

_pg_log() { printf '[pg-cluster] %s\n' "$*" >&2; }

# Run a command as the cluster owner: `postgres` when we are root, else ourselves.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

_pg_free_port() {
    local port
    if port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null) && [ -n "$port" ]; then
        printf '%s\n' "$port"
        return 0
    fi
    # Fallback without python: probe random high ports.
    local _
    for _ in $(seq 1 200); do
        port=$(( (RANDOM * 32768 + RANDOM) % 30000 + 20000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    return 1
}

_pg_cleanup_dir() {
    if [ -n "${PG_CLUSTER_DIR:-}" ] && [ -d "$PG_CLUSTER_DIR" ]; then
        rm -rf -- "$PG_CLUSTER_DIR"
    fi
    unset PG_CLUSTER_DIR PG_CLUSTER_DATA PG_CLUSTER_SOCKET_DIR PG_CLUSTER_LOG \
        PG_CLUSTER_HOST PG_CLUSTER_PORT PG_CLUSTER_USER PG_CLUSTER_URL
}

pg_cluster_start() {
    if [ -n "${PG_CLUSTER_DIR:-}" ]; then
        _pg_log "a cluster is already running in $PG_CLUSTER_DIR"
        return 1
    fi
    local b
    for b in initdb pg_ctl pg_isready postgres; do
        if [ ! -x "$PG_BIN/$b" ]; then
            _pg_log "missing $PG_BIN/$b (install postgresql-15, or set PG_BIN)"
            return 1
        fi
    done
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        _pg_log "running as root but there is no 'postgres' user (install postgresql-15)"
        return 1
    fi

    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/authx-pg.XXXXXX") || return 1
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
        chmod 0700 "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            # $TMPDIR not reachable by postgres: fall back to /tmp.
            rm -rf -- "$dir"
            dir=$(mktemp -d /tmp/authx-pg.XXXXXX) || return 1
            chown postgres: "$dir"
        fi
    fi
    export PG_CLUSTER_DIR="$dir"
    export PG_CLUSTER_DATA="$dir/data"
    export PG_CLUSTER_SOCKET_DIR="$dir/sock"
    export PG_CLUSTER_LOG="$dir/postgres.log"
    export PG_CLUSTER_HOST=127.0.0.1
    export PG_CLUSTER_USER=postgres
    _pg_as_owner mkdir -p "$PG_CLUSTER_SOCKET_DIR"

    if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_CLUSTER_DATA" -U postgres \
        --auth=trust --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        _pg_log "initdb failed:"
        sed 's/^/    /' "$dir/initdb.log" >&2 || true
        _pg_cleanup_dir
        return 1
    fi

    local conf="$PG_CLUSTER_DATA/postgresql.conf"
    {
        printf '\n# --- authx throwaway test cluster ---\n'
        printf "listen_addresses = '127.0.0.1'\n"
        printf "unix_socket_directories = '%s'\n" "$PG_CLUSTER_SOCKET_DIR"
        printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
        printf 'max_connections = 100\n'
        printf "logging_collector = off\n"
        if [ -n "${PG_CLUSTER_EXTRA_CONF:-}" ]; then
            printf '%s\n' "$PG_CLUSTER_EXTRA_CONF"
        fi
    } | _pg_as_owner tee -a "$conf" >/dev/null

    local attempt port timeout=${PG_CLUSTER_START_TIMEOUT:-60}
    for attempt in 1 2 3; do
        port=$(_pg_free_port) || { _pg_log "could not find a free TCP port"; break; }
        # The postmaster runs as OUR child (through runuser), not daemonized by
        # `pg_ctl start`: a daemonized postmaster is re-parented to PID 1, which in
        # some sandboxes does not reap it promptly and leaves a <defunct> postgres
        # process behind after the stop. `pg_ctl stop` still works on it (pid file).
        if [ "$(id -u)" -eq 0 ]; then
            (cd / && exec runuser -u postgres -- "$PG_BIN/postgres" -D "$PG_CLUSTER_DATA" -p "$port") \
                >>"$PG_CLUSTER_LOG" 2>&1 </dev/null &
        else
            (cd / && exec "$PG_BIN/postgres" -D "$PG_CLUSTER_DATA" -p "$port") \
                >>"$PG_CLUSTER_LOG" 2>&1 </dev/null &
        fi
        export PG_CLUSTER_PID=$!
        local waited=0 ready=0
        while [ "$waited" -lt "$((timeout * 5))" ]; do
            if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 2; then
                ready=1
                break
            fi
            kill -0 "$PG_CLUSTER_PID" 2>/dev/null || break   # server process exited
            sleep 0.2
            waited=$((waited + 1))
        done
        if [ "$ready" = 1 ]; then
            export PG_CLUSTER_PORT="$port"
            export PG_CLUSTER_URL="postgresql://postgres@127.0.0.1:$port/postgres"
            _pg_log "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') ready at $PG_CLUSTER_URL (dir $PG_CLUSTER_DIR)"
            return 0
        fi
        _pg_log "start attempt $attempt on 127.0.0.1:$port failed; server log tail:"
        tail -n 20 "$PG_CLUSTER_LOG" 2>/dev/null | sed 's/^/    /' >&2 || true
        _pg_stop_server
    done
    _pg_log "could not start PostgreSQL"
    _pg_cleanup_dir
    return 1
}

# Stop the server of the current cluster (if running); keep the directory.
_pg_stop_server() {
    [ -n "${PG_CLUSTER_DATA:-}" ] || return 0
    local pidfile="$PG_CLUSTER_DATA/postmaster.pid" pid=""
    if [ -f "$pidfile" ]; then
        pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_CLUSTER_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 ||
            _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_CLUSTER_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 ||
            true
        # Last resort: kill the postmaster recorded in the pid file, and its children.
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            pkill -KILL -P "$pid" 2>/dev/null || true
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # Reap our child (runuser -> postgres) so nothing is left <defunct>.
    if [ -n "${PG_CLUSTER_PID:-}" ]; then
        if kill -0 "$PG_CLUSTER_PID" 2>/dev/null; then
            local _
            for _ in $(seq 1 50); do
                kill -0 "$PG_CLUSTER_PID" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$PG_CLUSTER_PID" 2>/dev/null || true
        fi
        wait "$PG_CLUSTER_PID" 2>/dev/null || true
        unset PG_CLUSTER_PID
    fi
    return 0
}

pg_cluster_stop() {
    [ -n "${PG_CLUSTER_DIR:-}" ] || return 0
    _pg_stop_server || true
    local dir="$PG_CLUSTER_DIR"
    _pg_cleanup_dir || true
    _pg_log "stopped and removed $dir"
    return 0
}

# Create a fresh, empty database in the running cluster and print its URL.
#     url=$(pg_cluster_create_db mydb)
pg_cluster_create_db() {
    local name="$1" enc
    [ -n "${PG_CLUSTER_PORT:-}" ] || { _pg_log "no cluster running"; return 1; }
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_CLUSTER_PORT" -U postgres -d postgres \
        -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"${name//\"/\"\"}\" WITH (FORCE)" \
        -c "CREATE DATABASE \"${name//\"/\"\"}\"" >&2 || return 1
    enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$name")
    printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$PG_CLUSTER_PORT" "$enc"
}
