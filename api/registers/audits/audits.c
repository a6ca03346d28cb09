/* Internal audits (audyty wewnętrzne): auditors appointed for a year, the yearly programme
 * approved by the president (every approved version kept), audits with an impartial team and
 * a report, and findings, of which nonconformities open a card (nonconformities.h). Work
 * functions over one transaction each; the route table (routes.c) says what the dispatcher
 * parses for them: c->path[0] is the appointment or audit id or the programme's year (in
 * 2000..2100, per the contract), c->path[1] a version or a finding id. Record rules are SQL
 * functions (migration 0012) called with the caller's role names (c->roles_param). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "case_marks.h"
#include "handlers.h"
#include "http.h"
#include "nonconformities/nonconformities.h"
#include "queries.h"
#include "render.h"
#include "rules.h"
#include "validate.h"
#include "workflow.h"

#define APPOINTMENT_LOCATION "/api/v1/auditor-appointments/%s"
#define AUDIT_LOCATION "/api/v1/audits/%s"
#define FINDING_LOCATION "/api/v1/audits/%lld/findings/%s"
#define PROGRAMME_CSV_HEADER "code;kind;planned_start;planned_end;lead_auditor;team;scope;status"
#define AUDIT_CSV_HEADER "code;year;kind;planned_start;planned_end;lead_auditor;team;status"

/* ---- shared ------------------------------------------------------------------------------ */

static const char *text_of(const json_t *object, const char *key) {
  return json_string_value(json_object_get(object, key));
}

/* A JSON value as SQL text (owned by the caller), or NULL after setting 500 in res. */
static char *dump(const json_t *v, struct result *res) {
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (text == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  return text;
}

/* Sets 422 listing errors (stolen) when there are any: 1 then, else 0 (errors freed). */
static int refused(json_t *errors, struct result *res) {
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return 1;
  }
  json_decref(errors);
  return 0;
}

/* ---- auditor appointments -------------------------------------------------------------------- */

void appointment_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *errors = json_array();
  char id[24];
  /* the shape and the qualifications, then the dates (only on a well-formed body) */
  appointment_body_check(c->body, VALIDATE_CREATE, errors);
  if (json_array_size(errors) == 0) {
    dates_in_year_check(errors, "valid_from", text_of(c->body, "valid_from"), "valid_to", text_of(c->body, "valid_to"),
                        json_integer_value(json_object_get(c->body, "year")));
  }
  if (refused(errors, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL && audits_q_appointment_insert(tx, c->org_param, body, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, APPOINTMENT_LOCATION, id);
  }
  free(body);
}

void appointment_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  audits_q_appointment_get(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, res);
}

void appointment_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[3] = {query_value(c, "year"), query_value(c, "auditor"), query_value(c, "status")};
  PGresult *r =
      audits_q_appointment_list(tx, c->org_param, c->who.sub, c->roles_param, filter, page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

/* Locks the appointment: 1 when found and If-Match holds, 0 after setting 404 or 412, -1 when
 * the database failed. */
static int appointment_lock(struct db_tx *tx, const struct req_ctx *c, struct locked_appointment *cur,
                            struct result *res) {
  enum db_status st = audits_q_appointment_lock(tx, c->org_param, c->path[0], cur);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_APPOINTMENT);
  if (st != DB_ONE) return st == DB_ERROR ? -1 : 0;
  return if_match_ok(c, cur->revision, res);
}

void appointment_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_appointment cur = {0};
  json_t *errors = json_array();
  appointment_body_check(c->body, VALIDATE_PATCH, errors);
  if (refused(errors, res) || appointment_lock(tx, c, &cur, res) != 1) return;
  if (strcmp(cur.status, "active") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, "revoked");
    return;
  }
  /* the dates are checked on the appointment as the patch leaves it */
  const json_t *year = json_object_get(c->body, "year");
  const char *from = text_of(c->body, "valid_from"), *to = text_of(c->body, "valid_to");
  errors = json_array();
  dates_in_year_check(errors, "valid_from", from ? from : cur.valid_from, "valid_to", to ? to : cur.valid_to,
                      year ? json_integer_value(year) : cur.year);
  if (refused(errors, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL) audits_q_appointment_update(tx, c->org_param, c->path[0], body, res);
  free(body);
}

void appointment_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_appointment cur = {0};
  if (appointment_lock(tx, c, &cur, res) == 1 &&
      workflow_take(tx, res, &APPOINTMENT_WORKFLOW, cur.status, text_of(c->body, "to"), c->who.roles, c->body) == 1) {
    audits_q_appointment_revoke(tx, c->org_param, c->path[0], text_of(c->body, "reason"), res);
  }
}

