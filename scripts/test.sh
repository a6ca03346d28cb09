#!/usr/bin/env bash
# scripts/test.sh: every check the project has, in one command (also .ci/run).
#
#   scripts/test.sh                      everything
#   ZSZ_TEST_SKIP_ASAN=1 scripts/test.sh skip stage d (quick local runs)
#
# Stages:
#   a  dependencies: Debian packages (installed when root), node/npm
#   b  build build/, unit tests (meson test)
#   c  API tests: fresh cluster var/test-pg, database zsz_test, migrations,
#      seeds, the database suites (tests/db/, meson test --suite db, against
#      that database), build/zsz-api serve on a free port, python3 -m tests.api,
#      SIGTERM. The server reaches the database through PgBouncer in transaction
#      mode (ZSZ_DB_POOLER=transaction, var/test-bouncer) unless
#      ZSZ_TEST_POOLER=none; stage d connects directly, so both ways run.
#   d  the same under AddressSanitizer + UBSan (build-asan/): unit tests,
#      database suites, API tests, and a clean shutdown (exit 0, no sanitizer
#      report in the log)
#   e  OpenAPI lint with the pinned @redocly/cli in tests/tools
#   f  C formatting: clang-format --dry-run --Werror (.clang-format) over api/,
#      tests/unit/ and tests/fuzz/
#   g  libFuzzer targets (tests/fuzz/, built in build-fuzz/ with clang): each runs a fixed
#      number of executions (ZSZ_TEST_FUZZ_RUNS, default 20000) from its seeds, one test each
#   h  scripts/cluster.sh test: a primary and a streaming standby, PgBouncer, two instances,
#      HAProxy; the tests of tests/cluster/ (an instance killed under write load, cursors and
#      the public limit across instances, read-your-writes), one test each. Ports
#      ZSZ_TEST_CLUSTER_PORT (18090..18094) and ZSZ_TEST_CLUSTER_PG_PORT (5440..5442);
#      ZSZ_TEST_SKIP_CLUSTER=1 skips it
#
# Counting: each Check test case is one test (from the "Checks: N, Failures: F,
# Errors: E" lines of the unit and database test logs; a test binary without
# such a line, or one failing after its checks passed, counts as one); the API suite
# reports its own counts ("API: N passed, N failed"); a server shutdown check, the
# snapshot and layout checks, the lint, the formatting check and each fuzz target are one
# test each. A
# step that stops a stage (no build, no
# cluster, server not ready) counts as one failure. The last line of output
# is always "N passed, N failed"; the exit status is 1 when anything failed.
#
# Logs: var/test-logs/. Knobs: ZSZ_TEST_PG_PORT (default 5434),
# ZSZ_TEST_HTTP_PORT (first port tried, default 18080), ZSZ_TEST_REQUIRE_LSAN=1
# (a LeakSanitizer that cannot run is a failure instead of a warning),
# ZSZ_TEST_POOLER (transaction, the default, or none: stage c without PgBouncer),
# ZSZ_TEST_BOUNCER_PORT (first port tried for PgBouncer, default ZSZ_TEST_PG_PORT + 1).
# LeakSanitizer suppressions for third-party libraries, if ever needed, go in
# tests/lsan.supp (used when present).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ZSZ_ROOT"

# The tests define their own configuration: drop inherited ZSZ_* settings.
while IFS= read -r v; do
    case "$v" in
        ZSZ_TEST_*) ;;
        ZSZ_*) unset "$v" ;;
    esac
done < <(compgen -e)

LOGS="$ZSZ_ROOT/var/test-logs"
PG_DIR="$ZSZ_ROOT/var/test-pg"
PG_PORT="${ZSZ_TEST_PG_PORT:-5434}"
DB=zsz_test
# A fixed secret, so a failing test's token can be reproduced by hand.
TEST_SECRET=5a535a2d746573742d7365637265742d6e6f742d666f722d70726f64756374696f6e
TOOLS="$ZSZ_ROOT/tests/tools"
# A guard against a hung run, not a speed target. The API runs took 185 to 226 s in fresh-clone
# runs, but once 270 s: the walk of the whole change feed at the end of the run
# (test_zz_database) took 2 to 3.6 s a page of 200 that time, and 0.3 s or less in the other runs,
# in either stage. The cause is not found (noted in the closing note of 2026-12-07).
API_TIMEOUT=420

