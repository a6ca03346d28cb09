#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "csvw.h"
#include "db.h"
#include "logtext.h"
#include "strbuf.h"
#include "validate.h"

#define STMT_SLOTS 256 /* per connection; far more than the distinct statements */
#define CHECKOUT_WAIT_MS 5000
#define MAX_ATTEMPTS 4

/* The connection's plan_cache_mode (a session setting, switched by statements that want the
 * other one): PostgreSQL's own choice (auto), or its generic plan whatever the values. Unknown
 * on a new connection and after a transaction that did not commit, which took back a switch
 * made in it. */
enum plan_mode { PLAN_UNKNOWN = -1, PLAN_AUTO = 0, PLAN_GENERIC = 1, PLAN_ANY = 2 };

struct db_conn {
  PGconn *pg;
  int ready;             /* connected, role set */
  long long session_org; /* zsz.org_id set at session level for reads; 0 none */
  enum plan_mode plan_mode;
  /* Prepared statements by their text: a copy (owned), so the cache never depends on where
   * a caller keeps its SQL, and two texts never share a statement. */
  char *stmt_sql[STMT_SLOTS];
  uint64_t stmt_hash[STMT_SLOTS];
};

struct db_pool {
  char *url;
  int size;
  int transaction_pooling; /* behind PgBouncer in transaction mode: no state on a connection */
  int in_use;
  struct db_conn *conns;
  char *busy;
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

static PGconn *connect_url(const char *url) {
  /* connect_timeout bounds how long a request can wait on an unreachable server */
  const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
  const char *vals[] = {url, "5", "zsz-api", NULL};
  return PQconnectdbParams(keys, vals, 1);
}

PGconn *db_connect_owner(const char *url, char *err, size_t errlen) {
  PGconn *pg = connect_url(url);
  if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
    snprintf(err, errlen, "%s", pg ? PQerrorMessage(pg) : "out of memory");
    size_t n = strlen(err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
      err[--n] = '\0';
    PQfinish(pg);
    return NULL;
  }
  return pg;
}

static void conn_close(struct db_conn *c) {
  PQfinish(c->pg);
  c->pg = NULL;
  c->ready = 0;
  c->session_org = 0;
  c->plan_mode = PLAN_UNKNOWN;
  for (int i = 0; i < STMT_SLOTS; i++) {
    free(c->stmt_sql[i]);
    c->stmt_sql[i] = NULL;
  }
  memset(c->stmt_hash, 0, sizeof c->stmt_hash);
}

static int simple_command(PGconn *pg, const char *sql) {
  PGresult *r = PQexecParams(pg, sql, 0, NULL, NULL, NULL, NULL, 0);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  PQclear(r);
  return ok ? 0 : -1;
}

/* Makes c usable: connects when needed, rolls back a transaction left open, and switches to
 * the unprivileged server role. 0 when usable. */
static int conn_prepare(struct db_conn *c) {
  if (c->pg != NULL && PQstatus(c->pg) != CONNECTION_OK) {
    conn_close(c);
  }
  if (c->pg == NULL) {
    return -1;
  }
  if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
    if (simple_command(c->pg, "ROLLBACK") != 0) {
      conn_close(c);
      return -1;
    }
  }
  return 0;
}

