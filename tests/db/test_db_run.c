/* Database suite for api/core/db.c against the test cluster: the transaction runner
 * (retries of serialization failures and deadlocks with backoff, lost connections before and
 * during COMMIT, the snapshot a multi-statement read is run again in, read-only reads) and the
 * prepared-statement cache keyed by the SQL text. Each work records what happened in its
 * argument; the tests assert on that and on what the owner sees committed afterwards. */

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbtest.h"
#include "result.h"

#define MAX_ATTEMPTS 4 /* as in db.c */
#define STMT_SLOTS 256 /* as in db.c */
#define RUNS 8

static const char RAISE_40001[] = "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$";
static const char RAISE_40P01[] = "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$";
static const char INSERT_WRITE[] = "INSERT INTO " DBT_SCHEMA ".writes (tag, run) VALUES ($1, $2::integer)";

static struct db_pool *pool;

static void setup(void) {
  pool = db_pool_new(dbt_url(), 1); /* one connection: every run reuses it (or its successor) */
  ck_assert_ptr_nonnull(pool);
  dbt_exec("TRUNCATE " DBT_SCHEMA ".writes", 0, NULL);
  dbt_log_clear();
}

static void teardown(void) {
  db_pool_free(pool);
  pool = NULL;
}

/* What the runs of a work saw. */
struct probe {
  const char *tag;
  const char *raise; /* a statement failing with a SQLSTATE, run by the first fail_runs runs */
  int fail_runs;
  int runs;
  double at[RUNS];     /* when each run started (ms) */
  char state[RUNS][6]; /* the SQLSTATE a statement of the run failed with; "" none */
  int pid[RUNS];       /* the backend that served the run */
  int killed;          /* the owner terminated the backend of the first run */
  /* the snapshot works: what each of two statements saw */
  long long count[RUNS][2];
  char now[RUNS][2][64], snap[RUNS][2][64], iso[RUNS][2][32], ro[RUNS][2][8];
  int statements[RUNS]; /* statements that answered */
  /* the statement-cache works */
  char buf[128];
  char got[4][64];
  long long prepared;
  int wrong;
};

static void run(const struct db_tx_opts *opts, db_work_fn work, struct probe *p, struct result *res) {
  memset(res, 0, sizeof *res);
  db_run(pool, opts, work, p, res, "dbtest");
  ck_assert_int_eq(db_pool_in_use(pool), 0);
}

/* The index of a new run, or -1 (after setting 500) when a work ran far too often. */
static int next_run(struct probe *p, struct result *res) {
  if (p->runs >= RUNS) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return -1;
  }
  p->at[p->runs] = dbt_now_ms();
  return p->runs++;
}

static void note_failure(struct probe *p, int i, const struct db_tx *tx) {
  snprintf(p->state[i], sizeof p->state[i], "%s", tx->sqlstate);
}

static int insert_write(struct db_tx *tx, const char *tag, int run) {
  char n[12];
  snprintf(n, sizeof n, "%d", run);
  const char *params[] = {tag, n};
  PGresult *r = db_exec(tx, INSERT_WRITE, 2, params);
  PQclear(r);
  return r != NULL ? 0 : -1;
}

static const char *run_written(const char *tag) {
  static char out[16];
  const char *params[] = {tag};
  snprintf(out, sizeof out, "%lld", dbt_int("SELECT run FROM " DBT_SCHEMA ".writes WHERE tag = $1", 1, params));
  return out;
}

/* ---- retries --------------------------------------------------------------------------- */

/* Writes (tag, run); the first fail_runs runs then fail with p->raise. */
static void write_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0 || insert_write(tx, p->tag, i + 1) != 0) {
    if (i >= 0) note_failure(p, i, tx);
    return;
  }
  if (i < p->fail_runs) {
    PQclear(db_exec(tx, p->raise, 0, NULL));
    note_failure(p, i, tx);
    return;
  }
  result_raw(res, 200, "{}");
}

static void retried_once(const char *sqlstate, const char *raise) {
  struct probe p = {.tag = sqlstate, .raise = raise, .fail_runs = 1};
  struct db_tx_opts opts = {.label = "retry"};
  struct result res;
  run(&opts, write_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 2);
  ck_assert_str_eq(p.state[0], sqlstate);
  ck_assert_str_eq(p.state[1], "");
  /* the first run's write was rolled back with it; the second one's is committed, once */
  ck_assert_int_eq(dbt_writes(p.tag), 1);
  ck_assert_str_eq(run_written(p.tag), "2");
  result_reset(&res);
}

START_TEST(serialization_failure_retried) {
  retried_once("40001", RAISE_40001);
}
END_TEST

START_TEST(deadlock_retried) {
  retried_once("40P01", RAISE_40P01);
}
END_TEST

