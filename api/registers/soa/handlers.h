#ifndef ZSZ_SOA_HANDLERS_H
#define ZSZ_SOA_HANDLERS_H
/* Work functions of the Statement of Applicability; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void soa_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void soa_control_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void soa_control_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void soa_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void soa_version_get(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
