/* Helpers of the database suites: see dbtest.h. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "dbtest.h"
#include "render.h"
#include "strbuf.h"

static const char *g_url;
static PGconn *g_owner;

#define LOG_KEEP 512
static char *g_log[LOG_KEEP];
static int g_nlog;

static void log_capture(void *cls, const char *app, const time_t date, const unsigned long level, const char *message) {
  (void)cls;
  (void)app;
  (void)date;
  (void)level;
  if (g_nlog < LOG_KEEP) {
    g_log[g_nlog++] = strdup(message);
  }
}

void dbt_log_clear(void) {
  for (int i = 0; i < g_nlog; i++) {
    free(g_log[i]);
    g_log[i] = NULL;
  }
  g_nlog = 0;
}

int dbt_log_count(const char *needle) {
  int n = 0;
  for (int i = 0; i < g_nlog; i++) {
    n += g_log[i] != NULL && strstr(g_log[i], needle) != NULL;
  }
  return n;
}

double dbt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

const char *dbt_url(void) {
  return g_url;
}

PGconn *dbt_owner(void) {
  if (g_owner == NULL || PQstatus(g_owner) != CONNECTION_OK) {
    PQfinish(g_owner);
    g_owner = PQconnectdb(g_url);
    if (PQstatus(g_owner) != CONNECTION_OK) {
      fprintf(stderr, "dbtest: cannot connect as the owner: %s", PQerrorMessage(g_owner));
      PQfinish(g_owner);
      g_owner = NULL;
    }
  }
  ck_assert_msg(g_owner != NULL, "owner connection to %s", g_url);
  return g_owner;
}

static PGresult *owner_run(const char *sql, int nparams, const char *const *params) {
  PGconn *pg = dbt_owner();
  /* without parameters: the simple protocol, so a setup script may hold several statements */
  PGresult *r = nparams == 0 ? PQexec(pg, sql) : PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
    PQclear(r);
    ck_abort_msg("owner statement failed: %s: %s", sql, msg);
  }
  return r;
}

PGresult *dbt_query(const char *sql, int nparams, const char *const *params) {
  return owner_run(sql, nparams, params);
}

void dbt_exec(const char *sql, int nparams, const char *const *params) {
  PQclear(owner_run(sql, nparams, params));
}

char *dbt_text(const char *sql, int nparams, const char *const *params) {
  PGresult *r = owner_run(sql, nparams, params);
  char *v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
  PQclear(r);
  return v;
}

long long dbt_int(const char *sql, int nparams, const char *const *params) {
  char *v = dbt_text(sql, nparams, params);
  long long n = v ? atoll(v) : -1;
  free(v);
  return n;
}

