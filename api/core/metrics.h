#ifndef ZSZ_METRICS_H
#define ZSZ_METRICS_H
/* Prometheus counters: requests by route and status, a latency histogram, pool usage.
 * Lock-free (atomic adds into arrays sized once from the route table): no allocation per
 * request. */

#include <stddef.h>

/* Sizes the counters from ROUTE_COUNT (after routes_init). 0, or -1 out of memory. */
int metrics_init(void);
void metrics_free(void);

/* route: index into ROUTES, or -1 for a request that matched no route. */
void metrics_observe(int route, int status, double seconds);

/* New string (caller frees) in the Prometheus text exposition format. */
char *metrics_render(int pool_in_use, int pool_size);

#endif
