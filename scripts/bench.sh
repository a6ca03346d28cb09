#!/usr/bin/env bash
# scripts/bench.sh: throughput and latency of two read endpoints, next to what
# PostgreSQL alone does with the same queries.
#
#   scripts/bench.sh
#
# Builds build/, starts a cluster of its own in var/bench-pg (database
# zsz_bench, port ZSZ_BENCH_PG_PORT, default 5435), applies the migrations,
# seeds organisation "bench" (Kraków scheme) with 10,000 processes, starts
# build/zsz-api serve on 127.0.0.1 (pool ZSZ_DB_POOL_SIZE, default 8, as the server) and runs
#   wrk -t2 -c32 -d10s --latency   GET /api/v1/processes?limit=50
#                                  GET /api/v1/processes/{random id}
#   pgbench -n -c32 -j2 -T10       the matching SELECTs, as zsz_owner
# then prints per endpoint: requests/s, p50, p99, the server's peak RSS
# (VmHWM), its CPU per request and the ratio API requests/s to pgbench transactions/s;
# then the same page and record with If-None-Match (304) and the page with
# Accept-Encoding: gzip (bytes on the wire, req/s and CPU against the plain answer).
# Then: a survey import of 100,000 responses and results at 1,000,000; the
# nonconformity register at 10,000 cards (a JSON page, the overdue filter, CSV); the
# management-review data package of a hall with 150 processes, 300 objectives, 1,000
# nonconformities, 2,000 incidents and 50,000 survey responses (organisation benchmr); the risk
# map and worklist over 20,000 risks (aim: under 50 ms each).
# Everything runs on 127.0.0.1 / a Unix socket and is bounded in time; the
# server and the cluster are stopped at the end. Raw outputs: var/bench-logs/.
#
# Knobs: ZSZ_BENCH_SECONDS (10), ZSZ_BENCH_CONNECTIONS (32), ZSZ_BENCH_THREADS
# (2), ZSZ_BENCH_HTTP_PORT (first port tried, 18180), ZSZ_DB_POOL_SIZE (8),
# ZSZ_BENCH_SECTIONS (which parts run: "processes surveys nonconformities
# management_reviews risks objectives_reads registers_csv imports feed scale webhooks", the
# default, or some of them; "imports imports_more" adds objectives and users to the imports;
# "feed": the change feed's catch-up of 1,000,000 entries and writes during an import, issue 11;
# "worklist", the IOD's deadline worklist at 10,000 and 100,000 incidents (ZSZ_BENCH_WORKLIST_SIZES,
# e.g. "10000 1000000", one hall per size), runs only when named: its incidents would change what
# the later sections measure; "reads", the other
# registers' GET one and list next to pgbench (issue 16), also only when named; ZSZ_BENCH_READS
# names some of its registers, e.g. "nonconformities audits", and ZSZ_BENCH_REPEAT (1) how many
# times each of its pairs (the API, then pgbench) runs: the median ratio is printed with the
# runs' range, since one pair's ratio moves by a tenth or more between runs; "flat", the lists' pages at 10,000
# and ZSZ_BENCH_FLAT_ROWS (1,000,000) rows per register, only when named), ZSZ_BENCH_BIN
# (the server binary, default build/zsz-api).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ZSZ_ROOT"

PG_DIR="$ZSZ_ROOT/var/bench-pg"
PG_PORT="${ZSZ_BENCH_PG_PORT:-5435}"
DB=zsz_bench
LOGS="$ZSZ_ROOT/var/bench-logs"
SECS="${ZSZ_BENCH_SECONDS:-10}"
CONNS="${ZSZ_BENCH_CONNECTIONS:-32}"
THREADS="${ZSZ_BENCH_THREADS:-2}"
POOL="${ZSZ_DB_POOL_SIZE:-8}"
NPROC=10000
SECTIONS="${ZSZ_BENCH_SECTIONS:-processes surveys nonconformities management_reviews risks objectives_reads registers_csv imports feed scale webhooks}"
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

started_pg=0
server_pid=""

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$server_pid" ]]; then
        zsz_stop_pid "$server_pid" 20 || true
    fi
    if ((started_pg)); then
        zsz_pg_stop "$PG_DIR" || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

zsz_header "dependencies and build"
zsz_install_deps wrk
zsz_build build
# ZSZ_BENCH_BIN: another build's server (e.g. main's, for "before" figures; it applies its own
# migrations, those its build names)
bin="${ZSZ_BENCH_BIN:-$ZSZ_ROOT/build/zsz-api}"
pgbin="$(zsz_pg_bindir)"
rm -rf "$LOGS"
mkdir -p "$LOGS"

zsz_header "database (var/bench-pg, database $DB)"
zsz_pg_init "$PG_DIR" "$PG_PORT"
PG_PORT="$(cat "$PG_DIR/port")"
if ! zsz_pg_running "$PG_DIR"; then
    zsz_pg_start "$PG_DIR"
    started_pg=1
fi
zsz_pg_create_db "$PG_DIR" "$PG_PORT" "$DB"
url="$(zsz_pg_url "$PG_DIR" "$PG_PORT" "$DB")"
sockdir="$(zsz_pg_sockdir "$PG_DIR")"

# The server reads its whole configuration from the environment. ZSZ_ROOT is the scripts' own
# (common.sh), not the server's: unset when the caller had exported it, the later sections
# lost the repository's root.
while IFS= read -r v; do
    case "$v" in ZSZ_ROOT | ZSZ_DB_POOL_SIZE | ZSZ_BENCH_*) ;; ZSZ_*) unset "$v" ;; esac
done < <(compgen -e)
export ZSZ_DATABASE_URL="$url" ZSZ_JWT_SECRET="$SECRET" ZSZ_DB_POOL_SIZE="$POOL"
export ZSZ_LOG_LEVEL=warning ZSZ_BIND=127.0.0.1

"$bin" migrate >"$LOGS/migrate.log" 2>&1 || {
    cat "$LOGS/migrate.log"
    zsz_die "zsz-api migrate failed"
}

psql_owner() {
    "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d "$url" "$@"
}

echo "seeding organisation bench with $NPROC processes"
psql_owner -v n="$NPROC" <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO organisations (code, name, process_scheme)
VALUES ('bench', 'Benchmark hall', 'krakow')
ON CONFLICT (code) DO NOTHING;
INSERT INTO processes (org_id, code, name, category, description)
SELECT o.id, 'GR ' || n, 'Proces główny nr ' || n, 'core',
       'Opis procesu ' || n || '. ' || repeat('Zakres, wejścia, wyjścia i mierniki procesu. ', 8)
FROM organisations o, generate_series(1, :n) AS n
WHERE o.code = 'bench'
ON CONFLICT (org_id, code) DO NOTHING;
COMMIT;
ANALYZE organisations;
ANALYZE processes;
SQL
read -r org_id id_lo id_hi count <<<"$(psql_owner -At -F ' ' -c \
    "SELECT o.id, min(p.id), max(p.id), count(p.id) FROM organisations o
     JOIN processes p ON p.org_id = o.id WHERE o.code = 'bench' GROUP BY o.id")"
[[ "${count:-0}" == "$NPROC" ]] || zsz_die "expected $NPROC bench processes, found $count"
# The ids are one contiguous block when the seed ran once into a fresh database.
if ((id_hi - id_lo + 1 != NPROC)); then
    zsz_log "note: bench process ids are not contiguous ($id_lo..$id_hi); some random ids will be 404"
fi

zsz_header "server"
port="${ZSZ_BENCH_HTTP_PORT:-18180}"
while ! zsz_port_free "$port"; do
    port=$((port + 1))
    ((port < ${ZSZ_BENCH_HTTP_PORT:-18180} + 50)) || zsz_die "no free port"
done
base="http://127.0.0.1:$port"
# no webhook workers here: the webhooks section measures deliveries on a server of its own
ZSZ_PORT="$port" ZSZ_WEBHOOK_WORKERS=0 "$bin" serve >"$LOGS/server.log" 2>&1 </dev/null &
server_pid=$!
zsz_wait_http "$base/readyz" 30 "$server_pid" || {
    tail -n 40 "$LOGS/server.log"
    zsz_die "server not ready on $base/readyz"
}
echo "zsz-api pid $server_pid on $base, pool $POOL"
token="$("$bin" token --sub bench.employee --name "Bench Employee (bench)" --org bench \
    --role employee --ttl 3600)"
auth="Authorization: Bearer $token"

list_path="/api/v1/processes?limit=50"
one_path="/api/v1/processes/$id_lo"
for p in "$list_path" "$one_path"; do
    code="$(curl -s -o "$LOGS/probe.json" -w '%{http_code}' -H "$auth" "$base$p")"
    [[ "$code" == 200 ]] || {
        head -c 500 "$LOGS/probe.json"
        echo
        zsz_die "GET $p answered $code, expected 200"
    }
done

# wrk: a random id per request, like pgbench's \set id random(...).
cat >"$LOGS/one.lua" <<EOF
math.randomseed(os.time())
request = function()
    return wrk.format("GET", "/api/v1/processes/" .. math.random($id_lo, $id_hi))
end
EOF

# pgbench scripts: the same rows and columns the endpoints read.
cols="id, code, name, category, parent_id, owner, org_unit_id, description, status, version, created_at, updated_at"
printf '\\set id random(%s, %s)\nSELECT %s FROM processes WHERE org_id = %s AND id = :id;\n' \
    "$id_lo" "$id_hi" "$cols" "$org_id" >"$LOGS/one.sql"
printf 'SELECT %s FROM processes WHERE org_id = %s ORDER BY code, id LIMIT 50;\n' \
    "$cols" "$org_id" >"$LOGS/list.sql"

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status"; }
# utime + stime of the server, in clock ticks (the command name has no spaces: fields hold)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

# run_wrk NAME PATH [wrk-args...]: warm up briefly, then measure; leaves
# rps, p50, p99, non2xx, rss_kb set.
run_wrk() {
    local name="$1" path="$2"
    shift 2
    wrk -t"$THREADS" -c"$CONNS" -d2s -H "$auth" "$@" "$base$path" >/dev/null
    local cpu_before
    cpu_before="$(cpu_ticks)"
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 5s --latency -H "$auth" "$@" "$base$path" \
        >"$LOGS/wrk-$name.txt"
    # the server's own CPU (user + system) per request: what rendering, gzip or a 304 cost it
    local ticks=$(($(cpu_ticks) - cpu_before)) requests
    requests="$(awk '/requests in/ {print $1}' "$LOGS/wrk-$name.txt")"
    cpu_us="$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
        'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "n/a" }')"
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-$name.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-$name.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-$name.txt")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$LOGS/wrk-$name.txt")"
    rss_kb="$(hwm_kb)"
}

# run_pgbench NAME: leaves tps set.
run_pgbench() {
    local name="$1"
    "$pgbin/pgbench" -n -c "$CONNS" -j "$THREADS" -T "$SECS" -f "$LOGS/$name.sql" \
        -h "$sockdir" -p "$PG_PORT" -U zsz_owner "$DB" >"$LOGS/pgbench-$name.txt" 2>&1 || {
        cat "$LOGS/pgbench-$name.txt"
        zsz_die "pgbench $name failed"
    }
    tps="$(awk '/^tps = / {printf "%.0f", $3; exit}' "$LOGS/pgbench-$name.txt")"
}

declare -A R
if want processes; then
for name in list one; do
    if [[ "$name" == list ]]; then
        zsz_header "GET $list_path"
        run_wrk list "$list_path"
    else
        zsz_header "GET /api/v1/processes/{id} (random id $id_lo..$id_hi)"
        run_wrk one /api/v1/processes/ -s "$LOGS/one.lua"
    fi
    run_pgbench "$name"
    R[$name]="$rps $p50 $p99 $rss_kb $tps ${non2xx:-0} $cpu_us"
    printf 'wrk: %s req/s, p50 %s, p99 %s; pgbench: %s tps\n' "$rps" "$p50" "$p99" "$tps"
done