passed=0
failed=0
notes=()
server_pid=""
pg_started=0
BOUNCER_DIR="$ZSZ_ROOT/var/test-bouncer"
bouncer_started=0
all_done=0

pass() { # pass N WHAT
    passed=$((passed + $1))
    printf 'PASS: %s\n' "$2"
}
fail() { # fail N WHAT
    failed=$((failed + $1))
    printf 'FAIL: %s\n' "$2"
    notes+=("FAIL: $2")
}
warn() {
    printf 'WARNING: %s\n' "$*"
    notes+=("WARNING: $*")
}

# shellcheck disable=SC2317  # invoked by the trap
finish() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$server_pid" ]]; then
        zsz_stop_pid "$server_pid" 10 || true
        server_pid=""
    fi
    if ((bouncer_started)); then
        zsz_pgbouncer_stop "$BOUNCER_DIR" || true
    fi
    if ((pg_started)); then
        zsz_pg_stop "$PG_DIR" || true
    fi
    if ((!all_done)); then
        fail 1 "test.sh stopped early (status $rc)"
    fi
    if ((${#notes[@]})); then
        printf '\n==== summary ====\n'
        printf '%s\n' "${notes[@]}"
    fi
    echo
    printf '%d passed, %d failed\n' "$passed" "$failed"
    if ((failed)); then exit 1; fi
    exit 0
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$LOGS"
mkdir -p "$LOGS"

# unit_tests BUILDDIR LABEL: meson test (the unit tests), counted per Check test case.
unit_tests() {
    check_tests "$1" "$2" unit testlog
}

# db_tests BUILDDIR LABEL URL: the database suites (tests/db/) against URL, a migrated and
# seeded database, counted per Check test case. A plain "meson test" leaves them out.
db_tests() {
    ZSZ_DATABASE_URL="$3" check_tests "$1" "$2" database dbtestlog --suite db
}

# check_tests BUILDDIR LABEL KIND LOGBASE [meson-test-arg...]: meson test, counted per
# Check test case; output in var/test-logs/KIND-LABEL.log.
check_tests() {
    local dir="$1" label="$2" kind="$3" logbase="$4" rc=0 counts p f json out
    shift 4
    json="$dir/meson-logs/$logbase.json"
    out="$kind-$label.log"
    rm -f "$json"
    meson test -C "$dir" --print-errorlogs --logbase "$logbase" "$@" 2>&1 | tee "$LOGS/$out" || rc=$?
    if [[ ! -s "$json" ]]; then
        fail 1 "$label $kind tests: meson test wrote no results (status $rc)"
        return 0
    fi
    counts="$(python3 - "$json" <<'PY'
import json, re, sys
CHECKS = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
ok_results = {"OK", "EXPECTEDFAIL"}
passed = failed = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as fh:
    for line in fh:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        if t.get("result") == "SKIP":
            continue
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        found = CHECKS.findall(out)
        ok = t.get("result") in ok_results
        if found:
            n = sum(int(c) for c, _, _ in found)
            bad = sum(int(f) + int(e) for _, f, e in found)
            if not ok and bad == 0:
                bad = 1  # failed after its checks passed (leak, crash at exit)
                n += 1
            passed += n - bad
            failed += bad
        elif ok:
            passed += 1
        else:
            failed += 1
        if not ok:
            print(f"failed: {t.get('name')} ({t.get('result')}, status {t.get('returncode')})",
                  file=sys.stderr)
print(passed, failed)
PY
)" || {
        fail 1 "$label $kind tests: cannot read $json"
        return 0
    }
    read -r p f <<<"$counts"
    ((p > 0)) && pass "$p" "$label $kind tests ($p)"
    ((f > 0)) && fail "$f" "$label $kind tests ($f failed; see var/test-logs/$out)"
    if ((rc != 0 && f == 0)); then
        fail 1 "$label $kind tests: meson test exited with status $rc"
    fi
    return 0
}

# fresh_db: (re)create database zsz_test in the running test cluster.
fresh_db() {
    zsz_pg_start "$PG_DIR" &&
        zsz_pg_drop_db "$PG_DIR" "$PG_PORT" "$DB" &&
        zsz_pg_create_db "$PG_DIR" "$PG_PORT" "$DB"
}

# free_port_from P: the first free TCP port from P (up to P + 50).
free_port_from() {
    local p="$1" last=$(($1 + 50))
    while ((p <= last)); do
        if zsz_port_free "$p"; then
            echo "$p"
            return 0
        fi
        p=$((p + 1))
    done
    return 1
}

free_port() {
    local p="${ZSZ_TEST_HTTP_PORT:-18080}" last
    last=$((p + 50))
    while ((p <= last)); do
        if zsz_port_free "$p"; then
            echo "$p"
            return 0
        fi
        p=$((p + 1))
    done
    return 1
}

# api_tests BUILDDIR LABEL: migrate + seed a fresh database, start the server,
# run the API suite, stop the server. With LABEL asan, the shutdown check also
# looks for sanitizer reports.
api_tests() {
    local dir="$1" label="$2" pooler="${3:-none}" bin url port base log out rc line p f
    local server_url server_pooler=none bport
    local sfx=""
    [[ "$label" == build ]] || sfx="-$label"
    bin="$ZSZ_ROOT/$dir/zsz-api"
    log="$LOGS/server$sfx.log"
    out="$LOGS/api$sfx.log"
    if [[ ! -x "$bin" ]]; then
        fail 1 "$label API tests: $dir/zsz-api was not built"
        return 0
    fi
    if ! fresh_db >"$LOGS/db-$label.log" 2>&1; then
        cat "$LOGS/db-$label.log"
        fail 1 "$label API tests: cannot create database $DB"
        return 0
    fi
    url="$(zsz_pg_url "$PG_DIR" "$PG_PORT" "$DB")"
    if ! ZSZ_DATABASE_URL="$url" ZSZ_LOG_LEVEL=info "$bin" migrate >"$LOGS/migrate-$label.log" 2>&1; then
        tail -n 30 "$LOGS/migrate-$label.log"
        fail 1 "$label API tests: zsz-api migrate failed (var/test-logs/migrate-$label.log)"
        return 0
    fi
    if ! zsz_load_seeds "$url"; then
        fail 1 "$label API tests: loading db/seed failed"
        return 0
    fi
    # the database suites commit nothing outside a scratch schema they drop: the API
    # tests find the seeded database
    db_tests "$ZSZ_ROOT/$dir" "$label" "$url"
    if ! port="$(free_port)"; then
        fail 1 "$label API tests: no free port from ${ZSZ_TEST_HTTP_PORT:-18080}"
        return 0
    fi
    base="http://127.0.0.1:$port"
    server_url="$url"
    if [[ "$pooler" == transaction ]]; then
        # PgBouncer in transaction mode between the server and the cluster (issue 15)
        bport="$(free_port_from "${ZSZ_TEST_BOUNCER_PORT:-$((PG_PORT + 1))}")" || bport=""
        if [[ -z "$bport" ]] || ! zsz_pgbouncer_start "$BOUNCER_DIR" "$PG_DIR" "$bport" >"$LOGS/bouncer-$label.log" 2>&1; then
            cat "$LOGS/bouncer-$label.log"
            fail 1 "$label API tests: cannot start PgBouncer (var/test-logs/bouncer-$label.log)"
            return 0
        fi
        bouncer_started=1
        server_url="$(zsz_pgbouncer_url "$BOUNCER_DIR" "$bport" "$DB")"
        server_pooler=transaction
        echo "through PgBouncer (transaction mode) on 127.0.0.1:$bport"
    fi
    echo "starting $dir/zsz-api serve on $base (log: var/test-logs/server$sfx.log)"
    # the suite sends many public requests from one address (a test of its own checks the
    # limit on a second server), waits on housekeeping for surveys that close by time, and
    # receives webhooks on 127.0.0.1 with a fast retry schedule (ZSZ_WEBHOOK_TEST_SETTINGS)
    ZSZ_BIND=127.0.0.1 ZSZ_PORT="$port" ZSZ_DATABASE_URL="$server_url" ZSZ_JWT_SECRET="$TEST_SECRET" \
        ZSZ_DB_POOLER="$server_pooler" \
        ZSZ_PUBLIC_RATE_LIMIT=100000 ZSZ_HOUSEKEEPING_SECONDS=2 \
        ZSZ_LOG_LEVEL=info env "${ZSZ_WEBHOOK_TEST_SETTINGS[@]}" "$bin" serve >"$log" 2>&1 </dev/null &
    server_pid=$!
    if ! zsz_wait_http "$base/readyz" 30 "$server_pid"; then
        echo "--- last lines of var/test-logs/server$sfx.log ---"
        tail -n 40 "$log" || true
        fail 1 "$label API tests: server not ready on $base/readyz within 30 s"
        zsz_stop_pid "$server_pid" 10 || true
        server_pid=""
        return 0
    fi

    if [[ ! -f "$ZSZ_ROOT/tests/api/__main__.py" ]]; then
        fail 1 "$label API tests: the API test package tests/api (tests/api/__main__.py) does not exist yet"
    else
        rc=0
        ZSZ_TEST_BASE_URL="$base" ZSZ_JWT_SECRET="$TEST_SECRET" ZSZ_DATABASE_URL="$url" \
            ZSZ_BIN="$bin" ZSZ_TEST_PG_DIR="$PG_DIR" \
            ZSZ_TEST_PG_SCRIPT="$ZSZ_ROOT/scripts/pg.sh" env "${ZSZ_WEBHOOK_TEST_SETTINGS[@]}" \
            timeout --foreground "$API_TIMEOUT" "$API_PYTHON" -m tests.api 2>&1 </dev/null | tee "$out" || rc=$?
        line="$(grep -E '^API: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n1 || true)"
        if [[ -z "$line" ]]; then
            fail 1 "$label API tests: no 'API: N passed, N failed' line (status $rc; see var/test-logs/api$sfx.log)"
        else
            read -r p f <<<"$(sed -E 's/^API: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line")"
            ((p > 0)) && pass "$p" "$label API tests ($p)"
            ((f > 0)) && fail "$f" "$label API tests ($f failed; see var/test-logs/api$sfx.log)"
            if ((rc != 0 && f == 0)); then
                fail 1 "$label API tests: suite exited with status $rc"
            fi
        fi
        # The suite may have stopped the cluster (ZSZ_TEST_PG_SCRIPT); bring it back.
        zsz_pg_start "$PG_DIR" || true
    fi

    rc=0
    zsz_stop_pid "$server_pid" 20 || rc=$?
    server_pid=""
    if ((bouncer_started)); then
        zsz_pgbouncer_stop "$BOUNCER_DIR" || true
        bouncer_started=0
    fi
    local problems=()
    ((rc == 0)) || problems+=("exit status $rc")
    if [[ "$label" == asan ]]; then
        local pat
        for pat in 'ERROR: AddressSanitizer' 'ERROR: LeakSanitizer' 'runtime error:' \
            'LeakSanitizer has encountered a fatal error'; do
            grep -qF -- "$pat" "$log" && problems+=("log contains '$pat'")
        done
        if grep -qF 'LeakSanitizer does not work under ptrace' "$log"; then
            problems+=("LeakSanitizer does not work under ptrace here")
        fi
    fi
    # Reads of several statements must say so in their route row (ROUTE_SNAPSHOT); the server
    # runs an undeclared one again in a snapshot and names it: that is a defect of the row.
    local undeclared
    undeclared="$(grep -oE '[^ ]+ runs several statements' "$log" | sort -u || true)"
    if [[ -z "$undeclared" ]]; then
        pass 1 "$label reads of several statements all declare ROUTE_SNAPSHOT"
    else
        fail 1 "$label reads of several statements without ROUTE_SNAPSHOT: $(tr '\n' ' ' <<<"$undeclared")"
    fi
    if ((${#problems[@]} == 0)); then
        pass 1 "$label server shut down cleanly on SIGTERM"
    else
        echo "--- last lines of var/test-logs/server$sfx.log ---"
        tail -n 60 "$log" || true
        local joined
        printf -v joined '%s; ' "${problems[@]}"
        fail 1 "$label server shutdown: ${joined%; } (var/test-logs/server$sfx.log)"
    fi
    return 0
}

# lsan_probe: status 0 when LeakSanitizer works here; prints the reason otherwise.
lsan_probe() {
    zsz_lsan_probe "$LOGS"
}

# --- a: dependencies ---------------------------------------------------------
zsz_header "a: dependencies"
have_node=0
# the fuzz targets' clang and libFuzzer too: stage g cannot be skipped
if ! (zsz_install_deps "${ZSZ_FUZZ_DEPS[@]}" "${ZSZ_DOCS_DEPS[@]}"); then
    fail 1 "missing Debian packages (see above)"
fi
if command -v node >/dev/null && command -v npm >/dev/null; then
    node_ver="$(node --version)"
    if python3 -c 'import sys; v = tuple(int(x) for x in sys.argv[1].lstrip("v").split(".")[:2]); sys.exit(0 if v >= (22, 12) or (20, 19) <= v < (21, 0) else 1)' "$node_ver"; then
        have_node=1
        echo "node $node_ver, npm $(npm --version 2>/dev/null)"
    else
        fail 1 "node $node_ver is too old for @redocly/cli (needs >= 20.19 or >= 22.12)"
    fi
else
    fail 1 "node/npm not found: install Node.js >= 20.19 with npm (needed for the OpenAPI lint)"
fi

# The API suite validates responses with jsonschema and reads the contract with PyYAML: the
# first python3 on PATH when it has both, else Debian's (whose packages stage a installs).
API_PYTHON=python3
if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
    API_PYTHON=/usr/bin/python3
fi
echo "API tests run with $API_PYTHON ($("$API_PYTHON" --version 2>&1))"

# --- b: build and unit tests ---------------------------------------------------
zsz_header "b: build (build/) and unit tests"
built=0
if zsz_build build 2>&1 | tee "$LOGS/build.log"; then
    built=1
    unit_tests "$ZSZ_ROOT/build" build
else
    fail 1 "build of build/ failed (var/test-logs/build.log)"
fi

# --- c: API tests ---------------------------------------------------------------
zsz_header "c: API tests against build/zsz-api"
cluster_ok=0
zsz_pg_stop "$PG_DIR" 2>/dev/null || true
rm -rf "$PG_DIR"
if zsz_pg_init "$PG_DIR" "$PG_PORT" fast && zsz_pg_start "$PG_DIR"; then
    pg_started=1
    cluster_ok=1
    echo "test cluster: $PG_DIR (port $PG_PORT, log var/test-pg/log/postgresql.log)"
else
    fail 1 "cannot create or start the test cluster in var/test-pg"
fi
if ((cluster_ok && built)); then
    api_tests build build "${ZSZ_TEST_POOLER:-transaction}"
elif ((cluster_ok)); then
    fail 1 "build API tests not run: build/ did not build"
fi

# --- d: sanitizers --------------------------------------------------------------
if [[ "${ZSZ_TEST_SKIP_ASAN:-0}" == 1 ]]; then
    zsz_header "d: sanitizers: skipped (ZSZ_TEST_SKIP_ASAN=1)"
    notes+=("NOTE: stage d (AddressSanitizer/UBSan) skipped by ZSZ_TEST_SKIP_ASAN=1")
else
    zsz_header "d: AddressSanitizer + UBSan (build-asan/)"
    detect_leaks=1
    if ! reason="$(lsan_probe)"; then
        detect_leaks=0
        if [[ "${ZSZ_TEST_REQUIRE_LSAN:-0}" == 1 ]]; then
            fail 1 "LeakSanitizer cannot run here: $reason"
        else
            warn "LeakSanitizer cannot run here, leaks are NOT checked: $reason"
        fi
    fi
    export ASAN_OPTIONS="detect_leaks=$detect_leaks:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    if [[ -f "$ZSZ_ROOT/tests/lsan.supp" ]]; then
        export LSAN_OPTIONS="suppressions=$ZSZ_ROOT/tests/lsan.supp:print_suppressions=0"
    fi
    echo "ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
    if zsz_build build-asan -Db_sanitize=address,undefined -Db_lundef=false 2>&1 |
        tee "$LOGS/build-asan.log"; then
        unit_tests "$ZSZ_ROOT/build-asan" asan
        if ((cluster_ok)); then
            api_tests build-asan asan
        else
            fail 1 "asan API tests not run: no test cluster"
        fi
    else
        fail 1 "build of build-asan/ failed (var/test-logs/build-asan.log)"
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
fi

# --- layout: the core never includes a register; a register never reaches the server ----
zsz_header "layout: api/core and api/lib include no register; registers use no server.h/APP"
layout_bad="$(grep -rnE '#include "[^"]*registers|#include "(handlers|queries|rules|registers)\.h"' api/core api/lib || true)"
layout_bad+="$(grep -rnE '#include "(server|dispatch|ops)\.h"|\bAPP\.' api/registers || true)"
if [[ -z "$layout_bad" ]]; then
    pass 1 "layout rules"
else
    printf '%s\n' "$layout_bad"
    fail 1 "layout rules (see the lines above)"
fi

# --- e: OpenAPI lint --------------------------------------------------------------
zsz_header "e: OpenAPI lint (@redocly/cli, pinned in tests/tools/package.json)"
if [[ ! -f "$ZSZ_ROOT/openapi/openapi.yaml" ]]; then
    fail 1 "OpenAPI lint: openapi/openapi.yaml does not exist"
elif ((!have_node)); then
    fail 1 "OpenAPI lint: no usable node/npm (see stage a)"
else
    export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
    stamp="$TOOLS/node_modules/.zsz-lock-sha256"
    want="$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)"
    tools_ok=1
    if [[ ! -x "$TOOLS/node_modules/.bin/redocly" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        echo "installing the pinned tools (npm ci --prefix tests/tools)"
        if npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error >"$LOGS/npm-ci.log" 2>&1; then
            printf '%s\n' "$want" >"$stamp"
        else
            tail -n 20 "$LOGS/npm-ci.log"
            tools_ok=0
            fail 1 "OpenAPI lint: npm ci in tests/tools failed (var/test-logs/npm-ci.log)"
        fi
    fi
    if ((tools_ok)); then
        if npx --prefix "$TOOLS" --no redocly lint openapi/openapi.yaml 2>&1 | tee "$LOGS/lint.log"; then
            pass 1 "OpenAPI lint"
        else
            fail 1 "OpenAPI lint: redocly reported errors (var/test-logs/lint.log)"
        fi
    fi
fi

# --- f: C formatting --------------------------------------------------------------
zsz_header "f: C formatting (clang-format --dry-run --Werror with .clang-format)"
if ! command -v clang-format >/dev/null; then
    fail 1 "C formatting: clang-format not found (Debian package clang-format, see stage a)"
else
    c_files=()
    while IFS= read -r -d '' f; do
        c_files+=("$f")
    done < <(find api tests/unit tests/fuzz -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
    unformatted=()
    : >"$LOGS/clang-format.log"
    for f in "${c_files[@]}"; do
        clang-format --dry-run --Werror "$f" >>"$LOGS/clang-format.log" 2>&1 || unformatted+=("$f")
    done
    if ((${#c_files[@]} == 0)); then
        fail 1 "C formatting: no C files found under api/, tests/unit/ and tests/fuzz/"
    elif ((${#unformatted[@]} == 0)); then
        pass 1 "C formatting (${#c_files[@]} files)"
    else
        printf 'not formatted: %s\n' "${unformatted[@]}"
        fail 1 "C formatting: ${#unformatted[@]} file(s) differ from clang-format: ${unformatted[*]} (clang-format -i them; details in var/test-logs/clang-format.log)"
    fi
fi

# --- g: libFuzzer targets ----------------------------------------------------------
FUZZ_RUNS="${ZSZ_TEST_FUZZ_RUNS:-20000}"
zsz_header "g: libFuzzer targets (build-fuzz/, clang; $FUZZ_RUNS executions each)"
fuzz_leaks=1
if ! reason="$(lsan_probe)"; then
    fuzz_leaks=0
    if [[ "${ZSZ_TEST_REQUIRE_LSAN:-0}" == 1 ]]; then
        fail 1 "fuzz targets: LeakSanitizer cannot run here: $reason"
    else
        warn "LeakSanitizer cannot run here, the fuzz targets do NOT check leaks: $reason"
    fi
fi
if zsz_fuzz_build >"$LOGS/build-fuzz.log" 2>&1; then
    # a fresh working corpus and a fixed seed: the same executions every run
    rm -rf "$ZSZ_ROOT/var/fuzz/test-corpus"
    while IFS= read -r t; do
        rc=0
        line="$(ZSZ_FUZZ_LEAKS=$fuzz_leaks ZSZ_FUZZ_CORPUS="$ZSZ_ROOT/var/fuzz/test-corpus" \
            zsz_fuzz_run "$t" "$LOGS/fuzz-$t.log" -runs="$FUZZ_RUNS" -seed=1)" || rc=$?
        if ((rc == 0)); then
            pass 1 "fuzz target $line"
        else
            grep -E 'ERROR: |fuzz invariant broken|SUMMARY: ' "$LOGS/fuzz-$t.log" | head -n 5 || true
            fail 1 "fuzz target $t found a crash (status $rc; var/test-logs/fuzz-$t.log, input under var/fuzz/artifacts/$t/)"
        fi
    done < <(zsz_fuzz_targets)
else
    tail -n 30 "$LOGS/build-fuzz.log"
    fail 1 "build of build-fuzz/ (clang, libFuzzer) failed (var/test-logs/build-fuzz.log)"
fi

# --- h: the scaled-out deployment (scripts/cluster.sh, tests/cluster) -----------------------
if [[ "${ZSZ_TEST_SKIP_CLUSTER:-0}" == 1 ]]; then
    zsz_header "h: cluster: skipped (ZSZ_TEST_SKIP_CLUSTER=1)"
    notes+=("NOTE: stage h (scripts/cluster.sh test) skipped by ZSZ_TEST_SKIP_CLUSTER=1")
else
    zsz_header "h: cluster: primary + standby, PgBouncer, two instances, HAProxy (scripts/cluster.sh test)"
    rc=0
    ZSZ_CLUSTER_PORT="${ZSZ_TEST_CLUSTER_PORT:-18090}" ZSZ_CLUSTER_PG_PORT="${ZSZ_TEST_CLUSTER_PG_PORT:-5440}" \
        timeout 900 "$ZSZ_ROOT/scripts/cluster.sh" test >"$LOGS/cluster.log" 2>&1 </dev/null || rc=$?
    ran="$(grep -oE '^Ran [0-9]+ test' "$LOGS/cluster.log" | tail -n1 | grep -oE '[0-9]+' || true)"
    bad="$(grep -cE '^(FAIL|ERROR): ' "$LOGS/cluster.log" || true)"
    if [[ -z "$ran" ]]; then
        tail -n 30 "$LOGS/cluster.log"
        fail 1 "cluster tests did not run (status $rc; var/test-logs/cluster.log)"
    else
        ((ran - bad > 0)) && pass "$((ran - bad))" "cluster tests ($((ran - bad)))"
        ((bad > 0)) && fail "$bad" "cluster tests ($bad failed; see var/test-logs/cluster.log)"
        if ((rc != 0 && bad == 0)); then
            fail 1 "cluster tests: scripts/cluster.sh test exited with status $rc"
        fi
    fi
fi

all_done=1
# finish (the EXIT trap) stops the cluster and prints the counts.