START_TEST(retries_bounded_with_backoff) {
  struct probe p = {.tag = "always", .raise = RAISE_40001, .fail_runs = RUNS};
  struct db_tx_opts opts = {.label = "retry"};
  struct result res;
  run(&opts, write_work, &p, &res);
  ck_assert_int_eq(p.runs, MAX_ATTEMPTS);
  for (int i = 0; i < MAX_ATTEMPTS; i++) {
    ck_assert_str_eq(p.state[i], "40001");
  }
  ck_assert_int_eq(res.status, 503);
  ck_assert_int_eq(res.kind, PROBLEM_SERVICE_UNAVAILABLE);
  ck_assert_int_eq(dbt_writes(p.tag), 0);
  /* before attempt n+1 the runner waits at least 2^n ms (plus jitter): the gaps grow */
  double total = 0;
  for (int i = 1; i < MAX_ATTEMPTS; i++) {
    double gap = p.at[i] - p.at[i - 1];
    ck_assert_msg(gap >= (double)(1 << i), "gap before attempt %d: %.3f ms, want >= %d ms", i + 1, gap, 1 << i);
    total += gap;
  }
  ck_assert_msg(total >= 14.0, "4 attempts took %.3f ms, want >= 2+4+8 ms", total);
  result_reset(&res);
}
END_TEST

/* Writes the same row twice: a unique violation, which no retry can cure. */
static void duplicate_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  if (insert_write(tx, p->tag, 1) != 0 || insert_write(tx, p->tag, 1) != 0) {
    note_failure(p, i, tx);
    return;
  }
  result_raw(res, 200, "{}");
}

START_TEST(constraint_violation_not_retried) {
  struct probe p = {.tag = "dup"};
  struct db_tx_opts opts = {0};
  struct result res;
  run(&opts, duplicate_work, &p, &res);
  ck_assert_int_eq(p.runs, 1);
  ck_assert_str_eq(p.state[0], "23505");
  ck_assert_int_eq(res.status, 409);
  ck_assert_int_eq(dbt_writes(p.tag), 0);
  result_reset(&res);
}
END_TEST

/* Writes, then refuses the request: nothing may be committed. */
static void refusing_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0 || insert_write(tx, p->tag, 1) != 0) return;
  result_problem(res, PROBLEM_CONFLICT, MSG_DUPLICATE_CODE);
}

START_TEST(refused_work_rolled_back) {
  struct probe p = {.tag = "refused"};
  struct db_tx_opts opts = {0};
  struct result res;
  run(&opts, refusing_work, &p, &res);
  ck_assert_int_eq(p.runs, 1);
  ck_assert_int_eq(res.status, 409);
  ck_assert_int_eq(res.kind, PROBLEM_CONFLICT);
  ck_assert_int_eq(dbt_writes(p.tag), 0);
  result_reset(&res);
}
END_TEST

/* ---- lost connections -------------------------------------------------------------------- */

static int backend_pid(struct db_tx *tx) {
  PGresult *r = db_exec(tx, "SELECT pg_backend_pid()", 0, NULL);
  int pid = r ? atoi(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return pid;
}

/* The first run's backend is terminated from outside (as a restarted server would) before
 * its write; then it writes (tag, run). */
static void killed_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  p->pid[i] = backend_pid(tx);
  if (p->pid[i] < 0) {
    note_failure(p, i, tx);
    return;
  }
  if (i == 0) {
    p->killed = dbt_terminate(p->pid[i]);
  }
  if (insert_write(tx, p->tag, i + 1) != 0) {
    note_failure(p, i, tx);
    return;
  }
  result_raw(res, 200, "{}");
}

static int connection_state(const char *s) {
  return strncmp(s, "08", 2) == 0 || strncmp(s, "57P", 3) == 0;
}

START_TEST(connection_lost_before_commit_retried) {
  struct probe p = {.tag = "lost"};
  struct db_tx_opts opts = {.label = "lost"};
  struct result res;
  run(&opts, killed_work, &p, &res);
  ck_assert_int_eq(p.killed, 1);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 2);
  ck_assert_msg(connection_state(p.state[0]), "first run failed with %s", p.state[0]);
  ck_assert_str_eq(p.state[1], "");
  ck_assert_int_ne(p.pid[1], p.pid[0]); /* on a new connection */
  ck_assert_int_eq(dbt_writes(p.tag), 1);
  ck_assert_str_eq(run_written(p.tag), "2");
  ck_assert_int_ge(dbt_log_count("db: connection failure"), 1);
  result_reset(&res);
}
END_TEST

/* A read of one statement: its backend and the processes its tenant sees. */
static void pid_count_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  PGresult *r = db_exec(tx, "SELECT pg_backend_pid(), count(*) FROM processes", 0, NULL);
  if (r == NULL) {
    note_failure(p, i, tx);
    return;
  }
  p->pid[i] = atoi(PQgetvalue(r, 0, 0));
  p->count[i][0] = atoll(PQgetvalue(r, 0, 1));
  PQclear(r);
  result_raw(res, 200, "{}");
}

