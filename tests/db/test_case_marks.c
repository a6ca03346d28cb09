/* Database suite: the two readings of EZD case marks agree. The server checks a mark with
 * case_mark_parse() (api/lib/case_mark.c); the index of stored marks is filled by
 * zsz_case_mark_parts() and zsz_case_marks_at() (migration 0020). Both are run over the shared
 * examples and over every one-character edit of them (a character dropped, or one of
 * ". - 0 1 A" put in), and must give the same answer: valid or not, and the same parts. And
 * zsz_case_refs_rebuild() (what migration 0020 ran over the rows stored before it) indexes a
 * record whose marks the triggers did not see. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_mark.h"
#include "case_mark_examples.h"
#include "dbtest.h"

static int utf8_valid(const char *s) {
  json_t *j = json_string(s); /* jansson refuses invalid UTF-8 */
  int ok = j != NULL;
  json_decref(j);
  return ok;
}

/* Compares both readings of text; returns 1 when it parses. */
static int agree(const char *text) {
  const char *params[] = {text};
  PGresult *r = PQexecParams(dbt_owner(),
                             "SELECT p.case_key, p.unit, p.jrwa, coalesce(p.folder, ''), p.number, p.year "
                             "FROM zsz_case_mark_parts($1) p",
                             1, NULL, params, NULL, NULL, 0);
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  ck_assert_int_eq(PQntuples(r), 1);
  struct case_mark m;
  int c_ok = case_mark_parse(text, &m) == CM_OK;
  int sql_ok = !PQgetisnull(r, 0, 0);
  ck_assert_msg(c_ok == sql_ok, "\"%s\": C says %s, SQL %s", text, c_ok ? "valid" : "invalid",
                sql_ok ? "valid" : "invalid");
  if (c_ok) {
    ck_assert_str_eq(PQgetvalue(r, 0, 0), m.key);
    ck_assert_str_eq(PQgetvalue(r, 0, 1), m.unit);
    ck_assert_str_eq(PQgetvalue(r, 0, 2), m.jrwa);
    ck_assert_str_eq(PQgetvalue(r, 0, 3), m.folder);
    ck_assert_int_eq(atol(PQgetvalue(r, 0, 4)), m.number);
    ck_assert_int_eq(atoi(PQgetvalue(r, 0, 5)), m.year);
  }
  PQclear(r);
  return c_ok;
}

START_TEST(examples_agree) {
  int valid = 0, checked = 0;
  for (size_t i = 0; i < CASE_MARK_EXAMPLE_COUNT; i++) {
    if (!utf8_valid(CASE_MARK_EXAMPLES[i].text)) continue; /* text PostgreSQL would not take */
    valid += agree(CASE_MARK_EXAMPLES[i].text);
    checked++;
  }
  ck_assert_int_gt(valid, 10);
  ck_assert_int_gt(checked - valid, 20);
}
END_TEST

START_TEST(edits_agree) {
  static const char INSERTS[] = ".-01A";
  char buf[2 * CASE_MARK_MAX];
  int valid = 0, checked = 0;
  for (size_t i = 0; i < CASE_MARK_EXAMPLE_COUNT; i++) {
    const char *t = CASE_MARK_EXAMPLES[i].text;
    size_t n = strlen(t);
    if (n + 2 > sizeof buf) continue;
    for (size_t k = 0; k <= n; k++) {
      if (k < n) { /* drop character k */
        memcpy(buf, t, k);
        strcpy(buf + k, t + k + 1);
        if (utf8_valid(buf)) {
          valid += agree(buf);
          checked++;
        }
      }
      for (const char *c = INSERTS; *c; c++) { /* put *c before character k */
        memcpy(buf, t, k);
        buf[k] = *c;
        strcpy(buf + k + 1, t + k);
        if (utf8_valid(buf)) {
          valid += agree(buf);
          checked++;
        }
      }
    }
  }
  ck_assert_int_gt(checked, 2000);
  ck_assert_int_gt(valid, 100);
}
END_TEST

