#ifndef ZSZ_IMPORTS_H
#define ZSZ_IMPORTS_H
/* The bulk import runner (docs/design-imports.md): the body read a row at a time
 * (lib/rows.c), each row checked by its kind in C, the rows that pass staged as JSON text in
 * batches, each batch checked against the database and written by set-based statements of the
 * kind, all in the request's one transaction: all or nothing, every bad row named
 * (rows[17].code), dry_run rolled back to a savepoint after the same work. One
 * struct import_kind per kind of record; the route's work calls import_run with it. */

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"
#include "http.h"

/* The change-log actor of a kind's statements: the transaction's (the importer). */
#define IMPORT_LOG_ACTOR "coalesce(nullif(current_setting('zsz.actor', true), ''), 'system:' || current_user)"

/* At most this many row errors are listed (all are counted). */
#define IMPORT_ERRORS_SHOWN 1000

struct import_batch {
  const char *json; /* the batch: a JSON array of staged rows, each with "n" (its row index) */
  size_t count;
  const char *mode;      /* "insert" or "upsert" */
  const char *import_id; /* the import's id as text */
};

/* A statement to send: its text and its parameters (borrowed). */
struct import_statement {
  const char *sql;
  int nparams;
  const char *params[8];
};

struct import_kind {
  const char *name; /* the kind ("processes"), as the imports row records it */
  size_t batch;     /* rows per statement */
  /* The tables its statements write and look up again, as a PostgreSQL array ("{objectives,
   * indicators}"): their statistics are refreshed as the import grows them (0035). Optional. */
  const char *tables;
  /* Before the first row: the kind's state for this request (*state, freed by end), e.g. the
   * organisation's scheme. 0, or -1 when a statement failed. Optional. */
  int (*begin)(struct db_tx *tx, struct req_ctx *c, void **state);
  void (*end)(void *state);
  /* Checks one row (borrowed). Appends {field, message} errors (fields without the row
   * prefix) and returns the row to stage (a new object) when it passed, else NULL. Writes the
   * row's natural key into key ("" when none): a key seen twice in one import is an error. */
  json_t *(*check)(void *state, const json_t *row, json_t *errors, char *key, size_t keylen);
  /* The key of an earlier row of this import that this staged row refers to (a parent), or
   * NULL: a batch is written before a row that refers to one of its rows. Optional. */
  const char *(*refers_to)(const json_t *staged);
  /* Checks a batch against the database: rows (n, field, code, existing_id) where code is one
   * of "exists", "unknown_user", "unknown_unit", "unknown_process", "unknown_indicator",
   * "locked", "period_frequency", "survey_fed". NULL when the statement failed. */
  PGresult *(*check_batch)(struct db_tx *tx, struct req_ctx *c, const struct import_batch *b);
  /* Writes a batch (set-based): its first row (created, updated) counts. DB_ONE, or DB_ERROR.
   * The statement also writes the change-log entries of the records (IMPORT_LOG_ACTOR as
   * actor, action import, before and after as the trigger would have them): the triggers leave
   * the rows of the running import aside (migration 0018). */
  enum db_status (*write_batch)(struct db_tx *tx, struct req_ctx *c, const struct import_batch *b, long long *created,
                                long long *updated);
  /* Instead of check_batch and write_batch, one statement doing both: the batch's problems as
   * check_batch answers them and, when it has none and write is 1, the batch written (as
   * write_batch writes it), counted in a last row (n NULL, then created and updated). The kind
   * fills in the statement (its text and parameters, which may point into b and c); the runner
   * sends it and parses the next rows while the database runs it (db_send). */
  void (*check_and_write)(const struct req_ctx *c, const struct import_batch *b, int write,
                          struct import_statement *out);
  /* After the last batch (e.g. counters moved past imported numbers). Optional. */
  enum db_status (*finish)(struct db_tx *tx, struct req_ctx *c, const char *import_id);
};

/* Runs the import of c's body as kind (query parameters mode and dry_run): 201 with the
 * import record (Location /api/v1/imports/{id}), 200 with the counts for a dry run, 415 for
 * a body of another media type or charset, 422 listing the row errors (nothing written). */
void import_run(struct db_tx *tx, struct req_ctx *c, struct result *res, const struct import_kind *kind);

/* Helpers for kinds' checks: the value of member key as a string for rows read from CSV
 * (where every cell is text): an integer, a boolean ("true"/"false") or a list (items split
 * at ',' and trimmed) replaces the string in row when it reads as one; anything else is left
 * for validate_object to refuse. */
void import_coerce(json_t *row, const struct field_spec *specs);
/* Members named "outer.inner" (CSV headers) gathered into an object outer. */
void import_nest(json_t *row);

#endif
