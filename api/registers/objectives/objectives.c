/* Objectives (cele ZSZ, ISO 9001 6.2.2): the register, its workflow, revisions of approved
 * objectives with every approval kept, and the annual report (JSON or CSV).
 *
 * Writes pass the validated body to SQL as one jsonb parameter; the static statements read
 * it with ? and ->>, which keeps "absent" apart from "null" without a parameter per field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "server.h"
#include "validate.h"
#include "workflow.h"

static const char *const OBJECTIVE_STATES[] = {"draft", "proposed", "approved", "closed", "cancelled", NULL};
static const char *const STANDARDS[] = {"iso9001", "iso27001", "iso14001", NULL};
static const char *const OUTCOMES[] = {"achieved", "partially_achieved", "not_achieved", NULL};
static const char *const HEALTHS[] = {"achieved", "on_track", "at_risk", "off_track", "no_data", NULL};
static const char *const REVISION_STATES[] = {"pending", "approved", "rejected", NULL};

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT

static const struct workflow_step OBJECTIVE_STEPS[] = {
    {"draft", "proposed", P, NULL},
    {"proposed", "approved", PR, NULL},
    {"proposed", "draft", PR, "reason"},
    {"approved", "closed", P | PR, "outcome"},
    {"draft", "cancelled", P | PR, "reason"},
    {"proposed", "cancelled", P | PR, "reason"},
    {"approved", "cancelled", P | PR, "reason"},
};
static const struct workflow OBJECTIVE_WORKFLOW = {OBJECTIVE_STATES, OBJECTIVE_STEPS, 7};

static const struct workflow_step REVISION_STEPS[] = {
    {"pending", "approved", PR, NULL},
    {"pending", "rejected", PR, "reason"},
};
static const struct workflow REVISION_WORKFLOW = {REVISION_STATES, REVISION_STEPS, 2};

#define LONG_TEXT(n)                                                                                                   \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = 20000 }

static const struct field_spec OBJECTIVE_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    LONG_TEXT("description"),
    {.name = "strategy_ref", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 500},
    {.name = "standards", .type = VT_STRING_ARRAY, .flags = V_UNIQUE, .one_of = STANDARDS, .max_items = 3},
    {.name = "process_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "org_unit_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    LONG_TEXT("planned_actions"),
    LONG_TEXT("resources"),
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    LONG_TEXT("evaluation_method"),
    {0},
};

/* What a revision may change: the 6.2.2 fields and who is responsible. */
static const struct field_spec REVISION_CHANGE_FIELDS[] = {
    LONG_TEXT("planned_actions"),
    LONG_TEXT("resources"),
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    LONG_TEXT("evaluation_method"),
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {0},
};

/* Fields an objective keeps once proposed: changed only in draft, or through a revision. */
static const char *const FROZEN_AFTER_DRAFT[] = {
    "code", "year", "owner", "planned_actions", "resources", "due_date", "evaluation_method", NULL};

