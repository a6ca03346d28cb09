#ifndef ZSZ_AUDITS_HANDLERS_H
#define ZSZ_AUDITS_HANDLERS_H
/* Work functions of internal audits: appointments, programmes, audits, findings; routes.c
 * binds them. */

struct db_tx;
struct req_ctx;
struct result;

void appointment_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void appointment_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void appointment_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void appointment_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void appointment_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void programme_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void programme_put(struct db_tx *tx, struct req_ctx *c, struct result *res);
void programme_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void programme_version_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void audit_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void audit_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void audit_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void audit_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void audit_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void finding_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void finding_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void finding_get(struct db_tx *tx, struct req_ctx *c, struct result *res);

#endif
