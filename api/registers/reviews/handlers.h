#ifndef ZSZ_REVIEWS_HANDLERS_H
#define ZSZ_REVIEWS_HANDLERS_H
/* Work functions of process reviews; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void review_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void review_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void review_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void review_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void review_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_review_overview(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