# Conditional reads (issue 16): the same requests with If-None-Match naming the current tag
# (every bench process is at revision 1, so "1" is the tag of any random id): 304, no body.
list_tag="$(curl -s -o /dev/null -D - -H "$auth" "$base$list_path" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')"
zsz_header "If-None-Match: 304 paths"
run_wrk list304 "$list_path" -H "If-None-Match: $list_tag"
R[list304]="$rps $p50 $p99 $rss_kb - ${non2xx:-0} $cpu_us"
run_wrk one304 /api/v1/processes/ -s "$LOGS/one.lua" -H 'If-None-Match: "1"'
R[one304]="$rps $p50 $p99 $rss_kb - ${non2xx:-0} $cpu_us"
# gzip: the list page to a caller that accepts it (bytes on the wire, and what it costs)
run_wrk listgz "$list_path" -H "Accept-Encoding: gzip"
R[listgz]="$rps $p50 $p99 $rss_kb - ${non2xx:-0} $cpu_us"
plain_bytes="$(curl -s -o /dev/null -w '%{size_download}' -H "$auth" "$base$list_path")"
gzip_bytes="$(curl -s -o /dev/null -w '%{size_download}' -H "$auth" -H 'Accept-Encoding: gzip' "$base$list_path")"

zsz_header "results (${SECS}s, $CONNS connections, $THREADS threads, pool $POOL, $NPROC processes)"
printf '%-44s %10s %9s %9s %10s %12s %9s %12s\n' endpoint 'req/s' p50 p99 'peak RSS' 'pgbench tps' 'API/PG' \
    'server CPU'
for name in list one list304 one304 listgz; do
    read -r rps p50 p99 rss_kb tps non2xx cpu_us <<<"${R[$name]}"
    case "$name" in
    list) label="GET $list_path" ;;
    one) label="GET /api/v1/processes/{id}" ;;
    list304) label="  the same page, If-None-Match (304)" ;;
    one304) label="  the same record, If-None-Match (304)" ;;
    listgz) label="  the same page, Accept-Encoding: gzip" ;;
    esac
    ratio="$(awk -v a="$rps" -v b="$tps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
    printf '%-44s %10s %9s %9s %7d MiB %12s %9s %9s us\n' "$label" "$rps" "$p50" "$p99" \
        $(((rss_kb + 1023) / 1024)) "$tps" "$ratio" "$cpu_us"
    if ((non2xx > 0)) && [[ "$name" != *304 ]]; then
        echo "  warning: $non2xx responses were not 2xx (see var/bench-logs/wrk-$name.txt)"
    fi
done
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
read -r l200 _ <<<"${R[list]}"
read -r l304 _ <<<"${R[list304]}"
read -r o200 _ <<<"${R[one]}"
read -r o304 _ <<<"${R[one304]}"
read -r lgz _ <<<"${R[listgz]}"
echo "304 path / 200 path: list $(ratio_of "$l304" "$l200"), record $(ratio_of "$o304" "$o200") (aim: at least 1.5)"
echo "gzip: the page is $plain_bytes bytes plain, $gzip_bytes gzip ($(ratio_of "$gzip_bytes" "$plain_bytes") of it);" \
    "req/s with gzip / without: $(ratio_of "$lgz" "$l200")"
echo "peak RSS is the server's VmHWM after that endpoint's run (cumulative); server CPU is its user + system time per request"
fi

# ---- worklist: the IOD's morning worklist at 10,000 and 100,000 incidents ---------------------
# Aim (issue 16): flat with size. A hall of its own per size (benchwl10k, benchwl100k; the sizes
# are ZSZ_BENCH_WORKLIST_SIZES), incidents
# every 25 minutes back from now (so both have the same recent ones and as many deadlines
# pending in the next 12 hours; the larger one has ten times the history): a fifth breaches
# (every tenth of high risk), a fifth cyber, most old ones notified in time, every third never.
# Measured: the pending worklist within 12 hours, the missed worklist, and a plain page.
if want worklist; then
WL_SIZES="${ZSZ_BENCH_WORKLIST_SIZES:-10000 100000}"
zsz_header "worklist: GET /incidents?deadline_state=... at ${WL_SIZES// /, } incidents"
printf '%-64s %8s %9s %9s\n' "endpoint (1 connection, sequential, ${SECS}s)" "requests" "p50" "p99"
for n in $WL_SIZES; do
    code="benchwl$((n / 1000))k"
    psql_owner -v n="$n" -v code="$code" <<'SQL' >/dev/null
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO organisations (code, name, process_scheme) VALUES (:'code', 'Worklist bench hall', 'krakow')
ON CONFLICT (code) DO NOTHING;
CREATE TEMP TABLE wl AS
SELECT g, date_trunc('second', now()) - g * interval '25 minutes' AS t FROM generate_series(1, :n) g;
INSERT INTO incidents (org_id, number, title, type, severity, status, detected_at, reported_at, reporter, breach, ksc)
SELECT o.id, 'INC/' || extract(year FROM wl.t) || '/' || lpad(g::text, 6, '0'), 'Incydent ' || g,
       (ARRAY['personal_data_breach', 'cyber', 'it_failure', 'physical', 'other'])[1 + g % 5], 1 + g % 5,
       CASE WHEN wl.t < now() - interval '30 days' THEN 'closed' ELSE 'investigating' END, wl.t, wl.t,
       :'code' || '.iod',
       CASE WHEN g % 5 = 0 THEN jsonb_build_object(
            'aware_at', to_char(wl.t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
            'risk_level', CASE WHEN g % 10 = 0 THEN 'high' ELSE 'risk' END)
            || CASE WHEN g % 3 <> 0 AND wl.t < now() - interval '3 days' THEN jsonb_build_object(
                 'uodo_notified_at', to_char((wl.t + interval '2 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                 'subjects_notified_at', to_char((wl.t + interval '2 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))
               ELSE '{}' END END,
       CASE WHEN g % 5 = 1 THEN jsonb_build_object('csirt', 'NASK')
            || CASE WHEN g % 3 <> 0 AND wl.t < now() - interval '1 day' THEN jsonb_build_object(
                 'csirt_reported_at', to_char((wl.t + interval '20 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))
               ELSE '{}' END END
FROM organisations o, wl WHERE o.code = :'code'
ON CONFLICT (org_id, number) DO NOTHING;
COMMIT;
ANALYZE incidents;
SQL
    psql_owner -c "DO \$\$ BEGIN IF to_regclass('incident_deadlines') IS NOT NULL THEN ANALYZE incident_deadlines; END IF; END \$\$" \
        >/dev/null
    wl_auth="Authorization: Bearer $("$bin" token --sub "$code.iod" --name IOD --org "$code" --role iod --ttl 3600)"
    for p in "/api/v1/incidents?deadline_state=pending&due_within=PT12H" "/api/v1/incidents?deadline_state=missed" \
        "/api/v1/incidents?limit=50"; do
        probe="$(curl -s -o "$LOGS/probe-wl.json" -w '%{http_code}' -H "$wl_auth" "$base$p")"
        [[ "$probe" == 200 ]] || zsz_die "GET $p answered $probe: $(head -c 300 "$LOGS/probe-wl.json")"
        items="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$LOGS/probe-wl.json")"
        # one connection, requests one after another for SECS seconds (at least 5): the
        # latency of the call itself, which is what grows with the register
        : >"$LOGS/times-wl.txt"
        wl_end=$((SECONDS + SECS))
        while ((SECONDS < wl_end)) || (($(wc -l <"$LOGS/times-wl.txt") < 5)); do
            curl -s --max-time 120 -o /dev/null -w '%{time_total}\n' -H "$wl_auth" "$base$p" >>"$LOGS/times-wl.txt"
        done
        read -r wl_n wl_p50 wl_p99 < <(sort -n "$LOGS/times-wl.txt" | awk '{t[NR] = $1} END {
            printf "%d %.1fms %.1fms\n", NR, t[int((NR + 1) / 2)] * 1000, t[int(NR * 0.99 + 0.999)] * 1000 }')
        printf '%-64s %8s %9s %9s\n' "GET ${p#/api/v1} ($n, $items items)" "$wl_n" "$wl_p50" "$wl_p99"
    done
done
fi

# ---- flat: each list's pages at 10,000 and at 1,000,000 rows of its register (issue 16) ------
# Organisation benchflat grows to 10,000 and then ZSZ_BENCH_FLAT_ROWS (1,000,000) incidents,
# nonconformity cards, objectives, audits, surveys and change-log entries, seeded set-based with the
# registers' own triggers off (the change log and the stored deadlines are not what is measured
# here; the feed's entries are seeded directly). At each size, one connection, requests one
# after another for SECS seconds (at least 5): p50 of the first page and of the page after it
# (its next_cursor), the plenipotentiary's. Aim (issue 16): p50 at 1,000,000 within 1.2 x the
# p50 at 10,000. Runs only when named: its 5,000,000 rows would change what later sections
# measure.
flat_seed() { # flat_seed N: grows every register of benchflat to N rows
    psql_owner -v n="$1" <<'SQL' >/dev/null
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO organisations (code, name, process_scheme) VALUES ('benchflat', 'Flat bench hall', 'krakow')
ON CONFLICT (code) DO NOTHING;
SELECT id AS org FROM organisations WHERE code = 'benchflat' \gset
INSERT INTO processes (org_id, code, name, category, status)
SELECT :org, 'GR 1', 'Proces', 'core', 'active' WHERE NOT EXISTS (SELECT 1 FROM processes WHERE org_id = :org);
SELECT min(id) AS proc FROM processes WHERE org_id = :org \gset
-- the audits' programme without its change-log entry: rendered, it lists all its audits
ALTER TABLE audit_programmes DISABLE TRIGGER USER;
INSERT INTO audit_programmes (org_id, year, status) VALUES (:org, 2026, 'approved') ON CONFLICT DO NOTHING;
ALTER TABLE audit_programmes ENABLE TRIGGER USER;
ALTER TABLE incidents DISABLE TRIGGER USER;
ALTER TABLE nonconformities DISABLE TRIGGER USER;
ALTER TABLE objectives DISABLE TRIGGER USER;
ALTER TABLE audits DISABLE TRIGGER USER;
ALTER TABLE surveys DISABLE TRIGGER USER;
INSERT INTO incidents (org_id, number, title, type, severity, status, detected_at, reported_at, reporter)
SELECT :org, 'INC/F/' || lpad(g::text, 7, '0'), 'Incydent ' || g,
       (ARRAY['personal_data_breach', 'cyber', 'it_failure', 'physical', 'other'])[1 + g % 5], 1 + g % 5,
       (ARRAY['triage', 'investigating', 'closed'])[1 + g % 3], now() - g * interval '1 minute',
       now() - g * interval '1 minute', 'benchflat.iod'
FROM generate_series((SELECT count(*) FROM incidents WHERE org_id = :org) + 1, :n) AS g;
INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, status)
SELECT :org, 'NC/F/' || lpad(g::text, 7, '0'), 'internal_audit', (ARRAY['major', 'minor'])[1 + g % 2], :proc,
       'benchflat.owner', 'Niezgodność nr ' || g, (ARRAY['open', 'analysis', 'closed'])[1 + g % 3]
FROM generate_series((SELECT count(*) FROM nonconformities WHERE org_id = :org) + 1, :n) AS g;
INSERT INTO objectives (org_id, code, year, title, owner, status)
SELECT :org, 'O-' || g, 2000 + g % 100, 'Cel nr ' || g, 'benchflat.owner', 'approved'
FROM generate_series((SELECT count(*) FROM objectives WHERE org_id = :org) + 1, :n) AS g;
INSERT INTO audits (org_id, code, year, kind, planned_start, planned_end, lead_auditor, team, status)
SELECT :org, 'A/' || g, 2026, (ARRAY['quality', 'information_security', 'integrated'])[1 + g % 3],
       date '2000-01-01' + (g % 36500)::integer, date '2000-01-01' + (g % 36500)::integer + 3, 'benchflat.auditor',
       ARRAY['benchflat.auditor'], 'planned'
FROM generate_series((SELECT count(*) FROM audits WHERE org_id = :org) + 1, :n) AS g;
ALTER TABLE incidents ENABLE TRIGGER USER;
ALTER TABLE nonconformities ENABLE TRIGGER USER;
ALTER TABLE objectives ENABLE TRIGGER USER;
INSERT INTO surveys (org_id, title, kind, year, process_ids, questions, status, public_id)
SELECT :org, 'Ankieta nr ' || g, (ARRAY['external_customers', 'employees', 'ad_hoc'])[1 + g % 3], 2000 + g % 100,
       ARRAY[:proc]::bigint[], '[{"key": "q1", "text": "Jak?", "type": "scale_1_5"}]', 'closed',
       'benchflat' || lpad(g::text, 13, '0')
FROM generate_series((SELECT count(*) FROM surveys WHERE org_id = :org) + 1, :n) AS g;
ALTER TABLE audits ENABLE TRIGGER USER;
ALTER TABLE surveys ENABLE TRIGGER USER;
INSERT INTO change_log (org_id, entity, record_id, action, actor, at, after)
SELECT :org, 'org_unit', g::text, 'seed', 'bench', now(),
       jsonb_build_object('id', g, 'code', 'U' || g, 'name', 'Jednostka nr ' || g, 'parent_id', NULL,
                          'revision', 1, 'created_at', now(), 'updated_at', now())
FROM generate_series((SELECT count(*) FROM change_log WHERE org_id = :org) + 1, :n) AS g;
COMMIT;
ANALYZE incidents;
ANALYZE nonconformities;
ANALYZE objectives;
ANALYZE audits;
ANALYZE surveys;
ANALYZE change_log;
SQL
}

# flat_p50 AUTH PATH: the p50 of PATH requested one after another for SECS seconds (at least 5)
flat_p50() {
    : >"$LOGS/times-flat.txt"
    local end=$((SECONDS + SECS))
    while ((SECONDS < end)) || (($(wc -l <"$LOGS/times-flat.txt") < 5)); do
        curl -s --max-time 120 -o /dev/null -w '%{time_total}\n' -H "$1" "$base$2" >>"$LOGS/times-flat.txt"
    done
    sort -n "$LOGS/times-flat.txt" | awk '{t[NR] = $1} END {printf "%.2f\n", t[int((NR + 1) / 2)] * 1000}'
}

if want flat; then
zsz_header "flat: lists' pages at 10,000 and ${ZSZ_BENCH_FLAT_ROWS:-1000000} rows of their register"
flat_auth="Authorization: Bearer $("$bin" token --sub benchflat.plenipotentiary --name P --org benchflat \
    --role plenipotentiary --ttl 3600)"
FLAT_PATHS=(/api/v1/incidents?limit=50 /api/v1/nonconformities?limit=50 /api/v1/objectives?limit=50
    /api/v1/audits?limit=50 /api/v1/surveys?limit=50 /api/v1/changes?limit=50)
declare -A FLAT
for n in 10000 "${ZSZ_BENCH_FLAT_ROWS:-1000000}"; do
    t0="$(date +%s.%N)"
    flat_seed "$n"
    echo "benchflat grown to $n rows per register in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
    curl -s -o /dev/null -H "$flat_auth" "$base/api/v1/me"
    for p in "${FLAT_PATHS[@]}"; do
        code="$(curl -s -o "$LOGS/probe-flat.json" -w '%{http_code}' -H "$flat_auth" "$base$p")"
        [[ "$code" == 200 ]] || zsz_die "GET $p answered $code: $(head -c 300 "$LOGS/probe-flat.json")"
        cursor="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_cursor"] or "")' \
            "$LOGS/probe-flat.json")"
        [[ -n "$cursor" ]] || zsz_die "GET $p: no next page at $n rows"
        FLAT[$p-$n-1]="$(flat_p50 "$flat_auth" "$p")"
        FLAT[$p-$n-2]="$(flat_p50 "$flat_auth" "$p&cursor=$cursor")"
    done
done
printf '%-44s %12s %12s %7s %12s %12s %7s\n' "endpoint (1 connection, p50)" "p1 10,000" "p1 ${ZSZ_BENCH_FLAT_ROWS:-1000000}" \
    "ratio" "p2 10,000" "p2 ${ZSZ_BENCH_FLAT_ROWS:-1000000}" "ratio"
for p in "${FLAT_PATHS[@]}"; do
    big="${ZSZ_BENCH_FLAT_ROWS:-1000000}"
    printf '%-44s %10sms %10sms %7s %10sms %10sms %7s\n' "GET ${p#/api/v1}" \
        "${FLAT[$p-10000-1]}" "${FLAT[$p-$big-1]}" "$(echo "scale=2; ${FLAT[$p-$big-1]} / ${FLAT[$p-10000-1]}" | bc)" \
        "${FLAT[$p-10000-2]}" "${FLAT[$p-$big-2]}" "$(echo "scale=2; ${FLAT[$p-$big-2]} / ${FLAT[$p-10000-2]}" | bc)"
done
fi

# ---- surveys: a paper-form import of 100,000 responses, then results at 1,000,000 ----------
# Aims (issue 5): the import under 10 s on this machine, results under 200 ms at a million.
ptoken="$("$bin" token --sub bench.plenipotentiary --name "Bench Plenipotentiary" --org bench \
    --role plenipotentiary --ttl 3600)"
pauth="Authorization: Bearer $ptoken"
json='Content-Type: application/json'
if want surveys; then
zsz_header "surveys: import 100,000 responses, results at 1,000,000"
survey="$(curl -s -H "$pauth" -H "$json" "$base/api/v1/surveys" -d '{"title": "Bench survey",
  "kind": "ad_hoc", "year": 2026, "respondent_fields": [{"key": "channel", "text": "Channel",
  "type": "choice", "options": [{"key": "office", "text": "Office"}, {"key": "phone", "text": "Phone"},
  {"key": "online", "text": "Online"}, {"key": "epuap", "text": "ePUAP"}]}],
  "questions": [{"key": "q1", "text": "Q1", "type": "scale_1_5", "required": true},
  {"key": "q2", "text": "Q2", "type": "scale_1_5", "allow_dont_know": true},
  {"key": "q3", "text": "Q3", "type": "scale_1_5"},
  {"key": "k", "text": "K", "type": "single_choice", "options": [{"key": "a", "text": "A"},
  {"key": "b", "text": "B"}, {"key": "c", "text": "C"}]}]}')"
