#ifndef ZSZ_INCIDENTS_HANDLERS_H
#define ZSZ_INCIDENTS_HANDLERS_H
/* Work functions of the incident register; routes.c binds them. */

struct db_tx;
struct req_ctx;
struct result;

void incident_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
/* Whether the list asks SQL the caller's view first (filters a reporter may not use): a second
 * statement, so the request runs in one snapshot (route.snapshot_when). */
int incident_list_asks_view(const struct req_ctx *c);
void incident_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void breach_register(struct db_tx *tx, struct req_ctx *c, struct result *res);
void incident_stats(struct db_tx *tx, struct req_ctx *c, struct result *res);
void incident_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void incident_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void incident_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void timeline_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void timeline_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void deadline_rules_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void deadline_rules_put(struct db_tx *tx, struct req_ctx *c, struct result *res);

struct db_pool;
/* The periodic job of deadline events (deadline_events.c): runs its own transactions. */
void deadline_events_fire(struct db_pool *pool);

#endif
