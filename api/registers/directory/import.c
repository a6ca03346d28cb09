/* Directory imports: users and org units, one row object at a time (import.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "import.h"
#include "imports.h"
#include "queries.h"
#include "rows.h"
#include "rules.h"
#include "validate.h"

int directory_import_begin(struct db_tx *tx, struct directory_import *imp, enum directory_import_kind kind,
                           const char *org, const char *caller, int full, int dry_run) {
  memset(imp, 0, sizeof *imp);
  imp->kind = kind;
  imp->org = org;
  imp->caller = caller;
  imp->units = json_object();
  imp->full = full;
  imp->dry_run = dry_run;
  imp->errors = json_array();
  imp->seen = json_object();
  imp->parents = json_array();
  imp->pending = json_array();
  if (dry_run && db_command(tx, "SAVEPOINT directory_dry_run", 0, NULL) == DB_ERROR) {
    return -1;
  }
  return 0;
}

void directory_import_free(struct directory_import *imp) {
  json_decref(imp->errors);
  json_decref(imp->seen);
  json_decref(imp->parents);
  json_decref(imp->units);
  json_decref(imp->pending);
  imp->errors = imp->seen = imp->parents = imp->units = imp->pending = NULL;
}

/* Appends the problems of one row, each field named rows[index].field. */
static void row_errors(struct directory_import *imp, size_t index, const json_t *found) {
  size_t i;
  json_t *e;
  json_array_foreach(found, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    char field[96];
    snprintf(field, sizeof field, "rows[%zu]%s%s", index, f && *f ? "." : "", f ? f : "");
    json_array_append_new(imp->errors,
                          json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
}

/* The row's key (sub or code) not seen before: 1; else 0 after recording the problem. */
static int first_time(struct directory_import *imp, const char *key_field, const char *key, size_t index,
                      json_t *found) {
  const json_t *before = json_object_get(imp->seen, key);
  if (before != NULL) {
    errors_add(found, key_field, MSG_ROW_REPEATED, (size_t)json_integer_value(before));
    return 0;
  }
  json_object_set_new(imp->seen, key, json_integer((json_int_t)index));
  return 1;
}

static void count(struct directory_import *imp, enum directory_write what) {
  if (what == DIRECTORY_CREATED) imp->created++;
  if (what == DIRECTORY_UPDATED) imp->updated++;
  if (what == DIRECTORY_UNCHANGED) imp->unchanged++;
}

/* Users are written this many at a time, in one statement: 100,000 rows one statement each
 * took 38 s on the shared machine. */
#define DIRECTORY_USER_BATCH 1000

/* Writes the pending users (none once a row has failed: nothing will be kept). 0, or -1 when
 * the database failed. */
static int flush_users(struct db_tx *tx, struct directory_import *imp) {
  size_t n = json_array_size(imp->pending);
  if (n == 0) return 0;
  int rc = 0;
  if (json_array_size(imp->errors) == 0) {
    char *batch = json_dumps(imp->pending, JSON_COMPACT);
    long created = 0, updated = 0;
    if (batch == NULL || directory_q_users_put_batch(tx, imp->org, batch, &created, &updated) != DB_ONE) {
      rc = -1;
    } else {
      imp->created += created;
      imp->updated += updated;
      imp->unchanged += (long)n - created - updated;
    }
    free(batch);
  }
  json_array_clear(imp->pending);
  return rc;
}

static int user_row(struct db_tx *tx, struct directory_import *imp, const json_t *row, size_t index, json_t *found) {
  validate_object(row, USER_ROW_FIELDS, VALIDATE_CREATE, found);
  const char *sub = json_string_value(json_object_get(row, "sub"));
  if (sub != NULL && !field_has_error(found, "sub")) {
    first_time(imp, "sub", sub, index, found);
  }
  const char *unit_code = json_string_value(json_object_get(row, "unit_code"));
  char unit_id[24] = "";
  if (unit_code != NULL && !field_has_error(found, "unit_code")) {
    /* a hall has hundreds of units and thousands of people: each code is looked up once */
    const json_t *known = json_object_get(imp->units, unit_code);
    if (known == NULL) {
      enum db_status st = directory_q_unit_by_code(tx, imp->org, unit_code, unit_id);
      if (st == DB_ERROR) return -1;
      json_object_set_new(imp->units, unit_code, st == DB_ONE ? json_string(unit_id) : json_null());
      known = json_object_get(imp->units, unit_code);
    }
    if (json_is_string(known)) {
      snprintf(unit_id, sizeof unit_id, "%s", json_string_value(known));
    } else {
      errors_add(found, "unit_code", MSG_NO_SUCH_ORG_UNIT);
    }
  }
  if (json_array_size(found) > 0 || json_array_size(imp->errors) > 0) {
    return 0; /* nothing will be kept: only find the other rows' problems */
  }
  const json_t *active = json_object_get(row, "active");
  json_array_append_new(imp->pending,
                        json_pack("{s:s, s:O, s:O, s:o, s:b}", "sub", sub, "name", json_object_get(row, "name"),
                                  "email", json_object_get(row, "email") ?: json_null(), "unit_id",
                                  unit_id[0] ? json_string(unit_id) : json_null(), "active",
                                  active == NULL || json_is_true(active)));
  return json_array_size(imp->pending) >= DIRECTORY_USER_BATCH ? flush_users(tx, imp) : 0;
}

static int org_unit_row(struct db_tx *tx, struct directory_import *imp, const json_t *row, size_t index,
                        json_t *found) {
  validate_object(row, ORG_UNIT_ROW_FIELDS, VALIDATE_CREATE, found);
  const char *code = json_string_value(json_object_get(row, "code"));
  if (code != NULL && !field_has_error(found, "code")) {
    first_time(imp, "code", code, index, found);
  }
  if (json_array_size(found) > 0) {
    return 0;
  }
  /* the parent may come in a later row: parents are checked and set once every row is in */
  json_array_append_new(imp->parents,
                        json_pack("[s, O, I]", code, json_object_get(row, "parent") ?: json_null(), (json_int_t)index));
  if (json_array_size(imp->errors) > 0) {
    return 0; /* nothing will be kept: only find the other rows' problems */
  }
  enum directory_write what = DIRECTORY_UNCHANGED;
  if (directory_q_org_unit_upsert(tx, imp->org, code, json_string_value(json_object_get(row, "name")), &what) ==
      DB_ERROR) {
    return -1;
  }
  count(imp, what);
  return 0;
}

int directory_import_row(struct db_tx *tx, struct directory_import *imp, const json_t *row, size_t index) {
  json_t *found = json_array();
  int rc = 0;
  imp->rows++;
  if (!json_is_object(row)) {
    errors_add(found, "", MSG_BODY_NOT_OBJECT);
  } else if (imp->kind == IMPORT_USERS) {
    rc = user_row(tx, imp, row, index, found);
  } else {
    rc = org_unit_row(tx, imp, row, index, found);
  }
  row_errors(imp, index, found);
  json_decref(found);
  return rc;
}

/* Org units: every parent named exists (in the rows or already: checked even when other
 * rows are bad, so that every problem is named); then, when no row is bad, the parents are
 * set and no unit may end up its own ancestor. 0, or -1 when the database failed. */
static int org_unit_parents(struct db_tx *tx, struct directory_import *imp) {
  size_t i;
  json_t *pair;
  json_array_foreach(imp->parents, i, pair) {
    const char *parent = json_string_value(json_array_get(pair, 1));
    char id[24];
    if (parent == NULL || json_object_get(imp->seen, parent) != NULL) continue;
    enum db_status st = directory_q_unit_by_code(tx, imp->org, parent, id);
    if (st == DB_ERROR) return -1;
    if (st == DB_NONE) {
      char field[96];
      snprintf(field, sizeof field, "rows[%lld].parent", (long long)json_integer_value(json_array_get(pair, 2)));
      errors_add(imp->errors, field, MSG_NO_SUCH_ORG_UNIT);
    }
  }
  if (json_array_size(imp->errors) > 0) {
    return 0;
  }
  char *pairs = json_dumps(imp->parents, JSON_COMPACT);
  long moved = 0;
  char cycle[40] = "";
  enum db_status st = pairs ? directory_q_org_unit_parents(tx, imp->org, pairs, &moved, cycle, sizeof cycle) : DB_ERROR;
  free(pairs);
  if (st == DB_ERROR) return -1;
  if (cycle[0]) {
    const json_t *at = json_object_get(imp->seen, cycle);
    char field[96];
    snprintf(field, sizeof field, "rows[%lld].parent", at ? (long long)json_integer_value(at) : -1LL);
    errors_add(imp->errors, at ? field : "rows", MSG_PARENT_CYCLE);
  }
  return 0;
}

void directory_import_finish(struct db_tx *tx, struct directory_import *imp, struct result *res) {
  if (imp->kind == IMPORT_USERS && flush_users(tx, imp) != 0) {
    return;
  }
  if (imp->kind == IMPORT_ORG_UNITS && org_unit_parents(tx, imp) != 0) {
    return;
  }
  if (imp->kind == IMPORT_USERS && imp->full && json_array_size(imp->errors) == 0) {
    json_t *subs = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(imp->seen, key, v) {
      json_array_append_new(subs, json_string(key));
    }
    char *text = json_dumps(subs, JSON_COMPACT);
    json_decref(subs);
    enum db_status st =
        text ? directory_q_users_deactivate_absent(tx, imp->org, text, imp->caller, &imp->deactivated) : DB_ERROR;
    free(text);
    if (st == DB_ERROR) return;
  }
  if (json_array_size(imp->errors) > 0) {
    json_t *errors = imp->errors;
    imp->errors = NULL;
    result_invalid(res, errors);
    msg_format(res->detail, sizeof res->detail, MSG_IMPORT_ROWS_INVALID, json_array_size(errors));
    return;
  }
  if (imp->dry_run && db_command(tx, "ROLLBACK TO SAVEPOINT directory_dry_run", 0, NULL) == DB_ERROR) {
    return;
  }
  result_json(res, 200,
              json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I}", "mode", imp->full ? "full" : "merge", "dry_run",
                        imp->dry_run, "rows", (json_int_t)imp->rows, "created", (json_int_t)imp->created, "updated",
                        (json_int_t)imp->updated, "unchanged", (json_int_t)imp->unchanged, "deactivated",
                        (json_int_t)imp->deactivated));
}