START_TEST(connection_lost_between_requests_healed) {
  long long org = dbt_org_id("krakow");
  char o[24];
  snprintf(o, sizeof o, "%lld", org);
  const char *params[] = {o};
  long long want = dbt_int("SELECT count(*) FROM processes WHERE org_id = $1", 1, params);
  ck_assert_int_gt(want, 0);
  struct db_tx_opts opts = {.org_id = org, .read_only = 1, .label = "idle"};
  struct probe first = {0}, second = {0};
  struct result res;
  run(&opts, pid_count_work, &first, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(first.count[0][0], want);
  result_reset(&res);
  /* the idle connection dies (a restarted server); the pool does not know yet */
  ck_assert_int_eq(dbt_terminate(first.pid[0]), 1);
  run(&opts, pid_count_work, &second, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(second.runs, 2);
  ck_assert_msg(connection_state(second.state[0]), "first run failed with %s", second.state[0]);
  ck_assert_int_ne(second.pid[1], first.pid[0]);
  /* the tenant was set again on the new connection */
  ck_assert_int_eq(second.count[1][0], want);
  result_reset(&res);
}
END_TEST

/* Writes a row whose deferred trigger kills the backend during COMMIT. */
static void commit_dies_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  if (insert_write(tx, DBT_DIE_AT_COMMIT, i + 1) != 0) {
    note_failure(p, i, tx);
    return;
  }
  result_raw(res, 200, "{}");
}

START_TEST(connection_lost_during_commit_not_retried) {
  struct probe p = {0};
  struct db_tx_opts opts = {.label = "commit"};
  struct result res;
  run(&opts, commit_dies_work, &p, &res);
  /* the outcome of a COMMIT without an answer is unknown: never run the work again */
  ck_assert_int_eq(p.runs, 1);
  ck_assert_int_eq(res.status, 503);
  ck_assert_int_eq(res.kind, PROBLEM_SERVICE_UNAVAILABLE);
  ck_assert_int_eq(dbt_writes(DBT_DIE_AT_COMMIT), 0);
  ck_assert_int_ge(dbt_log_count("db: connection failure"), 1);
  result_reset(&res);
  /* the pool heals: the next transaction gets a new connection */
  struct probe next = {.tag = "after-commit-lost"};
  run(&opts, write_work, &next, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(next.runs, 1);
  ck_assert_int_eq(dbt_writes(next.tag), 1);
  result_reset(&res);
}
END_TEST

/* ---- reads: snapshot and read-only -------------------------------------------------------- */

static const char SNAP_SQL[] = "SELECT count(*), now()::text, pg_current_snapshot()::text, "
                               "current_setting('transaction_isolation'), current_setting('transaction_read_only') "
                               "FROM " DBT_SCHEMA ".writes WHERE tag = 'snap'";

/* Two statements; between them another session commits a row they count. */
static void two_statement_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  for (int k = 0; k < 2; k++) {
    PGresult *r = db_exec(tx, SNAP_SQL, 0, NULL);
    if (r == NULL) {
      note_failure(p, i, tx);
      return;
    }
    p->statements[i]++;
    p->count[i][k] = atoll(PQgetvalue(r, 0, 0));
    snprintf(p->now[i][k], sizeof p->now[i][k], "%s", PQgetvalue(r, 0, 1));
    snprintf(p->snap[i][k], sizeof p->snap[i][k], "%s", PQgetvalue(r, 0, 2));
    snprintf(p->iso[i][k], sizeof p->iso[i][k], "%s", PQgetvalue(r, 0, 3));
    snprintf(p->ro[i][k], sizeof p->ro[i][k], "%s", PQgetvalue(r, 0, 4));
    PQclear(r);
    if (k == 0) {
      char n[12];
      snprintf(n, sizeof n, "%d", 10 * p->runs + k);
      const char *params[] = {n};
      dbt_exec("INSERT INTO " DBT_SCHEMA ".writes (tag, run) VALUES ('snap', $1::integer)", 1, params);
    }
  }
  result_raw(res, 200, "{}");
}

static void assert_one_snapshot(const struct probe *p, int i) {
  ck_assert_int_eq(p->statements[i], 2);
  ck_assert_str_eq(p->iso[i][0], "repeatable read");
  ck_assert_str_eq(p->iso[i][1], "repeatable read");
  ck_assert_str_eq(p->ro[i][0], "on");
  ck_assert_str_eq(p->ro[i][1], "on");
  /* the row committed between the statements is not seen by the second one */
  ck_assert_int_eq(p->count[i][1], p->count[i][0]);
  ck_assert_str_eq(p->now[i][1], p->now[i][0]);
  ck_assert_str_eq(p->snap[i][1], p->snap[i][0]);
}

START_TEST(multi_statement_read_rerun_in_snapshot) {
  struct probe p = {0};
  struct db_tx_opts opts = {.org_id = dbt_org_id("krakow"), .read_only = 1, .label = "/dbtest/two-statements"};
  struct result res;
  run(&opts, two_statement_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 2);
  /* first run: one statement alone (autocommit, still read-only), the second one stopped */
  ck_assert_int_eq(p.statements[0], 1);
  ck_assert_str_eq(p.state[0], DB_NEEDS_SNAPSHOT);
  ck_assert_str_eq(p.iso[0][0], "read committed");
  ck_assert_str_eq(p.ro[0][0], "on");
  /* second run: both statements in one REPEATABLE READ READ ONLY snapshot */
  assert_one_snapshot(&p, 1);
  ck_assert_int_eq(dbt_writes("snap"), 2); /* the rows were committed, only not seen */
  ck_assert_int_eq(dbt_log_count("declare ROUTE_SNAPSHOT"), 1);
  ck_assert_int_eq(dbt_log_count("/dbtest/two-statements"), 1);
  result_reset(&res);
}
END_TEST

START_TEST(declared_snapshot_read_runs_once) {
  struct probe p = {0};
  struct db_tx_opts opts = {.org_id = dbt_org_id("krakow"), .read_only = 1, .snapshot = 1, .label = "declared"};
  struct result res;
  run(&opts, two_statement_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 1);
  assert_one_snapshot(&p, 0);
  ck_assert_int_eq(dbt_writes("snap"), 1);
  ck_assert_int_eq(dbt_log_count("declare ROUTE_SNAPSHOT"), 0);
  result_reset(&res);
}
END_TEST

/* The control: a read-write transaction (READ COMMITTED) sees the row committed between its
 * statements, so the snapshot tests above can tell a snapshot from none. */
START_TEST(read_write_transaction_sees_commits) {
  struct probe p = {0};
  struct db_tx_opts opts = {.org_id = dbt_org_id("krakow"), .label = "control"};
  struct result res;
  run(&opts, two_statement_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 1);
  ck_assert_int_eq(p.statements[0], 2);
  ck_assert_str_eq(p.iso[0][0], "read committed");
  ck_assert_str_eq(p.ro[0][0], "off");
  ck_assert_int_eq(p.count[0][1], p.count[0][0] + 1);
  result_reset(&res);
}
END_TEST

/* One statement that a read must not run: a write (p->tag) or a lock (p->raise holds it). */
static void forbidden_read_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  int ok;
  if (p->raise != NULL) {
    PGresult *r = db_exec(tx, p->raise, 0, NULL);
    ok = r != NULL;
    PQclear(r);
  } else {
    ok = insert_write(tx, p->tag, i + 1) == 0;
  }
  if (!ok) {
    note_failure(p, i, tx);
    return;
  }
  result_raw(res, 200, "{}");
}

