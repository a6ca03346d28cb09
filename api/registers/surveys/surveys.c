/* Satisfaction surveys (badania satysfakcji): definitions kept by the plenipotentiary,
 * anonymous responses through a public link or imported from paper forms, and results that
 * protect small groups. Results come from aggregate counts kept in the writing transaction
 * (zsz_survey_add in 0004_surveys.sql), so their cost does not grow with the responses.
 * Work functions over one transaction each; the route table (routes.c) says what the
 * dispatcher parses for them: c->path[0] is the survey id (the public id on public routes). */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "b64url.h"
#include "csv.h"
#include "handlers.h"
#include "http.h"
#include "jobs.h"
#include "queries.h"
#include "rules.h"
#include "survey_check.h"
#include "survey_results.h"
#include "timefmt.h"
#include "validate.h"
#include "workflow.h"

/* ---- input -------------------------------------------------------------------------------- */

static void normalise_times(json_t *body, json_t *errors) {
  const char *keys[] = {"opens_at", "closes_at"};
  time_t t[2] = {-1, -1};
  for (int i = 0; i < 2; i++) {
    const char *s = json_string_value(json_object_get(body, keys[i]));
    char utc[32];
    if (s && rfc3339_parse(s, &t[i]) == 0) {
      rfc3339_format(t[i], utc, sizeof utc);
      json_object_set_new(body, keys[i], json_string(utc));
    }
  }
  if (t[0] != -1 && t[1] != -1 && t[1] <= t[0]) {
    errors_add(errors, "closes_at", MSG_BEFORE, "opens_at (it must come after it)");
  }
}

/* Every stored question carries its settings: required, and per type the answers it allows. */
static void question_defaults(json_t *questions) {
  size_t i;
  json_t *q;
  json_array_foreach(questions, i, q) {
    const char *type = json_string_value(json_object_get(q, "type"));
    if (!json_object_get(q, "required")) json_object_set_new(q, "required", json_false());
    if (type && strcmp(type, "scale_1_5") == 0) {
      if (!json_object_get(q, "allow_dont_know")) json_object_set_new(q, "allow_dont_know", json_false());
      if (!json_object_get(q, "allow_not_applicable")) json_object_set_new(q, "allow_not_applicable", json_false());
    }
    if (type && strcmp(type, "text") == 0 && !json_object_get(q, "max_length")) {
      json_object_set_new(q, "max_length", json_integer(2000));
    }
  }
}

/* The survey body as it is stored (JSON text, owned by the caller): its shape, the form it
 * defines, target_mean within 1..5 and closes_at after opens_at, every problem at once; then
 * timestamps in UTC, target_mean as decimal text and each question with its settings. Works
 * on a copy (c->body stays as sent: the work may run again). NULL after 422 in res. */
