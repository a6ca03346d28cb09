/* The incident rendered in C (api/registers/incidents/documents.c) against zsz_incident_json,
 * the SQL definition of the document (the change feed and the webhooks render with it):
 * the record GET's and the list's statements (incidents/queries.h) for every incident of the
 * database, in each of the three views (full, manager, reporter: the roles iod,
 * plenipotentiary, and a reporter's own), parsed JSON equal. Also, in a transaction rolled
 * back at the end, incidents with breaches (every deadline state, a risk of none, an
 * exemption, a dismissal), KSC sections, evidence, odd texts, fractions of a second and a
 * provenance, and an organisation's deadline rule edited (the stored due dates move); in
 * several session time zones (the offsets follow the session's). The deadlines come from the
 * incident's generated deadline_times and the rules read once per statement (migration 0050),
 * the SQL function's from zsz_deadline: the test is also their agreement. The arrays come as
 * PostgreSQL's array text, which the C writes as JSON: odd elements (quotes, backslashes, a
 * comma, braces, blanks, the word NULL) are among them. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtest.h"
#include "incidents/documents.h"
#include "incidents/queries.h"
#include "strbuf.h"

/* Row `row` of r rendered in C against the SQL document of the incident it names (org, the
 * id in column 0, the view the row names). */
static void compare_row(const char *org, const PGresult *r, int row, const char *want_view) {
  const char *view = PQgetvalue(r, row, INCIDENT_VIEW_COL);
  ck_assert_str_eq(view, want_view);
  const char *params[] = {org, PQgetvalue(r, row, 0), view};
  PGresult *doc =
      dbt_query("SELECT zsz_incident_json(i, $3)::text FROM incidents i WHERE i.org_id = $1 AND i.id = $2", 3, params);
  ck_assert_int_eq(PQntuples(doc), 1);
  struct strbuf b = {0};
  incident_render(&b, r, row);
  char *text = strbuf_steal(&b);
  json_error_t e;
  json_t *mine = json_loads(text, 0, &e);
  ck_assert_msg(mine != NULL, "rendered no JSON: %s (%s)", text, e.text);
  json_t *theirs = json_loads(PQgetvalue(doc, 0, 0), 0, NULL);
  ck_assert_ptr_nonnull(theirs);
  ck_assert_msg(json_equal(mine, theirs), "incident %s, view %s:\n C:   %s\n SQL: %s", PQgetvalue(r, row, 0), view,
                text, PQgetvalue(doc, 0, 0));
  json_decref(mine);
  json_decref(theirs);
  free(text);
  PQclear(doc);
}

/* Every incident of the database in every view, through the record GET's statement and the
 * list's (all of an organisation's incidents in one page). Returns how many documents were
 * compared. */
