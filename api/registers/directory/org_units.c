/* Org units (komórki organizacyjne): the hall's departments, a tree. The plenipotentiary
 * keeps them; everyone reads. c->path[0] is the org unit's id. */
#include <stdio.h>

#include "handlers.h"
#include "http.h"
#include "queries.h"

/* An org unit body's values as SQL text parameters; sent tells absent from null. */
struct org_unit_input {
  struct org_unit_patch sent;
  struct org_unit_values v;
  char parent[24];
};

static void input_take(struct org_unit_input *in, const json_t *body) {
  const json_t *code = json_object_get(body, "code"), *name = json_object_get(body, "name"),
               *parent = json_object_get(body, "parent_id");
  in->sent = (struct org_unit_patch){.code = code != NULL, .name = name != NULL, .parent_id = parent != NULL};
  in->v = (struct org_unit_values){.code = json_string_value(code), .name = json_string_value(name)};
  if (json_is_integer(parent)) {
    snprintf(in->parent, sizeof in->parent, "%lld", (long long)json_integer_value(parent));
    in->v.parent_id = in->parent;
  }
}

/* The parent named by the body exists in the organisation and is neither the unit (self,
 * NULL when creating) nor below it: 1, or 0 after setting 422, -1 when the database failed. */
static int parent_ok(struct db_tx *tx, const struct req_ctx *c, const char *self, const struct org_unit_input *in,
                     struct result *res) {
  int ok[2];
  if (in->v.parent_id == NULL) {
    return 1;
  }
  if (directory_q_org_unit_parent_check(tx, c->org_param, in->v.parent_id, self, ok) == DB_ERROR) {
    return -1;
  }
  if (ok[0] && ok[1]) {
    return 1;
  }
  json_t *errors = json_array();
  errors_add(errors, "parent_id", ok[0] ? MSG_PARENT_CYCLE : MSG_NO_SUCH_ORG_UNIT);
  result_invalid(res, errors);
  return 0;
}

void org_unit_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct org_unit_input in = {0};
  char id[24];
  input_take(&in, c->body);
  if (parent_ok(tx, c, NULL, &in, res) != 1) {
    return;
  }
  /* a code in use: 409 naming the unit that has it */
  const char *key[] = {c->org_param, in.v.code};
  if (duplicate_found(tx, res, "SELECT id FROM org_units WHERE org_id = $1 AND code = $2", 2, key, "code",
                      "/api/v1/org-units") != 0) {
    return;
  }
  if (directory_q_org_unit_insert(tx, c->org_param, &in.v, res, id) == DB_ERROR) {
    if (db_failed_with(tx, "23505")) result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    return;
  }
  snprintf(res->location, sizeof res->location, "/api/v1/org-units/%s", id);
}

void org_unit_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct org_unit_input in = {0};
  long long revision = 0;
  input_take(&in, c->body);
  enum db_status st = directory_q_org_unit_lock(tx, c->org_param, c->path[0], &revision);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ORG_UNIT);
  }
  if (st != DB_ONE || !if_match_ok(c, revision, res) || parent_ok(tx, c, c->path[0], &in, res) != 1) {
    return;
  }
  if (directory_q_org_unit_update(tx, c->org_param, c->path[0], &in.sent, &in.v, res) == DB_ERROR &&
      db_failed_with(tx, "23505")) {
    result_duplicate(res, "code", MSG_DUPLICATE_CODE);
  }
}

void org_unit_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_q_org_unit_get(tx, c->org_param, c->path[0], res);
}

void org_unit_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = directory_q_org_units(tx, c->org_param, query_value(c, "q"), query_value(c, "parent_id"),
                                      page_key(c, 0), page_key(c, 1), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 2);
    PQclear(r);
  }
}
