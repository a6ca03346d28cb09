#ifndef ZSZ_INCIDENTS_HANDLERS_H
#define ZSZ_INCIDENTS_HANDLERS_H
/* Callbacks of the incident register; routes.c binds them. */

struct req_ctx;

void incident_list(struct req_ctx *c);
void incident_create(struct req_ctx *c);
void breach_register(struct req_ctx *c);
void incident_stats(struct req_ctx *c);
void incident_get(struct req_ctx *c);
void incident_update(struct req_ctx *c);
void incident_transition(struct req_ctx *c);
void timeline_list(struct req_ctx *c);
void timeline_create(struct req_ctx *c);
void deadline_rules_get(struct req_ctx *c);
void deadline_rules_put(struct req_ctx *c);

#endif
