#ifndef ZSZ_NONCONFORMITIES_HANDLERS_H
#define ZSZ_NONCONFORMITIES_HANDLERS_H
/* Work functions of nonconformities and their actions; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void nonconformity_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void nonconformity_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void nonconformity_stats(struct db_tx *tx, struct req_ctx *c, struct result *res);
void nonconformity_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void nonconformity_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void nonconformity_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void action_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void action_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void action_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void action_update(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