static int conn_open(struct db_conn *c, const char *url, int transaction_pooling) {
  c->pg = connect_url(url);
  if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
    y_log_message(Y_LOG_LEVEL_WARNING, "db: cannot connect: %s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
    conn_close(c);
    return -1;
  }
  if (transaction_pooling) {
    /* the server connection behind this one changes between transactions: every setting is
     * made inside each transaction instead (db_run, TX_SETTINGS) */
    c->ready = 1;
    return 0;
  }
  /* the owner connects; requests run as zsz_app, which owns nothing and is bound by RLS.
   * Read-only unless a transaction says otherwise (BEGIN READ WRITE): a read of one
   * statement runs alone, outside any BEGIN, and must still be refused a write or a lock.
   * No JIT: a generic plan's estimates (generate_series, parameters) can pass jit_above_cost
   * and then compiling costs more than the query (the risk map: 54 ms of JIT for a 25 ms
   * query, measured with EXPLAIN ANALYZE on 20,000 risks). DateStyle ISO: records rendered in
   * C read timestamps in the ISO text form (render.h), whatever the server's default. */
  if (simple_command(c->pg, "SET ROLE zsz_app") != 0 || simple_command(c->pg, "SET statement_timeout = '30s'") != 0 ||
      simple_command(c->pg, "SET TIME ZONE 'UTC'") != 0 || simple_command(c->pg, "SET DateStyle = ISO") != 0 ||
      simple_command(c->pg, "SET jit = off") != 0 ||
      simple_command(c->pg, "SET default_transaction_read_only = on") != 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "db: cannot switch to role zsz_app: %s", PQerrorMessage(c->pg));
    conn_close(c);
    return -1;
  }
  c->ready = 1;
  c->plan_mode = PLAN_UNKNOWN; /* the database or the role may set another default */
  return 0;
}

struct db_pool *db_pool_new(const char *url, int size) {
  struct db_pool *p = calloc(1, sizeof *p);
  if (p == NULL) {
    return NULL;
  }
  p->url = strdup(url);
  p->size = size;
  p->conns = calloc((size_t)size, sizeof *p->conns);
  p->busy = calloc((size_t)size, 1);
  if (p->url == NULL || p->conns == NULL || p->busy == NULL) {
    db_pool_free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  return p;
}

void db_pool_set_transaction_pooling(struct db_pool *p, int on) {
  p->transaction_pooling = on;
}

void db_pool_free(struct db_pool *p) {
  if (p == NULL) {
    return;
  }
  for (int i = 0; p->conns && i < p->size; i++) {
    conn_close(&p->conns[i]);
  }
  free(p->conns);
  free(p->busy);
  free(p->url);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p);
}

int db_pool_size(const struct db_pool *p) {
  return p->size;
}

int db_pool_in_use(struct db_pool *p) {
  pthread_mutex_lock(&p->mu);
  int n = p->in_use;
  pthread_mutex_unlock(&p->mu);
  return n;
}

static struct db_conn *checkout(struct db_pool *p) {
  struct timespec deadline;
  struct db_conn *c = NULL;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += CHECKOUT_WAIT_MS / 1000;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    int best = -1;
    for (int i = 0; i < p->size; i++) {
      if (!p->busy[i]) {
        best = i;
        if (p->conns[i].ready) {
          break; /* prefer a live connection */
        }
      }
    }
    if (best >= 0) {
      p->busy[best] = 1;
      p->in_use++;
      c = &p->conns[best];
      break;
    }
    if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) != 0) {
      break;
    }
  }
  pthread_mutex_unlock(&p->mu);
  return c;
}

static void checkin(struct db_pool *p, struct db_conn *c) {
  pthread_mutex_lock(&p->mu);
  p->busy[c - p->conns] = 0;
  p->in_use--;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static uint64_t text_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

/* Finds or assigns the prepared-statement slot of sql (by its text); *fresh is set when it
 * must be prepared first. -1 when the cache is full (then the statement runs unprepared). */
static int stmt_slot(struct db_conn *c, const char *sql, uint64_t hash, int *fresh) {
  size_t h = hash % STMT_SLOTS;
  for (size_t n = 0; n < STMT_SLOTS; n++, h = (h + 1) % STMT_SLOTS) {
    if (c->stmt_sql[h] == NULL) {
      *fresh = 1;
      return (int)h;
    }
    if (c->stmt_hash[h] == hash && strcmp(c->stmt_sql[h], sql) == 0) {
      *fresh = 0;
      return (int)h;
    }
  }
  return -1;
}

static void record_failure(struct db_tx *tx, PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *cons = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
  tx->failed = 1;
  /* no SQLSTATE means the connection itself failed: treat as "connection exception" */
  snprintf(tx->sqlstate, sizeof tx->sqlstate, "%s", state ? state : "08006");
  snprintf(tx->constraint, sizeof tx->constraint, "%s", cons ? cons : "");
  /* PostgreSQL's messages quote the values they refuse, which may be a caller's: escaped,
   * they stay on one line and forge none */
  char text[1024];
  if (state == NULL || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
    y_log_message(Y_LOG_LEVEL_WARNING, "db: connection failure: \"%s\"",
                  log_escape(PQerrorMessage(tx->conn->pg), text, sizeof text));
  } else if (strncmp(state, "23", 2) != 0 && strncmp(state, "40", 2) != 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "db: statement failed (%s): \"%s\"", state,
                  log_escape(r ? PQresultErrorMessage(r) : "", text, sizeof text));
  }
}

