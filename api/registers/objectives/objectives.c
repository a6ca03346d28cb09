/* Objectives (cele ZSZ, ISO 9001 6.2.2): the register, its workflow, revisions of approved
 * objectives with every approval kept, and the annual report (JSON or CSV). Work functions
 * over one transaction each; the route table (routes.c) says what the dispatcher parses for
 * them: c->path[0] is the objective id, c->path[1] a revision's. Writes pass the validated
 * body to SQL as one jsonb text (queries.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "rules.h"
#include "validate.h"
#include "workflow.h"

/* The body as one JSON text for SQL (owned by the caller), or NULL after setting 500. */
static char *body_text(const json_t *body, struct result *res) {
  char *text = json_dumps(body, JSON_COMPACT);
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
  return text;
}

/* Sets 422 with errors (stolen) when there are any: 1 when there were none. */
static int no_errors(json_t *errors, struct result *res) {
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return 0;
  }
  json_decref(errors);
  return 1;
}

/* The references of an objective body (owner, process, org unit) into errors: 0, or -1 when
 * the database failed. */
static int check_refs(struct db_tx *tx, const char *org, const json_t *body, json_t *errors) {
  char process[24] = "", unit[24] = "";
  const json_t *p = json_object_get(body, "process_id"), *u = json_object_get(body, "org_unit_id");
  int ok[3];
  if (json_is_integer(p)) snprintf(process, sizeof process, "%lld", (long long)json_integer_value(p));
  if (json_is_integer(u)) snprintf(unit, sizeof unit, "%lld", (long long)json_integer_value(u));
  if (objectives_q_check_refs(tx, org, json_string_value(json_object_get(body, "owner")), process[0] ? process : NULL,
                              unit[0] ? unit : NULL, ok) == DB_ERROR) {
    return -1;
  }
  if (!ok[0]) errors_add(errors, "owner", MSG_NO_SUCH_USER);
  if (!ok[1]) errors_add(errors, "process_id", MSG_NO_SUCH_PROCESS);
  if (!ok[2]) errors_add(errors, "org_unit_id", MSG_NO_SUCH_ORG_UNIT);
  return 0;
}

/* ---- objectives ------------------------------------------------------------------------------ */

void objective_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *errors = json_array();
  char id[24], *text = NULL;
  /* the shape and the due date against the year first, all at once; then the references */
  objective_check_create(c->body, errors);
  if (json_array_size(errors) == 0 && check_refs(tx, c->org_param, c->body, errors) != 0) {
    json_decref(errors);
    return;
  }
  if (!no_errors(errors, res)) {
    return;
  }
  /* a code in use: 409 naming the objective that has it */
  const char *key[] = {c->org_param, json_string_value(json_object_get(c->body, "code"))};
  if (duplicate_found(tx, res, "SELECT id FROM objectives WHERE org_id = $1 AND code = $2", 2, key, "code",
                      "/api/v1/objectives") != 0 ||
      (text = body_text(c->body, res)) == NULL) {
    return;
  }
  if (objectives_q_insert(tx, c->org_param, text, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/objectives/%s", id);
  } else if (db_failed_with(tx, "23505")) {
    result_duplicate(res, "code", MSG_DUPLICATE_CODE);
  }
  free(text);
}

void objective_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  objectives_q_get(tx, c->org_param, c->path[0], res);
}

/* Locks the objective for a change: 1 when found and If-Match holds, 0 after setting 404 or
 * 412, -1 when the database failed. */
static int objective_lock(struct db_tx *tx, const struct req_ctx *c, struct locked_objective *o, struct result *res) {
  enum db_status st = objectives_q_lock(tx, c->org_param, c->path[0], o);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_OBJECTIVE);
  }
  if (st != DB_ONE) {
    return st == DB_ERROR ? -1 : 0;
  }
  return if_match_ok(c, o->revision, res);
}

static int is_final(const char *status) {
  return strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0;
}

void objective_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_objective o;
  if (objective_lock(tx, c, &o, res) != 1) {
    return;
  }
  if (is_final(o.status)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, o.status);
    return;
  }
  json_t *errors = json_array();
  if (strcmp(o.status, "draft") != 0) {
    for (size_t i = 0; OBJECTIVE_FROZEN_AFTER_DRAFT[i]; i++) {
      if (json_object_get(c->body, OBJECTIVE_FROZEN_AFTER_DRAFT[i])) {
        errors_add(errors, OBJECTIVE_FROZEN_AFTER_DRAFT[i], MSG_FROZEN_FIELD, o.status);
      }
    }
    if (json_array_size(errors) > 0) {
      result_problem(res, PROBLEM_CONFLICT, MSG_FROZEN_FIELDS);
      res->errors = errors;
      return;
    }
  }
  const json_t *year = json_object_get(c->body, "year");
  objective_check_due_date(errors, json_string_value(json_object_get(c->body, "due_date")),
                           json_is_integer(year) ? json_integer_value(year) : o.year);
  if (check_refs(tx, c->org_param, c->body, errors) != 0) {
    json_decref(errors);
    return;
  }
  char *text = NULL;
  if (!no_errors(errors, res) || (text = body_text(c->body, res)) == NULL) {
    return;
  }
  if (objectives_q_update(tx, c->org_param, c->path[0], text, res) == DB_ERROR) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    } else if (db_failed_with(tx, "23514")) {
      /* a due date before the year it now has */
      json_t *due = json_array();
      errors_add(due, "due_date", MSG_DUE_BEFORE_YEAR);
      result_invalid(res, due);
    }
  }
  free(text);
}

