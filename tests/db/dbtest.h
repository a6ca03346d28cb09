#ifndef ZSZ_DBTEST_H
#define ZSZ_DBTEST_H
/* Helpers of the database suites (tests/db/): they run against the test cluster that
 * scripts/test.sh prepares (migrated and seeded), named by ZSZ_DATABASE_URL (the schema
 * owner; the pool switches to zsz_app). What the suites write goes to a scratch schema of
 * their own (DBT_SCHEMA), created at start and dropped at the end, so the API tests that
 * follow see the seeded database unchanged. */

#include <check.h>
#include <libpq-fe.h>
#include <stddef.h>

struct record_shape;

#define DBT_SCHEMA "zsz_dbtest"
/* A row inserted into DBT_SCHEMA.writes with this tag kills its own backend when its
 * transaction commits (a deferred constraint trigger): a connection lost during COMMIT. */
#define DBT_DIE_AT_COMMIT "die-at-commit"

/* Reads ZSZ_DATABASE_URL, sends the server's log messages to a buffer the tests can search,
 * and creates the scratch schema. Exits with a message when there is no database. */
void dbt_init(void);
/* Drops the scratch schema, closes the owner connection and the logs. */
void dbt_done(void);

const char *dbt_url(void);
/* A connection as the schema owner (not zsz_app, not bound by RLS), separate from any pool. */
PGconn *dbt_owner(void);

/* Runs sql as the owner (text parameters); the test fails when it fails. */
void dbt_exec(const char *sql, int nparams, const char *const *params);
/* The same, with its result (caller PQclear()s). */
PGresult *dbt_query(const char *sql, int nparams, const char *const *params);
/* The first column of the first row of sql run as the owner, as a number; -1 without rows. */
long long dbt_int(const char *sql, int nparams, const char *const *params);
/* The same as text (caller frees); NULL without rows. */
char *dbt_text(const char *sql, int nparams, const char *const *params);

/* Runs sql as the owner; the SQLSTATE it failed with into state, "" when it succeeded. */
void dbt_try(const char *sql, int nparams, const char *const *params, char state[6]);

/* Rows of DBT_SCHEMA.writes with tag, seen by the owner after the fact. */
long long dbt_writes(const char *tag);
/* The id of a seeded organisation by its code. */
long long dbt_org_id(const char *code);
/* Terminates the backend pid from the owner connection and waits until it has gone: 1 when
 * it was terminated. */
int dbt_terminate(int pid);

/* Messages logged (y_log_message) since the last dbt_log_clear() that contain needle. */
int dbt_log_count(const char *needle);
void dbt_log_clear(void);

/* A monotonic clock in milliseconds. */
double dbt_now_ms(void);

/* A register's C rendering against its SQL document function: sql selects the shape's columns,
 * the revision at shape->revision_col, then the function's document (the last column). Each
 * row rendered by render_record must parse to the JSON of the document (the test fails naming
 * what, the row's column 0, both texts). Returns the rows compared. */
int dbt_renders_as_sql(const char *sql, const struct record_shape *shape, const char *what);

/* Races between two sessions: a new connection as the owner (the test fails when it cannot
 * connect), a statement run on it (fails unless it succeeds), and a wait (at most 10 s, else the
 * test fails) until the backend of waiter blocks on a lock, so that the race is really run. */
PGconn *dbt_connect(void);
void dbt_conn_exec(PGconn *pg, const char *sql);
void dbt_wait_for_lock(PGconn *waiter);

/* The main() of a suite of one case (named as the suite, timeout seconds, no fixtures):
 * dbt_init, the tests in order, dbt_done; the exit status. DBT_MAIN(name, timeout, tests...)
 * writes that main(). */
int dbt_main(const char *name, int timeout, const TTest *const *tests, size_t ntests);
#define DBT_MAIN(name, timeout, ...)                                                                                   \
  int main(void) {                                                                                                     \
    const TTest *const tests[] = {__VA_ARGS__};                                                                        \
    return dbt_main(name, timeout, tests, sizeof tests / sizeof tests[0]);                                             \
  }

#endif
