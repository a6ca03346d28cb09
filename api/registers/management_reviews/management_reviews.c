/* Management reviews (przeglądy zarządzania, ISO 9001 9.3 and ISO/IEC 27001 9.3): the
 * steering committee's, the ISMS one and each unit's monthly meeting, with their deadlines
 * and calendar, the data package frozen before the meeting (package.c), the decisions taken
 * (owners, due dates, status; an improvement can open a nonconformity-register action) and
 * the minutes (minutes.c).
 *
 * Work functions over one transaction each: c->path[0] is the review's id, c->path[1] a
 * decision's. The record rules are SQL functions (migration 0016): zsz_mr_readable (who reads
 * a review: 404 otherwise), zsz_mr_manages (who runs it), zsz_mr_approves (who approves its
 * minutes), zsz_mr_decision_may_change; they take the caller's sub, role names and unit code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "nonconformities/nonconformities.h"
#include "package.h"
#include "queries.h"
#include "rules.h"
#include "case_marks.h"
#include "validate.h"
#include "workflow.h"

struct mr_caller caller_of(const struct req_ctx *c) {
  return (struct mr_caller){c->who.sub, c->roles_param, c->who.unit};
}

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

/* The body as one JSON text for SQL (a new string), or NULL after 500. */
static char *body_text(const json_t *body, struct result *res) {
  char *text = json_dumps(body, JSON_COMPACT);
  if (text == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  return text;
}

/* ---- kinds ------------------------------------------------------------------------------------- */

void mr_rules_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  mr_q_rules_get(tx, c->org_param, res);
}

void mr_rules_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *errors = json_array();
  mr_rule_errors(c->body, errors);
  if (invalid(res, errors)) return;
  char *text = body_text(c->body, res);
  if (text != NULL && mr_q_rules_put(tx, c->org_param, text) == DB_ONE) {
    mr_q_rules_get(tx, c->org_param, res);
  }
  free(text);
}

/* ---- calendar ---------------------------------------------------------------------------------- */

void mr_calendar(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  /* year is required by the contract */
  mr_q_calendar(tx, c->org_param, query_value(c, "year"), query_value(c, "kind"), query_value(c, "org_unit_id"), res);
}

/* ---- reviews ----------------------------------------------------------------------------------- */

void mr_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct mr_caller who = caller_of(c);
  const char *filter[4] = {query_value(c, "kind"), query_value(c, "status"), query_value(c, "year"),
                           query_value(c, "org_unit_id")};
  PGresult *r = mr_q_list(tx, c->org_param, &who, filter, page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void mr_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct mr_caller who = caller_of(c);
  json_t *errors = json_array();
  mr_body_errors(c->body, VALIDATE_CREATE, errors);
  const json_t *unit = json_object_get(c->body, "org_unit_id");
  if (unit != NULL && !field_has_error(errors, "org_unit_id")) {
    char unit_id[24];
    snprintf(unit_id, sizeof unit_id, "%lld", (long long)json_integer_value(unit));
    enum db_status st = mr_q_unit_exists(tx, c->org_param, unit_id);
    if (st == DB_ERROR) {
      json_decref(errors);
      return;
    }
    if (st == DB_NONE) errors_add(errors, "org_unit_id", MSG_NO_SUCH_ORG_UNIT);
  }
  if (invalid(res, errors) || case_marks_check_at(tx, c->org_param, c->body, "znak_sprawy", res) != 1) return;
  char id[24], *text = body_text(c->body, res);
  int manages = 0;
  if (text != NULL && mr_q_insert(tx, c->org_param, text, &who, res, id, &manages) == DB_ONE) {
    if (!manages) {
      /* record rule: the plenipotentiary runs the steering committee's reviews, the IOD the
       * ISMS ones, a unit's head its unit's meetings; nothing is committed */
      result_reset(res);
      result_problem(res, PROBLEM_FORBIDDEN, MSG_MR_KIND_NOT_YOURS);
    } else {
      snprintf(res->location, sizeof res->location, "/api/v1/management-reviews/%s", id);
    }
  }
  free(text);
}

void mr_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct mr_caller who = caller_of(c);
  mr_q_get(tx, c->org_param, c->path[0], &who, res);
}

/* Locks a review the caller reads: 1 when found and If-Match (when checked) holds, 0 after
 * setting 404 or 412, -1 when the database failed. */
static int mr_lock(struct db_tx *tx, const struct req_ctx *c, int check_if_match, struct locked_mr *cur,
                   struct result *res) {
  struct mr_caller who = caller_of(c);
  enum db_status st = mr_q_lock(tx, c->org_param, c->path[0], &who, cur);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
  if (st != DB_ONE) return st == DB_ERROR ? -1 : 0;
  return check_if_match ? if_match_ok(c, cur->revision, res) : 1;
}

