/* Database suite for the process register's query layer (api/registers/processes/queries.c)
 * against the seeded database, each call in a transaction with the tenant set as the
 * dispatcher sets it (reads read-only, the lock in a read-write transaction). Expected values
 * come from the owner's view of the same rows. Nothing is written. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbtest.h"
#include "processes/queries.h"
#include "render.h"
#include "result.h"
#include "strbuf.h"

#define MISSING_ID "999999999"

static struct db_pool *pool;
static long long krakow_id;
static char krakow[24], lublin[24];
static char gz1[24];     /* a krakow process (code "GZ 1") */
static char foreign[24]; /* a lublin process */

static void setup(void) {
  pool = db_pool_new(dbt_url(), 1);
  ck_assert_ptr_nonnull(pool);
  krakow_id = dbt_org_id("krakow");
  snprintf(krakow, sizeof krakow, "%lld", krakow_id);
  snprintf(lublin, sizeof lublin, "%lld", dbt_org_id("lublin"));
  const char *k[] = {krakow}, *l[] = {lublin};
  snprintf(gz1, sizeof gz1, "%lld", dbt_int("SELECT id FROM processes WHERE org_id = $1 AND code = 'GZ 1'", 1, k));
  snprintf(foreign, sizeof foreign, "%lld", dbt_int("SELECT min(id) FROM processes WHERE org_id = $1", 1, l));
  ck_assert_int_gt(atoll(gz1), 0);
  ck_assert_int_gt(atoll(foreign), 0);
}

static void teardown(void) {
  db_pool_free(pool);
  pool = NULL;
}

/* One call of the query layer and what it answered. */
struct call {
  const char *org;
  const char *id;
  int runs;
  enum db_status st;
  char state[6];
  /* lock */
  struct locked_process locked;
  char description[512];
  char nowait_state[6]; /* the owner's FOR UPDATE NOWAIT while the lock is held */
  /* list */
  const char *sort;
  const char *filter[5];
  const char *after_key, *after_id;
  int fetch;
  int rows;
  char keys[32][64], ids[32][24];
  char codes[32][64]; /* from the JSON document */
  /* scheme */
  char scheme[16];
  char prefixes[256];
  const char *code;
};

static void run_as(long long org, int read_only, db_work_fn work, struct call *c, struct result *res) {
  struct db_tx_opts opts = {.org_id = org, .read_only = read_only, .label = "processes"};
  memset(res, 0, sizeof *res);
  db_run(pool, &opts, work, c, res, "dbtest");
  ck_assert_int_eq(db_pool_in_use(pool), 0);
}

static void note(struct call *c, const struct db_tx *tx) {
  c->runs++;
  if (c->st == DB_ERROR) snprintf(c->state, sizeof c->state, "%s", tx->sqlstate);
}

/* ---- get / exists ------------------------------------------------------------------------ */

static void get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct call *c = arg;
  c->st = processes_q_get(NULL, tx, c->org, c->id, res);
  note(c, tx);
}

START_TEST(get_returns_the_record) {
  struct call c = {.org = krakow, .id = gz1};
  struct result res;
  run_as(krakow_id, 1, get_work, &c, &res);
  ck_assert_int_eq(c.runs, 1);
  ck_assert_int_eq(c.st, DB_ONE);
  ck_assert_int_eq(res.status, 200);
  const char *p[] = {gz1};
  ck_assert_int_eq(res.etag, dbt_int("SELECT revision FROM processes WHERE id = $1", 1, p));
  ck_assert_ptr_nonnull(res.raw_body);
  json_t *doc = json_loads(res.raw_body, 0, NULL);
  ck_assert_ptr_nonnull(doc);
  ck_assert_str_eq(json_string_value(json_object_get(doc, "code")), "GZ 1");
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "id")), atoll(gz1));
  json_decref(doc);
  result_reset(&res);
}
END_TEST

static void assert_get_none(const char *id) {
  struct call c = {.org = krakow, .id = id};
  struct result res;
  run_as(krakow_id, 1, get_work, &c, &res);
  ck_assert_int_eq(c.st, DB_NONE);
  ck_assert_int_eq(res.status, 404);
  ck_assert_int_eq(res.kind, PROBLEM_NOT_FOUND);
  ck_assert_ptr_null(res.raw_body);
  result_reset(&res);
}