static const struct field_spec REVISION_FIELDS[] = {
    {.name = "changes", .type = VT_OBJECT, .flags = V_REQUIRED},
    {.name = "reason", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {0},
};

struct objective_args {
  struct req_ctx *c;
  char id_text[24];
  char sub_id[24]; /* revision id */
  long long if_match;
  char *body_text; /* owned: the validated body as JSON for SQL */
  const char *to, *reason, *outcome;
  /* lists */
  const char *filter[7]; /* year, status, process_id, org_unit_id, owner, standard, health */
  json_t *after;
  int limit;
};

static void objective_args_free(struct objective_args *a) {
  free(a->body_text);
  json_decref(a->after);
}

/* due_date may not lie before 1 January of year: "YYYY-MM-DD" compares as text. */
static void check_due_date(json_t *errors, const char *due_date, long long year) {
  char first[16];
  snprintf(first, sizeof first, "%04lld-01-01", year);
  if (due_date && year > 0 && strcmp(due_date, first) < 0) {
    errors_add(errors, "due_date", MSG_DUE_BEFORE_YEAR);
  }
}

/* owner names a user of the organisation (when given); appends an error otherwise. */
static int check_owner(struct db_tx *tx, const char *org, const json_t *owner, const char *field, json_t *errors) {
  if (!json_is_string(owner)) {
    return 0;
  }
  const char *params[] = {org, json_string_value(owner)};
  PGresult *r = db_exec(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params);
  if (r == NULL) {
    return -1;
  }
  if (PQntuples(r) == 0) {
    errors_add(errors, field, MSG_NO_SUCH_USER);
  }
  PQclear(r);
  return 0;
}

/* Every reference of an objective body in one round trip, so all bad ones are reported. */
static int check_refs(struct db_tx *tx, const char *org, const json_t *body, json_t *errors) {
  char process[24] = "", unit[24] = "";
  const json_t *p = json_object_get(body, "process_id"), *u = json_object_get(body, "org_unit_id");
  if (json_is_integer(p)) snprintf(process, sizeof process, "%lld", (long long)json_integer_value(p));
  if (json_is_integer(u)) snprintf(unit, sizeof unit, "%lld", (long long)json_integer_value(u));
  const char *params[] = {org, json_string_value(json_object_get(body, "owner")), process[0] ? process : NULL,
                          unit[0] ? unit : NULL};
  PGresult *r = db_exec(tx,
                        "SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND sub = $2), "
                        "$3::bigint IS NULL OR EXISTS (SELECT 1 FROM processes WHERE org_id = $1 AND id = $3), "
                        "$4::bigint IS NULL OR EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = $4)",
                        4, params);
  if (r == NULL) {
    return -1;
  }
  if (PQgetvalue(r, 0, 0)[0] != 't') errors_add(errors, "owner", MSG_NO_SUCH_USER);
  if (PQgetvalue(r, 0, 1)[0] != 't') errors_add(errors, "process_id", MSG_NO_SUCH_PROCESS);
  if (PQgetvalue(r, 0, 2)[0] != 't') errors_add(errors, "org_unit_id", MSG_NO_SUCH_ORG_UNIT);
  PQclear(r);
  return 0;
}

/* ---- objectives ------------------------------------------------------------------------ */

static void objective_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  json_t *errors = json_array();
  if (check_refs(tx, a->c->org_param, a->c->body, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->body_text};
  PGresult *r = db_exec(
      tx,
      "INSERT INTO objectives AS o (org_id, code, year, title, description, strategy_ref, standards, process_id, "
      "org_unit_id, owner, planned_actions, resources, due_date, evaluation_method) "
      "SELECT $1, b->>'code', (b->>'year')::integer, b->>'title', coalesce(b->>'description', ''), "
      "coalesce(b->>'strategy_ref', ''), ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'standards', '[]'))), "
      "(b->>'process_id')::bigint, (b->>'org_unit_id')::bigint, b->>'owner', coalesce(b->>'planned_actions', ''), "
      "coalesce(b->>'resources', ''), (b->>'due_date')::date, coalesce(b->>'evaluation_method', '') "
      "FROM (SELECT $2::jsonb AS b) AS input "
      "RETURNING zsz_objective_json(o)::text, o.revision, o.id",
      2, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    }
    goto out;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/objectives/%s", PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(errors);
}

void objective_create(struct req_ctx *c) {
  struct objective_args a = {.c = c};
  json_t *errors = json_array();
  validate_object(c->body, OBJECTIVE_FIELDS, VALIDATE_CREATE, errors);
  json_t *year = json_object_get(c->body, "year");
  if (json_is_integer(year) && !field_has_error(errors, "due_date")) {
    check_due_date(errors, json_string_value(json_object_get(c->body, "due_date")), json_integer_value(year));
  }
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, objective_create_work, &a);
  objective_args_free(&a);
}