void dbt_try(const char *sql, int nparams, const char *const *params, char state[6]) {
  PGresult *r = PQexecParams(dbt_owner(), sql, nparams, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  snprintf(state, 6, "%s", st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : s ? s : "?????");
  PQclear(r);
}

long long dbt_writes(const char *tag) {
  const char *params[] = {tag};
  return dbt_int("SELECT count(*) FROM " DBT_SCHEMA ".writes WHERE tag = $1", 1, params);
}

long long dbt_org_id(const char *code) {
  const char *params[] = {code};
  long long id = dbt_int("SELECT id FROM organisations WHERE code = $1", 1, params);
  ck_assert_msg(id > 0, "seeded organisation %s", code);
  return id;
}

int dbt_terminate(int pid) {
  char p[16];
  snprintf(p, sizeof p, "%d", pid);
  const char *params[] = {p};
  /* with a timeout, pg_terminate_backend waits until the process has exited */
  char *v = dbt_text("SELECT pg_terminate_backend($1::integer, 5000)", 1, params);
  int ok = v != NULL && strcmp(v, "t") == 0;
  free(v);
  return ok;
}

static const char SCRATCH_SQL[] =
    "SET client_min_messages = warning;"
    "DROP SCHEMA IF EXISTS " DBT_SCHEMA " CASCADE;"
    "CREATE SCHEMA " DBT_SCHEMA ";"
    "CREATE TABLE " DBT_SCHEMA ".writes ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tag text NOT NULL,"
    "  run integer NOT NULL,"
    "  UNIQUE (tag, run));"
    /* zsz_app may not terminate the owner's sessions (the pool's connections log in as the
     * owner); this function runs as the owner, for the test of a connection lost during COMMIT.
     * The termination interrupts pg_sleep at once: the commit never completes. */
    "CREATE FUNCTION " DBT_SCHEMA ".die() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
    "  SET search_path = pg_catalog AS $$"
    "  BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN NULL; END $$;"
    "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON " DBT_SCHEMA ".writes"
    "  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.tag = '" DBT_DIE_AT_COMMIT "')"
    "  EXECUTE FUNCTION " DBT_SCHEMA ".die();"
    "GRANT USAGE ON SCHEMA " DBT_SCHEMA " TO zsz_app;"
    "GRANT SELECT, INSERT, UPDATE ON " DBT_SCHEMA ".writes TO zsz_app;";

void dbt_init(void) {
  g_url = getenv("ZSZ_DATABASE_URL");
  if (g_url == NULL || g_url[0] == '\0') {
    fprintf(stderr, "dbtest: ZSZ_DATABASE_URL is not set: the database suites run from scripts/test.sh "
                    "(meson test --suite db with the test cluster's URL)\n");
    exit(EXIT_FAILURE);
  }
  y_init_logs("zsz-dbtest", Y_LOG_MODE_CALLBACK, Y_LOG_LEVEL_DEBUG, NULL, "database suite");
  y_set_logs_callback(log_capture, NULL, "capturing logs");
  PGconn *pg = PQconnectdb(g_url);
  PGresult *r = PQstatus(pg) == CONNECTION_OK ? PQexec(pg, SCRATCH_SQL) : NULL;
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    fprintf(stderr, "dbtest: cannot create the scratch schema: %s", PQerrorMessage(pg));
    exit(EXIT_FAILURE);
  }
  PQclear(r);
  PQfinish(pg);
  dbt_log_clear();
}

void dbt_done(void) {
  PGconn *pg = PQconnectdb(g_url);
  PQclear(PQexec(pg, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " DBT_SCHEMA " CASCADE"));
  PQfinish(pg);
  PQfinish(g_owner);
  g_owner = NULL;
  dbt_log_clear();
  y_close_logs();
}

int dbt_renders_as_sql(const char *sql, const struct record_shape *shape, const char *what) {
  PGresult *r = dbt_query(sql, 0, NULL);
  int doc_col = shape->revision_col + 1;
  ck_assert_int_eq(PQnfields(r), doc_col + 1);
  for (int i = 0; i < PQntuples(r); i++) {
    struct strbuf b = {0};
    render_record(&b, r, i, shape);
    char *text = strbuf_steal(&b);
    json_error_t e;
    json_t *mine = json_loads(text, 0, &e);
    ck_assert_msg(mine != NULL, "%s %s rendered no JSON: %s (%s)", what, PQgetvalue(r, i, 0), text, e.text);
    json_t *theirs = json_loads(PQgetvalue(r, i, doc_col), 0, NULL);
    ck_assert_ptr_nonnull(theirs);
    ck_assert_msg(json_equal(mine, theirs), "%s %s:\n C:   %s\n SQL: %s", what, PQgetvalue(r, i, 0), text,
                  PQgetvalue(r, i, doc_col));
    json_decref(mine);
    json_decref(theirs);
    free(text);
  }
  int n = PQntuples(r);
  PQclear(r);
  return n;
}

int dbt_main(const char *name, int timeout, const TTest *const *tests, size_t ntests) {
  dbt_init();
  Suite *s = suite_create(name);
  TCase *tc = tcase_create(name);
  tcase_set_timeout(tc, timeout);
  for (size_t i = 0; i < ntests; i++)
    tcase_add_test(tc, tests[i]);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  dbt_done();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

PGconn *dbt_connect(void) {
  PGconn *pg = PQconnectdb(dbt_url());
  ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "connect: %s", PQerrorMessage(pg));
  return pg;
}

void dbt_conn_exec(PGconn *pg, const char *sql) {
  PGresult *r = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(r);
  ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
}

void dbt_wait_for_lock(PGconn *waiter) {
  char pid[16];
  snprintf(pid, sizeof pid, "%d", PQbackendPID(waiter));
  const char *params[] = {pid};
  double until = dbt_now_ms() + 10000;
  while (dbt_int("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::integer AND wait_event_type = 'Lock'", 1,
                 params) != 1) {
    ck_assert_msg(dbt_now_ms() < until, "session %s never waited for a lock", pid);
  }
}
