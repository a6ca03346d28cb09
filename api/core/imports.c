/* The bulk import runner (imports.h, docs/design-imports.md). */
#include "imports.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulfius.h>

#include "rows.h"
#include "strbuf.h"
#include "validate.h"

/* ---- helpers for kinds ------------------------------------------------------------------- */

void import_nest(json_t *row) {
  const char *k;
  json_t *v;
  void *tmp;
  json_t *moved = json_object();
  json_object_foreach_safe(row, tmp, k, v) {
    const char *dot = strchr(k, '.');
    if (dot == NULL || dot == k || dot[1] == '\0') continue;
    char outer[64];
    size_t n = (size_t)(dot - k);
    if (n >= sizeof outer) continue;
    memcpy(outer, k, n);
    outer[n] = '\0';
    json_t *o = json_object_get(moved, outer);
    if (o == NULL) {
      o = json_object();
      json_object_set_new(moved, outer, o);
    }
    json_object_set(o, dot + 1, v);
    json_object_del(row, k);
  }
  json_object_foreach(moved, k, v) {
    if (json_object_get(row, k) == NULL) json_object_set(row, k, v);
  }
  json_decref(moved);
}

static json_t *split_list(const char *s, int integers) {
  json_t *a = json_array();
  while (*s) {
    while (*s == ' ')
      s++;
    size_t n = strcspn(s, ",");
    size_t m = n;
    while (m > 0 && s[m - 1] == ' ')
      m--;
    if (m > 0) {
      if (integers) {
        char buf[32];
        char *end = NULL;
        if (m >= sizeof buf) {
          json_decref(a);
          return NULL;
        }
        memcpy(buf, s, m);
        buf[m] = '\0';
        long long v = strtoll(buf, &end, 10);
        if (end == buf || *end != '\0') {
          json_decref(a);
          return NULL;
        }
        json_array_append_new(a, json_integer(v));
      } else {
        json_array_append_new(a, json_stringn(s, m));
      }
    }
    s += n;
    if (*s == ',') s++;
  }
  return a;
}

void import_coerce(json_t *row, const struct field_spec *specs) {
  for (const struct field_spec *f = specs; f->name != NULL; f++) {
    json_t *v = json_object_get(row, f->name);
    if (!json_is_string(v)) continue;
    const char *s = json_string_value(v);
    json_t *typed = NULL;
    if (f->type == VT_INTEGER) {
      char *end = NULL;
      long long n = strtoll(s, &end, 10);
      if (end != s && *end == '\0' && strspn(s, "-0123456789") == strlen(s)) typed = json_integer(n);
    } else if (f->type == VT_BOOLEAN) {
      if (strcmp(s, "true") == 0) typed = json_true();
      if (strcmp(s, "false") == 0) typed = json_false();
    } else if (f->type == VT_STRING_ARRAY || f->type == VT_INTEGER_ARRAY) {
      typed = split_list(s, f->type == VT_INTEGER_ARRAY);
    }
    if (typed != NULL) json_object_set_new(row, f->name, typed);
  }
}

/* ---- the runner ---------------------------------------------------------------------------- */

struct run {
  struct db_tx *tx;
  struct req_ctx *c;
  const struct import_kind *kind;
  void *state;
  json_t *errors;   /* the listed errors */
  size_t nerrors;   /* all of them */
  json_t *seen;     /* natural key -> row index */
  json_t *in_batch; /* keys of the batch being gathered */
  struct strbuf batch;
  size_t batch_rows;
  size_t batches_written;
  /* a batch's check_and_write was sent and its answer is not read yet (the runner parses the
   * next rows meanwhile); whether it was asked to write */
  int in_flight, in_flight_writing;
  const char *mode;
  char import_id[24];
  long long created, updated, staged;
};

static void add_error(struct run *r, size_t row, const char *field, const char *message, const char *existing_id) {
  r->nerrors++;
  if (json_array_size(r->errors) >= IMPORT_ERRORS_SHOWN) return;
  char name[160];
  snprintf(name, sizeof name, "rows[%zu]%s%s", row, field && *field ? "." : "", field ? field : "");
  json_t *e = json_pack("{s:s, s:s}", "field", name, "message", message);
  if (existing_id != NULL && *existing_id) json_object_set_new(e, "existing_id", json_integer(atoll(existing_id)));
  json_array_append_new(r->errors, e);
}

