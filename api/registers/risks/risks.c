/* Risks and opportunities (GZ 8 Zarządzanie ryzykiem; ISO/IEC 27001 6.1.2-6.1.3, 8.2-8.3):
 * the organisation's versioned risk matrix, the register with its assessments (each kept,
 * with the matrix version it used), treatment with control mechanisms and actions, acceptance
 * of the residual risk, reviews, the map and the worklist. docs/design-risks.md.
 *
 * Work functions over one transaction each; the route table (routes.c) says what the
 * dispatcher parses for them: c->path[0] is the risk's id (or the matrix version), c->path[1]
 * an action's. The record rules are SQL functions (migration 0015): zsz_risk_readable (every
 * statement that takes the caller), zsz_risk_manages, zsz_risk_may_create,
 * zsz_risk_may_accept, zsz_risk_action_readable, zsz_risk_action_may_change; this file acts
 * on what they answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "rules.h"
#include "strbuf.h"
#include "validate.h"
#include "workflow.h"

#define RISK_LOCATION "/api/v1/risks/%s"
#define RISK_CSV_HEADER                                                                                                \
  "number;kind;title;area;processes;owner;status;inherent_level;inherent_band;residual_level;residual_band;"           \
  "above_appetite;treatment_option;acceptance_expires;review_due"

static const char *text_of(const json_t *object, const char *key) {
  return json_string_value(json_object_get(object, key));
}

/* errors (stolen) as 422 when it names anything: 1, else 0 (errors freed). */
static int refused(json_t *errors, struct result *res) {
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return 1;
  }
  json_decref(errors);
  return 0;
}

/* The body as SQL text (caller frees), or NULL after setting 500. */
static char *dump(const json_t *v, struct result *res) {
  char *text = json_dumps(v, JSON_COMPACT);
  if (text == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  return text;
}

/* Today's date in UTC as YYYY-MM-DD (the database's zsz_today()). */
static void today(char out[11]) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- the matrix ----------------------------------------------------------------------------- */

void risk_matrix_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  risks_q_matrix_get(tx, c->org_param, res);
}

void risk_matrix_version_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  risks_q_matrix_version(tx, c->org_param, c->path[0], res);
}

void risk_matrix_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct matrix_now now = {0};
  json_t *errors = json_array();
  risk_matrix_check(c->body, errors);
  if (refused(errors, res)) return;
  enum db_status st = risks_q_matrix_now(tx, c->org_param, &now);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_MATRIX_VERSION);
  if (st != DB_ONE || !if_match_ok(c, now.version, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL) risks_q_matrix_insert(tx, c->org_param, body, c->who.sub, res);
  free(body);
}

/* ---- risks ---------------------------------------------------------------------------------- */

/* The links body names into errors (processes, objectives, org units, owner). -1 when the
 * database failed. */
static int links_check(struct db_tx *tx, const struct req_ctx *c, const char *body, json_t *errors) {
  struct risk_links l = {0};
  if (risks_q_links(tx, c->org_param, body, &l) != DB_ONE) return -1;
  if (l.missing_processes > 0) errors_add(errors, "process_ids", MSG_NO_SUCH_PROCESS);
  if (l.missing_objectives > 0) errors_add(errors, "objective_ids", MSG_NO_SUCH_OBJECTIVE);
  if (l.missing_units > 0) errors_add(errors, "org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
  if (!l.owner_ok) errors_add(errors, "owner", MSG_NO_SUCH_USER);
  return 0;
}

void risk_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  int may = 0;
  char id[24];
  if (risks_q_may_create(tx, text_of(c->body, "area"), c->roles_param, &may) != DB_ONE) return;
  if (!may) {
    /* record rule: the IOD registers information-security risks (zsz_risk_may_create) */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_IOD_RISKS_IS);
    return;
  }
  char *body = dump(c->body, res);
  if (body == NULL) return;
  json_t *errors = json_array();
  if (links_check(tx, c, body, errors) < 0) {
    json_decref(errors);
  } else if (!refused(errors, res) && risks_q_insert(tx, c->org_param, body, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, RISK_LOCATION, id);
  }
  free(body);
}

void risk_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  risks_q_get(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, res);
}

