#ifndef ZSZ_AUDITS_HANDLERS_H
#define ZSZ_AUDITS_HANDLERS_H
/* Callbacks of internal audits: appointments, programmes, audits, findings; routes.c binds them. */

struct req_ctx;

void appointment_list(struct req_ctx *c);
void appointment_create(struct req_ctx *c);
void appointment_get(struct req_ctx *c);
void appointment_update(struct req_ctx *c);
void appointment_transition(struct req_ctx *c);
void programme_get(struct req_ctx *c);
void programme_put(struct req_ctx *c);
void programme_transition(struct req_ctx *c);
void programme_version_get(struct req_ctx *c);
void audit_list(struct req_ctx *c);
void audit_create(struct req_ctx *c);
void audit_get(struct req_ctx *c);
void audit_update(struct req_ctx *c);
void audit_transition(struct req_ctx *c);
void finding_list(struct req_ctx *c);
void finding_create(struct req_ctx *c);
void finding_get(struct req_ctx *c);

#endif
