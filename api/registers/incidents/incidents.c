/* The IOD's incident register (rejestr incydentów): reports from any employee, triage and
 * investigation by the IOD, the personal-data breach section (GDPR art. 33/34) and the KSC
 * section (art. 22), their statutory deadlines computed on every read, a timeline, and the
 * art. 33(5) breach register. Work functions over one transaction each; the route table
 * (routes.c) says what the dispatcher parses for them: c->path[0] is the incident id.
 *
 * Who sees what is decided in SQL from the caller's roles and sub (migration 0010,
 * zsz_incident_view and its kin): iod and president see everything, the plenipotentiary a
 * breach reduced to its risk level, a reporter its own reports' id, number, title, status
 * and reported_at, anyone else nothing (404). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "case_marks.h"
#include "documents.h"
#include "handlers.h"
#include "http.h"
#include "incident_check.h"
#include "queries.h"
#include "rules.h"
#include "timefmt.h"
#include "validate.h"
#include "workflow.h"

/* Sets 422 listing errors when there are any (stealing them, *errors becomes NULL): 1 when it did. */
static int invalid(struct result *res, json_t **errors) {
  if (json_array_size(*errors) == 0) {
    return 0;
  }
  result_invalid(res, *errors);
  *errors = NULL;
  return 1;
}

/* The checks that need the database, over the incident as it will be stored: its units
 * exist, and the rules under the organisation's uodo deadline. 0, or -1 when the database
 * failed. */
static int check_stored(struct db_tx *tx, const struct req_ctx *c, const json_t *inc, json_t *errors) {
  long long hours;
  int units_ok;
  const json_t *ids = json_object_get(inc, "affected_org_unit_ids");
  char *units = json_array_size(ids) > 0 ? json_dumps(ids, JSON_COMPACT) : NULL;
  enum db_status st = incidents_q_limits(tx, c->org_param, units, &hours, &units_ok);
  free(units);
  if (st != DB_ONE) {
    return -1;
  }
  if (!units_ok) {
    errors_add(errors, "affected_org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
  }
  incident_check_rules(inc, hours, errors);
  return 0;
}

/* Where an incident cites EZD cases (docs/design-case-marks.md). */
static const char EVIDENCE_MARKS[] = "evidence[].znak_sprawy";

/* ---- incidents ---------------------------------------------------------------------------- */

void incident_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *body = json_deep_copy(c->body); /* checks normalise it: c->body stays as sent */
  json_t *errors = json_array();
  char *text = NULL;
  char id[24];
  /* a coarse role rule, like a route's roles: the fields after the report's are the IOD's */
  incident_check_report(body, (c->who.roles & ROLE_IOD) != 0, errors);
  incident_check_shapes(body, VALIDATE_CREATE, time(NULL), errors);
  if (invalid(res, &errors) || check_stored(tx, c, body, errors) != 0 || invalid(res, &errors) ||
      case_marks_check_at(tx, c->org_param, body, EVIDENCE_MARKS, res) != 1) {
    goto out;
  }
  incident_fill_defaults(body);
  text = json_dumps(body, JSON_COMPACT);
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  } else if (incidents_q_insert(tx, c->org_param, text, c->who.sub, c->roles_param, res, id) == DB_ONE &&
             res->status == 201) {
    snprintf(res->location, sizeof res->location, "/api/v1/incidents/%s", id);
  }
out:
  free(text);
  json_decref(errors);
  json_decref(body);
}

void incident_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  incidents_q_get(tx, c->org_param, c->path[0], c->roles_param, c->who.sub, res);
}

/* Locks the incident for a change: 1 when found, If-Match holds and (open_only) it takes
 * changes, with cur->row's writable members parsed into *doc; 0 after setting 404, 412 or
 * 409; -1 when the database failed. */
static int incident_lock(struct db_tx *tx, const struct req_ctx *c, int open_only, struct locked_incident *cur,
                         json_t **doc, struct result *res) {
  enum db_status st = incidents_q_lock(tx, c->org_param, c->path[0], cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INCIDENT);
  }
  if (st != DB_ONE) {
    return st == DB_ERROR ? -1 : 0;
  }
  if (!if_match_ok(c, cur->revision, res)) {
    return 0;
  }
  if (open_only && (strcmp(cur->status, "closed") == 0 || strcmp(cur->status, "dismissed") == 0)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, cur->status);
    return 0;
  }
  *doc = json_loads(PQgetvalue(cur->row, 0, 2), 0, NULL);
  if (*doc == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return 0;
  }
  return 1;
}