/* Whether tx may run a statement now: not after a failure, not a second one of a read outside
 * a transaction, not while a sent statement's answer is unread. 0, or -1 (tx->failed). */
static int may_run(struct db_tx *tx) {
  if (tx->failed) {
    return -1;
  }
  if (tx->pending) {
    /* the connection still owes db_send's answer: a statement now would read it as its own */
    y_log_message(Y_LOG_LEVEL_ERROR, "db: a statement was run before the answer of the one sent was received");
    tx->failed = 1;
    snprintf(tx->sqlstate, sizeof tx->sqlstate, "%s", "XX000");
    return -1;
  }
  if (tx->autocommit_read && tx->statements++ > 0) {
    /* A second statement outside a transaction could see another state of the database
     * than the first: stop, and let db_run run the work again inside one snapshot. */
    tx->failed = 1;
    snprintf(tx->sqlstate, sizeof tx->sqlstate, "%s", DB_NEEDS_SNAPSHOT);
    return -1;
  }
  return 0;
}

/* The name of sql's prepared statement on tx's connection (name), prepared first when it is
 * new: 1, or 0 when it runs unprepared (a pooler, a full cache), or -1 when preparing failed
 * (tx->failed). */
static int prepared_name(struct db_tx *tx, const char *sql, int nparams, char name[16]) {
  struct db_conn *c = tx->conn;
  int fresh = 0;
  uint64_t hash = text_hash(sql);
  /* behind a transaction-mode pooler a statement prepared on one server connection is
   * unknown on the next: unnamed statements only (PgBouncer 1.18 supports no other) */
  int slot = tx->unnamed ? -1 : stmt_slot(c, sql, hash, &fresh);
  if (slot < 0) {
    return 0;
  }
  snprintf(name, 16, "s%d", slot);
  if (fresh) {
    char *copy = strdup(sql);
    PGresult *p = copy ? PQprepare(c->pg, name, sql, nparams, NULL) : NULL;
    if (PQresultStatus(p) != PGRES_COMMAND_OK) {
      free(copy);
      record_failure(tx, p);
      PQclear(p);
      return -1;
    }
    PQclear(p);
    c->stmt_sql[slot] = copy;
    c->stmt_hash[slot] = hash;
  }
  return 1;
}

/* A statement's result as db_exec answers it: r, or NULL (r cleared, tx->failed) when it is
 * not a success. */
static PGresult *checked(struct db_tx *tx, PGresult *r) {
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    record_failure(tx, r);
    PQclear(r);
    return NULL;
  }
  return r;
}

static const char *const PLAN_MODE_SQL[] = {
    [PLAN_AUTO] = "SELECT set_config('plan_cache_mode', 'auto', false)",
    [PLAN_GENERIC] = "SELECT set_config('plan_cache_mode', 'force_generic_plan', false)",
};

/* Whether a statement wanting mode must switch the connection first. A statement without
 * parameters has one plan whatever the mode, and so has one that reads no table (PLAN_ANY: the
 * runner's own settings); behind a transaction-mode pooler no setting
 * outlives a transaction and every statement is unnamed (planned at each call): no switch. */