void objective_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_objective o;
  const char *to = json_string_value(json_object_get(c->body, "to"));
  const char *outcome = json_string_value(json_object_get(c->body, "outcome"));
  if (objective_lock(tx, c, &o, res) != 1) {
    return;
  }
  if (outcome != NULL && strcmp(to, "closed") != 0) {
    json_t *errors = json_array();
    errors_add(errors, "outcome", MSG_ONLY_WHEN_CLOSING);
    result_invalid(res, errors);
    return;
  }
  if (workflow_take(tx, res, &OBJECTIVE_WORKFLOW, o.status, to, c->who.roles, c->body) == 1) {
    objectives_q_set_status(tx, c->org_param, c->path[0], to, json_string_value(json_object_get(c->body, "reason")),
                            outcome, c->who.sub, res);
  }
}

/* ---- lists ----------------------------------------------------------------------------------- */

void objective_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[7] = {query_value(c, "year"),        query_value(c, "status"), query_value(c, "process_id"),
                           query_value(c, "org_unit_id"), query_value(c, "owner"),  query_value(c, "standard"),
                           query_value(c, "health")};
  PGresult *r =
      objectives_q_list(tx, c->org_param, filter, page_key(c, 0), page_key(c, 1), page_key(c, 2), c->limit + 1);
  if (r != NULL) {
    page_render_shaped(c, res, r, &OBJECTIVE_SHAPE, OBJECTIVE_SHAPE.revision_col + 1, 3);
    PQclear(r);
  }
}

/* The objective of a nested list exists: 1, or 0 after setting 404, -1 when the database failed. */
static int objective_exists(struct db_tx *tx, const struct req_ctx *c, struct result *res) {
  enum db_status st = objectives_q_exists(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_OBJECTIVE);
  return st;
}

void objective_approval_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (objective_exists(tx, c, res) != 1) return;
  PGresult *r = objectives_q_approvals(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

/* ---- revisions ------------------------------------------------------------------------------- */

void revision_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (objective_exists(tx, c, res) != 1) return;
  PGresult *r = objectives_q_revisions(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void revision_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_objective o;
  char id[24], *text = NULL;
  const json_t *changes = json_object_get(c->body, "changes");
  json_t *errors = json_array();
  /* the body (its changes included) before anything else, every problem at once */
  objective_check_revision(c->body, errors);
  if (!no_errors(errors, res) || objective_lock(tx, c, &o, res) != 1) {
    return;
  }
  if (strcmp(o.status, "approved") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_REVISION_NEEDS_APPROVED, o.status);
    return;
  }
  errors = json_array();
  objective_check_due_date(errors, json_string_value(json_object_get(changes, "due_date")), o.year);
  const json_t *owner = json_object_get(changes, "owner");
  if (json_is_string(owner)) {
    enum db_status st = objectives_q_user_exists(tx, c->org_param, json_string_value(owner));
    if (st == DB_ERROR) {
      json_decref(errors);
      return;
    }
    if (st == DB_NONE) errors_add(errors, "changes.owner", MSG_NO_SUCH_USER);
  }
  if (!no_errors(errors, res) || (text = body_text(changes, res)) == NULL) {
    return;
  }
  if (objectives_q_revision_insert(tx, c->org_param, c->path[0], text,
                                   json_string_value(json_object_get(c->body, "reason")), c->who.sub, res,
                                   id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/objectives/%lld/revisions/%s", c->path_id[0], id);
  } else if (db_failed_with(tx, "23505")) {
    result_problem(res, PROBLEM_CONFLICT, MSG_REVISION_PENDING);
  }
  free(text);
}

void revision_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  objectives_q_revision_get(tx, c->org_param, c->path[0], c->path[1], res);
}

void revision_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_revision cur;
  const char *to = json_string_value(json_object_get(c->body, "to"));
  enum db_status st = objectives_q_revision_lock(tx, c->org_param, c->path[0], c->path[1], &cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_REVISION);
  }
  if (st != DB_ONE || !if_match_ok(c, cur.revision, res) ||
      workflow_take(tx, res, &OBJECTIVE_REVISION_WORKFLOW, cur.status, to, c->who.roles, c->body) != 1) {
    return;
  }
  int approve = strcmp(to, "approved") == 0;
  if (approve && strcmp(cur.objective_status, "approved") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_REVISION_NEEDS_APPROVED, cur.objective_status);
    return;
  }
  if (approve && objectives_q_revision_apply(tx, c->org_param, c->path[0], c->path[1], c->who.sub) != DB_ONE) {
    return;
  }
  objectives_q_revision_decide(tx, c->org_param, c->path[1], to, c->who.sub,
                               json_string_value(json_object_get(c->body, "reason")), res);
}

/* ---- the annual report ----------------------------------------------------------------------- */

void objective_report(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *year = query_value(c, "year"); /* required by the contract */
  /* one query's flat rows, rendered in C (documents.c) */
  PGresult *r =
      c->csv ? objectives_q_report_csv_rows(tx, c->org_param, year) : objectives_q_report_rows(tx, c->org_param, year);
  if (r == NULL) {
    return;
  }
  struct strbuf b = {0};
  if (!c->csv) {
    objectives_report_json(&b, year, r);
    result_raw_owned(res, 200, strbuf_steal(&b));
  } else if (PQntuples(r) > 2 * CSV_MAX_ROWS + 1 || objectives_report_csv(&b, r) > CSV_MAX_ROWS) {
    result_csv_too_large(res);
  } else if (b.oom) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  } else {
    result_csv(res, OBJECTIVES_REPORT_CSV_HEADER, b.data ? b.data : "", b.len);
  }
  strbuf_free(&b);
  PQclear(r);
}
