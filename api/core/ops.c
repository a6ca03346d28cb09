#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <ulfius.h>
#include <yder.h>

#include "http.h"
#include "metrics.h"
#include "ops.h"
#include "server.h"

void healthz_get(struct req_ctx *c) {
  json_t *body = json_pack("{s:s}", "status", "ok");
  http_json(c, 200, body);
  json_decref(body);
}

void readyz_get(struct req_ctx *c) {
  if (!db_ready(APP.pool, APP.migration_version)) {
    http_problem(c, PROBLEM_SERVICE_UNAVAILABLE, MSG_DB_UNAVAILABLE);
    return;
  }
  json_t *body = json_pack("{s:s, s:i}", "status", "ready", "migration", APP.migration_version);
  http_json(c, 200, body);
  json_decref(body);
}

/* 1 when the Authorization header carries ZSZ_METRICS_TOKEN (compared in constant time). */
static int metrics_token_ok(const char *authorization) {
  const char *want = APP.cfg.metrics_token;
  if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0) {
    return 0;
  }
  const char *got = authorization + 7;
  size_t n = strlen(want), m = strlen(got);
  unsigned char diff = (unsigned char)(n != m);
  for (size_t i = 0; i < n; i++) {
    diff |= (unsigned char)(want[i] ^ (i < m ? got[i] : 0));
  }
  return diff == 0;
}

/* A TCP peer on this machine (127.0.0.0/8, ::1). Ulfius keeps the first 8 bytes of an IPv6
 * address: the listener is IPv6-only (no mapped IPv4 peers), so ::/64 is the loopback. */
static int peer_is_loopback(const struct sockaddr *sa) {
  static const unsigned char zero[8];
  if (sa == NULL) {
    return 0;
  }
  if (sa->sa_family == AF_INET) {
    return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    return memcmp((const unsigned char *)sa + offsetof(struct sockaddr_in6, sin6_addr), zero, sizeof zero) == 0;
  }
  return 0;
}

/* Who may read the metrics on the API port: nobody when they have a port of their own
 * (ZSZ_METRICS_BIND); with ZSZ_METRICS_TOKEN, a caller that presents it; otherwise a caller
 * on this machine that came through no proxy (no X-Forwarded-For, no Forwarded). Others get
 * 404, as if there were nothing. */
static int metrics_allowed(const struct req_ctx *c) {
  if (APP.cfg.metrics_bind != NULL) {
    return 0;
  }
  if (APP.cfg.metrics_token != NULL) {
    return metrics_token_ok(u_map_get_case(c->req->map_header, "Authorization"));
  }
  return peer_is_loopback(c->req->client_address) && u_map_get_case(c->req->map_header, "X-Forwarded-For") == NULL &&
         u_map_get_case(c->req->map_header, "Forwarded") == NULL;
}

void metrics_get(struct req_ctx *c) {
  if (!metrics_allowed(c)) {
    http_problem(c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ROUTE);
    return;
  }
  char *text = metrics_render(db_pool_in_use(APP.pool), db_pool_size(APP.pool));
  ulfius_set_string_body_response(c->resp, 200, text ? text : "");
  u_map_put(c->resp->map_header, "Content-Type", "text/plain; version=0.0.4");
  free(text);
  c->rendered = 1;
}

void openapi_get(struct req_ctx *c) {
  ulfius_set_string_body_response(c->resp, 200, APP.openapi_json);
  u_map_put(c->resp->map_header, "Content-Type", "application/json");
  c->rendered = 1;
}
/* ---- the metrics on a port of their own (ZSZ_METRICS_BIND) ------------------------------ */

static struct MHD_Daemon *g_metrics;

