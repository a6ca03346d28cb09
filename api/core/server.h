#ifndef ZSZ_SERVER_H
#define ZSZ_SERVER_H
/* The running service: configuration, pool and contract shared by every request, the
 * request pipeline (request id, CORS, authentication, tenant, roles, body), and serving. */

#include "auth.h"
#include "config.h"
#include "cursor.h"
#include "db.h"

struct app {
  struct config cfg;
  struct auth_config auth;
  struct db_pool *pool;
  unsigned char cursor_key[CURSOR_KEY_LEN];
  char *openapi_json;    /* owned: the contract, serialised once */
  int migration_version; /* what /readyz expects to find applied */
};

extern struct app APP;

/* Serves until SIGINT or SIGTERM; returns the process exit code. Signals must already be
 * blocked in the calling thread (main does it before any thread starts). */
int server_serve(void);

struct org_info {
  long long id;
  char code[65];
  char name[201];
};

/* Finds an organisation by code (cached for a minute). 1 found, 0 unknown, -1 database
 * unavailable. */
int org_lookup(const char *code, struct org_info *out, const char *request_id);

#endif
