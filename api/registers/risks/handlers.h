#ifndef ZSZ_RISKS_HANDLERS_H
#define ZSZ_RISKS_HANDLERS_H
/* Work functions of the risk register; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void risk_matrix_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_matrix_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_matrix_version_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_map(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_worklist(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_summary(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_assessment_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_assessment_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_treatment_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_treatment_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_accept(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_review_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_action_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_action_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void risk_action_update(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