survey_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$survey")"
curl -s -o /dev/null -H "$pauth" -H "$json" "$base/api/v1/surveys/$survey_id/transitions" -d '{"to": "open"}'
python3 - "$LOGS/import.json" <<'PY'
import json, random, sys
random.seed(7)
rows = [{"answers": {"q1": random.randint(1, 5), "q2": random.choice([1, 2, 3, 4, 5, "dont_know"]),
                     "q3": random.randint(1, 5), "k": random.choice("abc")},
         "respondent": {"channel": random.choice(["office", "phone", "online", "epuap"])}}
        for _ in range(100000)]
with open(sys.argv[1], "w") as f:
    json.dump(rows, f)
PY
import_s="$(curl -s -o "$LOGS/import-answer.json" -w '%{time_total}' -H "$pauth" -H "$json" \
    --data-binary "@$LOGS/import.json" "$base/api/v1/surveys/$survey_id/responses/import")"
grep -q '"imported":100000' "$LOGS/import-answer.json" || {
    head -c 500 "$LOGS/import-answer.json"
    zsz_die "the import did not take 100,000 responses"
}
echo "import of 100,000 responses: ${import_s} s"
for _ in $(seq 2 10); do
    curl -s -o /dev/null -H "$pauth" -H "$json" --data-binary "@$LOGS/import.json" \
        "$base/api/v1/surveys/$survey_id/responses/import"
done
curl -s -H "$pauth" "$base/api/v1/surveys/$survey_id/results" >"$LOGS/results.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["responses"] == 1000000, d["responses"]; print("responses:", d["responses"], "overall mean:", d["overall"]["mean"])' "$LOGS/results.json"
wrk -t1 -c4 -d5s --latency -H "$pauth" "$base/api/v1/surveys/$survey_id/results" >"$LOGS/wrk-results.txt"
res_p50="$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-results.txt")"
res_p99="$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-results.txt")"
res_rps="$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-results.txt")"
printf '%-44s %10s %9s %9s\n' "GET /api/v1/surveys/{id}/results (1,000,000)" "$res_rps" "$res_p50" "$res_p99"
printf 'import of 100,000 responses took %s s (aim: under 10 s)\n' "$import_s"
fi

# ---- nonconformities: the register at 10,000 cards with 30,000 actions -------------------------
# The card is assembled in SQL (history, actions, computed overdue); a page of 200 and the whole
# register as CSV are what the plenipotentiary's office opens most.
if want nonconformities; then
zsz_header "nonconformities: 10,000 cards, 30,000 actions"
psql_owner -v org="$org_id" <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO users (org_id, sub, name, roles) VALUES (:org, 'bench.owner', 'Bench Owner', ARRAY['process_owner'])
ON CONFLICT (org_id, sub) DO NOTHING;
INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, status, created_at)
SELECT :org, 'NC/2025/' || lpad(g::text, 5, '0'), 'process_monitoring',
       CASE WHEN g % 7 = 0 THEN 'major' ELSE 'minor' END, p.id, 'bench.owner', 'Niezgodność nr ' || g,
       (ARRAY['open', 'analysis', 'action_plan', 'implementation', 'verification'])[1 + g % 5],
       '2025-01-01'::timestamptz + g * interval '30 minutes'
FROM generate_series(1, 10000) g
JOIN processes p ON p.org_id = :org AND p.code = 'GR ' || (1 + g % 100)
ON CONFLICT (org_id, number) DO NOTHING;
INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date, status)
SELECT :org, n.id, 'corrective', 'Działanie ' || k, 'bench.owner', '2025-06-01'::date + (n.id % 700)::integer,
       CASE WHEN k = 1 THEN 'done' ELSE 'open' END
FROM nonconformities n CROSS JOIN generate_series(1, 3) k
WHERE n.org_id = :org AND NOT EXISTS (SELECT 1 FROM nonconformity_actions x WHERE x.org_id = :org);
COMMIT;
ANALYZE nonconformities;
ANALYZE nonconformity_actions;
SQL
nc_count="$(curl -s -H "$pauth" -H 'Accept: text/csv' "$base/api/v1/nonconformities" | tail -n +2 | wc -l)"
[[ "$nc_count" == 10000 ]] || zsz_die "the register as CSV has $nc_count rows, expected 10000"
printf '%-50s %10s %9s %9s\n' "endpoint" "req/s" "p50" "p99"
for p in "/api/v1/nonconformities?limit=200" "/api/v1/nonconformities?overdue=true&limit=50"; do
    wrk -t1 -c4 -d5s --latency -H "$pauth" "$base$p" >"$LOGS/wrk-nc.txt"
    printf '%-50s %10s %9s %9s\n' "GET $p" "$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-nc.txt")" \
        "$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-nc.txt")" "$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-nc.txt")"
done
csv_times=()
for _ in 1 2 3 4 5; do
    csv_times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$pauth" -H 'Accept: text/csv' \
        "$base/api/v1/nonconformities")")
done
printf 'the register as CSV (10,000 rows): median of 5 %s s\n' \
    "$(printf '%s\n' "${csv_times[@]}" | sort -n | sed -n 3p)"
fi

# ---- management reviews: the data package of a large hall ------------------------------------
# Aim (issue 12): the package of a hall with 150 processes, 300 objectives, 1,000
# nonconformities, 2,000 incidents and 50,000 survey responses builds in under 300 ms. Its own
# organisation (benchmr), the registers seeded in SQL, the responses imported through the API.
# seed_benchmr: organisation benchmr with its registers (SQL, once per database): 150
# processes, 300 objectives with an indicator and three readings each, 1,000 nonconformities,
# 2,000 incidents, 30 audits with findings (the management_reviews and reads sections).
seed_benchmr() {
    local have
    have="$(psql_owner -At -c "SELECT count(*) FROM objectives x JOIN organisations o ON o.id = x.org_id
                                WHERE o.code = 'benchmr'")"
    ((have == 0)) || return 0
psql_owner <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO organisations (code, name, process_scheme) VALUES ('benchmr', 'Benchmark hall (reviews)', 'krakow')
ON CONFLICT (code) DO NOTHING;
CREATE TEMP TABLE o AS SELECT id FROM organisations WHERE code = 'benchmr';
INSERT INTO org_units (org_id, code, name) SELECT o.id, 'U' || g, 'Wydział ' || g FROM o, generate_series(1, 10) g
ON CONFLICT DO NOTHING;
INSERT INTO users (org_id, sub, name, roles) SELECT o.id, 'benchmr.' || r, r, ARRAY[r] FROM o,
  unnest(ARRAY['plenipotentiary', 'iod', 'president', 'owner']) r ON CONFLICT DO NOTHING;
INSERT INTO processes (org_id, code, name, category, owner, org_unit_id)
SELECT o.id, 'GR ' || g, 'Proces ' || g, 'core', 'benchmr.owner',
       (SELECT u.id FROM org_units u WHERE u.org_id = o.id AND u.code = 'U' || (1 + g % 10))
FROM o, generate_series(1, 150) g ON CONFLICT DO NOTHING;
INSERT INTO objectives (org_id, code, year, title, standards, status, process_id)
SELECT o.id, 'CEL-' || g, 2026, 'Cel ' || g, CASE WHEN g % 5 = 0 THEN ARRAY['iso27001'] ELSE ARRAY['iso9001'] END,
       'approved', (SELECT p.id FROM processes p WHERE p.org_id = o.id AND p.code = 'GR ' || (1 + g % 150))
FROM o, generate_series(1, 300) g ON CONFLICT DO NOTHING;
INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency)
SELECT x.org_id, x.id, 'Wskaźnik ' || x.code, 'increase', 0, 100, 'quarterly' FROM objectives x, o WHERE x.org_id = o.id;
INSERT INTO indicator_readings (org_id, indicator_id, period, value, recorded_by)
SELECT i.org_id, i.id, '2026-Q' || q, 20 * q + i.id % 10, 'bench' FROM indicators i, o, generate_series(1, 3) q
WHERE i.org_id = o.id ON CONFLICT DO NOTHING;
INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, status, round,
                             created_at, closed_at)