static int objective_path(struct req_ctx *c, struct objective_args *a) {
  a->c = c;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_OBJECTIVE) != 0) {
    return -1;
  }
  return 0;
}

#define OBJECTIVE_GET_SQL                                                                                              \
  "SELECT zsz_objective_json(o)::text, o.revision FROM objectives o WHERE o.org_id = $1 AND o.id = $2"

static void objective_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text};
  record_get(tx, res, OBJECTIVE_GET_SQL, 2, params, MSG_NOT_FOUND_OBJECTIVE);
}

void objective_get(struct req_ctx *c) {
  struct objective_args a = {0};
  if (objective_path(c, &a) == 0) {
    http_run(c, 1, objective_get_work, &a);
  }
}

/* Locks the objective; 1 with status, year and revision, 0 after setting 404/412. */
struct locked_objective {
  char status[16];
  long long year;
  long long revision;
};

static int objective_lock(struct db_tx *tx, struct objective_args *a, struct result *res, struct locked_objective *o) {
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *r =
      db_exec(tx, "SELECT status, year, revision FROM objectives WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params);
  if (r == NULL) {
    return -1;
  }
  int found = PQntuples(r) == 1;
  if (!found) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_OBJECTIVE);
  } else {
    snprintf(o->status, sizeof o->status, "%s", PQgetvalue(r, 0, 0));
    o->year = atoll(PQgetvalue(r, 0, 1));
    o->revision = atoll(PQgetvalue(r, 0, 2));
    if (a->if_match > 0 && a->if_match != o->revision) {
      result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
      found = 0;
    }
  }
  PQclear(r);
  return found;
}

static void objective_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  struct locked_objective o;
  json_t *errors = json_array();
  if (objective_lock(tx, a, res, &o) != 1) {
    goto out;
  }
  if (strcmp(o.status, "closed") == 0 || strcmp(o.status, "cancelled") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, o.status);
    goto out;
  }
  if (strcmp(o.status, "draft") != 0) {
    for (size_t i = 0; FROZEN_AFTER_DRAFT[i]; i++) {
      if (json_object_get(a->c->body, FROZEN_AFTER_DRAFT[i])) {
        errors_add(errors, FROZEN_AFTER_DRAFT[i], MSG_FROZEN_FIELD, o.status);
      }
    }
    if (json_array_size(errors) > 0) {
      result_problem(res, PROBLEM_CONFLICT, MSG_FROZEN_FIELDS);
      res->errors = errors;
      errors = NULL;
      goto out;
    }
  }
  json_t *year = json_object_get(a->c->body, "year");
  check_due_date(errors, json_string_value(json_object_get(a->c->body, "due_date")),
                 json_is_integer(year) ? json_integer_value(year) : o.year);
  if (check_refs(tx, a->c->org_param, a->c->body, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  PGresult *r =
      db_exec(tx,
              "UPDATE objectives o SET "
              "code = CASE WHEN b ? 'code' THEN b->>'code' ELSE code END, "
              "year = CASE WHEN b ? 'year' THEN (b->>'year')::integer ELSE year END, "
              "title = CASE WHEN b ? 'title' THEN b->>'title' ELSE title END, "
              "description = CASE WHEN b ? 'description' THEN b->>'description' ELSE description END, "
              "strategy_ref = CASE WHEN b ? 'strategy_ref' THEN b->>'strategy_ref' ELSE strategy_ref END, "
              "standards = CASE WHEN b ? 'standards' THEN ARRAY(SELECT jsonb_array_elements_text(b->'standards')) "
              "  ELSE standards END, "
              "process_id = CASE WHEN b ? 'process_id' THEN (b->>'process_id')::bigint ELSE process_id END, "
              "org_unit_id = CASE WHEN b ? 'org_unit_id' THEN (b->>'org_unit_id')::bigint ELSE org_unit_id END, "
              "owner = CASE WHEN b ? 'owner' THEN b->>'owner' ELSE owner END, "
              "planned_actions = CASE WHEN b ? 'planned_actions' THEN b->>'planned_actions' ELSE planned_actions END, "
              "resources = CASE WHEN b ? 'resources' THEN b->>'resources' ELSE resources END, "
              "due_date = CASE WHEN b ? 'due_date' THEN (b->>'due_date')::date ELSE due_date END, "
              "evaluation_method = CASE WHEN b ? 'evaluation_method' THEN b->>'evaluation_method' "
              "  ELSE evaluation_method END, "
              "revision = revision + 1, updated_at = now() "
              "FROM (SELECT $3::jsonb AS b) AS input WHERE o.org_id = $1 AND o.id = $2 "
              "RETURNING zsz_objective_json(o)::text, o.revision",
              3, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    } else if (db_failed_with(tx, "23514")) {
      json_t *due = json_array();
      errors_add(due, "due_date", MSG_DUE_BEFORE_YEAR);
      result_invalid(res, due);
    }
    goto out;
  }
  record_result(res, r, 200);
  PQclear(r);
out:
  json_decref(errors);
}

