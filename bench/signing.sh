#!/usr/bin/env bash
# bench/signing.sh: what a signature costs (issue 19; own targets, authx against itself):
#
#   (e) `authx export DB -o F --sign-key KEY`  vs  `authx export DB -o F`           (target ratio <= 1.05:
#       signing is one streaming SHA-512 of the bytes as they are written, no second pass)
#   (v) `authx verify F --allowed-signers P`   vs  `authx verify F`                  (target ratio <= 1.05)
#
#   bench/signing.sh [--users N] [--sessions N] [--runs N] [--out DIR] [--authx PATH]
#                    [--no-build] [--keep] [--db FILE]
#
# The database is the generated 1M-user SQLite auth database (or --db FILE); the Ed25519 key is made
# with ssh-keygen (untimed), and the signed archive is checked once with `ssh-keygen -Y verify` (untimed).
# Each pair alternates (plain, signed, plain, signed, ...); medians of --runs (default 3) runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_parse_args 1000000 "$@"
bench_parse_db_option

section "signing benchmark: setup"
bench_ensure_tools openssh-client
bench_prepare_authx export verify sign
[ "$AUTHX_OK" = 1 ] || die "this benchmark needs the authx CLI (export, verify, sign)"
bench_start

if [ -z "$DB" ]; then
    DB=$(bench_generated_db "$BENCH_USERS" "$BENCH_SESSIONS")
    SCALE="generated auth DB: $BENCH_USERS users, $BENCH_SESSIONS sessions"
else
    [ -f "$DB" ] || die "no such database: $DB"
    SCALE="database $(basename "$DB")"
fi
KEY="$BENCH_WORK/bench_ed25519"
ssh-keygen -q -t ed25519 -N "" -C bench@authx -f "$KEY"
SIGNERS="$BENCH_WORK/allowed_signers"
printf 'bench@authx namespaces="auth_export" %s\n' "$(cat "$KEY.pub")" >"$SIGNERS"
PLAIN="$BENCH_WORK/plain.authx.gz"
SIGNED="$BENCH_WORK/signed.authx.gz"
cat "$DB" >/dev/null   # warm the page cache equally for both sides

# The machine may be shared: the CPU seconds (user + sys) of each side and the load averages seen, for the notes.
cpu_note() {
    local signed plain
    signed=$(bench_cpu_median "$1"); plain=$(bench_cpu_median "$2")
    printf 'CPU median %s vs %s CPU-s (ratio %s); 1-min load at the end of each run: %s / %s' "$signed" "$plain" \
        "$(awk -v x="$signed" -v y="$plain" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "n/a" }')" \
        "$(bench_loads "$1")" "$(bench_loads "$2")"
}

section "signing (e): export --sign-key vs export"
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    rm -f "$PLAIN" "$PLAIN.sha256" "$SIGNED" "$SIGNED.sha256" "$SIGNED.sig"
    bench_measure e_export "$BENCH_AUTHX" export "$DB" -o "$PLAIN" --quiet
    bench_measure e_export_signed "$BENCH_AUTHX" export "$DB" -o "$SIGNED" --quiet --sign-key "$KEY"
done
ssh-keygen -Y verify -f "$SIGNERS" -I bench@authx -n auth_export -s "$SIGNED.sig" <"$SIGNED" >&2 ||
    die "ssh-keygen -Y verify refused the signature authx made"
SIZE_MB=$(du -m "$SIGNED" | cut -f1)
bench_add_row "(e) export --sign-key vs export" e_export_signed e_export 1.05 \
    "archive $SIZE_MB MB; .sig accepted by ssh-keygen -Y verify; $(cpu_note e_export_signed e_export)"

section "signing (v): verify --allowed-signers vs verify"
cat "$SIGNED" >/dev/null
for run in $(seq 1 "$BENCH_RUNS"); do
    info "run $run/$BENCH_RUNS"
    bench_measure v_verify "$BENCH_AUTHX" verify "$SIGNED" --quiet
    bench_measure v_verify_signed "$BENCH_AUTHX" verify "$SIGNED" --quiet --allowed-signers "$SIGNERS"
done
bench_add_row "(v) verify --allowed-signers vs verify" v_verify_signed v_verify 1.05 \
    "same signed archive; $(cpu_note v_verify_signed v_verify)"

section "signing benchmark: results"
bench_print_table "signing: authx with a signature vs without (own targets)" "$SCALE"
