/* Satisfaction surveys (badania satysfakcji): definitions kept by the plenipotentiary,
 * anonymous responses through a public link or imported from paper forms, and results that
 * protect small groups. Results come from aggregate counts kept in the writing transaction
 * (zsz_survey_add in 0004_surveys.sql), so their cost does not grow with the responses. */
#include <math.h>
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
#include "strbuf.h"
#include "survey_check.h"
#include "timefmt.h"
#include "validate.h"
#include "workflow.h"

static const char *const STATES[] = {"draft", "open", "closed", NULL};
static const char *const KINDS[] = {"external_customers", "employees", "ad_hoc", NULL};

static const struct workflow_step STEPS[] = {
    {"draft", "open", ROLE_PLENIPOTENTIARY, NULL},
    {"open", "closed", ROLE_PLENIPOTENTIARY, NULL},
};
static const struct workflow WORKFLOW = {STATES, STEPS, 2};

static const struct field_spec SURVEY_FIELDS[] = {
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = KINDS},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "process_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "org_unit_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "questions", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {.name = "respondent_fields", .type = VT_OBJECT_ARRAY, .max_items = 10},
    {.name = "opens_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "closes_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "target_mean", .type = VT_DECIMAL},
    {.name = "min_group_size", .type = VT_INTEGER, .min = 1, .max = 1000},
    {.name = "access_codes_required", .type = VT_BOOLEAN},
    {0},
};

/* Fields a survey keeps once open: the form its respondents saw. */
static const char *const FROZEN_ONCE_OPEN[] = {"questions", "respondent_fields", "kind", "year", NULL};

struct survey_args {
  struct req_ctx *c;
  char id_text[24];
  long long if_match;
  char *body_text; /* owned */
  const char *to;
  const char *filter[3]; /* year, kind, status */
  const char *question;
  json_t *after; /* owned */
  int limit;
  int dry_run;
  json_t *batch; /* owned: validated responses with tallies, for import */
  json_t *codes; /* owned: access codes made */
  size_t rows;
};

static void survey_args_free(struct survey_args *a) {
  free(a->body_text);
  json_decref(a->after);
  json_decref(a->batch);
  json_decref(a->codes);
}

/* ---- shapes ------------------------------------------------------------------------------- */

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

static int survey_body_check(struct req_ctx *c, enum validate_mode mode) {
  json_t *errors = json_array();
  validate_object(c->body, SURVEY_FIELDS, mode, errors);
  if (json_is_object(c->body)) {
    const json_t *q = json_object_get(c->body, "questions"), *f = json_object_get(c->body, "respondent_fields");
    if (!field_has_error(errors, "questions") && !field_has_error(errors, "respondent_fields")) {
      survey_definition_check(q, f, errors);
    }
    const json_t *target = json_object_get(c->body, "target_mean");
    char text[64];
    if (target && !field_has_error(errors, "target_mean") && decimal_text(target, text, sizeof text) == 0) {
      double v = atof(text);
      if (v < 1 || v > 5) errors_add(errors, "target_mean", MSG_OUT_OF_RANGE, 1LL, 5LL);
      json_object_set_new(c->body, "target_mean", json_string(text));
    }
    normalise_times(c->body, errors);
  }
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return -1;
  }
  json_decref(errors);
  question_defaults(json_object_get(c->body, "questions"));
  return 0;
}

/* The ids in process_ids and org_unit_ids belong to the organisation. */
static int check_refs(struct db_tx *tx, const char *org, const json_t *body, json_t *errors) {
  json_t *none = json_array();
  const json_t *pl = json_object_get(body, "process_ids"), *ul = json_object_get(body, "org_unit_ids");
  char *p = json_dumps(pl ? pl : none, JSON_COMPACT);
  char *u = json_dumps(ul ? ul : none, JSON_COMPACT);
  json_decref(none);
  const char *params[] = {org, p, u};
  PGresult *r = db_exec(tx,
                        "SELECT (SELECT count(*) FROM jsonb_array_elements_text($2::jsonb) x "
                        "  WHERE NOT EXISTS (SELECT 1 FROM processes WHERE org_id = $1 AND id = x::bigint)), "
                        "(SELECT count(*) FROM jsonb_array_elements_text($3::jsonb) x "
                        "  WHERE NOT EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = x::bigint))",
                        3, params);
  free(p);
  free(u);
  if (r == NULL) return -1;
  if (atoll(PQgetvalue(r, 0, 0)) > 0) errors_add(errors, "process_ids", MSG_NO_SUCH_PROCESS);
  if (atoll(PQgetvalue(r, 0, 1)) > 0) errors_add(errors, "org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
  PQclear(r);
  return 0;
}

/* ---- who reads ------------------------------------------------------------------------------ */

/* Plenipotentiary and president read every survey; a process owner those concerning a
 * process it owns. A SQL condition over survey s with $owner_param as the caller's sub or
 * NULL when it reads everything. */
static const char *owner_filter(const struct req_ctx *c) {
  return (c->who.roles & (ROLE_PLENIPOTENTIARY | ROLE_PRESIDENT)) ? NULL : c->who.sub;
}

/* ---- surveys --------------------------------------------------------------------------------- */

static void survey_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  json_t *errors = json_array();
  if (check_refs(tx, a->c->org_param, a->c->body, errors) != 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  unsigned char raw[16];
  char public_id[32];
  if (RAND_bytes(raw, sizeof raw) != 1) goto out;
  b64url_encode(raw, sizeof raw, public_id); /* 22 characters, 128 random bits */
  const char *params[] = {a->c->org_param, a->body_text, public_id};
  PGresult *r = db_exec(
      tx,
      "WITH s AS (INSERT INTO surveys AS s (org_id, title, kind, year, process_ids, org_unit_ids, questions, "
      "respondent_fields, opens_at, closes_at, target_mean, min_group_size, access_codes_required, public_id) "
      "SELECT $1, b->>'title', b->>'kind', (b->>'year')::integer, "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'process_ids', '[]')))::bigint[], "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'org_unit_ids', '[]')))::bigint[], "
      "coalesce(b->'questions', '[]'), coalesce(b->'respondent_fields', '[]'), (b->>'opens_at')::timestamptz, "
      "(b->>'closes_at')::timestamptz, coalesce((b->>'target_mean')::numeric, 4.0), "
      "coalesce((b->>'min_group_size')::integer, 5), coalesce((b->>'access_codes_required')::boolean, false), $3 "
      "FROM (SELECT $2::jsonb AS b) AS input RETURNING s.*), "
      "p AS (INSERT INTO survey_public_ids (public_id, org_id, survey_id) SELECT public_id, org_id, id FROM s) "
      "SELECT zsz_survey_json(s)::text, s.revision, s.id FROM s",
      3, params);
  if (r == NULL) goto out;
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/surveys/%s", PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(errors);
}

