/* Indicators (wskaźniki) of objectives and their readings (odczyty): one reading per period,
 * replaced by PUT (the replaced value stays in the change log), locked once used in a review.
 * attainment, stale and health are computed by SQL on every read (0002_objectives.sql). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "period.h"
#include "server.h"
#include "validate.h"

static const char *const DIRECTIONS[] = {"increase", "decrease", "range", NULL};
static const char *const FREQUENCIES[] = {"monthly", "quarterly", "half_yearly", "yearly", NULL};
static const char *const SOURCES[] = {"manual", "survey", NULL};
static const char *const SURVEY_KINDS[] = {"external_customers", "employees", "ad_hoc", NULL};

static const struct field_spec INDICATOR_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "unit", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 32},
    {.name = "direction", .type = VT_STRING, .flags = V_REQUIRED, .one_of = DIRECTIONS},
    {.name = "baseline", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target_min", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target_max", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "frequency", .type = VT_STRING, .flags = V_REQUIRED, .one_of = FREQUENCIES},
    {.name = "source", .type = VT_STRING, .one_of = SOURCES},
    {.name = "survey_kind", .type = VT_STRING, .flags = V_NULLABLE, .one_of = SURVEY_KINDS},
    {.name = "survey_question", .type = VT_STRING, .flags = V_NULLABLE | V_CODE_CHARS, .min_len = 1, .max_len = 40},
    {.name = "responsible", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {0},
};

static const char *const DECIMAL_FIELDS[] = {"baseline", "target", "target_min", "target_max", NULL};

static const struct field_spec READING_FIELDS[] = {
    {.name = "value", .type = VT_DECIMAL, .flags = V_REQUIRED},
    {.name = "comment", .type = VT_STRING, .flags = V_TEXT, .max_len = 2000},
    {0},
};

struct indicator_args {
  struct req_ctx *c;
  char id_text[24]; /* indicator, or objective for nested routes */
  const char *period;
  long long if_match;
  char *body_text; /* owned */
  json_t *after;   /* owned */
  int limit;
};

static void indicator_args_free(struct indicator_args *a) {
  free(a->body_text);
  json_decref(a->after);
}

/* Decimal fields as canonical strings, so SQL reads exact text and numbers lose nothing
 * more than JSON already did. */
static void canonical_decimals(json_t *body, const char *const *fields) {
  for (size_t i = 0; fields[i]; i++) {
    json_t *v = json_object_get(body, fields[i]);
    char text[64];
    if (v != NULL && !json_is_null(v) && decimal_text(v, text, sizeof text) == 0) {
      json_object_set_new(body, fields[i], json_string(text));
    }
  }
}

/* Compares two canonical decimal strings numerically (within 18.6 digits a long double is
 * exact enough to order them; equality is decided on the normalised text). */
static int decimal_cmp(const char *a, const char *b) {
  long double x = strtold(a, NULL), y = strtold(b, NULL);
  return x < y ? -1 : x > y ? 1 : 0;
}

/* The target rules of a direction over the indicator as it will be (merged). */
static void check_targets(const json_t *merged, json_t *errors) {
  const char *direction = json_string_value(json_object_get(merged, "direction"));
  const char *baseline = json_string_value(json_object_get(merged, "baseline"));
  const char *target = json_string_value(json_object_get(merged, "target"));
  const char *tmin = json_string_value(json_object_get(merged, "target_min"));
  const char *tmax = json_string_value(json_object_get(merged, "target_max"));
  if (direction == NULL) {
    return;
  }
  if (strcmp(direction, "range") == 0) {
    if (tmin == NULL) errors_add(errors, "target_min", MSG_REQUIRED_FOR_DIRECTION, direction);
    if (tmax == NULL) errors_add(errors, "target_max", MSG_REQUIRED_FOR_DIRECTION, direction);
    if (tmin && tmax && decimal_cmp(tmin, tmax) > 0) errors_add(errors, "target_min", MSG_RANGE_ORDER);
    if (target != NULL) errors_add(errors, "target", MSG_NOT_FOR_DIRECTION, direction);
    return;
  }
  if (baseline == NULL) errors_add(errors, "baseline", MSG_REQUIRED_FOR_DIRECTION, direction);
  if (target == NULL) errors_add(errors, "target", MSG_REQUIRED_FOR_DIRECTION, direction);
  if (tmin != NULL) errors_add(errors, "target_min", MSG_NOT_FOR_DIRECTION, direction);
  if (tmax != NULL) errors_add(errors, "target_max", MSG_NOT_FOR_DIRECTION, direction);
  if (baseline && target) {
    int cmp = decimal_cmp(target, baseline);
    if (cmp == 0) {
      errors_add(errors, "target", MSG_TARGET_EQUALS_BASELINE);
    } else if ((cmp < 0) != (strcmp(direction, "decrease") == 0)) {
      errors_add(errors, "target", MSG_TARGET_DIRECTION, direction);
    }
  }
}