static int plan_switch_needed(const struct db_tx *tx, enum plan_mode mode, int nparams) {
  return mode != PLAN_ANY && nparams > 0 && !tx->pooler && tx->conn->plan_mode != mode;
}

/* Switches the connection's plan mode by a statement of its own (a round trip): for the
 * statements whose answer is read row by row or later (db_each_row, db_send). 0, or -1
 * (tx->failed). */
static int plan_switch(struct db_tx *tx, enum plan_mode mode, int nparams) {
  if (!plan_switch_needed(tx, mode, nparams)) {
    return 0;
  }
  PGresult *r = checked(tx, PQexecParams(tx->conn->pg, PLAN_MODE_SQL[mode], 0, NULL, NULL, NULL, NULL, 0));
  if (r == NULL) {
    return -1;
  }
  PQclear(r);
  tx->conn->plan_mode = mode;
  return 0;
}

/* Runs a statement (prepared as name, or unnamed when name is NULL) after the switch of the
 * plan mode, both in one round trip (libpq's pipeline mode). Returns the statement's result
 * (checked() decides), or NULL with tx->failed. The switch holds once the statement
 * succeeded: a failure aborts the transaction, which takes it back. */
static PGresult *exec_switched(struct db_tx *tx, const char *name, const char *sql, int nparams,
                               const char *const *params, enum plan_mode mode) {
  struct db_conn *c = tx->conn;
  PGconn *pg = c->pg;
  c->plan_mode = PLAN_UNKNOWN;
  if (!PQenterPipelineMode(pg)) {
    record_failure(tx, NULL);
    return NULL;
  }
  int sent = PQsendQueryParams(pg, PLAN_MODE_SQL[mode], 0, NULL, NULL, NULL, NULL, 0) &&
             (name ? PQsendQueryPrepared(pg, name, nparams, params, NULL, NULL, 0)
                   : PQsendQueryParams(pg, sql, nparams, NULL, params, NULL, NULL, 0)) &&
             PQpipelineSync(pg);
  /* every result is read, up to the sync: the connection leaves pipeline mode clean. Each
   * statement's results end with a NULL; a failed switch makes the statement's "aborted". */
  PGresult *switched = NULL, *out = NULL, *r;
  int statement = 0, synced = 0;
  while (sent && !synced && statement < 2) {
    r = PQgetResult(pg);
    if (r == NULL) {
      statement++;
      if (PQstatus(pg) != CONNECTION_OK) {
        break;
      }
      continue;
    }
    if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
      synced = 1;
      PQclear(r);
    } else if (statement == 0 && switched == NULL) {
      switched = r;
    } else if (statement == 1 && out == NULL) {
      out = r;
    } else {
      PQclear(r);
    }
  }
  while (sent && !synced && PQstatus(pg) == CONNECTION_OK && (r = PQgetResult(pg)) != NULL) {
    synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
  }
  if (!synced || !PQexitPipelineMode(pg)) {
    /* the connection's state is not known: failed as a lost connection, db_run closes it */
    PQclear(switched);
    PQclear(out);
    record_failure(tx, NULL);
    return NULL;
  }
  if (PQresultStatus(switched) != PGRES_TUPLES_OK) {
    record_failure(tx, switched);
    PQclear(switched);
    PQclear(out);
    return NULL;
  }
  PQclear(switched);
  out = checked(tx, out);
  if (out != NULL) {
    c->plan_mode = mode;
  }
  return out;
}

/* db_exec with the plan mode the statement wants. */
static PGresult *exec_in_mode(struct db_tx *tx, const char *sql, int nparams, const char *const *params,
                              enum plan_mode mode) {
  char name[16];
  if (may_run(tx) != 0) {
    return NULL;
  }
  int prepared = prepared_name(tx, sql, nparams, name);
  if (prepared < 0) {
    return NULL;
  }
  if (plan_switch_needed(tx, mode, nparams)) {
    return exec_switched(tx, prepared ? name : NULL, sql, nparams, params, mode);
  }
  PGconn *pg = tx->conn->pg;
  return checked(tx, prepared ? PQexecPrepared(pg, name, nparams, params, NULL, NULL, 0)
                              : PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0));
}