static int compare_all(PGconn *pg) {
  static const struct {
    const char *roles, *view;
  } VIEWS[] = {{"{iod}", "full"},
               {"{president,employee}", "full"},
               {"{plenipotentiary}", "manager"},
               {"{employee}", "reporter"}};
  PGresult *all = PQexec(pg, "SELECT org_id::text, id::text, reporter FROM incidents ORDER BY org_id, id");
  ck_assert_int_eq(PQresultStatus(all), PGRES_TUPLES_OK);
  int compared = 0;
  for (int i = 0; i < PQntuples(all); i++) {
    for (size_t v = 0; v < sizeof VIEWS / sizeof VIEWS[0]; v++) {
      const char *params[] = {PQgetvalue(all, i, 0), PQgetvalue(all, i, 1), VIEWS[v].roles, PQgetvalue(all, i, 2)};
      PGresult *r = dbt_query(INCIDENTS_GET_SQL, 4, params);
      ck_assert_int_eq(PQntuples(r), 1);
      ck_assert_int_eq(PQnfields(r), INCIDENT_NCOLS);
      compare_row(params[0], r, 0, VIEWS[v].view);
      compared++;
      PQclear(r);
    }
  }
  PQclear(all);
  /* the list's statements: each organisation's whole register in every view (the reporter's
   * own reports, as the reporter of the organisation's first incident), through the filtered
   * statement, the unfiltered first page and the page after a cursor */
  PGresult *orgs = PQexec(pg, "SELECT org_id::text, min(reporter) FROM incidents GROUP BY org_id ORDER BY 1");
  for (int o = 0; o < PQntuples(orgs); o++) {
    for (size_t v = 0; v < sizeof VIEWS / sizeof VIEWS[0]; v++) {
      const char *org = PQgetvalue(orgs, o, 0), *sub = PQgetvalue(orgs, o, 1);
      /* the view alone decides ($10 false) */
      const char *params[] = {org, VIEWS[v].roles, sub, NULL, NULL, NULL, NULL, NULL, "1000000", "f"};
      PGresult *r = dbt_query(INCIDENTS_LIST_SQL, 10, params);
      ck_assert_int_eq(PQnfields(r), INCIDENT_NCOLS + 1);
      ck_assert_int_gt(PQntuples(r), 0);
      for (int i = 0; i < PQntuples(r); i++) {
        compare_row(params[0], r, i, VIEWS[v].view);
        compared++;
      }
      /* the reporter's statements (the reporter condition added as an index condition) keep
       * exactly the rows the view keeps for it */
      int reporter = strcmp(VIEWS[v].view, "reporter") == 0;
      if (reporter) {
        const char *own_params[] = {org, VIEWS[v].roles, sub, NULL, NULL, NULL, NULL, NULL, "1000000", "t"};
        PGresult *own = dbt_query(INCIDENTS_LIST_SQL, 10, own_params);
        ck_assert_int_eq(PQntuples(own), PQntuples(r));
        for (int i = 0; i < PQntuples(r); i++) {
          ck_assert_str_eq(PQgetvalue(own, i, 0), PQgetvalue(r, i, 0));
        }
        PQclear(own);
      }
      /* the unfiltered statements give the same rows: the first page, and the page after its
       * first row */
      PGresult *first =
          dbt_query(reporter ? INCIDENTS_REPORTER_FIRST_SQL("1000000") : INCIDENTS_FIRST_SQL("1000000"), 3, params);
      ck_assert_int_eq(PQntuples(first), PQntuples(r));
      const char *next_params[] = {org, VIEWS[v].roles, sub, PQgetvalue(r, 0, 0)};
      PGresult *next =
          dbt_query(reporter ? INCIDENTS_REPORTER_NEXT_SQL("1000000") : INCIDENTS_NEXT_SQL("1000000"), 4, next_params);
      ck_assert_int_eq(PQntuples(next), PQntuples(r) - 1);
      for (int i = 0; i < PQntuples(r); i++) {
        ck_assert_str_eq(PQgetvalue(first, i, 0), PQgetvalue(r, i, 0));
        compare_row(params[0], first, i, VIEWS[v].view);
        if (i > 0) {
          ck_assert_str_eq(PQgetvalue(next, i - 1, 0), PQgetvalue(r, i, 0));
          compare_row(params[0], next, i - 1, VIEWS[v].view);
        }
        compared += 2;
      }
      PQclear(next);
      PQclear(first);
      PQclear(r);
    }
  }
  PQclear(orgs);
  return compared;
}

