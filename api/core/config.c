#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

#include "config.h"

static const char *env_default(const char *name, void *ctx) {
  (void)ctx;
  return getenv(name);
}

static void problem(json_t *problems, const char *var, const char *what) {
  json_array_append_new(problems, json_sprintf("%s: %s", var, what));
}

/* Parses a whole decimal integer in [min, max]; 0 on success. */
static int parse_long(const char *s, long min, long max, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < min || v > max) {
    return -1;
  }
  *out = v;
  return 0;
}

static char *read_file(const char *path, size_t max, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  if (f == NULL) {
    return NULL;
  }
  buf = malloc(max + 1);
  if (buf != NULL) {
    *len = fread(buf, 1, max + 1, f);
    if (*len == 0 || *len > max) {
      free(buf);
      buf = NULL;
    } else {
      buf[*len] = '\0';
    }
  }
  fclose(f);
  return buf;
}

static int parse_cors(struct config *cfg, const char *spec, json_t *problems) {
  char *copy = strdup(spec), *save = NULL;
  size_t cap = 1;
  int bad = 0;
  for (const char *p = spec; *p; p++)
    cap += (*p == ',' || *p == ' ');
  cfg->cors_origins = calloc(cap, sizeof(char *));
  if (copy == NULL || cfg->cors_origins == NULL) {
    free(copy);
    problem(problems, "ZSZ_CORS_ORIGINS", "out of memory");
    return 1;
  }
  for (char *o = strtok_r(copy, ", ", &save); o; o = strtok_r(NULL, ", ", &save)) {
    if (strcmp(o, "*") == 0) {
      cfg->cors_any = 1;
    } else if (strncmp(o, "http://", 7) != 0 && strncmp(o, "https://", 8) != 0) {
      json_array_append_new(problems, json_sprintf("ZSZ_CORS_ORIGINS: '%s' is not an http(s) origin", o));
      bad++;
    } else {
      cfg->cors_origins[cfg->cors_count++] = strdup(o);
    }
  }
  free(copy);
  return bad;
}

int config_cors_allows(const struct config *cfg, const char *origin) {
  if (origin == NULL) {
    return 0;
  }
  if (cfg->cors_any) {
    return 1;
  }
  for (size_t i = 0; i < cfg->cors_count; i++) {
    if (strcmp(cfg->cors_origins[i], origin) == 0) {
      return 1;
    }
  }
  return 0;
}

static void trusted_proxy_problem(const char *what, void *problems) {
  problem(problems, "ZSZ_TRUSTED_PROXIES", what);
}

static char *dup_or_null(const char *s) {
  return (s && *s) ? strdup(s) : NULL;
}

/* ZSZ_CURSOR_KEY: 64 hex digits (32 bytes). */
static int parse_hex_key(const char *v, unsigned char *out, size_t len) {
  if (strlen(v) != 2 * len) {
    return -1;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned int b;
    if (!isxdigit((unsigned char)v[2 * i]) || !isxdigit((unsigned char)v[2 * i + 1]) ||
        sscanf(v + 2 * i, "%2x", &b) != 1) {
      return -1;
    }
    out[i] = (unsigned char)b;
  }
  return 0;
}

/* "ADDRESS:PORT" or "[IPV6]:PORT"; 0 when it parses. */
static int parse_bind(const char *v, struct config *cfg) {
  char host[64];
  const char *colon;
  if (v[0] == '[') {
    const char *end = strchr(v, ']');
    if (end == NULL || end[1] != ':' || (size_t)(end - v - 1) >= sizeof host) {
      return -1;
    }
    memcpy(host, v + 1, (size_t)(end - v - 1));
    host[end - v - 1] = '\0';
    colon = end + 1;
  } else {
    colon = strrchr(v, ':');
    if (colon == NULL || (size_t)(colon - v) >= sizeof host) {
      return -1;
    }
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
  }
  long port;
  struct in_addr a4;
  struct in6_addr a6;
  if (parse_long(colon + 1, 1, 65535, &port) != 0) {
    return -1;
  }
  if (inet_pton(AF_INET6, host, &a6) == 1) {
    cfg->metrics_bind_v6 = 1;
  } else if (inet_pton(AF_INET, host, &a4) != 1) {
    return -1;
  }
  cfg->metrics_bind = strdup(host);
  cfg->metrics_port = (int)port;
  return 0;
}

