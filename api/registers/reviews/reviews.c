/* Process reviews (przeglądy procesów): every six months the owner reviews each process it
 * owns; minutes are due 15 August (H1) and 15 February of the next year (H2). The owner
 * writes and submits, the plenipotentiary accepts or returns with feedback. Work functions:
 * c->path[0] is the process id, c->path[1] a review's. Who may read and write a review are
 * record rules in SQL (zsz_review_reader, zsz_review_writer: migration 0009), whose verdicts
 * the process statements select. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "period.h"
#include "queries.h"
#include "rules.h"
#include "validate.h"
#include "workflow.h"

/* The process of the reviews and what the rules say of the caller: 1, or 0 after 404, -1
 * when the database failed. A write holds the process (and so its owner) until it commits. */
static int review_process(struct db_tx *tx, const struct req_ctx *c, int hold, struct review_process *p,
                          struct result *res) {
  enum db_status st = hold ? reviews_q_process_hold(tx, c->org_param, c->path[0], c->roles_param, c->who.sub, p)
                           : reviews_q_process(tx, c->org_param, c->path[0], c->roles_param, c->who.sub, p);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROCESS);
  }
  return st;
}

/* The body checked (422 with every problem) and, when valid, as one JSON text for SQL with
 * the actions' defaults (owned by the caller); NULL after setting res. */
static char *review_body(const struct req_ctx *c, enum validate_mode mode, struct result *res) {
  json_t *errors = json_array();
  review_check(c->body, mode, errors);
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return NULL;
  }
  json_decref(errors);
  json_t *body = review_with_defaults(c->body);
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
  return text;
}

void review_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct review_process p;
  char id[24], *text = review_body(c, VALIDATE_CREATE, res);
  if (text == NULL || review_process(tx, c, 1, &p, res) != 1) {
    goto out;
  }
  if (!p.writer) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
  } else if (reviews_q_insert(tx, c->org_param, c->path[0], text, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/processes/%lld/reviews/%s", c->path_id[0], id);
  } else if (db_failed_with(tx, "23505")) {
    result_duplicate(res, "period", MSG_DUPLICATE_REVIEW);
  }
out:
  free(text);
}

/* The caller may read the process's reviews: 1, or 0 after 404/403, -1 when the database failed. */
static int may_read(struct db_tx *tx, const struct req_ctx *c, struct result *res) {
  struct review_process p;
  int st = review_process(tx, c, 0, &p, res);
  if (st == 1 && !p.reader) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_REVIEW_READER);
    return 0;
  }
  return st;
}

void review_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (may_read(tx, c, res) == 1) {
    reviews_q_get(tx, c->org_param, c->path[0], c->path[1], res);
  }
}

void review_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (may_read(tx, c, res) != 1) {
    return;
  }
  PGresult *r = reviews_q_list(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

/* Locks the review: 1 when found and If-Match holds, 0 after 404/412, -1 when the database failed. */
static int review_lock(struct db_tx *tx, const struct req_ctx *c, struct locked_review *cur, struct result *res) {
  enum db_status st = reviews_q_lock(tx, c->org_param, c->path[0], c->path[1], cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_REVIEW);
  }
  if (st != DB_ONE) {
    return st;
  }
  return if_match_ok(c, cur->revision, res);
}

void review_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct review_process p;
  struct locked_review cur;
  char *text = review_body(c, VALIDATE_PATCH, res);
  if (text == NULL || review_process(tx, c, 1, &p, res) != 1) {
    goto out;
  }
  if (!p.writer) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
    goto out;
  }
  if (review_lock(tx, c, &cur, res) != 1) {
    goto out;
  }
  if (strcmp(cur.status, "draft") != 0 && strcmp(cur.status, "returned") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
  } else if (reviews_q_update(tx, c->org_param, c->path[1], text, res) == DB_ERROR && db_failed_with(tx, "23505")) {
    result_duplicate(res, "period", MSG_DUPLICATE_REVIEW);
  }
out:
  free(text);
}

void review_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct review_process p;
  struct locked_review cur;
  const char *to = json_string_value(json_object_get(c->body, "to"));
  if (review_process(tx, c, 1, &p, res) != 1 || review_lock(tx, c, &cur, res) != 1) {
    return;
  }
  /* the owner's steps are for the owner of this process, not for any process owner */
  unsigned roles = c->who.roles & ~(p.writer ? 0u : (unsigned)ROLE_PROCESS_OWNER);
  if (workflow_take(tx, res, &REVIEW_WORKFLOW, cur.status, to, roles, c->body) == 1) {
    reviews_q_set_status(tx, c->org_param, c->path[1], to, json_string_value(json_object_get(c->body, "reason")), res);
  }
}

/* ---- across processes ------------------------------------------------------------------------ */

void process_review_overview(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *period = query_value(c, "period"); /* required by the contract */
  /* the contract's pattern, which the dispatcher does not check */
  if (period != NULL && utf8_length(period, strlen(period)) > 16) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "period", MSG_PARAM_TOO_LONG);
    return;
  }
  if (period == NULL || !review_period_valid(period)) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "period", MSG_REVIEW_PERIOD);
    return;
  }
  PGresult *r = reviews_q_overview(tx, c->org_param, period, query_value(c, "state"), page_key(c, 0), page_key(c, 1),
                                   c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 2);
    PQclear(r);
  }
}