/* The register as CSV: every matching risk the caller reads, never cut (413 when too many). */
static void risk_csv(struct db_tx *tx, struct req_ctx *c, struct result *res, const char *const filter[6]) {
  PGresult *r = risks_q_csv(tx, c->org_param, c->who.sub, c->roles_param, filter);
  if (r == NULL) return;
  int n = PQntuples(r);
  if (n > CSV_MAX_ROWS) {
    result_csv_too_large(res);
    PQclear(r);
    return;
  }
  struct strbuf b = {0};
  for (int i = 0; i < n; i++) {
    strbuf_append(&b, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
    strbuf_puts(&b, "\r\n");
  }
  PQclear(r);
  size_t len = b.len;
  char *text = strbuf_steal(&b);
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  result_csv(res, RISK_CSV_HEADER, text, len);
  free(text);
}

void risk_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[6] = {query_value(c, "kind"),  query_value(c, "area"),       query_value(c, "status"),
                           query_value(c, "owner"), query_value(c, "process_id"), query_value(c, "band")};
  if (c->csv) {
    risk_csv(tx, c, res, filter);
    return;
  }
  PGresult *r = risks_q_list(tx, c->org_param, c->who.sub, c->roles_param, filter, page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

/* Locks a risk the caller reads: 1 when found (and If-Match holds when check_if_match), 0
 * after setting 404 or 412, -1 when the database failed. */
static int risk_lock(struct db_tx *tx, const struct req_ctx *c, int check_if_match, struct locked_risk *cur,
                     struct result *res) {
  enum db_status st = risks_q_lock(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, cur);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_RISK);
  if (st != DB_ONE) return st == DB_ERROR ? -1 : 0;
  return check_if_match ? if_match_ok(c, cur->revision, res) : 1;
}

/* A risk the caller manages and that is not closed: 1, else 0 after setting 403 or 409. */
static int may_work_on(const struct locked_risk *cur, struct result *res) {
  if (!cur->manages) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_RISK_MANAGER);
    return 0;
  }
  if (strcmp(cur->status, "closed") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, "closed");
    return 0;
  }
  return 1;
}

void risk_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  if (risk_lock(tx, c, 1, &cur, res) != 1 || !may_work_on(&cur, res)) return;
  json_t *errors = json_array();
  /* who answers for a risk is the plenipotentiary's call */
  if (!(c->who.roles & ROLE_PLENIPOTENTIARY) && json_object_get(c->body, "owner")) {
    errors_add(errors, "owner", MSG_OWNER_BY_P);
  }
  char *body = dump(c->body, res);
  if (body == NULL || links_check(tx, c, body, errors) < 0) {
    json_decref(errors);
  } else if (!refused(errors, res)) {
    risks_q_update(tx, c->org_param, c->path[0], body, res);
  }
  free(body);
}

void risk_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  const char *to = text_of(c->body, "to");
  if (risk_lock(tx, c, 1, &cur, res) != 1) return;
  unsigned roles = c->who.roles | (cur.manages ? RISK_MANAGER : 0);
  if (workflow_take(tx, res, &RISK_WORKFLOW, cur.status, to, roles, c->body) != 1) return;
  if (risks_q_move(tx, c->org_param, c->path[0], to, text_of(c->body, "reason")) == DB_ONE) {
    risks_q_document(tx, c->org_param, c->path[0], 200, res);
  }
}

/* ---- assessments ------------------------------------------------------------------------------ */

void risk_assessment_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = risks_q_readable(tx, c->org_param, c->path[0], c->who.sub, c->roles_param);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_RISK);
  if (st != DB_ONE) return;
  PGresult *r = risks_q_assessments(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void risk_assessment_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  struct matrix_now now = {0};
  if (risk_lock(tx, c, 0, &cur, res) != 1 || !may_work_on(&cur, res)) return;
  /* the scales of the matrix the assessment is made under: that version is the one used */
  enum db_status st = risks_q_matrix_now(tx, c->org_param, &now);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_MATRIX_VERSION);
  if (st != DB_ONE) return;
  json_t *errors = json_array();
  risk_assessment_check(c->body, now.likelihood_levels, now.impact_levels, errors);
  if (refused(errors, res)) return;
  char *body = dump(c->body, res);
  char version[24];
  snprintf(version, sizeof version, "%lld", now.version);
  if (body != NULL) risks_q_assess(tx, c->org_param, c->path[0], version, body, c->who.sub, res);
  free(body);
}

/* ---- treatment, acceptance, reviews ------------------------------------------------------------ */

void risk_treatment_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  risks_q_treatment(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, res);
}

void risk_treatment_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  if (risk_lock(tx, c, 1, &cur, res) != 1 || !may_work_on(&cur, res)) return;
  if (!cur.assessed) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RISK_NOT_ASSESSED);
    return;
  }
  json_t *errors = json_array();
  risk_controls_check(json_object_get(c->body, "controls"), errors);
  if (refused(errors, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL) risks_q_treat(tx, c->org_param, c->path[0], body, res);
  free(body);
}