static char *survey_input(const struct req_ctx *c, enum validate_mode mode, struct result *res) {
  json_t *errors = json_array(), *body = json_deep_copy(c->body);
  char *text = NULL;
  validate_object(body, SURVEY_FIELDS, mode, errors);
  if (json_is_object(body)) {
    const json_t *q = json_object_get(body, "questions"), *f = json_object_get(body, "respondent_fields");
    if (!field_has_error(errors, "questions") && !field_has_error(errors, "respondent_fields")) {
      survey_definition_check(q, f, errors);
    }
    const json_t *target = json_object_get(body, "target_mean");
    char num[64];
    if (target && !field_has_error(errors, "target_mean") && decimal_text(target, num, sizeof num) == 0) {
      double v = atof(num);
      if (v < 1 || v > 5) errors_add(errors, "target_mean", MSG_OUT_OF_RANGE, 1LL, 5LL);
      json_object_set_new(body, "target_mean", json_string(num));
    }
    normalise_times(body, errors);
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
  } else {
    question_defaults(json_object_get(body, "questions"));
    text = json_dumps(body, JSON_COMPACT);
    if (text == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
  json_decref(errors);
  json_decref(body);
  return text;
}

/* The ids in process_ids and org_unit_ids belong to the organisation: 1, 0 after appending
 * to errors, -1 when the database failed. */
static int check_refs(struct db_tx *tx, const struct req_ctx *c, json_t *errors) {
  const json_t *pl = json_object_get(c->body, "process_ids"), *ul = json_object_get(c->body, "org_unit_ids");
  char *p = pl ? json_dumps(pl, JSON_COMPACT) : NULL, *u = ul ? json_dumps(ul, JSON_COMPACT) : NULL;
  int ok[2] = {1, 1};
  enum db_status st = surveys_q_check_refs(tx, c->org_param, p ? p : "[]", u ? u : "[]", ok);
  free(p);
  free(u);
  if (st == DB_ERROR) return -1;
  if (!ok[0]) errors_add(errors, "process_ids", MSG_NO_SUCH_PROCESS);
  if (!ok[1]) errors_add(errors, "org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
  return ok[0] && ok[1];
}

/* ---- surveys --------------------------------------------------------------------------------- */

void survey_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *errors = json_array();
  char *body = survey_input(c, VALIDATE_CREATE, res);
  unsigned char raw[16];
  char public_id[32], id[24];
  if (body == NULL || check_refs(tx, c, errors) < 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  if (RAND_bytes(raw, sizeof raw) != 1) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    goto out;
  }
  b64url_encode(raw, sizeof raw, public_id); /* 22 characters, 128 random bits */
  if (surveys_q_insert(tx, c->org_param, body, public_id, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/surveys/%s", id);
  }
out:
  free(body);
  json_decref(errors);
}

/* The record rule (zsz_survey_readable, migration 0011): the plenipotentiary and the
 * president read every survey; a process owner those concerning a process it owns, 403 for
 * the organisation's other surveys. */
void survey_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  int readable = 0;
  enum db_status st = surveys_q_get(tx, c->org_param, c->path[0], c->roles_param, c->who.sub, &readable, res);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (st == DB_ONE && !readable) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_SURVEY_READER);
  }
}

/* The surveys the caller may read (the others are left out), newest first. */
void survey_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = surveys_q_list(tx, c->org_param, c->roles_param, c->who.sub, query_value(c, "year"),
                               query_value(c, "kind"), query_value(c, "status"), page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    /* the revision does not count responses: the page's tag covers the count too */
    static const int tag_cols[] = {0, SURVEY_NCOLS, SURVEY_RESPONSE_COUNT_COL};
    page_render_shaped_tagged(c, res, r, &SURVEY_SHAPE, tag_cols, 3, SURVEY_NCOLS + 1, 1);
    PQclear(r);
  }
}

/* Locks the survey for a change: 1 when found and If-Match holds, 0 after setting 404 or
 * 412, -1 when the database failed. */
static int survey_lock(struct db_tx *tx, const struct req_ctx *c, struct locked_survey *cur, struct result *res) {
  enum db_status st = surveys_q_lock(tx, c->org_param, c->path[0], cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  }
  if (st != DB_ONE) {
    return st == DB_ERROR ? -1 : 0;
  }
  return if_match_ok(c, cur->revision, res);
}

void survey_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_survey cur = {0};
  json_t *errors = json_array();
  char *body = survey_input(c, VALIDATE_PATCH, res);
  if (body == NULL || survey_lock(tx, c, &cur, res) != 1) goto out;
  if (strcmp(cur.status, "closed") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    goto out;
  }
  if (strcmp(cur.status, "open") == 0) {
    for (size_t i = 0; SURVEY_FROZEN_ONCE_OPEN[i]; i++) {
      if (json_object_get(c->body, SURVEY_FROZEN_ONCE_OPEN[i])) {
        errors_add(errors, SURVEY_FROZEN_ONCE_OPEN[i], MSG_FROZEN_OPEN);
      }
    }
  }
  if (json_array_size(errors) == 0 && check_refs(tx, c, errors) < 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  if (surveys_q_update(tx, c->org_param, c->path[0], body, res) == DB_ERROR && db_failed_with(tx, "23514")) {
    json_t *e = json_array();
    errors_add(e, "closes_at", MSG_BEFORE, "opens_at (it must come after it)");
    result_invalid(res, e);
  }
out:
  free(body);
  json_decref(errors);
}

