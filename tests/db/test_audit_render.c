/* The audit rendered in C (AUDIT_SHAPE, api/registers/audits/queries.c) against zsz_audit_json,
 * the SQL definition of the document (the change feed and the webhooks render with it): every
 * audit of the database through the columns the reads select, and through the statements
 * themselves (the GET, the unfiltered first and next pages, the filtered page), parsed JSON
 * equal. Also, in a transaction rolled back at the end, audits with reports (full, partial,
 * with a number, not an object), empty arrays and arrays holding NULL, odd texts (quotes,
 * backslashes, control characters, Polish letters, U+2028), fractions of a second, a leap day,
 * and rows of the type audits with NULL in every nullable place (as the change feed rebuilds
 * a logged row with jsonb_populate_record); in several session time zones (the offsets follow
 * the session's). And the pages' statements keep the read rule: for each role the unfiltered
 * pages list exactly the audits zsz_audit_readable lets the caller read. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audits/queries.h"
#include "dbtest.h"
#include "render.h"
#include "strbuf.h"

/* The largest page the API reads, and the row that tells a next one. */
#define CAP AUDITS_NUMBER_TEXT(AUDITS_PAGE_CAP)

/* Every audit: the columns the reads select, then zsz_audit_json. */
#define ALL_AUDITS_SQL "SELECT " AUDIT_DOC_COLUMNS("a") ", zsz_audit_json(a)::text FROM audits a ORDER BY a.id"

/* Rows of a read's statement (org's audits, AUDIT_SHAPE's columns) rendered in C against
 * zsz_audit_json of the audit each names. Returns the rows compared. */
static int compare_rows(const char *org, const PGresult *r) {
  for (int i = 0; i < PQntuples(r); i++) {
    const char *params[] = {org, PQgetvalue(r, i, 0)};
    PGresult *doc = dbt_query(
        "SELECT zsz_audit_json(a)::text, a.revision::text FROM audits a WHERE a.org_id = $1 AND a.id = $2", 2, params);
    ck_assert_int_eq(PQntuples(doc), 1);
    struct strbuf b = {0};
    render_record(&b, r, i, &AUDIT_SHAPE);
    char *text = strbuf_steal(&b);
    json_error_t e;
    json_t *mine = json_loads(text, 0, &e);
    ck_assert_msg(mine != NULL, "audit %s rendered no JSON: %s (%s)", params[1], text, e.text);
    json_t *theirs = json_loads(PQgetvalue(doc, 0, 0), 0, NULL);
    ck_assert_ptr_nonnull(theirs);
    ck_assert_msg(json_equal(mine, theirs), "audit %s:\n C:   %s\n SQL: %s", params[1], text, PQgetvalue(doc, 0, 0));
    ck_assert_str_eq(PQgetvalue(r, i, AUDIT_SHAPE.revision_col), PQgetvalue(doc, 0, 1));
    json_decref(mine);
    json_decref(theirs);
    free(text);
    PQclear(doc);
  }
  return PQntuples(r);
}

/* Every audit through the statements the server runs, as the plenipotentiary (who reads all):
 * the GET of each, each organisation's first page (all of it), the page after its first
 * audit, and the filtered statement with no filter matching all. Returns the documents
 * compared. */