void objective_update(struct req_ctx *c) {
  struct objective_args a = {0};
  if (objective_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0 ||
      http_validate(c, OBJECTIVE_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, objective_update_work, &a);
  objective_args_free(&a);
}

static void objective_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  struct locked_objective o;
  if (objective_lock(tx, a, res, &o) != 1) {
    return;
  }
  if (a->outcome != NULL && strcmp(a->to, "closed") != 0) {
    json_t *errors = json_array();
    errors_add(errors, "outcome", MSG_ONLY_WHEN_CLOSING);
    result_invalid(res, errors);
    return;
  }
  if (workflow_take(tx, res, &OBJECTIVE_WORKFLOW, o.status, a->to, a->c->who.roles, a->c->body) != 1) {
    return;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->to, a->reason, a->outcome, a->c->who.sub};
  /* the first approval records every 6.2.2 field as its change, with nothing before it */
  record_exec(tx, res,
              "WITH o AS (UPDATE objectives o SET status = $3, status_reason = coalesce($4, status_reason), "
              "outcome = coalesce($5, outcome), "
              "approved_version = approved_version + CASE WHEN $3 = 'approved' THEN 1 ELSE 0 END, "
              "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING o.*), "
              "a AS (INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, changes) "
              "SELECT o.org_id, o.id, o.approved_version, $6, jsonb_build_object("
              "'planned_actions', jsonb_build_object('before', null, 'after', o.planned_actions), "
              "'resources', jsonb_build_object('before', null, 'after', o.resources), "
              "'due_date', jsonb_build_object('before', null, 'after', o.due_date), "
              "'evaluation_method', jsonb_build_object('before', null, 'after', o.evaluation_method), "
              "'owner', jsonb_build_object('before', null, 'after', o.owner)) FROM o WHERE $3 = 'approved') "
              "SELECT zsz_objective_json(o)::text, o.revision FROM o",
              6, params, 200);
}

static const struct field_spec OBJECTIVE_TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = OBJECTIVE_STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "outcome", .type = VT_STRING, .one_of = OUTCOMES},
    {0},
};

