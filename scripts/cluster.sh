#!/usr/bin/env bash
# scripts/cluster.sh: the scaled-out deployment on one machine, from Debian packages only
# (issue 15): a PostgreSQL primary and a hot standby fed by streaming replication,
# PgBouncer in transaction mode in front of the primary, two zsz-api instances (writes
# through PgBouncer, lists and reports from the standby, the public rate limit shared in
# PostgreSQL) and HAProxy in front of both.
#
#   scripts/cluster.sh start     build, make (once) and start everything; prints the URL
#   scripts/cluster.sh stop      stop everything it started
#   scripts/cluster.sh status    what runs
#   scripts/cluster.sh restart-api [ZSZ_VAR=value ...]   restart the two instances
#   scripts/cluster.sh up-api    start whichever instance is not running
#   scripts/cluster.sh test      start, then the cluster tests (tests/cluster/): an instance
#                                killed under write load, cursors across instances, the public
#                                limit across both; with ZSZ_CLUSTER_FULL=1 also the whole API
#                                suite through the load balancer first (lists from the primary
#                                then: the suite reads other callers' writes at once); stops
#                                at the end
#
# Everything lives in var/cluster/ (logs there too). Ports: ZSZ_CLUSTER_PORT (the load
# balancer, default 8090; the instances take the next two, their metrics the two after), and
# ZSZ_CLUSTER_PG_PORT (the primary, default 5440; the standby and PgBouncer the next two).
# The instances run with ZSZ_PUBLIC_RATE_LIMIT=${ZSZ_CLUSTER_RATE_LIMIT:-60}.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ZSZ_ROOT"

DIR="$ZSZ_ROOT/var/cluster"
LB_PORT="${ZSZ_CLUSTER_PORT:-8090}"
API1_PORT=$((LB_PORT + 1))
API2_PORT=$((LB_PORT + 2))
PG_PORT="${ZSZ_CLUSTER_PG_PORT:-5440}"
STANDBY_PORT=$((PG_PORT + 1))
BOUNCER_PORT=$((PG_PORT + 2))
DB=zsz
PRIMARY="$DIR/primary"
STANDBY="$DIR/standby"
BOUNCER="$DIR/bouncer"
BIN="$ZSZ_ROOT/build/zsz-api"