PGresult *db_exec(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  return exec_in_mode(tx, sql, nparams, params, PLAN_AUTO);
}

PGresult *db_exec_generic(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  return exec_in_mode(tx, sql, nparams, params, PLAN_GENERIC);
}

/* A statement that reads no table (a setting): run in whatever mode the connection is. */
static PGresult *exec_setting(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  return exec_in_mode(tx, sql, nparams, params, PLAN_ANY);
}

int db_send(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  char name[16];
  if (may_run(tx) != 0) {
    return -1;
  }
  int prepared = prepared_name(tx, sql, nparams, name);
  if (prepared < 0 || plan_switch(tx, PLAN_AUTO, nparams) != 0) {
    return -1;
  }
  PGconn *pg = tx->conn->pg;
  /* libpq copies the parameters into its buffer and, on a blocking connection, has sent them
   * when this returns: params need not outlive the call */
  int sent = prepared ? PQsendQueryPrepared(pg, name, nparams, params, NULL, NULL, 0)
                      : PQsendQueryParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
  if (!sent) {
    record_failure(tx, NULL); /* nothing sent: the connection failed */
    return -1;
  }
  tx->pending = 1;
  return 0;
}

PGresult *db_receive(struct db_tx *tx) {
  if (!tx->pending) {
    return NULL;
  }
  tx->pending = 0;
  PGresult *first = NULL, *r;
  /* every result is read: the connection goes back clean */
  while ((r = PQgetResult(tx->conn->pg)) != NULL) {
    if (first == NULL) {
      first = r;
    } else {
      PQclear(r);
    }
  }
  if (first == NULL) {
    record_failure(tx, NULL);
    return NULL;
  }
  return checked(tx, first);
}

PGresult *db_exec_planned(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  int unnamed = tx->unnamed;
  tx->unnamed = 1;
  PGresult *r = db_exec(tx, sql, nparams, params);
  tx->unnamed = unnamed;
  return r;
}

void db_discard_reads(struct db_tx *tx) {
  tx->statements = 0;
}

long db_each_row(struct db_tx *tx, const char *sql, int nparams, const char *const *params,
                 int (*each)(const PGresult *row, void *arg), void *arg) {
  PGconn *pg = tx->conn->pg;
  long rows = 0;
  int calling = 1;
  if (may_run(tx) != 0 || plan_switch(tx, PLAN_AUTO, nparams) != 0) {
    return -1;
  }
  if (!PQsendQueryParams(pg, sql, nparams, NULL, params, NULL, NULL, 0)) {
    record_failure(tx, NULL); /* nothing sent: the connection failed */
    return -1;
  }
  if (!PQsetSingleRowMode(pg)) {
    /* cannot happen right after a send; the rows would come all at once, unread here */
    tx->failed = 1;
    snprintf(tx->sqlstate, sizeof tx->sqlstate, "%s", "XX000");
    calling = 0;
  }
  /* every result is read, also after a failure or a stop: the connection goes back clean */
  PGresult *r;
  while ((r = PQgetResult(pg)) != NULL) {
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_SINGLE_TUPLE) {
      rows++;
      if (calling && each(r, arg) != 0) {
        calling = 0;
      }
    } else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && !tx->failed) {
      record_failure(tx, r);
    }
    PQclear(r);
  }
  return tx->failed ? -1 : rows;
}

struct csv_rows {
  struct result *res;
  const enum csv_cell_kind *kinds;
  int ncols;
  struct strbuf line; /* one row's text, reused from row to row */
};