void objective_transition(struct req_ctx *c) {
  struct objective_args a = {0};
  if (objective_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0 ||
      http_validate(c, OBJECTIVE_TRANSITION_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  a.outcome = json_string_value(json_object_get(c->body, "outcome"));
  http_run(c, 0, objective_transition_work, &a);
}

/* ---- lists ------------------------------------------------------------------------------- */

static void objective_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->filter[0],
                          a->filter[1],
                          a->filter[2],
                          a->filter[3],
                          a->filter[4],
                          a->filter[5],
                          a->filter[6],
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 1)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 2)) : NULL,
                          fetch};
  PGresult *r = db_exec(
      tx,
      "SELECT zsz_objective_json(o)::text, o.year::text, o.code, o.id::text FROM objectives o "
      "WHERE o.org_id = $1 AND ($2::integer IS NULL OR o.year = $2::integer) AND ($3::text IS NULL OR o.status = $3) "
      "AND ($4::bigint IS NULL OR o.process_id = $4::bigint) AND ($5::bigint IS NULL OR o.org_unit_id = $5::bigint) "
      "AND ($6::text IS NULL OR o.owner = $6) AND ($7::text IS NULL OR $7 = ANY (o.standards)) "
      "AND ($8::text IS NULL OR zsz_objective_health(o) = $8) "
      "AND ($9::integer IS NULL OR o.year < $9::integer OR (o.year = $9::integer AND (o.code, o.id) > ($10, "
      "$11::bigint))) "
      "ORDER BY o.year DESC, o.code, o.id LIMIT $12",
      12, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 3, "year-code");
    PQclear(r);
  }
}

void objective_list(struct req_ctx *c) {
  struct objective_args a = {.c = c};
  if (http_query_int(c, "year", 2000, 2100, &a.filter[0]) == 0 &&
      http_query_enum(c, "status", OBJECTIVE_STATES, &a.filter[1]) == 0 &&
      http_query_int(c, "process_id", 1, (1LL << 53), &a.filter[2]) == 0 &&
      http_query_int(c, "org_unit_id", 1, (1LL << 53), &a.filter[3]) == 0 &&
      http_query_text(c, "owner", 200, &a.filter[4]) == 0 &&
      http_query_enum(c, "standard", STANDARDS, &a.filter[5]) == 0 &&
      http_query_enum(c, "health", HEALTHS, &a.filter[6]) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "year-code", 3, &a.after) == 0) {
    http_run(c, 1, objective_list_work, &a);
  }
  objective_args_free(&a);
}

static void approval_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM objectives WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_OBJECTIVE) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_approval_json(v)::text, v.version::text FROM objective_approvals v "
                        "WHERE v.org_id = $1 AND v.objective_id = $2 "
                        "AND ($3::integer IS NULL OR v.version > $3::integer) ORDER BY v.version LIMIT $4",
                        4, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "version");
    PQclear(r);
  }
}

static int objective_list_args(struct req_ctx *c, struct objective_args *a, const char *sort) {
  return objective_path(c, a) != 0 || http_query_limit(c, &a->limit) != 0 ||
                 http_query_cursor(c, sort, 1, &a->after) != 0
             ? -1
             : 0;
}

void objective_approval_list(struct req_ctx *c) {
  struct objective_args a = {0};
  if (objective_list_args(c, &a, "version") == 0) {
    http_run(c, 1, approval_list_work, &a);
  }
  objective_args_free(&a);
}

/* ---- revisions ----------------------------------------------------------------------------- */

static void revision_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM objectives WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_OBJECTIVE) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_revision_json(v)::text, v.id::text FROM objective_revisions v "
                        "WHERE v.org_id = $1 AND v.objective_id = $2 "
                        "AND ($3::bigint IS NULL OR v.id > $3::bigint) ORDER BY v.id LIMIT $4",
                        4, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "id");
    PQclear(r);
  }
}

void revision_list(struct req_ctx *c) {
  struct objective_args a = {0};
  if (objective_list_args(c, &a, "id") == 0) {
    http_run(c, 1, revision_list_work, &a);
  }
  objective_args_free(&a);
}

