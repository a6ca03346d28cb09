#ifndef ZSZ_OBJECTIVES_HANDLERS_H
#define ZSZ_OBJECTIVES_HANDLERS_H
/* Work functions of objectives, indicators and readings; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void objective_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void objective_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void objective_report(struct db_tx *tx, struct req_ctx *c, struct result *res);
void objective_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void objective_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void objective_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void objective_approval_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void revision_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void revision_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void revision_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void revision_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void indicator_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void indicator_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void indicator_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void indicator_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void reading_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void reading_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void reading_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void reading_lock(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