START_TEST(incidents_render_as_zsz_incident_json) {
  PGconn *pg = dbt_owner();
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL DateStyle = ISO", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("SET LOCAL zsz.action = 'test'", 0, NULL);
  dbt_exec("INSERT INTO imports (org_id, kind, mode, format, importer) "
           "SELECT id, 'incidents', 'insert', 'json', 'dbtest' FROM organisations WHERE code = 'krakow'",
           0, NULL);
  /* every deadline state: met in time, met late, missed (past due, unmet), pending (due in the
   * future), not applicable (risk none, an exemption, a dismissal, another type) */
  dbt_exec(
      "INSERT INTO incidents (org_id, number, title, description, kind, categories, type, occurred_at, detected_at, "
      "reported_at, reporter, source, affected_systems, affected_org_unit_ids, severity, status, status_reason, "
      "resolution, lessons_learned, evidence, breach, ksc, created_at, updated_at, import_id) "
      "SELECT o.id, 'T/' || v.n, v.title, v.description, v.kind, v.categories, v.type, v.occurred_at, "
      "v.detected_at, v.reported_at, v.reporter, 'external', v.systems, v.units, v.severity, v.status, v.reason, "
      "v.resolution, '', v.evidence, v.breach, v.ksc, '2026-03-28 23:59:59.999999+00', "
      "'1999-12-31 23:00:00.5+00', CASE WHEN v.imported THEN (SELECT max(id) FROM imports) END "
      "FROM organisations o CROSS JOIN (VALUES "
      "(1, E'Wyciek \"danych\" – „cytat” 😀\\t\\x01\\x1f/\\\\', E'=SUM(A1); \\r\\nnext', 'incident', "
      "  '{confidentiality,integrity}'::text[], 'personal_data_breach', now() - interval '3 days 0.25 s', "
      "  now() - interval '2 days', now() - interval '2 days', 'jan.kowalski', ARRAY['ezd', 'poczta \"x\"', E'a\\\\b', "
      "'c,d', '{e}', ' ', '', 'NULL', 'null', E'\\t']::text[], "
      "  '{7,11}'::bigint[], 4, 'investigating', NULL, '', "
      "  '[{\"name\": \"log \\\"a\\\"\", \"znak_sprawy\": null, \"note\": \"\\u00e9\\n\"}]'::jsonb, "
      "  jsonb_build_object('aware_at', to_char(now() - interval '2 days 0.5 s', 'YYYY-MM-DD\"T\"HH24:MI:SS.USOF'), "
      "    'risk_level', 'high', 'uodo_notified_at', to_char(now() - interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
      "    'data_categories', jsonb_build_array('PESEL', 'adres'), 'breach_nature', E'a\\nb'), "
      "  NULL::jsonb, true), "
      "(2, 'risk none', '', 'event', '{}', 'personal_data_breach', NULL, now() - interval '1 hour', now(), "
      "  'anna', '{}', '{}', NULL, 'triage', NULL, '', '[]', "
      "  jsonb_build_object('aware_at', to_char(now() - interval '1 hour', 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
      "    'risk_level', 'none'), NULL, false), "
      "(3, 'exempt, late', '', 'incident', '{availability}', 'personal_data_breach', NULL, now() - interval '10 days', "
      "  now() - interval '10 days', 'anna', '{}', '{}', 5, 'resolved', NULL, 'done', '[]', "
      "  jsonb_build_object('aware_at', to_char(now() - interval '10 days', 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
      "    'risk_level', 'high', 'subjects_exemption', 'art34_3a', "
      "    'uodo_notified_at', to_char(now() - interval '5 days', 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
      "    'uodo_late_reason', 'holiday'), NULL, false), "
      "(4, 'dismissed breach', '', 'event', '{}', 'personal_data_breach', NULL, now() - interval '10 days', "
      "  now() - interval '10 days', 'anna', '{}', '{}', 1, 'dismissed', 'not a breach', '', '[]', "
      "  jsonb_build_object('aware_at', to_char(now() - interval '10 days', 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
      "    'risk_level', 'high'), NULL, false), "
      "(5, 'cyber reported late', '', 'incident', '{availability}', 'cyber', NULL, now() - interval '3 days', "
      "  now() - interval '3 days', 'anna', '{bip}', '{}', 3, 'investigating', NULL, '', '[]', NULL, "
      "  jsonb_build_object('csirt', 'CSIRT NASK', 'csirt_reported_at', "
      "    to_char(now() - interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), 'public_task_affected', true), false), "
      "(6, 'cyber pending', '', 'event', '{}', 'cyber', NULL, now() - interval '1 hour 0.7 s', now(), 'anna', '{}', "
      "  '{}', NULL, 'reported', NULL, '', '[]', NULL, NULL, false), "
      "(7, 'cyber missed', '', 'event', '{}', 'cyber', NULL, now() - interval '30 hours', now(), 'anna', '{}', "
      "  '{}', 2, 'reported', NULL, '', '[]', NULL, '{}'::jsonb, false), "
      "(8, 'other', E'\\u2028', 'event', '{}', 'other', '2020-02-29 12:00:00.000001+00', '2020-02-29 12:00:00+00', "
      "  '2020-03-01 00:00:00+00', 'anna', '{}', '{}', NULL, 'closed', NULL, '', '[]', NULL, NULL, true), "
      "(9, 'breach, no risk level nor awareness yet', '', 'event', '{}', 'personal_data_breach', NULL, now(), now(), "
      "  'anna', '{}', '{}', NULL, 'reported', NULL, '', '[]', '{\"breach_nature\": \"x\"}'::jsonb, NULL, false)"
      ") AS v(n, title, description, kind, categories, type, occurred_at, detected_at, reported_at, reporter, "
      "  systems, units, severity, status, reason, resolution, evidence, breach, ksc, imported) "
      "WHERE o.code = 'krakow'",
      0, NULL);
  /* the states are what they were made for: not a vacuous comparison */
  PGresult *states = PQexec(pg, "SELECT string_agg(DISTINCT x->>'state', ',' ORDER BY x->>'state') FROM incidents i, "
                                "jsonb_array_elements(zsz_incident_deadlines(i)) x WHERE i.number LIKE 'T/%'");
  ck_assert_int_eq(PQresultStatus(states), PGRES_TUPLES_OK);
  ck_assert_str_eq(PQgetvalue(states, 0, 0), "met,missed,not_applicable,pending");
  PQclear(states);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  int first = 0;
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    int n = compare_all(pg);
    ck_assert_int_gt(n, 9 * 4);
    if (z == 0) first = n;
    ck_assert_int_eq(n, first);
  }
  /* a rule's edit moves the stored due dates (migration 0032's trigger): still the same */
  dbt_exec("INSERT INTO deadline_rules (org_id, rule, hours) SELECT id, 'uodo', 1 FROM organisations "
           "WHERE code = 'krakow' ON CONFLICT (org_id, rule) DO UPDATE SET hours = 1",
           0, NULL);
  dbt_exec("INSERT INTO deadline_rules (org_id, rule, hours) SELECT id, 'csirt', 8760 FROM organisations "
           "WHERE code = 'krakow' ON CONFLICT (org_id, rule) DO UPDATE SET hours = 8760",
           0, NULL);
  ck_assert_int_gt(compare_all(pg), 8 * 4);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* The generated columns (migration 0050) are derived, no register data: an incident's writes
 * log documents without them, and a write that changes what they derive from logs the real
 * change only. */