static enum MHD_Result metrics_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                      const char *version, const char *upload_data, size_t *upload_data_size,
                                      void **state) {
  (void)cls;
  (void)version;
  (void)upload_data;
  (void)state;
  if (*upload_data_size > 0) {
    *upload_data_size = 0; /* a body is read and ignored */
    return MHD_YES;
  }
  unsigned int status = MHD_HTTP_OK;
  char *text = NULL;
  const char *type = "text/plain; version=0.0.4";
  if (strcmp(url, "/metrics") != 0) {
    status = MHD_HTTP_NOT_FOUND;
  } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    status = MHD_HTTP_METHOD_NOT_ALLOWED;
  } else if (APP.cfg.metrics_token != NULL &&
             !metrics_token_ok(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"))) {
    status = MHD_HTTP_UNAUTHORIZED;
  } else {
    text = metrics_render(db_pool_in_use(APP.pool), db_pool_size(APP.pool));
  }
  if (status != MHD_HTTP_OK) {
    type = "text/plain";
  }
  const char *body = text ? text : (status == MHD_HTTP_OK ? "" : "not here: GET /metrics\n");
  struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
  free(text);
  if (resp == NULL) {
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", type);
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(resp, "Allow", "GET");
  }
  enum MHD_Result ret = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* MHD_start_daemon itself is guard.c's (the API's handler goes in front of Ulfius'): this
 * listener starts through MHD_start_daemon_va with its own handler. */
static struct MHD_Daemon *start_daemon(unsigned int flags, MHD_AccessHandlerCallback handler, ...) {
  va_list ap;
  va_start(ap, handler);
  struct MHD_Daemon *d = MHD_start_daemon_va(flags, 0, NULL, NULL, handler, NULL, ap);
  va_end(ap);
  return d;
}

int ops_metrics_listener_start(void) {
  if (APP.cfg.metrics_bind == NULL) {
    return 0;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (APP.cfg.metrics_bind_v6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)APP.cfg.metrics_port);
    inet_pton(AF_INET6, APP.cfg.metrics_bind, &a->sin6_addr);
    flags |= MHD_USE_IPv6;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)APP.cfg.metrics_port);
    inet_pton(AF_INET, APP.cfg.metrics_bind, &a->sin_addr);
  }
  g_metrics =
      start_daemon(flags, metrics_access, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
                   (unsigned int)16, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
  if (g_metrics == NULL) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot listen for metrics on %s port %d", APP.cfg.metrics_bind,
                  APP.cfg.metrics_port);
    return -1;
  }
  y_log_message(Y_LOG_LEVEL_INFO, "metrics on http://%s%s%s:%d/metrics", APP.cfg.metrics_bind_v6 ? "[" : "",
                APP.cfg.metrics_bind, APP.cfg.metrics_bind_v6 ? "]" : "", APP.cfg.metrics_port);
  return 0;
}

void ops_metrics_listener_stop(void) {
  if (g_metrics != NULL) {
    MHD_stop_daemon(g_metrics);
    g_metrics = NULL;
  }
}

/* ---- /docs: the contract rendered for people (Redoc, vendored) ----------------------------- */

/* The page (the inline script's text is exactly DOCS_SCRIPT: its hash is in the CSP): Redoc from this server, the
 * contract from /openapi.json, its servers set to where the browser found this page (behind a proxy too, at any path
 * prefix). Relative URLs only. */
static const char DOCS_SCRIPT[] =
    "var base = window.location.href.replace(/[?#].*$/, '').replace(/docs\\/?$/, '');\n"
    "fetch(base + 'openapi.json').then(function (r) { return r.json(); }).then(function (spec) {\n"
    "  spec.servers = [{url: base.replace(/\\/$/, ''), description: 'this server'}];\n"
    "  Redoc.init(spec, {}, document.getElementById('redoc'));\n"
    "});\n";
static const char DOCS_PAGE_HEAD[] = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                                     "<title>zsz-api: API reference</title>\n"
                                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                                     "<style>body { margin: 0; }</style>\n</head>\n<body>\n<div id=\"redoc\"></div>\n"
                                     "<script src=\"docs/redoc.standalone.js\"></script>\n<script>";
static const char DOCS_PAGE_TAIL[] = "</script>\n</body>\n</html>\n";

