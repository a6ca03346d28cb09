#ifndef ZSZ_DIRECTORY_IMPORT_H
#define ZSZ_DIRECTORY_IMPORT_H
/* Directory imports (users, org units) one row at a time, fed by the rows reader of bulk
 * imports (lib/rows.h: a JSON array, NDJSON or CSV incl. windows-1250): begin, then row() for
 * each row object with its index, then finish(); directory_import_run does all of it for a
 * request. All or nothing: finish() answers 422 naming every
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
  json_t *pending;    /* owned: users checked and not yet written (written DIRECTORY_USER_BATCH at a time) */
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

/* The one implementation of POST /users/import, /org-units/import, /imports/users and
 * /imports/org-units: c's body read a row at a time by the rows reader (415 for another media
 * type or charset; a body that cannot be read further is an error named body), mode=full and
 * dry_run from the query. record 0: the answer is finish()'s (200 with the counts); record 1:
 * the import is also recorded in imports (kind users or org_units) and answered as the bulk
 * imports are (201 with the record, deactivated and Location; 200 with id null for a dry
 * run). */
struct req_ctx;
void directory_import_run(struct db_tx *tx, struct req_ctx *c, struct result *res, enum directory_import_kind kind,
                          int record);

#endif