void incident_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *patch = json_deep_copy(c->body);
  json_t *errors = json_array();
  json_t *doc = NULL;
  char *text = NULL;
  struct locked_incident cur = {0};
  incident_check_shapes(patch, VALIDATE_PATCH, time(NULL), errors);
  if (invalid(res, &errors) || incident_lock(tx, c, 1, &cur, &doc, res) != 1) {
    goto out;
  }
  incident_merge(doc, patch);
  /* the marks the change sends (evidence is replaced whole): the ones kept were checked when stored */
  if (check_stored(tx, c, doc, errors) != 0 || invalid(res, &errors) ||
      case_marks_check_at(tx, c->org_param, patch, EVIDENCE_MARKS, res) != 1) {
    goto out;
  }
  text = json_dumps(doc, JSON_COMPACT);
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  } else {
    incidents_q_update(tx, c->org_param, c->path[0], text, res);
  }
out:
  free(text);
  PQclear(cur.row);
  json_decref(doc);
  json_decref(errors);
  json_decref(patch);
}

void incident_transition(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const json_t *body = c->body;
  struct incident_move move = {
      .to = json_string_value(json_object_get(body, "to")),
      .reason = json_string_value(json_object_get(body, "reason")),
      .resolution = json_string_value(json_object_get(body, "resolution")),
      .lessons_learned = json_string_value(json_object_get(body, "lessons_learned")),
      .actor = c->who.sub,
  };
  json_t *errors = json_array();
  json_t *doc = NULL;
  struct locked_incident cur = {0};
  if (incident_lock(tx, c, 0, &cur, &doc, res) != 1 ||
      workflow_take(tx, res, &INCIDENT_WORKFLOW, cur.status, move.to, c->who.roles, body) != 1) {
    goto out;
  }
  move.from = cur.status;
  /* what the body brings counts as part of the record for the step's needs */
  static const char *const CARRIED[] = {"resolution", "lessons_learned"};
  for (size_t i = 0; i < 2; i++) {
    json_t *v = json_object_get(body, CARRIED[i]);
    if (v) json_object_set(doc, CARRIED[i], v);
  }
  incident_check_step(doc, move.to, errors);
  /* a closed record must satisfy every rule under today's deadline rules, which may have
   * changed since the notification was written */
  if (strcmp(move.to, "closed") == 0) {
    long long hours;
    int units_ok;
    if (incidents_q_limits(tx, c->org_param, NULL, &hours, &units_ok) != DB_ONE) {
      goto out;
    }
    incident_check_rules(doc, hours, errors);
  }
  if (!invalid(res, &errors)) {
    incidents_q_move(tx, c->org_param, c->path[0], &move, res);
  }
out:
  PQclear(cur.row);
  json_decref(doc);
  json_decref(errors);
}

/* ---- lists ---------------------------------------------------------------------------------- */

#define DUE_WITHIN_MAX_CHARS 32

int incident_list_asks_view(const struct req_ctx *c) {
  return query_value(c, "type") || query_value(c, "severity") || query_value(c, "deadline_state") ||
         query_value(c, "due_within");
}

void incident_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *filter[4] = {query_value(c, "status"), query_value(c, "type"), query_value(c, "year"),
                           query_value(c, "severity")};
  const char *state = query_value(c, "deadline_state");
  const char *within = query_value(c, "due_within");
  char seconds_text[24];
  const char *seconds = NULL;
  if (within != NULL && utf8_length(within, strlen(within)) > DUE_WITHIN_MAX_CHARS) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "due_within", MSG_PARAM_TOO_LONG);
    return;
  }
  if (incident_list_asks_view(c)) {
    /* a reporter sees only number, title and status of its reports: it may not filter on
     * the rest (the view its roles give is SQL's to say) */
    char view[16];
    if (incidents_q_role_view(tx, c->roles_param, view, sizeof view) != DB_ONE) {
      return;
    }
    if (strcmp(view, "reporter") == 0) {
      result_problem(res, PROBLEM_FORBIDDEN, MSG_FILTER_NEEDS_VIEW);
      return;
    }
  }
  if (within != NULL) {
    /* the contract's pattern is not checked by the dispatcher: this is the check */
    long long n;
    if (iso8601_duration_parse(within, &n) != 0) {
      result_bad_param(res, PROBLEM_INVALID_PARAMETER, "due_within", MSG_DURATION);
      return;
    }
    if (state == NULL || strcmp(state, "pending") != 0) {
      result_bad_param(res, PROBLEM_INVALID_PARAMETER, "due_within", MSG_WITHIN_NEEDS_PENDING);
      return;
    }
    snprintf(seconds_text, sizeof seconds_text, "%lld", n);
    seconds = seconds_text;
  }
  /* the order, hence the cursor, differs with deadline_state: a cursor of the other order is
   * not this list's */
  int nkeys = state ? 2 : 1;
  if (c->after != NULL && json_array_size(c->after) != (size_t)nkeys) {
    result_bad_param(res, PROBLEM_INVALID_CURSOR, "cursor", MSG_CURSOR);
    return;
  }
  PGresult *r =
      state ? incidents_q_worklist(tx, c->org_param, c->roles_param, c->who.sub, filter, state, seconds, page_key(c, 0),
                                   page_key(c, 1), c->limit + 1)
            : incidents_q_list(tx, c->org_param, c->roles_param, c->who.sub, filter, page_key(c, 0), c->limit + 1,
                               (c->who.roles & (ROLE_IOD | ROLE_PRESIDENT | ROLE_PLENIPOTENTIARY)) == 0);
  if (r != NULL) {
    incidents_page(c, res, r, nkeys);
    PQclear(r);
  }
}