static msg_id code_message(const char *code) {
  static const struct {
    const char *code;
    msg_id id;
  } CODES[] = {
      {"exists", MSG_IMPORT_EXISTS},
      {"unknown_user", MSG_IMPORT_UNKNOWN_USER},
      {"unknown_unit", MSG_IMPORT_UNKNOWN_UNIT},
      {"unknown_process", MSG_IMPORT_UNKNOWN_PROCESS},
      {"unknown_indicator", MSG_IMPORT_UNKNOWN_INDICATOR},
      {"locked", MSG_IMPORT_LOCKED},
      {"period_frequency", MSG_IMPORT_PERIOD},
      {"survey_fed", MSG_IMPORT_SURVEY_FED},
      {"process_code", MSG_IMPORT_PROCESS_CODE},
  };
  for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++) {
    if (strcmp(CODES[i].code, code) == 0) return CODES[i].id;
  }
  return MSG_IMPORT_UNKNOWN_CODE;
}

/* After the 1st, 4th, 16th, 64th... batch written: the statistics of the tables the kind
 * writes and reads back, refreshed inside the import's transaction (migration 0035 says why:
 * lookups planned on the statistics of the table before the import read the whole table). A
 * size off by up to four times still gives the planner the right index; each refresh costs
 * about 0.1 s. 0, or -1 when the statement failed. */
static int refresh_statistics(struct run *r) {
  size_t n = ++r->batches_written;
  int power_of_4 = (n & (n - 1)) == 0 && (n & (size_t)0x5555555555555555ULL) != 0;
  if (r->kind->tables == NULL || !power_of_4) return 0;
  const char *params[] = {r->kind->tables};
  return db_command(r->tx, "SELECT zsz_import_analyze($1::text[])", 1, params) == DB_ONE ? 0 : -1;
}

/* A batch's answer (check_batch's, or check_and_write's): each problem listed as a row error,
 * the counts of the rows written added. Returns the problems found in it; *written tells
 * whether the statement wrote the batch. */
static size_t note_answer(struct run *r, const PGresult *found, int *written) {
  size_t problems = 0;
  *written = 0;
  for (int i = 0; i < PQntuples(found); i++) {
    if (PQgetisnull(found, i, 0)) { /* check_and_write's counts */
      r->created += atoll(PQgetvalue(found, i, 1));
      r->updated += atoll(PQgetvalue(found, i, 2));
      *written = 1;
      continue;
    }
    char message[256];
    const char *existing = PQgetisnull(found, i, 3) ? NULL : PQgetvalue(found, i, 3);
    msg_format(message, sizeof message, code_message(PQgetvalue(found, i, 2)),
               existing ? existing : PQgetvalue(found, i, 2));
    add_error(r, (size_t)atoll(PQgetvalue(found, i, 0)), PQgetvalue(found, i, 1), message, existing);
    problems++;
  }
  return problems;
}

/* Reads the answer of the batch in flight, if any. 0, or -1 when its statement failed (the
 * transaction is then aborted) or it was asked to write, found nothing wrong, and wrote
 * nothing. */
static int receive(struct run *r) {
  if (!r->in_flight) return 0;
  r->in_flight = 0;
  PGresult *found = db_receive(r->tx);
  if (found == NULL) return -1;
  int written;
  size_t problems = note_answer(r, found, &written);
  PQclear(found);
  if (!r->in_flight_writing || problems > 0) return 0;
  if (!written) return -1;
  /* rows found wrong after the batch was sent make the import fail: no statistics then */
  return r->nerrors == 0 ? refresh_statistics(r) : 0;
}

/* Checks the gathered batch against the database and, while no row has failed, writes it.
 * With check_and_write the batch is sent and flush returns at once: the next rows are parsed
 * while the database works, and the answer is read by the next flush (whether that batch
 * may write depends on it) or by receive after the last. 0, or -1 when a statement failed
 * (the transaction is then aborted). */
