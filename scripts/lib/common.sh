# shellcheck shell=bash
# scripts/lib/common.sh: functions shared by scripts/run.sh, scripts/test.sh,
# scripts/bench.sh and scripts/pg.sh. Source it; it defines functions and a few
# variables and changes no shell options of its caller.
#
#   zsz_install_deps [extra-package...]     install missing Debian packages
#   zsz_build [builddir] [meson-option...]  meson setup (once) + ninja
#   zsz_setup builddir [meson-option...]    the meson setup part of zsz_build alone
#   zsz_fuzz_build                          build-fuzz/ (clang, libFuzzer) and its targets
#   zsz_fuzz_targets                        the libFuzzer targets, one name a line
#   zsz_fuzz_run NAME LOG [libFuzzer-arg...] run one target on its seeds (tests/fuzz/corpus)
#   zsz_pg_init DIR PORT [fast]             create a throwaway cluster in DIR
#   zsz_pg_start DIR | zsz_pg_stop DIR | zsz_pg_restart DIR
#   zsz_pg_running DIR                      status 0 when the cluster in DIR runs
#   zsz_pg_sockdir DIR                      the cluster's Unix socket directory
#   zsz_pg_url DIR PORT DB                  libpq URL for zsz_owner
#   zsz_pg_create_db DIR PORT DB            role zsz_owner + database DB (idempotent)
#   zsz_pg_drop_db DIR PORT DB              drop DB (disconnecting its sessions)
#   zsz_psql_admin DIR PORT [psql-arg...]   psql as the cluster superuser
#   zsz_load_seeds URL                      db/seed/*.sql in name order
#   zsz_pgbouncer_start DIR PGDIR PORT      PgBouncer (transaction mode) in DIR on 127.0.0.1:PORT
#                                           in front of the cluster in PGDIR
#   zsz_pgbouncer_stop DIR | zsz_pgbouncer_url DIR PORT DB
#
# A cluster directory DIR (absolute path) holds:
#   DIR/data   PGDATA            DIR/run   Unix socket (listen_addresses = '')
#   DIR/log    server log        DIR/port  the port chosen at init
# Authentication is "trust" over the socket, which only the cluster's
# directory grants access to; the superuser is called "postgres".

# Repository root (this file lives in scripts/lib/).
ZSZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Packages the build, the run and the tests need (Debian 12 names). The API tests validate
# every answer against the contract with python3-jsonschema (4.10: Draft 2020-12) reading
# openapi/openapi.yaml with python3-yaml; scripts/test.sh checks C formatting with
# clang-format.
# libcurl (webhook deliveries): Debian 12's libulfius-dev depends on the GnuTLS flavour of
# libcurl's headers (libcurl4-gnutls-dev), which conflicts with libcurl4-openssl-dev; the API is
# the same, so the build uses the flavour Ulfius already brings.
ZSZ_DEPS=(libulfius-dev liborcania-dev libyder-dev libjansson-dev libpq-dev libjwt-dev
          libcurl4-gnutls-dev libssl-dev libyaml-dev check postgresql postgresql-contrib meson ninja-build
          pkg-config gcc python3 curl python3-yaml python3-jsonschema clang-format pgbouncer)

# What the libFuzzer build (scripts/fuzz.sh, stage g of scripts/test.sh) needs besides
# ZSZ_DEPS: clang, its libFuzzer and sanitizer runtimes (libclang-rt-14-dev: clang does not
# pull it in), and llvm-symbolizer (package llvm) for readable reports.
# shellcheck disable=SC2034  # used by scripts/test.sh and scripts/fuzz.sh
ZSZ_FUZZ_DEPS=(clang libclang-rt-14-dev llvm)

# What the /docs test (tests/api/test_docs.py) needs: a headless browser, Debian's chromium.
# shellcheck disable=SC2034  # used by scripts/test.sh
ZSZ_DOCS_DEPS=(chromium)

