#ifndef ZSZ_CHANGES_HANDLERS_H
#define ZSZ_CHANGES_HANDLERS_H
/* Work functions of the change feed; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void change_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
/* Whether the page looks up the position after= names first (no cursor): a second statement,
 * so the request runs in one snapshot (route.snapshot_when). */
int change_list_looks_up(const struct req_ctx *c);

#endif