START_TEST(derived_columns_stay_out_of_the_log) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("INSERT INTO incidents (org_id, number, title, type, severity, detected_at, reporter, breach) "
           "SELECT id, 'INC/DERIVED/1', 'x', 'personal_data_breach', 2, now(), 'dbtest', "
           "'{\"risk_level\": \"risk\", \"aware_at\": \"2026-01-01T10:00:00+00:00\"}' FROM organisations "
           "WHERE code = 'krakow'",
           0, NULL);
  dbt_exec("UPDATE incidents SET breach = breach || '{\"risk_level\": \"high\"}' WHERE number = 'INC/DERIVED/1'", 0,
           NULL);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM incidents WHERE number = 'INC/DERIVED/1' AND breach_doc IS NOT NULL "
                           "AND deadline_times IS NOT NULL",
                           0, NULL),
                   1);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM change_log c JOIN incidents i ON c.record_id = i.id::text "
                           "WHERE c.entity = 'incident' AND i.number = 'INC/DERIVED/1'",
                           0, NULL),
                   2);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM change_log c JOIN incidents i ON c.record_id = i.id::text "
                           "WHERE c.entity = 'incident' AND i.number = 'INC/DERIVED/1' AND (c.after ?| "
                           "ARRAY['breach_doc', 'ksc_doc', 'deadline_times'] OR coalesce(c.before, '{}') ?| "
                           "ARRAY['breach_doc', 'ksc_doc', 'deadline_times'])",
                           0, NULL),
                   0);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* Migration 0050's zsz_incident_deadline_times (SQL), verbatim: the definition the PL/pgSQL of
 * 0052 must keep, over the SQL expressions given for its five arguments. */
#define DEADLINE_TIMES_0050(status, type, detected_at, breach, ksc)                                                    \
  "(SELECT CASE WHEN t[1] IS NOT NULL OR t[3] IS NOT NULL OR t[5] IS NOT NULL THEN t END "                             \
  "FROM (SELECT ARRAY[CASE WHEN uodo THEN (" breach " ->> 'aware_at')::timestamptz END, "                              \
  "CASE WHEN uodo AND " breach " ->> 'aware_at' IS NOT NULL THEN (" breach                                             \
  " ->> 'uodo_notified_at')::timestamptz END, "                                                                        \
  "CASE WHEN csirt THEN " detected_at " END, "                                                                         \
  "CASE WHEN csirt AND " detected_at " IS NOT NULL THEN (" ksc " ->> 'csirt_reported_at')::timestamptz END, "          \
  "CASE WHEN subjects THEN (" breach " ->> 'aware_at')::timestamptz END, "                                             \
  "CASE WHEN subjects AND " breach " ->> 'aware_at' IS NOT NULL "                                                      \
  "THEN (" breach " ->> 'subjects_notified_at')::timestamptz END] AS t "                                               \
  "FROM (SELECT coalesce(" status " <> 'dismissed' AND " type " = 'personal_data_breach' "                             \
  "AND coalesce(" breach " ->> 'risk_level', '') <> 'none', false) AS uodo, "                                          \
  "coalesce(" status " <> 'dismissed' AND " type " = 'cyber', false) AS csirt, "                                       \
  "coalesce(" status " <> 'dismissed' AND " breach " ->> 'risk_level' = 'high' "                                       \
  "AND coalesce(" breach " ->> 'subjects_exemption', '') = '', false) AS subjects) AS a) AS x)"