static int compare_statements(PGconn *pg) {
  int compared = 0;
  PGresult *all = PQexec(pg, "SELECT org_id::text, id::text FROM audits ORDER BY org_id, id");
  ck_assert_int_eq(PQresultStatus(all), PGRES_TUPLES_OK);
  for (int i = 0; i < PQntuples(all); i++) {
    const char *params[] = {PQgetvalue(all, i, 0), PQgetvalue(all, i, 1), "nobody", "{plenipotentiary}"};
    PGresult *r = dbt_query(AUDITS_GET_SQL, 4, params);
    ck_assert_int_eq(PQntuples(r), 1);
    ck_assert_int_eq(PQnfields(r), AUDIT_NCOLS + 1);
    compared += compare_rows(params[0], r);
    PQclear(r);
  }
  PQclear(all);
  PGresult *orgs = PQexec(pg, "SELECT org_id::text, count(*)::text FROM audits GROUP BY org_id ORDER BY 1");
  for (int o = 0; o < PQntuples(orgs); o++) {
    const char *org = PQgetvalue(orgs, o, 0);
    int n = atoi(PQgetvalue(orgs, o, 1));
    const char *first[] = {org, "nobody", "{plenipotentiary}", CAP};
    PGresult *page = dbt_query(AUDITS_FIRST_SQL, 4, first);
    if (n > AUDITS_PAGE_CAP) n = AUDITS_PAGE_CAP; /* a larger register: its first page, as the API reads it */
    ck_assert_int_eq(PQntuples(page), n);
    ck_assert_int_eq(PQnfields(page), AUDIT_NCOLS + 4);
    compared += compare_rows(org, page);
    /* after the first audit's keys: the rest, in the same order */
    const char *next[] = {org,
                          "nobody",
                          "{plenipotentiary}",
                          PQgetvalue(page, 0, AUDIT_NCOLS + 1),
                          PQgetvalue(page, 0, AUDIT_NCOLS + 2),
                          PQgetvalue(page, 0, AUDIT_NCOLS + 3),
                          CAP};
    PGresult *rest = dbt_query(AUDITS_NEXT_SQL, 7, next);
    ck_assert_int_ge(PQntuples(rest), n - 1);
    for (int i = 0; i < n - 1; i++)
      ck_assert_str_eq(PQgetvalue(rest, i, 0), PQgetvalue(page, i + 1, 0));
    compared += compare_rows(org, rest);
    PQclear(rest);
    const char *filtered[] = {org, "nobody", "{plenipotentiary}", NULL, NULL, NULL, NULL, NULL, NULL, NULL, CAP};
    PGresult *list = dbt_query(AUDITS_LIST_SQL, 11, filtered);
    ck_assert_int_eq(PQntuples(list), n);
    for (int i = 0; i < n; i++)
      ck_assert_str_eq(PQgetvalue(list, i, 0), PQgetvalue(page, i, 0));
    compared += compare_rows(org, list);
    PQclear(list);
    PQclear(page);
  }
  PQclear(orgs);
  return compared;
}

/* Rows of the type audits with NULL wherever the table forbids none and some more (the change
 * feed renders rows rebuilt from the log, jsonb_populate_record), through the same columns. */
#define POPULATED_SQL                                                                                                  \
  "SELECT " AUDIT_DOC_COLUMNS(                                                                                         \
      "a") ", zsz_audit_json(a)::text FROM (VALUES "                                                                   \
           "('{\"id\": 1, \"code\": \"N/1\", \"revision\": 1}'::jsonb), "                                              \
           "('{\"id\": 2, \"code\": \"N/2\", \"team\": [\"a\", null], \"criteria\": [], \"scope_process_ids\": [1, "   \
           "null], "                                                                                                   \
           "\"report\": {\"summary\": null}, \"reported_at\": \"2028-02-29T23:59:59.999+01:00\", \"revision\": 3}'), " \
           "('{\"id\": 3, \"code\": \"N/3\", \"report\": [1, 2], \"planned_start\": \"2028-02-29\", \"revision\": "    \
           "2}')) "                                                                                                    \
           "AS v(j) CROSS JOIN LATERAL jsonb_populate_record(NULL::audits, v.j) AS a ORDER BY a.id"

