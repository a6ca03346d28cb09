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
# (VmHWM) and the ratio API requests/s to pgbench transactions/s.
# Then: a survey import of 100,000 responses and results at 1,000,000; the
# nonconformity register at 10,000 cards (a JSON page, the overdue filter, CSV).
# Everything runs on 127.0.0.1 / a Unix socket and is bounded in time; the
# server and the cluster are stopped at the end. Raw outputs: var/bench-logs/.
#
# Knobs: ZSZ_BENCH_SECONDS (10), ZSZ_BENCH_CONNECTIONS (32), ZSZ_BENCH_THREADS
# (2), ZSZ_BENCH_HTTP_PORT (first port tried, 18180), ZSZ_DB_POOL_SIZE (8).
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
bin="$ZSZ_ROOT/build/zsz-api"
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

# The server reads its whole configuration from the environment.
while IFS= read -r v; do
    case "$v" in ZSZ_DB_POOL_SIZE | ZSZ_BENCH_*) ;; ZSZ_*) unset "$v" ;; esac
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
ZSZ_PORT="$port" "$bin" serve >"$LOGS/server.log" 2>&1 </dev/null &
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

# run_wrk NAME PATH [wrk-args...]: warm up briefly, then measure; leaves
# rps, p50, p99, non2xx, rss_kb set.
run_wrk() {
    local name="$1" path="$2"
    shift 2
    wrk -t"$THREADS" -c"$CONNS" -d2s -H "$auth" "$@" "$base$path" >/dev/null
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 5s --latency -H "$auth" "$@" "$base$path" \
        >"$LOGS/wrk-$name.txt"
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
for name in list one; do
    if [[ "$name" == list ]]; then
        zsz_header "GET $list_path"
        run_wrk list "$list_path"
    else
        zsz_header "GET /api/v1/processes/{id} (random id $id_lo..$id_hi)"
        run_wrk one /api/v1/processes/ -s "$LOGS/one.lua"
    fi
    run_pgbench "$name"
    R[$name]="$rps $p50 $p99 $rss_kb $tps ${non2xx:-0}"
    printf 'wrk: %s req/s, p50 %s, p99 %s; pgbench: %s tps\n' "$rps" "$p50" "$p99" "$tps"
done

zsz_header "results (${SECS}s, $CONNS connections, $THREADS threads, pool $POOL, $NPROC processes)"
printf '%-36s %10s %9s %9s %10s %12s %9s\n' endpoint 'req/s' p50 p99 'peak RSS' 'pgbench tps' 'API/PG'
for name in list one; do
    read -r rps p50 p99 rss_kb tps non2xx <<<"${R[$name]}"
    label="GET $list_path"
    [[ "$name" == one ]] && label="GET /api/v1/processes/{id}"
    ratio="$(awk -v a="$rps" -v b="$tps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
    printf '%-36s %10s %9s %9s %7d MiB %12s %9s\n' "$label" "$rps" "$p50" "$p99" \
        $(((rss_kb + 1023) / 1024)) "$tps" "$ratio"
    if ((non2xx > 0)); then
        echo "  warning: $non2xx responses were not 2xx (see var/bench-logs/wrk-$name.txt)"
    fi
done
echo "peak RSS is the server's VmHWM after that endpoint's run (cumulative)"

# ---- surveys: a paper-form import of 100,000 responses, then results at 1,000,000 ----------
# Aims (issue 5): the import under 10 s on this machine, results under 200 ms at a million.
zsz_header "surveys: import 100,000 responses, results at 1,000,000"
ptoken="$("$bin" token --sub bench.plenipotentiary --name "Bench Plenipotentiary" --org bench \
    --role plenipotentiary --ttl 3600)"
pauth="Authorization: Bearer $ptoken"
json='Content-Type: application/json'
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

# ---- nonconformities: the register at 10,000 cards with 30,000 actions -------------------------
# The card is assembled in SQL (history, actions, computed overdue); a page of 200 and the whole
# register as CSV are what the plenipotentiary's office opens most.
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

# ---- several instances (issue 15): the shared rate limit and PgBouncer in transaction mode -----
# Each variant is a server of its own, measured alone (the main server stays idle):
#   public route, the in-process limiter        ZSZ_RATE_LIMIT_STORE=memory
#   public route, the limit kept in PostgreSQL  ZSZ_RATE_LIMIT_STORE=database (one statement more)
#   GET /api/v1/processes/{id} through PgBouncer in transaction mode (ZSZ_DB_POOLER=transaction)
# The public route asks for a survey that does not exist (404 after the limit and one lookup), so
# the two limiter variants differ by the limiter alone. ZSZ_PUBLIC_RATE_LIMIT is set high enough
# that nothing is limited: the cost of the bookkeeping is measured, not 429s.
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