START_TEST(deadline_times_as_0050) {
  /* every combination of what the rule reads: statuses, types, risk levels (absent, none, low,
   * high), exemptions (absent, empty, given), the breach's times (absent or given), detection
   * and the CSIRT report (absent or given), sections absent (NULL) too */
  const char *sql =
      "WITH v AS (SELECT s.status, t.type, d.detected, "
      "CASE WHEN b.none THEN NULL ELSE jsonb_strip_nulls(jsonb_build_object('risk_level', r.risk, "
      "'subjects_exemption', e.exemption, 'aware_at', a.aware, 'uodo_notified_at', u.notified, "
      "'subjects_notified_at', sn.notified)) END AS breach, "
      "CASE WHEN k.none THEN NULL ELSE jsonb_strip_nulls(jsonb_build_object('csirt_reported_at', k.reported)) END AS "
      "ksc "
      "FROM unnest(ARRAY['reported', 'investigating', 'dismissed', 'closed', NULL]) AS s(status) "
      "CROSS JOIN unnest(ARRAY['personal_data_breach', 'cyber', 'other', NULL]) AS t(type) "
      "CROSS JOIN unnest(ARRAY[NULL, timestamptz '2026-03-01 10:00:00+00']) AS d(detected) "
      "CROSS JOIN unnest(ARRAY[NULL, 'none', 'low', 'high']) AS r(risk) "
      "CROSS JOIN unnest(ARRAY[NULL, '', 'art. 34(3)(a)']) AS e(exemption) "
      "CROSS JOIN unnest(ARRAY[NULL, '2026-03-01T11:00:00+00:00']) AS a(aware) "
      "CROSS JOIN unnest(ARRAY[NULL, '2026-03-02T09:30:00+00:00']) AS u(notified) "
      "CROSS JOIN unnest(ARRAY[NULL, '2026-03-03T08:00:00+00:00']) AS sn(notified) "
      "CROSS JOIN (VALUES (false), (true)) AS b(none) "
      "CROSS JOIN (VALUES (false, NULL), (false, '2026-03-01T20:00:00+00:00'), (true, NULL)) AS k(none, reported)) "
      "SELECT count(*), count(*) FILTER (WHERE zsz_incident_deadline_times(v.status, v.type, v.detected, v.breach, "
      "v.ksc) "
      "IS DISTINCT FROM " DEADLINE_TIMES_0050("v.status", "v.type", "v.detected", "v.breach",
                                              "v.ksc") "), "
                                                       "count(*) FILTER (WHERE zsz_incident_deadline_times(v.status, "
                                                       "v.type, v.detected, v.breach, v.ksc) IS NOT NULL) "
                                                       "FROM v";
  const char *zones[] = {"SET TimeZone = 'UTC'", "SET TimeZone = 'Europe/Warsaw'"};
  for (int z = 0; z < 2; z++) {
    dbt_exec(zones[z], 0, NULL);
    PGresult *r = dbt_query(sql, 0, NULL);
    ck_assert_int_eq(atoi(PQgetvalue(r, 0, 0)), 5 * 4 * 2 * 4 * 3 * 2 * 2 * 2 * 2 * 3);
    ck_assert_msg(atoi(PQgetvalue(r, 0, 1)) == 0, "%s combinations differ from 0050's", PQgetvalue(r, 0, 1));
    ck_assert_int_gt(atoi(PQgetvalue(r, 0, 2)), 1000); /* not vacuous: many apply a rule */
    PQclear(r);
  }
  dbt_exec("RESET TimeZone", 0, NULL);
}
END_TEST

DBT_MAIN("incident_render", 120, incidents_render_as_zsz_incident_json, derived_columns_stay_out_of_the_log,
         deadline_times_as_0050)
