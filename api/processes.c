/* The process register: processes of the organisation's scheme, their versioned
 * descriptions, and the change requests through which owners change them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "server.h"
#include "validate.h"
#include "workflow.h"

static const char *const CATEGORIES[] = {"management", "core", "support", NULL};
static const char *const PROCESS_STATES[] = {"active", "retired", NULL};
static const char *const CR_STATES[] = {"pending", "approved", "rejected", NULL};

static const struct workflow_step PROCESS_STEPS[] = {
    {"active", "retired", ROLE_PLENIPOTENTIARY, NULL},
    {"retired", "active", ROLE_PLENIPOTENTIARY, NULL},
};
static const struct workflow PROCESS_WORKFLOW = {PROCESS_STATES, PROCESS_STEPS, 2};

static const struct workflow_step CR_STEPS[] = {
    {"pending", "approved", ROLE_PLENIPOTENTIARY, NULL},
    {"pending", "rejected", ROLE_PLENIPOTENTIARY, "reason"},
};
static const struct workflow CR_WORKFLOW = {CR_STATES, CR_STEPS, 2};

static const struct field_spec PROCESS_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "parent_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "org_unit_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {0},
};

static const struct field_spec CHANGE_REQUEST_FIELDS[] = {
    {.name = "proposed_description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "reason", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {0},
};

/* ---- input -------------------------------------------------------------------------------- */

/* A process body's values as SQL text parameters; present[] tells absent from null. */
enum { F_CODE, F_NAME, F_PARENT, F_OWNER, F_UNIT, F_DESCRIPTION, F_COUNT };

struct process_input {
  int present[F_COUNT];
  const char *value[F_COUNT]; /* borrowed from the body or from num[] */
  char num[F_COUNT][24];
  const char *category; /* derived from the code */
};

static void input_take(struct process_input *in, const json_t *body) {
  for (int f = 0; f < F_COUNT; f++) {
    const json_t *v = json_object_get(body, PROCESS_FIELDS[f].name);
    in->present[f] = v != NULL;
    if (json_is_integer(v)) {
      snprintf(in->num[f], sizeof in->num[f], "%lld", (long long)json_integer_value(v));
      in->value[f] = in->num[f];
    } else {
      in->value[f] = json_string_value(v); /* NULL for null */
    }
  }
}

/* Schema and scheme checks that need no database; returns the error array (new). */
static json_t *process_check_body(struct req_ctx *c, struct process_input *in, enum validate_mode mode) {
  json_t *errors = json_array();
  validate_object(c->body, PROCESS_FIELDS, mode, errors);
  /* the scheme check runs even when other fields failed, so every problem comes back at once */
  const char *code = json_string_value(json_object_get(c->body, "code"));
  if (code != NULL && !field_has_error(errors, "code")) {
    in->category = process_code_category(c->scheme, code);
    if (in->category == NULL) {
      errors_add(errors, "code", MSG_PROCESS_CODE, process_scheme_prefixes(c->scheme),
                 process_scheme_example(c->scheme));
    }
  }
  if (json_array_size(errors) == 0) {
    input_take(in, c->body);
  }
  return errors;
}

/* References that only the database can check, all in one round trip: owner is a user of
 * the organisation, parent and unit exist, and the parent is not the record or below it. */
