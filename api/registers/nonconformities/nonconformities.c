/* Nonconformities (karta niezgodności): numbered cards from audits, complaints, reviews or
 * monitoring; root cause, corrective actions, an effectiveness check by someone other than the
 * owner, and back to analysis when it did not work, every step kept in the card's history,
 * so a nonconformity cannot be lost between its finding and its closure.
 *
 * Work functions over one transaction each; the route table (routes.c) says what the
 * dispatcher parses for them: c->path[0] is the card's id, c->path[1] an action's. The record
 * rules are SQL functions (migration 0013): zsz_nc_readable (who reads a card: every
 * statement that takes the caller), zsz_nc_may_open, zsz_nc_manages (its owner or the
 * plenipotentiary), zsz_nc_evaluates, zsz_nc_action_may_change; this file acts on what they
 * answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "case_marks.h"
#include "documents.h"
#include "handlers.h"
#include "http.h"
#include "nonconformities.h"
#include "queries.h"
#include "rules.h"
#include "strbuf.h"
#include "validate.h"
#include "workflow.h"

static const char *field_text(const json_t *body, const char *name) {
  return json_string_value(json_object_get(body, name));
}

/* errors (stolen) as 422 when it names anything: 1, else 0 (errors freed). */
static int invalid(struct result *res, json_t *errors) {
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return 1;
  }
  json_decref(errors);
  return 0;
}

/* ---- opening a card ------------------------------------------------------------------------- */

long long nonconformity_open(struct db_tx *tx, const char *org, const json_t *fields, const char *audit_id,
                             const char *finding_id, const char *actor, struct result *res) {
  char process[24];
  snprintf(process, sizeof process, "%lld", (long long)json_integer_value(json_object_get(fields, "process_id")));
  struct nc_values v = {
      .source = field_text(fields, "source"),
      .source_ref = field_text(fields, "source_ref"),
      .severity = field_text(fields, "severity"),
      .process_id = process,
      .owner = field_text(fields, "owner"),
      .description = field_text(fields, "description"),
      .correction = field_text(fields, "correction"),
      .znak_sprawy = field_text(fields, "znak_sprawy"),
  };
  char id[24];
  enum db_status st = nonconformities_q_open(tx, org, &v, audit_id, finding_id, actor, id);
  if (st == DB_NONE) {
    /* no owner given and the process has none: somebody must answer for the card */
    json_t *errors = json_array();
    errors_add(errors, "owner", MSG_NC_NEEDS_OWNER);
    result_invalid(res, errors);
  }
  return st == DB_ONE ? atoll(id) : -1;
}

/* ---- cards ------------------------------------------------------------------------------------ */

void nonconformity_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  char process[24];
  int ok[3];
  snprintf(process, sizeof process, "%lld", (long long)json_integer_value(json_object_get(c->body, "process_id")));
  if (nonconformities_q_creatable(tx, c->org_param, process, c->who.sub, c->roles_param, field_text(c->body, "owner"),
                                  ok) != DB_ONE) {
    return;
  }
  if (ok[0] && !ok[1]) {
    /* record rule: a process owner raises cards on its own processes (zsz_nc_may_open) */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
    return;
  }
  json_t *errors = json_array();
  if (!ok[0]) errors_add(errors, "process_id", MSG_NO_SUCH_PROCESS);
  if (!ok[2]) errors_add(errors, "owner", MSG_NO_SUCH_USER);
  if (invalid(res, errors) || case_marks_check_at(tx, c->org_param, c->body, "znak_sprawy", res) != 1) {
    return;
  }
  long long id = nonconformity_open(tx, c->org_param, c->body, NULL, NULL, c->who.sub, res);
  if (id > 0) {
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", id);
    if (nonconformities_q_document(tx, c->org_param, id_text, 201, res) == DB_ONE) {
      snprintf(res->location, sizeof res->location, "/api/v1/nonconformities/%s", id_text);
    }
  }
}

void nonconformity_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  nonconformities_q_get(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, res);
}

static const char *const NC_CSV_HEADER =
    "number;source;source_ref;severity;process_code;owner;status;round;created_at;closed_at;days_open;overdue";

/* The register as CSV: every matching card the caller reads, never cut (413 when too many),
 * written to the spool a row at a time (flat memory at 100,000 rows). */
static void nonconformity_csv(struct db_tx *tx, struct req_ctx *c, struct result *res, const char *const filter[7]) {
  if (result_csv_begin(res, NC_CSV_HEADER) != 0) {
    return;
  }
  long n = nonconformities_q_csv(tx, c->org_param, c->who.sub, c->roles_param, filter, res);
  if (n < 0) {
    return;
  }
  if (n > CSV_MAX_ROWS) {
    result_csv_too_large(res);
  } else {
    result_csv_end(res);
  }
}