/* The import recorded in imports (with the counts), answered as a bulk import is; a dry run's
 * record is rolled back and answered with id null. */
static void record_import(struct db_tx *tx, struct req_ctx *c, struct directory_import *imp, const char *format,
                          struct result *res) {
  char rows[24], created[24], updated[24], unchanged[24];
  snprintf(rows, sizeof rows, "%zu", imp->rows);
  snprintf(created, sizeof created, "%ld", imp->created);
  snprintf(updated, sizeof updated, "%ld", imp->updated);
  snprintf(unchanged, sizeof unchanged, "%ld", imp->unchanged);
  const char *params[] = {c->org_param,
                          imp->kind == IMPORT_USERS ? "users" : "org_units",
                          imp->full ? "full" : "merge",
                          format,
                          c->who.sub,
                          rows,
                          created,
                          updated,
                          unchanged};
  if (imp->dry_run && db_command(tx, "SAVEPOINT directory_import_record", 0, NULL) != DB_ONE) return;
  enum db_status st;
  PGresult *r = db_row(tx,
                       "INSERT INTO imports AS i (org_id, kind, mode, format, importer, rows, created, updated, "
                       "unchanged, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) "
                       "RETURNING zsz_import_json(i)::text, i.id",
                       9, params, &st);
  if (r == NULL) return;
  json_t *doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
  char id[24];
  snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 1));
  PQclear(r);
  if (doc == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  json_object_set_new(doc, "dry_run", json_boolean(imp->dry_run));
  json_object_set_new(doc, "deactivated", json_integer((json_int_t)imp->deactivated));
  if (imp->dry_run) {
    if (db_command(tx, "ROLLBACK TO SAVEPOINT directory_import_record", 0, NULL) != DB_ONE) {
      json_decref(doc);
      return;
    }
    json_object_set_new(doc, "id", json_null());
    result_json(res, 200, doc);
    return;
  }
  result_json(res, 201, doc);
  snprintf(res->location, sizeof res->location, "/api/v1/imports/%s", id);
}

