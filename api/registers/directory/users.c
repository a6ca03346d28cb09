/* Users as recorded from their tokens, for pickers and for naming people on records; the
 * plenipotentiary sets a user's org unit. c->path[0] is the user's sub. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "queries.h"

/* A sub no token can carry (empty, not UTF-8) names nobody: 1, or 0 after setting 404.
 * (One longer than any token's is 404 in the dispatcher already.) */
static int sub_possible(const struct req_ctx *c, struct result *res) {
  size_t len = strlen(c->path[0]);
  if (len == 0 || !utf8_valid(c->path[0], len)) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_USER);
    return 0;
  }
  return 1;
}

void user_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = directory_q_users(tx, c->org_param, query_value(c, "q"), query_value(c, "unit_id"),
                                  query_value(c, "role"), page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void user_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (sub_possible(c, res)) {
    directory_q_user_get(tx, c->org_param, c->path[0], res);
  }
}

void user_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  long long revision = 0;
  char unit_text[24];
  const char *unit = NULL; /* NULL clears */
  const json_t *v = json_object_get(c->body, "unit_id");
  if (json_is_integer(v)) {
    snprintf(unit_text, sizeof unit_text, "%lld", (long long)json_integer_value(v));
    unit = unit_text;
  }
  if (!sub_possible(c, res)) {
    return;
  }
  enum db_status st = directory_q_user_lock(tx, c->org_param, c->path[0], &revision);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_USER);
  }
  if (st != DB_ONE || !if_match_ok(c, revision, res)) {
    return;
  }
  if (unit != NULL) {
    st = directory_q_org_unit_exists(tx, c->org_param, unit);
    if (st == DB_NONE) {
      json_t *errors = json_array();
      errors_add(errors, "unit_id", MSG_NO_SUCH_ORG_UNIT);
      result_invalid(res, errors);
    }
    if (st != DB_ONE) {
      return;
    }
  }
  directory_q_user_set_unit(tx, c->org_param, c->path[0], unit, res);
}