static void assert_refused(int snapshot, const char *tag, const char *lock_sql) {
  struct probe p = {.tag = tag, .raise = lock_sql};
  struct db_tx_opts opts = {.org_id = dbt_org_id("krakow"), .read_only = 1, .snapshot = snapshot, .label = "ro"};
  struct result res;
  run(&opts, forbidden_read_work, &p, &res);
  ck_assert_int_eq(p.runs, 1);
  ck_assert_str_eq(p.state[0], "25006"); /* read_only_sql_transaction */
  ck_assert_int_eq(res.status, 500);
  ck_assert_int_eq(res.kind, PROBLEM_INTERNAL);
  ck_assert_int_eq(dbt_writes(tag), 0);
  result_reset(&res);
}

START_TEST(read_refuses_write) {
  assert_refused(0, "ro-autocommit", NULL); /* a one-statement read, run alone */
  assert_refused(1, "ro-snapshot", NULL);
}
END_TEST

START_TEST(read_refuses_lock) {
  static const char LOCK[] = "SELECT id FROM " DBT_SCHEMA ".writes FOR UPDATE";
  dbt_exec("INSERT INTO " DBT_SCHEMA ".writes (tag, run) VALUES ('locked', 1)", 0, NULL);
  assert_refused(0, "ro-lock-autocommit", LOCK);
  assert_refused(1, "ro-lock-snapshot", LOCK);
}
END_TEST

/* ---- the statement cache ---------------------------------------------------------------- */

static int exec_text(struct db_tx *tx, const char *sql, char *out, size_t size) {
  PGresult *r = db_exec(tx, sql, 0, NULL);
  if (r == NULL) return -1;
  snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  return 0;
}