SELECT o.id, 'NC/2026/' || lpad(g::text, 4, '0'), 'process_monitoring', 'minor',
       (SELECT p.id FROM processes p WHERE p.org_id = o.id AND p.code = 'GR ' || (1 + g % 150)), 'benchmr.owner',
       'Niezgodność ' || g, CASE WHEN g % 3 = 0 THEN 'closed' ELSE 'implementation' END, 1 + g % 2,
       '2026-01-01'::timestamptz + g * interval '6 hours',
       CASE WHEN g % 3 = 0 THEN '2026-01-01'::timestamptz + g * interval '6 hours' + interval '20 days' END
FROM o, generate_series(1, 1000) g ON CONFLICT DO NOTHING;
INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date)
SELECT n.org_id, n.id, 'corrective', 'Działanie', 'benchmr.owner', '2026-03-01'::date + (n.id % 400)::integer
FROM nonconformities n, o WHERE n.org_id = o.id AND n.status <> 'closed';
INSERT INTO incidents (org_id, number, title, type, severity, status, detected_at, reported_at, reporter, breach, ksc)
SELECT o.id, 'INC/2026/' || lpad(g::text, 4, '0'), 'Incydent ' || g,
       (ARRAY['personal_data_breach', 'cyber', 'it_failure', 'physical', 'other'])[1 + g % 5], 1 + g % 5, 'closed',
       '2026-01-01'::timestamptz + g * interval '3 hours', '2026-01-01'::timestamptz + g * interval '3 hours',
       'benchmr.iod',
       CASE WHEN g % 5 = 0 THEN jsonb_build_object('aware_at', '2026-01-01'::timestamptz + g * interval '3 hours',
            'risk_level', 'risk', 'uodo_notified_at', '2026-01-01'::timestamptz + g * interval '3 hours' + interval '2 days') END,
       CASE WHEN g % 5 = 1 THEN jsonb_build_object('csirt', 'NASK', 'csirt_reported_at',
            '2026-01-01'::timestamptz + g * interval '3 hours' + interval '20 hours') END
FROM o, generate_series(1, 2000) g ON CONFLICT DO NOTHING;
INSERT INTO audit_programmes (org_id, year, status) SELECT o.id, 2026, 'approved' FROM o ON CONFLICT DO NOTHING;
INSERT INTO audits (org_id, code, year, kind, planned_start, planned_end, lead_auditor, team, status)
SELECT o.id, 'A-' || g, 2026, (ARRAY['quality', 'information_security', 'integrated'])[1 + g % 3],
       '2026-01-01'::date + g * 10, '2026-01-03'::date + g * 10, 'benchmr.owner', ARRAY['benchmr.owner'],
       CASE WHEN g < 25 THEN 'closed' ELSE 'planned' END
FROM o, generate_series(1, 30) g ON CONFLICT DO NOTHING;
INSERT INTO audit_findings (org_id, audit_id, kind, clause, description, created_by, created_at)
SELECT a.org_id, a.id, (ARRAY['minor_nonconformity', 'observation', 'opportunity_for_improvement', 'good_practice'])[1 + k % 4],
       'ISO 9001:2015 ' || (4 + k % 7) || '.1', 'Ustalenie', 'benchmr.owner', a.planned_end
FROM audits a, o, generate_series(1, 5) k WHERE a.org_id = o.id AND a.status = 'closed';
INSERT INTO process_reviews (org_id, process_id, period, status, improvement_actions)
SELECT p.org_id, p.id, '2026-H1', 'accepted', '[{"description": "Usprawnienie", "status": "open"}]'
FROM processes p, o WHERE p.org_id = o.id ON CONFLICT DO NOTHING;
COMMIT;
ANALYZE processes; ANALYZE objectives; ANALYZE indicators; ANALYZE indicator_readings; ANALYZE nonconformities;
ANALYZE nonconformity_actions; ANALYZE incidents; ANALYZE audits; ANALYZE audit_findings; ANALYZE process_reviews;
SQL
}

if want management_reviews; then
zsz_header "management reviews: package of 150 processes, 300 objectives, 1,000 NCs, 2,000 incidents, 50,000 responses"
seed_benchmr
mrtoken() { "$bin" token --sub "benchmr.$1" --name "$1" --org benchmr --role "$1" --ttl 3600; }
mr_p="Authorization: Bearer $(mrtoken plenipotentiary)"
mr_i="Authorization: Bearer $(mrtoken iod)"
curl -s -o /dev/null -H "$mr_p" "$base/api/v1/me"
curl -s -o /dev/null -H "$mr_i" "$base/api/v1/me"
# 50,000 responses: two surveys of 2026 (customers, employees) of 25,000 each, five scale
# questions, imported as paper forms
python3 - "$LOGS/mr-import.json" <<'PY'
import json, random, sys
random.seed(12)
rows = [{"answers": {f"q{k}": random.randint(1, 5) for k in range(1, 6)}} for _ in range(25000)]
with open(sys.argv[1], "w") as f:
    json.dump(rows, f)
PY
have_surveys="$(psql_owner -At -c "SELECT count(*) FROM surveys s JOIN organisations o ON o.id = s.org_id
                                    WHERE o.code = 'benchmr' AND s.year = 2026 AND s.kind <> 'ad_hoc'")"
((have_surveys > 0)) || for kind in external_customers employees; do
    sv="$(curl -s -H "$mr_p" -H "$json" "$base/api/v1/surveys" -d '{"title": "Badanie '"$kind"'",
      "kind": "'"$kind"'", "year": 2026, "questions": [{"key": "q1", "text": "Q1", "type": "scale_1_5"},
      {"key": "q2", "text": "Q2", "type": "scale_1_5"}, {"key": "q3", "text": "Q3", "type": "scale_1_5"},
      {"key": "q4", "text": "Q4", "type": "scale_1_5"}, {"key": "q5", "text": "Q5", "type": "scale_1_5"}]}')"
    sv_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$sv")"
    curl -s -o /dev/null -H "$mr_p" -H "$json" "$base/api/v1/surveys/$sv_id/transitions" -d '{"to": "open"}'
    curl -s -o "$LOGS/mr-import-answer.json" -H "$mr_p" -H "$json" --data-binary "@$LOGS/mr-import.json" \
        "$base/api/v1/surveys/$sv_id/responses/import"
    grep -q '"imported":25000' "$LOGS/mr-import-answer.json" || zsz_die "the $kind import did not take 25,000 responses"
done
responses="$(psql_owner -At -c "SELECT count(*) FROM survey_responses r JOIN organisations o ON o.id = r.org_id WHERE o.code = 'benchmr'")"
echo "benchmr: $(psql_owner -At -c "SELECT (SELECT count(*) FROM processes p JOIN organisations o ON o.id = p.org_id WHERE o.code = 'benchmr') || ' processes, ' || (SELECT count(*) FROM objectives p JOIN organisations o ON o.id = p.org_id WHERE o.code = 'benchmr') || ' objectives, ' || (SELECT count(*) FROM nonconformities p JOIN organisations o ON o.id = p.org_id WHERE o.code = 'benchmr') || ' nonconformities, ' || (SELECT count(*) FROM incidents p JOIN organisations o ON o.id = p.org_id WHERE o.code = 'benchmr') || ' incidents'"), $responses survey responses"
sc="$(curl -s -H "$mr_p" -H "$json" "$base/api/v1/management-reviews" -d '{"kind": "steering_committee",
  "period": "2026", "planned_at": "2027-03-10T10:00:00+01:00", "title": "Bench"}')"
sc_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$sc")"
is="$(curl -s -H "$mr_i" -H "$json" "$base/api/v1/management-reviews" -d '{"kind": "isms",
  "period": "2026", "planned_at": "2027-02-10T10:00:00+01:00", "title": "Bench SZBI"}')"
is_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$is")"
curl -s -H "$mr_p" "$base/api/v1/management-reviews/$sc_id/package" >"$LOGS/mr-package.json"
python3 - "$LOGS/mr-package.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["content"]["sections"]
print("package: d opened", d["d_nonconformities"]["data"]["opened"], "| e answers",
      [s["answers"] for s in d["e_satisfaction"]["data"]["surveys"]], "| i objectives",
      d["i_objectives"]["data"]["count"], "| c audits held", d["c_audits"]["data"]["audits_held"])
PY
printf '%-58s %10s %9s %9s\n' "endpoint (1 connection, ${SECS}s)" "req/s" "p50" "p99"
for spec in "steering committee|$mr_p|$sc_id" "isms|$mr_i|$is_id"; do
    IFS='|' read -r label hdr rid <<<"$spec"
    wrk -t1 -c1 -d"${SECS}s" --latency -H "$hdr" "$base/api/v1/management-reviews/$rid/package" >"$LOGS/wrk-mr.txt"
    printf '%-58s %10s %9s %9s\n' "GET .../package, live build ($label)" \
        "$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-mr.txt")" \
        "$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-mr.txt")" "$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-mr.txt")"
done
freeze=()
for _ in 1 2 3 4 5; do
    freeze+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$mr_p" -H "$json" \
        "$base/api/v1/management-reviews/$sc_id/transitions" -d '{"to": "package_frozen"}')")
done
printf 'freezing the steering committee package (build, canonical form, SHA-256, store): median of 5 %s s\n' \
    "$(printf '%s\n' "${freeze[@]}" | sort -n | sed -n 3p)"
wrk -t1 -c1 -d"${SECS}s" --latency -H "$mr_p" "$base/api/v1/management-reviews/$sc_id/package?live=true" >"$LOGS/wrk-mr.txt"
printf '%-58s %10s %9s %9s\n' "GET .../package?live=true (frozen + live + differences)" \
    "$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-mr.txt")" \
    "$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-mr.txt")" "$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-mr.txt")"
echo "aim: the package builds in under 300 ms"
fi

# ---- reads: the other registers' GET one and list at limit=50 next to pgbench (issue 16) -------
# Organisation benchmr (seed_benchmr); each register's first page and a random record through
# the API, and pgbench selecting the same rows (every column) in the list's order, and one row
# by id. Aims (issue 16): one record at least 0.85 of pgbench, p99 under 15 ms; a list at
# least 0.6, p99 under 25 ms. Prints req/s, p99, server CPU per request and the ratios.
if want reads; then
zsz_header "reads: the registers of benchmr, GET one and list?limit=50, next to pgbench"
seed_benchmr
rtoken="Authorization: Bearer $("$bin" token --sub benchmr.plenipotentiary --name plenipotentiary --org benchmr \
    --role plenipotentiary --ttl 3600)"
curl -s -o /dev/null -H "$rtoken" "$base/api/v1/me"
mr_org="$(psql_owner -At -c "SELECT id FROM organisations WHERE code = 'benchmr'")"
# 100 ad hoc surveys of 2024 (a list of several pages; the management review reads 2026's)
psql_owner -v org="$mr_org" <<'SQL' >/dev/null
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO surveys (org_id, title, kind, year, process_ids, questions, status, public_id)
SELECT :org, 'Ankieta doraźna nr ' || g, 'ad_hoc', 2024,
       ARRAY(SELECT p.id FROM processes p WHERE p.org_id = :org ORDER BY p.id OFFSET g % 100 LIMIT 2),
       '[{"key": "q1", "text": "Jak ocenia Pan/Pani obsługę?", "type": "scale_1_5"}]', 'closed',
       'benchmradhoc' || lpad(g::text, 10, '0')