# What scripts/cluster.sh needs besides ZSZ_DEPS (PgBouncer is in ZSZ_DEPS: stage c uses it).
# shellcheck disable=SC2034  # used by scripts/cluster.sh
ZSZ_CLUSTER_DEPS=(haproxy)

# What the webhook tests (tests/api/test_webhooks.py) need of the servers under test and of
# the test process: the test receiver on 127.0.0.1 allowed over http, the retry schedule
# (30 s ... 12 h) and the 3-day disabling divided by 100000, a 1 s delivery timeout, workers
# polling every 100 ms. scripts/test.sh and scripts/cluster.sh pass them to both.
# shellcheck disable=SC2034  # used by scripts/test.sh and scripts/cluster.sh
ZSZ_WEBHOOK_TEST_SETTINGS=(ZSZ_WEBHOOK_ALLOWED_HOSTS=127.0.0.1 ZSZ_WEBHOOK_RETRY_SCALE=100000
                           ZSZ_WEBHOOK_TIMEOUT_MS=1000 ZSZ_WEBHOOK_POLL_MS=100)

# Name of the cluster superuser created by initdb (independent of the OS user).
ZSZ_PG_SUPERUSER=postgres

zsz_log()  { printf '%s\n' "$*" >&2; }
zsz_die()  { printf 'error: %s\n' "$*" >&2; exit 1; }
zsz_header() { printf '\n==== %s ====\n' "$*"; }

# zsz_install_deps [extra-package...]
# Checks each package with dpkg-query; installs only the missing ones when run as
# root, otherwise prints the apt-get command to run and exits 1.
zsz_install_deps() {
    local pkg status missing=()
    for pkg in "${ZSZ_DEPS[@]}" "$@"; do
        status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == ii* ]] || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if ((EUID != 0)); then
        zsz_log "missing Debian packages: ${missing[*]}"
        zsz_log "install them with:"
        zsz_log "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
        exit 1
    fi
    zsz_log "installing missing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# zsz_build [builddir] [meson-option...]
