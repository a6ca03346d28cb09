#ifndef ZSZ_OBJECTIVES_HANDLERS_H
#define ZSZ_OBJECTIVES_HANDLERS_H
/* Callbacks of objectives, indicators and readings; routes.c binds them. */

struct req_ctx;

void objective_list(struct req_ctx *c);
void objective_create(struct req_ctx *c);
void objective_report(struct req_ctx *c);
void objective_get(struct req_ctx *c);
void objective_update(struct req_ctx *c);
void objective_transition(struct req_ctx *c);
void objective_approval_list(struct req_ctx *c);
void revision_list(struct req_ctx *c);
void revision_create(struct req_ctx *c);
void revision_get(struct req_ctx *c);
void revision_transition(struct req_ctx *c);
void indicator_list(struct req_ctx *c);
void indicator_create(struct req_ctx *c);
void indicator_get(struct req_ctx *c);
void indicator_update(struct req_ctx *c);
void reading_list(struct req_ctx *c);
void reading_get(struct req_ctx *c);
void reading_put(struct req_ctx *c);
void reading_lock(struct req_ctx *c);

#endif
