#ifndef ZSZ_CHANGES_HANDLERS_H
#define ZSZ_CHANGES_HANDLERS_H
/* Callbacks of the change feed; routes.c binds them. */

struct req_ctx;

void change_list(struct req_ctx *c);

#endif
