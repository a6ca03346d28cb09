#ifndef ZSZ_CASE_REFERENCES_HANDLERS_H
#define ZSZ_CASE_REFERENCES_HANDLERS_H
/* Work functions of the case-mark index; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void case_reference_list(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
