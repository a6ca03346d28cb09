/* The imports register: one route per kind of import (each with its own roles, so that an
 * integration's scope can be checked per route), the imports done, and the purge of expired
 * idempotency keys. The runner is api/core/imports.c; the kinds are kind_<name>.c. */
#include <stdlib.h>

#include "directory/import.h"
#include "handlers.h"
#include "jobs.h"
#include "kinds.h"
#include "queries.h"
#include "timefmt.h"
#include "validate.h"

time_t import_time(json_t *row, const char *key, time_t now, json_t *errors) {
  json_t *v = json_object_get(row, key);
  time_t t;
  char utc[32];
  if (!json_is_string(v) || field_has_error(errors, key) || rfc3339_parse(json_string_value(v), &t) != 0) {
    return (time_t)-1;
  }
  if (t > now + 60) {
    errors_add(errors, key, MSG_IN_FUTURE);
    return (time_t)-1;
  }
  rfc3339_format(t, utc, sizeof utc);
  json_object_set_new(row, key, json_string(utc));
  return t;
}

void import_processes(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  import_run(tx, c, res, &PROCESS_IMPORT);
}

void import_incidents(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  import_run(tx, c, res, &INCIDENT_IMPORT);
}

void import_readings(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  import_run(tx, c, res, &READING_IMPORT);
}

void import_objectives(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  import_run(tx, c, res, &OBJECTIVE_IMPORT);
}

/* The directory through the same door: the directory import (one implementation, also behind
 * POST /users/import and /org-units/import), recorded as an import. */
void import_users(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_import_run(tx, c, res, IMPORT_USERS, 1);
  c->users_changed = 1;
}

void import_org_units(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_import_run(tx, c, res, IMPORT_ORG_UNITS, 1);
}

void imports_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = imports_q_list(tx, c->org_param, c->roles_param, query_value(c, "kind"), page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void import_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  imports_q_get(tx, c->org_param, c->roles_param, c->path[0], res);
}

/* ---- expired idempotency keys ------------------------------------------------------------ */

/* Keys are kept 24 hours (expires_at); each organisation's expired ones are deleted in a
 * transaction of its own under the job's lock. */
void idempotency_purge(struct db_pool *pool) {
  jobs_each_organisation(pool, "idempotency_purge", "system:idempotency", NULL, imports_q_purge);
}
