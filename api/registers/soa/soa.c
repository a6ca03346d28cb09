/* The Statement of Applicability (deklaracja stosowania, ISO/IEC 27001 6.1.3 d): for each of
 * the 93 controls of Annex A (built in: controls.c) whether it applies and why (both ways),
 * how far it is implemented, the risks and obligations that call for it and the evidence
 * (EZD case marks, document ids). Versions are submitted by the plenipotentiary or the IOD and
 * approved by the president; each approved version is kept as a frozen snapshot.
 *
 * Work functions over one transaction each; c->path[0] is a control's identifier or a
 * version. The coarse roles of the route rows are the whole rule: the SoA is one per
 * organisation and every reader reads all of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "controls.h"
#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "rules.h"
#include "validate.h"
#include "workflow.h"

#define SOA_CSV_HEADER                                                                                                 \
  "control;title;applicable;justification;implementation;risks;obligations;case_marks;document_ids;evidence"

void soa_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *ids = soa_control_ids_literal(), *titles = soa_control_titles_literal();
  if (!c->csv) {
    soa_q_get(tx, c->org_param, ids, titles, res);
    return;
  }
  /* 93 rows: never near CSV_MAX_ROWS */
  PGresult *r = soa_q_csv(tx, c->org_param, ids, titles);
  if (r == NULL) return;
  result_csv(res, SOA_CSV_HEADER, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
  PQclear(r);
}

void soa_control_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  int index = soa_control_index(c->path[0]);
  if (index < 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_CONTROL);
    return;
  }
  soa_q_control(tx, c->org_param, soa_control_id((size_t)index), soa_control_title((size_t)index), res);
}

void soa_control_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_soa cur = {0};
  long long missing = 0;
  int index = soa_control_index(c->path[0]);
  if (index < 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_CONTROL);
    return;
  }
  json_t *errors = json_array();
  soa_entry_check(c->body, errors);
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return;
  }
  json_decref(errors);
  if (soa_q_lock(tx, c->org_param, &cur) != DB_ONE) return;
  if (strcmp(cur.status, "submitted") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_SOA_SUBMITTED);
    return;
  }
  char *body = json_dumps(c->body, JSON_COMPACT);
  if (body == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  if (soa_q_missing_risks(tx, c->org_param, body, &missing) == DB_ONE) {
    if (missing > 0) {
      errors = json_array();
      errors_add(errors, "risk_ids", MSG_NO_SUCH_RISK);
      result_invalid(res, errors);
    } else {
      const char *id = soa_control_id((size_t)index);
      if (soa_q_put(tx, c->org_param, id, body, c->who.sub) == DB_ONE) {
        /* read back after the statement, so the answer shows what was written */
        soa_q_control(tx, c->org_param, id, soa_control_title((size_t)index), res);
      }
    }
  }
  free(body);
}

/* Submitting needs every control decided: 0, or 1 after setting 422 naming each one
 * undecided; -1 when the database failed. */
static int undecided(struct db_tx *tx, const struct req_ctx *c, struct result *res) {
  PGresult *r = soa_q_undecided(tx, c->org_param, soa_control_ids_literal());
  if (r == NULL) return -1;
  int n = PQntuples(r);
  if (n > 0) {
    json_t *errors = json_array();
    for (int i = 0; i < n; i++) {
      char field[32];
      snprintf(field, sizeof field, "controls[%s]", PQgetvalue(r, i, 0));
      errors_add(errors, field, MSG_SOA_UNDECIDED);
    }
    result_invalid(res, errors);
  }
  PQclear(r);
  return n > 0;
}

void soa_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_soa cur = {0};
  const char *to = json_string_value(json_object_get(c->body, "to"));
  if (soa_q_lock(tx, c->org_param, &cur) != DB_ONE || !if_match_ok(c, cur.revision, res) ||
      workflow_take(tx, res, &SOA_WORKFLOW, cur.status, to, c->who.roles, c->body) != 1) {
    return;
  }
  if (strcmp(to, "submitted") == 0 && undecided(tx, c, res) != 0) return;
  const char *ids = soa_control_ids_literal(), *titles = soa_control_titles_literal();
  if (soa_q_step(tx, c->org_param, to, json_string_value(json_object_get(c->body, "reason")), c->who.sub, ids,
                 titles) == DB_ONE) {
    /* read back after the statement, so the answer lists the version just approved */
    soa_q_get(tx, c->org_param, ids, titles, res);
  }
}

void soa_version_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  soa_q_version(tx, c->org_param, c->path[0], res);
}