/* A survey-fed indicator names the survey kind; a manual one names none. */
static void check_source(const json_t *merged, json_t *errors) {
  const char *qtext = json_string_value(json_object_get(merged, "survey_question"));
  for (const char *p = qtext; p && *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
      errors_add(errors, "survey_question", MSG_KEY_CHARS);
      break;
    }
  }
  const char *source = json_string_value(json_object_get(merged, "source"));
  int survey = source && strcmp(source, "survey") == 0;
  const json_t *kind = json_object_get(merged, "survey_kind"), *question = json_object_get(merged, "survey_question");
  if (survey != json_is_string(kind)) errors_add(errors, "survey_kind", MSG_SURVEY_SOURCE);
  if (!survey && json_is_string(question)) errors_add(errors, "survey_question", MSG_SURVEY_SOURCE);
}

/* The objective of an indicator must still take changes; 1 fine, 0 after 404/409. */
static int objective_open(struct db_tx *tx, const char *org, const char *objective_id, struct result *res) {
  const char *params[] = {org, objective_id};
  PGresult *r = db_exec(tx, "SELECT status FROM objectives WHERE org_id = $1 AND id = $2 FOR SHARE", 2, params);
  if (r == NULL) {
    return -1;
  }
  int ok = 0;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_OBJECTIVE);
  } else if (strcmp(PQgetvalue(r, 0, 0), "closed") == 0 || strcmp(PQgetvalue(r, 0, 0), "cancelled") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, PQgetvalue(r, 0, 0));
  } else {
    ok = 1;
  }
  PQclear(r);
  return ok;
}

static int responsible_known(struct db_tx *tx, const char *org, const json_t *body, json_t *errors) {
  const json_t *who = json_object_get(body, "responsible");
  if (!json_is_string(who)) {
    return 0;
  }
  const char *params[] = {org, json_string_value(who)};
  PGresult *r = db_exec(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params);
  if (r == NULL) {
    return -1;
  }
  if (PQntuples(r) == 0) {
    errors_add(errors, "responsible", MSG_NO_SUCH_USER);
  }
  PQclear(r);
  return 0;
}

/* ---- indicators -------------------------------------------------------------------------- */

static void indicator_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  json_t *errors = json_array();
  if (objective_open(tx, a->c->org_param, a->id_text, res) != 1 ||
      responsible_known(tx, a->c->org_param, a->c->body, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  PGresult *r = db_exec(tx,
                        "INSERT INTO indicators AS i (org_id, objective_id, name, unit, direction, baseline, target, "
                        "target_min, target_max, frequency, responsible, source, survey_kind, survey_question) "
                        "SELECT $1, $2, b->>'name', coalesce(b->>'unit', ''), b->>'direction', "
                        "(b->>'baseline')::numeric, (b->>'target')::numeric, (b->>'target_min')::numeric, "
                        "(b->>'target_max')::numeric, b->>'frequency', b->>'responsible', "
                        "coalesce(b->>'source', 'manual'), b->>'survey_kind', b->>'survey_question' "
                        "FROM (SELECT $3::jsonb AS b) AS input "
                        "RETURNING zsz_indicator_json(i)::text, i.revision, i.id",
                        3, params);
  if (r == NULL) {
    goto out;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/indicators/%s", PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(errors);
}

void indicator_create(struct req_ctx *c) {
  struct indicator_args a = {.c = c};
  if (http_path_id_text(c, "id", a.id_text, sizeof a.id_text, MSG_NOT_FOUND_OBJECTIVE) != 0) {
    return;
  }
  json_t *errors = json_array();
  validate_object(c->body, INDICATOR_FIELDS, VALIDATE_CREATE, errors);
  if (json_array_size(errors) == 0) {
    canonical_decimals(c->body, DECIMAL_FIELDS);
    check_targets(c->body, errors);
    check_source(c->body, errors);
  }
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, indicator_create_work, &a);
  indicator_args_free(&a);
}

static int indicator_path(struct req_ctx *c, struct indicator_args *a) {
  a->c = c;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_INDICATOR) != 0) {
    return -1;
  }
  return 0;
}

