#ifndef ZSZ_DIRECTORY_IMPORT_H
#define ZSZ_DIRECTORY_IMPORT_H
/* Directory imports (users, org units) one row at a time, so any reader of rows (a JSON
 * array today; NDJSON and CSV readers later) can feed them: begin, then row() for each row
 * object with its index, then finish(). All or nothing: finish() answers 422 naming every
 * bad row's field as rows[17].field when there was any (the caller's transaction is then
 * rolled back); with dry_run it undoes what the rows wrote and answers what they would do. */

#include <jansson.h>

#include "db.h"
#include "result.h"

enum directory_import_kind { IMPORT_USERS, IMPORT_ORG_UNITS };

struct directory_import {
  enum directory_import_kind kind;
  int full;           /* mode=full: users absent from the rows are deactivated */
  int dry_run;        /* nothing stays written */
  const char *org;    /* borrowed SQL parameter */
  const char *caller; /* borrowed: the caller's sub, never deactivated by its own sync */
  json_t *errors;     /* owned: {field, message} */
  json_t *seen;       /* owned: key (sub or code) -> row index */
  json_t *parents;    /* owned: org units: [[code, parent or null], ...] set at finish */
  json_t *units;      /* owned: users: org-unit code -> id (or null: none), looked up once */
  size_t rows;
  long created, updated, unchanged, deactivated;
};

/* Starts an import inside tx (a savepoint for dry runs): 0, or -1 when the database failed. */
int directory_import_begin(struct db_tx *tx, struct directory_import *imp, enum directory_import_kind kind,
                           const char *org, const char *caller, int full, int dry_run);
/* One row (borrowed) at index: 0 (a bad row is recorded, not fatal), -1 when the database
 * failed. */
int directory_import_row(struct db_tx *tx, struct directory_import *imp, const json_t *row, size_t index);
/* Ends the import: res is 200 with the counts, or 422 with every row problem. */
void directory_import_finish(struct db_tx *tx, struct directory_import *imp, struct result *res);
/* Frees what imp owns (safe after a failure at any step). */
void directory_import_free(struct directory_import *imp);

#endif