static int is_final(const char *status) {
  return strcmp(status, "minutes_approved") == 0 || strcmp(status, "cancelled") == 0;
}

void mr_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_mr cur = {0};
  if (mr_lock(tx, c, 1, &cur, res) != 1) return;
  if (!cur.manages) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_MR_NOT_MANAGER);
    return;
  }
  if (is_final(cur.status)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    return;
  }
  json_t *errors = json_array();
  mr_body_errors(c->body, VALIDATE_PATCH, errors);
  if (invalid(res, errors) || case_marks_check_at(tx, c->org_param, c->body, "znak_sprawy", res) != 1) return;
  char *text = body_text(c->body, res);
  if (text != NULL) mr_q_update(tx, c->org_param, c->path[0], text, res);
  free(text);
}

void mr_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_mr cur = {0};
  const char *to = field_text(c->body, "to");
  if (mr_lock(tx, c, 1, &cur, res) != 1) return;
  /* the caller's relations to this review, as the database decided them, beside its roles */
  unsigned roles = c->who.roles | (cur.manages ? MR_MANAGER : 0) | (cur.approves ? MR_APPROVER : 0);
  if (workflow_take(tx, res, &MR_WORKFLOW, cur.status, to, roles, c->body) != 1) return;
  /* freezing stores the package as the registers say it now; again before the meeting, a
   * new version beside the earlier ones */
  if (strcmp(to, "package_frozen") == 0 && !mr_package_freeze(tx, c->org_param, c->path[0], cur.kind, c->who.sub, res))
    return;
  mr_q_set_status(tx, c->org_param, c->path[0], to, field_text(c->body, "reason"), field_text(c->body, "held_at"),
                  c->who.sub, res);
}

/* ---- the package ------------------------------------------------------------------------------- */

/* The SHA-256 of a text, as a new JSON string, or NULL when the database failed. */
static json_t *sha256_of(struct db_tx *tx, const char *text) {
  PGresult *r = mr_q_sha256(tx, text);
  if (r == NULL) return NULL;
  json_t *v = json_string(PQgetvalue(r, 0, 0));
  PQclear(r);
  return v;
}

/* The live package and its hash into *content and *sha (new references): 1, or 0. */
static int live_package(struct db_tx *tx, const struct req_ctx *c, const char *kind, json_t **content, json_t **sha,
                        struct result *res) {
  *content = mr_package_build(tx, c->org_param, c->path[0], kind, res);
  char *text = *content ? mr_package_text(*content, res) : NULL;
  *sha = text ? sha256_of(tx, text) : NULL;
  free(text);
  if (*sha == NULL) {
    json_decref(*content);
    *content = NULL;
    return 0;
  }
  return 1;
}

void mr_package_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct mr_caller who = caller_of(c);
  char kind[24];
  enum db_status st = mr_q_readable(tx, c->org_param, c->path[0], &who, kind);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
  if (st != DB_ONE) return;
  const char *version = query_value(c, "version");
  const char *live = query_value(c, "live");
  int want_live = live != NULL && strcmp(live, "true") == 0;
  PGresult *r = mr_q_package_get(tx, c->org_param, c->path[0], version);
  if (r == NULL) return;
  json_t *out = json_object(), *content = NULL, *sha = NULL;
  json_object_set_new(out, "review_id", json_integer(c->path_id[0]));
  json_object_set_new(out, "canonical_form", json_string("RFC 8785 JSON Canonicalization Scheme, UTF-8"));
  if (PQntuples(r) == 0) {
    PQclear(r);
    if (version != NULL) {
      json_decref(out);
      result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_VERSION);
      return;
    }
    /* nothing frozen yet: the package as it would be frozen now */
    if (!live_package(tx, c, kind, &content, &sha, res)) {
      json_decref(out);
      return;
    }
    json_object_set_new(out, "status", json_string("live"));
    json_object_set_new(out, "version", json_null());
    json_object_set_new(out, "frozen_by", json_null());
    json_object_set_new(out, "frozen_at", json_null());
    json_object_set_new(out, "sha256", sha);
    json_object_set_new(out, "versions", json_array());
    json_object_set_new(out, "content", content);
    result_json(res, 200, out);
    return;
  }
  json_t *frozen = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
  json_t *versions = json_loads(PQgetvalue(r, 0, 5), 0, NULL);
  json_object_set_new(out, "status", json_string("frozen"));
  json_object_set_new(out, "version", json_integer(atoll(PQgetvalue(r, 0, 0))));
  json_object_set_new(out, "sha256", json_string(PQgetvalue(r, 0, 2)));
  json_object_set_new(out, "frozen_by", json_string(PQgetvalue(r, 0, 3)));
  json_object_set_new(out, "frozen_at", json_string(PQgetvalue(r, 0, 4)));
  json_object_set_new(out, "versions", versions ? versions : json_array());
  PQclear(r);
  if (frozen == NULL) {
    json_decref(out);
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  json_object_set_new(out, "content", frozen);
  if (want_live) {
    /* the current figures beside the frozen ones, every difference marked */
    if (!live_package(tx, c, kind, &content, &sha, res)) {
      json_decref(out);
      return;
    }
    json_t *diffs = json_array();
    mr_diff(frozen, content, "", diffs);
    json_object_set_new(out, "live", json_pack("{s:o, s:o}", "sha256", sha, "content", content));
    json_object_set_new(out, "differences", diffs);
  }
  result_json(res, 200, out);
}