void survey_create(struct req_ctx *c) {
  struct survey_args a = {.c = c};
  if (survey_body_check(c, VALIDATE_CREATE) != 0) return;
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, survey_create_work, &a);
  survey_args_free(&a);
}

static int survey_path(struct req_ctx *c, struct survey_args *a) {
  a->c = c;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_SURVEY) != 0) return -1;
  return 0;
}

/* Survey s is readable by the caller whose sub is parameter P (NULL: reads every survey). */
#define READABLE_SURVEY(P)                                                                                             \
  "(" P "::text IS NULL OR EXISTS (SELECT 1 FROM processes p WHERE p.org_id = s.org_id "                               \
  "AND p.id = ANY (s.process_ids) AND p.owner = " P "))"

/* 1 when the survey exists and the caller may read it; 0 after 404 or 403. */
static int survey_readable(struct db_tx *tx, struct survey_args *a, struct result *res) {
  const char *params[] = {a->c->org_param, a->id_text, owner_filter(a->c)};
  PGresult *r =
      db_exec(tx, "SELECT " READABLE_SURVEY("$3") " FROM surveys s WHERE s.org_id = $1 AND s.id = $2", 3, params);
  if (r == NULL) return -1;
  int ok = 0;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (PQgetvalue(r, 0, 0)[0] != 't') {
    /* a survey of the caller's organisation, about processes it does not own */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_SURVEY_READER);
  } else {
    ok = 1;
  }
  PQclear(r);
  return ok;
}

static void survey_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  if (survey_readable(tx, a, res) != 1) return;
  const char *params[] = {a->c->org_param, a->id_text};
  record_get(tx, res, "SELECT zsz_survey_json(s)::text, s.revision FROM surveys s WHERE s.org_id = $1 AND s.id = $2", 2,
             params, MSG_NOT_FOUND_SURVEY);
}

void survey_get(struct req_ctx *c) {
  struct survey_args a = {0};
  if (survey_path(c, &a) == 0) http_run(c, 1, survey_get_work, &a);
}

static void survey_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *after = a->after ? json_string_value(json_array_get(a->after, 0)) : NULL;
  const char *params[] = {a->c->org_param, owner_filter(a->c), a->filter[0], a->filter[1], a->filter[2], after, fetch};
  static const char LIST_SQL[] =
      "SELECT zsz_survey_json(s)::text, s.id::text FROM surveys s WHERE s.org_id = $1 AND " READABLE_SURVEY(
          "$2") " AND ($3::integer IS NULL OR s.year = $3::integer) AND ($4::text IS NULL OR s.kind = $4) "
                "AND ($5::text IS NULL OR s.status = $5) AND ($6::bigint IS NULL OR s.id < $6::bigint) "
                "ORDER BY s.id DESC LIMIT $7";
  PGresult *r = db_exec(tx, LIST_SQL, 7, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "id-desc");
    PQclear(r);
  }
}

void survey_list(struct req_ctx *c) {
  struct survey_args a = {.c = c};
  if (http_query_int(c, "year", 2000, 2100, &a.filter[0]) == 0 &&
      http_query_enum(c, "kind", KINDS, &a.filter[1]) == 0 && http_query_enum(c, "status", STATES, &a.filter[2]) == 0 &&
      http_query_limit(c, &a.limit) == 0 && http_query_cursor(c, "id-desc", 1, &a.after) == 0) {
    http_run(c, 1, survey_list_work, &a);
  }
  survey_args_free(&a);
}

