/* Database suite for issue 15 against the test cluster: a periodic job's lock is held by one
 * instance at a time (two pools stand for two instances), the same with transaction pooling
 * (nothing outlives the transaction), and the shared public rate limit's SQL rule
 * (zsz_rate_take: a burst of per_minute, then refusals, refilled with time). */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbtest.h"
#include "jobs.h"
#include "result.h"

static struct db_pool *one, *two;

static void setup(void) {
  one = db_pool_new(dbt_url(), 1);
  two = db_pool_new(dbt_url(), 1);
  ck_assert_ptr_nonnull(one);
  ck_assert_ptr_nonnull(two);
}

static void teardown(void) {
  db_pool_free(one);
  db_pool_free(two);
  one = two = NULL;
}

struct lock_probe {
  long long org;
  int got_here;  /* this instance's try */
  int got_there; /* the other instance's try while this one holds the lock */
  int got_other; /* the other instance's try of another organisation meanwhile */
};

static void other_try(struct db_tx *tx, void *arg, struct result *res) {
  int *got = arg;
  *got = job_try_lock(tx, "dbtest_job", 1);
  res->status = 200;
}

static void other_try_org2(struct db_tx *tx, void *arg, struct result *res) {
  int *got = arg;
  *got = job_try_lock(tx, "dbtest_job", 2);
  res->status = 200;
}

/* Takes the lock on pool one, and while holding it has pool two try. */
static void hold_and_ask(struct db_tx *tx, void *arg, struct result *res) {
  struct lock_probe *p = arg;
  p->got_here = job_try_lock(tx, "dbtest_job", 1);
  struct result r2 = {0};
  struct db_tx_opts o2 = {.label = "other instance"};
  db_run(two, &o2, other_try, &p->got_there, &r2, "dbtest");
  result_reset(&r2);
  db_run(two, &o2, other_try_org2, &p->got_other, &r2, "dbtest");
  result_reset(&r2);
  res->status = 200;
}

static void check_once_at_a_time(void) {
  struct lock_probe p = {0};
  struct result res = {0};
  struct db_tx_opts opts = {.label = "instance one"};
  db_run(one, &opts, hold_and_ask, &p, &res, "dbtest");
  ck_assert_int_eq(res.status, 200);
  result_reset(&res);
  ck_assert_int_eq(p.got_here, 1);
  ck_assert_msg(p.got_there == 0, "the other instance got the lock one held (%d)", p.got_there);
  ck_assert_int_eq(p.got_other, 1); /* per (job, organisation) */
  /* the transaction ended: the lock went with it, the other instance gets it now */
  int got = -1;
  struct db_tx_opts o2 = {.label = "other instance"};
  db_run(two, &o2, other_try, &got, &res, "dbtest");
  result_reset(&res);
  ck_assert_int_eq(got, 1);
}

START_TEST(job_lock_held_by_one_instance_at_a_time) {
  check_once_at_a_time();
}
END_TEST

START_TEST(job_lock_with_transaction_pooling) {
  db_pool_set_transaction_pooling(one, 1);
  db_pool_set_transaction_pooling(two, 1);
  check_once_at_a_time();
  check_once_at_a_time(); /* and again: nothing was left on the connections */
}
END_TEST

struct take {
  const char *key;
  char taken[8][8];
  double tokens[8];
  int n;
};

static void take_work(struct db_tx *tx, void *arg, struct result *res) {
  struct take *t = arg;
  const char *params[] = {t->key, "3"};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT taken::text, tokens FROM zsz_rate_take($1::bytea, $2::float8)", 2, params, &st);
  if (r == NULL) {
    return;
  }
  snprintf(t->taken[t->n], sizeof t->taken[0], "%s", PQgetvalue(r, 0, 0));
  t->tokens[t->n] = atof(PQgetvalue(r, 0, 1));
  t->n++;
  PQclear(r);
  res->status = 200;
}

static void take(struct db_pool *pool, struct take *t) {
  struct result res = {0};
  struct db_tx_opts opts = {.label = "rate"};
  db_run(pool, &opts, take_work, t, &res, "dbtest");
  ck_assert_int_eq(res.status, 200);
  result_reset(&res);
}

START_TEST(shared_rate_rule) {
  const char *key = "\\x0123456789abcdef0123456789abcdef";
  const char *params[] = {key};
  dbt_exec("DELETE FROM public_rate_buckets WHERE key = $1::bytea", 1, params);
  struct take t = {.key = key};
  /* 3 a minute: three pass, whichever instance is asked, then the fourth is refused */
  take(one, &t);
  take(two, &t);
  take(one, &t);
  take(two, &t);
  ck_assert_str_eq(t.taken[0], "true");
  ck_assert_str_eq(t.taken[1], "true");
  ck_assert_str_eq(t.taken[2], "true");
  ck_assert_str_eq(t.taken[3], "false");
  ck_assert(t.tokens[0] > 1.9 && t.tokens[0] <= 2.0);
  ck_assert(t.tokens[2] >= 0.0 && t.tokens[2] < 0.1);
  ck_assert(t.tokens[3] < 1.0);
  /* twenty seconds later (the bucket's clock moved back) a token has come back, one only */
  dbt_exec("UPDATE public_rate_buckets SET at = at - 20 WHERE key = $1::bytea", 1, params);
  take(one, &t);
  take(two, &t);
  ck_assert_str_eq(t.taken[4], "true");
  ck_assert_str_eq(t.taken[5], "false");
  /* a bucket untouched for more than two minutes is pruned (it would be full again) */
  dbt_exec("UPDATE public_rate_buckets SET at = at - 200 WHERE key = $1::bytea", 1, params);
  dbt_exec("SELECT zsz_rate_prune()", 0, NULL);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM public_rate_buckets WHERE key = $1::bytea", 1, params), 0);
}
END_TEST

static Suite *scale_suite(void) {
  Suite *s = suite_create("scale_db");
  TCase *t = tcase_create("instances");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_set_timeout(t, 30);
  tcase_add_test(t, job_lock_held_by_one_instance_at_a_time);
  tcase_add_test(t, job_lock_with_transaction_pooling);
  tcase_add_test(t, shared_rate_rule);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  dbt_init();
  SRunner *sr = srunner_create(scale_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
