#ifndef ZSZ_CONFIG_H
#define ZSZ_CONFIG_H
/* Configuration: defaults, then ZSZ_* environment. Every bad setting is reported at once. */

#include <jansson.h>
#include <jwt.h>
#include <stddef.h>

#include "auth.h"
#include "netaddr.h"

struct config {
  char *bind; /* owned */
  int port;
  char *database_url; /* owned; NULL when unset */
  int pool_size;
  jwt_alg_t jwt_alg;
  unsigned char *jwt_key; /* owned: the HMAC secret or the PEM public key bytes */
  size_t jwt_key_len;
  int jwt_has_secret; /* jwt_key is an HS256 secret */
  char *jwt_issuer;   /* owned; NULL: not checked */
  char *jwt_audience; /* owned; NULL: not checked */
  struct role_map role_map;
  char **cors_origins; /* owned array of owned strings */
  size_t cors_count;
  int cors_any;
  size_t max_body_bytes;
  size_t max_import_bytes;  /* bulk imports */
  size_t gzip_min_bytes;    /* ZSZ_GZIP_MIN_BYTES: bodies this long or longer go gzip-encoded to a caller
                               that accepts it; 0: never */
  int max_connections;      /* open client connections, in all */
  int max_per_address;      /* open client connections from one address; 0: no cap */
  int header_timeout;       /* seconds a connection has to send a request head */
  int public_rate_limit;    /* public requests per minute per address */
  int housekeeping_seconds; /* how often due surveys are closed */
  int deadline_job_seconds; /* how often deadline events are looked for (jobs on JOB_CLOCK_DEADLINES) */
  unsigned long log_level;  /* a Yder Y_LOG_LEVEL_* */
  char *migrations_dir;     /* owned */
  char *openapi_file;       /* owned */

  /* owned: the peers whose X-Forwarded-For and Forwarded name the client (ZSZ_TRUSTED_PROXIES) */
  struct net_ranges trusted_proxies;

  /* Several instances (issue 15) */
  int bind_v6;                  /* ZSZ_BIND is an IPv6 address */
  unsigned char cursor_key[32]; /* ZSZ_CURSOR_KEY, decoded */
  int has_cursor_key;           /* ZSZ_CURSOR_KEY was set */
  int rate_limit_shared;        /* ZSZ_RATE_LIMIT_STORE=database */
  int pooler_transaction;       /* ZSZ_DB_POOLER=transaction */
  char *metrics_bind;           /* owned; ZSZ_METRICS_BIND address, NULL: on the API port */
  int metrics_port;             /* its port */
  int metrics_bind_v6;          /* metrics_bind is IPv6 */
  char *metrics_token;          /* owned; ZSZ_METRICS_TOKEN, NULL: none */
  char *database_read_url;      /* owned; ZSZ_DATABASE_READ_URL, NULL: no replica */
  /* owned; ZSZ_DATABASE_LISTEN_URL: a direct session to the primary for the change listener
   * (notify.h); NULL: ZSZ_DATABASE_URL unless it goes through a transaction-mode pooler */
  char *database_listen_url;
};

typedef const char *(*config_getenv_fn)(const char *name, void *ctx);

enum config_need { CONFIG_NEED_SERVE, CONFIG_NEED_TOKEN, CONFIG_NEED_MIGRATE };

/* Loads cfg from the environment through get (getenv when NULL). Appends one string per
 * problem to problems (borrowed JSON array) and returns how many there were. cfg must be
 * freed with config_free() whatever the result. */
int config_load(struct config *cfg, config_getenv_fn get, void *ctx, enum config_need need, json_t *problems);
void config_free(struct config *cfg);

/* 1 when origin is allowed by ZSZ_CORS_ORIGINS. */
int config_cors_allows(const struct config *cfg, const char *origin);

#endif