FROM generate_series((SELECT count(*) FROM surveys WHERE org_id = :org AND kind = 'ad_hoc') + 1, 100) AS g;
COMMIT;
SQL
# name|list path|record path prefix|table|the list's order
READS=(
    "objectives|/api/v1/objectives?limit=50|/api/v1/objectives/|objectives|year DESC, code, id"
    "indicators||/api/v1/indicators/|indicators|id"
    "incidents|/api/v1/incidents?limit=50|/api/v1/incidents/|incidents|id DESC"
    "nonconformities|/api/v1/nonconformities?limit=50|/api/v1/nonconformities/|nonconformities|number"
    "audits|/api/v1/audits?limit=50|/api/v1/audits/|audits|id"
    "surveys|/api/v1/surveys?limit=50|/api/v1/surveys/|surveys|id DESC"
    "changes|/api/v1/changes?limit=50||change_log|id"
)
declare -A RD
REPEAT="${ZSZ_BENCH_REPEAT:-1}"
# reads_pairs NAME PATH [wrk-args...]: the API then pgbench (NAME.sql), REPEAT times; leaves the
# median pair's rps, p99, cpu_us and tps set (the pair whose ratio is the median: the upper one
# of an even count) and ratios, the runs' ratios sorted, comma-separated.
reads_pairs() {
    local name="$1" path="$2" k pairs=()
    shift 2
    for ((k = 0; k < REPEAT; k++)); do
        run_wrk "$name" "$path" "$@"
        run_pgbench "$name"
        pairs+=("$(awk -v a="$rps" -v b="$tps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "0" }') $rps $p99 $cpu_us $tps")
    done
    local sorted
    sorted="$(printf '%s\n' "${pairs[@]}" | sort -n)"
    read -r _ rps p99 cpu_us tps <<<"$(sed -n "$((REPEAT / 2 + 1))p" <<<"$sorted")"
    ratios="$(awk '{print $1}' <<<"$sorted" | paste -sd, -)"
}
saved_auth="$auth"
auth="$rtoken" # run_wrk sends $auth
for entry in "${READS[@]}"; do
    IFS='|' read -r rname rlist rone rtable rorder <<<"$entry"
    [[ -z "${ZSZ_BENCH_READS:-}" || " $ZSZ_BENCH_READS " == *" $rname "* ]] || continue
    read -r lo hi <<<"$(psql_owner -At -F ' ' -c "SELECT min(id), max(id) FROM $rtable WHERE org_id = $mr_org")"
    if [[ -n "$rlist" ]]; then
        code="$(curl -s -o /dev/null -w '%{http_code}' -H "$rtoken" "$base$rlist")"
        if [[ "$code" != 200 ]]; then
            echo "$rname: GET $rlist answered $code, skipped"
        else
            printf 'SELECT * FROM %s WHERE org_id = %s ORDER BY %s LIMIT 50;\n' "$rtable" "$mr_org" "$rorder" \
                >"$LOGS/reads-$rname-list.sql"
            reads_pairs "reads-$rname-list" "$rlist"
            RD[$rname-list]="$rps $p99 $cpu_us $tps $ratios"
        fi
    fi
    if [[ -n "$rone" && -n "$lo" ]]; then
        code="$(curl -s -o /dev/null -w '%{http_code}' -H "$rtoken" "$base$rone$lo")"
        if [[ "$code" != 200 ]]; then
            echo "$rname: GET $rone$lo answered $code, skipped"
        else
            printf 'math.randomseed(os.time())\nrequest = function()\n    return wrk.format("GET", "%s" .. math.random(%s, %s))\nend\n' \
                "$rone" "$lo" "$hi" >"$LOGS/reads-$rname-one.lua"
            printf '\\set id random(%s, %s)\nSELECT * FROM %s WHERE org_id = %s AND id = :id;\n' "$lo" "$hi" \
                "$rtable" "$mr_org" >"$LOGS/reads-$rname-one.sql"
            reads_pairs "reads-$rname-one" "$rone" -s "$LOGS/reads-$rname-one.lua"
            RD[$rname-one]="$rps $p99 $cpu_us $tps $ratios"
        fi
    fi
done
auth="$saved_auth"
zsz_header "reads (${SECS}s, $CONNS connections; benchmr: 300 objectives, 1,000 NCs, 2,000 incidents, 30 audits, 100 surveys)"
printf '%-40s %10s %9s %12s %12s %8s  %s\n' endpoint 'req/s' p99 'server CPU' 'pgbench tps' 'API/PG' \
    "(the median pair of $REPEAT; all ratios)"
for entry in "${READS[@]}"; do
    IFS='|' read -r rname rlist rone _ _ <<<"$entry"
    for kind in list one; do
        [[ -n "${RD[$rname-$kind]:-}" ]] || continue
        read -r rps p99 cpu_us tps ratios <<<"${RD[$rname-$kind]}"
        label="GET ${rlist}"
        [[ "$kind" == one ]] && label="GET ${rone}{id}"
        printf '%-40s %10s %9s %9s us %12s %8s  %s\n' "$label" "$rps" "$p99" "$cpu_us" "$tps" \
            "$(awk -v a="$rps" -v b="$tps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" "$ratios"
    done
done
fi

# ---- risks: the map and the worklist over 20,000 risks (issue 13) ----------------------------
# Aim: each under 50 ms. The risks carry their latest assessment (the map and the worklist read
# one table); a quarter are accepted (some expired), one in ten unassessed, half with an action.
if want risks; then
zsz_header "risks: map and worklist over 20,000 risks"
psql_owner -v org="$org_id" <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO users (org_id, sub, name, roles) VALUES (:org, 'bench.owner', 'Bench Owner', ARRAY['process_owner']),
  (:org, 'bench.employee', 'Bench Employee (bench)', ARRAY['employee'])
ON CONFLICT (org_id, sub) DO NOTHING;
UPDATE processes SET owner = 'bench.owner' WHERE org_id = :org AND code IN ('GR 1', 'GR 2', 'GR 3');
WITH m AS (SELECT * FROM risk_matrices WHERE org_id = :org ORDER BY version DESC LIMIT 1),
v AS (SELECT g, 1 + g % 5 AS il, 1 + (g / 5) % 5 AS ii, greatest(1, 1 + g % 5 - g % 3) AS rl,
             greatest(1, 1 + (g / 5) % 5 - (g / 3) % 2) AS ri FROM generate_series(1, 20000) g)
INSERT INTO risks (org_id, number, kind, title, area, process_ids, owner, status, matrix_version,
  inherent_likelihood, inherent_impact, inherent_level, inherent_band, residual_likelihood, residual_impact,
  residual_level, residual_band, above_appetite, assessed_at, assessed_by, treatment_option, accepted_by,
  accepted_at, accepted_level, acceptance_justification, acceptance_expires, review_due, created_at)
SELECT :org, 'R/2025/' || lpad(v.g::text, 5, '0'), CASE WHEN v.g % 9 = 0 THEN 'opportunity' ELSE 'risk' END,
  'Ryzyko nr ' || v.g, (ARRAY['process', 'information_security', 'project', 'budget_task'])[1 + v.g % 4],
  ARRAY[(SELECT p.id FROM processes p WHERE p.org_id = :org AND p.code = 'GR ' || (1 + v.g % 100))],
  CASE WHEN v.g % 3 = 0 THEN 'bench.owner' ELSE 'bench.employee' END,
  CASE WHEN v.g % 10 = 0 THEN 'identified' ELSE (ARRAY['assessed', 'treatment', 'monitored', 'accepted'])[1 + v.g % 4] END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE m.version END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.il END, CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.ii END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.il * v.ii END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE zsz_risk_band(m.bands, v.il * v.ii) END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.rl END, CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.ri END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.rl * v.ri END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE zsz_risk_band(m.bands, v.rl * v.ri) END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE v.rl * v.ri > m.appetite END,
  CASE WHEN v.g % 10 = 0 THEN NULL ELSE now() END, CASE WHEN v.g % 10 = 0 THEN NULL ELSE 'bench.owner' END,
  CASE WHEN v.g % 4 = 1 THEN 'reduce' END,
  CASE WHEN v.g % 4 = 3 AND v.g % 10 <> 0 THEN 'bench.plenipotentiary' END,
  CASE WHEN v.g % 4 = 3 AND v.g % 10 <> 0 THEN now() END,
  CASE WHEN v.g % 4 = 3 AND v.g % 10 <> 0 THEN v.rl * v.ri END,
  CASE WHEN v.g % 4 = 3 AND v.g % 10 <> 0 THEN 'Akceptacja' END,
  CASE WHEN v.g % 4 = 3 AND v.g % 10 <> 0 THEN current_date - 60 + v.g % 400 END,
  current_date - 200 + v.g % 600, '2025-01-01'::timestamptz + v.g * interval '20 minutes'
FROM v, m
ON CONFLICT (org_id, number) DO NOTHING;
INSERT INTO risk_actions (org_id, risk_id, description, responsible, due_date, status)
SELECT :org, r.id, 'Działanie', 'bench.owner', current_date - 100 + (r.id % 300)::integer,
       CASE WHEN r.id % 3 = 0 THEN 'done' ELSE 'open' END
FROM risks r WHERE r.org_id = :org AND r.id % 2 = 0
  AND NOT EXISTS (SELECT 1 FROM risk_actions x WHERE x.org_id = :org);
COMMIT;
ANALYZE risks;
ANALYZE risk_actions;
SQL
otoken="$("$bin" token --sub bench.owner --name "Bench Owner" --org bench --role process_owner --ttl 3600)"
oauth="Authorization: Bearer $otoken"
risk_total="$(curl -s -H "$pauth" "$base/api/v1/risks/map" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"] + d["unassessed"])')"
[[ "$risk_total" == 20000 ]] || zsz_die "the map counts $risk_total risks, expected 20000"
printf '%-58s %10s %9s %9s\n' "endpoint (20,000 risks)" "req/s" "p50" "p99"
for who in plenipotentiary process_owner; do
    h="$pauth"
    [[ "$who" == process_owner ]] && h="$oauth"
    for p in "/api/v1/risks/map" "/api/v1/risks/map?basis=inherent&area=information_security" \
        "/api/v1/risks/worklist?limit=50" "/api/v1/risks/worklist?reason=acceptance_expired&limit=50"; do
        wrk -t1 -c4 -d5s --latency -H "$h" "$base$p" >"$LOGS/wrk-risks.txt"
        printf '%-58s %10s %9s %9s\n' "GET $p ($who)" "$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-risks.txt")" \
            "$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-risks.txt")" "$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-risks.txt")"
    done
done
fi

# ---- objectives_reads: the report and lists of a hall with 300 objectives (issue 16) ----------
# The demo hall (seeds) plus 300 approved objectives of the current year x 3 quarterly indicators
# x 4 readings (3,600 readings more): the annual report (JSON and CSV), the list at 200 and 50,
# and a page of 200 full nonconformity cards (1,000 cards with 3 actions and 2 history entries
# each). Aims: report p50 under 30 ms, list of 200 under 15 ms, 200 cards under 15 ms. Latency
# on one connection (a request's own cost); an endpoint whose first answer takes over 1 s is
# timed with curl alone (median of 3).
# lat_probe LABEL AUTH PATH [curl/wrk header args...]: prints p50/p99 (wrk, 1 connection, 5 s) or
# the median of 3 curls when the first answer takes more than a second.
lat_probe() {
    local label="$1" hdr="$2" path="$3" first times=()
    shift 3
    first="$(curl -s -o "$LOGS/probe-body" -w '%{time_total} %{http_code} %{size_download}' -H "$hdr" "$@" "$base$path")"
    read -r t code bytes <<<"$first"
    [[ "$code" == 200 ]] || { head -c 400 "$LOGS/probe-body"; echo; zsz_die "GET $path answered $code"; }
    if awk -v t="$t" 'BEGIN { exit !(t > 1) }'; then
        times=("$t")
        for _ in 2 3; do times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$hdr" "$@" "$base$path")"); done
        printf '%-62s %9s %9s %10s  (curl, median of 3, s)\n' "$label" \
            "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)s" "-" "$bytes"
    else
        wrk -t1 -c1 -d5s --latency -H "$hdr" "$@" "$base$path" >"$LOGS/wrk-probe.txt"
        printf '%-62s %9s %9s %10s\n' "$label" "$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-probe.txt")" \
            "$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-probe.txt")" "$bytes"
    fi
}
if want objectives_reads; then
zsz_header "objectives_reads: 300 objectives x 3 indicators x 4 readings; 200 nonconformity cards"
zsz_load_seeds "$url" >"$LOGS/seeds.log" 2>&1 || zsz_die "loading the demo seeds failed"
psql_owner <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
CREATE TEMP TABLE k AS SELECT o.id AS org, extract(year FROM zsz_today())::integer AS year
  FROM organisations o WHERE o.code = 'krakow';
