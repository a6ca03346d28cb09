/* Database suite: tenant isolation at the database wall. db_run sets the tenant of each
 * transaction (zsz.org_id, per session for one-statement reads); row-level security then
 * shows zsz_app only that organisation's rows, even to a statement that forgets
 * "WHERE org_id". Counts are compared with what the owner (not bound by RLS) sees per
 * organisation in the seeded database. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbtest.h"
#include "result.h"

/* Every tenant table of the foundation, counted without any WHERE. */
#define TABLES 6
static const char *const TABLE_NAMES[TABLES] = {"processes", "process_versions", "process_change_requests",
                                                "users",     "org_units",        "change_log"};
static const char COUNT_ALL[] = "SELECT pg_backend_pid(), (SELECT count(*) FROM processes), "
                                "(SELECT count(*) FROM process_versions), "
                                "(SELECT count(*) FROM process_change_requests), (SELECT count(*) FROM users), "
                                "(SELECT count(*) FROM org_units), (SELECT count(*) FROM change_log)";

static struct db_pool *pool;
static long long krakow, lublin;

static void setup(void) {
  pool = db_pool_new(dbt_url(), 1);
  ck_assert_ptr_nonnull(pool);
  krakow = dbt_org_id("krakow");
  lublin = dbt_org_id("lublin");
}

static void teardown(void) {
  db_pool_free(pool);
  pool = NULL;
}

struct seen {
  int runs;
  int pid;
  long long count[TABLES];
  char state[6];
};

static void count_work(struct db_tx *tx, void *arg, struct result *res) {
  struct seen *s = arg;
  s->runs++;
  PGresult *r = db_exec(tx, COUNT_ALL, 0, NULL);
  if (r == NULL) {
    snprintf(s->state, sizeof s->state, "%s", tx->sqlstate);
    return;
  }
  s->pid = atoi(PQgetvalue(r, 0, 0));
  for (int i = 0; i < TABLES; i++) {
    s->count[i] = atoll(PQgetvalue(r, 0, i + 1));
  }
  PQclear(r);
  result_raw(res, 200, "{}");
}

/* The rows of table that belong to org, as the owner sees them; 0 for no tenant (then RLS
 * shows nothing). */
static long long owner_count(const char *table, long long org) {
  char sql[128], o[24];
  if (org <= 0) {
    return 0;
  }
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE org_id = $1", table);
  snprintf(o, sizeof o, "%lld", org);
  const char *params[] = {o};
  return dbt_int(sql, 1, params);
}

enum mode { AUTOCOMMIT_READ, SNAPSHOT_READ, READ_WRITE };

/* Counts as tenant org in one mode; returns the backend that served it. */
static int assert_sees_own(long long org, enum mode mode) {
  struct seen s = {0};
  struct db_tx_opts opts = {
      .org_id = org, .read_only = mode != READ_WRITE, .snapshot = mode == SNAPSHOT_READ, .label = "tenancy"};
  struct result res = {0};
  db_run(pool, &opts, count_work, &s, &res, "dbtest");
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(s.runs, 1);
  for (int i = 0; i < TABLES; i++) {
    long long want = owner_count(TABLE_NAMES[i], org);
    ck_assert_msg(s.count[i] == want, "%s as org %lld (mode %d): saw %lld rows, the organisation has %lld",
                  TABLE_NAMES[i], org, (int)mode, s.count[i], want);
  }
  result_reset(&res);
  return s.pid;
}

START_TEST(each_tenant_sees_only_its_rows) {
  /* the seed has rows of both organisations, so a count of all rows would differ */
  ck_assert_int_gt(owner_count("processes", krakow), 0);
  ck_assert_int_gt(owner_count("processes", lublin), 0);
  ck_assert_int_ne(owner_count("processes", krakow), owner_count("processes", lublin));
  for (int m = AUTOCOMMIT_READ; m <= READ_WRITE; m++) {
    assert_sees_own(krakow, (enum mode)m);
    assert_sees_own(lublin, (enum mode)m);
    assert_sees_own(0, (enum mode)m); /* no tenant: nothing */
  }
}
END_TEST

/* One connection serves tenants in turn: the session tenant of one-statement reads follows
 * each request, and the transaction tenant of the others does not leak into the next read. */
