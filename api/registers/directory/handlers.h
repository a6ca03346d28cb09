#ifndef ZSZ_DIRECTORY_HANDLERS_H
#define ZSZ_DIRECTORY_HANDLERS_H
/* Work functions of the directory: the caller, its organisation, users and org units;
 * routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void me_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void organisation_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void user_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void user_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void user_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void org_unit_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void org_unit_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void org_unit_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void org_unit_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
/* issue 10: the directory, the organisation and its process scheme */
void user_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void users_import(struct db_tx *tx, struct req_ctx *c, struct result *res);
void org_units_import(struct db_tx *tx, struct req_ctx *c, struct result *res);
void user_responsibilities(struct db_tx *tx, struct req_ctx *c, struct result *res);
void user_handover(struct db_tx *tx, struct req_ctx *c, struct result *res);
void organisation_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_scheme_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_scheme_put(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
