#ifndef ZSZ_DISPATCH_H
#define ZSZ_DISPATCH_H
/* Ulfius callbacks: one for every route (user_data is its struct route), one for the rest. */

#include <stddef.h>
#include <ulfius.h>

int dispatch_request(const struct _u_request *req, struct _u_response *resp, void *user_data);
/* Every request: the route for its method and path (route_for: of those that match, the one
 * with the fewest parameters, so a literal segment wins), then dispatch_request, or
 * dispatch_fallback when there is none. Ulfius gets no endpoint of its own: its matching split
 * the path against each of the ~160 routes with allocations, 29 % of the server's CPU on a
 * single-record GET (perf, issue 16); path parameters are read from the raw path anyway. */
int dispatch_any(const struct _u_request *req, struct _u_response *resp, void *user_data);
int dispatch_fallback(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* Called by guard.c when a request's head has arrived and before any of its body is read
 * (req has the method, path and headers). Refuses what the head alone shows: a body announced
 * over the route's limit (413), and on a route that takes large bodies (imports) a body that
 * may pass ZSZ_MAX_BODY_BYTES from a caller whose token does not allow the route (401/403).
 * chunked: the body's length is not announced; else length is its Content-Length (0 when
 * none). *limit is set to the most the route's body may hold: ZSZ_MAX_IMPORT_BYTES on import
 * routes, else ZSZ_MAX_BODY_BYTES. 0 when the body may be read; otherwise -1 with the
 * problem rendered into resp (and logged). */
int dispatch_head(const struct _u_request *req, struct _u_response *resp, int chunked, unsigned long long length,
                  size_t *limit);
/* A body that passed limit as it arrived (chunked): renders 413 into resp (and logs it). */
void dispatch_body_too_large(const struct _u_request *req, struct _u_response *resp, size_t limit);

#endif
