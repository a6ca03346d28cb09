#ifndef ZSZ_OPS_H
#define ZSZ_OPS_H
/* Operations endpoints, no token: liveness, readiness, metrics, the contract. */

struct req_ctx;

void healthz_get(struct req_ctx *c);
void readyz_get(struct req_ctx *c);
void metrics_get(struct req_ctx *c);
void openapi_get(struct req_ctx *c);

/* GET /docs (the contract for people: Redoc, vendored in openapi/docs/) and the bundle. */
void docs_get(struct req_ctx *c);
void docs_redoc_get(struct req_ctx *c);
/* Reads openapi/docs/redoc.standalone.js beside the contract; -1 (and /docs 404) without it. */
int ops_docs_load(const char *openapi_file);
void ops_docs_free(void);

/* GET /metrics on ZSZ_METRICS_BIND, a listener of its own (nothing when unset). 0 when
 * started or not wanted, -1 when it cannot listen. */
int ops_metrics_listener_start(void);
void ops_metrics_listener_stop(void);

#endif