/* Locks a survey; 1 with its status (and, when asked, questions), 0 after 404/412. */
static int survey_lock(struct db_tx *tx, struct survey_args *a, struct result *res, char status[16]) {
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *r = db_exec(tx, "SELECT status, revision FROM surveys WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params);
  if (r == NULL) return -1;
  int found = PQntuples(r) == 1;
  if (!found) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    found = 0;
  } else {
    snprintf(status, 16, "%s", PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  return found;
}

static void survey_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  char status[16];
  json_t *errors = json_array();
  if (survey_lock(tx, a, res, status) != 1) goto out;
  if (strcmp(status, "closed") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
    goto out;
  }
  if (strcmp(status, "open") == 0) {
    for (size_t i = 0; FROZEN_ONCE_OPEN[i]; i++) {
      if (json_object_get(a->c->body, FROZEN_ONCE_OPEN[i])) errors_add(errors, FROZEN_ONCE_OPEN[i], MSG_FROZEN_OPEN);
    }
  }
  if (json_array_size(errors) == 0 && check_refs(tx, a->c->org_param, a->c->body, errors) != 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  PGresult *r = db_exec(
      tx,
      "UPDATE surveys s SET "
      "title = CASE WHEN b ? 'title' THEN b->>'title' ELSE title END, "
      "kind = CASE WHEN b ? 'kind' THEN b->>'kind' ELSE kind END, "
      "year = CASE WHEN b ? 'year' THEN (b->>'year')::integer ELSE year END, "
      "process_ids = CASE WHEN b ? 'process_ids' THEN ARRAY(SELECT jsonb_array_elements_text(b->'process_ids'))"
      "::bigint[] ELSE process_ids END, "
      "org_unit_ids = CASE WHEN b ? 'org_unit_ids' THEN ARRAY(SELECT jsonb_array_elements_text(b->'org_unit_ids'))"
      "::bigint[] ELSE org_unit_ids END, "
      "questions = CASE WHEN b ? 'questions' THEN b->'questions' ELSE questions END, "
      "respondent_fields = CASE WHEN b ? 'respondent_fields' THEN b->'respondent_fields' ELSE respondent_fields END, "
      "opens_at = CASE WHEN b ? 'opens_at' THEN (b->>'opens_at')::timestamptz ELSE opens_at END, "
      "closes_at = CASE WHEN b ? 'closes_at' THEN (b->>'closes_at')::timestamptz ELSE closes_at END, "
      "target_mean = CASE WHEN b ? 'target_mean' THEN (b->>'target_mean')::numeric ELSE target_mean END, "
      "min_group_size = CASE WHEN b ? 'min_group_size' THEN (b->>'min_group_size')::integer ELSE min_group_size END, "
      "access_codes_required = CASE WHEN b ? 'access_codes_required' THEN (b->>'access_codes_required')::boolean "
      "  ELSE access_codes_required END, "
      "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
      "WHERE s.org_id = $1 AND s.id = $2 RETURNING zsz_survey_json(s)::text, s.revision",
      3, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23514")) {
      json_t *e = json_array();
      errors_add(e, "closes_at", MSG_BEFORE, "opens_at (it must come after it)");
      result_invalid(res, e);
    }
    goto out;
  }
  record_result(res, r, 200);
  PQclear(r);
out:
  json_decref(errors);
}

void survey_update(struct req_ctx *c) {
  struct survey_args a = {0};
  if (survey_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0 || survey_body_check(c, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, survey_update_work, &a);
  survey_args_free(&a);
}

/* Closes a locked open survey and feeds its indicators; the row is returned as the result. */
static void close_and_feed(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  record_exec(tx, res,
              "WITH s AS (UPDATE surveys s SET status = 'closed', revision = revision + 1, updated_at = now() "
              "WHERE s.org_id = $1 AND s.id = $2 RETURNING s.*) "
              "SELECT zsz_survey_json(s)::text, s.revision, zsz_survey_feed_indicators(s.id) FROM s",
              2, params, 200);
}

static void survey_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  char status[16];
  if (survey_lock(tx, a, res, status) != 1) return;
  if (workflow_take(tx, res, &WORKFLOW, status, a->to, a->c->who.roles, a->c->body) != 1) return;
  if (strcmp(a->to, "closed") == 0) {
    close_and_feed(tx, a->c->org_param, a->id_text, res);
    return;
  }
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *r = db_exec(tx,
                        "UPDATE surveys s SET status = 'open', revision = revision + 1, updated_at = now() "
                        "WHERE s.org_id = $1 AND s.id = $2 AND jsonb_array_length(s.questions) > 0 "
                        "RETURNING zsz_survey_json(s)::text, s.revision",
                        2, params);
  if (r == NULL) return;
  if (PQntuples(r) == 0) {
    json_t *errors = json_array();
    errors_add(errors, "questions", MSG_SURVEY_NEEDS_QUESTION);
    result_invalid(res, errors);
  } else {
    record_result(res, r, 200);
  }
  PQclear(r);
}

void survey_transition(struct req_ctx *c) {
  struct survey_args a = {0};
  json_t *errors;
  if (survey_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0) return;
  errors = json_array();
  if (workflow_validate_body(&WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  http_run(c, 0, survey_transition_work, &a);
}

/* ---- access codes -------------------------------------------------------------------------- */

static void sha256_hex(const char *s, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
  for (unsigned i = 0; i < len && i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void access_codes_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  char status[16];
  if (survey_lock(tx, a, res, status) != 1) return;
  if (strcmp(status, "closed") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
    return;
  }
  json_t *hashes = json_array();
  size_t i;
  json_t *code;
  json_array_foreach(a->codes, i, code) {
    char hex[65];
    sha256_hex(json_string_value(code), hex);
    json_array_append_new(hashes, json_string(hex));
  }
  char *text = json_dumps(hashes, JSON_COMPACT);
  json_decref(hashes);
  const char *params[] = {a->c->org_param, a->id_text, text};
  PGresult *r = db_exec(tx,
                        "WITH c AS (INSERT INTO survey_access_codes (org_id, survey_id, code_hash) "
                        "SELECT $1, $2, h FROM jsonb_array_elements_text($3::jsonb) h ON CONFLICT DO NOTHING) "
                        "UPDATE surveys SET access_codes_required = true, revision = revision + 1, updated_at = now() "
                        "WHERE org_id = $1 AND id = $2",
                        3, params);
  free(text);
  if (r != NULL) {
    PQclear(r);
    result_json(res, 201, json_pack("{s:O}", "codes", a->codes));
  }
}

void access_codes_create(struct req_ctx *c) {
  static const struct field_spec SPEC[] = {
      {.name = "count", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 10000}, {0}};
  static const char ALPHABET[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; /* 32 letters: no 0/O or 1/I */
  struct survey_args a = {0};
  if (survey_path(c, &a) != 0 || http_validate(c, SPEC, VALIDATE_CREATE) != 0) return;
  size_t count = (size_t)json_integer_value(json_object_get(c->body, "count"));
  a.codes = json_array();
  unsigned char raw[12];
  for (size_t i = 0; i < count; i++) {
    char code[13];
    if (RAND_bytes(raw, sizeof raw) != 1) break;
    for (int k = 0; k < 12; k++)
      code[k] = ALPHABET[raw[k] & 31];
    code[12] = '\0';
    json_array_append_new(a.codes, json_string(code));
  }
  http_run(c, 0, access_codes_work, &a);
  survey_args_free(&a);
}

/* A batch entry {answers, respondent, tally} of a checked response (new reference; tally is
 * borrowed). Absent parts become empty objects. */
static json_t *batch_entry(const json_t *response, json_t *tally) {
  json_t *answers = json_object_get(response, "answers"), *respondent = json_object_get(response, "respondent");
  return json_pack("{s:o, s:o, s:O}", "answers", answers ? json_incref(answers) : json_object(), "respondent",
                   respondent ? json_incref(respondent) : json_object(), "tally", tally);
}

/* ---- responses --------------------------------------------------------------------------------- */

/* The survey's definition and the codes its respondent fields may name. Its row is locked
 * first: every writer of a survey's responses, codes and counts takes the locks in the same
 * order (survey, code, counts), so concurrent submissions queue instead of deadlocking. */
struct definition {
  PGresult *row; /* owned: status, questions, fields, units, processes, codes required, past closes_at */
  json_t *questions, *fields, *units, *processes;
};

static void definition_free(struct definition *d) {
  PQclear(d->row);
  json_decref(d->questions);
  json_decref(d->fields);
  json_decref(d->units);
  json_decref(d->processes);
}

static int definition_load(struct db_tx *tx, const char *org, const char *id, struct definition *d,
                           struct result *res) {
  const char *params[] = {org, id};
  d->row = db_exec(tx,
                   "SELECT s.status, s.questions::text, s.respondent_fields::text, "
                   "(SELECT json_agg(u.code) FROM org_units u WHERE u.org_id = s.org_id "
                   "  AND (cardinality(s.org_unit_ids) = 0 OR u.id = ANY (s.org_unit_ids)))::text, "
                   "(SELECT json_agg(p.code) FROM processes p WHERE p.org_id = s.org_id "
                   "  AND (cardinality(s.process_ids) = 0 OR p.id = ANY (s.process_ids)))::text, "
                   "s.access_codes_required, coalesce(s.closes_at <= now(), false) "
                   "FROM surveys s WHERE s.org_id = $1 AND s.id = $2 FOR NO KEY UPDATE",
                   2, params);
  if (d->row == NULL) return -1;
  if (PQntuples(d->row) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
    return 0;
  }
  d->questions = json_loads(PQgetvalue(d->row, 0, 1), 0, NULL);
  d->fields = json_loads(PQgetvalue(d->row, 0, 2), 0, NULL);
  d->units = PQgetisnull(d->row, 0, 3) ? json_array() : json_loads(PQgetvalue(d->row, 0, 3), 0, NULL);
  d->processes = PQgetisnull(d->row, 0, 4) ? json_array() : json_loads(PQgetvalue(d->row, 0, 4), 0, NULL);
  return 1;
}

static void add_batch(struct db_tx *tx, const char *org, const char *id, const json_t *batch, struct result *res,
                      json_t *body) {
  char *text = json_dumps(batch, JSON_COMPACT);
  const char *params[] = {org, id, text};
  PGresult *r = db_exec(tx, "SELECT zsz_survey_add($1::bigint, $2::bigint, $3::jsonb)", 3, params);
  free(text);
  if (r != NULL) {
    result_json(res, 201, body);
    PQclear(r);
  } else {
    json_decref(body);
  }
}

struct public_args {
  struct req_ctx *c;
  const char *public_id;
  char survey_id[24];
};

/* Resolves a public id to its organisation and survey; 1 found, 0 after 404, -1 failure. */
static void public_lookup_work(struct db_tx *tx, void *arg, struct result *res) {
  struct public_args *a = arg;
  const char *params[] = {a->public_id};
  PGresult *r = db_exec(tx, "SELECT org_id, survey_id FROM survey_public_ids WHERE public_id = $1", 1, params);
  if (r == NULL) return;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else {
    a->c->org_id = atoll(PQgetvalue(r, 0, 0));
    snprintf(a->c->org_param, sizeof a->c->org_param, "%s", PQgetvalue(r, 0, 0));
    snprintf(a->survey_id, sizeof a->survey_id, "%s", PQgetvalue(r, 0, 1));
    res->status = 200;
  }
  PQclear(r);
}

/* Picks the tenant of a public request from its survey; 0 when found, -1 after rendering. */
static int public_resolve(struct req_ctx *c, struct public_args *a) {
  struct result res = {0};
  struct db_tx_opts opts = {.read_only = 1};
  a->c = c;
  a->public_id = u_map_get(c->req->map_url, "public_id");
  if (a->public_id == NULL || strlen(a->public_id) != 22) {
    http_problem(c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
    return -1;
  }
  db_run(c->pool, &opts, public_lookup_work, a, &res, c->request_id);
  int ok = res.status == 200;
  if (!ok) http_render(c, &res);
  result_reset(&res);
  /* public callers act as nobody: the change log records the survey's respondents so */
  snprintf(c->who.sub, sizeof c->who.sub, "anonymous");
  return ok ? 0 : -1;
}

static void public_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct public_args *a = arg;
  const char *params[] = {a->c->org_param, a->survey_id};
  document_get(tx, res,
               "SELECT json_build_object('public_id', s.public_id, 'title', s.title, 'questions', s.questions, "
               "'respondent_fields', s.respondent_fields, 'closes_at', zsz_ts(s.closes_at), "
               "'access_codes_required', s.access_codes_required)::text FROM surveys s "
               "WHERE s.org_id = $1 AND s.id = $2 AND s.status = 'open' "
               "AND (s.closes_at IS NULL OR s.closes_at > now())",
               2, params, MSG_NOT_FOUND_SURVEY);
}

void public_survey_get(struct req_ctx *c) {
  struct public_args a = {0};
  if (public_resolve(c, &a) == 0) http_run(c, 1, public_get_work, &a);
}

static void public_post_work(struct db_tx *tx, void *arg, struct result *res) {
  struct public_args *a = arg;
  struct definition d = {0};
  json_t *errors = json_array(), *tally = json_array();
  if (definition_load(tx, a->c->org_param, a->survey_id, &d, res) != 1) goto out;
  if (strcmp(PQgetvalue(d.row, 0, 0), "open") != 0 || PQgetvalue(d.row, 0, 6)[0] == 't') {
    result_problem(res, PROBLEM_CONFLICT, MSG_SURVEY_NOT_OPEN);
    goto out;
  }
  int codes = PQgetvalue(d.row, 0, 5)[0] == 't';
  response_check(d.questions, d.fields, d.units, d.processes, a->c->body, "", 1, errors, tally);
  const char *code = json_string_value(json_object_get(a->c->body, "access_code"));
  if (codes && json_array_size(errors) == 0) {
    char hex[65];
    sha256_hex(code ? code : "", hex);
    const char *params[] = {a->c->org_param, a->survey_id, hex};
    /* a code is spent in the same transaction as the response it admits */
    PGresult *r = db_exec(tx,
                          "UPDATE survey_access_codes SET used = true WHERE org_id = $1 AND survey_id = $2 "
                          "AND code_hash = $3 AND NOT used RETURNING 1",
                          3, params);
    if (r == NULL) goto out;
    if (PQntuples(r) == 0) errors_add(errors, "access_code", MSG_ACCESS_CODE);
    PQclear(r);
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  json_t *batch = json_pack("[o]", batch_entry(a->c->body, tally));
  add_batch(tx, a->c->org_param, a->survey_id, batch, res, json_pack("{s:b}", "received", 1));
  json_decref(batch);
out:
  definition_free(&d);
  json_decref(errors);
  json_decref(tally);
}

void public_response_create(struct req_ctx *c) {
  struct public_args a = {0};
  if (public_resolve(c, &a) == 0) http_run(c, 0, public_post_work, &a);
}

/* ---- import ------------------------------------------------------------------------------------- */

#define IMPORT_ERRORS_SHOWN 1000

static void import_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  struct definition d = {0};
  json_t *errors = json_array(), *batch = json_array(), *header = NULL;
  size_t total_errors = 0;
  if (definition_load(tx, a->c->org_param, a->id_text, &d, res) != 1) goto out;
  if (strcmp(PQgetvalue(d.row, 0, 0), "draft") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_IMPORT_DRAFT);
    goto out;
  }
  /* a->batch holds the rows: response objects, or CSV rows after a header */
  size_t first = 0;
  if (a->rows == (size_t)-1) {
    header = json_incref(json_array_get(a->batch, 0));
    first = 1;
    if (survey_csv_header_check(d.questions, d.fields, header, errors) > 0) {
      total_errors = json_array_size(errors);
      goto refuse;
    }
  }
  for (size_t i = first; i < json_array_size(a->batch); i++) {
    json_t *row = json_array_get(a->batch, i);
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
  if (a->dry_run) {
    result_json(res, 200, json_pack("{s:I}", "valid", (json_int_t)json_array_size(batch)));
    goto out;
  }
  add_batch(tx, a->c->org_param, a->id_text, batch, res,
            json_pack("{s:I}", "imported", (json_int_t)json_array_size(batch)));
out:
  definition_free(&d);
  json_decref(header);
  json_decref(errors);
  json_decref(batch);
}

void responses_import(struct req_ctx *c) {
  struct survey_args a = {0};
  const char *ct = u_map_get_case(c->req->map_header, "Content-Type");
  static const char *const BOOLEANS[] = {"true", "false", NULL};
  const char *dry = NULL;
  char err[160];
  if (survey_path(c, &a) != 0 || http_query_enum(c, "dry_run", BOOLEANS, &dry) != 0) return;
  a.dry_run = dry != NULL && strcmp(dry, "true") == 0;
  const char *body = c->req->binary_body ? c->req->binary_body : "";
  size_t len = c->req->binary_body_length;
  if (ct && strncasecmp(ct, "text/csv", 8) == 0) {
    a.batch = csv_parse(body, len, err, sizeof err);
    if (a.batch == NULL) {
      http_problem(c, PROBLEM_MALFORMED_JSON, MSG_MALFORMED_CSV, err);
      return;
    }
    if (json_array_size(a.batch) == 0) {
      json_t *errors = json_array();
      errors_add(errors, "header", MSG_REQUIRED);
      http_invalid(c, errors);
      survey_args_free(&a);
      return;
    }
    a.rows = (size_t)-1; /* first row is the header */
  } else if (ct && strncasecmp(ct, "application/json", 16) == 0) {
    json_error_t jerr;
    a.batch = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (a.batch == NULL) {
      http_problem(c, PROBLEM_MALFORMED_JSON, MSG_MALFORMED_JSON, jerr.text);
      return;
    }
    if (!json_is_array(a.batch)) {
      json_t *errors = json_array();
      errors_add(errors, "", MSG_IMPORT_ARRAY);
      http_invalid(c, errors);
      survey_args_free(&a);
      return;
    }
  } else {
    http_problem(c, PROBLEM_UNSUPPORTED_MEDIA_TYPE, MSG_IMPORT_CONTENT_TYPE);
    return;
  }
  http_run(c, 0, import_work, &a);
  survey_args_free(&a);
}

/* ---- results -------------------------------------------------------------------------------------- */

static double round3(double x) {
  return round(x * 1000.0) / 1000.0;
}

static json_t *num_or_null(double x, int ok) {
  return ok ? json_real(round3(x)) : json_null();
}

/* counts[value] of one question in one group, from the rows of survey_counts. */
static long long count_of(const json_t *map, const char *q, const char *v) {
  return json_integer_value(json_object_get(json_object_get(map, q), v));
}

struct scale {
  long long n, d[6];
  double sum, sumsq;
};

static struct scale scale_of(const json_t *map, const char *q) {
  struct scale s = {0};
  for (int v = 1; v <= 5; v++) {
    char k[2] = {(char)('0' + v), '\0'};
    s.d[v] = count_of(map, q, k);
    s.n += s.d[v];
    s.sum += (double)v * (double)s.d[v];
    s.sumsq += (double)v * v * (double)s.d[v];
  }
  return s;
}

static json_t *scale_json(const json_t *map, const char *q, double target) {
  struct scale s = scale_of(map, q);
  double mean = s.n ? s.sum / (double)s.n : 0;
  double var = s.n > 1 ? (s.sumsq - (double)s.n * mean * mean) / (double)(s.n - 1) : 0;
  double sd = var > 0 ? sqrt(var) : 0;
  double half = s.n > 1 ? 1.96 * sd / sqrt((double)s.n) : 0;
  json_t *dist = json_object();
  for (int v = 1; v <= 5; v++) {
    char k[2] = {(char)('0' + v), '\0'};
    json_object_set_new(dist, k, json_integer(s.d[v]));
  }
  json_t *ci = s.n > 1 ? json_pack("[f, f]", round3(mean - half), round3(mean + half)) : json_null();
  return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "key", q, "type", "scale_1_5", "n",
                   (json_int_t)s.n, "mean", num_or_null(mean, s.n > 0), "sd", num_or_null(sd, s.n > 1), "ci95", ci,
                   "distribution", dist, "dont_know", (json_int_t)count_of(map, q, "dont_know"), "not_applicable",
                   (json_int_t)count_of(map, q, "not_applicable"), "share_4_5",
                   num_or_null(s.n ? (double)(s.d[4] + s.d[5]) / (double)s.n : 0, s.n > 0), "below_target",
                   s.n ? json_boolean(mean < target) : json_null());
}

static json_t *choice_json(const json_t *map, const json_t *def) {
  const char *q = json_string_value(json_object_get(def, "key"));
  const char *type = json_string_value(json_object_get(def, "type"));
  json_t *counts = json_object(), *shares = json_object();
  long long n = 0;
  if (strcmp(type, "yes_no") == 0) {
    n = count_of(map, q, "yes") + count_of(map, q, "no");
    json_object_set_new(counts, "yes", json_integer(count_of(map, q, "yes")));
    json_object_set_new(counts, "no", json_integer(count_of(map, q, "no")));
  } else {
    size_t i;
    json_t *opt;
    json_array_foreach(json_object_get(def, "options"), i, opt) {
      const char *k = json_string_value(json_object_get(opt, "key"));
      long long c = count_of(map, q, k);
      json_object_set_new(counts, k, json_integer(c));
      if (strcmp(type, "single_choice") == 0) n += c;
    }
    if (strcmp(type, "multi_choice") == 0) n = count_of(map, q, "__n");
  }
  const char *k;
  json_t *v;
  json_object_foreach(counts, k, v) {
    json_object_set_new(shares, k, num_or_null(n ? (double)json_integer_value(v) / (double)n : 0, n > 0));
  }
  return json_pack("{s:s, s:s, s:I, s:o, s:o}", "key", q, "type", type, "n", (json_int_t)n, "counts", counts, "shares",
                   shares);
}

/* Mean of all 1..5 answers of the scale questions in a count map: n and sum. */
static void overall(const json_t *map, const json_t *questions, long long *n, double *sum) {
  size_t i;
  json_t *def;
  *n = 0;
  *sum = 0;
  json_array_foreach(questions, i, def) {
    if (strcmp(json_string_value(json_object_get(def, "type")), "scale_1_5") != 0) continue;
    struct scale s = scale_of(map, json_string_value(json_object_get(def, "key")));
    *n += s.n;
    *sum += s.sum;
  }
}

static void add_count(json_t *map, const char *q, const char *v, long long c) {
  json_t *m = json_object_get(map, q);
  if (m == NULL) {
    m = json_object();
    json_object_set_new(map, q, m);
  }
  json_object_set_new(m, v, json_integer(json_integer_value(json_object_get(m, v)) + c));
}

static void results_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  if (survey_readable(tx, a, res) != 1) return;
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *s = db_exec(tx,
                        "SELECT s.questions::text, s.respondent_fields::text, s.target_mean, s.min_group_size, "
                        "s.status, s.response_count, s.kind, s.year FROM surveys s WHERE s.org_id = $1 AND s.id = $2",
                        2, params);
  PGresult *c = NULL, *prev = NULL;
  json_t *questions = NULL, *fields = NULL, *all = json_object(), *groups = json_object(), *sizes = json_object();
  if (s == NULL) goto out;
  if (PQntuples(s) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
    goto out;
  }
  questions = json_loads(PQgetvalue(s, 0, 0), 0, NULL);
  fields = json_loads(PQgetvalue(s, 0, 1), 0, NULL);
  double target = atof(PQgetvalue(s, 0, 2));
  long long min_group = atoll(PQgetvalue(s, 0, 3));
  const char *cparams[] = {a->c->org_param, a->id_text};
  c = db_exec(tx,
              "SELECT question_key, group_field, group_value, value, count FROM survey_counts "
              "WHERE org_id = $1 AND survey_id = $2",
              2, cparams);
  if (c == NULL) goto out;
  for (int i = 0; i < PQntuples(c); i++) {
    const char *q = PQgetvalue(c, i, 0), *f = PQgetvalue(c, i, 1), *g = PQgetvalue(c, i, 2), *v = PQgetvalue(c, i, 3);
    long long n = atoll(PQgetvalue(c, i, 4));
    if (*f == '\0') {
      if (*q) add_count(all, q, v, n);
      continue;
    }
    json_t *field = json_object_get(groups, f);
    if (field == NULL) {
      field = json_object();
      json_object_set_new(groups, f, field);
    }
    json_t *group = json_object_get(field, g);
    if (group == NULL) {
      group = json_object();
      json_object_set_new(field, g, group);
    }
    if (*q) {
      add_count(group, q, v, n);
    } else {
      add_count(sizes, f, g, n);
    }
  }
  json_t *qs = json_array();
  size_t i;
  json_t *def;
  json_array_foreach(questions, i, def) {
    const char *key = json_string_value(json_object_get(def, "key"));
    const char *type = json_string_value(json_object_get(def, "type"));
    if (strcmp(type, "scale_1_5") == 0) {
      json_array_append_new(qs, scale_json(all, key, target));
    } else if (strcmp(type, "text") == 0) {
      json_array_append_new(
          qs, json_pack("{s:s, s:s, s:I}", "key", key, "type", type, "n", (json_int_t)count_of(all, key, "__n")));
    } else {
      json_array_append_new(qs, choice_json(all, def));
    }
  }
  long long on;
  double osum;
  overall(all, questions, &on, &osum);
  /* breakdowns: groups under min_group_size are merged into "other", never shown alone */
  json_t *breakdowns = json_array();
  json_array_foreach(fields, i, def) {
    const char *f = json_string_value(json_object_get(def, "key"));
    json_t *field = json_object_get(groups, f), *shown = json_object(), *other = json_object();
    long long other_n = 0;
    const char *g;
    json_t *map;
    json_object_foreach(field, g, map) {
      long long size = json_integer_value(json_object_get(json_object_get(sizes, f), g));
      if (size >= min_group && strcmp(g, "other") != 0) {
        json_object_set(shown, g, map);
      } else {
        other_n += size;
        const char *q;
        json_t *vals;
        json_object_foreach(map, q, vals) {
          const char *v;
          json_t *cnt;
          json_object_foreach(vals, v, cnt) {
            add_count(other, q, v, json_integer_value(cnt));
          }
        }
      }
    }
    json_t *list = json_array();
    const char *name;
    json_object_foreach(shown, name, map) {
      json_t *gq = json_array();
      size_t k;
      json_t *qd;
      json_array_foreach(questions, k, qd) {
        if (strcmp(json_string_value(json_object_get(qd, "type")), "scale_1_5") != 0) continue;
        struct scale sc = scale_of(map, json_string_value(json_object_get(qd, "key")));
        json_array_append_new(gq, json_pack("{s:O, s:I, s:o}", "key", json_object_get(qd, "key"), "n", (json_int_t)sc.n,
                                            "mean", num_or_null(sc.n ? sc.sum / sc.n : 0, sc.n > 0)));
      }
      long long gn;
      double gs;
      overall(map, questions, &gn, &gs);
      json_array_append_new(list,
                            json_pack("{s:s, s:I, s:o, s:o}", "value", name, "responses",
                                      (json_int_t)json_integer_value(json_object_get(json_object_get(sizes, f), name)),
                                      "overall_mean", num_or_null(gn ? gs / gn : 0, gn > 0), "questions", gq));
    }
    if (other_n > 0) {
      json_t *gq = json_array();
      size_t k;
      json_t *qd;
      json_array_foreach(questions, k, qd) {
        if (strcmp(json_string_value(json_object_get(qd, "type")), "scale_1_5") != 0) continue;
        struct scale sc = scale_of(other, json_string_value(json_object_get(qd, "key")));
        json_array_append_new(gq, json_pack("{s:O, s:I, s:o}", "key", json_object_get(qd, "key"), "n", (json_int_t)sc.n,
                                            "mean", num_or_null(sc.n ? sc.sum / sc.n : 0, sc.n > 0)));
      }
      long long gn;
      double gs;
      overall(other, questions, &gn, &gs);
      json_array_append_new(list, json_pack("{s:s, s:I, s:o, s:o}", "value", "other", "responses", (json_int_t)other_n,
                                            "overall_mean", num_or_null(gn ? gs / gn : 0, gn > 0), "questions", gq));
    }
    json_array_append_new(breakdowns, json_pack("{s:s, s:o}", "field", f, "groups", list));
    json_decref(shown);
    json_decref(other);
  }
  /* comparison with the previous closed survey of the same kind */
  const char *pparams[] = {a->c->org_param, PQgetvalue(s, 0, 6), PQgetvalue(s, 0, 7)};
  prev = db_exec(
      tx,
      "SELECT p.id, p.year, (SELECT json_object_agg(k, zsz_survey_mean(p.id, k)) FROM "
      "  (SELECT q->>'key' AS k FROM jsonb_array_elements(p.questions) q WHERE q->>'type' = 'scale_1_5') x)::text "
      "FROM surveys p WHERE p.org_id = $1 AND p.kind = $2 AND p.year < $3::integer AND p.status = 'closed' "
      "ORDER BY p.year DESC, p.id DESC LIMIT 1",
      3, pparams);
  if (prev == NULL) goto out;
  json_t *comparison = json_null();
  if (PQntuples(prev) == 1) {
    json_t *means = PQgetisnull(prev, 0, 2) ? json_object() : json_loads(PQgetvalue(prev, 0, 2), 0, NULL);
    json_t *cq = json_array();
    size_t k;
    json_t *qr;
    json_array_foreach(qs, k, qr) {
      json_t *pm = json_object_get(means, json_string_value(json_object_get(qr, "key")));
      json_t *m = json_object_get(qr, "mean");
      if (pm == NULL || !json_is_number(m)) continue;
      double before =
          json_is_number(pm) ? json_number_value(pm) : atof(json_string_value(pm) ? json_string_value(pm) : "0");
      if (json_is_null(pm)) continue;
      json_array_append_new(cq, json_pack("{s:O, s:O, s:f, s:f}", "key", json_object_get(qr, "key"), "mean", m,
                                          "previous_mean", round3(before), "change",
                                          round3(json_number_value(m) - before)));
    }
    comparison = json_pack("{s:I, s:I, s:o}", "survey_id", (json_int_t)atoll(PQgetvalue(prev, 0, 0)), "year",
                           (json_int_t)atoll(PQgetvalue(prev, 0, 1)), "questions", cq);
    json_decref(means);
  }
  result_json(res, 200,
              json_pack("{s:I, s:s, s:I, s:{s:I, s:o}, s:o, s:o, s:o}", "survey_id", (json_int_t)atoll(a->id_text),
                        "status", PQgetvalue(s, 0, 4), "responses", (json_int_t)atoll(PQgetvalue(s, 0, 5)), "overall",
                        "n", (json_int_t)on, "mean", num_or_null(on ? osum / on : 0, on > 0), "questions", qs,
                        "breakdowns", breakdowns, "comparison", comparison));
out:
  PQclear(s);
  PQclear(c);
  PQclear(prev);
  json_decref(questions);
  json_decref(fields);
  json_decref(all);
  json_decref(groups);
  json_decref(sizes);
}

void survey_results(struct req_ctx *c) {
  struct survey_args a = {0};
  if (survey_path(c, &a) == 0) http_run(c, 1, results_work, &a);
}

static void texts_work(struct db_tx *tx, void *arg, struct result *res) {
  struct survey_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text, a->question};
  PGresult *r = db_exec(tx,
                        "SELECT s.response_count >= s.min_group_size, EXISTS (SELECT 1 FROM "
                        "jsonb_array_elements(s.questions) q WHERE q->>'key' = $3 AND q->>'type' = 'text'), "
                        "CASE WHEN s.response_count >= s.min_group_size THEN (SELECT coalesce(json_agg(t ORDER BY "
                        "random()), '[]') FROM (SELECT r.answers->>$3 AS t FROM survey_responses r WHERE r.org_id = $1 "
                        "AND r.survey_id = $2 AND r.answers ? $3) x) END::text "
                        "FROM surveys s WHERE s.org_id = $1 AND s.id = $2",
                        3, params);
  if (r == NULL) return;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_SURVEY);
  } else if (PQgetvalue(r, 0, 1)[0] != 't') {
    json_t *errors = json_array();
    errors_add(errors, "question", MSG_NOT_TEXT_QUESTION);
    result_invalid(res, errors);
    res->kind = PROBLEM_INVALID_PARAMETER;
    res->status = 400;
  } else if (PQgetvalue(r, 0, 0)[0] != 't') {
    result_problem(res, PROBLEM_CONFLICT, MSG_TOO_FEW_RESPONSES);
  } else {
    json_t *texts = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
    result_json(res, 200, json_pack("{s:s, s:o}", "question", a->question, "texts", texts));
  }
  PQclear(r);
}