/* The walk that names the fields (case_marks_collect) and the one that indexes stored rows. */
START_TEST(paths_agree) {
  static const struct {
    const char *doc, *path;
  } CASES[] = {
      {"{\"evidence\": [{\"znak_sprawy\": \"A.1.1.2024\"}, {\"znak_sprawy\": \"\"}, {},"
       " {\"znak_sprawy\": \"zły\"}, 7, {\"znak_sprawy\": 5}]}",
       "evidence[].znak_sprawy"},
      {"{\"evidence\": {\"text\": \"\", \"documents\": [{\"znak_sprawy\": \"B.2.2.2025\", \"document_id\": \"\"},"
       " {\"znak_sprawy\": \"C.3.3.2026.JK\"}]}}",
       "evidence.documents[].znak_sprawy"},
      {"{\"znak_sprawy\": \"WOU-II.0123.1.2024\"}", "znak_sprawy"},
      {"{\"znak_sprawy\": \"\"}", "znak_sprawy"},
      {"{\"evidence\": \"x\"}", "evidence[].znak_sprawy"},
      {"{\"evidence\": [[{\"znak_sprawy\": \"A.1.1.2024\"}]]}", "evidence[].znak_sprawy"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    json_t *doc = json_loads(CASES[i].doc, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *marks = case_marks_collect(doc, CASES[i].path);
    char *c_text = json_dumps(marks, JSON_COMPACT);
    const char *params[] = {CASES[i].doc, CASES[i].path};
    char *sql_text = dbt_text("SELECT coalesce(json_agg(json_build_object('field', m.field, 'mark', m.mark))::text, "
                              "'[]') FROM zsz_case_marks_at($1::jsonb, $2) m",
                              2, params);
    json_t *sql = json_loads(sql_text, 0, NULL);
    ck_assert_msg(json_equal(marks, sql), "%s along %s: C %s, SQL %s", CASES[i].doc, CASES[i].path, c_text, sql_text);
    free(c_text);
    free(sql_text);
    json_decref(sql);
    json_decref(marks);
    json_decref(doc);
  }
}
END_TEST

/* Runs sql on the owner connection; the test fails when it fails. Returns the result. */
static PGresult *owner_q(const char *sql) {
  PGresult *r = PQexec(dbt_owner(), sql);
  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
                PQresultErrorMessage(r));
  return r;
}

START_TEST(rebuild_indexes_what_is_stored) {
  PQclear(owner_q("BEGIN"));
  /* an incident's evidence changed behind the triggers' back, as rows stored before 0020 */
  PQclear(owner_q("ALTER TABLE incidents DISABLE TRIGGER incidents_case_refs_update"));
  PGresult *r = owner_q("UPDATE incidents SET evidence = '[{\"znak_sprawy\": \"BI.1.2026\"}, "
                        "{\"znak_sprawy\": \"BI.1431.5.2026.AK\", \"document_id\": \"D\"}, "
                        "{\"znak_sprawy\": \"\"}]' "
                        "WHERE id = (SELECT min(id) FROM incidents) RETURNING id");
  ck_assert_int_eq(PQntuples(r), 1);
  char id[24];
  snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  const char *params[] = {id};
  const char *rows_sql = "SELECT string_agg(field || '=' || znak_sprawy || '=' || coalesce(case_key, '-') || '=' "
                         "|| coalesce(jrwa, '-'), ' ' ORDER BY field) FROM case_references "
                         "WHERE entity = 'incident' AND record_id = $1::bigint";
  r = PQexecParams(dbt_owner(), rows_sql, 1, NULL, params, NULL, NULL, 0);
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  ck_assert_msg(PQgetisnull(r, 0, 0), "the triggers were off: %s", PQgetvalue(r, 0, 0));
  PQclear(r);
  long long before = dbt_int("SELECT count(*) FROM case_references", 0, NULL);
  r = owner_q("SELECT zsz_case_refs_rebuild()");
  long long indexed = atoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  ck_assert_int_eq(indexed, before + 2);
  r = PQexecParams(dbt_owner(), rows_sql, 1, NULL, params, NULL, NULL, 0);
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  /* the malformed mark keeps its text and no parts; the empty one cites nothing */
  ck_assert_str_eq(
      PQgetvalue(r, 0, 0),
      "evidence[0].znak_sprawy=BI.1.2026=-=- evidence[1].znak_sprawy=BI.1431.5.2026.AK=BI.1431.5.2026=1431");
  PQclear(r);
  PQclear(owner_q("ROLLBACK"));
}
END_TEST

DBT_MAIN("case_marks", 50, examples_agree, edits_agree, paths_agree, rebuild_indexes_what_is_stored)