/* The settings of several instances behind a balancer (issue 15). */
static void load_scaling(struct config *cfg, config_getenv_fn get, void *ctx, json_t *problems) {
  const char *v;
  if ((v = get("ZSZ_CURSOR_KEY", ctx)) && *v) {
    if (parse_hex_key(v, cfg->cursor_key, sizeof cfg->cursor_key) != 0) {
      problem(problems, "ZSZ_CURSOR_KEY", "must be 64 hexadecimal digits (32 random bytes, e.g. openssl rand -hex 32)");
    } else {
      cfg->has_cursor_key = 1;
    }
  }
  if ((v = get("ZSZ_RATE_LIMIT_STORE", ctx)) && *v) {
    if (strcmp(v, "database") == 0) {
      cfg->rate_limit_shared = 1;
    } else if (strcmp(v, "memory") != 0) {
      problem(problems, "ZSZ_RATE_LIMIT_STORE", "must be memory or database");
    }
  }
  if ((v = get("ZSZ_DB_POOLER", ctx)) && *v) {
    if (strcmp(v, "transaction") == 0) {
      cfg->pooler_transaction = 1;
    } else if (strcmp(v, "none") != 0 && strcmp(v, "session") != 0) {
      problem(problems, "ZSZ_DB_POOLER", "must be none, session or transaction");
    }
  }
  if ((v = get("ZSZ_METRICS_BIND", ctx)) && *v && parse_bind(v, cfg) != 0) {
    problem(problems, "ZSZ_METRICS_BIND", "must be ADDRESS:PORT, e.g. 127.0.0.1:9464 or [::1]:9464");
  }
  if ((v = get("ZSZ_METRICS_TOKEN", ctx)) && *v) {
    if (strlen(v) < 16) {
      problem(problems, "ZSZ_METRICS_TOKEN", "must have at least 16 characters");
    } else {
      cfg->metrics_token = strdup(v);
    }
  }
  cfg->database_read_url = dup_or_null(get("ZSZ_DATABASE_READ_URL", ctx));
  cfg->database_listen_url = dup_or_null(get("ZSZ_DATABASE_LISTEN_URL", ctx));
}

/* Cursors must verify on every instance: with HS256 the key derives from the shared secret;
 * with RS256/ES256 (a public key is no secret) ZSZ_CURSOR_KEY is required. */
static void need_cursor_key(struct config *cfg, enum config_need need, json_t *problems) {
  if (need == CONFIG_NEED_SERVE && cfg->jwt_alg != JWT_ALG_HS256 && !cfg->has_cursor_key) {
    problem(problems, "ZSZ_CURSOR_KEY", "is required with RS256 or ES256, the same on every instance (64 hex digits)");
  }
}