/* ---- timeline -------------------------------------------------------------------------------- */

void timeline_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = incidents_q_exists(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INCIDENT);
  }
  if (st != DB_ONE) {
    return;
  }
  PGresult *r = timeline_q_list(tx, c->org_param, c->path[0], page_key(c, 0), page_key(c, 1), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 2);
    PQclear(r);
  }
}

void timeline_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *entry = json_deep_copy(c->body);
  json_t *errors = json_array();
  incident_normalise_time(entry, "at", "at", time(NULL), errors);
  if (!invalid(res, &errors) &&
      timeline_q_insert(tx, c->org_param, c->path[0], json_string_value(json_object_get(entry, "at")),
                        json_string_value(json_object_get(entry, "kind")),
                        json_string_value(json_object_get(entry, "text")), c->who.sub, res) == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INCIDENT);
  }
  json_decref(errors);
  json_decref(entry);
}

/* ---- deadline rules ---------------------------------------------------------------------------- */

void deadline_rules_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  deadline_rules_q_get(tx, c->org_param, res);
}

void deadline_rules_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  char *rules = json_dumps(c->body, JSON_COMPACT);
  if (rules == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  /* warning_hours may be left out: the windows stay as they are. The validator checks each
   * item; a window named twice is this check's to refuse. */
  const json_t *windows = json_object_get(c->body, "warning_hours");
  for (size_t a = 0; a < json_array_size(windows); a++) {
    for (size_t b = a + 1; b < json_array_size(windows); b++) {
      if (json_integer_value(json_array_get(windows, a)) == json_integer_value(json_array_get(windows, b))) {
        json_t *errors = json_array();
        errors_add(errors, "warning_hours", MSG_DUPLICATE_ITEMS);
        invalid(res, &errors);
        json_decref(errors);
        free(rules);
        return;
      }
    }
  }
  char *hours = windows ? json_dumps(windows, JSON_COMPACT) : NULL;
  if (windows != NULL && hours == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  } else if (deadline_rules_q_put(tx, c->org_param, rules) == DB_ONE &&
             (hours == NULL || deadline_warnings_q_put(tx, c->org_param, hours) == DB_ONE)) {
    deadline_rules_q_get(tx, c->org_param, res);
  }
  free(hours);
  free(rules);
}

/* ---- exports ----------------------------------------------------------------------------------- */

#define BREACH_COLUMNS                                                                                                 \
  "number;occurred_at;aware_at;reported_at;breach_nature;data_categories;subjects_count;records_count;"                \
  "likely_consequences;measures_taken;risk_level;uodo_notified_at;uodo_reference;uodo_not_notified_reason;"            \
  "uodo_late_reason;subjects_notified_at;subjects_notification_method;subjects_exemption;"                             \
  "subjects_exemption_justification"

void breach_register(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  const char *year = query_value(c, "year");
  if (!c->csv) {
    breach_register_q_json(tx, c->org_param, year, res);
    return;
  }
  if (result_csv_begin(res, BREACH_COLUMNS) != 0) {
    return;
  }
  long n = breach_register_q_csv(tx, c->org_param, year, res);
  if (n < 0) {
    return;
  }
  if (n > CSV_MAX_ROWS) {
    result_csv_too_large(res);
  } else {
    result_csv_end(res);
  }
}

void incident_stats(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  incidents_q_stats(tx, c->org_param, query_value(c, "year"), res);
}