/* Prepared statements of this session whose text is one of texts. */
static long long prepared_count(struct db_tx *tx, const char *a, const char *b) {
  const char *params[] = {a, b};
  PGresult *r = db_exec(tx, "SELECT count(*) FROM pg_prepared_statements WHERE statement IN ($1, $2)", 2, params);
  long long n = r ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

static const char SAME_TEXT[] = "SELECT 'same text'::text";

static void same_text_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  if (next_run(p, res) < 0) return;
  char *copy = strdup(SAME_TEXT); /* the same text at another address */
  if (copy == NULL || exec_text(tx, SAME_TEXT, p->got[0], sizeof p->got[0]) != 0 ||
      exec_text(tx, copy, p->got[1], sizeof p->got[1]) != 0) {
    free(copy);
    return;
  }
  free(copy);
  p->prepared = prepared_count(tx, SAME_TEXT, SAME_TEXT);
  if (p->prepared >= 0) result_raw(res, 200, "{}");
}

START_TEST(same_text_shares_statement) {
  struct probe p = {0};
  struct db_tx_opts opts = {0};
  struct result res;
  run(&opts, same_text_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_str_eq(p.got[0], "same text");
  ck_assert_str_eq(p.got[1], "same text");
  ck_assert_int_eq(p.prepared, 1);
  result_reset(&res);
}
END_TEST

static const char FIRST_TEXT[] = "SELECT 'first'::text";
static const char LATER_TEXT[] = "SELECT 'later'::text"; /* as long as FIRST_TEXT */
static const char THIRD_TEXT[] = "SELECT 'third'::text";

/* The same buffer holds one text, then another of the same length. */
static void reused_buffer_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  if (next_run(p, res) < 0) return;
  snprintf(p->buf, sizeof p->buf, "%s", FIRST_TEXT);
  if (exec_text(tx, p->buf, p->got[0], sizeof p->got[0]) != 0) return;
  snprintf(p->buf, sizeof p->buf, "%s", LATER_TEXT);
  if (exec_text(tx, p->buf, p->got[1], sizeof p->got[1]) != 0) return;
  p->prepared = prepared_count(tx, FIRST_TEXT, LATER_TEXT);
  if (p->prepared >= 0) result_raw(res, 200, "{}");
}

/* The buffer as the previous transaction left it, with a new text. */
static void buffer_next_request_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  if (next_run(p, res) < 0) return;
  snprintf(p->buf, sizeof p->buf, "%s", THIRD_TEXT);
  if (exec_text(tx, p->buf, p->got[2], sizeof p->got[2]) == 0) result_raw(res, 200, "{}");
}

START_TEST(reused_buffer_runs_new_text) {
  ck_assert_uint_eq(strlen(FIRST_TEXT), strlen(LATER_TEXT));
  struct probe p = {0};
  struct db_tx_opts opts = {0};
  struct result res;
  run(&opts, reused_buffer_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_str_eq(p.got[0], "first");
  ck_assert_str_eq(p.got[1], "later"); /* not the statement prepared from the buffer's old text */
  ck_assert_int_eq(p.prepared, 2);
  result_reset(&res);
  run(&opts, buffer_next_request_work, &p, &res); /* same connection, next transaction */
  ck_assert_int_eq(res.status, 200);
  ck_assert_str_eq(p.got[2], "third");
  result_reset(&res);
}
END_TEST

/* FNV-1a 64, the hash db.c files statements under (slot = hash % STMT_SLOTS). Only used to
 * find two texts that start in the same slot; the test holds whatever the hash is. */
static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

/* Two texts "SELECT '0'..." and "SELECT '<n>'..." in one slot; returns n. */
static int colliding_texts(char a[64], char b[64]) {
  snprintf(a, 64, "SELECT '%d'::text AS collide", 0);
  uint64_t want = fnv1a(a) % STMT_SLOTS;
  for (int i = 1; i < 100000; i++) {
    snprintf(b, 64, "SELECT '%d'::text AS collide", i);
    if (fnv1a(b) % STMT_SLOTS == want) return i;
  }
  ck_abort_msg("no two texts in one slot");
  return -1;
}

static void collision_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  char a[64], b[64];
  if (next_run(p, res) < 0) return;
  colliding_texts(a, b);
  if (exec_text(tx, a, p->got[0], sizeof p->got[0]) != 0 || exec_text(tx, b, p->got[1], sizeof p->got[1]) != 0 ||
      exec_text(tx, a, p->got[2], sizeof p->got[2]) != 0 || exec_text(tx, b, p->got[3], sizeof p->got[3]) != 0) {
    return;
  }
  p->prepared = prepared_count(tx, a, b);
  if (p->prepared >= 0) result_raw(res, 200, "{}");
}