static int csv_row(const PGresult *row, void *arg) {
  struct csv_rows *w = arg;
  if (PQnfields(row) != w->ncols) {
    y_log_message(Y_LOG_LEVEL_ERROR, "CSV export: the statement gave %d columns, %d expected", PQnfields(row),
                  w->ncols); /* the query and its kinds disagree: a defect, never a cut row */
    result_problem(w->res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return -1;
  }
  w->line.len = 0;
  for (int i = 0; i < w->ncols; i++) {
    if (i > 0) strbuf_append(&w->line, ";", 1);
    const char *v = PQgetisnull(row, 0, i) ? NULL : PQgetvalue(row, 0, i);
    size_t len = (size_t)PQgetlength(row, 0, i);
    switch (w->kinds[i]) {
    case CSV_CELL_TIMESTAMP:
      csvw_timestamp(&w->line, v, len);
      break;
    case CSV_CELL_JSON_LIST:
      csvw_json_list(&w->line, v, len);
      break;
    default:
      csvw_cell(&w->line, v, len);
    }
  }
  if (w->line.oom) {
    result_problem(w->res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return -1;
  }
  return result_csv_row(w->res, w->line.data ? w->line.data : "", w->line.len);
}

long db_csv_cells(struct db_tx *tx, struct result *res, const char *sql, int nparams, const char *const *params,
                  const enum csv_cell_kind *kinds, int ncols) {
  struct csv_rows w = {.res = res, .kinds = kinds, .ncols = ncols};
  long rows = db_each_row(tx, sql, nparams, params, csv_row, &w);
  strbuf_free(&w.line);
  return rows < 0 || res->status >= 400 ? -1 : rows;
}

enum db_status db_command(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  PQclear(r);
  return DB_ONE;
}

PGresult *db_row(struct db_tx *tx, const char *sql, int nparams, const char *const *params, enum db_status *st) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    *st = DB_ERROR;
    return NULL;
  }
  if (PQntuples(r) == 0) {
    PQclear(r);
    *st = DB_NONE;
    return NULL;
  }
  *st = DB_ONE;
  return r;
}

int db_set_action(struct db_tx *tx, const char *action) {
  const char *params[] = {action};
  PGresult *r = exec_setting(tx, "SELECT set_config('zsz.action', $1, true)", 1, params);
  PQclear(r);
  return r ? 0 : -1;
}

int db_failed_with(const struct db_tx *tx, const char *sqlstate) {
  return tx->failed && strcmp(tx->sqlstate, sqlstate) == 0;
}

static int is_retryable(const char *state) {
  return strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
}

static int is_connection_failure(const char *state) {
  return strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0;
}

/* The field a foreign-key violation is about, from the default constraint name
 * "<table>_org_id_<field>_fkey"; "" when it cannot be told. */
static void errors_add_reference(json_t *errors, const char *constraint) {
  char field[64] = "";
  const char *p = strstr(constraint, "_org_id_");
  const char *end = strstr(constraint, "_fkey");
  if (p && end && end > p + 8 && (size_t)(end - p - 8) < sizeof field) {
    memcpy(field, p + 8, (size_t)(end - p - 8));
    field[end - p - 8] = '\0';
  }
  errors_add(errors, field, MSG_NO_SUCH_RECORD);
}

static void map_failure(const struct db_tx *tx, struct result *res, const char *request_id) {
  const char *s = tx->sqlstate;
  if (is_connection_failure(s)) {
    result_problem(res, PROBLEM_SERVICE_UNAVAILABLE, MSG_DB_UNAVAILABLE);
  } else if (strcmp(s, "23505") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_DUPLICATE_CODE);
  } else if (strcmp(s, "23503") == 0) {
    json_t *errors = json_array();
    errors_add_reference(errors, tx->constraint);
    result_invalid(res, errors);
  } else if (strcmp(s, "23514") == 0 || strncmp(s, "22", 2) == 0) {
    /* a value the checks in C let through but a table constraint refuses: still the
     * caller's input, never an internal error */
    json_t *errors = json_array();
    errors_add(errors, "", MSG_RECORD_RULE);
    result_invalid(res, errors);
  } else if (is_retryable(s)) {
    result_problem(res, PROBLEM_SERVICE_UNAVAILABLE, MSG_DB_UNAVAILABLE);
  } else {
    y_log_message(Y_LOG_LEVEL_ERROR, "request %s: database error %s", request_id ? request_id : "-", s);
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
}

