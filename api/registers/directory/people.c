/* The user directory (issue 10): the plenipotentiary or an integration with directory:write
 * says who works here (PUT /users/{sub}, imports), before anyone logs in; what a person is
 * responsible for, and its handover to another. c->path[0] is the user's sub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "http.h"
#include "import.h"
#include "queries.h"

/* A sub no token can carry (empty, not UTF-8) names nobody. */
static int sub_possible(const char *sub) {
  size_t len = strlen(sub);
  return len > 0 && utf8_valid(sub, len) && !text_has_control(sub, len, 0) && utf8_length(sub, len) <= 200;
}

/* /api/v1/users/<sub percent-encoded> into out ("" when it does not fit). */
static void location_of(const char *sub, char *out, size_t size) {
  static const char HEX[] = "0123456789ABCDEF";
  size_t n = (size_t)snprintf(out, size, "/api/v1/users/");
  for (const unsigned char *p = (const unsigned char *)sub; *p; p++) {
    if (n + 4 >= size) {
      out[0] = '\0';
      return;
    }
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
      out[n++] = (char)*p;
    } else {
      out[n++] = '%';
      out[n++] = HEX[*p >> 4];
      out[n++] = HEX[*p & 15];
    }
  }
  out[n] = '\0';
}

void user_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  long long revision = 0;
  char unit_id[24] = "";
  if (!sub_possible(c->path[0])) {
    json_t *errors = json_array();
    errors_add(errors, "sub", MSG_NOT_FOUND_USER);
    result_invalid(res, errors);
    return;
  }
  enum db_status st = directory_q_user_lock(tx, c->org_param, c->path[0], &revision);
  if (st == DB_ERROR || (st == DB_ONE && !if_match_ok(c, revision, res))) {
    return;
  }
  if (st == DB_NONE && c->has_if_match) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    return;
  }
  const char *unit_code = json_string_value(json_object_get(c->body, "unit_code"));
  if (unit_code != NULL) {
    enum db_status u = directory_q_unit_by_code(tx, c->org_param, unit_code, unit_id);
    if (u == DB_NONE) {
      json_t *errors = json_array();
      errors_add(errors, "unit_code", MSG_NO_SUCH_ORG_UNIT);
      result_invalid(res, errors);
    }
    if (u != DB_ONE) {
      return;
    }
  }
  const json_t *active = json_object_get(c->body, "active");
  struct directory_user user = {.sub = c->path[0],
                                .name = json_string_value(json_object_get(c->body, "name")),
                                .email = json_string_value(json_object_get(c->body, "email")),
                                .unit_id = unit_id[0] ? unit_id : NULL,
                                .active = active == NULL || json_is_true(active)};
  enum directory_write what = DIRECTORY_UNCHANGED;
  st = directory_q_user_put(tx, c->org_param, &user, res, &what);
  if (st == DB_NONE) {
    directory_q_user_get(tx, c->org_param, c->path[0], res); /* as it was */
  }
  if (what == DIRECTORY_CREATED) {
    location_of(c->path[0], res->location, sizeof res->location);
  }
  c->users_changed = 1;
}

/* One import over the body's rows (import.h: the rows reader feeds the directory import). */
static void directory_import(struct db_tx *tx, struct req_ctx *c, struct result *res, enum directory_import_kind kind) {
  directory_import_run(tx, c, res, kind, 0);
  c->users_changed = kind == IMPORT_USERS;
}

void users_import(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_import(tx, c, res, IMPORT_USERS);
}

void org_units_import(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_import(tx, c, res, IMPORT_ORG_UNITS);
}

void user_responsibilities(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *items = NULL;
  int readable = 0;
  enum db_status st = sub_possible(c->path[0]) ? directory_q_responsibilities(tx, c->org_param, c->path[0], c->who.sub,
                                                                              c->roles_param, &items, &readable)
                                               : DB_NONE;
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_USER);
  } else if (st == DB_ONE && !readable) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_ROLE_FORBIDDEN);
  } else if (st == DB_ONE) {
    result_json(res, 200, json_pack("{s:s, s:o}", "sub", c->path[0], "items", items ? items : json_array()));
    items = NULL;
  }
  json_decref(items);
}

void user_handover(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *to = json_string_value(json_object_get(c->body, "to"));
  int active = 0, readable = 0;
  json_t *items = NULL;
  long moved = 0;
  enum db_status st =
      sub_possible(c->path[0]) ? directory_q_user_active(tx, c->org_param, c->path[0], &active) : DB_NONE;
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_USER);
  }
  if (st != DB_ONE) {
    return;
  }
  st = directory_q_user_active(tx, c->org_param, to, &active);
  if (st == DB_ERROR) {
    return;
  }
  if (st == DB_NONE || !active || strcmp(to, c->path[0]) == 0) {
    json_t *errors = json_array();
    errors_add(errors, "to", strcmp(to, c->path[0]) == 0 ? MSG_HANDOVER_SELF : MSG_NO_SUCH_USER_ACTIVE);
    result_invalid(res, errors);
    return;
  }
  /* what moves, as the responsibilities list shows it, then the move: each record's own
   * change-log entry says "handover" */
  if (directory_q_responsibilities(tx, c->org_param, c->path[0], c->who.sub, c->roles_param, &items, &readable) !=
          DB_ONE ||
      db_set_action(tx, "handover") != 0 || directory_q_handover(tx, c->org_param, c->path[0], to, &moved) != DB_ONE) {
    json_decref(items);
    return;
  }
  result_json(res, 200,
              json_pack("{s:s, s:s, s:I, s:o}", "from", c->path[0], "to", to, "records", (json_int_t)moved, "items",
                        items ? items : json_array()));
}
