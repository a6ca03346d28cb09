#include <stdlib.h>
#include <ulfius.h>

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

void metrics_get(struct req_ctx *c) {
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