/* Process reviews (przeglądy procesów): every six months the owner reviews each process it
 * owns; minutes are due 15 August (H1) and 15 February of the next year (H2). The owner
 * writes and submits, the plenipotentiary accepts or returns with feedback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "period.h"
#include "server.h"
#include "validate.h"
#include "workflow.h"

static const char *const REVIEW_STATES[] = {"draft", "submitted", "accepted", "returned", NULL};
static const char *const ACTION_STATES[] = {"open", "done", "cancelled", NULL};
static const char *const OVERVIEW_STATES[] = {"overdue", "missing", "submitted", "accepted", NULL};

static const struct workflow_step REVIEW_STEPS[] = {
    {"draft", "submitted", ROLE_PROCESS_OWNER, NULL},
    {"returned", "submitted", ROLE_PROCESS_OWNER, NULL},
    {"submitted", "accepted", ROLE_PLENIPOTENTIARY, NULL},
    {"submitted", "returned", ROLE_PLENIPOTENTIARY, "reason"},
};
static const struct workflow REVIEW_WORKFLOW = {REVIEW_STATES, REVIEW_STEPS, 4};

#define REVIEW_TEXT(n)                                                                                                 \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = 20000 }

static const struct field_spec REVIEW_FIELDS[] = {
    {.name = "period", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 16},
    {.name = "held_on", .type = VT_DATE, .flags = V_NULLABLE},
    {.name = "participants",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 50},
    REVIEW_TEXT("indicator_analysis"),
    {.name = "description_current", .type = VT_BOOLEAN, .flags = V_NULLABLE},
    REVIEW_TEXT("good_practices"),
    REVIEW_TEXT("risks_and_nonconformities"),
    {.name = "improvement_actions", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {0},
};

static const struct field_spec ACTION_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "responsible", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    {.name = "status", .type = VT_STRING, .one_of = ACTION_STATES},
    {0},
};

struct review_args {
  struct req_ctx *c;
  char process_id[24];
  char id_text[24];
  long long if_match;
  char *body_text; /* owned */
  const char *to, *reason;
  const char *period, *state;
  json_t *after; /* owned */
  int limit;
};

static void review_args_free(struct review_args *a) {
  free(a->body_text);
  json_decref(a->after);
}

/* Validates a review body, the actions inside it included, with every problem at once. */
static int review_validate(struct req_ctx *c, enum validate_mode mode) {
  json_t *errors = json_array();
  validate_object(c->body, REVIEW_FIELDS, mode, errors);
  const char *period = json_string_value(json_object_get(c->body, "period"));
  if (period && !field_has_error(errors, "period") && !review_period_valid(period)) {
    errors_add(errors, "period", MSG_REVIEW_PERIOD);
  }
  json_t *actions = json_object_get(c->body, "improvement_actions");
  if (json_is_array(actions) && !field_has_error(errors, "improvement_actions")) {
    size_t i;
    json_t *item;
    json_array_foreach(actions, i, item) {
      json_t *inner = json_array();
      validate_object(item, ACTION_FIELDS, VALIDATE_CREATE, inner);
      size_t k;
      json_t *e;
      json_array_foreach(inner, k, e) {
        char field[128];
        const char *f = json_string_value(json_object_get(e, "field"));
        snprintf(field, sizeof field, "improvement_actions[%zu]%s%s", i, *f ? "." : "", f);
        json_array_append_new(errors,
                              json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
      }
      json_decref(inner);
    }
  }
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return -1;
  }
  json_decref(errors);
  /* every stored action has all its fields: the defaults the contract documents */
  size_t i;
  json_t *item;
  json_array_foreach(actions, i, item) {
    if (!json_object_get(item, "responsible")) json_object_set_new(item, "responsible", json_null());
    if (!json_object_get(item, "due_date")) json_object_set_new(item, "due_date", json_null());
    if (!json_object_get(item, "status")) json_object_set_new(item, "status", json_string("open"));
  }
  return 0;
}

/* The process, locked: 1 with its owner and status, 0 after 404. */
static int process_of_review(struct db_tx *tx, struct review_args *a, struct result *res, char owner[256], int lock) {
  const char *params[] = {a->c->org_param, a->process_id};
  /* a write holds the process (and so its owner) until it commits; a read is one snapshot */
  PGresult *r =
      lock ? db_exec(tx, "SELECT coalesce(owner, '') FROM processes WHERE org_id = $1 AND id = $2 FOR SHARE", 2, params)
           : db_exec(tx, "SELECT coalesce(owner, '') FROM processes WHERE org_id = $1 AND id = $2", 2, params);
  if (r == NULL) {
    return -1;
  }
  int found = PQntuples(r) == 1;
  if (found) {
    snprintf(owner, 256, "%s", PQgetvalue(r, 0, 0));
  } else {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROCESS);
  }
  PQclear(r);
  return found;
}

static int is_owner(const struct req_ctx *c, const char *owner) {
  return (c->who.roles & ROLE_PROCESS_OWNER) && strcmp(owner, c->who.sub) == 0;
}