/* ---- audit programmes ------------------------------------------------------------------------- */

void programme_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (!c->csv) {
    audits_q_programme_get(tx, c->org_param, c->path[0], res);
    return;
  }
  PGresult *r = audits_q_programme_csv(tx, c->org_param, c->path[0], CSV_FETCH_ROWS_TEXT);
  if (r == NULL) return;
  if (PQgetvalue(r, 0, 0)[0] != 't') {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROGRAMME);
  } else if (atoll(PQgetvalue(r, 0, 1)) > CSV_MAX_ROWS) {
    result_csv_too_large(res);
  } else {
    result_csv(res, PROGRAMME_CSV_HEADER, PQgetvalue(r, 0, 2), (size_t)PQgetlength(r, 0, 2));
  }
  PQclear(r);
}

void programme_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_programme cur = {0};
  enum db_status st = audits_q_programme_lock(tx, c->org_param, c->path[0], &cur);
  if (st == DB_ERROR) return;
  int exists = st == DB_ONE;
  if (exists && strcmp(cur.status, "submitted") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_PROGRAMME_SUBMITTED);
    return;
  }
  if (exists && !if_match_ok(c, cur.revision, res)) return;
  char *body = dump(c->body, res);
  if (body != NULL) audits_q_programme_put(tx, c->org_param, c->path[0], body, exists ? 200 : 201, res);
  free(body);
}

void programme_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_programme cur = {0};
  const char *to = text_of(c->body, "to");
  enum db_status st = audits_q_programme_lock(tx, c->org_param, c->path[0], &cur);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROGRAMME);
  if (st != DB_ONE || !if_match_ok(c, cur.revision, res) ||
      workflow_take(tx, res, &PROGRAMME_WORKFLOW, cur.status, to, c->who.roles, c->body) != 1) {
    return;
  }
  if (audits_q_programme_step(tx, c->org_param, c->path[0], to, text_of(c->body, "reason"), c->who.sub) == DB_ONE) {
    /* read back after the statement, so the answer lists the version just approved */
    audits_q_programme_get(tx, c->org_param, c->path[0], res);
  }
}

void programme_version_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  audits_q_programme_version(tx, c->org_param, c->path[0], c->path[1], res);
}

/* ---- audits ------------------------------------------------------------------------------------- */

/* The team rules of audit (as it will be) into errors: 0, or -1 when the database failed. */
static int team_check(struct db_tx *tx, const char *org, const json_t *audit, json_t *errors, struct result *res) {
  char *text = dump(audit, res);
  PGresult *r = text ? audits_q_team_check(tx, org, text) : NULL;
  free(text);
  if (r == NULL) return -1;
  for (int i = 0; i < PQntuples(r); i++) {
    const char *field = PQgetvalue(r, i, 0);
    if (PQgetvalue(r, i, 1)[0] != 't') errors_add(errors, field, MSG_NOT_APPOINTED);
    if (!PQgetisnull(r, i, 2)) errors_add(errors, field, MSG_OWNS_SCOPED_PROCESS, PQgetvalue(r, i, 2));
    if (!PQgetisnull(r, i, 3)) errors_add(errors, field, MSG_IN_SCOPED_UNIT, PQgetvalue(r, i, 3));
    if (i == 0 && atoll(PQgetvalue(r, 0, 4)) > 0) errors_add(errors, "scope_process_ids", MSG_NO_SUCH_PROCESS);
    if (i == 0 && atoll(PQgetvalue(r, 0, 5)) > 0) errors_add(errors, "scope_org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
    if (i == 0 && atoll(PQgetvalue(r, 0, 6)) > 0) errors_add(errors, "risk_ids", MSG_NO_SUCH_RISK);
  }
  PQclear(r);
  return 0;
}

void audit_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *errors = json_array();
  char id[24], year[12];
  int may_plan = 0;
  audit_body_rules(c->body, errors);
  if (refused(errors, res)) return;
  /* record rule: the IOD plans information-security audits only (zsz_audit_may_plan) */
  if (audits_q_may_plan(tx, text_of(c->body, "kind"), c->roles_param, &may_plan) != DB_ONE) return;
  if (!may_plan) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_IOD_PLANS_IS);
    return;
  }
  errors = json_array();
  if (team_check(tx, c->org_param, c->body, errors, res) != 0) {
    json_decref(errors);
    return;
  }
  if (refused(errors, res)) return;
  snprintf(year, sizeof year, "%lld", (long long)json_integer_value(json_object_get(c->body, "year")));
  if (audits_q_programme_touch(tx, c->org_param, year) != DB_ONE) return;
  /* a code in use: 409 naming the audit that has it */
  const char *key[] = {c->org_param, text_of(c->body, "code")};
  if (duplicate_found(tx, res, "SELECT id FROM audits WHERE org_id = $1 AND code = $2", 2, key, "code",
                      "/api/v1/audits") != 0)
    return;
  char *body = dump(c->body, res);
  if (body == NULL) return;
  if (audits_q_insert(tx, c->org_param, body, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, AUDIT_LOCATION, id);
  } else if (db_failed_with(tx, "23505")) {
    result_duplicate(res, "code", MSG_DUPLICATE_CODE);
  }
  free(body);
}

