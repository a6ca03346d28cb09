#ifndef ZSZ_NONCONFORMITIES_HANDLERS_H
#define ZSZ_NONCONFORMITIES_HANDLERS_H
/* Callbacks of nonconformities and their actions; routes.c binds them. */

struct req_ctx;

void nonconformity_list(struct req_ctx *c);
void nonconformity_create(struct req_ctx *c);
void nonconformity_stats(struct req_ctx *c);
void nonconformity_get(struct req_ctx *c);
void nonconformity_update(struct req_ctx *c);
void nonconformity_transition(struct req_ctx *c);
void action_list(struct req_ctx *c);
void action_create(struct req_ctx *c);
void action_get(struct req_ctx *c);
void action_update(struct req_ctx *c);

#endif
