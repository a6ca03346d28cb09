/* The organisation as its plenipotentiary keeps it: its name and its process scheme (the
 * categories' code prefixes and the shape of a code), which POST /processes checks codes
 * against. A scheme that existing processes would break is refused, naming them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "rules.h"

void organisation_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const json_t *settings = json_object_get(c->body, "settings");
  json_t *errors = json_array();
  if (organisation_settings_check(settings, errors) > 0) {
    result_invalid(res, errors);
    return;
  }
  json_decref(errors);
  directory_q_organisation_put(tx, c->org_param, json_string_value(json_object_get(c->body, "name")),
                               json_string_value(json_object_get(settings, "case_marks")), res);
}

void process_scheme_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  directory_q_scheme_get(tx, c->org_param, res);
}

#define VIOLATIONS_NAMED 20

void process_scheme_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *errors = json_array();
  char *text = NULL;
  PGresult *r = NULL;
  if (scheme_check(c->body, errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  text = json_dumps(c->body, JSON_COMPACT);
  if (text == NULL || (r = directory_q_scheme_violations(tx, c->org_param, text)) == NULL) {
    if (text == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    goto out;
  }
  int n = PQntuples(r), first = 0;
  if (n > 0 && PQgetisnull(r, 0, 0)) {
    errors_add(errors, "example", MSG_SCHEME_EXAMPLE);
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  if (n > first) {
    /* 409 naming the processes (all in errors, the first few in the detail) */
    char names[200] = "";
    size_t used = 0;
    for (int i = first; i < n; i++) {
      const char *code = PQgetvalue(r, i, 0);
      json_array_append_new(errors, json_pack("{s:s, s:s}", "field", "processes", "message", code));
      if (i - first < VIOLATIONS_NAMED) {
        int w = snprintf(names + used, sizeof names - used, "%s%s", i > first ? ", " : "", code);
        if (w > 0 && (size_t)w < sizeof names - used) used += (size_t)w;
      }
    }
    result_problem(res, PROBLEM_CONFLICT, MSG_SCHEME_VIOLATED, (size_t)(n - first), names);
    res->errors = errors;
    errors = NULL;
    goto out;
  }
  long long revision = 0;
  if (c->has_if_match) {
    struct result cur = {0};
    if (directory_q_scheme_get(tx, c->org_param, &cur) != DB_ONE) {
      result_reset(&cur);
      goto out;
    }
    revision = cur.etag;
    result_reset(&cur);
    if (!if_match_ok(c, revision, res)) goto out;
  }
  directory_q_scheme_put(tx, c->org_param, text, res);
out:
  PQclear(r);
  free(text);
  json_decref(errors);
}