static char *g_redoc; /* owned: the vendored bundle */
static size_t g_redoc_len;
static char *g_docs_page; /* owned */
static char g_docs_csp[512];

int ops_docs_load(const char *openapi_file) {
  char path[4096];
  const char *slash = strrchr(openapi_file, '/');
  int dirlen = slash ? (int)(slash - openapi_file) : 1;
  snprintf(path, sizeof path, "%.*s/docs/redoc.standalone.js", dirlen, slash ? openapi_file : ".");
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    y_log_message(Y_LOG_LEVEL_WARNING, "docs: %s cannot be read: /docs answers 404", path);
    return -1;
  }
  long len = -1;
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
    g_redoc = malloc((size_t)len);
    if (g_redoc && fread(g_redoc, 1, (size_t)len, f) != (size_t)len) {
      free(g_redoc);
      g_redoc = NULL;
    }
  }
  fclose(f);
  if (g_redoc == NULL) {
    y_log_message(Y_LOG_LEVEL_WARNING, "docs: %s cannot be read: /docs answers 404", path);
    return -1;
  }
  g_redoc_len = (size_t)len;
  size_t n = sizeof DOCS_PAGE_HEAD + sizeof DOCS_SCRIPT + sizeof DOCS_PAGE_TAIL;
  g_docs_page = malloc(n);
  if (g_docs_page == NULL) {
    return -1;
  }
  snprintf(g_docs_page, n, "%s%s%s", DOCS_PAGE_HEAD, DOCS_SCRIPT, DOCS_PAGE_TAIL);
  /* nothing but this server: the inline script by its hash, the bundle, the contract; Redoc's
   * styles are inline and its search runs in a worker made from a blob */
  unsigned char digest[32];
  unsigned int dlen = 0;
  EVP_Digest(DOCS_SCRIPT, sizeof DOCS_SCRIPT - 1, digest, &dlen, EVP_sha256(), NULL);
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char hash[48];
  size_t o = 0;
  for (unsigned int i = 0; i < dlen; i += 3) {
    unsigned int v = (unsigned int)digest[i] << 16 | (i + 1 < dlen ? (unsigned int)digest[i + 1] << 8 : 0) |
                     (i + 2 < dlen ? digest[i + 2] : 0);
    hash[o++] = b64[(v >> 18) & 63];
    hash[o++] = b64[(v >> 12) & 63];
    hash[o++] = i + 1 < dlen ? b64[(v >> 6) & 63] : '=';
    hash[o++] = i + 2 < dlen ? b64[v & 63] : '=';
  }
  hash[o] = '\0';
  snprintf(g_docs_csp, sizeof g_docs_csp,
           "default-src 'none'; script-src 'self' 'sha256-%s'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
           hash);
  return 0;
}

void ops_docs_free(void) {
  free(g_redoc);
  g_redoc = NULL;
  free(g_docs_page);
  g_docs_page = NULL;
}

void docs_get(struct req_ctx *c) {
  if (g_docs_page == NULL) {
    http_problem(c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ROUTE);
    return;
  }
  ulfius_set_string_body_response(c->resp, 200, g_docs_page);
  u_map_put(c->resp->map_header, "Content-Type", "text/html; charset=utf-8");
  u_map_put(c->resp->map_header, "Content-Security-Policy", g_docs_csp);
  u_map_put(c->resp->map_header, "X-Content-Type-Options", "nosniff");
  c->rendered = 1;
}

void docs_redoc_get(struct req_ctx *c) {
  if (g_redoc == NULL) {
    http_problem(c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ROUTE);
    return;
  }
  ulfius_set_binary_body_response(c->resp, 200, g_redoc, g_redoc_len);
  u_map_put(c->resp->map_header, "Content-Type", "text/javascript; charset=utf-8");
  u_map_put(c->resp->map_header, "Cache-Control", "public, max-age=86400");
  u_map_put(c->resp->map_header, "X-Content-Type-Options", "nosniff");
  c->rendered = 1;
}