static int flush(struct run *r) {
  if (r->batch_rows == 0) return 0;
  strbuf_append(&r->batch, "]", 1);
  int rc = -1;
  char *json = strbuf_steal(&r->batch);
  memset(&r->batch, 0, sizeof r->batch);
  if (json == NULL) return -1;
  if (receive(r) != 0) goto out;
  struct import_batch b = {.json = json, .count = r->batch_rows, .mode = r->mode, .import_id = r->import_id};
  int writing = r->nerrors == 0;
  if (r->kind->check_and_write != NULL) {
    struct import_statement st = {0};
    r->kind->check_and_write(r->c, &b, writing, &st);
    if (db_send(r->tx, st.sql, st.nparams, st.params) != 0) goto out;
    r->in_flight = 1;
    r->in_flight_writing = writing;
    rc = 0;
    goto out;
  }
  PGresult *found = r->kind->check_batch(r->tx, r->c, &b);
  if (found == NULL) goto out;
  int written;
  note_answer(r, found, &written);
  PQclear(found);
  if (r->nerrors == 0) {
    long long created = 0, updated = 0;
    if (r->kind->write_batch(r->tx, r->c, &b, &created, &updated) != DB_ONE) goto out;
    r->created += created;
    r->updated += updated;
    if (refresh_statistics(r) != 0) goto out;
  }
  rc = 0;
out:
  free(json);
  r->batch_rows = 0;
  json_object_clear(r->in_batch);
  return rc;
}

/* Stages a checked row (its index n) into the batch; flushes first when it refers to a row of
 * the batch, and after it when the batch is full. 0, or -1 when a statement failed. */
static int stage(struct run *r, json_t *staged, size_t n, const char *key) {
  const char *ref = r->kind->refers_to ? r->kind->refers_to(staged) : NULL;
  if (ref != NULL && json_object_get(r->in_batch, ref) != NULL && flush(r) != 0) return -1;
  json_object_set_new(staged, "n", json_integer((json_int_t)n));
  char *text = json_dumps(staged, JSON_COMPACT);
  if (text == NULL) return -1;
  strbuf_append(&r->batch, r->batch_rows ? "," : "[", 1);
  strbuf_puts(&r->batch, text);
  free(text);
  r->batch_rows++;
  r->staged++;
  if (key[0]) json_object_set_new(r->in_batch, key, json_true());
  return r->batch_rows >= r->kind->batch ? flush(r) : 0;
}

static const char *FORMATS[] = {"json", "ndjson", "csv"};