int config_load(struct config *cfg, config_getenv_fn get, void *ctx, enum config_need need, json_t *problems) {
  size_t before = json_array_size(problems);
  const char *v;
  long n;
  if (get == NULL) {
    get = env_default;
  }
  memset(cfg, 0, sizeof *cfg);
  cfg->port = 8080;
  cfg->pool_size = 8;
  cfg->jwt_alg = JWT_ALG_HS256;
  cfg->max_body_bytes = 1048576;
  cfg->max_import_bytes = 64 * 1048576;
  cfg->gzip_min_bytes = 1400; /* about one TCP segment: below it gzip saves no packet */
  cfg->max_connections = 2048;
  cfg->max_per_address = 64;
  cfg->header_timeout = 10;
  cfg->public_rate_limit = 60;
  cfg->housekeeping_seconds = 60;
  cfg->deadline_job_seconds = 60;
  cfg->log_level = Y_LOG_LEVEL_INFO;

  v = get("ZSZ_BIND", ctx);
  cfg->bind = strdup(v && *v ? v : "127.0.0.1");
  struct in_addr addr;
  struct in6_addr addr6;
  if (inet_pton(AF_INET6, cfg->bind, &addr6) == 1) {
    cfg->bind_v6 = 1;
  } else if (inet_pton(AF_INET, cfg->bind, &addr) != 1) {
    problem(problems, "ZSZ_BIND", "must be an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0, ::1 or ::");
  }
  if ((v = get("ZSZ_PORT", ctx)) && *v) {
    if (parse_long(v, 1, 65535, &n) != 0) {
      problem(problems, "ZSZ_PORT", "must be an integer from 1 to 65535");
    } else {
      cfg->port = (int)n;
    }
  }
  cfg->database_url = dup_or_null(get("ZSZ_DATABASE_URL", ctx));
  if (cfg->database_url == NULL && need != CONFIG_NEED_TOKEN) {
    problem(problems, "ZSZ_DATABASE_URL", "is required (a libpq connection URL)");
  }
  if ((v = get("ZSZ_DB_POOL_SIZE", ctx)) && *v) {
    if (parse_long(v, 1, 200, &n) != 0) {
      problem(problems, "ZSZ_DB_POOL_SIZE", "must be an integer from 1 to 200");
    } else {
      cfg->pool_size = (int)n;
    }
  }
  if ((v = get("ZSZ_JWT_ALG", ctx)) && *v) {
    if (strcmp(v, "HS256") == 0) {
      cfg->jwt_alg = JWT_ALG_HS256;
    } else if (strcmp(v, "RS256") == 0) {
      cfg->jwt_alg = JWT_ALG_RS256;
    } else if (strcmp(v, "ES256") == 0) {
      cfg->jwt_alg = JWT_ALG_ES256;
    } else {
      problem(problems, "ZSZ_JWT_ALG", "must be HS256, RS256 or ES256");
    }
  }
  const char *secret = get("ZSZ_JWT_SECRET", ctx);
  const char *key_file = get("ZSZ_JWT_PUBLIC_KEY_FILE", ctx);
  if (need == CONFIG_NEED_TOKEN) {
    /* the token command always signs HS256 with the secret */
    if (secret == NULL || strlen(secret) < 32) {
      problem(problems, "ZSZ_JWT_SECRET", "is required to sign tokens (at least 32 characters)");
    }
  }
  if (need == CONFIG_NEED_SERVE || need == CONFIG_NEED_TOKEN) {
    if (cfg->jwt_alg == JWT_ALG_HS256 || need == CONFIG_NEED_TOKEN) {
      if (need == CONFIG_NEED_SERVE && (secret == NULL || *secret == '\0')) {
        problem(problems, "ZSZ_JWT_SECRET", "is required when ZSZ_JWT_ALG is HS256");
      } else if (need == CONFIG_NEED_SERVE && strlen(secret) < 32) {
        problem(problems, "ZSZ_JWT_SECRET", "must have at least 32 characters");
      } else if (secret && strlen(secret) >= 32) {
        cfg->jwt_key_len = strlen(secret);
        cfg->jwt_key = (unsigned char *)strdup(secret);
        cfg->jwt_has_secret = 1;
      }
      if (need == CONFIG_NEED_SERVE && key_file && *key_file) {
        problem(problems, "ZSZ_JWT_PUBLIC_KEY_FILE", "is only used with RS256 or ES256");
      }
    } else {
      if (secret && *secret) {
        problem(problems, "ZSZ_JWT_SECRET", "is only used with HS256; give ZSZ_JWT_PUBLIC_KEY_FILE");
      }
      if (key_file == NULL || *key_file == '\0') {
        problem(problems, "ZSZ_JWT_PUBLIC_KEY_FILE", "is required when ZSZ_JWT_ALG is RS256 or ES256");
      } else {
        size_t len = 0;
        char *pem = read_file(key_file, 65536, &len);
        if (pem == NULL) {
          problem(problems, "ZSZ_JWT_PUBLIC_KEY_FILE", "cannot be read");
        } else if (strstr(pem, "-----BEGIN PUBLIC KEY-----") == NULL) {
          problem(problems, "ZSZ_JWT_PUBLIC_KEY_FILE", "is not a PEM public key");
          free(pem);
        } else {
          cfg->jwt_key = (unsigned char *)pem;
          cfg->jwt_key_len = len;
        }
      }
    }
  }
  cfg->jwt_issuer = dup_or_null(get("ZSZ_JWT_ISSUER", ctx));
  cfg->jwt_audience = dup_or_null(get("ZSZ_JWT_AUDIENCE", ctx));
  role_map_parse(get("ZSZ_ROLE_MAP", ctx), &cfg->role_map, problems);
  if ((v = get("ZSZ_CORS_ORIGINS", ctx)) && *v) {
    parse_cors(cfg, v, problems);
  }
  if ((v = get("ZSZ_MAX_BODY_BYTES", ctx)) && *v) {
    if (parse_long(v, 1024, 64L * 1024 * 1024, &n) != 0) {
      problem(problems, "ZSZ_MAX_BODY_BYTES", "must be an integer from 1024 to 67108864");
    } else {
      cfg->max_body_bytes = (size_t)n;
    }
  }
  if ((v = get("ZSZ_GZIP_MIN_BYTES", ctx)) && *v) {
    if (parse_long(v, 0, 1024L * 1024 * 1024, &n) != 0) {
      problem(problems, "ZSZ_GZIP_MIN_BYTES", "must be an integer from 0 (never) to 1073741824");
    } else {
      cfg->gzip_min_bytes = (size_t)n;
    }
  }
  if ((v = get("ZSZ_MAX_IMPORT_BYTES", ctx)) && *v) {
    if (parse_long(v, 1024, 1024L * 1024 * 1024, &n) != 0) {
      problem(problems, "ZSZ_MAX_IMPORT_BYTES", "must be an integer from 1024 to 1073741824");
    } else {
      cfg->max_import_bytes = (size_t)n;
    }
  }
  if ((v = get("ZSZ_MAX_CONNECTIONS", ctx)) && *v) {
    if (parse_long(v, 16, 1000000, &n) != 0) {
      problem(problems, "ZSZ_MAX_CONNECTIONS", "must be an integer from 16 to 1000000");
    } else {
      cfg->max_connections = (int)n;
    }
  }
  if ((v = get("ZSZ_MAX_CONNECTIONS_PER_ADDRESS", ctx)) && *v) {
    if (parse_long(v, 0, 1000000, &n) != 0 || n > cfg->max_connections) {
      problem(problems, "ZSZ_MAX_CONNECTIONS_PER_ADDRESS", "must be an integer from 0 (no cap) to ZSZ_MAX_CONNECTIONS");
    } else {
      cfg->max_per_address = (int)n;
    }
  }
  if ((v = get("ZSZ_HEADER_TIMEOUT_SECONDS", ctx)) && *v) {
    if (parse_long(v, 1, 300, &n) != 0) {
      problem(problems, "ZSZ_HEADER_TIMEOUT_SECONDS", "must be an integer from 1 to 300");
    } else {
      cfg->header_timeout = (int)n;
    }
  }
  if ((v = get("ZSZ_PUBLIC_RATE_LIMIT", ctx)) && *v) {
    if (parse_long(v, 1, 1000000, &n) != 0) {
      problem(problems, "ZSZ_PUBLIC_RATE_LIMIT", "must be an integer from 1 to 1000000 (requests per minute)");
    } else {
      cfg->public_rate_limit = (int)n;
    }
  }
  if ((v = get("ZSZ_TRUSTED_PROXIES", ctx)) && *v) {
    net_ranges_parse(v, &cfg->trusted_proxies, trusted_proxy_problem, problems);
  }
  if ((v = get("ZSZ_HOUSEKEEPING_SECONDS", ctx)) && *v) {
    if (parse_long(v, 1, 3600, &n) != 0) {
      problem(problems, "ZSZ_HOUSEKEEPING_SECONDS", "must be an integer from 1 to 3600");
    } else {
      cfg->housekeeping_seconds = (int)n;
    }
  }
  if ((v = get("ZSZ_DEADLINE_JOB_SECONDS", ctx)) && *v) {
    if (parse_long(v, 1, 3600, &n) != 0) {
      problem(problems, "ZSZ_DEADLINE_JOB_SECONDS", "must be an integer from 1 to 3600");
    } else {
      cfg->deadline_job_seconds = (int)n;
    }
  }
  if ((v = get("ZSZ_LOG_LEVEL", ctx)) && *v) {
    if (strcmp(v, "error") == 0) {
      cfg->log_level = Y_LOG_LEVEL_ERROR;
    } else if (strcmp(v, "warning") == 0) {
      cfg->log_level = Y_LOG_LEVEL_WARNING;
    } else if (strcmp(v, "info") == 0) {
      cfg->log_level = Y_LOG_LEVEL_INFO;
    } else if (strcmp(v, "debug") == 0) {
      cfg->log_level = Y_LOG_LEVEL_DEBUG;
    } else {
      problem(problems, "ZSZ_LOG_LEVEL", "must be error, warning, info or debug");
    }
  }
  load_scaling(cfg, get, ctx, problems);
  need_cursor_key(cfg, need, problems);
  v = get("ZSZ_MIGRATIONS_DIR", ctx);
  cfg->migrations_dir = strdup(v && *v ? v : ZSZ_DEFAULT_MIGRATIONS_DIR);
  v = get("ZSZ_OPENAPI_FILE", ctx);
  cfg->openapi_file = strdup(v && *v ? v : ZSZ_DEFAULT_OPENAPI_FILE);
  return (int)(json_array_size(problems) - before);
}

void config_free(struct config *cfg) {
  if (cfg == NULL) {
    return;
  }
  free(cfg->bind);
  free(cfg->database_url);
  if (cfg->jwt_key) {
    memset(cfg->jwt_key, 0, cfg->jwt_key_len);
  }
  free(cfg->jwt_key);
  free(cfg->jwt_issuer);
  free(cfg->jwt_audience);
  role_map_free(&cfg->role_map);
  for (size_t i = 0; i < cfg->cors_count; i++) {
    free(cfg->cors_origins[i]);
  }
  free(cfg->cors_origins);
  net_ranges_free(&cfg->trusted_proxies);
  free(cfg->migrations_dir);
  free(cfg->openapi_file);
  free(cfg->metrics_bind);
  free(cfg->metrics_token);
  free(cfg->database_read_url);
  free(cfg->database_listen_url);
  memset(cfg, 0, sizeof *cfg);
}