static const char ODD_AUDITS_SQL[] =
    "INSERT INTO audit_programmes (org_id, year) SELECT id, 2031 FROM organisations WHERE code = 'krakow' "
    "ON CONFLICT DO NOTHING;"
    "INSERT INTO audits (org_id, code, year, kind, scope_process_ids, scope_org_unit_ids, criteria, risk_ids, "
    "planned_start, planned_end, lead_auditor, team, auditees, status, status_reason, report, reported_at, "
    "created_at, updated_at) "
    "SELECT o.id, 'T/' || v.n, 2031, v.kind, v.procs, v.units, v.criteria, v.risks, v.s, v.e, v.lead, v.team, "
    "v.auditees, v.status, v.reason, v.report, v.reported_at, '2026-03-28 23:59:59.999999+00', "
    "'1999-12-31 23:00:00.5+00' FROM organisations o CROSS JOIN (VALUES "
    /* a report as the API stores it, odd texts everywhere a text goes */
    "(1, 'quality', '{1,2,3}'::bigint[], '{}'::bigint[], '{\"ISO 9001:2015 8.5.1\",\"ISO/IEC 27001:2022 A.5.24\"}'"
    "::text[], '{}'::bigint[], '2031-02-28'::date, '2031-03-01'::date, E'łukasz \"Ż\" \\\\', "
    "E'{\"łukasz \\\\\"Ż\\\\\" \\\\\\\\\",\"anna\"}'::text[], E'{\"Zażółć gęślą jaźń\",\"a\\\\\\\\b\",\"x,y\"}'"
    "::text[], 'reported', NULL, jsonb_build_object('summary', E'Wyniki \"audytu\" – „cytat” 😀\\t\\x01\\x1f/\\\\', "
    "'strong_points', E'=SUM(A1); \\r\\nnext', 'areas_to_improve', '', 'conclusion', E'\\u2028 koniec'), "
    "'2031-03-01 12:34:56.789+00'::timestamptz), "
    /* a report with two members, one a number; a reason with control characters */
    "(2, 'information_security', '{}', '{7}', '{}', '{5,6}', '2031-12-31', '2031-12-31', 'lead', '{lead}', '{}', "
    "'cancelled', E'powód\\b\\f\\n\\r\\t\\x7f', '{\"summary\": 5, \"conclusion\": \"c\"}'::jsonb, NULL), "
    /* a report that is no object, arrays holding NULL */
    "(3, 'integrated', '{}', '{}', '{NULL,x}', '{}', '2031-06-15', '2031-06-16', 'lead', '{lead,NULL}', "
    "'{NULL}', 'closed', '', '\"text\"'::jsonb, '2031-06-16 00:00:00+00'), "
    /* an empty report object */
    "(4, 'quality', '{}', '{}', '{}', '{}', '2031-01-01', '2031-01-01', 'lead', '{lead}', '{}', 'in_progress', NULL, "
    "'{}'::jsonb, NULL)"
    ") AS v(n, kind, procs, units, criteria, risks, s, e, lead, team, auditees, status, reason, report, "
    "reported_at) WHERE o.code = 'krakow'";

START_TEST(audits_render_as_zsz_audit_json) {
  PGconn *pg = dbt_owner();
  long long seeded = dbt_int("SELECT count(*) FROM audits", 0, NULL);
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL DateStyle = ISO", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("SET LOCAL zsz.action = 'test'", 0, NULL);
  dbt_exec(ODD_AUDITS_SQL, 0, NULL);
  /* the reports are what they were made for: not a vacuous comparison */
  char *reports = dbt_text("SELECT string_agg(coalesce(jsonb_typeof(report), 'null'), ',' ORDER BY code) "
                           "FROM audits WHERE code LIKE 'T/%'",
                           0, NULL);
  ck_assert_str_eq(reports, "object,object,string,object");
  free(reports);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    ck_assert_int_eq(dbt_renders_as_sql(ALL_AUDITS_SQL, &AUDIT_SHAPE, "audit"), seeded + 4);
    ck_assert_int_eq(dbt_renders_as_sql(POPULATED_SQL, &AUDIT_SHAPE, "populated audit"), 3);
    ck_assert_int_eq(compare_statements(pg),
                     4 * (seeded + 4) - dbt_int("SELECT count(DISTINCT org_id) FROM audits", 0, NULL));
  }
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* For a role set and a caller, the ids the unfiltered pages list (the first page, then the
 * pages after the last row of each, as the API walks them, two rows a page) against the
 * audits zsz_audit_readable lets the caller read, in the list's order; and the filtered
 * statement without filters lists as many. */