INSERT INTO objectives (org_id, code, year, title, standards, status, approved_version, owner, process_id,
                        planned_actions, resources, due_date, evaluation_method)
SELECT k.org, 'BENCH-' || lpad(g::text, 3, '0'), k.year, 'Cel benchmarku nr ' || g,
       CASE WHEN g % 4 = 0 THEN ARRAY['iso27001'] ELSE ARRAY['iso9001'] END, 'approved', 1, 'krakow.process_owner',
       (SELECT p.id FROM processes p WHERE p.org_id = k.org ORDER BY p.code OFFSET g % 5 LIMIT 1),
       'Działania', 'Zasoby', make_date(k.year, 12, 31), 'Metoda oceny'
FROM k, generate_series(1, 300) g ON CONFLICT (org_id, code) DO NOTHING;
INSERT INTO indicators (org_id, objective_id, name, unit, direction, baseline, target, target_min, target_max,
                        frequency)
SELECT o.org_id, o.id, 'Wskaźnik ' || n, '%', d.direction, d.baseline, d.target, d.tmin, d.tmax, 'quarterly'
FROM objectives o JOIN k ON k.org = o.org_id, generate_series(1, 3) n,
     LATERAL (SELECT CASE n WHEN 1 THEN 'increase' WHEN 2 THEN 'decrease' ELSE 'range' END AS direction,
                     CASE n WHEN 1 THEN 0 WHEN 2 THEN 100 END::numeric AS baseline,
                     CASE n WHEN 1 THEN 100 WHEN 2 THEN 20 END::numeric AS target,
                     CASE n WHEN 3 THEN 40 END::numeric AS tmin, CASE n WHEN 3 THEN 60 END::numeric AS tmax) d
WHERE o.code LIKE 'BENCH-%' AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.objective_id = o.id);
INSERT INTO indicator_readings (org_id, indicator_id, period, value, recorded_by)
SELECT i.org_id, i.id, k.year || '-Q' || q, (15 * q + (i.id * 7) % 40)::numeric + 0.25, 'bench'
FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id JOIN k ON k.org = o.org_id,
     generate_series(1, 4) q
WHERE o.code LIKE 'BENCH-%' ON CONFLICT DO NOTHING;
INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, status, created_at)
SELECT k.org, 'NC/2024/' || lpad(g::text, 5, '0'), 'process_monitoring',
       CASE WHEN g % 7 = 0 THEN 'major' ELSE 'minor' END,
       (SELECT p.id FROM processes p WHERE p.org_id = k.org ORDER BY p.code OFFSET g % 5 LIMIT 1),
       'krakow.process_owner', 'Niezgodność benchmarku nr ' || g,
       (ARRAY['open', 'analysis', 'action_plan', 'implementation', 'verification'])[1 + g % 5],
       '2024-01-01'::timestamptz + g * interval '5 hours'
FROM k, generate_series(1, 1000) g ON CONFLICT (org_id, number) DO NOTHING;
INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date, status)
SELECT n.org_id, n.id, 'corrective', 'Działanie ' || a, 'krakow.process_owner', '2024-06-01'::date + (n.id % 700)::integer,
       CASE WHEN a = 1 THEN 'done' ELSE 'open' END
FROM nonconformities n JOIN k ON k.org = n.org_id, generate_series(1, 3) a
WHERE n.number LIKE 'NC/2024/%' AND NOT EXISTS (SELECT 1 FROM nonconformity_actions x
  WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id);
INSERT INTO nonconformity_history (org_id, nonconformity_id, from_status, to_status, by, at)
SELECT n.org_id, n.id, s.f, s.t, 'krakow.process_owner', n.created_at + s.d * interval '1 day'
FROM nonconformities n JOIN k ON k.org = n.org_id,
     (VALUES (NULL, 'open', 0), ('open', 'analysis', 3)) AS s(f, t, d)
WHERE n.number LIKE 'NC/2024/%' AND NOT EXISTS (SELECT 1 FROM nonconformity_history x
  WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id);
COMMIT;
ANALYZE objectives; ANALYZE indicators; ANALYZE indicator_readings;
ANALYZE nonconformities; ANALYZE nonconformity_actions; ANALYZE nonconformity_history;
SQL
year="$(psql_owner -At -c "SELECT extract(year FROM zsz_today())::integer")"
echo "krakow, $year: $(psql_owner -At -c "SELECT count(DISTINCT o.id) || ' objectives, ' || count(DISTINCT i.id) || ' indicators, ' || count(r.*) || ' readings' FROM objectives o JOIN organisations g ON g.id = o.org_id AND g.code = 'krakow' LEFT JOIN indicators i ON i.objective_id = o.id LEFT JOIN indicator_readings r ON r.indicator_id = i.id WHERE o.year = $year")"
kp="Authorization: Bearer $("$bin" token --sub krakow.plenipotentiary --name "Pełnomocnik" --org krakow \
    --role plenipotentiary --ttl 3600)"
curl -s -o /dev/null -H "$kp" "$base/api/v1/me"
printf '%-62s %9s %9s %10s\n' "endpoint (1 connection)" p50 p99 bytes
lat_probe "GET /objectives/report?year=$year (JSON)" "$kp" "/api/v1/objectives/report?year=$year"
lat_probe "GET /objectives/report?year=$year (CSV)" "$kp" "/api/v1/objectives/report?year=$year" -H 'Accept: text/csv'
lat_probe "GET /objectives?limit=200" "$kp" "/api/v1/objectives?limit=200"
lat_probe "GET /objectives?limit=50" "$kp" "/api/v1/objectives?limit=50"
lat_probe "GET /objectives?limit=50&health=on_track" "$kp" "/api/v1/objectives?limit=50&health=on_track"
lat_probe "GET /nonconformities?limit=200 (full cards)" "$kp" "/api/v1/nonconformities?limit=200"
echo "aims: report under 30 ms (JSON and CSV), objectives?limit=200 under 15 ms, 200 cards under 15 ms;" \
    "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# ---- registers_csv: the nonconformity register and the breach register at 100,000 rows -------
# Aims (issue 16): each under 1 s, the server's memory flat (VmRSS sampled every 20 ms while the
# export runs, peak minus the value before). Own organisation (benchcsv).
# rss_during NAME CURL-ARGS...: runs curl with the sampler; sets took_s, bytes and growth_mb.
rss_during() {
    local name="$1" before peak sampler out
    shift
    before="$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")"
    echo "$before" >"$LOGS/peak-$name"
    rm -f "$LOGS/stop-$name"
    (
        peak="$before"
        while [[ ! -e "$LOGS/stop-$name" ]]; do
            r="$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")"
            ((r > peak)) && peak="$r" && echo "$peak" >"$LOGS/peak-$name"
            sleep 0.02
        done
    ) &
    sampler=$!
    out="$(curl -s -o "$LOGS/csv-$name.csv" -w '%{time_total} %{size_download} %{http_code}' "$@")"
    touch "$LOGS/stop-$name"
    wait "$sampler"
    read -r took_s bytes code <<<"$out"
    [[ "$code" == 200 ]] || { head -c 400 "$LOGS/csv-$name.csv"; echo; zsz_die "$name answered $code"; }
    peak="$(cat "$LOGS/peak-$name")"
    growth_mb=$(((peak - before + 1023) / 1024))
}
if want registers_csv; then
zsz_header "registers_csv: nonconformities and breaches as CSV at 100,000 rows"
psql_owner <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO organisations (code, name, process_scheme) VALUES ('benchcsv', 'Benchmark hall (CSV)', 'krakow')
ON CONFLICT (code) DO NOTHING;
CREATE TEMP TABLE o AS SELECT id FROM organisations WHERE code = 'benchcsv';
INSERT INTO users (org_id, sub, name, roles) SELECT o.id, 'benchcsv.' || r, r, ARRAY[r] FROM o,
  unnest(ARRAY['plenipotentiary', 'iod', 'owner']) r ON CONFLICT DO NOTHING;
INSERT INTO processes (org_id, code, name, category, owner)
SELECT o.id, 'GR ' || g, 'Proces ' || g, 'core', 'benchcsv.owner' FROM o, generate_series(1, 50) g
ON CONFLICT DO NOTHING;
INSERT INTO nonconformities (org_id, number, source, source_ref, severity, process_id, owner, description, status,
                             created_at, closed_at)
SELECT o.id, 'NC/2025/' || lpad(g::text, 6, '0'), 'process_monitoring',
       CASE WHEN g % 10 = 0 THEN '=HYPERLINK("x")' ELSE 'ref; ' || g END,
       CASE WHEN g % 7 = 0 THEN 'major' ELSE 'minor' END,
       (SELECT p.id FROM processes p WHERE p.org_id = o.id AND p.code = 'GR ' || (1 + g % 50)), 'benchcsv.owner',
       'Niezgodność nr ' || g, (ARRAY['open', 'analysis', 'action_plan', 'implementation', 'closed'])[1 + g % 5],
       '2025-01-01'::timestamptz + g * interval '4 minutes',
       CASE WHEN g % 5 = 4 THEN '2025-01-01'::timestamptz + g * interval '4 minutes' + interval '20 days' END
FROM o, generate_series(1, 100000) g ON CONFLICT (org_id, number) DO NOTHING;
INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date, status)
SELECT n.org_id, n.id, 'corrective', 'Działanie', 'benchcsv.owner', '2025-03-01'::date + (n.id % 400)::integer, 'open'
FROM nonconformities n, o WHERE n.org_id = o.id AND n.id % 3 = 0
  AND NOT EXISTS (SELECT 1 FROM nonconformity_actions x WHERE x.org_id = o.id);
INSERT INTO incidents (org_id, number, title, type, severity, status, occurred_at, detected_at, reported_at,
                       reporter, breach)
SELECT o.id, 'INC/2025/' || lpad(g::text, 6, '0'), 'Naruszenie ' || g, 'personal_data_breach', 1 + g % 5, 'closed',
       '2025-01-01'::timestamptz + g * interval '4 minutes', '2025-01-01'::timestamptz + g * interval '4 minutes',
       '2025-01-01'::timestamptz + g * interval '4 minutes' + interval '1 hour', 'benchcsv.iod',
       jsonb_build_object('aware_at', '2025-01-01'::timestamptz + g * interval '4 minutes', 'breach_nature',
         'Utrata poufności; dokument wysłany do niewłaściwego adresata nr ' || g,
         'data_categories', jsonb_build_array('identification', 'contact'), 'subjects_count', 1 + g % 40,
         'records_count', 1 + g % 90, 'likely_consequences', 'Ryzyko kradzieży tożsamości',
         'measures_taken', '=wezwanie do usunięcia', 'risk_level', 'risk',
         'uodo_notified_at', '2025-01-01'::timestamptz + g * interval '4 minutes' + interval '2 days',
         'uodo_reference', 'DKN.5130.' || g)
FROM o, generate_series(1, 100000) g ON CONFLICT (org_id, number) DO NOTHING;
COMMIT;
ANALYZE processes; ANALYZE nonconformities; ANALYZE nonconformity_actions; ANALYZE incidents;
SQL
cp="Authorization: Bearer $("$bin" token --sub benchcsv.plenipotentiary --name "Pełnomocnik" --org benchcsv \
    --role plenipotentiary --ttl 3600)"
ci="Authorization: Bearer $("$bin" token --sub benchcsv.iod --name "IOD" --org benchcsv --role iod --ttl 3600)"
curl -s -o /dev/null -H "$cp" "$base/api/v1/me"
curl -s -o /dev/null -H "$ci" "$base/api/v1/me"
printf '%-52s %9s %12s %7s %14s\n' "export (100,000 rows)" "seconds" "bytes" "rows" "RSS growth MB"
for run in 1 2 3; do
    rss_during nc -H "$cp" -H 'Accept: text/csv' "$base/api/v1/nonconformities"
    printf '%-52s %9s %12s %7s %14s\n' "GET /nonconformities (CSV), run $run" "$took_s" "$bytes" \
        "$(($(wc -l <"$LOGS/csv-nc.csv") - 1))" "$growth_mb"
