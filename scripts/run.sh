#!/usr/bin/env bash
# scripts/run.sh: build and run zsz-api locally, with a PostgreSQL cluster of its own.
#
#   scripts/run.sh
#
# 1. installs missing Debian packages (as root; otherwise prints the command),
# 2. builds build/zsz-api,
# 3. unless ZSZ_DATABASE_URL is set: creates (first run) and starts a cluster in
#    var/pg (Unix socket only, port ZSZ_PG_PORT, default 5433) with database zsz
#    owned by role zsz_owner, and points ZSZ_DATABASE_URL at it,
# 4. unless ZSZ_JWT_SECRET is set: generates a secret once into var/jwt-secret
#    (mode 600) and reuses it on later runs,
# 5. applies migrations, loads db/seed/*.sql, prints a demo token per role for
#    organisation krakow and a curl example,
# 6. runs "zsz-api serve" until Ctrl-C (SIGINT) or SIGTERM; then stops the server
#    and the cluster, if this script started the cluster.
#
# Every ZSZ_* variable already set is honoured; only missing ones get defaults.
# A second run reuses the cluster, its data and the secret. Start afresh with
# "rm -rf var/pg var/jwt-secret".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ZSZ_ROOT"

pg_dir="$ZSZ_ROOT/var/pg"
pg_port="${ZSZ_PG_PORT:-5433}"
started_pg=0
server_pid=""

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        zsz_log "stopping zsz-api (pid $server_pid)"
        zsz_stop_pid "$server_pid" 20 || rc=$?
    fi
    if ((started_pg)); then
        zsz_log "stopping the PostgreSQL cluster in $pg_dir"
        zsz_pg_stop "$pg_dir" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
# On a signal, the EXIT trap does the work; 130/143 is the conventional status.
trap 'exit 130' INT
trap 'exit 143' TERM

zsz_header "dependencies"
# shellcheck disable=SC2119  # no extra packages
zsz_install_deps

zsz_header "build"
zsz_build build
bin="$ZSZ_ROOT/build/zsz-api"

zsz_header "database"
mkdir -p "$ZSZ_ROOT/var"
if [[ -z "${ZSZ_DATABASE_URL:-}" ]]; then
    zsz_pg_init "$pg_dir" "$pg_port"
    # The port is fixed when the cluster is created; ZSZ_PG_PORT later has no effect.
    pg_port="$(cat "$pg_dir/port")"
    if ! zsz_pg_running "$pg_dir"; then
        zsz_pg_start "$pg_dir"
        started_pg=1
        echo "started the PostgreSQL cluster in var/pg (log: var/pg/log/postgresql.log)"
    else
        echo "the PostgreSQL cluster in var/pg already runs; it will be left running"
    fi
    zsz_pg_create_db "$pg_dir" "$pg_port" zsz
    ZSZ_DATABASE_URL="$(zsz_pg_url "$pg_dir" "$pg_port" zsz)"
    export ZSZ_DATABASE_URL
else
    echo "using ZSZ_DATABASE_URL from the environment"
fi

: "${ZSZ_JWT_ALG:=HS256}"
export ZSZ_JWT_ALG
if [[ "$ZSZ_JWT_ALG" == HS256 && -z "${ZSZ_JWT_SECRET:-}" ]]; then
    secret_file="$ZSZ_ROOT/var/jwt-secret"
    if [[ ! -s "$secret_file" ]]; then
        (
            umask 077
            if command -v openssl >/dev/null; then
                openssl rand -hex 32
            else
                od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
                echo
            fi >"$secret_file"
        )
        echo "generated a JWT secret in var/jwt-secret"
    fi
    chmod 600 "$secret_file"
    ZSZ_JWT_SECRET="$(cat "$secret_file")"
    export ZSZ_JWT_SECRET
fi

echo "applying migrations"
"$bin" migrate
echo "loading seeds"
zsz_load_seeds "$ZSZ_DATABASE_URL"

bind="${ZSZ_BIND:-127.0.0.1}"
port="${ZSZ_PORT:-8080}"
host="$bind"
[[ "$host" == 0.0.0.0 ]] && host=127.0.0.1
base="http://$host:$port"

zsz_header "demo tokens (organisation krakow, valid 8 hours)"
if [[ "$ZSZ_JWT_ALG" != HS256 ]]; then
    echo "ZSZ_JWT_ALG is $ZSZ_JWT_ALG: tokens come from your identity provider; none printed"
else
    first=""
    for role in president plenipotentiary process_owner iod auditor employee; do
        # the name the demo data gives this user, so a first call does not rename it
        name="$(psql "$ZSZ_DATABASE_URL" -XAtq -v sub="krakow.$role" 2>/dev/null <<<"SELECT name FROM users WHERE sub = :'sub'" || true)"
        token="$("$bin" token --sub "krakow.$role" --name "${name:-krakow.$role}" \
            --org krakow --role "$role" --ttl 28800)"
        var="TOKEN_${role^^}"
        printf "export %s='%s'\n" "$var" "$token"
        [[ -n "$first" ]] || first="$var"
    done
    echo
    echo "try:"
    printf '  curl -s -H "Authorization: Bearer $%s" %s/api/v1/me\n' "$first" "$base"
fi

zsz_header "serving on $base (Ctrl-C stops)"
"$bin" serve &
server_pid=$!
rc=0
wait "$server_pid" || rc=$?
server_pid=""
exit "$rc"