static void pages_keep_the_rule(const char *org, const char *sub, const char *roles) {
  const char *rule[] = {org, sub, roles};
  char *want = dbt_text("SELECT coalesce(string_agg(a.id::text, ',' ORDER BY a.planned_start, a.code, a.id), '') "
                        "FROM audits a WHERE a.org_id = $1 AND zsz_audit_readable(a, $2, $3::text[])",
                        3, rule);
  struct strbuf got = {0};
  int listed = 0;
  const char *first[] = {org, sub, roles, "2"};
  PGresult *page = dbt_query(AUDITS_FIRST_SQL, 4, first);
  while (PQntuples(page) > 0) {
    for (int i = 0; i < PQntuples(page); i++) {
      if (listed++) strbuf_append(&got, ",", 1);
      strbuf_puts(&got, PQgetvalue(page, i, 0));
    }
    int last = PQntuples(page) - 1;
    const char *next[] = {org,
                          sub,
                          roles,
                          PQgetvalue(page, last, AUDIT_NCOLS + 1),
                          PQgetvalue(page, last, AUDIT_NCOLS + 2),
                          PQgetvalue(page, last, AUDIT_NCOLS + 3),
                          "2"};
    PGresult *after = dbt_query(AUDITS_NEXT_SQL, 7, next);
    PQclear(page);
    page = after;
  }
  PQclear(page);
  char *text = strbuf_steal(&got);
  ck_assert_msg(strcmp(text ? text : "", want) == 0, "org %s, %s %s: listed %s, may read %s", org, sub, roles, text,
                want);
  const char *filtered[] = {org, sub, roles, NULL, NULL, NULL, NULL, NULL, NULL, NULL, CAP};
  PGresult *list = dbt_query(AUDITS_LIST_SQL, 11, filtered);
  ck_assert_int_eq(PQntuples(list), listed < AUDITS_PAGE_CAP ? listed : AUDITS_PAGE_CAP);
  PQclear(list);
  free(text);
  free(want);
}

START_TEST(pages_list_what_the_rule_lets_read) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("SET LOCAL zsz.action = 'test'", 0, NULL);
  dbt_exec(ODD_AUDITS_SQL, 0, NULL);
  /* each organisation's team members and process owners, and somebody who is neither */
  PGresult *who = dbt_query("SELECT DISTINCT a.org_id::text, m FROM audits a, unnest(a.team || a.lead_auditor) m "
                            "WHERE m IS NOT NULL UNION SELECT p.org_id::text, p.owner FROM processes p "
                            "WHERE p.owner IS NOT NULL AND p.id IN (SELECT unnest(scope_process_ids) FROM audits) "
                            "UNION SELECT DISTINCT org_id::text, 'nobody' FROM audits ORDER BY 1, 2",
                            0, NULL);
  ck_assert_int_gt(PQntuples(who), 3);
  static const char *const ROLES[] = {
      "{plenipotentiary}",          "{president}", "{iod}", "{auditor}", "{process_owner}", "{employee}",
      "{iod,auditor,process_owner}"};
  int listed_some = 0, listed_none = 0;
  for (int i = 0; i < PQntuples(who); i++) {
    for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++) {
      pages_keep_the_rule(PQgetvalue(who, i, 0), PQgetvalue(who, i, 1), ROLES[k]);
      const char *rule[] = {PQgetvalue(who, i, 0), PQgetvalue(who, i, 1), ROLES[k]};
      long long n = dbt_int(
          "SELECT count(*) FROM audits a WHERE a.org_id = $1 AND zsz_audit_readable(a, $2, $3::text[])", 3, rule);
      listed_some += n > 0;
      listed_none += n == 0;
    }
  }
  /* the rule both lets read and hides: not a vacuous comparison */
  ck_assert_int_gt(listed_some, 0);
  ck_assert_int_gt(listed_none, 0);
  PQclear(who);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

DBT_MAIN("audit_render", 120, audits_render_as_zsz_audit_json, pages_list_what_the_rule_lets_read)