static int process_check_refs(struct db_tx *tx, const char *org, const char *self_id, const struct process_input *in,
                              json_t *errors) {
  const char *params[] = {
      org,
      in->present[F_OWNER] ? in->value[F_OWNER] : NULL,
      in->present[F_PARENT] ? in->value[F_PARENT] : NULL,
      in->present[F_UNIT] ? in->value[F_UNIT] : NULL,
      self_id,
  };
  PGresult *r = db_exec(tx,
                        "SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND sub = $2), "
                        "$3::bigint IS NULL OR EXISTS (SELECT 1 FROM processes WHERE org_id = $1 AND id = $3), "
                        "$4::bigint IS NULL OR EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = $4), "
                        "$3::bigint IS NULL OR $5::bigint IS NULL OR NOT EXISTS ("
                        "  WITH RECURSIVE up(id) AS (SELECT $3::bigint UNION "
                        "    SELECT p.parent_id FROM processes p JOIN up ON p.id = up.id "
                        "    WHERE p.org_id = $1 AND p.parent_id IS NOT NULL) "
                        "  SELECT 1 FROM up WHERE id = $5)",
                        5, params);
  if (r == NULL) {
    return -1;
  }
  if (PQgetvalue(r, 0, 0)[0] != 't') errors_add(errors, "owner", MSG_NO_SUCH_USER);
  if (PQgetvalue(r, 0, 1)[0] != 't') errors_add(errors, "parent_id", MSG_NO_SUCH_PROCESS);
  if (PQgetvalue(r, 0, 2)[0] != 't') errors_add(errors, "org_unit_id", MSG_NO_SUCH_ORG_UNIT);
  if (PQgetvalue(r, 0, 3)[0] != 't') errors_add(errors, "parent_id", MSG_PARENT_CYCLE);
  PQclear(r);
  return 0;
}

/* ---- processes --------------------------------------------------------------------------- */

struct process_args {
  struct req_ctx *c;
  long long id;
  char id_text[24];
  long long if_match; /* 0: any */
  struct process_input in;
  const char *to; /* transitions */
};

static void process_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct process_args *a = arg;
  struct process_input *in = &a->in;
  json_t *errors = json_array();
  if (process_check_refs(tx, a->c->org_param, NULL, in, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param,     in->value[F_CODE],
                          in->value[F_NAME],   in->category,
                          in->value[F_PARENT], in->value[F_OWNER],
                          in->value[F_UNIT],   in->present[F_DESCRIPTION] ? in->value[F_DESCRIPTION] : "",
                          a->c->who.sub};
  PGresult *r = db_exec(
      tx,
      "WITH p AS (INSERT INTO processes (org_id, code, name, category, parent_id, owner, org_unit_id, description) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *), "
      "v AS (INSERT INTO process_versions (org_id, process_id, version, description, approved_by) "
      "SELECT org_id, id, 1, description, $9 FROM p) "
      "SELECT zsz_process_json(p)::text, p.revision, p.id FROM p",
      9, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    }
    goto out;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/processes/%s", PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(errors);
}

void process_create(struct req_ctx *c) {
  struct process_args a = {.c = c};
  json_t *errors = process_check_body(c, &a.in, VALIDATE_CREATE);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  http_run(c, 0, process_create_work, &a);
}

static void process_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct process_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text};
  record_get(tx, res, "SELECT zsz_process_json(p)::text, p.revision FROM processes p WHERE p.org_id = $1 AND p.id = $2",
             2, params, MSG_NOT_FOUND_PROCESS);
}

/* Parses {id} into a; -1 after rendering 404. */
static int process_path(struct req_ctx *c, struct process_args *a) {
  a->c = c;
  if (http_path_id(c, "id", &a->id, MSG_NOT_FOUND_PROCESS) != 0) {
    return -1;
  }
  snprintf(a->id_text, sizeof a->id_text, "%lld", a->id);
  return 0;
}

void process_get(struct req_ctx *c) {
  struct process_args a = {0};
  if (process_path(c, &a) == 0) {
    http_run(c, 1, process_get_work, &a);
  }
}

/* Locks the process row; 1 with its status/revision/description, 0 after setting 404 or 412. */
struct locked_process {
  char status[16];
  char owner[256];
  long long revision;
  PGresult *row; /* owned by the caller: holds description */
};

