#ifndef ZSZ_OPS_H
#define ZSZ_OPS_H
/* Operations endpoints, no token: liveness, readiness, metrics, the contract. */

struct req_ctx;

void healthz_get(struct req_ctx *c);
void readyz_get(struct req_ctx *c);
void metrics_get(struct req_ctx *c);
void openapi_get(struct req_ctx *c);

#endif