void nonconformity_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[7] = {query_value(c, "status"), query_value(c, "process_id"), query_value(c, "owner"),
                           query_value(c, "source"), query_value(c, "severity"),   query_value(c, "overdue"),
                           query_value(c, "year")};
  if (c->csv) {
    nonconformity_csv(tx, c, res, filter);
    return;
  }
  PGresult *r =
      nonconformities_q_list(tx, c->org_param, c->who.sub, c->roles_param, filter, page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    nc_page(c, res, r);
    PQclear(r);
  }
}

/* Locks a card the caller reads: 1 when found and If-Match (when the route takes it for the
 * card) holds, 0 after setting 404 or 412, -1 when the database failed. */
static int nc_lock(struct db_tx *tx, const struct req_ctx *c, int check_if_match, struct locked_nc *cur,
                   struct result *res) {
  enum db_status st = nonconformities_q_lock(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_NONCONFORMITY);
  }
  if (st != DB_ONE) {
    return st == DB_ERROR ? -1 : 0;
  }
  return check_if_match ? if_match_ok(c, cur->revision, res) : 1;
}

static int is_final(const struct locked_nc *cur) {
  return strcmp(cur->status, "closed") == 0 || strcmp(cur->status, "cancelled") == 0;
}

/* A user named by the body's field must be one of the organisation's: else an entry in
 * errors. -1 when the database failed. */
static int user_check(struct db_tx *tx, const struct req_ctx *c, const char *field, json_t *errors) {
  const char *sub = field_text(c->body, field);
  if (sub == NULL) return 0;
  enum db_status st = nonconformities_q_user_exists(tx, c->org_param, sub);
  if (st == DB_NONE) errors_add(errors, field, MSG_NO_SUCH_USER);
  return st == DB_ERROR ? -1 : 0;
}

void nonconformity_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_nc cur = {0};
  if (nc_lock(tx, c, 1, &cur, res) != 1) {
    return;
  }
  if (!cur.manages) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_NC_OWNER);
    return;
  }
  if (is_final(&cur)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    return;
  }
  json_t *errors = json_array();
  int p = (c->who.roles & ROLE_PLENIPOTENTIARY) != 0;
  if (!p && json_object_get(c->body, "severity")) {
    errors_add(errors, "severity", MSG_SEVERITY_BY_P);
  }
  /* the owner cannot hand its card to someone else: who answers for it is the plenipotentiary's call */
  if (!p && json_object_get(c->body, "owner")) {
    errors_add(errors, "owner", MSG_OWNER_BY_P);
  }
  if (user_check(tx, c, "owner", errors) < 0) {
    json_decref(errors);
    return;
  }
  if (invalid(res, errors) || case_marks_check_at(tx, c->org_param, c->body, "znak_sprawy", res) != 1) {
    return;
  }
  nonconformities_q_update(tx, c->org_param, c->path[0], field_text(c->body, "description"),
                           field_text(c->body, "correction"), field_text(c->body, "root_cause"),
                           field_text(c->body, "owner"), field_text(c->body, "severity"),
                           field_text(c->body, "znak_sprawy"), res);
}

/* What the step from -> to needs of the card: a root cause and a corrective action before
 * implementation, every action done before verification. Appends errors; -1 when the
 * database failed. */
static int step_needs(struct db_tx *tx, const struct req_ctx *c, const struct locked_nc *cur, const char *to,
                      json_t *errors) {
  if (strcmp(to, "implementation") == 0) {
    if (cur->no_root_cause) errors_add(errors, "root_cause", MSG_REQUIRED_TO, to);
    if (!cur->has_corrective) errors_add(errors, "actions", MSG_NEEDS_CORRECTIVE);
  }
  if (strcmp(to, "verification") == 0) {
    PGresult *r = nonconformities_q_actions_not_done(tx, c->org_param, c->path[0]);
    if (r == NULL) {
      return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
      char field[32];
      snprintf(field, sizeof field, "actions[%s]", PQgetvalue(r, i, 0));
      errors_add(errors, field, MSG_ACTION_NOT_DONE);
    }
    PQclear(r);
  }
  return 0;
}

