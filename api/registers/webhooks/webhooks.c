/* Webhook subscriptions (issue 11): the plenipotentiary, or an integration with scope
 * webhooks:manage, subscribes a URL to events of its organisation. c->path[0] is the
 * subscription's id, c->path[1] a delivery's. The secret is drawn here and shown only in the
 * answers of POST /webhooks and of rotate-secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "rules.h"

/* A body's values as SQL text parameters; owns the events' JSON text. */
struct webhook_input {
  struct webhook_sent sent;
  struct webhook_values v;
  char *events; /* owned */
};

static void input_free(struct webhook_input *in) {
  free(in->events);
  in->events = NULL;
}

/* Takes the body and checks what validate_object cannot (the URL's rules, event patterns):
 * 1 when valid, else 0 with res set to 422 listing every problem. */
static int input_take(struct webhook_input *in, const json_t *body, struct result *res) {
  const json_t *url = json_object_get(body, "url"), *events = json_object_get(body, "events"),
               *active = json_object_get(body, "active"), *description = json_object_get(body, "description");
  json_t *errors = json_array();
  in->sent = (struct webhook_sent){
      .url = url != NULL, .events = events != NULL, .active = active != NULL, .description = description != NULL};
  in->v = (struct webhook_values){.url = json_string_value(url),
                                  .active = active ? (json_is_true(active) ? "t" : "f") : NULL,
                                  .description = json_string_value(description)};
  if (url != NULL) {
    switch (webhook_url_check(in->v.url, webhook_settings()->allowed, NULL)) {
    case WEBHOOK_URL_OK:
      break;
    case WEBHOOK_URL_MALFORMED:
      errors_add(errors, "url", MSG_WEBHOOK_URL_MALFORMED);
      break;
    case WEBHOOK_URL_SCHEME:
      errors_add(errors, "url", MSG_WEBHOOK_URL_SCHEME);
      break;
    case WEBHOOK_URL_ADDRESS:
      errors_add(errors, "url", MSG_WEBHOOK_URL_ADDRESS);
      break;
    }
  }
  if (events != NULL) {
    size_t i;
    const json_t *e;
    if (json_array_size(events) == 0) errors_add(errors, "events", MSG_WEBHOOK_NO_EVENTS);
    json_array_foreach(events, i, e) {
      if (!webhook_event_pattern_valid(json_string_value(e))) {
        char field[32];
        snprintf(field, sizeof field, "events[%zu]", i);
        errors_add(errors, field, MSG_WEBHOOK_EVENT_PATTERN);
      }
    }
    in->events = json_dumps(events, JSON_COMPACT);
    in->v.events = in->events;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return 0;
  }
  json_decref(errors);
  if (events != NULL && in->events == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return 0;
  }
  return 1;
}

void webhook_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct webhook_input in = {0};
  char id[24], secret[96];
  if (input_take(&in, c->body, res)) {
    if (webhook_secret_new(secret, sizeof secret) != 0) {
      result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    } else if (webhooks_q_insert(tx, c->org_param, &in.v, secret, c->roles_param, c->who.sub, res, id) == DB_ONE) {
      snprintf(res->location, sizeof res->location, "/api/v1/webhooks/%s", id);
    }
    memset(secret, 0, sizeof secret);
  }
  input_free(&in);
}

void webhook_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = webhooks_q_list(tx, c->org_param, page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void webhook_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  webhooks_q_get(tx, c->org_param, c->path[0], res);
}

void webhook_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct webhook_input in = {0};
  long long revision = 0;
  if (input_take(&in, c->body, res)) {
    enum db_status st = webhooks_q_lock(tx, c->org_param, c->path[0], &revision);
    if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_WEBHOOK);
    if (st == DB_ONE && if_match_ok(c, revision, res)) {
      webhooks_q_update(tx, c->org_param, c->path[0], &in.sent, &in.v, res);
    }
  }
  input_free(&in);
}

void webhook_delete(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = webhooks_q_delete(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_WEBHOOK);
  } else if (st == DB_ONE) {
    res->status = 204;
  }
}

void webhook_rotate_secret(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  char secret[96];
  if (webhook_secret_new(secret, sizeof secret) != 0) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  if (db_set_action(tx, "rotate_secret") == 0 &&
      webhooks_q_rotate(tx, c->org_param, c->path[0], secret, res) == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_WEBHOOK);
  }
  memset(secret, 0, sizeof secret);
  res->etag = 0; /* the answer is no representation of the subscription */
}

void webhook_ping(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (webhooks_q_ping(tx, c->org_param, c->path[0], c->who.sub, res) == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_WEBHOOK);
  }
}

void webhook_deliveries(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = webhooks_q_exists(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_WEBHOOK);
    return;
  }
  if (st != DB_ONE) return;
  PGresult *r =
      webhooks_q_deliveries(tx, c->org_param, c->path[0], query_value(c, "status"), page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void webhook_redeliver(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  if (webhooks_q_redeliver(tx, c->org_param, c->path[0], c->path[1], res) == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_WEBHOOK_DELIVERY);
  }
}