done
for run in 1 2 3; do
    rss_during breach -H "$ci" -H 'Accept: text/csv' "$base/api/v1/incidents/breach-register?year=2025"
    printf '%-52s %9s %12s %7s %14s\n' "GET /incidents/breach-register?year=2025 (CSV), run $run" "$took_s" "$bytes" \
        "$(($(wc -l <"$LOGS/csv-breach.csv") - 1))" "$growth_mb"
done
# gzip (issue 16): the same exports to a caller that accepts it, bytes on the wire and the
# server's CPU (user + system) for the export, plain and gzip-encoded
ms_since() { awk -v t="$(($(cpu_ticks) - $1))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t * 1000 / hz }'; }
printf '%-52s %9s %12s %14s %14s\n' "export (100,000 rows)" "seconds" "bytes" "RSS growth MB" "server CPU ms"
for enc in identity gzip; do
    t0="$(cpu_ticks)"
    rss_during "nc-$enc" -H "$cp" -H 'Accept: text/csv' -H "Accept-Encoding: $enc" "$base/api/v1/nonconformities"
    printf '%-52s %9s %12s %14s %14s\n' "GET /nonconformities (CSV), $enc" "$took_s" "$bytes" "$growth_mb" "$(ms_since "$t0")"
    t0="$(cpu_ticks)"
    rss_during "breach-$enc" -H "$ci" -H 'Accept: text/csv' -H "Accept-Encoding: $enc" \
        "$base/api/v1/incidents/breach-register?year=2025"
    printf '%-52s %9s %12s %14s %14s\n' "GET /incidents/breach-register (CSV), $enc" "$took_s" "$bytes" "$growth_mb" \
        "$(ms_since "$t0")"
done
echo "server VmHWM now: $(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status") kB"
echo "aims: under 1 s each, memory flat; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# ---- imports: 100,000 rows of a kind, with history kept (issue 10) ---------------------------
# Aims: each import of 100,000 rows under 10 s, the server's memory growing less than 100 MB
# while it runs (VmRSS sampled every 20 ms, peak minus the value before; the body is read a row
# at a time, the rows written in batches). Processes as NDJSON, incidents as a JSON array,
# readings as CSV in windows-1250, objectives (each with an approval and an indicator) as
# NDJSON, users as CSV in windows-1250 through the directory's door.
if want imports; then
zsz_header "imports: 100,000 processes, incidents, readings, objectives and users"
psql_owner -v org="$org_id" <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
SET LOCAL zsz.action = 'seed';
INSERT INTO users (org_id, sub, name, roles) VALUES (:org, 'bench.employee', 'Bench Employee', '{}')
ON CONFLICT (org_id, sub) DO NOTHING;
INSERT INTO objectives (org_id, code, year, title, status)
VALUES (:org, 'bench-cel', 2025, 'Cel do odczytów', 'approved') ON CONFLICT (org_id, code) DO NOTHING;
INSERT INTO indicators (org_id, objective_id, name, unit, direction, baseline, target, frequency)
SELECT :org, o.id, 'Wskaźnik łączności nr ' || g, '%', 'increase', 0, 100, 'monthly'
FROM objectives o, generate_series(1, 8334) g
WHERE o.org_id = :org AND o.code = 'bench-cel'
  AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.objective_id = o.id);
COMMIT;
ANALYZE objectives;
ANALYZE indicators;
SQL
itoken="$("$bin" token --sub bench.iod --name "Bench IOD" --org bench --role iod --ttl 3600)"
curl -s -o /dev/null -H "Authorization: Bearer $itoken" "$base/api/v1/me"
python3 - "$LOGS" <<'PY'
import json, sys
d = sys.argv[1]
with open(f"{d}/import-processes.ndjson", "w") as f:
    for i in range(100000):
        f.write(json.dumps({"code": f"GW 7.{i // 1000 + 1}.{i % 1000 + 1}",
                            "name": f"Proces przeniesiony nr {i}", "created_at": "2018-01-01T00:00:00Z",
                            "description": "Opis z poprzedniego systemu. " * 3}, ensure_ascii=False) + "\n")
rows = []
for i in range(100000):
    y = 2016 + i % 10
    rows.append({"number": f"INC/{y}/{i // 10 + 1:05d}", "reported_at": f"{y}-03-01T10:00:00Z",
                 "reporter": "bench.employee", "title": f"Zdarzenie nr {i}", "type": "other",
                 "detected_at": f"{y}-03-01T09:00:00Z", "status": "closed",
                 "resolution": "Naprawiono.", "lessons_learned": "Wnioski."})
with open(f"{d}/import-incidents.json", "w") as f:
    json.dump(rows, f, ensure_ascii=False)
with open(f"{d}/import-objectives.ndjson", "w") as f:
    for i in range(100000):
        f.write(json.dumps({"code": f"bench-o{i}", "year": 2020 + i % 5, "title": f"Cel przeniesiony nr {i}",
                            "status": "approved", "approved_by": "bench.employee",
                            "approved_at": "2020-02-01T10:00:00Z", "created_at": "2020-01-15T10:00:00Z",
                            "indicators": [{"name": "Wskaźnik", "direction": "increase", "baseline": "0",
                                            "target": "10", "frequency": "yearly"}]},
                           ensure_ascii=False) + "\n")
with open(f"{d}/import-users.csv", "wb") as f:
    f.write("sub;name;email\r\n".encode("cp1250"))
    for i in range(100000):
        f.write(f"bench.u{i};Pracownik Łódzki nr {i};u{i}@um.example\r\n".encode("cp1250"))
with open(f"{d}/import-readings.csv", "wb") as f:
    f.write("objective;indicator;period;value;comment\r\n".encode("cp1250"))
    for i in range(100000):
        f.write(f"bench-cel;Wskaźnik łączności nr {i // 12 + 1};2025-{i % 12 + 1:02d};{i % 97}.5;"
                f"zażółć gęślą jaźń\r\n".encode("cp1250"))
PY
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }
# server_and_cluster_ticks: cpu_ticks of the server plus those of the cluster's processes so
# far: an import's share of it does not depend on what else the machine runs
server_and_cluster_ticks() {
    local pm cluster
    pm="$(head -n1 "$PG_DIR/data/postmaster.pid")"
    # shellcheck disable=SC2046
    cluster="$(for p in "$pm" $(pgrep -P "$pm"); do cat "/proc/$p/stat" 2>/dev/null; done |
        awk '{sub(/^.*\) /, ""); t += $12 + $13} END {print t + 0}')"
    echo $(($(cpu_ticks) + cluster))
}
# bench_import NAME PATH FILE CONTENT-TYPE TOKEN: sets import_s, cpu_s and growth_mb
# at_rest: VACUUM (ANALYZE) of the bench database before each import, so that each starts from
# a database at rest: after an import autovacuum works through the tables it grew, and when
# that ran during the next import its CPU seconds showed up to a quarter more work.
at_rest() {
    local t0
    t0="$(date +%s.%N)"
    psql_owner -c "VACUUM (ANALYZE)" 2>&1 | grep -v "^WARNING:.*skipping" || true
    echo "(VACUUM (ANALYZE) before it: $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s)"
}
bench_import() {
    local name="$1" path="$2" file="$3" ctype="$4" token="$5" before peak sampler ticks
    at_rest
    before="$(rss_kb)"
    ticks="$(server_and_cluster_ticks)"
    echo "$before" >"$LOGS/peak-$name"
    (
        peak="$before"
        while [[ ! -e "$LOGS/stop-$name" ]]; do
            r="$(rss_kb)"
            ((r > peak)) && peak="$r" && echo "$peak" >"$LOGS/peak-$name"
            sleep 0.02
        done
    ) &
    sampler=$!
    import_s="$(curl -s -o "$LOGS/import-$name-answer.json" -w '%{time_total}' -H "Authorization: Bearer $token" \
        -H "Content-Type: $ctype" --data-binary "@$file" "$base$path")"
    cpu_s="$(awk -v a="$ticks" -v b="$(server_and_cluster_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz}')"
    touch "$LOGS/stop-$name"
    wait "$sampler"
    peak="$(cat "$LOGS/peak-$name")"
    growth_mb=$(((peak - before + 1023) / 1024))
    grep -q '"created":100000' "$LOGS/import-$name-answer.json" || {
        head -c 600 "$LOGS/import-$name-answer.json"
        zsz_die "the $name import did not create 100,000 records"
    }
}
printf '%-46s %10s %8s %14s\n' "import of 100,000 rows" "seconds" "CPU s" "RSS growth MB"
bench_import processes /api/v1/imports/processes "$LOGS/import-processes.ndjson" application/x-ndjson "$ptoken"
printf '%-46s %10s %8s %14s\n' "processes (NDJSON)" "$import_s" "$cpu_s" "$growth_mb"
bench_import incidents /api/v1/imports/incidents "$LOGS/import-incidents.json" application/json "$itoken"
printf '%-46s %10s %8s %14s\n' "incidents (JSON array)" "$import_s" "$cpu_s" "$growth_mb"
bench_import readings /api/v1/imports/readings "$LOGS/import-readings.csv" "text/csv; charset=windows-1250" "$ptoken"
printf '%-46s %10s %8s %14s\n' "readings (CSV, windows-1250)" "$import_s" "$cpu_s" "$growth_mb"
# objectives and the directory: only when ZSZ_BENCH_SECTIONS names imports_more too (they
# add about a minute)
if want imports_more; then
bench_import objectives /api/v1/imports/objectives "$LOGS/import-objectives.ndjson" application/x-ndjson "$ptoken"
printf '%-46s %10s %8s %14s\n' "objectives, 1 indicator each (NDJSON)" "$import_s" "$cpu_s" "$growth_mb"
bench_import users /api/v1/imports/users "$LOGS/import-users.csv" "text/csv; charset=windows-1250" "$ptoken"
printf '%-46s %10s %8s %14s\n' "users (CSV, windows-1250, directory)" "$import_s" "$cpu_s" "$growth_mb"
fi
echo "aims: under 10 s each, RSS growth under 100 MB; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# ---- the change feed (issue 11) -----------------------------------------------------------------
# Catch-up: 1,000,000 entries seeded set-based into the change log of organisation benchfeed
# (as zsz_owner: org units and processes, rendered as API records), read by the president in
# pages of 1,000 following next_cursor: entries/s. Then another user's writes during a
# 100,000-row import of processes: the IOD's PUT of the deadline rules (one row changed, one
# change-log entry each) in a loop, counted per second, first alone, then while the import runs
# (they must not drop to zero: the change log no longer takes a per-hall lock until commit).
# Both in hall bench, which the planner has statistics of: into the fresh benchfeed the
# import's batches slowed, twice, until one passed the 30 s statement timeout, while 20,000
# rows into krakow took 5 s with this change's triggers and index as without them (the
# import's plans for a hall without statistics: not investigated here).
if want feed; then
zsz_header "change feed: catch-up of 1,000,000 entries; writes during a 100,000-row import"
psql_owner <<'SQL'
INSERT INTO organisations (code, name, process_scheme) VALUES ('benchfeed', 'Feed benchmark hall', 'krakow')
ON CONFLICT (code) DO NOTHING;
SQL
feed_org="$(psql_owner -At -c "SELECT id FROM organisations WHERE code = 'benchfeed'")"
have="$(psql_owner -At -c "SELECT count(*) FROM change_log WHERE org_id = $feed_org")"
if ((have < 1000000)); then
    t0=$(date +%s.%N)
    psql_owner -v org="$feed_org" -v n=$((1000000 - have)) <<'SQL'
INSERT INTO change_log (org_id, entity, record_id, action, actor, at, after)
SELECT :org, CASE WHEN g % 2 = 0 THEN 'org_unit' ELSE 'process' END, g::text, 'seed', 'bench',
       now(),
       CASE WHEN g % 2 = 0
            THEN jsonb_build_object('id', g, 'code', 'U' || g, 'name', 'Jednostka nr ' || g, 'parent_id', NULL,
                                    'revision', 1, 'created_at', now(), 'updated_at', now())
            ELSE jsonb_build_object('id', g, 'code', 'GR ' || g, 'name', 'Proces nr ' || g, 'category', 'core',
                                    'parent_id', NULL, 'owner', NULL, 'org_unit_id', NULL,
                                    'description', 'Opis procesu ' || g, 'status', 'active', 'version', 1,
                                    'revision', 1, 'created_at', now(), 'updated_at', now(), 'import_id', NULL)
       END
FROM generate_series(1, :n) AS g;
ANALYZE change_log;
SQL
    echo "seeded $((1000000 - have)) entries in $(echo "$(date +%s.%N) - $t0" | bc) s"