/* ---- decisions --------------------------------------------------------------------------------- */

/* The caller reads the review: 1, 0 after 404, -1 when the database failed. */
static int may_read(struct db_tx *tx, const struct req_ctx *c, char kind[24], struct result *res) {
  struct mr_caller who = caller_of(c);
  enum db_status st = mr_q_readable(tx, c->org_param, c->path[0], &who, kind);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
  return st == DB_ONE ? 1 : (st == DB_NONE ? 0 : -1);
}

void mr_decision_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  char kind[24];
  if (may_read(tx, c, kind, res) == 1) mr_q_decision_list(tx, c->org_param, c->path[0], res);
}

void mr_decision_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  char kind[24];
  if (may_read(tx, c, kind, res) == 1) mr_q_decision_get(tx, c->org_param, c->path[0], c->path[1], res);
}

/* The user a body's field names must be one of the organisation's: else an entry in errors.
 * -1 when the database failed. */
static int user_check(struct db_tx *tx, const struct req_ctx *c, const char *field, json_t *errors) {
  const char *sub = field_text(c->body, field);
  if (sub == NULL || field_has_error(errors, field)) return 0;
  enum db_status st = mr_q_user_exists(tx, c->org_param, sub);
  if (st == DB_NONE) errors_add(errors, field, MSG_NO_SUCH_USER);
  return st == DB_ERROR ? -1 : 0;
}

static const json_t *link_ids(const json_t *body, const char *name) {
  return json_object_get(json_object_get(body, "links"), name);
}

/* An improvement decision's action in the nonconformity register: added to the one card its
 * links name, or, when they name none, to a new card (source management_review) of the one
 * process they name. Sets body's links.nonconformity_ids to the card and action_id. 1, or 0
 * after setting res / the database failed. */
static int open_action(struct db_tx *tx, const struct req_ctx *c, json_t *body, char action_id[24],
                       struct result *res) {
  const json_t *ncs = link_ids(body, "nonconformity_ids"), *processes = link_ids(body, "process_ids");
  size_t n_nc = json_array_size(ncs), n_p = json_array_size(processes);
  char nc_id[24];
  if (strcmp(field_text(body, "type"), "improvement") != 0 || !(n_nc == 1 || (n_nc == 0 && n_p == 1))) {
    json_t *errors = json_array();
    errors_add(errors, "open_action",
               strcmp(field_text(body, "type"), "improvement") != 0 ? MSG_MR_ACTION_IMPROVEMENT : MSG_MR_OPEN_ACTION);
    result_invalid(res, errors);
    return 0;
  }
  if (n_nc == 1) {
    char status[24];
    snprintf(nc_id, sizeof nc_id, "%lld", (long long)json_integer_value(json_array_get(ncs, 0)));
    enum db_status st = mr_q_nc_status(tx, c->org_param, nc_id, status);
    if (st == DB_NONE) {
      json_t *errors = json_array();
      errors_add(errors, "links.nonconformity_ids", MSG_NO_SUCH_RECORD);
      result_invalid(res, errors);
    } else if (st == DB_ONE && (strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0)) {
      result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
      return 0;
    }
    if (st != DB_ONE) return 0;
  } else {
    char ref[64];
    snprintf(ref, sizeof ref, "management-review %lld", c->path_id[0]);
    json_t *card = json_pack("{s:s, s:s, s:s, s:O, s:s, s:s}", "source", "management_review", "source_ref", ref,
                             "severity", "minor", "process_id", json_array_get(processes, 0), "owner",
                             field_text(body, "owner"), "description", field_text(body, "title"));
    long long id = card ? nonconformity_open(tx, c->org_param, card, NULL, NULL, c->who.sub, res) : -1;
    json_decref(card);
    if (id <= 0) {
      if (res->status == 0 && !tx->failed) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
      return 0;
    }
    snprintf(nc_id, sizeof nc_id, "%lld", id);
    json_t *links = json_object_get(body, "links");
    json_object_set_new(links, "nonconformity_ids", json_pack("[I]", (json_int_t)id));
  }
  return mr_q_action_insert(tx, c->org_param, nc_id, field_text(body, "title"), field_text(body, "owner"),
                            field_text(body, "due_date"), action_id) == DB_ONE;
}

