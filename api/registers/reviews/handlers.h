#ifndef ZSZ_REVIEWS_HANDLERS_H
#define ZSZ_REVIEWS_HANDLERS_H
/* Callbacks of process reviews; routes.c binds them. */

struct req_ctx;

void review_list(struct req_ctx *c);
void review_create(struct req_ctx *c);
void review_get(struct req_ctx *c);
void review_update(struct req_ctx *c);
void review_transition(struct req_ctx *c);
void process_review_overview(struct req_ctx *c);

#endif
