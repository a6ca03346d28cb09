#ifndef ZSZ_PROCESSES_HANDLERS_H
#define ZSZ_PROCESSES_HANDLERS_H
/* Work functions of the process register; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void process_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_retire(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void process_version_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void change_request_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void change_request_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void change_request_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void change_request_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