/* Before attempt+1: 2, 4, 8 ms plus up to as much again at random, so that transactions
 * that collided once do not collide again in lockstep. */
static void backoff(int attempt) {
  static __thread unsigned int seed;
  if (seed == 0) {
    seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)&seed;
  }
  long base_us = 1000L << attempt;
  long us = base_us + (long)(rand_r(&seed) % (unsigned int)base_us);
  struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000L};
  nanosleep(&ts, NULL);
}

/* The WAL insert position once a write committed: at or after its commit record, which a
 * replica has replayed once its replay position reaches it. "" when it cannot be told. */
static void commit_position(struct db_conn *c, char *out) {
  PGresult *r = PQexecParams(c->pg, "SELECT pg_current_wal_insert_lsn()::text", 0, NULL, NULL, NULL, NULL, 0);
  out[0] = '\0';
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    snprintf(out, 32, "%s", PQgetvalue(r, 0, 0));
  }
  PQclear(r);
}

void db_run(struct db_pool *pool, const struct db_tx_opts *opts, db_work_fn work, void *arg, struct result *res,
            const char *request_id) {
  struct db_conn *c = checkout(pool);
  if (c == NULL) {
    /* every connection busy for CHECKOUT_WAIT_MS: overloaded, come back shortly */
    result_problem(res, PROBLEM_SERVICE_UNAVAILABLE, MSG_DB_UNAVAILABLE);
    return;
  }
  char org[24];
  snprintf(org, sizeof org, "%lld", opts->org_id > 0 ? opts->org_id : 0);
  const char *begin_params[] = {opts->org_id > 0 ? org : "", opts->actor ? opts->actor : ""};
  int snapshot = opts->read_only && opts->snapshot;
  for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    struct db_tx tx = {.conn = c};
    int committing = 0;
    PGresult *r;
    result_reset(res);
    if (conn_prepare(c) != 0 && conn_open(c, pool->url, pool->transaction_pooling) != 0) {
      result_problem(res, PROBLEM_SERVICE_UNAVAILABLE, MSG_DB_UNAVAILABLE);
      break;
    }
    tx.org_id = opts->org_id;
    tx.unnamed = pool->transaction_pooling;
    tx.pooler = pool->transaction_pooling;
    if (pool->transaction_pooling) {
      /* Nothing outlives the transaction: role, limits and tenant are local to it. A read of
       * one statement is still stopped at a second statement (and run in a snapshot). */
      r = db_exec(&tx,
                  !opts->read_only ? "BEGIN READ WRITE"
                  : snapshot       ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                                   : "BEGIN READ ONLY",
                  0, NULL);
      PQclear(r);
      r = exec_setting(&tx,
                       "SELECT set_config('role', 'zsz_app', true), set_config('statement_timeout', '30s', true), "
                       "set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true), "
                       "set_config('jit', 'off', true), "
                       "set_config('zsz.org_id', $1, true), "
                       "set_config('zsz.actor', $2, true)",
                       2, begin_params);
      PQclear(r);
      tx.autocommit_read = opts->read_only && !snapshot;
    } else if (opts->read_only && !snapshot) {
      /* A read of one statement runs it alone (autocommit): one round trip instead of four.
       * The tenant is a session setting of the connection, re-set only when the connection
       * last served another organisation. A work that runs a second statement is stopped
       * and run again in a snapshot (below). */
      long long want = opts->org_id > 0 ? opts->org_id : -1;
      if (c->session_org != want) {
        r = exec_setting(&tx, "SELECT set_config('zsz.org_id', $1, false)", 1, begin_params);
        PQclear(r);
        if (r != NULL) {
          c->session_org = want;
        }
      }
      tx.autocommit_read = 1;
    } else {
      r = db_exec(&tx, opts->read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN READ WRITE", 0,
                  NULL);
      PQclear(r);
      r = exec_setting(&tx, "SELECT set_config('zsz.org_id', $1, true), set_config('zsz.actor', $2, true)", 2,
                       begin_params);
      PQclear(r);
    }
    if (!tx.failed) {
      work(&tx, arg, res);
    }
    /* an answer the work left unread (db_send) is read, so that COMMIT or ROLLBACK is not
     * taken for it; its failure fails the transaction */
    PQclear(db_receive(&tx));
    if (!tx.failed && res->status > 0 && res->status < 400 && opts->read_only && !snapshot &&
        !pool->transaction_pooling) {
      break;
    }
    if (tx.failed && strcmp(tx.sqlstate, DB_NEEDS_SNAPSHOT) == 0 && !snapshot) {
      y_log_message(Y_LOG_LEVEL_WARNING,
                    "request %s: %s runs several statements: run again in one snapshot (declare ROUTE_SNAPSHOT, or "
                    "snapshot_when)",
                    request_id ? request_id : "-", opts->label ? opts->label : "a read");
      snapshot = 1;
      attempt--; /* not a failure of the database: the same attempt, in the right mode */
      result_reset(res);
      continue;
    }
    if (!tx.failed && res->status > 0 && res->status < 400) {
      committing = 1;
      tx.autocommit_read = 0; /* COMMIT is no second statement of the work */
      r = db_exec(&tx, "COMMIT", 0, NULL);
      PQclear(r);
      if (r != NULL) {
        if (opts->commit_lsn != NULL && !opts->read_only) {
          commit_position(c, opts->commit_lsn);
        }
        break;
      }
    } else if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
      simple_command(c->pg, "ROLLBACK");
      c->plan_mode = PLAN_UNKNOWN; /* a switch made in the transaction is taken back */
    }
    if (tx.failed) {
      c->plan_mode = PLAN_UNKNOWN;
    }
    if (!tx.failed) {
      if (res->status == 0) {
        y_log_message(Y_LOG_LEVEL_ERROR, "request %s: work set no result", request_id ? request_id : "-");
        result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
      }
      break; /* the work refused the request: its result stands */
    }
    int lost = is_connection_failure(tx.sqlstate) || PQstatus(c->pg) != CONNECTION_OK;
    if (lost) {
      conn_close(c); /* the next attempt, or the next request, reconnects */
    }
    /* Retry the whole transaction after a serialization failure or deadlock, and after a
     * lost connection (a restarted server) unless it was lost during COMMIT, when the
     * outcome is unknown and a retry could apply the work twice. */
    if (attempt < MAX_ATTEMPTS && (is_retryable(tx.sqlstate) || (lost && !committing))) {
      backoff(attempt);
      continue;
    }
    if (res->status < 400) {
      result_reset(res);
      map_failure(&tx, res, request_id);
    }
    break;
  }
  checkin(pool, c);
}

int db_ready(struct db_pool *pool, int want_version) {
  struct db_conn *c = checkout(pool);
  int ok = 0;
  if (c == NULL) {
    return 0;
  }
  /* A pooled connection that the database dropped (a restart) fails once: it is closed and the
   * probe runs again on a new one, so readiness does not depend on which connection it got. */
  for (int attempt = 0; attempt < 2 && !ok; attempt++) {
    if (conn_prepare(c) != 0 && conn_open(c, pool->url, pool->transaction_pooling) != 0) {
      break;
    }
    PGresult *r =
        PQexecParams(c->pg, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, NULL, NULL, NULL, 0);
    int answered = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (answered) {
      ok = atoi(PQgetvalue(r, 0, 0)) >= want_version;
    }
    int lost = !answered && PQstatus(c->pg) != CONNECTION_OK;
    PQclear(r);
    if (!lost) {
      break;
    }
    conn_close(c);
  }
  checkin(pool, c);
  return ok;
}