static int process_lock(struct db_tx *tx, struct process_args *a, struct result *res, struct locked_process *out) {
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *r = db_exec(tx,
                        "SELECT status, coalesce(owner, ''), revision, description FROM processes "
                        "WHERE org_id = $1 AND id = $2 FOR UPDATE",
                        2, params);
  if (r == NULL) {
    return -1;
  }
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROCESS);
    PQclear(r);
    return 0;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  snprintf(out->owner, sizeof out->owner, "%s", PQgetvalue(r, 0, 1));
  out->revision = atoll(PQgetvalue(r, 0, 2));
  if (a->if_match > 0 && a->if_match != out->revision) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    PQclear(r);
    return 0;
  }
  out->row = r;
  return 1;
}

static void process_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct process_args *a = arg;
  struct process_input *in = &a->in;
  struct locked_process cur = {0};
  json_t *errors = json_array();
  if (process_lock(tx, a, res, &cur) != 1) {
    goto out;
  }
  if (process_check_refs(tx, a->c->org_param, a->id_text, in, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  int new_version = in->present[F_DESCRIPTION] && strcmp(in->value[F_DESCRIPTION], PQgetvalue(cur.row, 0, 3)) != 0;
  const char *t = "t", *f = "f";
  const char *params[] = {
      a->c->org_param,
      a->id_text,
      in->present[F_CODE] ? t : f,
      in->value[F_CODE],
      in->category,
      in->present[F_NAME] ? t : f,
      in->value[F_NAME],
      in->present[F_PARENT] ? t : f,
      in->value[F_PARENT],
      in->present[F_OWNER] ? t : f,
      in->value[F_OWNER],
      in->present[F_UNIT] ? t : f,
      in->value[F_UNIT],
      new_version ? t : f,
      in->value[F_DESCRIPTION],
      a->c->who.sub,
  };
  PGresult *r = db_exec(tx,
                        "WITH p AS (UPDATE processes SET "
                        "code = CASE WHEN $3 THEN $4 ELSE code END, "
                        "category = CASE WHEN $3 THEN $5 ELSE category END, "
                        "name = CASE WHEN $6 THEN $7 ELSE name END, "
                        "parent_id = CASE WHEN $8 THEN $9::bigint ELSE parent_id END, "
                        "owner = CASE WHEN $10 THEN $11 ELSE owner END, "
                        "org_unit_id = CASE WHEN $12 THEN $13::bigint ELSE org_unit_id END, "
                        "description = CASE WHEN $14 THEN $15 ELSE description END, "
                        "version = version + CASE WHEN $14 THEN 1 ELSE 0 END, "
                        "revision = revision + 1, updated_at = now() "
                        "WHERE org_id = $1 AND id = $2 RETURNING *), "
                        "v AS (INSERT INTO process_versions (org_id, process_id, version, description, approved_by) "
                        "SELECT org_id, id, version, description, $16 FROM p WHERE $14) "
                        "SELECT zsz_process_json(p)::text, p.revision FROM p",
                        16, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    }
    goto out;
  }
  record_result(res, r, 200);
  PQclear(r);
out:
  PQclear(cur.row);
  json_decref(errors);
}

void process_update(struct req_ctx *c) {
  struct process_args a = {0};
  if (process_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0) {
    return;
  }
  json_t *errors = process_check_body(c, &a.in, VALIDATE_PATCH);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  http_run(c, 0, process_update_work, &a);
}

static void process_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct process_args *a = arg;
  struct locked_process cur = {0};
  if (process_lock(tx, a, res, &cur) != 1) {
    return;
  }
  if (workflow_take(tx, res, &PROCESS_WORKFLOW, cur.status, a->to, a->c->who.roles, a->c->body) == 1) {
    const char *params[] = {a->c->org_param, a->id_text, a->to};
    record_exec(tx, res,
                "UPDATE processes p SET status = $3, revision = revision + 1, updated_at = now() "
                "WHERE org_id = $1 AND id = $2 RETURNING zsz_process_json(p)::text, p.revision",
                3, params, 200);
  }
  PQclear(cur.row);
}