/* Reviews are read by the plenipotentiary, the president, auditors and the process's owner. */
static int may_read(const struct req_ctx *c, const char *owner) {
  return (c->who.roles & (ROLE_PLENIPOTENTIARY | ROLE_PRESIDENT | ROLE_AUDITOR)) || is_owner(c, owner);
}

static int review_path(struct req_ctx *c, struct review_args *a, int with_review) {
  a->c = c;
  if (http_path_id_text(c, "id", a->process_id, sizeof a->process_id, MSG_NOT_FOUND_PROCESS) != 0) {
    return -1;
  }
  if (with_review) {
    if (http_path_id_text(c, "review_id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_REVIEW) != 0) {
      return -1;
    }
  }
  return 0;
}

static void review_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct review_args *a = arg;
  char owner[256];
  if (process_of_review(tx, a, res, owner, 1) != 1) {
    return;
  }
  if (!is_owner(a->c, owner)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
    return;
  }
  const char *params[] = {a->c->org_param, a->process_id, a->body_text};
  PGresult *r = db_exec(
      tx,
      "INSERT INTO process_reviews AS r (org_id, process_id, period, held_on, participants, indicator_analysis, "
      "description_current, good_practices, risks_and_nonconformities, improvement_actions) "
      "SELECT $1, $2, b->>'period', (b->>'held_on')::date, "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'participants', '[]'))), "
      "coalesce(b->>'indicator_analysis', ''), (b->>'description_current')::boolean, "
      "coalesce(b->>'good_practices', ''), coalesce(b->>'risks_and_nonconformities', ''), "
      "coalesce(b->'improvement_actions', '[]') FROM (SELECT $3::jsonb AS b) AS input "
      "RETURNING zsz_review_json(r)::text, r.revision, r.id",
      3, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "period", MSG_DUPLICATE_REVIEW);
    }
    return;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/processes/%s/reviews/%s", a->process_id, PQgetvalue(r, 0, 2));
  PQclear(r);
}

void review_create(struct req_ctx *c) {
  struct review_args a = {0};
  if (review_path(c, &a, 0) != 0 || review_validate(c, VALIDATE_CREATE) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, review_create_work, &a);
  review_args_free(&a);
}

static void review_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct review_args *a = arg;
  char owner[256];
  if (process_of_review(tx, a, res, owner, 0) != 1) {
    return;
  }
  if (!may_read(a->c, owner)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_REVIEW_READER);
    return;
  }
  const char *params[] = {a->c->org_param, a->process_id, a->id_text};
  record_get(tx, res,
             "SELECT zsz_review_json(r)::text, r.revision FROM process_reviews r "
             "WHERE r.org_id = $1 AND r.process_id = $2 AND r.id = $3",
             3, params, MSG_NOT_FOUND_REVIEW);
}

void review_get(struct req_ctx *c) {
  struct review_args a = {0};
  if (review_path(c, &a, 1) == 0) {
    http_run(c, 1, review_get_work, &a);
  }
}

static void review_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct review_args *a = arg;
  char owner[256], fetch[12];
  if (process_of_review(tx, a, res, owner, 0) != 1) {
    return;
  }
  if (!may_read(a->c, owner)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_REVIEW_READER);
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->process_id,
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL, fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_review_json(r)::text, r.period FROM process_reviews r "
                        "WHERE r.org_id = $1 AND r.process_id = $2 AND ($3::text IS NULL OR r.period > $3) "
                        "ORDER BY r.period LIMIT $4",
                        4, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "period");
    PQclear(r);
  }
}

void review_list(struct req_ctx *c) {
  struct review_args a = {0};
  if (review_path(c, &a, 0) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "period", 1, &a.after) == 0) {
    http_run(c, 1, review_list_work, &a);
  }
  review_args_free(&a);
}

/* Locks the review; 1 with its status, 0 after 404/412. */
static int review_lock(struct db_tx *tx, struct review_args *a, struct result *res, char status[16]) {
  const char *params[] = {a->c->org_param, a->process_id, a->id_text};
  PGresult *r =
      db_exec(tx,
              "SELECT status, revision FROM process_reviews WHERE org_id = $1 AND process_id = $2 AND id = $3 "
              "FOR UPDATE",
              3, params);
  if (r == NULL) {
    return -1;
  }
  int found = PQntuples(r) == 1;
  if (!found) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_REVIEW);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    found = 0;
  } else {
    snprintf(status, 16, "%s", PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  return found;
}

static void review_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct review_args *a = arg;
  char owner[256], status[16];
  if (process_of_review(tx, a, res, owner, 1) != 1) {
    return;
  }
  if (!is_owner(a->c, owner)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
    return;
  }
  if (review_lock(tx, a, res, status) != 1) {
    return;
  }
  if (strcmp(status, "draft") != 0 && strcmp(status, "returned") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
    return;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  PGresult *r = db_exec(
      tx,
      "UPDATE process_reviews r SET "
      "period = CASE WHEN b ? 'period' THEN b->>'period' ELSE period END, "
      "held_on = CASE WHEN b ? 'held_on' THEN (b->>'held_on')::date ELSE held_on END, "
      "participants = CASE WHEN b ? 'participants' THEN ARRAY(SELECT jsonb_array_elements_text(b->'participants')) "
      "  ELSE participants END, "
      "indicator_analysis = CASE WHEN b ? 'indicator_analysis' THEN b->>'indicator_analysis' "
      "  ELSE indicator_analysis END, "
      "description_current = CASE WHEN b ? 'description_current' THEN (b->>'description_current')::boolean "
      "  ELSE description_current END, "
      "good_practices = CASE WHEN b ? 'good_practices' THEN b->>'good_practices' ELSE good_practices END, "
      "risks_and_nonconformities = CASE WHEN b ? 'risks_and_nonconformities' "
      "  THEN b->>'risks_and_nonconformities' ELSE risks_and_nonconformities END, "
      "improvement_actions = CASE WHEN b ? 'improvement_actions' THEN b->'improvement_actions' "
      "  ELSE improvement_actions END, "
      "revision = revision + 1, updated_at = now() "
      "FROM (SELECT $3::jsonb AS b) AS input WHERE r.org_id = $1 AND r.id = $2 "
      "RETURNING zsz_review_json(r)::text, r.revision",
      3, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "period", MSG_DUPLICATE_REVIEW);
    }
    return;
  }
  record_result(res, r, 200);
  PQclear(r);
}

