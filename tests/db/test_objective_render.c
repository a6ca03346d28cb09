/* The objective register's documents rendered in C (api/registers/objectives/documents.c)
 * against SQL: the annual report (JSON and CSV) against the SQL that built it before issue 16
 * rendered it in C (kept here, verbatim, as the definition of the document), and single
 * objectives and indicators against zsz_objective_json and zsz_indicator_json. Every organisation and year of the
 * database, and in a transaction rolled back at the end objectives with every kind of text (quotes, control characters,
 * Polish letters, formula-like cells, ; and line breaks), no indicators, an indicator without readings, locked
 * readings, provenance and a cancelled objective; in several session time zones (the timestamps' offsets follow the
 * session's). */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtest.h"
#include "objectives/documents.h"
#include "objectives/queries.h"
#include "strbuf.h"

/* The report's SQL before issue 16's C rendering ($1 org, $2 year). */
#define OLD_REPORT_STATE                                                                                               \
  "WITH obj AS MATERIALIZED (SELECT o.id, o.code, o.year, o.title, o.status, o.owner, o.process_id "                   \
  "  FROM objectives o WHERE o.org_id = $1 AND o.year = $2::integer AND o.status <> 'cancelled'), "                    \
  "ind AS MATERIALIZED (SELECT i.objective_id, i.id, i.name, i.unit, i.direction, i.baseline, i.target, "              \
  "  i.target_min, i.target_max, i.frequency, s.* FROM obj "                                                           \
  "  JOIN indicators i ON i.org_id = $1 AND i.objective_id = obj.id "                                                  \
  "  CROSS JOIN LATERAL zsz_indicator_calc(i, $2::integer) AS s), "                                                    \
  "oh AS (SELECT ind.objective_id, min(zsz_health_rank(ind.health)) AS worst FROM ind GROUP BY ind.objective_id) "

static const char OLD_REPORT_JSON[] = OLD_REPORT_STATE
    ", "
    "rd AS (SELECT r.indicator_id, string_agg(zsz_reading_json(r)::text, ', ' ORDER BY r.period) AS list "
    "  FROM indicator_readings r WHERE r.org_id = $1 AND r.indicator_id IN (SELECT ind.id FROM ind) "
    "  GROUP BY r.indicator_id), "
    "il AS (SELECT ind.objective_id, string_agg(left(zsz_indicator_doc(i, ind.latest_period, "
    "    ind.latest_value, ind.attainment, ind.stale, ind.health)::text, -1) "
    "    || ', \"readings\" : [' || coalesce(rd.list, '') || ']}', ', ' ORDER BY ind.id) AS list "
    "  FROM ind JOIN indicators i ON i.org_id = $1 AND i.id = ind.id LEFT JOIN rd ON rd.indicator_id = ind.id "
    "  GROUP BY ind.objective_id), "
    "doc AS MATERIALIZED (SELECT obj.id, obj.code, obj.process_id, zsz_health_of_rank(oh.worst) AS health, "
    "  il.list FROM obj LEFT JOIN oh ON oh.objective_id = obj.id LEFT JOIN il ON il.objective_id = obj.id), "
    "h AS (SELECT unnest(ARRAY['achieved', 'on_track', 'at_risk', 'off_track', 'no_data']) AS health) "
    "SELECT '{\"year\" : ' || $2::integer || ', \"objectives\" : [' "
    "|| coalesce((SELECT string_agg(left(zsz_objective_doc(o, doc.health)::text, -1) "
    "    || ', \"indicators\" : [' || coalesce(doc.list, '') || ']}', ', ' ORDER BY doc.code, doc.id) "
    "  FROM doc JOIN objectives o ON o.org_id = $1 AND o.id = doc.id), '') "
    "|| '], \"totals\" : ' || json_build_object("
    "  'by_health', (SELECT json_object_agg(h.health, (SELECT count(*) FROM doc WHERE doc.health = h.health)) "
    "    FROM h), "
    "  'by_process', coalesce((SELECT json_agg(json_build_object('process_id', p.id, 'code', p.code, "
    "    'name', p.name, 'objectives', (SELECT count(*) FROM doc WHERE doc.process_id = p.id), "
    "    'by_health', (SELECT json_object_agg(h.health, (SELECT count(*) FROM doc "
    "       WHERE doc.process_id = p.id AND doc.health = h.health)) FROM h)) ORDER BY p.code) "
    "    FROM processes p WHERE p.org_id = $1 AND p.id IN (SELECT process_id FROM doc)), '[]'::json))::text "
    "|| '}'";