START_TEST(texts_in_one_slot_kept_apart) {
  char a[64], b[64], other[16];
  snprintf(other, sizeof other, "%d", colliding_texts(a, b));
  struct probe p = {0};
  struct db_tx_opts opts = {0};
  struct result res;
  run(&opts, collision_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_str_eq(p.got[0], "0");
  ck_assert_str_eq(p.got[1], other);
  ck_assert_str_eq(p.got[2], "0");
  ck_assert_str_eq(p.got[3], other);
  ck_assert_int_eq(p.prepared, 2);
  result_reset(&res);
}
END_TEST

#define MANY (STMT_SLOTS + 44)

static void many_statements_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  char got[16], want[16];
  if (next_run(p, res) < 0) return;
  for (int i = 0; i < MANY; i++) {
    snprintf(p->buf, sizeof p->buf, "SELECT %d::integer AS overflow", i);
    snprintf(want, sizeof want, "%d", i);
    if (exec_text(tx, p->buf, got, sizeof got) != 0) return;
    p->wrong += strcmp(got, want) != 0;
  }
  PGresult *r = db_exec(tx, "SELECT count(*) FROM pg_prepared_statements", 0, NULL);
  if (r == NULL) return;
  p->prepared = atoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  /* again: the first texts from the cache, the last ones unprepared */
  for (int i = 0; i < MANY; i += MANY - 1) {
    snprintf(p->buf, sizeof p->buf, "SELECT %d::integer AS overflow", i);
    snprintf(want, sizeof want, "%d", i);
    if (exec_text(tx, p->buf, got, sizeof got) != 0) return;
    p->wrong += strcmp(got, want) != 0;
  }
  result_raw(res, 200, "{}");
}

START_TEST(more_statements_than_slots_still_run) {
  struct probe p = {0};
  struct db_tx_opts opts = {0};
  struct result res;
  run(&opts, many_statements_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.wrong, 0);
  ck_assert_int_eq(p.prepared, STMT_SLOTS); /* the cache is full; the rest ran unprepared */
  result_reset(&res);
  /* the connection still serves transactions (BEGIN and the tenant are cached) */
  struct probe next = {.tag = "after-many"};
  run(&opts, write_work, &next, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(dbt_writes(next.tag), 1);
  result_reset(&res);
}
END_TEST

/* ---- statements sent ahead (db_send / db_receive) -------------------------------------- */

/* Sends a write, does other work (a write of its own tag is refused while the answer is owed),
 * receives the answer, then writes again; with p->fail_runs the sent statement fails instead. */
static void send_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  const char *params[] = {p->tag, "1"};
  if (db_send(tx, p->fail_runs ? RAISE_40P01 : INSERT_WRITE, p->fail_runs ? 0 : 2, params) != 0) {
    note_failure(p, i, tx);
    return;
  }
  PGresult *r = db_receive(tx);
  if (r == NULL) {
    note_failure(p, i, tx);
    return;
  }
  p->statements[i] = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  ck_assert_ptr_null(db_receive(tx)); /* nothing owed any more */
  if (insert_write(tx, p->tag, 2) != 0) {
    note_failure(p, i, tx);
    return;
  }
  result_raw(res, 200, "{}");
}

START_TEST(sent_statement_answers_and_commits) {
  struct probe p = {.tag = "sent"};
  struct db_tx_opts opts = {.label = "send"};
  struct result res;
  run(&opts, send_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 1);
  ck_assert_int_eq(p.statements[0], 1);
  ck_assert_int_eq(dbt_writes(p.tag), 2);
  result_reset(&res);
}
END_TEST

START_TEST(sent_statement_failure_is_retried_as_any) {
  /* a deadlock answered to a sent statement: the transaction is run again, as for db_exec;
   * every run fails the same way, so the retries are bounded and nothing is written */
  struct probe p = {.tag = "sent-fails", .fail_runs = 1};
  struct db_tx_opts opts = {.label = "send"};
  struct result res;
  run(&opts, send_work, &p, &res);
  ck_assert_int_eq(p.runs, MAX_ATTEMPTS);
  ck_assert_str_eq(p.state[0], "40P01");
  ck_assert_int_ge(res.status, 500);
  ck_assert_int_eq(dbt_writes(p.tag), 0);
  result_reset(&res);
}
END_TEST

/* Runs a statement while a sent one's answer is owed (refused: the transaction fails), or
 * leaves the answer unread for db_run (left_unread). */
static void owed_work(struct db_tx *tx, void *arg, struct result *res) {
  struct probe *p = arg;
  int i = next_run(p, res);
  if (i < 0) return;
  const char *params[] = {p->tag, "1"};
  if (db_send(tx, INSERT_WRITE, 2, params) != 0) return;
  if (p->fail_runs) { /* left unread: db_run reads it before COMMIT */
    result_raw(res, 200, "{}");
    return;
  }
  PGresult *r = db_exec(tx, "SELECT 1", 0, NULL);
  p->statements[i] = r != NULL;
  PQclear(r);
  note_failure(p, i, tx);
  result_raw(res, 200, "{}");
}