void audit_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  audits_q_get(c, tx, c->org_param, c->path[0], c->who.sub, c->roles_param, res);
}

void audit_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[4] = {query_value(c, "year"), query_value(c, "kind"), query_value(c, "status"),
                           query_value(c, "process_id")};
  if (c->csv) {
    /* every matching audit, not paged; more than CSV_MAX_ROWS is refused, never cut */
    PGresult *r = audits_q_list_csv(tx, c->org_param, c->who.sub, c->roles_param, filter, CSV_FETCH_ROWS_TEXT);
    if (r == NULL) return;
    if (atoll(PQgetvalue(r, 0, 0)) > CSV_MAX_ROWS) {
      result_csv_too_large(res);
    } else {
      result_csv(res, AUDIT_CSV_HEADER, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
    }
    PQclear(r);
    return;
  }
  const char *after[3] = {page_key(c, 0), page_key(c, 1), page_key(c, 2)};
  PGresult *r = audits_q_list(tx, c->org_param, c->who.sub, c->roles_param, filter, after, c->limit + 1);
  if (r != NULL) {
    page_render_shaped(c, res, r, &AUDIT_SHAPE, AUDIT_NCOLS + 1, 3);
    PQclear(r);
  }
}

/* After an audit lock: 1 when found and If-Match holds, 0 after setting 404 or 412, -1 when
 * the database failed. */
static int audit_locked(enum db_status st, const struct req_ctx *c, const struct locked_audit *cur,
                        struct result *res) {
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_AUDIT);
  if (st != DB_ONE) return st == DB_ERROR ? -1 : 0;
  return if_match_ok(c, cur->revision, res);
}

/* 1 when the patch changes a planned date of the audit. */
static int audit_moved(const json_t *patch, const struct locked_audit *cur) {
  const char *start = text_of(patch, "planned_start"), *end = text_of(patch, "planned_end");
  return (start && strcmp(start, cur->planned_start) != 0) || (end && strcmp(end, cur->planned_end) != 0);
}

void audit_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_audit cur = {0};
  const char *input = NULL;
  json_t *audit = NULL, *errors = NULL;
  char *text = NULL;
  enum db_status st = audits_q_lock_for_update(tx, c->org_param, c->path[0], c->who.sub, c->roles_param,
                                               text_of(c->body, "kind"), &cur, &input);
  if (audit_locked(st, c, &cur, res) != 1) goto out;
  if (!cur.may_plan) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_IOD_PLANS_IS);
    goto out;
  }
  if (strcmp(cur.status, "planned") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_AUDIT_NOT_PLANNED);
    goto out;
  }
  /* every rule of creation, on the audit as the patch leaves it: its stored fields (as a
   * create body) with the patch over them */
  audit = json_loads(input, 0, NULL);
  if (audit == NULL || json_object_update(audit, c->body) != 0) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    goto out;
  }
  errors = json_array();
  audit_body_rules(audit, errors);
  if (!cur.may_plan_after) errors_add(errors, "kind", MSG_IOD_PLANS_IS);
  if (json_array_size(errors) == 0 && team_check(tx, c->org_param, audit, errors, res) != 0) goto out;
  if (refused(errors, res)) {
    errors = NULL;
    goto out;
  }
  errors = NULL;
  const json_t *year = json_object_get(c->body, "year");
  char year_text[12];
  snprintf(year_text, sizeof year_text, "%lld", year ? (long long)json_integer_value(year) : cur.year);
  if (audit_moved(c->body, &cur) && audits_q_programme_touch(tx, c->org_param, year_text) != DB_ONE) goto out;
  text = dump(audit, res);
  if (text != NULL && audits_q_update(tx, c->org_param, c->path[0], text, res) == DB_ERROR &&
      db_failed_with(tx, "23505")) {
    result_duplicate(res, "code", MSG_DUPLICATE_CODE);
  }
