# shellcheck shell=bash
# Shared helpers for authx scripts. Source it; it defines functions only.
#
#   section TITLE               print a visible section header (to stderr)
#   info MSG / warn MSG / die MSG
#   redact_url URL              print URL with any password replaced by ***
#   ensure_debian_packages P... install the Debian packages that are missing
#                               (one `apt-get update` per process, only if needed)
#   ensure_root_or_sudo         fail clearly when we cannot install packages

section() {
    local title="$*"
    printf '\n==== %s ====\n' "$title" >&2
}

info() { printf '[authx] %s\n' "$*" >&2; }
warn() { printf '[authx] WARNING: %s\n' "$*" >&2; }
die() {
    printf '[authx] ERROR: %s\n' "$*" >&2
    exit 1
}

# Replace the password in scheme://user:password@host/... by ***.
redact_url() {
    # shellcheck disable=SC2001
    printf '%s\n' "$1" | sed -E 's#^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*):[^@/]*@#\1:***@#'
}

_authx_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

_AUTHX_APT_UPDATED=${_AUTHX_APT_UPDATED:-0}

ensure_debian_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        _authx_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    info "installing missing Debian packages: ${missing[*]}"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; please install: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "not root and no sudo; please install: ${missing[*]}"
        sudo=(sudo)
    fi
    # Keep package maintainer scripts from starting services (e.g. the default
    # PostgreSQL cluster): we run our own throwaway clusters.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod +x "$policy"
        created_policy=1
    fi
    local rc=0
    if [ "$_AUTHX_APT_UPDATED" != 1 ]; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
        _AUTHX_APT_UPDATED=1
    fi
    if [ "$rc" -eq 0 ]; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${missing[@]}" || rc=$?
    fi
    if [ "$created_policy" = 1 ]; then
        "${sudo[@]}" rm -f "$policy"
    fi
    [ "$rc" -eq 0 ] || die "apt-get failed (exit $rc) installing: ${missing[*]}"
    for pkg in "${missing[@]}"; do
        _authx_pkg_installed "$pkg" || die "package still missing after install: $pkg"
    done
}

# authx_supports BIN SUBCOMMAND: true when BIN exists and really has SUBCOMMAND
# (`BIN SUB --help` exits 0 AND its usage line names the subcommand: the CLI
# skeleton answers any `--help` with its root help and exit 0).
authx_supports() {
    local bin=$1 sub=$2 out
    [ -x "$bin" ] || return 1
    out=$(timeout 30 "$bin" "$sub" --help 2>&1) || return 1
    printf '%s\n' "$out" | grep -Eiq "usage:[[:space:]]*[^[:space:]]*authx[[:space:]]+$sub([[:space:]]|$)"
}
