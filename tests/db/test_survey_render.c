/* The survey rendered in C (SURVEY_SHAPE, api/registers/surveys/queries.c) against
 * zsz_survey_json, the SQL definition of the document (writes return it, the change feed
 * renders with it): every survey of the database through the columns the reads select, and
 * through the statements themselves (the GET, the unfiltered first and next pages, the
 * filtered page), parsed JSON equal. Also, in a transaction rolled back at the end, surveys
 * with odd texts (quotes, backslashes, control characters, Polish letters), nested questions,
 * empty and full arrays, NULL and fractional times, decimals of several scales; in several
 * session time zones. And the pages keep the read rule: for each role the unfiltered pages
 * list exactly the surveys zsz_survey_readable lets the caller read. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtest.h"
#include "render.h"
#include "surveys/queries.h"

/* Every survey: the columns the reads select, then zsz_survey_json. */
#define ALL_SURVEYS_SQL "SELECT " SURVEY_DOC_COLUMNS("s") ", zsz_survey_json(s)::text FROM surveys s ORDER BY s.id"

/* A statement's rows (SURVEY_DOC_COLUMNS first) against zsz_survey_json of the survey each
 * names: the rows compared. */
static int compare_rows(const PGresult *r) {
  for (int i = 0; i < PQntuples(r); i++) {
    const char *params[] = {PQgetvalue(r, i, 0)};
    PGresult *doc = dbt_query("SELECT " SURVEY_DOC_COLUMNS("s") ", zsz_survey_json(s)::text FROM surveys s "
                                                                "WHERE s.id = $1",
                              1, params);
    ck_assert_int_eq(PQntuples(doc), 1);
    for (int k = 0; k <= SURVEY_NCOLS; k++)
      ck_assert_str_eq(PQgetvalue(r, i, k), PQgetvalue(doc, 0, k));
    PQclear(doc);
  }
  return PQntuples(r);
}

static int compare_all(void) {
  return dbt_renders_as_sql(ALL_SURVEYS_SQL, &SURVEY_SHAPE, "survey");
}

START_TEST(surveys_render_as_zsz_survey_json) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL DateStyle = ISO", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("INSERT INTO surveys (org_id, title, kind, year, process_ids, org_unit_ids, questions, respondent_fields, "
           "opens_at, closes_at, target_mean, min_group_size, access_codes_required, status, public_id, "
           "response_count, created_at, updated_at) "
           "SELECT o.id, E'Ankieta „cytat” \" i \\\\ ukośnik\\t\\x01\\x1f Zażółć 😀', 'ad_hoc', 2031, "
           "ARRAY[(SELECT min(id) FROM processes p WHERE p.org_id = o.id)], '{}', "
           "'[{\"key\": \"q1\", \"text\": \"Jak?\\n\", \"type\": \"scale\", \"options\": [1, 2.50, null, "
           "{\"a\": [true]}]}]', '[]', '2026-03-28 23:59:59.999999+00', '2027-01-01 00:00:00.5+00', 3.125, 1, "
           "true, 'open', 'abcdefghijklmnopqrstuv', 1234567, '1999-12-31 23:00:00+00', now() "
           "FROM organisations o WHERE o.code = 'krakow'",
           0, NULL);
  dbt_exec("INSERT INTO surveys (org_id, title, kind, year, public_id, target_mean) "
           "SELECT o.id, 'x', 'employees', 2000, 'ABCDEFGHIJKLMNOPQRSTU_', 5 FROM organisations o "
           "WHERE o.code = 'krakow'",
           0, NULL);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    ck_assert_int_gt(compare_all(), 2);
  }
  /* the statements the server runs, as the plenipotentiary (who reads all): the GET of each
   * survey, each organisation's first page, the page after its first survey, the filtered
   * statement with filters matching all */
  PGresult *orgs = dbt_query("SELECT org_id::text, count(*)::text FROM surveys GROUP BY 1 ORDER BY 1", 0, NULL);
  ck_assert_int_gt(PQntuples(orgs), 0);
  int compared = 0;
  for (int o = 0; o < PQntuples(orgs); o++) {
    const char *org = PQgetvalue(orgs, o, 0);
    int n = atoi(PQgetvalue(orgs, o, 1));
    const char *first[] = {org, "{plenipotentiary}", "nobody"};
    PGresult *page = dbt_query(SURVEYS_FIRST_SQL(PAGE_LIMIT_LARGE), 3, first);
    if (n > 201) n = 201;
    ck_assert_int_eq(PQntuples(page), n);
    ck_assert_int_eq(PQnfields(page), SURVEY_NCOLS + 2);
    compared += compare_rows(page);
    for (int i = 1; i < n; i++) /* newest first */
      ck_assert_int_lt(atoll(PQgetvalue(page, i, 0)), atoll(PQgetvalue(page, i - 1, 0)));
    const char *next[] = {org, "{plenipotentiary}", "nobody", PQgetvalue(page, 0, SURVEY_NCOLS + 1)};
    PGresult *rest = dbt_query(SURVEYS_NEXT_SQL(PAGE_LIMIT_LARGE), 4, next);
    ck_assert_int_ge(PQntuples(rest), n - 1);
    for (int i = 0; i < n - 1; i++)
      ck_assert_str_eq(PQgetvalue(rest, i, 0), PQgetvalue(page, i + 1, 0));
    compared += compare_rows(rest);
    PQclear(rest);
    const char *filtered[] = {org, "{plenipotentiary}", "nobody", NULL, NULL, NULL, NULL, "201"};
    PGresult *list = dbt_query(SURVEYS_LIST_SQL, 8, filtered);
    ck_assert_int_eq(PQntuples(list), n);
    for (int i = 0; i < n; i++)
      ck_assert_str_eq(PQgetvalue(list, i, 0), PQgetvalue(page, i, 0));
    compared += compare_rows(list);
    PQclear(list);
    for (int i = 0; i < n; i++) {
      const char *get[] = {org, PQgetvalue(page, i, 0), "{plenipotentiary}", "nobody"};
      PGresult *one = dbt_query(SURVEYS_GET_SQL, 4, get);
      ck_assert_int_eq(PQntuples(one), 1);
      ck_assert_str_eq(PQgetvalue(one, 0, SURVEY_NCOLS + 1), "t");
      compared += compare_rows(one);
      PQclear(one);
    }
    PQclear(page);
  }
  PQclear(orgs);
  ck_assert_int_gt(compared, 8);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* The unfiltered pages list exactly what zsz_survey_readable lets (org, sub, roles) read, and
 * the GET says the same of each survey. */