# Builds ZSZ_ROOT into builddir (default build, relative to ZSZ_ROOT). Runs
# "meson setup" when builddir is not configured, or (afresh) when the options
# differ from those of the last zsz_build; otherwise only ninja, which
# regenerates by itself when meson.build changed.
zsz_build() {
    local dir="${1:-build}"
    (($# > 0)) && shift
    [[ "$dir" = /* ]] || dir="$ZSZ_ROOT/$dir"
    zsz_setup "$dir" "$@" || return 1
    ninja -C "$dir"
}

# zsz_setup builddir [meson-option...]
# The setup half of zsz_build: "meson setup" when builddir is not configured, or afresh
# when the options differ from those of the last setup; otherwise nothing.
zsz_setup() {
    local dir="$1"
    shift
    [[ "$dir" = /* ]] || dir="$ZSZ_ROOT/$dir"
    local stamp="$dir/.zsz-meson-options" want have=""
    want="$(printf '%s\n' "$@")"
    [[ -f "$stamp" ]] && have="$(cat "$stamp")"
    if [[ ! -f "$dir/build.ninja" ]]; then
        # A meson directory without build.ninja is what a failed setup leaves.
        [[ -d "$dir/meson-private" ]] && rm -rf "$dir"
        meson setup "$dir" "$ZSZ_ROOT" "$@" || return 1
        printf '%s\n' "$want" >"$stamp"
    elif [[ "$want" != "$have" ]]; then
        # Other options than last time: set up afresh, so options dropped from
        # the list do not linger (meson 1.0 "setup --reconfigure" ignores -D).
        zsz_log "meson options for ${dir#"$ZSZ_ROOT"/} changed; setting it up again"
        rm -rf "$dir"
        meson setup "$dir" "$ZSZ_ROOT" "$@" || return 1
        printf '%s\n' "$want" >"$stamp"
    fi
}

# --- libFuzzer targets (tests/fuzz/, docs/fuzzing.md) ------------------------

# zsz_fuzz_build: sets up build-fuzz/ with clang (-Dfuzzing=true, AddressSanitizer and
# UBSan) and builds the targets alone ("ninja fuzz"); build/ and build-asan/ are untouched.
zsz_fuzz_build() {
    CC=clang zsz_setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false || return 1
    ninja -C "$ZSZ_ROOT/build-fuzz" fuzz
}

# zsz_fuzz_targets: the target names (tests/fuzz/fuzz_NAME.c), one a line.
zsz_fuzz_targets() {
    local f
    for f in "$ZSZ_ROOT"/tests/fuzz/fuzz_*.c; do
        f="${f##*/fuzz_}"
        printf '%s\n' "${f%.c}"
    done
}

# zsz_fuzz_run NAME LOG [libFuzzer-arg...]: runs build-fuzz's fuzz_NAME on a working corpus
# var/fuzz/corpus/NAME (new inputs go there and are kept for the next run) and the seeds
# tests/fuzz/corpus/NAME (read only), with the dictionary tests/fuzz/NAME.dict when there
# is one; a crash, leak, timeout or broken invariant leaves its
# input under var/fuzz/artifacts/NAME/. Output in LOG. Prints "NAME: N executions" and
# returns libFuzzer's status (0: nothing found). ZSZ_FUZZ_CORPUS overrides the working
# corpus directory. Leaks count as crashes: LeakSanitizer is on unless ZSZ_FUZZ_LEAKS=0
# (for a machine where it cannot run, see zsz_lsan_probe).
zsz_fuzz_run() {
    local name="$1" log="$2" exe corpus art rc=0 execs dict=()
    shift 2
    exe="$ZSZ_ROOT/build-fuzz/tests/fuzz/fuzz_$name"
    corpus="${ZSZ_FUZZ_CORPUS:-$ZSZ_ROOT/var/fuzz/corpus}/$name"
    art="$ZSZ_ROOT/var/fuzz/artifacts/$name"
    [[ -x "$exe" ]] || { zsz_log "error: $exe was not built"; return 1; }
    mkdir -p "$corpus" "$art"
    [[ -f "$ZSZ_ROOT/tests/fuzz/$name.dict" ]] && dict=(-dict="$ZSZ_ROOT/tests/fuzz/$name.dict")
    ASAN_OPTIONS="detect_leaks=${ZSZ_FUZZ_LEAKS:-1}:symbolize=1" \
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        ZSZ_OPENAPI_FILE="$ZSZ_ROOT/openapi/openapi.yaml" \
        "$exe" "$corpus" "$ZSZ_ROOT/tests/fuzz/corpus/$name" -artifact_prefix="$art/" \
        -print_final_stats=1 -timeout=10 -detect_leaks="${ZSZ_FUZZ_LEAKS:-1}" "${dict[@]}" "$@" >"$log" 2>&1 || rc=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
    printf '%s: %s executions\n' "$name" "${execs:-0}"
    return "$rc"
}

# zsz_lsan_probe DIR: status 0 when LeakSanitizer works here; otherwise prints why (a
# probe program is built in DIR).
zsz_lsan_probe() {
    local dir="$1" src exe out
    src="$dir/lsan-probe.c"
    exe="$dir/lsan-probe"
    mkdir -p "$dir"
    printf '#include <stdlib.h>\nvoid *volatile sink;\nint main(void) { sink = malloc(33); sink = 0; return 0; }\n' >"$src"
    if ! gcc -fsanitize=address -g -O0 "$src" -o "$exe" 2>"$dir/lsan-probe.log"; then
        echo "cannot compile with -fsanitize=address: $(head -n 3 "$dir/lsan-probe.log")"
        return 1
    fi
    out="$(ASAN_OPTIONS=detect_leaks=1 "$exe" 2>&1 || true)"
    printf '%s\n' "$out" >"$dir/lsan-probe.log"
    if grep -q 'does not work under ptrace' <<<"$out"; then
        echo "LeakSanitizer does not work under ptrace (a debugger/tracer is attached or ptrace is restricted)"
        return 1
    fi
    if ! grep -q 'ERROR: LeakSanitizer: detected memory leaks' <<<"$out"; then
        echo "LeakSanitizer did not report a deliberate leak: $(head -n 3 <<<"$out")"
        return 1
    fi
    return 0
}

# --- PostgreSQL throwaway clusters -----------------------------------------

# Directory of the newest installed PostgreSQL server binaries.
zsz_pg_bindir() {
    local best
    best="$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)"
    [[ -x "$best" ]] || zsz_die "no PostgreSQL server found under /usr/lib/postgresql (install postgresql)"
    printf '%s\n' "${best%/initdb}"
}

zsz__abs() {
    [[ "$1" = /* ]] || zsz_die "path must be absolute: $1"
}

# The OS user that runs the cluster: the owner of DIR/data when it exists;
# otherwise (new cluster) postgres (or a "zsz" system user created on demand)
# when we are root, else the current user. initdb and postgres refuse root.
zsz__pg_osuser() {
    local dir="$1"
    if [[ -d "$dir/data" ]]; then
        stat -c %U "$dir/data"
    elif ((EUID != 0)); then
        id -un
    elif id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        if ! id -u zsz >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin zsz >&2 || zsz_die "cannot create system user zsz"
        fi
        echo zsz
    fi
}

# zsz__pg_as DIR cmd...: run cmd as the cluster's OS user, from / (the
# unprivileged user may not be able to enter the current directory).
zsz__pg_as() {
    local dir="$1" user
    shift
    user="$(zsz__pg_osuser "$dir")"
    if ((EUID == 0)) && [[ "$user" != root ]]; then
        (cd / && runuser -u "$user" -- "$@")
    else
        (cd / && "$@")
    fi
}

# zsz_pg_sockdir DIR: DIR/run, or, when a socket path in it could exceed the
# Unix socket limit (sun_path is 108 bytes; we keep it under 100), a short
# directory under /tmp derived from DIR.
zsz_pg_sockdir() {
    local dir="$1" sock="$1/run"
    # "/.s.PGSQL.65535" is 15 bytes
    if ((${#sock} + 15 >= 100)); then
        sock="/tmp/zsz-pg-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"
    fi
    printf '%s\n' "$sock"
}

zsz__pg_port() {
    local dir="$1"
    [[ -f "$dir/port" ]] || zsz_die "$dir is not a cluster directory made by zsz_pg_init (no $dir/port)"
    cat "$dir/port"
}

# zsz_pg_init DIR PORT [fast]
# Creates a cluster in DIR (absolute) listening on a Unix socket only. With
# "fast", durability is switched off (fsync, synchronous_commit,
# full_page_writes): for throwaway test clusters only. Does nothing when DIR
# already holds a cluster.
zsz_pg_init() {
    local dir="$1" port="$2" mode="${3:-}" bindir user sockdir
    zsz__abs "$dir"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
        zsz_die "bad port: $port"
    fi
    if [[ -f "$dir/data/PG_VERSION" ]]; then
        return 0
    fi
    bindir="$(zsz_pg_bindir)"
    user="$(zsz__pg_osuser "$dir")"
    sockdir="$(zsz_pg_sockdir "$dir")"
    rm -rf "$dir/data"
    mkdir -p "$dir/data" "$dir/log" "$sockdir"
    if ((EUID == 0)); then
        chown "$user:" "$dir" "$dir/data" "$dir/log" "$sockdir"
    fi
    chmod 700 "$dir/data"
    if ! zsz__pg_as "$dir" test -w "$dir/data"; then
        zsz_die "user $user cannot write $dir/data (is a parent directory closed to it?)"
    fi
    zsz__pg_as "$dir" "$bindir/initdb" -D "$dir/data" -U "$ZSZ_PG_SUPERUSER" \
        --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1 || {
        cat "$dir/log/initdb.log" >&2
        zsz_die "initdb failed for $dir"
    }
    {
        printf '\n# --- zsz throwaway cluster ---\n'
        printf "listen_addresses = ''\n"
        printf "unix_socket_directories = '%s'\n" "$sockdir"
        printf 'port = %s\n' "$port"
        printf 'max_connections = 200\n'
        if [[ "$mode" == fast ]]; then
            printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
        fi
    } >>"$dir/data/postgresql.conf"
    printf '%s\n' "$port" >"$dir/port"
}

# zsz_pg_running DIR: status 0 when the cluster in DIR runs.
zsz_pg_running() {
    local dir="$1"
    [[ -f "$dir/data/PG_VERSION" ]] || return 1
    zsz__pg_as "$dir" "$(zsz_pg_bindir)/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

# zsz_pg_start DIR: start the cluster and wait until it accepts connections
# (no-op when it already runs).
zsz_pg_start() {
    local dir="$1" sockdir user
    zsz__abs "$dir"
    [[ -f "$dir/data/PG_VERSION" ]] || zsz_die "no cluster in $dir (run zsz_pg_init first)"
    zsz_pg_running "$dir" && return 0
    sockdir="$(zsz_pg_sockdir "$dir")"
    user="$(zsz__pg_osuser "$dir")"
    if [[ ! -d "$sockdir" ]]; then
        mkdir -p "$sockdir"
        ((EUID == 0)) && chown "$user:" "$sockdir"
    fi
    zsz__pg_as "$dir" "$(zsz_pg_bindir)/pg_ctl" start -D "$dir/data" -w -t 60 \
        -l "$dir/log/postgresql.log" >/dev/null || {
        tail -n 20 "$dir/log/postgresql.log" >&2 || true
        zsz_log "error: cannot start the PostgreSQL cluster in $dir"
        return 1
    }
}

# zsz_pg_stop DIR: fast shutdown, waiting for it (no-op when not running).
zsz_pg_stop() {
    local dir="$1"
    zsz__abs "$dir"
    zsz_pg_running "$dir" || return 0
    zsz__pg_as "$dir" "$(zsz_pg_bindir)/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null
}

# zsz_pg_restart DIR
zsz_pg_restart() {
    zsz_pg_stop "$1" && zsz_pg_start "$1"
}

# zsz_pg_url DIR PORT DB: libpq URL for role zsz_owner.
zsz_pg_url() {
    local dir="$1" port="$2" db="$3"
    printf 'postgresql://zsz_owner@/%s?host=%s&port=%s\n' "$db" "$(zsz_pg_sockdir "$dir")" "$port"
}

# zsz_psql_admin DIR PORT [psql-arg...]: psql as the cluster superuser.
zsz_psql_admin() {
    local dir="$1" port="$2"
    shift 2
    "$(zsz_pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$(zsz_pg_sockdir "$dir")" -p "$port" \
        -U "$ZSZ_PG_SUPERUSER" -d postgres "$@"
}

# zsz_pg_create_db DIR PORT DB: create LOGIN role zsz_owner (CREATEROLE: the
# first migration creates role zsz_app) and database DB owned by it, each only
# when missing.
zsz_pg_create_db() {
    local dir="$1" port="$2" db="$3"
    zsz_psql_admin "$dir" "$port" -v db="$db" <<'SQL'
SELECT 'CREATE ROLE zsz_owner LOGIN CREATEROLE'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zsz_owner') \gexec
SELECT format('CREATE DATABASE %I OWNER zsz_owner', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

# zsz_pg_drop_db DIR PORT DB: drop DB when it exists, ending its sessions.
zsz_pg_drop_db() {
    local dir="$1" port="$2" db="$3"
    zsz_psql_admin "$dir" "$port" -v db="$db" <<'SQL'
SET client_min_messages = warning;
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SQL
}

# zsz_load_seeds URL: load db/seed/*.sql in name order (they are idempotent).
zsz_load_seeds() {
    local url="$1" f found=0
    local psql_bin
    psql_bin="$(zsz_pg_bindir)/psql"
    for f in "$ZSZ_ROOT"/db/seed/*.sql; do
        [[ -e "$f" ]] || continue
        found=1
        "$psql_bin" -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$f" >/dev/null || {
            zsz_log "error: loading seed ${f#"$ZSZ_ROOT"/} failed"
            return 1
        }
    done
    ((found)) || zsz_log "note: no seed files in db/seed/"
    return 0
}

# zsz_port_free PORT: status 0 when nothing listens on 127.0.0.1:PORT.
zsz_port_free() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# As servers do: a port whose old connections linger in TIME_WAIT is usable.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# zsz_wait_http URL SECONDS PID: wait until URL answers 200; fails early when
# process PID exits.
zsz_wait_http() {
    local url="$1" secs="$2" pid="${3:-}" deadline code
    deadline=$((SECONDS + secs))
    while ((SECONDS < deadline)); do
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)"
        [[ "$code" == 200 ]] && return 0
        sleep 0.2
    done
    return 1
}

# zsz_stop_pid PID [SECONDS]: SIGTERM, wait up to SECONDS (default 20), then
# SIGKILL. Returns the process's exit status (137 when killed); PID must be a
# child of the calling shell.
zsz_stop_pid() {
    local pid="$1" secs="${2:-20}" deadline rc=0
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + secs))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        zsz_log "process $pid did not stop within ${secs}s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}

# --- PgBouncer in transaction mode (issue 15) ---------------------------------

# zsz_pgbouncer_start DIR PGDIR PORT: PgBouncer (Debian's package) with its files in DIR,
# listening on 127.0.0.1:PORT, pooling in transaction mode in front of the cluster in PGDIR
# (trust, as the cluster: the cluster's socket directory is the only way in). Runs as the
# cluster's OS user. Status 0 when it accepts connections.
zsz_pgbouncer_start() {
    local dir="$1" pgdir="$2" port="$3" user pgport i
    zsz__abs "$dir"
    zsz__abs "$pgdir"
    user="$(zsz__pg_osuser "$pgdir")"
    pgport="$(cat "$pgdir/port")"
    mkdir -p "$dir"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$(zsz_pg_sockdir "$pgdir") port=$pgport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
max_db_connections = 100
server_reset_query =
; while the cluster is down a query waits at most 2 s for a server (then the API answers 503
; and retries), and a failed login is tried again after 1 s, so it recovers as fast as direct
query_wait_timeout = 2
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = $ZSZ_PG_SUPERUSER
INI
    printf '"zsz_owner" ""\n"%s" ""\n' "$ZSZ_PG_SUPERUSER" >"$dir/userlist.txt"
    if ((EUID == 0)); then
        chown -R "$user:" "$dir"
        (cd / && /usr/sbin/pgbouncer -d -u "$user" "$dir/pgbouncer.ini") || return 1
    else
        (cd / && /usr/sbin/pgbouncer -d "$dir/pgbouncer.ini") || return 1
    fi
    for ((i = 0; i < 50; i++)); do
        if ! zsz_port_free "$port"; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$dir/pgbouncer.log" >&2 || true
    return 1
}

# zsz_pgbouncer_stop DIR: stops the PgBouncer started with DIR (waits for it).
zsz_pgbouncer_stop() {
    local dir="$1" pid i
    [[ -f "$dir/pgbouncer.pid" ]] || return 0
    pid="$(cat "$dir/pgbouncer.pid")"
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    rm -f "$dir/pgbouncer.pid"
}

# zsz_pgbouncer_url DIR PORT DB: libpq URL for role zsz_owner through the PgBouncer on PORT.
zsz_pgbouncer_url() {
    printf 'postgresql://zsz_owner@127.0.0.1:%s/%s\n' "$2" "$3"
}
