/* GET /api/v1/me and GET /api/v1/organisation: the caller and its organisation as the
 * server sees them. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "http.h"

struct me_args {
  const struct req_ctx *c;
};

static void me_work(struct db_tx *tx, void *arg, struct result *res) {
  struct me_args *a = arg;
  const char *params[] = {a->c->org_param, a->c->who.sub};
  PGresult *r = db_exec(tx,
                        "SELECT ou.code FROM users u JOIN org_units ou ON ou.org_id = u.org_id AND ou.id = u.unit_id "
                        "WHERE u.org_id = $1 AND u.sub = $2",
                        2, params);
  if (r == NULL) {
    return;
  }
  const char *unit = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : (a->c->who.unit[0] ? a->c->who.unit : NULL);
  json_t *body = json_pack("{s:s, s:s, s:s, s:o, s:s?}", "sub", a->c->who.sub, "name", a->c->who.name, "org",
                           a->c->who.org, "roles", roles_to_json(a->c->who.roles), "unit_code", unit);
  result_json(res, 200, body);
  PQclear(r);
}

void me_get(struct req_ctx *c) {
  struct me_args a = {.c = c};
  http_run(c, 1, me_work, &a);
}

static void organisation_work(struct db_tx *tx, void *arg, struct result *res) {
  struct me_args *a = arg;
  const char *params[] = {a->c->org_param};
  document_get(tx, res,
               "SELECT json_build_object('code', code, 'name', name, 'process_scheme', process_scheme)::text "
               "FROM organisations WHERE id = $1",
               1, params, MSG_UNKNOWN_ORGANISATION);
}

void organisation_get(struct req_ctx *c) {
  struct me_args a = {.c = c};
  http_run(c, 1, organisation_work, &a);
}