static void indicator_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text};
  record_get(tx, res,
             "SELECT zsz_indicator_json(i)::text, i.revision FROM indicators i WHERE i.org_id = $1 AND i.id = $2", 2,
             params, MSG_NOT_FOUND_INDICATOR);
}

void indicator_get(struct req_ctx *c) {
  struct indicator_args a = {0};
  if (indicator_path(c, &a) == 0) {
    http_run(c, 1, indicator_get_work, &a);
  }
}

static void indicator_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  json_t *errors = json_array();
  json_t *merged = NULL;
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *cur = db_exec(tx,
                          "SELECT i.revision, i.objective_id::text, json_build_object('direction', i.direction, "
                          "'baseline', i.baseline::text, 'target', i.target::text, 'target_min', i.target_min::text, "
                          "'target_max', i.target_max::text, 'frequency', i.frequency, 'source', i.source, "
                          "'survey_kind', i.survey_kind, 'survey_question', i.survey_question)::text, "
                          "EXISTS (SELECT 1 FROM indicator_readings r WHERE r.indicator_id = i.id) "
                          "FROM indicators i WHERE i.org_id = $1 AND i.id = $2 FOR UPDATE",
                          2, params);
  if (cur == NULL) {
    goto out;
  }
  if (PQntuples(cur) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INDICATOR);
    goto out;
  }
  if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(cur, 0, 0))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    goto out;
  }
  if (objective_open(tx, a->c->org_param, PQgetvalue(cur, 0, 1), res) != 1) {
    goto out;
  }
  const char *frequency = json_string_value(json_object_get(a->c->body, "frequency"));
  merged = json_loads(PQgetvalue(cur, 0, 2), 0, NULL);
  if (frequency && PQgetvalue(cur, 0, 3)[0] == 't' &&
      strcmp(frequency, json_string_value(json_object_get(merged, "frequency"))) != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_FREQUENCY_HAS_READINGS);
    goto out;
  }
  json_object_update(merged, a->c->body);
  check_targets(merged, errors);
  check_source(merged, errors);
  if (responsible_known(tx, a->c->org_param, a->c->body, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *update[] = {a->c->org_param, a->id_text, a->body_text};
  record_exec(tx, res,
              "UPDATE indicators i SET "
              "name = CASE WHEN b ? 'name' THEN b->>'name' ELSE name END, "
              "unit = CASE WHEN b ? 'unit' THEN b->>'unit' ELSE unit END, "
              "direction = CASE WHEN b ? 'direction' THEN b->>'direction' ELSE direction END, "
              "baseline = CASE WHEN b ? 'baseline' THEN (b->>'baseline')::numeric ELSE baseline END, "
              "target = CASE WHEN b ? 'target' THEN (b->>'target')::numeric ELSE target END, "
              "target_min = CASE WHEN b ? 'target_min' THEN (b->>'target_min')::numeric ELSE target_min END, "
              "target_max = CASE WHEN b ? 'target_max' THEN (b->>'target_max')::numeric ELSE target_max END, "
              "frequency = CASE WHEN b ? 'frequency' THEN b->>'frequency' ELSE frequency END, "
              "responsible = CASE WHEN b ? 'responsible' THEN b->>'responsible' ELSE responsible END, "
              "source = CASE WHEN b ? 'source' THEN b->>'source' ELSE source END, "
              "survey_kind = CASE WHEN b ? 'survey_kind' THEN b->>'survey_kind' ELSE survey_kind END, "
              "survey_question = CASE WHEN b ? 'survey_question' THEN b->>'survey_question' ELSE survey_question END, "
              "revision = revision + 1, updated_at = now() "
              "FROM (SELECT $3::jsonb AS b) AS input WHERE i.org_id = $1 AND i.id = $2 "
              "RETURNING zsz_indicator_json(i)::text, i.revision",
              3, update, 200);
out:
  json_decref(merged);
  json_decref(errors);
  PQclear(cur);
}

void indicator_update(struct req_ctx *c) {
  struct indicator_args a = {0};
  if (indicator_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0 ||
      http_validate(c, INDICATOR_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  canonical_decimals(c->body, DECIMAL_FIELDS);
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, indicator_update_work, &a);
  indicator_args_free(&a);
}

static void indicator_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM objectives WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_OBJECTIVE) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_indicator_json(i)::text, i.id::text FROM indicators i "
                        "WHERE i.org_id = $1 AND i.objective_id = $2 AND ($3::bigint IS NULL OR i.id > $3::bigint) "
                        "ORDER BY i.id LIMIT $4",
                        4, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "id");
    PQclear(r);
  }
}