static const char *const FORMATS[] = {"json", "ndjson", "csv"};

void directory_import_run(struct db_tx *tx, struct req_ctx *c, struct result *res, enum directory_import_kind kind,
                          int record) {
  const char *mode = query_value(c, "mode"), *dry = query_value(c, "dry_run");
  struct rows_reader *reader = NULL;
  enum rows_open_status os = rows_open(u_map_get_case(c->req->map_header, "Content-Type"), c->req->binary_body,
                                       c->req->binary_body_length, &reader);
  if (os != ROWS_OPEN_OK) {
    if (os == ROWS_OPEN_NOMEM) {
      result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    } else {
      result_problem(res, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                     os == ROWS_OPEN_CHARSET ? MSG_IMPORT_CHARSET : MSG_IMPORT_MEDIA_TYPE);
    }
    rows_close(reader);
    return;
  }
  struct directory_import imp;
  const struct field_spec *fields = kind == IMPORT_USERS ? USER_ROW_FIELDS : ORG_UNIT_ROW_FIELDS;
  if (directory_import_begin(tx, &imp, kind, c->org_param, c->who.sub, mode && strcmp(mode, "full") == 0,
                             dry && strcmp(dry, "true") == 0) == 0) {
    json_t *row = NULL;
    char err[200];
    enum rows_status rs;
    int failed = 0;
    while ((rs = rows_next(reader, &row, err, sizeof err)) == ROWS_ROW) {
      /* CSV cells are text: active read as a boolean */
      if (rows_format_of(reader) == ROWS_CSV) import_coerce(row, fields);
      int rc = directory_import_row(tx, &imp, row, rows_count(reader) - 1);
      json_decref(row);
      if (rc != 0) {
        failed = 1;
        break;
      }
    }
    if (!failed) {
      if (rs == ROWS_ERROR) {
        json_array_append_new(imp.errors, json_pack("{s:s, s:s}", "field", "body", "message", err));
      }
      directory_import_finish(tx, &imp, res);
      if (record && res->status == 200) {
        record_import(tx, c, &imp, FORMATS[rows_format_of(reader)], res);
      }
    }
  }
  directory_import_free(&imp);
  rows_close(reader);
}