fi
ftoken="$("$bin" token --sub benchfeed.president --name "Feed President" --org benchfeed --role president --ttl 3600)"
python3 - "$port" "$ftoken" <<'PY'
import http.client, json, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
path, n, pages, t0 = "/api/v1/changes?limit=1000", 0, 0, time.time()
while True:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"GET {path} answered {r.status}: {body[:300]!r}")
    page = json.loads(body)
    n += len(page["items"])
    pages += 1
    if not page["next_cursor"]:
        break
    path = "/api/v1/changes?limit=1000&cursor=" + page["next_cursor"]
took = time.time() - t0
print(f"{'catch-up of the feed (limit=1000, next_cursor)':<52} {n:>9} entries {pages:>5} pages "
      f"{took:8.1f} s {n / took:10.0f} entries/s")
if n < 1000000:
    sys.exit(f"the catch-up saw {n} entries, expected at least 1,000,000")
PY
python3 - "$LOGS" <<'PY'
import json, sys
with open(f"{sys.argv[1]}/feed-import-processes.ndjson", "w") as f:
    for i in range(100000):
        f.write(json.dumps({"code": f"GW 9.{i // 1000 + 1}.{i % 1000 + 1}", "name": f"Proces z importu nr {i}",
                            "description": "Opis z poprzedniego systemu. " * 3}, ensure_ascii=False) + "\n")
PY
fitoken="$("$bin" token --sub bench.iod --name "Bench IOD" --org bench --role iod --ttl 3600)"
python3 - "$port" "$ptoken" "$LOGS/feed-import-processes.ndjson" "$fitoken" <<'PY'
import http.client, json, sys, threading, time
port, token, path, iod = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
auth = {"Authorization": f"Bearer {iod}", "Content-Type": "application/json"}

def writes(seconds=None, until=None):
    """PUTs of the deadline rules in a loop (UODO 71 h, 72 h, ...); completions per second."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    per_second, t0, i = {}, time.time(), 0
    while (seconds is not None and time.time() - t0 < seconds) or (until is not None and not until.is_set()):
        i += 1
        body = json.dumps({"uodo": 71 + i % 2, "csirt": 24, "subjects": 720})
        conn.request("PUT", "/api/v1/deadline-rules", body=body, headers=auth)
        r = conn.getresponse()
        answer = r.read()
        if r.status != 200:
            sys.exit(f"PUT /api/v1/deadline-rules answered {r.status}: {answer[:300]!r}")
        s = int(time.time() - t0)
        per_second[s] = per_second.get(s, 0) + 1
    span = max(1, int(time.time() - t0))
    return sum(per_second.values()) / span, min(per_second.get(s, 0) for s in range(span))

alone, alone_min = writes(seconds=5)
done, answer = threading.Event(), {}

def run_import():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    with open(path, "rb") as f:
        data = f.read()
    t0 = time.time()
    conn.request("POST", "/api/v1/imports/processes", body=data,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
    r = conn.getresponse()
    answer["body"], answer["status"], answer["took"] = r.read(), r.status, time.time() - t0
    done.set()

imp = threading.Thread(target=run_import)
imp.start()
time.sleep(0.5)
during, during_min = writes(until=done)
imp.join()
if answer["status"] != 201:
    sys.exit(f"the import answered {answer['status']}: {answer['body'][:300]!r}")
print(f"{'writes/s of another user, alone (5 s)':<52} {alone:10.1f} (slowest second {alone_min})")
print(f"{'writes/s of another user during the import':<52} {during:10.1f} (slowest second {during_min}); "
      f"import of 100,000 processes {answer['took']:.1f} s")
if during_min == 0:
    print("WARNING: a second without a write during the import")
PY
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# ---- several instances (issue 15): the shared rate limit and PgBouncer in transaction mode -----
# Each variant is a server of its own, measured alone (the main server stays idle):
#   public route, the in-process limiter        ZSZ_RATE_LIMIT_STORE=memory
#   public route, the limit kept in PostgreSQL  ZSZ_RATE_LIMIT_STORE=database (one statement more)
#   GET /api/v1/processes/{id} through PgBouncer in transaction mode (ZSZ_DB_POOLER=transaction)
# The public route asks for a survey that does not exist (404 after the limit and one lookup), so
# the two limiter variants differ by the limiter alone. ZSZ_PUBLIC_RATE_LIMIT is set high enough
# that nothing is limited: the cost of the bookkeeping is measured, not 429s.
if want scale; then
zsz_header "several instances: the public rate limit in memory and in PostgreSQL; PgBouncer"
BOUNCER_DIR="$ZSZ_ROOT/var/bench-bouncer"
bport="${ZSZ_BENCH_BOUNCER_PORT:-$((PG_PORT + 1))}"
while ! zsz_port_free "$bport"; do bport=$((bport + 1)); done
zsz_pgbouncer_start "$BOUNCER_DIR" "$PG_DIR" "$bport" || zsz_die "cannot start PgBouncer"
trap 'zsz_pgbouncer_stop "$BOUNCER_DIR"; cleanup' EXIT
bouncer_url="$(zsz_pgbouncer_url "$BOUNCER_DIR" "$bport" "$DB")"
xport=$((port + 1))
while ! zsz_port_free "$xport"; do xport=$((xport + 1)); done
public_path="/api/v1/public/surveys/bench-no-such-survey"
printf '%-58s %10s %9s %9s\n' "variant" "req/s" "p50" "p99"
# bench_variant LABEL PATH [wrk-args] -- ENV...: a server with ENV on xport, wrk, stopped again
bench_variant() {
    local label="$1" path="$2" xpid
    shift 2
    local wargs=()
    while (($#)) && [[ "$1" != -- ]]; do wargs+=("$1"); shift; done
    shift
    env "$@" ZSZ_PORT="$xport" "$bin" serve >"$LOGS/server-variant.log" 2>&1 </dev/null &
    xpid=$!
    zsz_wait_http "http://127.0.0.1:$xport/readyz" 30 "$xpid" || {
        tail -n 20 "$LOGS/server-variant.log"
        zsz_die "variant server not ready"
    }
    wrk -t"$THREADS" -c"$CONNS" -d2s -H "$auth" "${wargs[@]}" "http://127.0.0.1:$xport$path" >/dev/null
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 5s --latency -H "$auth" "${wargs[@]}" \
        "http://127.0.0.1:$xport$path" >"$LOGS/wrk-variant.txt"
    printf '%-58s %10s %9s %9s\n' "$label" "$(awk '/^Requests\/sec:/ {print $2}' "$LOGS/wrk-variant.txt")" \
        "$(awk '$1 == "50%" {print $2}' "$LOGS/wrk-variant.txt")" "$(awk '$1 == "99%" {print $2}' "$LOGS/wrk-variant.txt")"
    zsz_stop_pid "$xpid" 20 || true
}
bench_variant "public route, limit in memory" "$public_path" -- \
    ZSZ_PUBLIC_RATE_LIMIT=1000000 ZSZ_RATE_LIMIT_STORE=memory
bench_variant "public route, limit in PostgreSQL (shared)" "$public_path" -- \
    ZSZ_PUBLIC_RATE_LIMIT=1000000 ZSZ_RATE_LIMIT_STORE=database
bench_variant "GET /api/v1/processes/{id}, direct" /api/v1/processes/ -s "$LOGS/one.lua" --
bench_variant "GET /api/v1/processes/{id}, PgBouncer transaction mode" /api/v1/processes/ -s "$LOGS/one.lua" -- \
    ZSZ_DATABASE_URL="$bouncer_url" ZSZ_DB_POOLER=transaction
bench_variant "GET /api/v1/processes?limit=50, direct" "$list_path" --
bench_variant "GET /api/v1/processes?limit=50, PgBouncer transaction mode" "$list_path" -- \
    ZSZ_DATABASE_URL="$bouncer_url" ZSZ_DB_POOLER=transaction
fi

# ---- webhooks (issue 11): deliveries per second to a local receiver -------------------------
# A server of its own with 2 delivery workers (ZSZ_WEBHOOK_WORKERS, the default) and the
# receiver (Python's http.server, answering 204) allowed on 127.0.0.1. 10,000 process updates
# in one statement queue 10,000 deliveries (the outbox trigger, in the writer's transaction);
# the clock runs from that commit until the last delivery is recorded. One subscription: its
# deliveries go out in order, one at a time (the head of its queue), so one worker's round trip
# bounds it; four subscriptions of 2,500 events each: the workers work in parallel.
if want webhooks; then
zsz_header "webhooks: 10,000 deliveries to a local receiver"
wport=$((port + 3))
while ! zsz_port_free "$wport"; do wport=$((wport + 1)); done
rport=19050
while ! zsz_port_free "$rport"; do rport=$((rport + 1)); done
python3 - "$rport" >"$LOGS/webhook-receiver.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.daemon_threads = True
s.serve_forever()
PY
receiver_pid=$!
env ZSZ_PORT="$wport" ZSZ_WEBHOOK_ALLOWED_HOSTS=127.0.0.1 ZSZ_WEBHOOK_POLL_MS=50 \
    "$bin" serve >"$LOGS/server-webhooks.log" 2>&1 </dev/null &
wpid=$!
trap 'kill "$receiver_pid" 2>/dev/null || true; zsz_stop_pid "$wpid" 20 || true; cleanup' EXIT
zsz_wait_http "http://127.0.0.1:$wport/readyz" 30 "$wpid" || {
    tail -n 20 "$LOGS/server-webhooks.log"
    zsz_die "webhook server not ready"
}
ptoken="$("$bin" token --sub bench.plenipotentiary --name "Bench P" --org bench --role plenipotentiary --ttl 3600)"
# bench_webhooks NSUBS: NSUBS subscriptions to process.update, 10,000 updates split among them
# (each subscription's filter names its own processes by the process id's remainder)
bench_webhooks() {
    local nsubs="$1" per=$((10000 / $1)) ids=() i t0 t1 enq_ms done_n total
    psql_owner -q -c "DELETE FROM webhook_subscriptions WHERE org_id = $org_id"
    for ((i = 0; i < nsubs; i++)); do
        ids+=("$(curl -s -H "Authorization: Bearer $ptoken" -H 'Content-Type: application/json' \
            -d "{\"url\": \"http://127.0.0.1:$rport/hook\", \"events\": [\"process.update\"]}" \
            "http://127.0.0.1:$wport/api/v1/webhooks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
    done
    # one subscription per block of processes: switch the others off while a block is written
    t0="$(date +%s.%N)"
    for ((i = 0; i < nsubs; i++)); do
        psql_owner -q -v org="$org_id" -v sub="${ids[$i]}" -v lo="$((id_lo + i * per))" -v n="$per" <<'SQL'
BEGIN;
SET LOCAL zsz.actor = 'bench';
UPDATE webhook_subscriptions SET active = (id = :sub) WHERE org_id = :org;
UPDATE processes SET description = description || '.' WHERE org_id = :org AND id >= :lo AND id < :lo + :n;
UPDATE webhook_subscriptions SET active = true WHERE org_id = :org;
COMMIT;
SQL
    done
    t1="$(date +%s.%N)"
    enq_ms="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) * 1000}')"
    total=$((per * nsubs))
    for ((i = 0; i < 600; i++)); do
        done_n="$(psql_owner -At -c "SELECT count(*) FROM webhook_deliveries WHERE org_id = $org_id AND status <> 'pending'")"
        ((done_n >= total)) && break
        sleep 0.2
    done
    t2="$(date +%s.%N)"
    read -r delivered failed <<<"$(psql_owner -At -F ' ' -c "SELECT count(*) FILTER (WHERE status = 'delivered'),
        count(*) FILTER (WHERE status = 'failed') FROM webhook_deliveries WHERE org_id = $org_id")"
    printf '%-34s %9s %12s %10s %8s %14s\n' "$nsubs subscription(s) x $per events" "$total" "$enq_ms" \
        "$delivered" "$failed" "$(awk -v a="$t1" -v b="$t2" -v n="$delivered" 'BEGIN {printf "%.0f", n / (b - a)}')"
}
printf '%-34s %9s %12s %10s %8s %14s\n' "case" "queued" "enqueue ms" "delivered" "failed" "deliveries/s"
bench_webhooks 1
bench_webhooks 4
psql_owner -q -c "DELETE FROM webhook_subscriptions WHERE org_id = $org_id"
kill "$receiver_pid" 2>/dev/null || true
zsz_stop_pid "$wpid" 20 || true
trap cleanup EXIT
echo "2 workers, poll 50 ms; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
