#ifndef ZSZ_DB_H
#define ZSZ_DB_H
/* PostgreSQL access: a pool of libpq connections that heals itself, parameterised
 * statements (prepared once per connection), and a transaction runner that sets the tenant,
 * retries serialization failures and maps SQLSTATEs to results. */

#include <libpq-fe.h>

#include "result.h"

struct db_pool;
struct db_conn;

/* Connects size connections lazily; never fails for an unreachable server (they connect on
 * first use). Returns NULL only on allocation failure. url is copied. */
struct db_pool *db_pool_new(const char *url, int size);
void db_pool_free(struct db_pool *pool);
/* Behind a pooler in transaction mode (ZSZ_DB_POOLER=transaction, PgBouncer): no setting,
 * prepared statement or lock is kept on a connection between transactions; role, timeouts,
 * tenant and actor are set inside each one, reads of one statement included. */
void db_pool_set_transaction_pooling(struct db_pool *pool, int on);
int db_pool_size(const struct db_pool *pool);
int db_pool_in_use(struct db_pool *pool);

/* A connection as the schema owner, for migrations. Caller PQfinish()es. NULL + message in
 * err when it fails. */
PGconn *db_connect_owner(const char *url, char *err, size_t errlen);

/* What a query function found (one query per function, see api/registers/<name>/queries.c).
 * DB_ERROR: the statement failed; the transaction is aborted (tx->failed) and db_run maps or
 * retries it, so the work only returns. */
enum db_status { DB_ERROR = -1, DB_NONE = 0, DB_ONE = 1 };

/* The SQLSTATE-like mark of a read that ran a second statement outside a transaction. */
#define DB_NEEDS_SNAPSHOT "ZZ001"

struct db_tx {
  struct db_conn *conn;
  long long org_id;    /* the tenant of this transaction, <= 0 for none */
  int autocommit_read; /* a one-statement read outside a transaction */
  int statements;      /* run so far (for autocommit_read) */
  int failed;          /* a statement failed; the transaction is aborted */
  int unnamed;         /* unnamed statements only (a transaction-mode pooler) */
  int pooler;          /* behind a transaction-mode pooler: no session setting is kept */
  int pending;         /* a statement was sent (db_send) and its answer not yet received */
  char sqlstate[6];    /* of the failure */
  char constraint[64]; /* constraint name of the failure, when there is one */
};

/* Executes a static SQL text with text parameters (NULL = SQL NULL). The text is prepared
 * once per connection and found again by its content (never by its address). SQL text is
 * never built from input: values go in params. Returns a result the caller
 * PQclear()s, or NULL when the statement failed (tx->failed set; every later call returns
 * NULL at once). */
PGresult *db_exec(struct db_tx *tx, const char *sql, int nparams, const char *const *params);
/* db_exec, but always run by PostgreSQL's generic plan of the statement, made once per
 * connection: for a statement whose best plan does not depend on its values (a record by its
 * key, a page read along an index) but which PostgreSQL would plan again at every call, as it
 * does when the values let a custom plan look cheaper (a seq scan of a small table, folded
 * `$n IS NULL OR ...` filters, a LIMIT it knows). The connection's plan_cache_mode is switched
 * in the same round trip when its last statement wanted the other one. Measured: an audit's
 * GET 0.21 -> 0.10 ms at the client (docs/design.md, "Generic plans"). */
PGresult *db_exec_generic(struct db_tx *tx, const char *sql, int nparams, const char *const *params);
/* db_exec, but planned for these values on every call (an unnamed statement), never by a
 * cached generic plan: for a statement whose best plan depends on its values, e.g. a keyset
 * range whose bounds PostgreSQL cannot estimate without them (the incident worklist). */
PGresult *db_exec_planned(struct db_tx *tx, const char *sql, int nparams, const char *const *params);

/* A statement sent without waiting for its answer, so that the caller's work (an import
 * parsing its next rows) overlaps the server's: db_send sends it as db_exec would run it,
 * db_receive waits for its answer and returns it as db_exec would (NULL when it failed, or
 * when nothing was sent). In between, tx runs no other statement (one that tries fails the
 * transaction); db_run receives an answer its work left unread. db_send: 0, or -1. */