static void revision_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  struct locked_objective o;
  json_t *errors = json_array();
  json_t *changes = json_object_get(a->c->body, "changes");
  if (objective_lock(tx, a, res, &o) != 1) {
    goto out;
  }
  if (strcmp(o.status, "approved") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_REVISION_NEEDS_APPROVED, o.status);
    goto out;
  }
  check_due_date(errors, json_string_value(json_object_get(changes, "due_date")), o.year);
  if (check_owner(tx, a->c->org_param, json_object_get(changes, "owner"), "changes.owner", errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text,
                          json_string_value(json_object_get(a->c->body, "reason")), a->c->who.sub};
  PGresult *r = db_exec(tx,
                        "INSERT INTO objective_revisions AS v (org_id, objective_id, changes, reason, requested_by) "
                        "VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING zsz_revision_json(v)::text, v.revision, v.id",
                        5, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_problem(res, PROBLEM_CONFLICT, MSG_REVISION_PENDING);
    }
    goto out;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/objectives/%s/revisions/%s", a->id_text, PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(errors);
}

void revision_create(struct req_ctx *c) {
  struct objective_args a = {0};
  if (objective_path(c, &a) != 0) {
    return;
  }
  json_t *errors = json_array();
  json_t *changes = json_object_get(c->body, "changes");
  validate_object(c->body, REVISION_FIELDS, VALIDATE_CREATE, errors);
  if (json_is_object(changes)) {
    json_t *inner = json_array();
    validate_object(changes, REVISION_CHANGE_FIELDS, VALIDATE_PATCH, inner);
    size_t i;
    json_t *e;
    json_array_foreach(inner, i, e) {
      char field[128];
      snprintf(field, sizeof field, "changes.%s", json_string_value(json_object_get(e, "field")));
      json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
    }
    json_decref(inner);
    if (json_object_size(changes) == 0) {
      errors_add(errors, "changes", MSG_CHANGES_EMPTY);
    }
  }
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.body_text = json_dumps(changes, JSON_COMPACT);
  http_run(c, 0, revision_create_work, &a);
  objective_args_free(&a);
}

static int revision_path(struct req_ctx *c, struct objective_args *a) {
  if (objective_path(c, a) != 0 ||
      http_path_id_text(c, "rev_id", a->sub_id, sizeof a->sub_id, MSG_NOT_FOUND_REVISION) != 0) {
    return -1;
  }
  return 0;
}

static void revision_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text, a->sub_id};
  record_get(tx, res,
             "SELECT zsz_revision_json(v)::text, v.revision FROM objective_revisions v "
             "WHERE v.org_id = $1 AND v.objective_id = $2 AND v.id = $3",
             3, params, MSG_NOT_FOUND_REVISION);
}

void revision_get(struct req_ctx *c) {
  struct objective_args a = {0};
  if (revision_path(c, &a) == 0) {
    http_run(c, 1, revision_get_work, &a);
  }
}