void indicator_list(struct req_ctx *c) {
  struct indicator_args a = {.c = c};
  if (http_path_id_text(c, "id", a.id_text, sizeof a.id_text, MSG_NOT_FOUND_OBJECTIVE) == 0 &&
      http_query_limit(c, &a.limit) == 0 && http_query_cursor(c, "id", 1, &a.after) == 0) {
    http_run(c, 1, indicator_list_work, &a);
  }
  indicator_args_free(&a);
}

/* ---- readings ------------------------------------------------------------------------------ */

static int reading_path(struct req_ctx *c, struct indicator_args *a) {
  if (indicator_path(c, a) != 0) {
    return -1;
  }
  a->period = u_map_get(c->req->map_url, "period");
  return 0;
}

static void reading_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM indicators WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_INDICATOR) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_reading_json(r)::text, r.period FROM indicator_readings r "
                        "WHERE r.org_id = $1 AND r.indicator_id = $2 AND ($3::text IS NULL OR r.period > $3) "
                        "ORDER BY r.period LIMIT $4",
                        4, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "period");
    PQclear(r);
  }
}

void reading_list(struct req_ctx *c) {
  struct indicator_args a = {0};
  if (indicator_path(c, &a) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "period", 1, &a.after) == 0) {
    http_run(c, 1, reading_list_work, &a);
  }
  indicator_args_free(&a);
}

static void reading_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text, a->period};
  record_get(tx, res,
             "SELECT zsz_reading_json(r)::text, r.revision FROM indicator_readings r "
             "WHERE r.org_id = $1 AND r.indicator_id = $2 AND r.period = $3",
             3, params, MSG_NOT_FOUND_READING);
}

void reading_get(struct req_ctx *c) {
  struct indicator_args a = {0};
  if (reading_path(c, &a) == 0) {
    http_run(c, 1, reading_get_work, &a);
  }
}

/* The indicator with what decides who may record and which periods are valid. */
struct reading_target {
  PGresult *row; /* owned: frequency, year, responsible, process owner, objective status */
};

static int reading_target_lock(struct db_tx *tx, struct indicator_args *a, struct result *res,
                               struct reading_target *t) {
  const char *params[] = {a->c->org_param, a->id_text};
  t->row = db_exec(tx,
                   "SELECT i.frequency, o.year, coalesce(i.responsible, ''), coalesce(p.owner, ''), o.status, i.source "
                   "FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                   "LEFT JOIN processes p ON p.org_id = o.org_id AND p.id = o.process_id "
                   "WHERE i.org_id = $1 AND i.id = $2 FOR SHARE OF i",
                   2, params);
  if (t->row == NULL) {
    return -1;
  }
  if (PQntuples(t->row) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INDICATOR);
    return 0;
  }
  return 1;
}

static int period_ok(struct indicator_args *a, const struct reading_target *t, struct result *res) {
  const char *frequency = PQgetvalue(t->row, 0, 0);
  int year = atoi(PQgetvalue(t->row, 0, 1));
  if (a->period == NULL || !utf8_valid(a->period, strlen(a->period)) || period_valid(frequency, year, a->period) != 0) {
    json_t *errors = json_array();
    errors_add(errors, "period", MSG_PERIOD, frequency, year);
    result_invalid(res, errors);
    return 0;
  }
  return 1;
}