void process_transition(struct req_ctx *c) {
  struct process_args a = {0};
  json_t *errors = json_array();
  if (process_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0) {
    json_decref(errors);
    return;
  }
  if (workflow_validate_body(&PROCESS_WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  http_run(c, 0, process_transition_work, &a);
}

void process_retire(struct req_ctx *c) {
  struct process_args a = {0};
  if (process_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0) {
    return;
  }
  a.to = "retired";
  http_run(c, 0, process_transition_work, &a);
}

/* ---- lists --------------------------------------------------------------------------------- */

/* One static statement per sort order: ORDER BY comes from this allow-list, never from
 * input, and each ordering can use its index. */
#define PROCESS_LIST_SQL(KEY, CAST, CMP, DIR)                                                                          \
  "SELECT zsz_process_json(p)::text, " KEY "::text, p.id FROM processes p "                                            \
  "WHERE p.org_id = $1 AND ($2::text IS NULL OR p.category = $2) AND ($3::text IS NULL OR p.owner = $3) "              \
  "AND ($4::text IS NULL OR p.status = $4) AND ($5::bigint IS NULL OR p.parent_id = $5) "                              \
  "AND ($6::text IS NULL OR p.search LIKE '%' || zsz_like_literal(zsz_fold($6)) || '%') "                              \
  "AND ($7::text IS NULL OR (" KEY ", p.id) " CMP " ($7::" CAST ", $8::bigint)) "                                      \
  "ORDER BY " KEY " " DIR ", p.id " DIR " LIMIT $9"

struct sort_option {
  const char *name;
  const char *sql;
};

static const struct sort_option PROCESS_SORTS[] = {
    {"code", PROCESS_LIST_SQL("p.code", "text", ">", "ASC")},
    {"-code", PROCESS_LIST_SQL("p.code", "text", "<", "DESC")},
    {"name", PROCESS_LIST_SQL("p.name", "text", ">", "ASC")},
    {"-name", PROCESS_LIST_SQL("p.name", "text", "<", "DESC")},
    {"created_at", PROCESS_LIST_SQL("p.created_at", "timestamptz", ">", "ASC")},
    {"-created_at", PROCESS_LIST_SQL("p.created_at", "timestamptz", "<", "DESC")},
    {"updated_at", PROCESS_LIST_SQL("p.updated_at", "timestamptz", ">", "ASC")},
    {"-updated_at", PROCESS_LIST_SQL("p.updated_at", "timestamptz", "<", "DESC")},
};
static const char *const SORT_NAMES[] = {"code",        "-code",      "name",        "-name", "created_at",
                                         "-created_at", "updated_at", "-updated_at", NULL};

struct list_args {
  struct req_ctx *c;
  const char *sql;
  const char *sort;
  const char *filter[5]; /* category, owner, status, parent_id, q */
  json_t *after;         /* decoded cursor keys or NULL; owned */
  int limit;
  char id_text[24]; /* parent record of nested lists */
};

static void process_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct list_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->filter[0],
                          a->filter[1],
                          a->filter[2],
                          a->filter[3],
                          a->filter[4],
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 1)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx, a->sql, 9, params);
  if (r != NULL) {
    page_result(res, r, a->limit, 2, a->sort);
    PQclear(r);
  }
}

void process_list(struct req_ctx *c) {
  struct list_args a = {.c = c, .sort = "code"};
  if (http_query_enum(c, "category", CATEGORIES, &a.filter[0]) || http_query_text(c, "owner", 200, &a.filter[1]) ||
      http_query_enum(c, "status", PROCESS_STATES, &a.filter[2]) ||
      http_query_int(c, "parent_id", 1, (1LL << 53), &a.filter[3]) || http_query_text(c, "q", 200, &a.filter[4]) ||
      http_query_enum(c, "sort", SORT_NAMES, &a.sort) || http_query_limit(c, &a.limit) ||
      http_query_cursor(c, a.sort, 2, &a.after)) {
    goto out;
  }
  for (size_t i = 0; i < sizeof PROCESS_SORTS / sizeof PROCESS_SORTS[0]; i++) {
    if (strcmp(PROCESS_SORTS[i].name, a.sort) == 0) {
      a.sql = PROCESS_SORTS[i].sql;
    }
  }
  http_run(c, 1, process_list_work, &a);
out:
  json_decref(a.after);
}