void nonconformity_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_nc cur = {0};
  const char *to = field_text(c->body, "to");
  if (nc_lock(tx, c, 1, &cur, res) != 1) {
    return;
  }
  /* the caller's relations to this card, as the database decided them, beside its roles */
  unsigned roles = c->who.roles | (cur.manages ? NC_MANAGER : 0) | (cur.evaluates ? NC_EVALUATOR : 0);
  if (workflow_take(tx, res, &NC_WORKFLOW, cur.status, to, roles, c->body) != 1) {
    return;
  }
  int evaluating = nc_step_evaluates(cur.status, to);
  json_t *errors = json_array();
  if (evaluating) {
    nc_evaluation_errors(to, c->body, errors);
  }
  if (step_needs(tx, c, &cur, to, errors) < 0) {
    json_decref(errors);
    return;
  }
  if (invalid(res, errors)) {
    return;
  }
  struct nc_step step = {
      .from = cur.status,
      .to = to,
      .reason = field_text(c->body, "reason"),
      .effective = evaluating ? (json_is_true(json_object_get(c->body, "effective")) ? "true" : "false") : NULL,
      .comment = field_text(c->body, "comment"),
  };
  if (nonconformities_q_move(tx, c->org_param, c->path[0], &step, c->who.sub) == DB_ONE) {
    nonconformities_q_document(tx, c->org_param, c->path[0], 200, res);
  }
}

void nonconformity_stats(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  /* year is required by the contract: the dispatcher answered 400 without it */
  nonconformities_q_stats(tx, c->org_param, query_value(c, "year"), res);
}

/* ---- corrective actions ------------------------------------------------------------------------ */

void action_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  nonconformities_q_action_list(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, res);
}

void action_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  nonconformities_q_action_get(tx, c->org_param, c->path[0], c->path[1], c->who.sub, c->roles_param, res);
}

static struct nc_action_values action_values(const json_t *body) {
  return (struct nc_action_values){
      .type = field_text(body, "type"),
      .description = field_text(body, "description"),
      .responsible = field_text(body, "responsible"),
      .due_date = field_text(body, "due_date"),
      .status = field_text(body, "status"),
      .note = field_text(body, "note"),
      .znak_sprawy = field_text(body, "znak_sprawy"),
  };
}

void action_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_nc cur = {0};
  char id[24];
  if (nc_lock(tx, c, 0, &cur, res) != 1) {
    return;
  }
  if (!cur.manages) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_NC_OWNER);
    return;
  }
  if (is_final(&cur)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    return;
  }
  json_t *errors = json_array();
  if (user_check(tx, c, "responsible", errors) < 0) {
    json_decref(errors);
    return;
  }
  if (invalid(res, errors) || case_marks_check_at(tx, c->org_param, c->body, "znak_sprawy", res) != 1) {
    return;
  }
  struct nc_action_values v = action_values(c->body);
  if (nonconformities_q_action_insert(tx, c->org_param, c->path[0], &v, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/nonconformities/%lld/actions/%s", c->path_id[0], id);
  }
}

/* The fields the body sends, as a SQL text[] literal (names from the spec, not the body). */
static void sent_fields(const json_t *body, char *out, size_t size) {
  size_t used = 0;
  out[used++] = '{';
  for (const struct field_spec *f = NC_ACTION_PATCH_FIELDS; f->name != NULL; f++) {
    if (json_object_get(body, f->name) != NULL) {
      int w = snprintf(out + used, size - used - 1, "%s%s", used > 1 ? "," : "", f->name);
      if (w > 0 && (size_t)w < size - used - 1) used += (size_t)w;
    }
  }
  snprintf(out + used, size - used, "}");
}

void action_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_nc cur = {0};
  struct locked_action act = {0};
  char fields[128];
  /* If-Match is the action's: the card is locked without it */
  if (nc_lock(tx, c, 0, &cur, res) != 1) {
    return;
  }
  if (is_final(&cur)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    return;
  }
  sent_fields(c->body, fields, sizeof fields);
  enum db_status st =
      nonconformities_q_action_lock(tx, c->org_param, c->path[0], c->path[1], c->who.sub, c->roles_param, fields, &act);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ACTION);
  }
  if (st != DB_ONE || !if_match_ok(c, act.revision, res)) {
    return;
  }
  if (!act.may_change) {
    /* record rule: its responsible marks it done; the rest belongs to whoever manages the card */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_NC_OWNER);
    return;
  }
  const char *status = field_text(c->body, "status");
  if (status && strcmp(status, "open") == 0 && strcmp(act.status, "done") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_ACTION_DONE);
    return;
  }
  json_t *errors = json_array();
  if (user_check(tx, c, "responsible", errors) < 0) {
    json_decref(errors);
    return;
  }
  if (invalid(res, errors) || case_marks_check_at(tx, c->org_param, c->body, "znak_sprawy", res) != 1) {
    return;
  }
  struct nc_action_values v = action_values(c->body);
  nonconformities_q_action_update(tx, c->org_param, c->path[1], &v, res);
}