static void pages_keep_the_rule(const char *org, const char *sub, const char *roles) {
  const char *rule[] = {org, sub, roles};
  PGresult *want = dbt_query("SELECT s.id::text FROM surveys s WHERE s.org_id = $1 "
                             "AND zsz_survey_readable(s, $3::text[], $2) ORDER BY s.id DESC LIMIT 201",
                             3, rule);
  const char *first[] = {org, roles, sub};
  PGresult *page = dbt_query(SURVEYS_FIRST_SQL(PAGE_LIMIT_LARGE), 3, first);
  ck_assert_int_eq(PQntuples(page), PQntuples(want));
  for (int i = 0; i < PQntuples(want); i++)
    ck_assert_str_eq(PQgetvalue(page, i, 0), PQgetvalue(want, i, 0));
  if (PQntuples(want) > 1) {
    const char *next[] = {org, roles, sub, PQgetvalue(want, 0, 0)};
    PGresult *rest = dbt_query(SURVEYS_NEXT_SQL(PAGE_LIMIT_LARGE), 4, next);
    ck_assert_int_eq(PQntuples(rest), PQntuples(want) - 1);
    for (int i = 1; i < PQntuples(want); i++)
      ck_assert_str_eq(PQgetvalue(rest, i - 1, 0), PQgetvalue(want, i, 0));
    PQclear(rest);
  }
  PGresult *all = dbt_query("SELECT s.id::text, zsz_survey_readable(s, $3::text[], $2)::text FROM surveys s "
                            "WHERE s.org_id = $1 ORDER BY s.id",
                            3, rule);
  for (int i = 0; i < PQntuples(all); i++) {
    const char *get[] = {org, PQgetvalue(all, i, 0), roles, sub};
    PGresult *one = dbt_query(SURVEYS_GET_SQL, 4, get);
    ck_assert_int_eq(PQntuples(one), 1);
    ck_assert_str_eq(PQgetvalue(one, 0, SURVEY_NCOLS + 1), PQgetvalue(all, i, 1)[0] == 't' ? "t" : "f");
    PQclear(one);
  }
  PQclear(all);
  PQclear(page);
  PQclear(want);
}

START_TEST(pages_list_what_the_rule_lets_read) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  /* a survey of a process with an owner, one of no process: the owner reads one, not the other */
  dbt_exec("UPDATE processes SET owner = 'dbtest.owner' WHERE id = (SELECT min(p.id) FROM processes p "
           "JOIN organisations o ON o.id = p.org_id WHERE o.code = 'krakow')",
           0, NULL);
  dbt_exec("INSERT INTO surveys (org_id, title, kind, year, process_ids, public_id) "
           "SELECT o.id, 'Owned', 'ad_hoc', 2030, ARRAY[(SELECT min(p.id) FROM processes p WHERE p.org_id = o.id)], "
           "'ownedownedownedownedow' FROM organisations o WHERE o.code = 'krakow'",
           0, NULL);
  dbt_exec("INSERT INTO surveys (org_id, title, kind, year, public_id) "
           "SELECT o.id, 'Nobody''s', 'ad_hoc', 2030, 'nobodynobodynobodynobo' FROM organisations o "
           "WHERE o.code = 'krakow'",
           0, NULL);
  PGresult *who = dbt_query("SELECT DISTINCT s.org_id::text, p.owner FROM surveys s JOIN processes p "
                            "ON p.org_id = s.org_id AND p.id = ANY (s.process_ids) WHERE p.owner IS NOT NULL "
                            "UNION SELECT DISTINCT org_id::text, 'nobody' FROM surveys ORDER BY 1, 2",
                            0, NULL);
  ck_assert_int_gt(PQntuples(who), 1);
  static const char *const ROLES[] = {"{plenipotentiary}", "{president}", "{process_owner}",
                                      "{iod,auditor}",     "{employee}",  "{process_owner,employee}"};
  int listed_some = 0, listed_none = 0;
  for (int i = 0; i < PQntuples(who); i++) {
    for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++) {
      pages_keep_the_rule(PQgetvalue(who, i, 0), PQgetvalue(who, i, 1), ROLES[k]);
      const char *rule[] = {PQgetvalue(who, i, 0), PQgetvalue(who, i, 1), ROLES[k]};
      long long n = dbt_int(
          "SELECT count(*) FROM surveys s WHERE s.org_id = $1 AND zsz_survey_readable(s, $3::text[], $2)", 3, rule);
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

DBT_MAIN("survey_render", 120, surveys_render_as_zsz_survey_json, pages_list_what_the_rule_lets_read)