static void version_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct list_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM processes WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_PROCESS) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r =
      db_exec(tx,
              "SELECT zsz_process_version_json(v)::text, v.version::text FROM process_versions v "
              "WHERE v.org_id = $1 AND v.process_id = $2 AND ($3::integer IS NULL OR v.version > $3::integer) "
              "ORDER BY v.version LIMIT $4",
              4, params);
  if (r != NULL) {
    page_result(res, r, a->limit, 1, "version");
    PQclear(r);
  }
}

/* Parses {id}, limit and cursor of a nested list; 0 when fine. */
static int nested_list_args(struct req_ctx *c, struct list_args *a, const char *sort) {
  a->c = c;
  a->sort = sort;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_PROCESS) ||
      http_query_limit(c, &a->limit) || http_query_cursor(c, sort, 1, &a->after)) {
    return -1;
  }
  return 0;
}

void process_version_list(struct req_ctx *c) {
  struct list_args a = {0};
  if (nested_list_args(c, &a, "version") == 0) {
    http_run(c, 1, version_list_work, &a);
  }
  json_decref(a.after);
}

/* ---- change requests ---------------------------------------------------------------------- */

static void change_request_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct list_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM processes WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_PROCESS) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->filter[0],
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL, fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_change_request_json(r)::text, r.id::text FROM process_change_requests r "
                        "WHERE r.org_id = $1 AND r.process_id = $2 AND ($3::text IS NULL OR r.status = $3) "
                        "AND ($4::bigint IS NULL OR r.id > $4::bigint) ORDER BY r.id LIMIT $5",
                        5, params);
  if (r != NULL) {
    page_result(res, r, a->limit, 1, "id");
    PQclear(r);
  }
}

void change_request_list(struct req_ctx *c) {
  struct list_args a = {0};
  if (nested_list_args(c, &a, "id") == 0 && http_query_enum(c, "status", CR_STATES, &a.filter[0]) == 0) {
    http_run(c, 1, change_request_list_work, &a);
  }
  json_decref(a.after);
}

struct cr_args {
  struct req_ctx *c;
  char process_id[24];
  char id_text[24];
  long long if_match;
  const char *to;
  const char *reason;
};

static void change_request_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct cr_args *a = arg;
  struct process_args p = {.c = a->c};
  struct locked_process cur = {0};
  snprintf(p.id_text, sizeof p.id_text, "%s", a->process_id);
  if (process_lock(tx, &p, res, &cur) != 1) {
    return;
  }
  if (strcmp(cur.owner, a->c->who.sub) != 0) {
    /* record rule: a process owner acts on the processes it owns */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
  } else if (strcmp(cur.status, "active") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_TRANSITION_FROM, cur.status, "pending");
  } else {
    const json_t *b = a->c->body;
    const char *params[] = {a->c->org_param, a->process_id,
                            json_string_value(json_object_get(b, "proposed_description")),
                            json_string_value(json_object_get(b, "reason")), a->c->who.sub};
    PGresult *r = db_exec(
        tx,
        "INSERT INTO process_change_requests AS r (org_id, process_id, proposed_description, reason, requested_by) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING zsz_change_request_json(r)::text, r.revision, r.id",
        5, params);
    if (r != NULL) {
      record_result(res, r, 201);
      snprintf(res->location, sizeof res->location, "/api/v1/processes/%s/change-requests/%s", a->process_id,
               PQgetvalue(r, 0, 2));
      PQclear(r);
    }
  }
  PQclear(cur.row);
}

