#ifndef ZSZ_IMPORTS_HANDLERS_H
#define ZSZ_IMPORTS_HANDLERS_H
/* The imports register: POST /api/v1/imports/<kind> per kind, the imports done, and the
 * purge of expired idempotency keys (api/core/idempotency.c keeps them). */
#include "db.h"
#include "http.h"

void import_processes(struct db_tx *tx, struct req_ctx *c, struct result *res);
void import_incidents(struct db_tx *tx, struct req_ctx *c, struct result *res);
void import_readings(struct db_tx *tx, struct req_ctx *c, struct result *res);
void import_objectives(struct db_tx *tx, struct req_ctx *c, struct result *res);
void import_users(struct db_tx *tx, struct req_ctx *c, struct result *res);
void import_org_units(struct db_tx *tx, struct req_ctx *c, struct result *res);
void imports_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void import_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void idempotency_purge(struct db_pool *pool);

#endif