static void revision_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct objective_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text, a->sub_id};
  PGresult *cur = db_exec(tx,
                          "SELECT v.status, v.revision, o.status FROM objective_revisions v "
                          "JOIN objectives o ON o.org_id = v.org_id AND o.id = v.objective_id "
                          "WHERE v.org_id = $1 AND v.objective_id = $2 AND v.id = $3 FOR UPDATE",
                          3, params);
  if (cur == NULL) {
    return;
  }
  if (PQntuples(cur) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_REVISION);
    goto out;
  }
  if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(cur, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    goto out;
  }
  int approve = strcmp(a->to, "approved") == 0;
  if (workflow_take(tx, res, &REVISION_WORKFLOW, PQgetvalue(cur, 0, 0), a->to, a->c->who.roles, a->c->body) != 1) {
    goto out;
  }
  if (approve && strcmp(PQgetvalue(cur, 0, 2), "approved") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_REVISION_NEEDS_APPROVED, PQgetvalue(cur, 0, 2));
    goto out;
  }
  if (approve) {
    /* old and new see the row before and after the update: the approval keeps both */
    const char *apply[] = {a->c->org_param, a->id_text, a->sub_id, a->c->who.sub};
    PGresult *r = db_exec(
        tx,
        "WITH v AS (SELECT changes AS c FROM objective_revisions WHERE org_id = $1 AND id = $3), "
        "old AS (SELECT o.* FROM objectives o WHERE o.org_id = $1 AND o.id = $2), "
        "new AS (UPDATE objectives o SET "
        "planned_actions = CASE WHEN v.c ? 'planned_actions' THEN v.c->>'planned_actions' ELSE planned_actions END, "
        "resources = CASE WHEN v.c ? 'resources' THEN v.c->>'resources' ELSE resources END, "
        "due_date = CASE WHEN v.c ? 'due_date' THEN (v.c->>'due_date')::date ELSE due_date END, "
        "evaluation_method = CASE WHEN v.c ? 'evaluation_method' THEN v.c->>'evaluation_method' "
        "  ELSE evaluation_method END, "
        "owner = CASE WHEN v.c ? 'owner' THEN v.c->>'owner' ELSE owner END, "
        "approved_version = approved_version + 1, revision = revision + 1, updated_at = now() "
        "FROM v WHERE o.org_id = $1 AND o.id = $2 RETURNING o.*) "
        "INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, revision_id, changes) "
        "SELECT new.org_id, new.id, new.approved_version, $4, $3, "
        "(SELECT jsonb_object_agg(k, jsonb_build_object('before', to_jsonb(old) -> k, 'after', to_jsonb(new) -> k)) "
        " FROM v, jsonb_object_keys(v.c) AS k) FROM new, old",
        4, apply);
    if (r == NULL) {
      goto out;
    }
    PQclear(r);
  }
  const char *decide[] = {a->c->org_param, a->sub_id, a->to, a->c->who.sub, a->reason};
  record_exec(tx, res,
              "UPDATE objective_revisions v SET status = $3, decided_by = $4, decided_at = now(), "
              "decision_reason = $5, revision = revision + 1 WHERE org_id = $1 AND id = $2 "
              "RETURNING zsz_revision_json(v)::text, v.revision",
              5, decide, 200);
out:
  PQclear(cur);
}

