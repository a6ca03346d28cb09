#ifndef ZSZ_ROUTES_H
#define ZSZ_ROUTES_H
/* The whole API on one screen: method, path (OpenAPI style), who may call it, handler. */

#include <stddef.h>

struct req_ctx;

typedef void (*route_handler)(struct req_ctx *c);

enum {
  ROUTE_PUBLIC = 1u << 0,       /* no token */
  ROUTE_BODY = 1u << 1,         /* takes a JSON body */
  ROUTE_RAW_BODY = 1u << 2,     /* takes a body the handler reads itself (imports, up to ZSZ_MAX_IMPORT_BYTES) */
  ROUTE_RATE_LIMITED = 1u << 3, /* limited per client address (public routes) */
};

struct route {
  const char *method;
  const char *path; /* e.g. /api/v1/processes/{id} */
  unsigned roles;   /* role mask allowed; record rules are checked by the handler */
  unsigned flags;
  route_handler handler;
};

extern const struct route ROUTES[];
extern const size_t ROUTE_COUNT;

/* 1 when path (a request path, no query) matches the pattern. */
int route_path_matches(const char *pattern, const char *path);

#endif