START_TEST(one_connection_switches_tenants) {
  static const struct {
    int org; /* 1 krakow, 2 lublin, 0 none */
    enum mode mode;
  } steps[] = {
      {1, AUTOCOMMIT_READ}, {2, AUTOCOMMIT_READ}, {1, READ_WRITE},    {2, AUTOCOMMIT_READ}, {2, READ_WRITE},
      {2, AUTOCOMMIT_READ}, {0, AUTOCOMMIT_READ}, {1, SNAPSHOT_READ}, {0, READ_WRITE},      {1, AUTOCOMMIT_READ},
      {1, AUTOCOMMIT_READ}, {0, AUTOCOMMIT_READ}, {2, SNAPSHOT_READ}, {2, AUTOCOMMIT_READ},
  };
  int pid = 0;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    long long org = steps[i].org == 1 ? krakow : steps[i].org == 2 ? lublin : 0;
    int p = assert_sees_own(org, steps[i].mode);
    if (i > 0) {
      ck_assert_msg(p == pid, "step %zu ran on another connection", i);
    }
    pid = p;
  }
}
END_TEST

struct foreign_write {
  const char *sql;
  long long other;
  int runs;
  char state[6];
  long long touched;
};

/* A write naming another organisation's rows; refused or reaching nothing. Never commits. */
static void foreign_write_work(struct db_tx *tx, void *arg, struct result *res) {
  struct foreign_write *w = arg;
  char o[24];
  w->runs++;
  snprintf(o, sizeof o, "%lld", w->other);
  const char *params[] = {o};
  PGresult *r = db_exec(tx, w->sql, 1, params);
  if (r == NULL) {
    snprintf(w->state, sizeof w->state, "%s", tx->sqlstate);
    return;
  }
  w->touched = PQntuples(r);
  PQclear(r);
  /* whatever happened, do not keep it */
  result_problem(res, PROBLEM_CONFLICT, MSG_DUPLICATE_CODE);
}

START_TEST(writes_to_another_tenant_refused) {
  long long before = owner_count("org_units", lublin);
  struct db_tx_opts opts = {.org_id = krakow, .label = "foreign"};
  struct result res = {0};
  /* inserting a row of lublin as krakow: the policy's WITH CHECK refuses it */
  struct foreign_write ins = {
      .sql = "INSERT INTO org_units (org_id, code, name) VALUES ($1, 'DBTEST', 'dbtest') RETURNING id",
      .other = lublin};
  db_run(pool, &opts, foreign_write_work, &ins, &res, "dbtest");
  ck_assert_int_eq(ins.runs, 1);
  ck_assert_str_eq(ins.state, "42501"); /* insufficient_privilege: row-level security */
  ck_assert_int_eq(res.status, 500);
  ck_assert_int_eq(owner_count("org_units", lublin), before);
  result_reset(&res);
  /* updating lublin's processes as krakow: RLS hides them, nothing is reached */
  struct foreign_write upd = {
      .sql = "UPDATE processes SET name = name WHERE org_id = $1 RETURNING id",
      .other = lublin,
  };
  db_run(pool, &opts, foreign_write_work, &upd, &res, "dbtest");
  ck_assert_int_eq(upd.runs, 1);
  ck_assert_str_eq(upd.state, "");
  ck_assert_int_eq(upd.touched, 0);
  result_reset(&res);
  /* the control: as lublin the same statement reaches lublin's processes (rolled back) */
  struct db_tx_opts own = {.org_id = lublin, .label = "own"};
  struct foreign_write mine = {.sql = upd.sql, .other = lublin};
  db_run(pool, &own, foreign_write_work, &mine, &res, "dbtest");
  ck_assert_str_eq(mine.state, "");
  ck_assert_int_eq(mine.touched, owner_count("processes", lublin));
  result_reset(&res);
}
END_TEST

static Suite *tenancy_suite(void) {
  Suite *s = suite_create("db_tenancy");
  TCase *t = tcase_create("rls");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, each_tenant_sees_only_its_rows);
  tcase_add_test(t, one_connection_switches_tenants);
  tcase_add_test(t, writes_to_another_tenant_refused);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  dbt_init();
  SRunner *sr = srunner_create(tenancy_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
