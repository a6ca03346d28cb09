#ifndef ZSZ_MANAGEMENT_REVIEWS_HANDLERS_H
#define ZSZ_MANAGEMENT_REVIEWS_HANDLERS_H
/* Work functions of management reviews; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void mr_rules_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_rules_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_calendar(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_package_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_minutes(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_decision_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_decision_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_decision_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void mr_decision_update(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
