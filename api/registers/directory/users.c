/* Users as recorded from their tokens, for pickers and for naming people on records; the
 * plenipotentiary sets a user's org unit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "server.h"
#include "validate.h"

static const struct field_spec USER_FIELDS[] = {
    {.name = "unit_id", .type = VT_INTEGER, .flags = V_REQUIRED | V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {0},
};

static const char *const ROLE_FILTER[] = {"president", "plenipotentiary", "process_owner", "iod", "auditor", "employee",
                                          NULL};

struct user_args {
  struct req_ctx *c;
  const char *sub;
  long long if_match;
  const char *unit; /* NULL clears */
  char unit_text[24];
  const char *q, *unit_filter, *role;
  json_t *after;
  int limit;
};

static void user_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct user_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->q,
                          a->unit_filter,
                          a->role,
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(
      tx,
      "SELECT zsz_user_json(u)::text, u.sub FROM users u "
      "WHERE u.org_id = $1 AND ($2::text IS NULL OR u.search LIKE '%' || zsz_like_literal(zsz_fold($2)) || '%') "
      "AND ($3::bigint IS NULL OR u.unit_id = $3) "
      "AND ($4::text IS NULL OR $4 = 'employee' OR $4 = ANY (u.roles)) "
      "AND ($5::text IS NULL OR u.sub > $5) ORDER BY u.sub LIMIT $6",
      6, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "sub");
    PQclear(r);
  }
}

void user_list(struct req_ctx *c) {
  struct user_args a = {.c = c};
  if (http_query_text(c, "q", 200, &a.q) == 0 && http_query_int(c, "unit_id", 1, (1LL << 53), &a.unit_filter) == 0 &&
      http_query_enum(c, "role", ROLE_FILTER, &a.role) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "sub", 1, &a.after) == 0) {
    http_run(c, 1, user_list_work, &a);
  }
  json_decref(a.after);
}

static void user_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct user_args *a = arg;
  const char *params[] = {a->c->org_param, a->sub};
  record_get(tx, res, "SELECT zsz_user_json(u)::text, u.revision FROM users u WHERE u.org_id = $1 AND u.sub = $2", 2,
             params, MSG_NOT_FOUND_USER);
}

/* {sub} path parameter: any text a token may carry; -1 after 404 when unusable. */
static int user_path(struct req_ctx *c, struct user_args *a) {
  const char *sub = u_map_get(c->req->map_url, "sub");
  a->c = c;
  if (sub == NULL || *sub == '\0' || strlen(sub) > PRINCIPAL_SUB_MAX || !utf8_valid(sub, strlen(sub))) {
    http_problem(c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_USER);
    return -1;
  }
  a->sub = sub;
  return 0;
}

void user_get(struct req_ctx *c) {
  struct user_args a = {0};
  if (user_path(c, &a) == 0) {
    http_run(c, 1, user_get_work, &a);
  }
}

static void user_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct user_args *a = arg;
  const char *params[] = {a->c->org_param, a->sub};
  PGresult *r = db_exec(tx, "SELECT revision FROM users WHERE org_id = $1 AND sub = $2 FOR UPDATE", 2, params);
  if (r == NULL) {
    return;
  }
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_USER);
    PQclear(r);
    return;
  }
  long long revision = atoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  if (a->if_match > 0 && a->if_match != revision) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    return;
  }
  if (a->unit != NULL) {
    const char *check[] = {a->c->org_param, a->unit};
    r = db_exec(tx, "SELECT 1 FROM org_units WHERE org_id = $1 AND id = $2", 2, check);
    if (r == NULL) {
      return;
    }
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found) {
      json_t *errors = json_array();
      errors_add(errors, "unit_id", MSG_NO_SUCH_ORG_UNIT);
      result_invalid(res, errors);
      return;
    }
  }
  const char *update[] = {a->c->org_param, a->sub, a->unit};
  r = db_exec(tx,
              "UPDATE users u SET unit_id = $3, revision = revision + 1 WHERE org_id = $1 AND sub = $2 "
              "RETURNING zsz_user_json(u)::text, u.revision",
              3, update);
  if (r != NULL) {
    record_result(res, r, 200);
    PQclear(r);
  }
}

void user_update(struct req_ctx *c) {
  struct user_args a = {0};
  if (user_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0) {
    return;
  }
  if (http_validate(c, USER_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  json_t *unit = json_object_get(c->body, "unit_id");
  if (json_is_integer(unit)) {
    snprintf(a.unit_text, sizeof a.unit_text, "%lld", (long long)json_integer_value(unit));
    a.unit = a.unit_text;
  }
  http_run(c, 0, user_update_work, &a);
}