int db_send(struct db_tx *tx, const char *sql, int nparams, const char *const *params);
PGresult *db_receive(struct db_tx *tx);

/* The work's reads so far decide nothing of its answer (a conditional check that did not
 * hold, the answer then read whole by the next statement): a read outside a transaction may run
 * that statement alone too, in a snapshot of its own, instead of being run again in one
 * snapshot. */
void db_discard_reads(struct db_tx *tx);

/* Runs a statement and hands its rows to each as they arrive, one row per call (libpq's
 * single-row mode: an export of 100,000 rows is never held whole in memory). row is borrowed
 * for the call (one row, index 0). each returns 0 to go on, or -1 to stop being called (the
 * remaining rows are read and dropped). Returns the rows seen, or -1 when the statement failed
 * (tx->failed set, as db_exec). The text is sent unprepared: the rows cost more than a parse. */
long db_each_row(struct db_tx *tx, const char *sql, int nparams, const char *const *params,
                 int (*each)(const PGresult *row, void *arg), void *arg);

/* How a CSV export writes a column (api/lib/csvw.h): as a text cell (zsz_csv), a timestamptz
 * as zsz_ts(t) #>> '{}' gives it, or a jsonb array of texts joined by ", ". */
enum csv_cell_kind { CSV_CELL_TEXT, CSV_CELL_TIMESTAMP, CSV_CELL_JSON_LIST };

/* A CSV export's rows, their cells made in C: runs the statement (db_each_row), whose columns
 * are the row's cells as text (ncols of them, kinds[i] says how column i is written, SQL NULL
 * an empty cell), and appends each row, cells joined by ';', to res's spool (result_csv_row;
 * result_csv_begin first). Returns the rows the statement gave, or -1 when it failed
 * (tx->failed) or the spool could not be written (res holds a 500). */
long db_csv_cells(struct db_tx *tx, struct result *res, const char *sql, int nparams, const char *const *params,
                  const enum csv_cell_kind *kinds, int ncols);

/* Runs a statement whose rows are not needed (a write without RETURNING, a lock): DB_ONE
 * when it ran, DB_ERROR when it failed. */
enum db_status db_command(struct db_tx *tx, const char *sql, int nparams, const char *const *params);

/* Runs a statement that returns at most one row (a lock, a lookup, an INSERT ... SELECT ...
 * RETURNING): the result (caller PQclear()s) with *st DB_ONE when there is a row, else NULL
 * with *st DB_NONE or DB_ERROR. */
PGresult *db_row(struct db_tx *tx, const char *sql, int nparams, const char *const *params, enum db_status *st);

/* Sets the change-log action of this transaction (default: create/update). 0 on success. */
int db_set_action(struct db_tx *tx, const char *action);

/* 1 when the failure was this SQLSTATE. */
int db_failed_with(const struct db_tx *tx, const char *sqlstate);

typedef void (*db_work_fn)(struct db_tx *tx, void *arg, struct result *res);

struct db_tx_opts {
  long long org_id;  /* the tenant; <= 0 for none */
  const char *actor; /* change-log actor (sub) */
  int read_only;     /* the database refuses writes and locks (25006), also to a read run alone */
  int snapshot;      /* read_only: several statements in one REPEATABLE READ snapshot */
  const char *label; /* what runs (a route path), for logs */
  /* a write that committed: the primary's WAL insert position after the COMMIT ("X/Y") is
   * written here (room for 32), for read-your-writes on a replica; NULL: not wanted */
  char *commit_lsn;
};

/* Runs work inside one transaction with the tenant set, retrying the whole transaction on
 * serialization failure, deadlock, or a connection lost before any work was done (bounded).
 * Commits only when work succeeded (res->status < 400 and no failed statement). Fills res:
 * the work's own result, or a problem derived from the failure (409 unique, 422 reference,
 * 503 unavailable with the pool healing behind it, 500 otherwise, logged with request_id). */
void db_run(struct db_pool *pool, const struct db_tx_opts *opts, db_work_fn work, void *arg, struct result *res,
            const char *request_id);

/* 1 when the database answers and the recorded migration version is at least want. */
int db_ready(struct db_pool *pool, int want_version);

#endif
