/* Org units (komórki organizacyjne): the hall's departments, a tree. The plenipotentiary
 * keeps them; everyone reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "server.h"
#include "validate.h"

static const struct field_spec ORG_UNIT_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "parent_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {0},
};

struct org_unit_args {
  struct req_ctx *c;
  char id_text[24];
  long long if_match;
  int has_code, has_name, has_parent;
  const char *code, *name, *parent; /* parent: NULL for null */
  char parent_text[24];
  /* list */
  const char *q, *parent_filter;
  json_t *after;
  int limit;
};

static void take_body(struct org_unit_args *a, const json_t *body) {
  const json_t *v;
  a->has_code = (v = json_object_get(body, "code")) != NULL;
  a->code = json_string_value(v);
  a->has_name = (v = json_object_get(body, "name")) != NULL;
  a->name = json_string_value(v);
  a->has_parent = (v = json_object_get(body, "parent_id")) != NULL;
  if (json_is_integer(v)) {
    snprintf(a->parent_text, sizeof a->parent_text, "%lld", (long long)json_integer_value(v));
    a->parent = a->parent_text;
  }
}

/* Parent exists in the organisation and is not the unit itself or below it; 0 or -1. */
static int check_parent(struct db_tx *tx, struct org_unit_args *a, json_t *errors) {
  if (!a->has_parent || a->parent == NULL) {
    return 0;
  }
  const char *params[] = {a->c->org_param, a->parent, a->id_text[0] ? a->id_text : NULL};
  PGresult *r = db_exec(tx,
                        "SELECT EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = $2), "
                        "$3::bigint IS NULL OR NOT EXISTS ("
                        "  WITH RECURSIVE up(id) AS (SELECT $2::bigint UNION "
                        "    SELECT u.parent_id FROM org_units u JOIN up ON u.id = up.id "
                        "    WHERE u.org_id = $1 AND u.parent_id IS NOT NULL) "
                        "  SELECT 1 FROM up WHERE id = $3)",
                        3, params);
  if (r == NULL) {
    return -1;
  }
  if (PQgetvalue(r, 0, 0)[0] != 't') {
    errors_add(errors, "parent_id", MSG_NO_SUCH_ORG_UNIT);
  } else if (PQgetvalue(r, 0, 1)[0] != 't') {
    errors_add(errors, "parent_id", MSG_PARENT_CYCLE);
  }
  PQclear(r);
  return 0;
}

static void org_unit_write_work(struct db_tx *tx, void *arg, struct result *res) {
  struct org_unit_args *a = arg;
  json_t *errors = json_array();
  PGresult *r = NULL;
  int creating = a->id_text[0] == '\0';
  if (!creating) {
    const char *params[] = {a->c->org_param, a->id_text};
    r = db_exec(tx, "SELECT revision FROM org_units WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params);
    if (r == NULL) {
      goto out;
    }
    if (PQntuples(r) == 0) {
      result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ORG_UNIT);
      goto out;
    }
    if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 0))) {
      result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
      goto out;
    }
    PQclear(r);
    r = NULL;
  }
  if (check_parent(tx, a, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  if (creating) {
    const char *params[] = {a->c->org_param, a->code, a->name, a->parent};
    r = db_exec(tx,
                "INSERT INTO org_units AS u (org_id, code, name, parent_id) VALUES ($1, $2, $3, $4) "
                "RETURNING zsz_org_unit_json(u)::text, u.revision, u.id",
                4, params);
  } else {
    const char *t = "t", *f = "f";
    const char *params[] = {a->c->org_param,     a->id_text, a->has_code ? t : f,   a->code,
                            a->has_name ? t : f, a->name,    a->has_parent ? t : f, a->parent};
    r = db_exec(tx,
                "UPDATE org_units u SET code = CASE WHEN $3 THEN $4 ELSE code END, "
                "name = CASE WHEN $5 THEN $6 ELSE name END, "
                "parent_id = CASE WHEN $7 THEN $8::bigint ELSE parent_id END, "
                "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 "
                "RETURNING zsz_org_unit_json(u)::text, u.revision, u.id",
                8, params);
  }
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) {
      result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    }
    goto out;
  }
  record_result(res, r, creating ? 201 : 200);
  if (creating) {
    snprintf(res->location, sizeof res->location, "/api/v1/org-units/%s", PQgetvalue(r, 0, 2));
  }
out:
  PQclear(r);
  json_decref(errors);
}

void org_unit_create(struct req_ctx *c) {
  struct org_unit_args a = {.c = c};
  if (http_validate(c, ORG_UNIT_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  take_body(&a, c->body);
  http_run(c, 0, org_unit_write_work, &a);
}

void org_unit_update(struct req_ctx *c) {
  struct org_unit_args a = {.c = c};
  if (http_path_id_text(c, "id", a.id_text, sizeof a.id_text, MSG_NOT_FOUND_ORG_UNIT) != 0 ||
      http_if_match(c, 1, &a.if_match) < 0) {
    return;
  }
  if (http_validate(c, ORG_UNIT_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  take_body(&a, c->body);
  http_run(c, 0, org_unit_write_work, &a);
}

static void org_unit_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct org_unit_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text};
  record_get(tx, res,
             "SELECT zsz_org_unit_json(u)::text, u.revision FROM org_units u WHERE u.org_id = $1 AND u.id = $2", 2,
             params, MSG_NOT_FOUND_ORG_UNIT);
}

void org_unit_get(struct req_ctx *c) {
  struct org_unit_args a = {.c = c};
  if (http_path_id_text(c, "id", a.id_text, sizeof a.id_text, MSG_NOT_FOUND_ORG_UNIT) == 0) {
    http_run(c, 1, org_unit_get_work, &a);
  }
}

static void org_unit_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct org_unit_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->q,
                          a->parent_filter,
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 1)) : NULL,
                          fetch};
  PGresult *r = db_exec(
      tx,
      "SELECT zsz_org_unit_json(u)::text, u.code, u.id::text FROM org_units u "
      "WHERE u.org_id = $1 AND ($2::text IS NULL OR u.search LIKE '%' || zsz_like_literal(zsz_fold($2)) || '%') "
      "AND ($3::bigint IS NULL OR u.parent_id = $3) "
      "AND ($4::text IS NULL OR (u.code, u.id) > ($4, $5::bigint)) ORDER BY u.code, u.id LIMIT $6",
      6, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 2, "code");
    PQclear(r);
  }
}

void org_unit_list(struct req_ctx *c) {
  struct org_unit_args a = {.c = c};
  if (http_query_text(c, "q", 200, &a.q) == 0 &&
      http_query_int(c, "parent_id", 1, (1LL << 53), &a.parent_filter) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "code", 2, &a.after) == 0) {
    http_run(c, 1, org_unit_list_work, &a);
  }
  json_decref(a.after);
}