void review_update(struct req_ctx *c) {
  struct review_args a = {0};
  if (review_path(c, &a, 1) != 0 || http_if_match(c, 1, &a.if_match) < 0 || review_validate(c, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, review_update_work, &a);
  review_args_free(&a);
}

static void review_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct review_args *a = arg;
  char owner[256], status[16];
  if (process_of_review(tx, a, res, owner, 1) != 1 || review_lock(tx, a, res, status) != 1) {
    return;
  }
  /* the owner's steps are for the owner of this process, not for any process owner */
  unsigned roles = a->c->who.roles & ~(is_owner(a->c, owner) ? 0u : (unsigned)ROLE_PROCESS_OWNER);
  if (workflow_take(tx, res, &REVIEW_WORKFLOW, status, a->to, roles, a->c->body) != 1) {
    return;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->to, a->reason};
  record_exec(tx, res,
              "UPDATE process_reviews r SET status = $3, "
              "feedback = CASE WHEN $3 = 'returned' THEN $4 ELSE feedback END, "
              "submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END, "
              "accepted_at = CASE WHEN $3 = 'accepted' THEN now() ELSE accepted_at END, "
              "revision = revision + 1, updated_at = now() WHERE r.org_id = $1 AND r.id = $2 "
              "RETURNING zsz_review_json(r)::text, r.revision",
              4, params, 200);
}

void review_transition(struct req_ctx *c) {
  struct review_args a = {0};
  json_t *errors = json_array();
  if (review_path(c, &a, 1) != 0 || http_if_match(c, 0, &a.if_match) < 0) {
    json_decref(errors);
    return;
  }
  if (workflow_validate_body(&REVIEW_WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, review_transition_work, &a);
}

/* ---- across processes ------------------------------------------------------------------------ */

static void overview_work(struct db_tx *tx, void *arg, struct result *res) {
  struct review_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->period,
                          a->state,
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 1)) : NULL,
                          fetch};
  PGresult *r = db_exec(
      tx,
      "SELECT json_build_object('process_id', x.id, 'code', x.code, 'name', x.name, 'owner', x.owner, "
      "'review_id', x.review_id, 'status', x.status, 'due_by', x.due_by, 'state', x.state)::text, x.code, x.id::text "
      "FROM (SELECT p.id, p.code, p.name, p.owner, r.id AS review_id, r.status, zsz_review_due($2) AS due_by, "
      "  CASE WHEN r.status = 'accepted' THEN 'accepted' "
      "       WHEN zsz_today() > zsz_review_due($2) THEN 'overdue' "
      "       WHEN r.status = 'submitted' THEN 'submitted' "
      "       ELSE 'missing' END AS state "
      "  FROM processes p LEFT JOIN process_reviews r ON r.org_id = p.org_id AND r.process_id = p.id AND r.period = $2 "
      "  WHERE p.org_id = $1 AND p.status = 'active') AS x "
      "WHERE ($3::text IS NULL OR x.state = $3) AND ($4::text IS NULL OR (x.code, x.id) > ($4, $5::bigint)) "
      "ORDER BY x.code, x.id LIMIT $6",
      6, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 2, "code");
    PQclear(r);
  }
}

void process_review_overview(struct req_ctx *c) {
  struct review_args a = {.c = c};
  if (http_query_text(c, "period", 16, &a.period) == 0 && http_query_enum(c, "state", OVERVIEW_STATES, &a.state) == 0 &&
      http_query_limit(c, &a.limit) == 0 && http_query_cursor(c, "code", 2, &a.after) == 0) {
    if (a.period == NULL || !review_period_valid(a.period)) {
      http_bad_param(c, PROBLEM_INVALID_PARAMETER, "period", MSG_REVIEW_PERIOD);
    } else {
      http_run(c, 1, overview_work, &a);
    }
  }
  review_args_free(&a);
}
