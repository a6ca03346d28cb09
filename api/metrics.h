#ifndef ZSZ_METRICS_H
#define ZSZ_METRICS_H
/* Prometheus counters: requests by route and status, a latency histogram, pool usage.
 * Lock-free (atomic adds into static arrays): no allocation per request. */

#include <stddef.h>

/* route: index into ROUTES, or -1 for a request that matched no route. */
void metrics_observe(int route, int status, double seconds);

/* New string (caller frees) in the Prometheus text exposition format. */
char *metrics_render(int pool_in_use, int pool_size);

#endif