/* $3: the row limit */
static const char OLD_REPORT_CSV[] = OLD_REPORT_STATE
    ", "
    /* the cells' texts made in the inner query (its LIMIT keeps it apart), zsz_csv applied outside:
       inlined, zsz_csv names its argument four times and would compute an expression as often */
    "line AS (SELECT concat_ws(';', zsz_csv(c.code), zsz_csv(c.year), zsz_csv(c.title), zsz_csv(c.status), "
    "zsz_csv(c.objective_health), zsz_csv(c.process_code), zsz_csv(c.owner), zsz_csv(c.name), zsz_csv(c.unit), "
    "zsz_csv(c.direction), zsz_csv(c.baseline), zsz_csv(c.target), zsz_csv(c.target_min), zsz_csv(c.target_max), "
    "zsz_csv(c.frequency), zsz_csv(c.latest_period), zsz_csv(c.latest_value), zsz_csv(c.attainment), "
    "zsz_csv(c.health)) || E'\\r\\n' AS csv, c.code, c.objective_id, c.indicator_id "
    "FROM (SELECT obj.code, obj.year::text AS year, obj.title, obj.status, "
    "zsz_health_of_rank(oh.worst) AS objective_health, p.code AS process_code, obj.owner, ind.name, ind.unit, "
    "ind.direction, ind.baseline::text AS baseline, ind.target::text AS target, "
    "ind.target_min::text AS target_min, ind.target_max::text AS target_max, ind.frequency, ind.latest_period, "
    "ind.latest_value::text AS latest_value, ind.attainment::text AS attainment, ind.health, "
    "obj.id AS objective_id, ind.id AS indicator_id "
    "FROM obj LEFT JOIN oh ON oh.objective_id = obj.id "
    "LEFT JOIN processes p ON p.org_id = $1 AND p.id = obj.process_id "
    "LEFT JOIN ind ON ind.objective_id = obj.id "
    "ORDER BY obj.code, obj.id, ind.id LIMIT $3::integer) AS c) "
    "SELECT count(*), coalesce(string_agg(csv, '' ORDER BY code, objective_id, indicator_id), '') FROM line";

/* The report of org and year both ways: parsed JSON equal, CSV byte for byte. Returns how
 * many objectives the report holds. */
static size_t compare_report(const char *org, const char *year) {
  const char *params[] = {org, year, "200002"};
  PGresult *old = dbt_query(OLD_REPORT_JSON, 2, params);
  PGresult *rows = dbt_query(OBJECTIVES_REPORT_ROWS_SQL, 2, params);
  struct strbuf b = {0};
  objectives_report_json(&b, year, rows);
  char *text = strbuf_steal(&b);
  json_error_t e;
  json_t *mine = json_loads(text, 0, &e);
  ck_assert_msg(mine != NULL, "rendered no JSON: %.300s (%s)", text, e.text);
  json_t *theirs = json_loads(PQgetvalue(old, 0, 0), 0, &e);
  ck_assert_msg(theirs != NULL, "%s", e.text);
  ck_assert_msg(json_equal(mine, theirs), "report of org %s, %s:\n C:   %.1200s\n SQL: %.1200s", org, year, text,
                PQgetvalue(old, 0, 0));
  size_t n = json_array_size(json_object_get(mine, "objectives"));
  json_decref(mine);
  json_decref(theirs);
  free(text);
  PQclear(old);
  PQclear(rows);

  old = dbt_query(OLD_REPORT_CSV, 3, params);
  rows = dbt_query(OBJECTIVES_REPORT_CSV_ROWS_SQL, 3, params);
  long lines = objectives_report_csv(&b, rows);
  text = strbuf_steal(&b);
  ck_assert_int_eq(lines, atol(PQgetvalue(old, 0, 0)));
  const char *theirs_csv = PQgetvalue(old, 0, 1);
  size_t at = 0;
  while (text[at] != '\0' && text[at] == theirs_csv[at])
    at++;
  ck_assert_msg(text[at] == theirs_csv[at], "CSV of org %s, %s differs at byte %zu:\n C:   %.300s\n SQL: %.300s", org,
                year, at, text + at, theirs_csv + at);
  free(text);
  PQclear(old);
  PQclear(rows);
  return n;
}

