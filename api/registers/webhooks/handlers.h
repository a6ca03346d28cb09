#ifndef ZSZ_WEBHOOKS_HANDLERS_H
#define ZSZ_WEBHOOKS_HANDLERS_H
/* Work functions of webhooks (webhooks.c) and the delivery workers (worker.c). */

struct db_tx;
struct db_pool;
struct req_ctx;
struct result;
struct webhook_settings;

void webhook_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_delete(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_rotate_secret(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_ping(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_deliveries(struct db_tx *tx, struct req_ctx *c, struct result *res);
void webhook_redeliver(struct db_tx *tx, struct req_ctx *c, struct result *res);

/* The ZSZ_WEBHOOK_* settings, read from the environment once (borrowed, static). */
const struct webhook_settings *webhook_settings(void);

/* Housekeeping (a job): finished deliveries are kept 30 days. */
void webhook_prune(struct db_pool *pool);

/* The delivery workers: started with the server, stopped before it exits. */
int webhook_workers_start(struct db_pool *pool);
void webhook_workers_stop(void);

#endif
