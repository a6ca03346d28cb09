/* Database suite: rows handed over one at a time (db_each_row, libpq's single-row mode) and
 * the CSV spool they feed (db_csv_cells, result_csv_begin/row/end): every row in order, a
 * stop that leaves the connection clean, a statement failing half-way, the spool's bytes. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbtest.h"
#include "result.h"

static struct db_pool *pool;

static void setup(void) {
  pool = db_pool_new(dbt_url(), 1);
  ck_assert_ptr_nonnull(pool);
}

static void teardown(void) {
  db_pool_free(pool);
  pool = NULL;
}

struct seen {
  long calls;
  long sum;
  long last;
  int in_order;
  long stop_after; /* 0: never stop */
  long returned;
  char state[6];
  long after; /* a statement run after db_each_row in the same transaction, -1 if none */
};

static int each(const PGresult *row, void *arg) {
  struct seen *s = arg;
  long v = atol(PQgetvalue(row, 0, 0));
  ck_assert_int_eq(PQntuples(row), 1);
  s->calls++;
  s->sum += v;
  if (v != s->last + 1) {
    s->in_order = 0;
  }
  s->last = v;
  return s->stop_after > 0 && s->calls >= s->stop_after ? -1 : 0;
}

/* the statement run() hands to run_work */
static const char *g_sql;

static void run_work(struct db_tx *tx, void *arg, struct result *res) {
  struct seen *s = arg;
  const char *params[] = {"1000"};
  s->returned = db_each_row(tx, g_sql, strstr(g_sql, "$1") ? 1 : 0, params, each, s);
  if (s->returned < 0) {
    snprintf(s->state, sizeof s->state, "%s", tx->sqlstate);
    return;
  }
  PGresult *r = db_exec(tx, "SELECT 41 + 1", 0, NULL);
  s->after = r ? atol(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  result_raw(res, 200, "{}");
}

static void run(const char *sql, struct seen *s) {
  struct db_tx_opts opts = {.org_id = 0, .actor = "dbtest", .read_only = 1, .snapshot = 1, .label = "dbtest"};
  struct result res = {0};
  g_sql = sql;
  s->in_order = 1;
  s->after = -1;
  db_run(pool, &opts, run_work, s, &res, "dbtest");
  result_reset(&res);
}

START_TEST(every_row_in_order) {
  struct seen s = {0};
  run("SELECT g FROM generate_series(1, $1::integer) AS g ORDER BY g", &s);
  ck_assert_int_eq(s.returned, 1000);
  ck_assert_int_eq(s.calls, 1000);
  ck_assert_int_eq(s.sum, 500500);
  ck_assert(s.in_order);
  ck_assert_int_eq(s.after, 42); /* the connection serves the next statement */
}
END_TEST

START_TEST(a_stop_reads_the_rest) {
  struct seen s = {.stop_after = 10};
  run("SELECT g FROM generate_series(1, $1::integer) AS g ORDER BY g", &s);
  ck_assert_int_eq(s.calls, 10);
  ck_assert_int_eq(s.returned, 1000); /* counted, not handed over */
  ck_assert_int_eq(s.after, 42);
}
END_TEST

START_TEST(a_failure_half_way) {
  struct seen s = {0};
  run("SELECT 10 / (5 - g) FROM generate_series(1, 10) AS g ORDER BY g", &s);
  ck_assert_int_eq(s.returned, -1);
  ck_assert_str_eq(s.state, "22012"); /* division by zero, at the fifth row */
  ck_assert_int_lt(s.calls, 5);
  ck_assert_int_eq(s.after, -1);
  /* and the pool's connection is usable by the next transaction */
  struct seen t = {0};
  run("SELECT g FROM generate_series(1, 3) AS g ORDER BY g", &t);
  ck_assert_int_eq(t.returned, 3);
  ck_assert_int_eq(t.after, 42);
}
END_TEST

static const enum csv_cell_kind CSV_KINDS[] = {CSV_CELL_TEXT, CSV_CELL_TEXT, CSV_CELL_TIMESTAMP};

static void csv_work(struct db_tx *tx, void *arg, struct result *res) {
  long *rows = arg;
  if (result_csv_begin(res, "a;b;c") != 0) {
    return;
  }
  /* cells made in C: a number, a text to quote (row 2) or NULL, a timestamp to the second */
  *rows = db_csv_cells(tx, res,
                       "SELECT g, CASE WHEN g = 2 THEN 'x;' || E'\\r\\n' END, "
                       "timestamptz '2026-11-20 10:00:00.75+00' + g * interval '1 hour' "
                       "FROM generate_series(1, 3) AS g ORDER BY g",
                       0, NULL, CSV_KINDS, 3);
  if (*rows >= 0) {
    result_csv_end(res);
  }
}

START_TEST(the_spool_holds_the_export) {
  struct db_tx_opts opts = {.org_id = 0, .actor = "dbtest", .read_only = 1, .snapshot = 1, .label = "dbtest"};
  struct result res = {0};
  long rows = -2;
  db_run(pool, &opts, csv_work, &rows, &res, "dbtest");
  ck_assert_int_eq(rows, 3);
  ck_assert_int_eq(res.status, 200);
  ck_assert_str_eq(res.content_type, "text/csv; charset=utf-8");
  ck_assert_ptr_nonnull(res.spool);
  char buf[256] = {0};
  rewind(res.spool);
  size_t n = fread(buf, 1, sizeof buf - 1, res.spool);
  const char want[] = "\xEF\xBB\xBF"
                      "a;b;c\r\n1;;2026-11-20T11:00:00+00:00\r\n2;\"x;\r\n\";2026-11-20T12:00:00+00:00\r\n"
                      "3;;2026-11-20T13:00:00+00:00\r\n";
  ck_assert_uint_eq(n, sizeof want - 1);
  ck_assert_int_eq(memcmp(buf, want, n), 0);
  result_reset(&res); /* closes the spool */
  ck_assert_ptr_null(res.spool);
}
END_TEST

static Suite *each_row_suite(void) {
  Suite *s = suite_create("db_each_row");
  TCase *t = tcase_create("single_row_mode");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, every_row_in_order);
  tcase_add_test(t, a_stop_reads_the_rest);
  tcase_add_test(t, a_failure_half_way);
  tcase_add_test(t, the_spool_holds_the_export);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  dbt_init();
  SRunner *sr = srunner_create(each_row_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