/* Every organisation and year that has objectives, and a year without any. */
static size_t compare_all_reports(PGconn *pg) {
  PGresult *r = PQexec(pg, "SELECT DISTINCT org_id::text, year::text FROM objectives UNION "
                           "SELECT id::text, '2099' FROM organisations ORDER BY 1, 2");
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  size_t objectives = 0;
  for (int i = 0; i < PQntuples(r); i++)
    objectives += compare_report(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
  PQclear(r);
  return objectives;
}

/* Every objective as the single read selects it (queries.c) against zsz_objective_json. */
static int compare_objectives(void) {
  return dbt_renders_as_sql(
      "SELECT " OBJECTIVE_COLUMNS("o", "h.health") ", o.revision::text, "
                                                   "zsz_objective_json(o)::text FROM objectives o "
                                                   "CROSS JOIN LATERAL zsz_objective_health_of(o) AS h ORDER BY o.id",
      &OBJECTIVE_SHAPE, "objective");
}

/* Every indicator as its single read selects it (queries.c: the state from the readings it
 * keeps, INDICATOR_FROM) against zsz_indicator_json (from its readings' table). */
static int compare_indicators(void) {
  return dbt_renders_as_sql(
      "SELECT " INDICATOR_COLUMNS("i", "s") ", i.revision::text, zsz_indicator_json(i)::text " INDICATOR_FROM
                                            "ORDER BY i.id",
      &INDICATOR_SHAPE, "indicator");
}

START_TEST(report_renders_as_the_sql_did) {
  PGconn *pg = dbt_owner();
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL DateStyle = ISO", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("SET LOCAL zsz.action = 'test'", 0, NULL);
  dbt_exec("INSERT INTO imports (org_id, kind, mode, format, importer) "
           "SELECT id, 'objectives', 'insert', 'json', 'dbtest' FROM organisations WHERE code = 'krakow'",
           0, NULL);
  /* objectives of this year (periods closed or not, by today's date): every kind of text,
   * with and without indicators */
  dbt_exec("CREATE TEMP TABLE y ON COMMIT DROP AS SELECT extract(year FROM zsz_today())::integer AS year", 0, NULL);
  dbt_exec("INSERT INTO objectives (org_id, code, year, title, description, standards, status, owner, process_id, "
           "due_date, status_reason, created_at, updated_at, import_id) "
           "SELECT o.id, v.code, y.year, v.title, v.description, v.standards, v.status, v.owner, "
           "(SELECT min(p.id) FROM processes p WHERE p.org_id = o.id AND v.with_process), "
           "CASE WHEN v.due THEN make_date(y.year, 12, 31) END, v.reason, "
           "'2026-03-28 23:59:59.999999+00', '1999-12-31 23:00:00.5+00', "
           "CASE WHEN v.imported THEN (SELECT max(id) FROM imports) END "
           "FROM organisations o CROSS JOIN y CROSS JOIN (VALUES "
           "('T-1', E'=SUM(A1); \"x\"\\r\\nnext', E'Zażółć gęślą jaźń – „cytat” 😀\\t\\x01\\x1f/\\\\', "
           "  '{iso9001,iso27001}'::text[], 'approved', '+48 123', true, true, NULL, true), "
           "('T-2', '-5', '', '{}', 'draft', '@owner', false, false, E'-1,5;x', false), "
           "('T-3', '-12,50', 'no indicators', '{iso27001}', 'closed', NULL, true, false, 'done', false), "
           "('T-4', 'cancelled', '', '{}', 'cancelled', NULL, false, false, NULL, false)"
           ") AS v(code, title, description, standards, status, owner, with_process, due, reason, imported) "
           "WHERE o.code = 'krakow'",
           0, NULL);
  dbt_exec("INSERT INTO indicators (org_id, objective_id, name, unit, direction, baseline, target, target_min, "
           "target_max, frequency, responsible, import_id) "
           "SELECT o.org_id, o.id, v.name, v.unit, v.direction, v.baseline, v.target, v.tmin, v.tmax, v.frequency, "
           "v.responsible, CASE WHEN v.imported THEN (SELECT max(id) FROM imports) END "
           "FROM objectives o CROSS JOIN (VALUES "
           "(E'Wskaźnik \"a\";b', '%', 'increase', 10.50, 20.000, NULL::numeric, NULL::numeric, 'quarterly', "
           "  '=cmd', true), "
           "('=HYPERLINK(\"x\")', '', 'range', NULL, NULL, -1.5, 2.25, 'monthly', NULL, false), "
           "('no readings', E'a\\nb', 'decrease', 100, 0, NULL, NULL, 'yearly', 'someone', false)"
           ") AS v(name, unit, direction, baseline, target, tmin, tmax, frequency, responsible, imported) "
           "WHERE o.code IN ('T-1', 'T-2', 'T-4') AND o.year = (SELECT year FROM y)",
           0, NULL);
  dbt_exec("INSERT INTO indicator_readings (org_id, indicator_id, period, value, comment, recorded_by, recorded_at, "
           "locked, locked_by, locked_at, import_id) "
           "SELECT i.org_id, i.id, y.year || v.period, v.value, v.comment, 'dbtest', '2026-05-01 12:34:56.789+00', "
           "v.locked, CASE WHEN v.locked THEN 'lock;er' END, "
           "CASE WHEN v.locked THEN timestamptz '2026-06-30 22:00:00+00' END, "
           "CASE WHEN v.locked THEN (SELECT max(id) FROM imports) END "
           "FROM indicators i JOIN objectives o ON o.id = i.objective_id CROSS JOIN y CROSS JOIN (VALUES "
           "('-Q1', 12.50, E'=1+1 \"q\"', true), ('-Q2', -3, '', false), ('-01', 0.000, 'm', false), "
           "('-02', 1e-3, E'x\\ty', true)) AS v(period, value, comment, locked) "
           "WHERE o.code IN ('T-1', 'T-2', 'T-4') AND o.year = y.year AND i.name <> 'no readings' "
           "AND (i.frequency = 'monthly') = (v.period NOT LIKE '%Q%')",
           0, NULL);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    ck_assert_uint_gt(compare_all_reports(pg), 3);
    ck_assert_int_gt(compare_objectives(), 4);
    ck_assert_int_gt(compare_indicators(), 8);
  }
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

START_TEST(period_labels_as_0034) {
  /* migration 0038's zsz_period_label against 0034's (to_char), for every frequency (and
   * none, and an unknown one), k from 0 to the periods of a year, and NULLs */
  long long differ = dbt_int(
      "SELECT count(*) FROM unnest(ARRAY['monthly', 'quarterly', 'half_yearly', 'yearly', 'weekly', NULL]) AS f "
      "CROSS JOIN unnest(ARRAY[2000, 2026, 2100, NULL]) AS y "
      "CROSS JOIN (SELECT generate_series(0, 12) UNION ALL SELECT NULL) AS ks(k) "
      "WHERE (k IS NULL OR f IS DISTINCT FROM 'quarterly' AND f IS DISTINCT FROM 'half_yearly' AND "
      "       f IS DISTINCT FROM 'yearly' OR k <= 12 / zsz_frequency_months(f)) "
      "AND zsz_period_label(f, y, k) IS DISTINCT FROM "
      "  y::text || CASE f WHEN 'monthly' THEN '-' WHEN 'quarterly' THEN '-Q' WHEN 'half_yearly' THEN '-H' "
      "                    WHEN 'yearly' THEN '' END "
      "  || to_char(k, CASE f WHEN 'monthly' THEN 'FM00' WHEN 'yearly' THEN 'FM\"\"' ELSE 'FM9999999990' END)",
      0, NULL);
  ck_assert_int_eq(differ, 0);
  /* and it is not vacuous: the quarters' labels */
  char *q = dbt_text("SELECT string_agg(zsz_period_label('quarterly', 2026, k), ',' ORDER BY k) "
                     "FROM generate_series(1, 4) AS k",
                     0, NULL);
  ck_assert_str_eq(q, "2026-Q1,2026-Q2,2026-Q3,2026-Q4");
  free(q);
  char *m = dbt_text("SELECT zsz_period_label('monthly', 2026, 3) || ' ' || zsz_period_label('yearly', 2026, 1) || "
                     "'|' || zsz_period_label('half_yearly', 2026, 2)",
                     0, NULL);
  ck_assert_str_eq(m, "2026-03 2026|2026-H2");
  free(m);
}
END_TEST

DBT_MAIN("objective_render", 60, report_renders_as_the_sql_did, period_labels_as_0034)