START_TEST(get_missing_or_foreign_is_none) {
  assert_get_none(MISSING_ID);
  assert_get_none(foreign); /* another organisation's process does not exist here */
}
END_TEST

static void exists_work(struct db_tx *tx, void *arg, struct result *res) {
  struct call *c = arg;
  c->st = processes_q_exists(tx, c->org, c->id);
  note(c, tx);
  if (c->st != DB_ERROR) result_raw(res, 200, "{}");
}

static enum db_status exists(const char *id) {
  struct call c = {.org = krakow, .id = id};
  struct result res;
  run_as(krakow_id, 1, exists_work, &c, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(c.runs, 1);
  result_reset(&res);
  return c.st;
}

START_TEST(exists_tells_found_from_none) {
  ck_assert_int_eq(exists(gz1), DB_ONE);
  ck_assert_int_eq(exists(MISSING_ID), DB_NONE);
  ck_assert_int_eq(exists(foreign), DB_NONE);
}
END_TEST

/* ---- lock -------------------------------------------------------------------------------- */

static void lock_work(struct db_tx *tx, void *arg, struct result *res) {
  struct call *c = arg;
  c->st = processes_q_lock(tx, c->org, c->id, &c->locked);
  note(c, tx);
  if (c->st == DB_ONE) {
    snprintf(c->description, sizeof c->description, "%s", PQgetvalue(c->locked.row, 0, 3));
    /* while the lock is held another session cannot take it */
    const char *params[] = {c->id};
    dbt_try("SELECT 1 FROM processes WHERE id = $1::bigint FOR UPDATE NOWAIT", 1, params, c->nowait_state);
  }
  PQclear(c->locked.row);
  c->locked.row = NULL;
  if (c->st != DB_ERROR) result_raw(res, 200, "{}");
}

START_TEST(lock_takes_the_row) {
  struct call c = {.org = krakow, .id = gz1};
  struct result res;
  run_as(krakow_id, 0, lock_work, &c, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(c.runs, 1);
  ck_assert_int_eq(c.st, DB_ONE);
  const char *p[] = {gz1};
  char *status = dbt_text("SELECT status FROM processes WHERE id = $1", 1, p);
  char *owner = dbt_text("SELECT coalesce(owner, '') FROM processes WHERE id = $1", 1, p);
  char *description = dbt_text("SELECT description FROM processes WHERE id = $1", 1, p);
  ck_assert_str_eq(c.locked.status, status);
  ck_assert_str_eq(c.locked.owner, owner);
  ck_assert_str_eq(c.description, description);
  ck_assert_int_eq(c.locked.revision, dbt_int("SELECT revision FROM processes WHERE id = $1", 1, p));
  free(status);
  free(owner);
  free(description);
  ck_assert_str_eq(c.nowait_state, "55P03"); /* lock_not_available */
  /* the transaction is over: the lock is gone */
  char after[6];
  dbt_try("SELECT 1 FROM processes WHERE id = $1::bigint FOR UPDATE NOWAIT", 1, p, after);
  ck_assert_str_eq(after, "");
  result_reset(&res);
}
END_TEST

START_TEST(lock_missing_or_foreign_is_none) {
  const char *ids[] = {MISSING_ID, foreign};
  for (int i = 0; i < 2; i++) {
    struct call c = {.org = krakow, .id = ids[i]};
    struct result res;
    run_as(krakow_id, 0, lock_work, &c, &res);
    ck_assert_int_eq(c.st, DB_NONE);
    ck_assert_ptr_null(c.locked.row);
    ck_assert_int_eq(res.status, 200);
    result_reset(&res);
  }
}
END_TEST

START_TEST(read_cannot_lock) {
  struct call c = {.org = krakow, .id = gz1};
  struct result res;
  run_as(krakow_id, 1, lock_work, &c, &res);
  ck_assert_int_eq(c.st, DB_ERROR);
  ck_assert_str_eq(c.state, "25006");
  ck_assert_int_eq(res.status, 500);
  result_reset(&res);
}
END_TEST

/* ---- list -------------------------------------------------------------------------------- */

static void list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct call *c = arg;
  PGresult *r = processes_q_list(tx, c->sort, c->org, c->filter, c->after_key, c->after_id, c->fetch);
  c->st = r ? DB_ONE : DB_ERROR;
  note(c, tx);
  if (r == NULL) return;
  c->rows = PQntuples(r);
  for (int i = 0; i < c->rows && i < 32; i++) {
    struct strbuf b = {0};
    render_record(&b, r, i, &PROCESS_SHAPE);
    char *text = strbuf_steal(&b);
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    const char *code = json_string_value(json_object_get(doc, "code"));
    snprintf(c->codes[i], sizeof c->codes[i], "%s", code ? code : "?");
    json_decref(doc);
    /* the record's columns, its revision, then the two keys of the order */
    snprintf(c->keys[i], sizeof c->keys[i], "%s", PQgetvalue(r, i, PROCESS_SHAPE.revision_col + 1));
    snprintf(c->ids[i], sizeof c->ids[i], "%s", PQgetvalue(r, i, PROCESS_SHAPE.revision_col + 2));
  }
  PQclear(r);
  result_raw(res, 200, "{}");
}

static void list(struct call *c) {
  struct result res;
  c->org = krakow;
  if (c->fetch == 0) c->fetch = 32;
  run_as(krakow_id, 1, list_work, c, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(c->runs, 1); /* one statement: no snapshot needed */
  result_reset(&res);
}

/* The owner's ids and codes of krakow's processes matching where, in an order (test text). */
static PGresult *owner_ids(const char *where, const char *order_by) {
  char sql[384];
  snprintf(sql, sizeof sql, "SELECT id::text, code FROM processes WHERE org_id = %lld AND %s ORDER BY %s", krakow_id,
           where, order_by);
  PGresult *r = PQexec(dbt_owner(), sql);
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  return r;
}

/* How many rows a call reads of n there are: as many as it fetches when filtered; an
 * unfiltered page's statement (a generic plan) reads a page of its constant LIMIT, 51 or 201
 * (page_limit_index), which holds the rows fetched. */
static int rows_read(const struct call *c, int n) {
  int unfiltered = 1;
  for (int k = 0; k < 5; k++)
    unfiltered &= c->filter[k] == NULL;
  int size = unfiltered ? (page_limit_index(c->fetch) == 0 ? 51 : 201) : c->fetch;
  return n < size ? n : size;
}

/* c listed the owner's rows from index from on, as many as it reads (rows_read). */
static void assert_rows(const struct call *c, const char *where, const char *order_by, int from) {
  PGresult *want = owner_ids(where, order_by);
  int n = PQntuples(want) - from;
  ck_assert_int_eq(c->rows, rows_read(c, n));
  ck_assert_int_ge(c->rows, n < c->fetch ? n : c->fetch);
  for (int i = 0; i < c->rows && i < 32; i++) {
    ck_assert_str_eq(c->ids[i], PQgetvalue(want, i + from, 0));
    ck_assert_str_eq(c->codes[i], PQgetvalue(want, i + from, 1));
  }
  PQclear(want);
}

static void assert_order(const struct call *c, const char *order_by, int from) {
  assert_rows(c, "true", order_by, from);
}

START_TEST(list_in_each_allowed_order) {
  static const struct {
    const char *sort, *order_by;
  } orders[] = {
      {"code", "code, id"},
      {"-code", "code DESC, id DESC"},
      {"name", "name, id"},
      {"-name", "name DESC, id DESC"},
      {"created_at", "created_at, id"},
      {"-created_at", "created_at DESC, id DESC"},
      {"updated_at", "updated_at, id"},
      {"-updated_at", "updated_at DESC, id DESC"},
  };
  for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
    ck_assert_int_eq(processes_sort_known(orders[i].sort), 1);
    struct call c = {.sort = orders[i].sort};
    list(&c);
    assert_order(&c, orders[i].order_by, 0);
  }
  /* the first key is the sort key as text */
  struct call c = {.sort = "code"};
  list(&c);
  ck_assert_str_eq(c.keys[0], c.codes[0]);
}
END_TEST

START_TEST(list_sort_outside_allow_list_refused) {
  const char *bad[] = {"", "id", "CODE", "code ", "code,id", "code; DROP TABLE processes", "-", "--code"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(!processes_sort_known(bad[i]), "sort '%s' accepted", bad[i]);
  }
}
END_TEST

/* A first page of 3 rows, and the page after its last row by (key, id). */
static void assert_pages(const char *sort, const char *order_by) {
  PGresult *want = owner_ids("true", order_by);
  ck_assert_int_gt(PQntuples(want), 4);
  struct call first = {.sort = sort, .fetch = 3};
  list(&first);
  ck_assert_int_eq(first.rows, rows_read(&first, PQntuples(want)));
  ck_assert_int_ge(first.rows, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_str_eq(first.ids[i], PQgetvalue(want, i, 0));
  }
  struct call next = {.sort = sort, .after_key = first.keys[2], .after_id = first.ids[2]};
  list(&next);
  assert_order(&next, order_by, 3);
  PQclear(want);
}

START_TEST(list_pages_by_key) {
  assert_pages("code", "code, id");
  assert_pages("-code", "code DESC, id DESC");
  /* the seed inserts several processes in one statement: equal created_at, told apart by id */
  assert_pages("created_at", "created_at, id");
  assert_pages("-updated_at", "updated_at DESC, id DESC");
}
END_TEST

START_TEST(list_filters) {
  struct call category = {.sort = "code", .filter = {"management", NULL, NULL, NULL, NULL}};
  list(&category);
  ck_assert_int_gt(category.rows, 0);
  assert_rows(&category, "category = 'management'", "code, id", 0);
  struct call owner = {.sort = "-name", .filter = {NULL, "krakow.process_owner", NULL, NULL, NULL}};
  list(&owner);
  ck_assert_int_gt(owner.rows, 0);
  assert_rows(&owner, "owner = 'krakow.process_owner'", "name DESC, id DESC", 0);
  struct call status = {.sort = "code", .filter = {NULL, NULL, "retired", NULL, NULL}};
  list(&status);
  assert_rows(&status, "status = 'retired'", "code, id", 0);
  struct call q = {.sort = "code", .filter = {NULL, NULL, NULL, NULL, "gz 1"}};
  list(&q);
  ck_assert_int_ge(q.rows, 1);
  ck_assert_str_eq(q.codes[0], "GZ 1");
  for (int i = 0; i < q.rows; i++) {
    ck_assert_ptr_nonnull(strstr(q.codes[i], "GZ 1"));
  }
}
END_TEST

/* ---- scheme ------------------------------------------------------------------------------ */

static void scheme_work(struct db_tx *tx, void *arg, struct result *res) {
  struct call *c = arg;
  struct process_code_check check;
  c->st = processes_q_code_category(tx, c->org, c->code, &check);
  snprintf(c->scheme, sizeof c->scheme, "%s", check.category);
  snprintf(c->prefixes, sizeof c->prefixes, "%s", check.prefixes);
  note(c, tx);
  if (c->st != DB_ERROR) result_raw(res, 200, "{}");
}

/* The scheme is a row of the organisation: a code's category by it, under the tenant's
 * policy (another organisation's scheme is not seen). */
START_TEST(scheme_of_organisation) {
  const char *orgs[] = {krakow, krakow, krakow, lublin};
  const char *codes[] = {"GR 3.1", "PZ.4.4.5", "GZ 08", "GR 3.1"};
  const char *want[] = {"core", "", "", ""};
  const char *prefixes[] = {"GZ, GR, GW", "GZ, GR, GW", "GZ, GR, GW", ""};
  const enum db_status st[] = {DB_ONE, DB_ONE, DB_ONE, DB_NONE};
  for (int i = 0; i < 4; i++) {
    struct call c = {.org = orgs[i], .code = codes[i]};
    struct result res;
    run_as(krakow_id, 1, scheme_work, &c, &res);
    ck_assert_int_eq(c.st, st[i]);
    ck_assert_str_eq(c.scheme, want[i]);
    ck_assert_str_eq(c.prefixes, prefixes[i]);
    result_reset(&res);
  }
}
END_TEST

static Suite *processes_queries_suite(void) {
  Suite *s = suite_create("processes_queries");
  TCase *t = tcase_create("queries");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, get_returns_the_record);
  tcase_add_test(t, get_missing_or_foreign_is_none);
  tcase_add_test(t, exists_tells_found_from_none);
  tcase_add_test(t, lock_takes_the_row);
  tcase_add_test(t, lock_missing_or_foreign_is_none);
  tcase_add_test(t, read_cannot_lock);
  tcase_add_test(t, list_in_each_allowed_order);
  tcase_add_test(t, list_sort_outside_allow_list_refused);
  tcase_add_test(t, list_pages_by_key);
  tcase_add_test(t, list_filters);
  tcase_add_test(t, scheme_of_organisation);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  dbt_init();
  SRunner *sr = srunner_create(processes_queries_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