void survey_result_texts(struct req_ctx *c) {
  struct survey_args a = {0};
  if (survey_path(c, &a) != 0 || http_query_text(c, "question", 40, &a.question) != 0) return;
  if (a.question == NULL) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, "question", MSG_REQUIRED);
    return;
  }
  http_run(c, 1, texts_work, &a);
}

/* ---- closing at closes_at --------------------------------------------------------------------------- */

static void close_due_work(struct db_tx *tx, void *arg, struct result *res) {
  (void)arg;
  int got = job_try_lock(tx, "surveys_close_due", tx->org_id);
  if (got <= 0) {
    res->status = got < 0 ? 0 : 200; /* another instance is closing this organisation's surveys */
    return;
  }
  PGresult *r =
      db_exec(tx,
              "WITH s AS (UPDATE surveys s SET status = 'closed', revision = revision + 1, updated_at = now() "
              "WHERE s.org_id = zsz_current_org() AND s.status = 'open' AND s.closes_at <= now() "
              "RETURNING s.id) SELECT count(zsz_survey_feed_indicators(s.id)) FROM s",
              0, NULL);
  if (r != NULL) {
    PQclear(r);
    res->status = 200;
  }
}

static void orgs_work(struct db_tx *tx, void *arg, struct result *res) {
  PGresult *r = db_exec(tx, "SELECT coalesce(json_agg(id), '[]')::text FROM organisations", 0, NULL);
  if (r != NULL) {
    *(json_t **)arg = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    res->status = 200;
  }
}

void surveys_close_due(struct db_pool *pool) {
  json_t *orgs = NULL;
  struct result res = {0};
  struct db_tx_opts opts = {.read_only = 1};
  db_run(pool, &opts, orgs_work, &orgs, &res, "housekeeping");
  result_reset(&res);
  size_t i;
  json_t *id;
  json_array_foreach(orgs, i, id) {
    struct db_tx_opts o = {.org_id = json_integer_value(id), .actor = "system:survey"};
    db_run(pool, &o, close_due_work, NULL, &res, "housekeeping");
    result_reset(&res);
  }
  json_decref(orgs);
}
