#ifndef ZSZ_DIRECTORY_HANDLERS_H
#define ZSZ_DIRECTORY_HANDLERS_H
/* Callbacks of the directory: the organisation, its users and org units; routes.c binds them. */

struct req_ctx;

void me_get(struct req_ctx *c);
void organisation_get(struct req_ctx *c);
void user_list(struct req_ctx *c);
void user_get(struct req_ctx *c);
void user_update(struct req_ctx *c);
void org_unit_list(struct req_ctx *c);
void org_unit_create(struct req_ctx *c);
void org_unit_get(struct req_ctx *c);
void org_unit_update(struct req_ctx *c);

#endif