static void reading_put_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  struct reading_target t = {0};
  if (reading_target_lock(tx, a, res, &t) != 1) {
    goto out;
  }
  /* record rule: the plenipotentiary, or the process owner responsible for the indicator or
   * owning the objective's process */
  const struct principal *who = &a->c->who;
  if (!(who->roles & ROLE_PLENIPOTENTIARY) &&
      !((who->roles & ROLE_PROCESS_OWNER) &&
        (strcmp(PQgetvalue(t.row, 0, 2), who->sub) == 0 || strcmp(PQgetvalue(t.row, 0, 3), who->sub) == 0))) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_RESPONSIBLE);
    goto out;
  }
  if (!period_ok(a, &t, res)) {
    goto out;
  }
  if (strcmp(PQgetvalue(t.row, 0, 5), "survey") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_READING_FROM_SURVEY);
    goto out;
  }
  const char *status = PQgetvalue(t.row, 0, 4);
  if (strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->period};
  PGresult *cur =
      db_exec(tx,
              "SELECT locked, revision FROM indicator_readings WHERE org_id = $1 AND indicator_id = $2 AND period = $3 "
              "FOR UPDATE",
              3, params);
  if (cur == NULL) {
    goto out;
  }
  int exists = PQntuples(cur) == 1;
  int locked = exists && PQgetvalue(cur, 0, 0)[0] == 't';
  long long revision = exists ? atoll(PQgetvalue(cur, 0, 1)) : 0;
  PQclear(cur);
  if (locked) {
    result_problem(res, PROBLEM_CONFLICT, MSG_READING_LOCKED);
    goto out;
  }
  if (a->if_match > 0 && a->if_match != revision) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    goto out;
  }
  const char *write[] = {a->c->org_param, a->id_text, a->period, a->body_text, who->sub};
  record_exec(tx, res,
              "INSERT INTO indicator_readings AS r (org_id, indicator_id, period, value, comment, recorded_by) "
              "SELECT $1, $2, $3, (b->>'value')::numeric, coalesce(b->>'comment', ''), $5 "
              "FROM (SELECT $4::jsonb AS b) AS input "
              "ON CONFLICT (indicator_id, period) DO UPDATE SET value = EXCLUDED.value, "
              "comment = EXCLUDED.comment, recorded_by = EXCLUDED.recorded_by, recorded_at = now(), "
              "revision = r.revision + 1 "
              "RETURNING zsz_reading_json(r)::text, r.revision",
              5, write, exists ? 200 : 201);
out:
  PQclear(t.row);
}

void reading_put(struct req_ctx *c) {
  struct indicator_args a = {0};
  if (reading_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0 ||
      http_validate(c, READING_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  canonical_decimals(c->body, (const char *const[]){"value", NULL});
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, reading_put_work, &a);
  indicator_args_free(&a);
}

static void reading_lock_work(struct db_tx *tx, void *arg, struct result *res) {
  struct indicator_args *a = arg;
  struct reading_target t = {0};
  if (reading_target_lock(tx, a, res, &t) != 1 || !period_ok(a, &t, res)) {
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->period};
  PGresult *cur = db_exec(
      tx, "SELECT locked FROM indicator_readings WHERE org_id = $1 AND indicator_id = $2 AND period = $3 FOR UPDATE", 3,
      params);
  if (cur == NULL) {
    goto out;
  }
  if (PQntuples(cur) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_READING);
  } else if (PQgetvalue(cur, 0, 0)[0] == 't') {
    result_problem(res, PROBLEM_CONFLICT, MSG_ALREADY_LOCKED);
  } else if (db_set_action(tx, "lock") == 0) {
    const char *lock[] = {a->c->org_param, a->id_text, a->period, a->c->who.sub};
    record_exec(tx, res,
                "UPDATE indicator_readings r SET locked = true, locked_by = $4, locked_at = now(), "
                "revision = revision + 1 WHERE org_id = $1 AND indicator_id = $2 AND period = $3 "
                "RETURNING zsz_reading_json(r)::text, r.revision",
                4, lock, 200);
  }
  PQclear(cur);
out:
  PQclear(t.row);
}

void reading_lock(struct req_ctx *c) {
  struct indicator_args a = {0};
  if (reading_path(c, &a) == 0) {
    http_run(c, 0, reading_lock_work, &a);
  }
}
