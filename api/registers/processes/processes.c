/* The process register: processes of the organisation's scheme, their versioned
 * descriptions, and the change requests through which owners change them. Work functions
 * over one transaction each; the route table (routes.c) says what the dispatcher parses for
 * them: c->path[0] is the process id, c->path[1] a change request's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "render.h"
#include "rules.h"
#include "validate.h"
#include "workflow.h"

/* ---- input -------------------------------------------------------------------------------- */

enum { F_CODE, F_NAME, F_PARENT, F_OWNER, F_UNIT, F_DESCRIPTION, F_COUNT };

/* A process body's values as SQL text parameters; present[] tells absent from null. */
struct process_input {
  int present[F_COUNT];
  const char *value[F_COUNT]; /* borrowed from the body or from num[] */
  char num[F_COUNT][24];
  struct process_values v;
};

static void input_take(struct process_input *in, const json_t *body, const char *category) {
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
  in->v = (struct process_values){
      .code = in->value[F_CODE],
      .category = category,
      .name = in->value[F_NAME],
      .parent_id = in->value[F_PARENT],
      .owner = in->value[F_OWNER],
      .org_unit_id = in->value[F_UNIT],
      .description = in->value[F_DESCRIPTION],
  };
}

/* The category as a static string (the input keeps it past this function), NULL for none. */
static const char *category_static(const char *category) {
  static const char *const CATEGORIES[] = {"management", "core", "support"};
  for (size_t i = 0; i < sizeof CATEGORIES / sizeof CATEGORIES[0]; i++) {
    if (strcmp(category, CATEGORIES[i]) == 0) {
      return CATEGORIES[i];
    }
  }
  return NULL;
}

/* Every problem of the body at once: its shape, the code against the organisation's scheme,
 * and the references only the database can check. 1 when valid (in filled), 0 after setting
 * 422 in res, -1 when the database failed. */
static int process_check(struct db_tx *tx, struct req_ctx *c, const char *self, enum validate_mode mode,
                         struct process_input *in, struct result *res) {
  json_t *errors = json_array();
  int ok = -1;
  const char *category = NULL;
  struct process_code_check scheme;
  validate_object(c->body, PROCESS_FIELDS, mode, errors);
  const char *code = json_string_value(json_object_get(c->body, "code"));
  if (code != NULL && !field_has_error(errors, "code")) {
    if (processes_q_code_category(tx, c->org_param, code, &scheme) == DB_ERROR) {
      goto out;
    }
    category = category_static(scheme.category);
    if (category == NULL) {
      errors_add(errors, "code", MSG_PROCESS_CODE, scheme.prefixes, scheme.example);
    }
  }
  if (json_array_size(errors) == 0) {
    int refs[4];
    input_take(in, c->body, category);
    if (processes_q_check_refs(tx, c->org_param, self, in->present[F_OWNER] ? in->value[F_OWNER] : NULL,
                               in->present[F_PARENT] ? in->value[F_PARENT] : NULL,
                               in->present[F_UNIT] ? in->value[F_UNIT] : NULL, refs) == DB_ERROR) {
      goto out;
    }
    if (!refs[0]) errors_add(errors, "owner", MSG_NO_SUCH_USER);
    if (!refs[1]) errors_add(errors, "parent_id", MSG_NO_SUCH_PROCESS);
    if (!refs[2]) errors_add(errors, "org_unit_id", MSG_NO_SUCH_ORG_UNIT);
    if (!refs[3]) errors_add(errors, "parent_id", MSG_PARENT_CYCLE);
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    ok = 0;
  } else {
    ok = 1;
  }
out:
  json_decref(errors);
  return ok;
}

/* ---- processes --------------------------------------------------------------------------- */

void process_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct process_input in = {0};
  char id[24];
  if (process_check(tx, c, NULL, VALIDATE_CREATE, &in, res) != 1) {
    return;
  }
  /* a code in use: 409 naming the process that has it */
  const char *key[] = {c->org_param, in.v.code};
  if (duplicate_found(tx, res, "SELECT id FROM processes WHERE org_id = $1 AND code = $2", 2, key, "code",
                      "/api/v1/processes") != 0) {
    return;
  }
  if (processes_q_insert(tx, c->org_param, &in.v, c->who.sub, res, id) == DB_ERROR) {
    if (db_failed_with(tx, "23505")) result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    return;
  }
  snprintf(res->location, sizeof res->location, "/api/v1/processes/%s", id);
}

void process_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  processes_q_get(c, tx, c->org_param, c->path[0], res);
}

/* Locks the process for a change: 1 when found and If-Match holds, 0 after setting 404 or
 * 412, -1 when the database failed. */
static int process_lock(struct db_tx *tx, const struct req_ctx *c, struct locked_process *cur, struct result *res) {
  enum db_status st = processes_q_lock(tx, c->org_param, c->path[0], cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROCESS);
  }
  if (st != DB_ONE) {
    return st == DB_ERROR ? -1 : 0;
  }
  return if_match_ok(c, cur->revision, res);
}

