#!/usr/bin/env bash
# scripts/stress.sh: the hostile clients of issue 14 at full size (scripts/test.sh runs them
# scaled down: tests/api/test_limits.py).
#
#   scripts/stress.sh
#
# Builds build/, starts a cluster of its own in var/stress-pg (database zsz_stress, port
# ZSZ_STRESS_PG_PORT, default 5436), applies the migrations, then for each attack starts a
# fresh build/zsz-api serve on 127.0.0.1 with the default limits (or the ZSZ_* settings
# given) and runs it (scripts/lib/stress.py):
#   1,500 connections from one address sending their request head a byte a second (25 s)
#   1,500 such connections from 47 addresses (25 s)
#   8 connections at a time announcing 60 MB bodies without a token (15 s), then 8 chunked
#   60 MB bodies (10 s)
#   1,030 idle keep-alive connections from 33 addresses (20 s), then 2,100 (above the
#   default limit of 2,048) from 66 addresses (20 s)
# while an honest client on 127.0.0.2 asks GET /healthz every 0.2 s. It prints, per attack,
# the connections the server held, its peak memory (VmHWM) and the honest client's latency
# (p50 / p99 / max), then the same as a Markdown table (README.md, "Under hostile clients").
# Everything runs on loopback (127.0.0.0/8) and stops by itself (about 2.5 minutes); the
# servers and the cluster are stopped at the end. Server logs: var/stress-logs/.
#
# Knobs: ZSZ_STRESS_BIN (the server binary, default build/zsz-api: another build can be
# compared), ZSZ_STRESS_HTTP_PORT (first port tried, 18280), and any ZSZ_* server setting
# (e.g. ZSZ_MAX_CONNECTIONS), passed to every server.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ZSZ_ROOT"

PG_DIR="$ZSZ_ROOT/var/stress-pg"
PG_PORT="${ZSZ_STRESS_PG_PORT:-5436}"
DB=zsz_stress
LOGS="$ZSZ_ROOT/var/stress-logs"
SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
started_pg=0

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((started_pg)); then
        zsz_pg_stop "$PG_DIR" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

zsz_header "build"
zsz_build build
bin="${ZSZ_STRESS_BIN:-$ZSZ_ROOT/build/zsz-api}"
[[ -x "$bin" ]] || zsz_die "no server binary at $bin"
rm -rf "$LOGS"
mkdir -p "$LOGS"

zsz_header "database (var/stress-pg, database $DB)"
zsz_pg_init "$PG_DIR" "$PG_PORT" fast
PG_PORT="$(cat "$PG_DIR/port")"
if ! zsz_pg_running "$PG_DIR"; then
    zsz_pg_start "$PG_DIR"
    started_pg=1
fi
zsz_pg_create_db "$PG_DIR" "$PG_PORT" "$DB"
url="$(zsz_pg_url "$PG_DIR" "$PG_PORT" "$DB")"
ZSZ_DATABASE_URL="$url" ZSZ_LOG_LEVEL=warning "$bin" migrate >"$LOGS/migrate.log" 2>&1 || {
    cat "$LOGS/migrate.log"
    zsz_die "zsz-api migrate failed"
}

zsz_header "attacks ($bin)"
# bounded: each attack stops by itself; this is a backstop
timeout --foreground 900 python3 "$ZSZ_ROOT/scripts/lib/stress.py" --bin "$bin" --url "$url" \
    --secret "$SECRET" --logs "$LOGS" --port "${ZSZ_STRESS_HTTP_PORT:-18280}"
