#ifndef ZSZ_CHANGES_HANDLERS_H
#define ZSZ_CHANGES_HANDLERS_H
/* Work functions of the change feed; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void change_list(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