void risk_accept(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  char day[11];
  if (risk_lock(tx, c, 1, &cur, res) != 1) return;
  if (strcmp(cur.status, "closed") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, "closed");
    return;
  }
  if (!cur.assessed) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RISK_NOT_ASSESSED);
    return;
  }
  if (!cur.may_accept) {
    /* record rule zsz_risk_may_accept: above the appetite the president, or the
     * plenipotentiary up to high; within it the owner, the plenipotentiary, the president */
    if (cur.above_appetite) {
      result_problem(res, PROBLEM_FORBIDDEN, MSG_ACCEPT_ABOVE_APPETITE, cur.residual_band);
    } else {
      result_problem(res, PROBLEM_FORBIDDEN, MSG_ACCEPT_WITHIN_APPETITE);
    }
    return;
  }
  today(day);
  const char *expires = text_of(c->body, "expires_on");
  if (strcmp(expires, day) <= 0) {
    json_t *errors = json_array();
    errors_add(errors, "expires_on", MSG_AFTER_TODAY);
    result_invalid(res, errors);
    return;
  }
  if (db_set_action(tx, "accept") != 0) return;
  risks_q_accept(tx, c->org_param, c->path[0], text_of(c->body, "justification"), expires, c->who.sub, res);
}

void risk_review_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  if (risk_lock(tx, c, 0, &cur, res) != 1 || !may_work_on(&cur, res)) return;
  if (risks_q_review(tx, c->org_param, c->path[0], text_of(c->body, "note"), c->who.sub) == DB_ONE) {
    risks_q_document(tx, c->org_param, c->path[0], 201, res);
  }
}

/* ---- treatment actions -------------------------------------------------------------------------- */

/* A responsible named by the body must be a user of the organisation: else an entry in
 * errors. -1 when the database failed. */
static int responsible_check(struct db_tx *tx, const struct req_ctx *c, json_t *errors) {
  const char *sub = text_of(c->body, "responsible");
  if (sub == NULL) return 0;
  enum db_status st = risks_q_user_exists(tx, c->org_param, sub);
  if (st == DB_NONE) errors_add(errors, "responsible", MSG_NO_SUCH_USER);
  return st == DB_ERROR ? -1 : 0;
}

void risk_action_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk cur = {0};
  char id[24];
  if (risk_lock(tx, c, 0, &cur, res) != 1 || !may_work_on(&cur, res)) return;
  json_t *errors = json_array();
  if (responsible_check(tx, c, errors) < 0) {
    json_decref(errors);
    return;
  }
  if (refused(errors, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL && risks_q_action_insert(tx, c->org_param, c->path[0], body, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/risks/%lld/actions/%s", c->path_id[0], id);
  }
  free(body);
}

void risk_action_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  risks_q_action_get(tx, c->org_param, c->path[0], c->path[1], c->who.sub, c->roles_param, res);
}

/* The fields the body sends, as a SQL text[] literal (names from the spec, not the body). */
static void sent_fields(const json_t *body, char *out, size_t size) {
  size_t used = 0;
  out[used++] = '{';
  for (const struct field_spec *f = RISK_ACTION_PATCH_FIELDS; f->name != NULL; f++) {
    if (json_object_get(body, f->name) != NULL) {
      int w = snprintf(out + used, size - used - 1, "%s%s", used > 1 ? "," : "", f->name);
      if (w > 0 && (size_t)w < size - used - 1) used += (size_t)w;
    }
  }
  snprintf(out + used, size - used, "}");
}

void risk_action_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_risk_action act = {0};
  char fields[128];
  sent_fields(c->body, fields, sizeof fields);
  enum db_status st =
      risks_q_action_lock(tx, c->org_param, c->path[0], c->path[1], c->who.sub, c->roles_param, fields, &act);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_RISK_ACTION);
  if (st != DB_ONE || !if_match_ok(c, act.revision, res)) return;
  if (!act.may_change) {
    /* record rule: its responsible marks it done; the rest belongs to whoever manages the risk */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_RISK_MANAGER);
    return;
  }
  if (act.risk_closed) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, "closed");
    return;
  }
  const char *status = text_of(c->body, "status");
  if (status && strcmp(status, "open") == 0 && strcmp(act.status, "done") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_ACTION_DONE);
    return;
  }
  json_t *errors = json_array();
  if (responsible_check(tx, c, errors) < 0) {
    json_decref(errors);
    return;
  }
  if (refused(errors, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL) risks_q_action_update(tx, c->org_param, c->path[1], body, res);
  free(body);
}

/* ---- views ---------------------------------------------------------------------------------------- */

void risk_map(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[3] = {query_value(c, "area"), query_value(c, "process_id"), query_value(c, "org_unit_id")};
  const char *basis = query_value(c, "basis");
  risks_q_map(tx, c->org_param, c->who.sub, c->roles_param, basis ? basis : "residual", filter, res);
}

void risk_worklist(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = risks_q_worklist(tx, c->org_param, c->who.sub, c->roles_param, query_value(c, "reason"),
                                 query_value(c, "owner"), page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void risk_summary(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  /* from and to are required by the contract; their form is checked here */
  const char *from = query_value(c, "from"), *to = query_value(c, "to");
  if (!date_valid(from)) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "from", MSG_MUST_BE_DATE);
  } else if (!date_valid(to)) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "to", MSG_MUST_BE_DATE);
  } else if (strcmp(to, from) < 0) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "to", MSG_BEFORE, "from");
  } else {
    risks_q_summary(tx, c->org_param, from, to, res);
  }
}