START_TEST(statement_while_answer_owed_fails_the_transaction) {
  struct probe p = {.tag = "owed"};
  struct db_tx_opts opts = {.label = "owed"};
  struct result res;
  run(&opts, owed_work, &p, &res);
  ck_assert_int_eq(p.statements[0], 0);
  ck_assert_str_eq(p.state[0], "XX000");
  ck_assert_int_ge(res.status, 500);
  ck_assert_int_eq(dbt_writes(p.tag), 0);
  ck_assert_int_ge(dbt_log_count("before the answer of the one sent was received"), 1);
  result_reset(&res);
  /* the connection serves the next transaction */
  struct probe next = {.tag = "after-owed"};
  run(&opts, write_work, &next, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(dbt_writes(next.tag), 1);
  result_reset(&res);
}
END_TEST

START_TEST(answer_left_unread_is_read_before_commit) {
  struct probe p = {.tag = "unread", .fail_runs = 1};
  struct db_tx_opts opts = {.label = "unread"};
  struct result res;
  run(&opts, owed_work, &p, &res);
  ck_assert_int_eq(res.status, 200);
  ck_assert_int_eq(p.runs, 1);
  ck_assert_int_eq(dbt_writes(p.tag), 1);
  result_reset(&res);
}
END_TEST

/* ---- plan modes: db_exec_generic runs the generic plan, db_exec PostgreSQL's choice ---------- */

/* A key lookup in a small table: PostgreSQL's own choice is a custom plan at every call (a seq
 * scan of a few rows looks cheaper than the generic index scan), the case db_exec_generic is for. */
static const char GENERIC_LOOKUP[] = "SELECT code FROM organisations WHERE id = $1::bigint AND code IS NOT NULL";
static const char AUTO_LOOKUP[] = "SELECT code FROM organisations WHERE id = $1::bigint AND name IS NOT NULL";

struct plan_probe {
  int runs;
  int refuse;         /* the work answers 409 after its statements (its transaction rolls back) */
  int fail;           /* the work's last statement fails (division by zero) */
  int generic;        /* the lookup runs by db_exec_generic, else db_exec */
  long long plans[2]; /* generic_plans, custom_plans of the lookup after the run */
  char mode[32];      /* the connection's plan_cache_mode after the lookup */
};

/* Runs the lookup, then reads (statements without parameters: they switch nothing) the
 * connection's mode and the lookup's plan counts. */
static void plan_work(struct db_tx *tx, void *arg, struct result *res) {
  struct plan_probe *p = arg;
  const char *id[] = {"1"};
  const char *sql = p->generic ? GENERIC_LOOKUP : AUTO_LOOKUP;
  p->runs++;
  PGresult *r = p->generic ? db_exec_generic(tx, sql, 1, id) : db_exec(tx, sql, 1, id);
  if (r == NULL) return;
  PQclear(r);
  r = db_exec(tx, "SELECT current_setting('plan_cache_mode')", 0, NULL);
  if (r == NULL) return;
  snprintf(p->mode, sizeof p->mode, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  r = db_exec(tx,
              p->generic ? "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE "
                           "'SELECT code FROM organisations WHERE id = $1::bigint AND code%'"
                         : "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE "
                           "'SELECT code FROM organisations WHERE id = $1::bigint AND name%'",
              0, NULL);
  if (r == NULL) return;
  p->plans[0] = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
  p->plans[1] = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 1)) : -1;
  PQclear(r);
  if (p->fail) {
    const char *zero[] = {"0"};
    PQclear(db_exec_generic(tx, "SELECT 1 / $1::integer", 1, zero));
    return;
  }
  if (p->refuse) {
    result_problem(res, PROBLEM_CONFLICT, MSG_INTERNAL);
    return;
  }
  result_raw(res, 200, "{}");
}

static void run_plan(struct plan_probe *p, const struct db_tx_opts *opts, int expect_status) {
  struct result res;
  memset(&res, 0, sizeof res);
  db_run(pool, opts, plan_work, p, &res, "dbtest");
  ck_assert_int_eq(res.status, expect_status);
  result_reset(&res);
}

START_TEST(generic_statement_runs_generic_plan) {
  struct db_tx_opts opts = {0};
  struct plan_probe p = {.generic = 1};
  for (int i = 1; i <= 3; i++) {
    run_plan(&p, &opts, 200);
    ck_assert_str_eq(p.mode, "force_generic_plan");
    ck_assert_int_eq(p.plans[0], i); /* every call its generic plan, from the first */
    ck_assert_int_eq(p.plans[1], 0);
  }
  /* a statement left to PostgreSQL switches the connection back: custom plans, as before */
  struct plan_probe a = {0};
  for (int i = 1; i <= 3; i++) {
    run_plan(&a, &opts, 200);
    ck_assert_str_eq(a.mode, "auto");
    ck_assert_int_eq(a.plans[0], 0);
    ck_assert_int_eq(a.plans[1], i);
  }
  /* and again the generic one, in a read of one statement (outside a transaction) as well */
  p.plans[0] = 0;
  run_plan(&p, &opts, 200);
  ck_assert_str_eq(p.mode, "force_generic_plan");
  ck_assert_int_eq(p.plans[0], 4);
  ck_assert_int_eq(p.plans[1], 0);
}
END_TEST

