/* Records rendered in C (api/core/render.c) against the register's SQL function that defines
 * the document (zsz_process_json): the same rows, parsed JSON equal, so that the two cannot
 * drift (the change feed renders with the SQL function). The rows: every seeded process, and
 * in a transaction rolled back at the end, processes with every kind of text (quotes,
 * backslashes, control characters, Polish letters, an emoji), nulls, fractions of a second
 * and a provenance. Each session time zone gives its own offsets (zsz_ts() renders in it). */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtest.h"
#include "processes/queries.h"
#include "render.h"
#include "strbuf.h"

static void run(PGconn *pg, const char *sql) {
  PGresult *r = PQexec(pg, sql);
  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
                PQerrorMessage(pg));
  PQclear(r);
}

/* Every process of the database: the columns a read selects (processes/queries.c) and,
 * after them, the SQL function's document. Returns how many were compared. */
static int compare_all(PGconn *pg) {
  PGresult *r =
      PQexec(pg, "SELECT p.id, p.code, p.name, p.category, p.parent_id, p.owner, p.org_unit_id, p.description, "
                 "p.status, p.version, p.created_at, p.updated_at, p.import_id, p.revision, "
                 "zsz_process_json(p)::text FROM processes p ORDER BY p.id");
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  int doc_col = PROCESS_SHAPE.revision_col + 1;
  ck_assert_int_eq(PQnfields(r), doc_col + 1);
  for (int i = 0; i < PQntuples(r); i++) {
    struct strbuf b = {0};
    render_record(&b, r, i, &PROCESS_SHAPE);
    char *text = strbuf_steal(&b);
    json_error_t e;
    json_t *mine = json_loads(text, 0, &e);
    ck_assert_msg(mine != NULL, "rendered no JSON: %s (%s)", text, e.text);
    json_t *theirs = json_loads(PQgetvalue(r, i, doc_col), 0, NULL);
    ck_assert_ptr_nonnull(theirs);
    ck_assert_msg(json_equal(mine, theirs), "process %s:\n C:   %s\n SQL: %s", PQgetvalue(r, i, 0), text,
                  PQgetvalue(r, i, doc_col));
    /* same members in the same order: the C text is stable, and the keys are the function's */
    ck_assert_uint_eq(json_object_size(mine), json_object_size(theirs));
    json_decref(mine);
    json_decref(theirs);
    free(text);
  }
  int n = PQntuples(r);
  PQclear(r);
  return n;
}

START_TEST(processes_render_as_zsz_process_json) {
  PGconn *pg = dbt_owner();
  run(pg, "BEGIN");
  run(pg, "SET LOCAL DateStyle = ISO");
  run(pg, "SET LOCAL zsz.actor = 'dbtest'");
  run(pg, "INSERT INTO imports (org_id, kind, mode, format, importer) "
          "SELECT id, 'processes', 'insert', 'json', 'dbtest' FROM organisations WHERE code = 'krakow'");
  run(pg, "INSERT INTO processes (org_id, code, name, category, owner, description, created_at, updated_at, import_id) "
          "SELECT o.id, 'GZ 900', E'Cudzysłów \" i \\\\ ukośnik\\t\\x01\\x1f\\x7f', 'management', NULL, "
          "E'Zażółć gęślą jaźń – „cytat” 😀\\r\\n\\b\\f/', '2026-03-28 23:59:59.999999+00', "
          "'1999-12-31 23:00:00.5+00', (SELECT max(id) FROM imports) FROM organisations o WHERE o.code = 'krakow'");
  run(pg, "INSERT INTO processes (org_id, code, name, category, owner, description, parent_id) "
          "SELECT o.id, 'GR 901', 'x', 'core', 'someone', '', p.id FROM organisations o "
          "JOIN processes p ON p.org_id = o.id AND p.code = 'GZ 900' WHERE o.code = 'krakow'");
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    run(pg, set);
    ck_assert_int_gt(compare_all(pg), 2);
  }
  run(pg, "ROLLBACK");
}
END_TEST

int main(void) {
  dbt_init();
  Suite *s = suite_create("render");
  TCase *tc = tcase_create("render");
  tcase_add_test(tc, processes_render_as_zsz_process_json);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