usage() {
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

secret() {
    mkdir -p "$DIR"
    if [[ ! -s "$DIR/jwt-secret" ]]; then
        od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$DIR/jwt-secret"
        chmod 600 "$DIR/jwt-secret"
    fi
    cat "$DIR/jwt-secret"
}

primary_url() { zsz_pg_url "$PRIMARY" "$PG_PORT" "$DB"; }
standby_url() { zsz_pg_url "$STANDBY" "$STANDBY_PORT" "$DB"; }
bouncer_url() { zsz_pgbouncer_url "$BOUNCER" "$BOUNCER_PORT" "$DB"; }

start_databases() {
    if [[ -f "$PRIMARY/port" && "$(cat "$PRIMARY/port")" != "$PG_PORT" ]]; then
        zsz_die "var/cluster was made with PostgreSQL on port $(cat "$PRIMARY/port"), not $PG_PORT: scripts/cluster.sh stop; rm -rf var/cluster"
    fi
    zsz_pg_init "$PRIMARY" "$PG_PORT" fast
    zsz_pg_start "$PRIMARY"
    zsz_pg_create_db "$PRIMARY" "$PG_PORT" "$DB"
    ZSZ_DATABASE_URL="$(primary_url)" "$BIN" migrate >"$DIR/migrate.log" 2>&1 || {
        cat "$DIR/migrate.log"
        zsz_die "migrations failed"
    }
    zsz_load_seeds "$(primary_url)" >/dev/null
    if [[ ! -f "$STANDBY/data/PG_VERSION" ]]; then
        local user sock
        user="$(zsz__pg_osuser "$PRIMARY")"
        mkdir -p "$STANDBY/data" "$STANDBY/log"
        sock="$(zsz_pg_sockdir "$STANDBY")"
        mkdir -p "$sock"
        ((EUID == 0)) && chown "$user:" "$STANDBY" "$STANDBY/data" "$STANDBY/log" "$sock"
        chmod 700 "$STANDBY/data"
        zsz__pg_as "$PRIMARY" "$(zsz_pg_bindir)/pg_basebackup" -D "$STANDBY/data" -R -X stream -c fast \
            -h "$(zsz_pg_sockdir "$PRIMARY")" -p "$PG_PORT" -U "$ZSZ_PG_SUPERUSER"
        printf "port = %s\nunix_socket_directories = '%s'\nhot_standby = on\nmax_standby_streaming_delay = 60s\n" \
            "$STANDBY_PORT" "$sock" >>"$STANDBY/data/postgresql.conf"
        echo "$STANDBY_PORT" >"$STANDBY/port"
    fi
    zsz_pg_start "$STANDBY"
    if [[ ! -f "$BOUNCER/pgbouncer.pid" ]] || ! kill -0 "$(cat "$BOUNCER/pgbouncer.pid")" 2>/dev/null; then
        zsz_pgbouncer_start "$BOUNCER" "$PRIMARY" "$BOUNCER_PORT" || zsz_die "PgBouncer did not start"
    fi
}

# start_api N PORT [ZSZ_VAR=value ...]
start_api() {
    local n="$1" port="$2"
    shift 2
    if [[ -f "$DIR/api$n.pid" ]] && kill -0 "$(cat "$DIR/api$n.pid")" 2>/dev/null; then
        return 0
    fi
    env -i PATH="$PATH" HOME="${HOME:-/}" \
        ZSZ_BIND=127.0.0.1 ZSZ_PORT="$port" ZSZ_DATABASE_URL="$(bouncer_url)" ZSZ_DB_POOLER=transaction \
        ZSZ_DATABASE_READ_URL="$(standby_url)" ZSZ_DATABASE_LISTEN_URL="$(primary_url)" \
        ZSZ_RATE_LIMIT_STORE=database \
        ZSZ_PUBLIC_RATE_LIMIT="${ZSZ_CLUSTER_RATE_LIMIT:-60}" ZSZ_TRUSTED_PROXIES=127.0.0.1 \
        ZSZ_MAX_CONNECTIONS_PER_ADDRESS=0 ZSZ_JWT_SECRET="$(secret)" \
        ZSZ_METRICS_BIND="127.0.0.1:$((LB_PORT + 2 + n))" ZSZ_HOUSEKEEPING_SECONDS=2 \
        "${ZSZ_WEBHOOK_TEST_SETTINGS[@]}" "$@" \
        "$BIN" serve >>"$DIR/api$n.log" 2>&1 </dev/null &
    echo $! >"$DIR/api$n.pid"
    zsz_wait_http "http://127.0.0.1:$port/readyz" 30 "$(cat "$DIR/api$n.pid")" || {
        tail -n 20 "$DIR/api$n.log"
        zsz_die "instance $n did not become ready"
    }
}

stop_api() {
    local n="$1"
    if [[ -f "$DIR/api$n.pid" ]]; then
        zsz_stop_pid "$(cat "$DIR/api$n.pid")" 20 || true
        rm -f "$DIR/api$n.pid"
    fi
}

start_lb() {
    if [[ -f "$DIR/haproxy.pid" ]] && kill -0 "$(cat "$DIR/haproxy.pid")" 2>/dev/null; then
        return 0
    fi
    cat >"$DIR/haproxy.cfg" <<CFG
global
    log stdout format raw local0 notice
    maxconn 4096

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    # a request that could not reach an instance (refused, reset before it was sent) goes
    # to the other one; one an instance already had is not sent twice
    retries 2
    option redispatch 1
    retry-on conn-failure

frontend api
    bind 127.0.0.1:$LB_PORT
    # the client's address for the instances (ZSZ_TRUSTED_PROXIES=127.0.0.1); a client on this
    # machine is not marked as forwarded (its own X-Forwarded-For passes as it wrote it)
    option forwardfor except 127.0.0.0/8
    default_backend zsz

backend zsz
    balance roundrobin
    # liveness, not readiness: with the database away every instance answers 503 with
    # Retry-After itself (problem+json), better than the balancer's own page; a dead process
    # is out within a second
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server api1 127.0.0.1:$API1_PORT check
    server api2 127.0.0.1:$API2_PORT check
CFG
    haproxy -c -q -f "$DIR/haproxy.cfg"
    haproxy -D -p "$DIR/haproxy.pid" -f "$DIR/haproxy.cfg" >>"$DIR/haproxy.log" 2>&1
    zsz_wait_http "http://127.0.0.1:$LB_PORT/readyz" 30 || zsz_die "HAProxy answers no /readyz"
}

stop_lb() {
    if [[ -f "$DIR/haproxy.pid" ]]; then
        local pid
        pid="$(cat "$DIR/haproxy.pid")"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$DIR/haproxy.pid"
    fi
}

cmd_start() {
    zsz_install_deps "${ZSZ_CLUSTER_DEPS[@]}"
    zsz_build build >"$DIR.build.log" 2>&1 || {
        tail -n 30 "$DIR.build.log"
        zsz_die "build failed"
    }
    mkdir -p "$DIR"
    start_databases
    start_api 1 "$API1_PORT" "$@"
    start_api 2 "$API2_PORT" "$@"
    start_lb
    echo "cluster up: http://127.0.0.1:$LB_PORT (instances :$API1_PORT :$API2_PORT; primary :$PG_PORT," \
        "standby :$STANDBY_PORT, PgBouncer :$BOUNCER_PORT; logs in var/cluster/)"
}

cmd_stop() {
    stop_lb
    stop_api 1
    stop_api 2
    zsz_pgbouncer_stop "$BOUNCER" || true
    [[ -d "$STANDBY/data" ]] && zsz_pg_stop "$STANDBY" || true
    [[ -d "$PRIMARY/data" ]] && zsz_pg_stop "$PRIMARY" || true
}

cmd_status() {
    local n pid
    for n in haproxy api1 api2; do
        pid="$(cat "$DIR/$n.pid" 2>/dev/null || true)"
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "$n: running ($pid)"; else echo "$n: stopped"; fi
    done
    pid="$(cat "$BOUNCER/pgbouncer.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "pgbouncer: running ($pid)"; else echo "pgbouncer: stopped"; fi
    zsz_pg_running "$PRIMARY" 2>/dev/null && echo "primary: running" || echo "primary: stopped"
    zsz_pg_running "$STANDBY" 2>/dev/null && echo "standby: running" || echo "standby: stopped"
}

# The environment the test modules read (tests/api/client.py, tests/cluster/).
test_env() {
    export ZSZ_TEST_BASE_URL="http://127.0.0.1:$LB_PORT" ZSZ_JWT_SECRET="$(secret)"
    export ZSZ_DATABASE_URL="$(primary_url)" ZSZ_BIN="$BIN" ZSZ_TEST_PG_DIR="$PRIMARY"
    export ZSZ_TEST_PG_SCRIPT="$ZSZ_ROOT/scripts/pg.sh" ZSZ_CLUSTER_DIR="$DIR"
    export ZSZ_CLUSTER_API_PORTS="$API1_PORT,$API2_PORT" ZSZ_CLUSTER_METRICS_PORTS="$((LB_PORT + 3)),$((LB_PORT + 4))"
    export ZSZ_CLUSTER_STANDBY_URL="$(standby_url)" ZSZ_CLUSTER_RATE_LIMIT="${ZSZ_CLUSTER_RATE_LIMIT:-60}"
    export "${ZSZ_WEBHOOK_TEST_SETTINGS[@]}"
}

cmd_test() {
    local rc=0 py=python3
    python3 -c 'import jsonschema, yaml' 2>/dev/null || py=/usr/bin/python3
    # a fresh cluster every time, on the ports asked for now
    cmd_stop
    rm -rf "$DIR"
    trap cmd_stop EXIT
    if [[ "${ZSZ_CLUSTER_FULL:-0}" == 1 ]]; then
        # the suite sends many public requests from one address; and it reads at once what
        # another caller wrote, which a replica promises only to the writer (read-your-writes):
        # lists from the standby are left to tests/cluster and tests/api/test_replica.py
        # and it reads /metrics on the API port (here: from this machine, which HAProxy does
        # not mark as forwarded). Left out, by name: the two checks that count one instance's
        # requests (a balancer over two splits them), and the two that send a body the server
        # refuses before reading it (413 at once, then the connection closed): HAProxy streams
        # the body on and the client meets a closed connection instead of the 413 (set the
        # body limit on the balancer too)
        cmd_start ZSZ_PUBLIC_RATE_LIMIT=100000 ZSZ_DATABASE_READ_URL="" ZSZ_METRICS_BIND=""
        test_env
        zsz_header "the API suite through the load balancer"
        ZSZ_TEST_EXCLUDE="test_ops.MetricsTest.test_counter_grows,test_every_route.MetricsEveryRouteTest,test_errors.BodyTest.test_two_mebibyte_body_is_413,test_survey_responses.SubmitTest.test_wire_errors" \
            timeout --foreground 900 "$py" -m tests.api 2>&1 | tee "$DIR/api-suite.log" | tail -n 3 || rc=1
        grep -qE '^API: [0-9]+ passed, 0 failed' "$DIR/api-suite.log" || rc=1
        # the balancer too: a fresh one counts both instances up at once (this one would take
        # its checks' time to see them back)
        stop_lb
        stop_api 1
        stop_api 2
    fi
    cmd_start
    test_env
    zsz_header "cluster tests (tests/cluster)"
    timeout --foreground 600 "$py" -m unittest -v tests.cluster.test_cluster 2>&1 | tee "$DIR/cluster-tests.log" || rc=1
    return "$rc"
}

(($# >= 1)) || usage
cmd="$1"
shift
case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart-api)
        stop_api 1
        stop_api 2
        start_api 1 "$API1_PORT" "$@"
        start_api 2 "$API2_PORT" "$@"
        ;;
    up-api)
        start_api 1 "$API1_PORT" "$@"
        start_api 2 "$API2_PORT" "$@"
        ;;
    test) cmd_test ;;
    *) usage ;;
esac