out:
  free(text);
  json_decref(errors);
  json_decref(audit);
  PQclear(cur.row);
}

void audit_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_audit cur = {0};
  const char *to = text_of(c->body, "to");
  const json_t *report = json_object_get(c->body, "report");
  char *report_text = NULL;
  /* record rule: the caller's roles for this audit's steps (zsz_audit_step_roles) */
  enum db_status st = audits_q_lock_for_step(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, &cur);
  if (audit_locked(st, c, &cur, res) != 1 ||
      workflow_take(tx, res, &AUDIT_WORKFLOW, cur.status, to, cur.step_roles, c->body) != 1) {
    goto out;
  }
  if (strcmp(to, "reported") == 0) {
    json_t *errors = json_array();
    audit_report_check(report, errors);
    if (refused(errors, res)) goto out;
  }
  if (strcmp(to, "cancelled") == 0) {
    char year[12];
    snprintf(year, sizeof year, "%lld", cur.year);
    if (audits_q_programme_touch(tx, c->org_param, year) != DB_ONE) goto out;
  }
  report_text = dump(report ? report : json_null(), res);
  if (report_text != NULL) {
    audits_q_set_status(tx, c->org_param, c->path[0], to, text_of(c->body, "reason"), report_text, res);
  }
out:
  free(report_text);
  PQclear(cur.row);
}

/* ---- findings -------------------------------------------------------------------------------------- */

void finding_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_audit cur = {0};
  json_t *errors = json_array(), *card = NULL;
  char *body = NULL, finding_id[24], process[24];
  finding_body_check(c->body, errors);
  if (refused(errors, res)) return;
  errors = NULL;
  const json_t *process_id = json_object_get(c->body, "process_id");
  snprintf(process, sizeof process, "%lld", (long long)json_integer_value(process_id));
  enum db_status st = audits_q_lock_for_finding(tx, c->org_param, c->path[0], c->who.sub, c->roles_param,
                                                json_is_integer(process_id) ? process : NULL, &cur);
  if (audit_locked(st, c, &cur, res) != 1) goto out;
  if (!cur.member) {
    /* record rule: a member of the audit's team */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_TEAM_MEMBER);
    goto out;
  }
  if (strcmp(cur.status, "in_progress") != 0 && strcmp(cur.status, "reported") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_FINDINGS_WHEN, cur.status);
    goto out;
  }
  const char *kind = text_of(c->body, "kind");
  int nc = strstr(kind, "nonconformity") != NULL;
  errors = json_array();
  if (json_is_integer(process_id) && !cur.in_scope) {
    errors_add(errors, "process_id", MSG_NOT_IN_SCOPE);
  } else if (!json_is_integer(process_id) && nc) {
    errors_add(errors, "process_id", MSG_NC_NEEDS_PROCESS);
  }
  if (refused(errors, res)) {
    errors = NULL;
    goto out;
  }
  errors = NULL;
  if (case_marks_check_at(tx, c->org_param, c->body, "evidence.documents[].znak_sprawy", res) != 1) goto out;
  body = dump(c->body, res);
  if (body == NULL ||
      audits_q_finding_insert(tx, c->org_param, c->path[0], body, c->who.sub, res, finding_id) != DB_ONE) {
    goto out;
  }
  if (nc) {
    /* the card opens with the finding: a nonconformity cannot exist only in an audit report */
    card = json_pack("{s:s, s:s, s:s, s:O, s:O}", "source", "internal_audit", "source_ref", cur.code, "severity",
                     strncmp(kind, "major", 5) == 0 ? "major" : "minor", "process_id", process_id, "description",
                     json_object_get(c->body, "description"));
    if (card == NULL) {
      result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
      goto out;
    }
    long long nc_id = nonconformity_open(tx, c->org_param, card, c->path[0], finding_id, c->who.sub, res);
    if (nc_id <= 0) goto out;
    char nc_text[24];
    snprintf(nc_text, sizeof nc_text, "%lld", nc_id);
    if (audits_q_finding_link(tx, c->org_param, finding_id, nc_text, res) != DB_ONE) goto out;
  }
  snprintf(res->location, sizeof res->location, FINDING_LOCATION, c->path_id[0], finding_id);
out:
  free(body);
  json_decref(card);
  json_decref(errors);
  PQclear(cur.row);
}

void finding_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = audits_q_readable(tx, c->org_param, c->path[0], c->who.sub, c->roles_param);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_AUDIT);
  if (st != DB_ONE) return;
  PGresult *r = audits_q_findings(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void finding_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  audits_q_finding_get(tx, c->org_param, c->path[0], c->path[1], c->who.sub, c->roles_param, res);
}