void process_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct process_input in = {0};
  struct locked_process cur = {0};
  if (process_lock(tx, c, &cur, res) != 1 || process_check(tx, c, c->path[0], VALIDATE_PATCH, &in, res) != 1) {
    goto out;
  }
  struct process_patch sent = {
      .code = in.present[F_CODE],
      .name = in.present[F_NAME],
      .parent_id = in.present[F_PARENT],
      .owner = in.present[F_OWNER],
      .org_unit_id = in.present[F_UNIT],
      .new_version = in.present[F_DESCRIPTION] && strcmp(in.value[F_DESCRIPTION], PQgetvalue(cur.row, 0, 3)) != 0,
  };
  if (processes_q_update(tx, c->org_param, c->path[0], &sent, &in.v, c->who.sub, res) == DB_ERROR &&
      db_failed_with(tx, "23505")) {
    result_duplicate(res, "code", MSG_DUPLICATE_CODE);
  }
out:
  PQclear(cur.row);
}

static void process_move(struct db_tx *tx, struct req_ctx *c, struct result *res, const char *to) {
  struct locked_process cur = {0};
  if (process_lock(tx, c, &cur, res) == 1 &&
      workflow_take(tx, res, &PROCESS_WORKFLOW, cur.status, to, c->who.roles, c->body) == 1) {
    processes_q_set_status(tx, c->org_param, c->path[0], to, res);
  }
  PQclear(cur.row);
}

void process_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  process_move(tx, c, res, json_string_value(json_object_get(c->body, "to")));
}

void process_retire(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  process_move(tx, c, res, "retired");
}

/* ---- lists --------------------------------------------------------------------------------- */

void process_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[5] = {query_value(c, "category"), query_value(c, "owner"), query_value(c, "status"),
                           query_value(c, "parent_id"), query_value(c, "q")};
  const char *sort = query_value(c, "sort");
  if (sort == NULL || !processes_sort_known(sort)) {
    /* the contract lists the sorts; a sort it has and this code lacks is our bug */
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  int unfiltered = !filter[0] && !filter[1] && !filter[2] && !filter[3] && !filter[4];
  if (unfiltered && page_limit_index(c->limit + 1) >= 0 && if_none_match_sent(c)) {
    /* a conditional GET of the polled page: its tag from the ids and revisions alone (a
     * narrow statement), and 304 without reading the page when it holds */
    PGresult *t = processes_q_list_tags(tx, sort, c->org_param, page_key(c, 0), page_key(c, 1), c->limit + 1);
    if (t == NULL) return;
    int n = PQntuples(t);
    int shown = n > c->limit ? c->limit : n;
    const int cols[] = {0, 1};
    page_tag(res->tag, sizeof res->tag, 'p', t, shown, n > c->limit && shown > 0, cols, 2);
    PQclear(t);
    if (if_none_match_holds(c, res->tag)) {
      res->status = 304;
      return;
    }
    db_discard_reads(tx); /* the page is read whole below, and tagged from what it reads */
  }
  PGresult *r = processes_q_list(tx, sort, c->org_param, filter, page_key(c, 0), page_key(c, 1), c->limit + 1);
  if (r != NULL) {
    page_render_shaped(c, res, r, &PROCESS_SHAPE, PROCESS_SHAPE.revision_col + 1, 2);
    PQclear(r);
  }
}

/* The parent of a nested list exists: 1, or 0 after setting 404, -1 when the database failed. */
static int process_exists(struct db_tx *tx, const struct req_ctx *c, struct result *res) {
  enum db_status st = processes_q_exists(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROCESS);
  return st;
}

void process_version_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (process_exists(tx, c, res) != 1) return;
  PGresult *r = processes_q_versions(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

/* ---- change requests ---------------------------------------------------------------------- */

void change_request_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (process_exists(tx, c, res) != 1) return;
  PGresult *r =
      change_requests_q_list(tx, c->org_param, c->path[0], query_value(c, "status"), page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void change_request_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_process cur = {0};
  char id[24];
  if (process_lock(tx, c, &cur, res) != 1) {
    goto out;
  }
  if (strcmp(cur.owner, c->who.sub) != 0) {
    /* record rule: a process owner acts on the processes it owns */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
  } else if (strcmp(cur.status, "active") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_TRANSITION_FROM, cur.status, "pending");
  } else if (change_requests_q_insert(
                 tx, c->org_param, c->path[0], json_string_value(json_object_get(c->body, "proposed_description")),
                 json_string_value(json_object_get(c->body, "reason")), c->who.sub, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/processes/%lld/change-requests/%s", c->path_id[0], id);
  }
out:
  PQclear(cur.row);
}

void change_request_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  change_requests_q_get(tx, c->org_param, c->path[0], c->path[1], res);
}

void change_request_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_change_request cur = {0};
  const char *to = json_string_value(json_object_get(c->body, "to"));
  enum db_status st = change_requests_q_lock(tx, c->org_param, c->path[0], c->path[1], &cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_CHANGE_REQUEST);
  }
  if (st != DB_ONE || !if_match_ok(c, cur.revision, res) ||
      workflow_take(tx, res, &CHANGE_REQUEST_WORKFLOW, cur.status, to, c->who.roles, c->body) != 1) {
    goto out;
  }
  int approve = strcmp(to, "approved") == 0;
  if (approve && strcmp(cur.process_status, "active") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_TRANSITION_FROM, cur.process_status, "approved");
    goto out;
  }
  if (approve && change_requests_q_apply(tx, c->org_param, c->path[0], PQgetvalue(cur.row, 0, 3), c->who.sub,
                                         c->path[1]) != DB_ONE) {
    goto out;
  }
  change_requests_q_decide(tx, c->org_param, c->path[1], to, c->who.sub,
                           json_string_value(json_object_get(c->body, "reason")), res);
out:
  PQclear(cur.row);
}