/* Parses {id} and {cr_id}; -1 after rendering 404. */
static int cr_path(struct req_ctx *c, struct cr_args *a, int with_cr) {
  a->c = c;
  if (http_path_id_text(c, "id", a->process_id, sizeof a->process_id, MSG_NOT_FOUND_PROCESS) != 0) {
    return -1;
  }
  if (with_cr) {
    if (http_path_id_text(c, "cr_id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_CHANGE_REQUEST) != 0) {
      return -1;
    }
  }
  return 0;
}

void change_request_create(struct req_ctx *c) {
  struct cr_args a = {0};
  if (cr_path(c, &a, 0) != 0) {
    return;
  }
  if (http_validate(c, CHANGE_REQUEST_FIELDS, VALIDATE_CREATE) == 0) {
    http_run(c, 0, change_request_create_work, &a);
  }
}

static void change_request_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct cr_args *a = arg;
  const char *params[] = {a->c->org_param, a->process_id, a->id_text};
  record_get(tx, res,
             "SELECT zsz_change_request_json(r)::text, r.revision FROM process_change_requests r "
             "WHERE r.org_id = $1 AND r.process_id = $2 AND r.id = $3",
             3, params, MSG_NOT_FOUND_CHANGE_REQUEST);
}

void change_request_get(struct req_ctx *c) {
  struct cr_args a = {0};
  if (cr_path(c, &a, 1) == 0) {
    http_run(c, 1, change_request_get_work, &a);
  }
}

static void change_request_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct cr_args *a = arg;
  const char *params[] = {a->c->org_param, a->process_id, a->id_text};
  PGresult *cur =
      db_exec(tx,
              "SELECT r.status, r.revision, p.status, r.proposed_description FROM process_change_requests r "
              "JOIN processes p ON p.org_id = r.org_id AND p.id = r.process_id "
              "WHERE r.org_id = $1 AND r.process_id = $2 AND r.id = $3 FOR UPDATE",
              3, params);
  if (cur == NULL) {
    return;
  }
  if (PQntuples(cur) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_CHANGE_REQUEST);
    goto out;
  }
  const char *status = PQgetvalue(cur, 0, 0);
  if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(cur, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    goto out;
  }
  int approve = strcmp(a->to, "approved") == 0;
  if (workflow_take(tx, res, &CR_WORKFLOW, status, a->to, a->c->who.roles, a->c->body) != 1) {
    goto out;
  }
  if (approve && strcmp(PQgetvalue(cur, 0, 2), "active") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_TRANSITION_FROM, PQgetvalue(cur, 0, 2), "approved");
    goto out;
  }
  if (approve) {
    const char *apply[] = {a->c->org_param, a->process_id, PQgetvalue(cur, 0, 3), a->c->who.sub, a->id_text};
    PGresult *r = db_exec(
        tx,
        "WITH p AS (UPDATE processes SET description = $3, version = version + 1, "
        "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *) "
        "INSERT INTO process_versions (org_id, process_id, version, description, approved_by, change_request_id) "
        "SELECT org_id, id, version, description, $4, $5 FROM p",
        5, apply);
    if (r == NULL) {
      goto out;
    }
    PQclear(r);
  }
  const char *decide[] = {a->c->org_param, a->id_text, a->to, a->c->who.sub, a->reason};
  record_exec(tx, res,
              "UPDATE process_change_requests r SET status = $3, decided_by = $4, decided_at = now(), "
              "decision_reason = $5, revision = revision + 1 WHERE org_id = $1 AND id = $2 "
              "RETURNING zsz_change_request_json(r)::text, r.revision",
              5, decide, 200);
out:
  PQclear(cur);
}

void change_request_transition(struct req_ctx *c) {
  struct cr_args a = {0};
  if (cr_path(c, &a, 1) != 0 || http_if_match(c, 0, &a.if_match) < 0) {
    return;
  }
  json_t *errors = json_array();
  if (workflow_validate_body(&CR_WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, change_request_transition_work, &a);
}