/* Adds an error for each linked id that names no record of its register: 0, or -1 when the
 * database failed. */
static int links_check(struct db_tx *tx, const struct req_ctx *c, json_t *errors) {
  const json_t *links = json_object_get(c->body, "links");
  if (!json_is_object(links) || json_object_size(links) == 0 || field_has_error(errors, "links")) return 0;
  char *text = json_dumps(links, JSON_COMPACT);
  PGresult *r = text != NULL ? mr_q_links_missing(tx, c->org_param, text) : NULL;
  free(text);
  if (r == NULL) return -1;
  for (int i = 0; i < PQntuples(r); i++) {
    char field[64];
    snprintf(field, sizeof field, "links.%s[%s]", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    errors_add(errors, field, MSG_NO_SUCH_RECORD);
  }
  PQclear(r);
  return 0;
}

void mr_decision_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_mr cur = {0};
  if (mr_lock(tx, c, 0, &cur, res) != 1) return;
  if (!cur.manages) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_MR_NOT_MANAGER);
    return;
  }
  if (is_final(cur.status)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur.status);
    return;
  }
  json_t *errors = json_array();
  mr_links_errors(c->body, errors);
  if (links_check(tx, c, errors) < 0 || user_check(tx, c, "owner", errors) < 0) {
    json_decref(errors);
    return;
  }
  if (invalid(res, errors)) return;
  json_t *body = json_deep_copy(c->body);
  if (json_object_get(body, "links") == NULL) json_object_set_new(body, "links", json_object());
  char action_id[24] = "", id[24], *text = NULL;
  if (json_is_true(json_object_get(body, "open_action")) && !open_action(tx, c, body, action_id, res)) goto out;
  text = body_text(body, res);
  if (text != NULL &&
      mr_q_decision_insert(tx, c->org_param, c->path[0], text, action_id[0] ? action_id : NULL, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/management-reviews/%lld/decisions/%s", c->path_id[0], id);
  }
out:
  free(text);
  json_decref(body);
}

/* The fields the body sends, as a SQL text[] literal (names from the spec, not the body). */
static void sent_fields(const json_t *body, char *out, size_t size) {
  size_t used = 0;
  out[used++] = '{';
  for (const struct field_spec *f = MR_DECISION_PATCH_FIELDS; f->name != NULL; f++) {
    if (json_object_get(body, f->name) != NULL) {
      int w = snprintf(out + used, size - used - 1, "%s%s", used > 1 ? "," : "", f->name);
      if (w > 0 && (size_t)w < size - used - 1) used += (size_t)w;
    }
  }
  snprintf(out + used, size - used, "}");
}

void mr_decision_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct mr_caller who = caller_of(c);
  struct locked_decision cur = {0};
  char kind[24], fields[160];
  if (may_read(tx, c, kind, res) != 1) return;
  sent_fields(c->body, fields, sizeof fields);
  enum db_status st = mr_q_decision_lock(tx, c->org_param, c->path[0], c->path[1], &who, fields, &cur);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_DECISION);
  if (st != DB_ONE || !if_match_ok(c, cur.revision, res)) return;
  if (!cur.may_change) {
    /* record rule: its owner reports status and note; the rest is for whoever runs the review */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_MR_DECISION_FIELDS);
    return;
  }
  if (strcmp(cur.status, "open") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_MR_DECISION_CLOSED, cur.status);
    return;
  }
  json_t *errors = json_array();
  const char *status = field_text(c->body, "status");
  if (status && strcmp(status, "cancelled") == 0 && json_object_get(c->body, "status_reason") == NULL)
    errors_add(errors, "status_reason", MSG_REQUIRED_TO, status);
  if (json_object_get(c->body, "status_reason") != NULL && (status == NULL || strcmp(status, "cancelled") != 0))
    errors_add(errors, "status_reason", MSG_MR_REASON_ONLY);
  mr_links_errors(c->body, errors);
  if (links_check(tx, c, errors) < 0 || user_check(tx, c, "owner", errors) < 0) {
    json_decref(errors);
    return;
  }
  if (invalid(res, errors)) return;
  char *text = body_text(c->body, res);
  if (text != NULL) mr_q_decision_update(tx, c->org_param, c->path[1], text, res);
  free(text);
}