void revision_transition(struct req_ctx *c) {
  struct objective_args a = {0};
  json_t *errors = json_array();
  if (revision_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0) {
    json_decref(errors);
    return;
  }
  if (workflow_validate_body(&REVISION_WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, revision_transition_work, &a);
}

/* ---- annual report ------------------------------------------------------------------------- */

struct report_args {
  struct req_ctx *c;
  const char *year;
  int csv;
};

static void report_work(struct db_tx *tx, void *arg, struct result *res) {
  struct report_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  PGresult *r;
  if (a->csv) {
    /* concat_ws would drop NULL columns: zsz_csv turns NULL into an empty field instead */
    r = db_exec(
        tx,
        "SELECT 'objective_code;year;title;status;objective_health;process_code;owner;indicator;unit;direction;"
        "baseline;target;target_min;target_max;frequency;latest_period;latest_value;attainment;indicator_health'"
        " || E'\\r\\n' || coalesce(string_agg(concat_ws(';', zsz_csv(o.code), zsz_csv(o.year::text), "
        "zsz_csv(o.title), zsz_csv(o.status), zsz_csv(zsz_objective_health(o)), zsz_csv(p.code), zsz_csv(o.owner), "
        "zsz_csv(i.name), zsz_csv(i.unit), zsz_csv(i.direction), zsz_csv(i.baseline::text), zsz_csv(i.target::text), "
        "zsz_csv(i.target_min::text), zsz_csv(i.target_max::text), zsz_csv(i.frequency), "
        "zsz_csv(st.s->>'latest_period'), zsz_csv(st.s->>'latest_value'), zsz_csv(st.s->>'attainment'), "
        "zsz_csv(st.s->>'health')) || E'\\r\\n', '' ORDER BY o.code, o.id, i.id), '') "
        "FROM objectives o LEFT JOIN processes p ON p.org_id = o.org_id AND p.id = o.process_id "
        "LEFT JOIN indicators i ON i.org_id = o.org_id AND i.objective_id = o.id "
        "LEFT JOIN LATERAL (SELECT CASE WHEN i.id IS NULL THEN NULL ELSE zsz_indicator_state(i) END AS s) AS st "
        "ON true WHERE o.org_id = $1 AND o.year = $2::integer AND o.status <> 'cancelled'",
        2, params);
  } else {
    r = db_exec(
        tx,
        "WITH obj AS (SELECT o.*, zsz_objective_health(o) AS health FROM objectives o "
        "  WHERE o.org_id = $1 AND o.year = $2::integer AND o.status <> 'cancelled'), "
        "h AS (SELECT unnest(ARRAY['achieved', 'on_track', 'at_risk', 'off_track', 'no_data']) AS health), "
        "ind AS MATERIALIZED (SELECT i.objective_id, jsonb_agg(zsz_indicator_json(i)::jsonb || "
        "jsonb_build_object('readings', "
        "    coalesce((SELECT jsonb_agg(zsz_reading_json(r)::jsonb ORDER BY r.period) FROM indicator_readings r "
        "      WHERE r.org_id = i.org_id AND r.indicator_id = i.id), '[]'::jsonb)) ORDER BY i.id) AS list "
        "  FROM indicators i WHERE i.org_id = $1 AND i.objective_id IN (SELECT id FROM obj) GROUP BY i.objective_id) "
        "SELECT json_build_object('year', $2::integer, "
        "'objectives', coalesce((SELECT json_agg(zsz_objective_json(o)::jsonb "
        "    || jsonb_build_object('indicators', coalesce(ind.list, '[]'::jsonb)) ORDER BY o.code, o.id) "
        "  FROM objectives o JOIN obj ON obj.id = o.id LEFT JOIN ind ON ind.objective_id = o.id), '[]'::json), "
        "'totals', json_build_object("
        "  'by_health', (SELECT json_object_agg(h.health, (SELECT count(*) FROM obj WHERE obj.health = h.health)) "
        "    FROM h), "
        "  'by_process', coalesce((SELECT json_agg(json_build_object('process_id', p.id, 'code', p.code, "
        "    'name', p.name, 'objectives', (SELECT count(*) FROM obj WHERE obj.process_id = p.id), "
        "    'by_health', (SELECT json_object_agg(h.health, (SELECT count(*) FROM obj "
        "       WHERE obj.process_id = p.id AND obj.health = h.health)) FROM h)) ORDER BY p.code) "
        "    FROM processes p WHERE p.org_id = $1 AND p.id IN (SELECT process_id FROM obj)), '[]'::json)))::text",
        2, params);
  }
  if (r == NULL) {
    return;
  }
  if (a->csv) {
    /* a byte-order mark tells spreadsheets the file is UTF-8, so Polish letters survive */
    size_t len = (size_t)PQgetlength(r, 0, 0);
    res->raw_body = malloc(len + 4);
    if (res->raw_body != NULL) {
      memcpy(res->raw_body, "\xEF\xBB\xBF", 3);
      memcpy(res->raw_body + 3, PQgetvalue(r, 0, 0), len + 1);
    }
    res->content_type = "text/csv; charset=utf-8";
    res->status = res->raw_body ? 200 : 500;
  } else {
    result_raw(res, 200, PQgetvalue(r, 0, 0));
  }
  PQclear(r);
}

void objective_report(struct req_ctx *c) {
  struct report_args a = {.c = c};
  const char *accept = u_map_get_case(c->req->map_header, "Accept");
  if (http_query_int(c, "year", 2000, 2100, &a.year) != 0) {
    return;
  }
  if (a.year == NULL) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, "year", MSG_REQUIRED);
    return;
  }
  a.csv = accept != NULL && strstr(accept, "text/csv") != NULL;
  http_run(c, 1, report_work, &a);
}