void import_run(struct db_tx *tx, struct req_ctx *c, struct result *res, const struct import_kind *kind) {
  struct run r = {
      .tx = tx, .c = c, .kind = kind, .errors = json_array(), .seen = json_object(), .in_batch = json_object()};
  const char *dry = query_value(c, "dry_run");
  int dry_run = dry != NULL && strcmp(dry, "true") == 0;
  r.mode = query_value(c, "mode");
  if (r.mode == NULL) r.mode = "insert";
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
    goto out;
  }
  /* a dry run does all of the work, then goes back to here */
  if (dry_run && db_command(tx, "SAVEPOINT zsz_dry_run", 0, NULL) != DB_ONE) goto out;
  if (db_set_action(tx, "import") != 0) goto out;
  const char *format = FORMATS[rows_format_of(reader)];
  const char *params[] = {c->org_param, kind->name, r.mode, format, c->who.sub};
  enum db_status st;
  PGresult *row = db_row(tx,
                         "INSERT INTO imports (org_id, kind, mode, format, importer) VALUES ($1, $2, $3, $4, $5) "
                         "RETURNING id",
                         5, params, &st);
  if (row == NULL) goto out;
  snprintf(r.import_id, sizeof r.import_id, "%s", PQgetvalue(row, 0, 0));
  PQclear(row);
  /* the kinds log the records they write set-based (migration 0018): the rows of this import
   * are left aside by the change-log triggers. One import per organisation at a time (lock
   * 738103, org): a kind checks its keys against what is there, then writes, so two imports
   * of one hall at once would trip over each other's keys. Other writes of the hall do not
   * wait for it: the change feed no longer needs a lock to be gap-free (migration 0030). */
  const char *setting[] = {r.import_id, c->org_param};
  if (db_command(tx, "SELECT set_config('zsz.import_id', $1, true), pg_advisory_xact_lock(738103, $2::integer)", 2,
                 setting) != DB_ONE)
    goto out;
  if (kind->begin && kind->begin(tx, c, &r.state) != 0) goto out;

  json_t *in = NULL;
  char err[200];
  enum rows_status rs;
  while ((rs = rows_next(reader, &in, err, sizeof err)) == ROWS_ROW) {
    size_t n = rows_count(reader) - 1;
    json_t *row_errors = json_array();
    char key[512] = "";
    if (rows_format_of(reader) == ROWS_CSV) import_nest(in);
    json_t *staged = kind->check(r.state, in, row_errors, key, sizeof key);
    json_decref(in);
    /* a key repeated within the import: only rows that passed their own checks count */
    if (key[0] && staged != NULL) {
      json_t *before = json_object_get(r.seen, key);
      if (before != NULL) {
        char message[128];
        msg_format(message, sizeof message, MSG_IMPORT_REPEATED, (size_t)json_integer_value(before));
        json_array_append_new(row_errors, json_pack("{s:s, s:s}", "field", "", "message", message));
      } else {
        json_object_set_new(r.seen, key, json_integer((json_int_t)n));
      }
    }
    size_t i;
    json_t *e;
    json_array_foreach(row_errors, i, e) {
      add_error(&r, n, json_string_value(json_object_get(e, "field")), json_string_value(json_object_get(e, "message")),
                NULL);
    }
    int bad = json_array_size(row_errors) > 0;
    json_decref(row_errors);
    if (staged != NULL && !bad && stage(&r, staged, n, key) != 0) {
      json_decref(staged);
      goto out;
    }
    json_decref(staged);
  }
  if (rs == ROWS_ERROR) {
    r.nerrors++;
    json_array_append_new(r.errors, json_pack("{s:s, s:s}", "field", "body", "message", err));
  }
  if (flush(&r) != 0 || receive(&r) != 0) goto out;
  if (r.nerrors > 0) {
    json_t *errors = r.errors;
    r.errors = NULL;
    result_invalid(res, errors);
    msg_format(res->detail, sizeof res->detail, MSG_IMPORT_PROBLEMS, r.nerrors);
    goto out;
  }
  if (kind->finish && kind->finish(tx, c, r.import_id) != DB_ONE) goto out;
  char rows_text[24], created[24], updated[24], unchanged[24];
  snprintf(rows_text, sizeof rows_text, "%zu", rows_count(reader));
  snprintf(created, sizeof created, "%lld", r.created);
  snprintf(updated, sizeof updated, "%lld", r.updated);
  snprintf(unchanged, sizeof unchanged, "%lld", r.staged - r.created - r.updated);
  const char *done[] = {c->org_param, r.import_id, rows_text, created, updated, unchanged};
  row = db_row(tx,
               "UPDATE imports i SET rows = $3, created = $4, updated = $5, unchanged = $6, finished_at = now() "
               "WHERE i.org_id = $1 AND i.id = $2 RETURNING zsz_import_json(i)::text",
               6, done, &st);
  if (row == NULL) goto out;
  json_t *doc = json_loads(PQgetvalue(row, 0, 0), 0, NULL);
  PQclear(row);
  if (dry_run) {
    if (db_command(tx, "ROLLBACK TO SAVEPOINT zsz_dry_run", 0, NULL) != DB_ONE) {
      json_decref(doc);
      goto out;
    }
    json_object_set_new(doc, "id", json_null());
    json_object_set_new(doc, "dry_run", json_true());
    result_json(res, 200, doc);
  } else {
    json_object_set_new(doc, "dry_run", json_false());
    result_json(res, 201, doc);
    snprintf(res->location, sizeof res->location, "/api/v1/imports/%s", r.import_id);
  }
out:
  /* a batch still in flight on a way out (a failure before its answer was read): read, so
   * that what follows in this transaction (the idempotency record) finds the connection free */
  if (r.in_flight) PQclear(db_receive(tx));
  if (kind->end && r.state) kind->end(r.state);
  rows_close(reader);
  strbuf_free(&r.batch);
  json_decref(r.errors);
  json_decref(r.seen);
  json_decref(r.in_batch);
}