void survey_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_survey cur = {0};
  const char *to = json_string_value(json_object_get(c->body, "to"));
  if (survey_lock(tx, c, &cur, res) != 1 ||
      workflow_take(tx, res, &SURVEY_WORKFLOW, cur.status, to, c->who.roles, c->body) != 1) {
    return;
  }
  if (strcmp(to, "closed") == 0) {
    surveys_q_close(tx, c->org_param, c->path[0], res);
  } else if (surveys_q_open(tx, c->org_param, c->path[0], res) == DB_NONE) {
    json_t *errors = json_array();
    errors_add(errors, "questions", MSG_SURVEY_NEEDS_QUESTION);
    result_invalid(res, errors);
  }
}

/* ---- access codes -------------------------------------------------------------------------- */

static void sha256_hex(const char *s, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
  for (unsigned i = 0; i < len && i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* count new codes of 12 letters from 32 (no 0/O or 1/I: 60 random bits each) and their
 * SHA-256 hashes, the only form they are stored in. 0, or -1 when no randomness was had. */
static int make_codes(size_t count, json_t *codes, json_t *hashes) {
  static const char ALPHABET[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  unsigned char raw[12];
  for (size_t i = 0; i < count; i++) {
    char code[13], hex[65];
    if (RAND_bytes(raw, sizeof raw) != 1) return -1;
    for (int k = 0; k < 12; k++)
      code[k] = ALPHABET[raw[k] & 31];
    code[12] = '\0';
    sha256_hex(code, hex);
    json_array_append_new(codes, json_string(code));
    json_array_append_new(hashes, json_string(hex));
  }
  return 0;
}

void access_codes_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_survey cur = {0};
  json_t *codes = json_array(), *hashes = json_array();
  char *text = NULL;
  if (survey_lock(tx, c, &cur, res) != 1) goto out;
  if (strcmp(cur.status, "closed") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    goto out;
  }
  if (make_codes((size_t)json_integer_value(json_object_get(c->body, "count")), codes, hashes) != 0 ||
      (text = json_dumps(hashes, JSON_COMPACT)) == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    goto out;
  }
  if (surveys_q_add_codes(tx, c->org_param, c->path[0], text) == DB_ONE) {
    result_json(res, 201, json_pack("{s:O}", "codes", codes));
  }
out:
  free(text);
  json_decref(codes);
  json_decref(hashes);
}

/* ---- responses --------------------------------------------------------------------------------- */

/* A batch entry {answers, respondent, tally} of a checked response (new reference; tally is
 * borrowed). Absent parts become empty objects. */
static json_t *batch_entry(const json_t *response, json_t *tally) {
  json_t *answers = json_object_get(response, "answers"), *respondent = json_object_get(response, "respondent");
  return json_pack("{s:o, s:o, s:O}", "answers", answers ? json_incref(answers) : json_object(), "respondent",
                   respondent ? json_incref(respondent) : json_object(), "tally", tally);
}

/* Stores a batch of checked responses; then res is status with body (stolen). */
static void add_batch(struct db_tx *tx, const char *org, const char *id, const json_t *batch, int status, json_t *body,
                      struct result *res) {
  char *text = json_dumps(batch, JSON_COMPACT);
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  } else if (surveys_q_add_batch(tx, org, id, text) == DB_ONE) {
    result_json(res, status, body);
    body = NULL;
  }
  free(text);
  json_decref(body);
}

/* ---- public routes ------------------------------------------------------------------------- */

/* A public route has no token, so no tenant when the dispatcher would run its work: the
 * tenant is the survey's, found from its public id by a first transaction on c->pool
 * (survey_public_ids is the one table readable without a tenant). Then the work runs as
 * that organisation, its change-log actor "anonymous". Hence handlers here, not works. */
struct public_call {
  struct req_ctx *c;
  route_work work;
  char org[24];
};

static void public_org_work(struct db_tx *tx, void *arg, struct result *res) {
  struct public_call *p = arg;
  enum db_status st = surveys_q_public_org(tx, p->c->path[0], p->org);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (st == DB_ONE) {
    res->status = 200;
  }
}

static void public_work(struct db_tx *tx, void *arg, struct result *res) {
  struct public_call *p = arg;
  p->work(tx, p->c, res);
}

static void public_run(struct req_ctx *c, route_work work) {
  struct public_call p = {.c = c, .work = work};
  struct result res = {0};
  struct db_tx_opts find = {.read_only = 1, .label = c->route->path};
  /* the public id is 22 base64url characters; anything else names no survey (and is never
   * sent to the database, which would refuse text that is not UTF-8 as a bad value) */
  if (strlen(c->path[0]) != 22 ||
      strspn(c->path[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != 22) {
    result_problem(&res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else {
    db_run(c->pool, &find, public_org_work, &p, &res, c->request_id);
  }
  if (res.status == 200) {
    c->org_id = atoll(p.org);
    snprintf(c->org_param, sizeof c->org_param, "%s", p.org);
    /* public callers act as nobody: the change log records the survey's respondents so */
    snprintf(c->who.sub, sizeof c->who.sub, "anonymous");
    struct db_tx_opts opts = {.org_id = c->org_id,
                              .actor = c->who.sub,
                              .read_only = strcmp(c->route->method, "GET") == 0,
                              .label = c->route->path};
    db_run(c->pool, &opts, public_work, &p, &res, c->request_id);
  }
  http_render(c, &res);
  result_reset(&res);
}

/* The form of an open survey not past closes_at (one statement). */
static void public_form(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  surveys_q_public_get(tx, c->org_param, c->path[0], res);
}

void public_survey_get(struct req_ctx *c) {
  public_run(c, public_form);
}

static void public_response(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct survey_definition d = {0};
  json_t *errors = json_array(), *tally = json_array();
  enum db_status st = surveys_q_public_definition(tx, c->org_param, c->path[0], &d);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  }
  if (st != DB_ONE) goto out;
  if (strcmp(d.status, "open") != 0 || d.past_closes_at) {
    result_problem(res, PROBLEM_CONFLICT, MSG_SURVEY_NOT_OPEN);
    goto out;
  }
  response_check(d.questions, d.fields, d.units, d.processes, c->body, "", 1, errors, tally);
  if (d.codes_required && json_array_size(errors) == 0) {
    const char *code = json_string_value(json_object_get(c->body, "access_code"));
    char hex[65];
    sha256_hex(code ? code : "", hex);
    /* a code is spent in the same transaction as the response it admits */
    st = surveys_q_spend_code(tx, c->org_param, d.id, hex);
    if (st == DB_ERROR) goto out;
    if (st == DB_NONE) errors_add(errors, "access_code", MSG_ACCESS_CODE);
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  json_t *batch = json_pack("[o]", batch_entry(c->body, tally));
  add_batch(tx, c->org_param, d.id, batch, 201, json_pack("{s:b}", "received", 1), res);
  json_decref(batch);
out:
  survey_definition_free(&d);
  json_decref(errors);
  json_decref(tally);
}

void public_response_create(struct req_ctx *c) {
  public_run(c, public_response);
}

/* ---- import ------------------------------------------------------------------------------------- */

#define IMPORT_ERRORS_SHOWN 1000

/* The import body (c->req->binary_body; the dispatcher has refused one over
 * ZSZ_MAX_IMPORT_BYTES) as rows: response objects from JSON, or from CSV the header row then
 * the data rows (*csv set). Owned by the caller; NULL after 400, 415 or 422 in res. */
static json_t *import_rows(const struct req_ctx *c, int *csv, struct result *res) {
  const char *ct = u_map_get_case(c->req->map_header, "Content-Type");
  const char *body = c->req->binary_body ? c->req->binary_body : "";
  size_t len = c->req->binary_body_length;
  json_t *rows = NULL, *errors;
  *csv = ct && strncasecmp(ct, "text/csv", 8) == 0;
  if (*csv) {
    char err[160];
    rows = csv_parse(body, len, err, sizeof err);
    if (rows == NULL) {
      result_problem(res, PROBLEM_MALFORMED_JSON, MSG_MALFORMED_CSV, err);
      return NULL;
    }
    if (json_array_size(rows) > 0) return rows;
    errors = json_array();
    errors_add(errors, "header", MSG_REQUIRED);
  } else if (ct && strncasecmp(ct, "application/json", 16) == 0) {
    json_error_t jerr;
    rows = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (rows == NULL) {
      result_problem(res, PROBLEM_MALFORMED_JSON, MSG_MALFORMED_JSON, jerr.text);
      return NULL;
    }
    if (json_is_array(rows)) return rows;
    errors = json_array();
    errors_add(errors, "", MSG_IMPORT_ARRAY);
  } else {
    result_problem(res, PROBLEM_UNSUPPORTED_MEDIA_TYPE, MSG_IMPORT_CONTENT_TYPE);
    return NULL;
  }
  json_decref(rows);
  result_invalid(res, errors);
  return NULL;
}

/* All or nothing: every row is checked as a public response would be; any problem refuses
 * the whole import (listing at most IMPORT_ERRORS_SHOWN of them). */
void responses_import(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct survey_definition d = {0};
  json_t *errors = json_array(), *batch = json_array(), *header = NULL;
  size_t total_errors = 0, first = 0;
  int csv = 0;
  json_t *rows = import_rows(c, &csv, res);
  if (rows == NULL) goto out;
  enum db_status st = surveys_q_definition(tx, c->org_param, c->path[0], &d);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  }
  if (st != DB_ONE) goto out;
  if (strcmp(d.status, "draft") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_IMPORT_DRAFT);
    goto out;
  }
  if (csv) {
    header = json_incref(json_array_get(rows, 0));
    first = 1;
    if (survey_csv_header_check(d.questions, d.fields, header, errors) > 0) {
      total_errors = json_array_size(errors);
      goto refuse;
    }
  }
  for (size_t i = first; i < json_array_size(rows); i++) {
    json_t *row = json_array_get(rows, i);
    if (header && json_array_size(row) > json_array_size(header)) {
      char field[40];
      snprintf(field, sizeof field, "rows[%zu]", i - first);
      if (json_array_size(errors) < IMPORT_ERRORS_SHOWN) errors_add(errors, field, MSG_CSV_ROW_CELLS);
      total_errors++;
      continue;
    }
    json_t *response = header ? survey_csv_row(d.questions, d.fields, header, row) : json_incref(row);
    json_t *tally = json_array(), *row_errors = json_array();
    char prefix[40];
    snprintf(prefix, sizeof prefix, "rows[%zu].", i - first);
    int n = response_check(d.questions, d.fields, d.units, d.processes, response, prefix, 0, row_errors, tally);
    total_errors += (size_t)n;
    for (size_t k = 0; k < json_array_size(row_errors) && json_array_size(errors) < IMPORT_ERRORS_SHOWN; k++) {
      json_array_append(errors, json_array_get(row_errors, k));
    }
    if (n == 0 && total_errors == 0) {
      json_array_append_new(batch, batch_entry(response, tally));
    }
    json_decref(tally);
    json_decref(row_errors);
    json_decref(response);
  }
refuse:
  if (total_errors > 0) {
    result_invalid(res, errors);
    snprintf(res->detail, sizeof res->detail, "%zu problem(s) in the import; nothing was written", total_errors);
    errors = NULL;
    goto out;
  }
  const char *dry_run = query_value(c, "dry_run");
  if (dry_run != NULL && strcmp(dry_run, "true") == 0) {
    result_json(res, 200, json_pack("{s:I}", "valid", (json_int_t)json_array_size(batch)));
    goto out;
  }
  add_batch(tx, c->org_param, d.id, batch, 201, json_pack("{s:I}", "imported", (json_int_t)json_array_size(batch)),
            res);
out:
  survey_definition_free(&d);
  json_decref(rows);
  json_decref(header);
  json_decref(errors);
  json_decref(batch);
}

/* ---- results -------------------------------------------------------------------------------------- */

/* Three statements (the survey, its counts, the previous survey of its kind) in the one
 * snapshot the route declares, so that the counts agree with response_count. The previous
 * survey is compared with only when the caller may read it too (zsz_survey_readable). */
void survey_results(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct survey_summary s = {0};
  struct survey_tallies t;
  struct survey_previous prev = {0};
  json_t *means = NULL;
  PGresult *counts = NULL;
  survey_tallies_init(&t);
  enum db_status st = surveys_q_summary(tx, c->org_param, c->path[0], c->roles_param, c->who.sub, &s);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (st == DB_ONE && !s.readable) {
    /* a survey of the caller's organisation, about processes it does not own */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_SURVEY_READER);
  }
  if (st != DB_ONE || !s.readable) goto out;
  counts = surveys_q_counts(tx, c->org_param, c->path[0]);
  if (counts == NULL) goto out;
  for (int i = 0; i < PQntuples(counts); i++) {
    survey_tallies_add(&t, PQgetvalue(counts, i, 0), PQgetvalue(counts, i, 1), PQgetvalue(counts, i, 2),
                       PQgetvalue(counts, i, 3), atoll(PQgetvalue(counts, i, 4)));
  }
  /* the comparison draws only on a survey the caller may read; another is named "not
   * readable", never compared with */
  int readable = 0;
  st = surveys_q_previous(tx, c->org_param, s.kind, s.year, c->roles_param, c->who.sub, &readable, &prev.id, &prev.year,
                          &means);
  if (st == DB_ERROR) goto out;
  prev.not_readable = st == DB_ONE && !readable;
  prev.means = means;
  struct survey_of_results of = {
      .id = c->path_id[0],
      .status = s.status,
      .responses = s.responses,
      .questions = s.questions,
      .fields = s.fields,
      .target_mean = s.target_mean,
      .min_group_size = s.min_group_size,
  };
  result_json(res, 200, survey_results_json(&of, &t, &prev));
out:
  PQclear(counts);
  json_decref(means);
  survey_tallies_free(&t);
  survey_summary_free(&s);
}

/* Free-text answers of one text question, only with min_group_size responses or more. */
void survey_result_texts(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *question = query_value(c, "question");
  int is_text = 0, enough = 0;
  json_t *texts = NULL;
  enum db_status st = surveys_q_texts(tx, c->org_param, c->path[0], question, &is_text, &enough, &texts);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (st != DB_ONE) {
    return;
  } else if (!is_text) {
    json_t *errors = json_array();
    errors_add(errors, "question", MSG_NOT_TEXT_QUESTION);
    result_invalid(res, errors);
    res->kind = PROBLEM_INVALID_PARAMETER;
    res->status = 400;
  } else if (!enough) {
    result_problem(res, PROBLEM_CONFLICT, MSG_TOO_FEW_RESPONSES);
  } else {
    result_json(res, 200, json_pack("{s:s, s:o}", "question", question, "texts", texts));
  }
}

/* ---- closing at closes_at --------------------------------------------------------------------------- */

void surveys_close_due(struct db_pool *pool) {
  jobs_each_organisation(pool, "surveys_close_due", "system:survey", NULL, surveys_q_close_due);
}
