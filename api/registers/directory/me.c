/* GET /api/v1/me and GET /api/v1/organisation: the caller and its organisation as the
 * server sees them. The organisation is read from its table by this work, not taken from
 * what the core keeps of it for authentication. */
#include "handlers.h"
#include "http.h"
#include "queries.h"

void me_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  char unit[208];
  enum db_status st = directory_q_my_unit(tx, c->org_param, c->who.sub, unit, sizeof unit);
  if (st == DB_ERROR) {
    return;
  }
  /* the recorded unit, else what the token claims (a unit code not yet in the register) */
  const char *code = st == DB_ONE ? unit : (c->who.unit[0] ? c->who.unit : NULL);
  json_t *body = json_pack("{s:s, s:s, s:s, s:o, s:s?}", "sub", c->who.sub, "name", c->who.name, "org", c->who.org,
                           "roles", roles_to_json(c->who.roles), "unit_code", code);
  result_json(res, 200, body);
}

void organisation_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_q_organisation(tx, c->org_param, res);
}