START_TEST(switch_taken_back_by_rollback_made_again) {
  struct db_tx_opts opts = {0};
  struct plan_probe a = {0};
  run_plan(&a, &opts, 200); /* the connection in auto mode */
  ck_assert_str_eq(a.mode, "auto");
  struct plan_probe p = {.generic = 1, .refuse = 1};
  run_plan(&p, &opts, 409); /* switched in a transaction that rolled back: auto again */
  ck_assert_str_eq(p.mode, "force_generic_plan");
  ck_assert_int_eq(p.plans[0], 1);
  p.refuse = 0;
  run_plan(&p, &opts, 200); /* the switch is made again, not taken as held */
  ck_assert_str_eq(p.mode, "force_generic_plan");
  ck_assert_int_eq(p.plans[0], 2);
  ck_assert_int_eq(p.plans[1], 0);
}
END_TEST

/* A read of one statement, run by its generic plan, that fails. */
static void failing_generic_read(struct db_tx *tx, void *arg, struct result *res) {
  (void)arg;
  const char *zero[] = {"0"};
  PGresult *r = db_exec_generic(tx, "SELECT 1 / $1::integer", 1, zero);
  if (r != NULL) {
    PQclear(r);
    result_raw(res, 200, "{}");
  }
}

START_TEST(switch_taken_back_by_failure_made_again) {
  struct db_tx_opts opts = {0};
  struct plan_probe a = {0};
  run_plan(&a, &opts, 200);
  struct plan_probe p = {.generic = 1, .fail = 1};
  run_plan(&p, &opts, 422); /* switched, then a statement failed: the transaction aborted */
  ck_assert_int_eq(p.runs, 1);
  p.fail = 0;
  run_plan(&p, &opts, 200);
  ck_assert_str_eq(p.mode, "force_generic_plan");
  ck_assert_int_eq(p.plans[0], 2);
  ck_assert_int_eq(p.plans[1], 0);
  /* a generic statement that fails outside a transaction: its switch goes with it */
  a.plans[1] = 0;
  run_plan(&a, &opts, 200);
  ck_assert_str_eq(a.mode, "auto");
  struct db_tx_opts read = {.read_only = 1};
  struct result res;
  memset(&res, 0, sizeof res);
  db_run(pool, &read, failing_generic_read, NULL, &res, "dbtest");
  ck_assert_int_eq(res.status, 422); /* division by zero */
  result_reset(&res);
  run_plan(&a, &opts, 200); /* no switch owed: auto, custom plans */
  ck_assert_str_eq(a.mode, "auto");
  run_plan(&p, &opts, 200);
  ck_assert_str_eq(p.mode, "force_generic_plan");
  ck_assert_int_eq(p.plans[1], 0);
}
END_TEST

static Suite *db_run_suite(void) {
  Suite *s = suite_create("db_run");
  TCase *t = tcase_create("retries");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, serialization_failure_retried);
  tcase_add_test(t, deadlock_retried);
  tcase_add_test(t, retries_bounded_with_backoff);
  tcase_add_test(t, constraint_violation_not_retried);
  tcase_add_test(t, refused_work_rolled_back);
  suite_add_tcase(s, t);
  t = tcase_create("connections");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, connection_lost_before_commit_retried);
  tcase_add_test(t, connection_lost_between_requests_healed);
  tcase_add_test(t, connection_lost_during_commit_not_retried);
  suite_add_tcase(s, t);
  t = tcase_create("reads");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, multi_statement_read_rerun_in_snapshot);
  tcase_add_test(t, declared_snapshot_read_runs_once);
  tcase_add_test(t, read_write_transaction_sees_commits);
  tcase_add_test(t, read_refuses_write);
  tcase_add_test(t, read_refuses_lock);
  suite_add_tcase(s, t);
  t = tcase_create("statement_cache");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, same_text_shares_statement);
  tcase_add_test(t, reused_buffer_runs_new_text);
  tcase_add_test(t, texts_in_one_slot_kept_apart);
  tcase_add_test(t, more_statements_than_slots_still_run);
  suite_add_tcase(s, t);
  t = tcase_create("sent");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, sent_statement_answers_and_commits);
  tcase_add_test(t, sent_statement_failure_is_retried_as_any);
  tcase_add_test(t, statement_while_answer_owed_fails_the_transaction);
  tcase_add_test(t, answer_left_unread_is_read_before_commit);
  suite_add_tcase(s, t);
  t = tcase_create("plan modes");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, generic_statement_runs_generic_plan);
  tcase_add_test(t, switch_taken_back_by_rollback_made_again);
  tcase_add_test(t, switch_taken_back_by_failure_made_again);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  dbt_init();
  SRunner *sr = srunner_create(db_run_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
