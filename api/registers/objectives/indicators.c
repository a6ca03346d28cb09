/* Indicators (wskaźniki) of objectives and their readings (odczyty): one reading per period,
 * replaced by PUT (the replaced value stays in the change log), locked once used in a review.
 * attainment, stale and health are computed by SQL on every read (0002_objectives.sql). Work
 * functions: c->path[0] is the indicator id (the objective's on the nested routes), c->path[1]
 * a reading's period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "handlers.h"
#include "http.h"
#include "period.h"
#include "queries.h"
#include "rules.h"
#include "validate.h"

/* The body with its decimals canonical, as one JSON text for SQL (owned by the caller), or
 * NULL after setting 500. The body itself is left as sent: the work may be run again. */
static char *canonical_text(const json_t *body, const char *const *decimals, json_t **copy, struct result *res) {
  char *text = NULL;
  *copy = decimals_canonical(body, decimals);
  if (*copy != NULL) {
    text = json_dumps(*copy, JSON_COMPACT);
  }
  if (text == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
  return text;
}

/* The objective of an indicator must still take changes (held until commit): 1, or 0 after
 * 404/409, -1 when the database failed. */
static int objective_open(struct db_tx *tx, const char *org, const char *objective_id, struct result *res) {
  char status[16];
  enum db_status st = objectives_q_hold(tx, org, objective_id, status);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_OBJECTIVE);
  } else if (st == DB_ONE && (strcmp(status, "closed") == 0 || strcmp(status, "cancelled") == 0)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
    return 0;
  }
  return st;
}

/* The responsible the body names (if any) is a user of the organisation: 0 (an error
 * appended otherwise), -1 when the database failed. */
static int responsible_known(struct db_tx *tx, const char *org, const json_t *body, json_t *errors) {
  const json_t *who = json_object_get(body, "responsible");
  if (!json_is_string(who)) {
    return 0;
  }
  enum db_status st = objectives_q_user_exists(tx, org, json_string_value(who));
  if (st == DB_NONE) {
    errors_add(errors, "responsible", MSG_NO_SUCH_USER);
  }
  return st == DB_ERROR ? -1 : 0;
}

/* ---- indicators ------------------------------------------------------------------------------ */

void indicator_create(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  json_t *body = NULL, *errors = json_array();
  char id[24], *text = canonical_text(c->body, INDICATOR_DECIMAL_FIELDS, &body, res);
  if (text == NULL) {
    goto out;
  }
  struct indicator_shape shape = {0};
  indicator_shape_take(&shape, body);
  indicator_check(&shape, errors);
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  if (objective_open(tx, c->org_param, c->path[0], res) != 1 ||
      responsible_known(tx, c->org_param, body, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
  } else if (objectives_q_indicator_insert(tx, c->org_param, c->path[0], text, res, id) == DB_ONE) {
    snprintf(res->location, sizeof res->location, "/api/v1/indicators/%s", id);
  }
out:
  free(text);
  json_decref(body);
  json_decref(errors);
}

void indicator_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  objectives_q_indicator_get(tx, c->org_param, c->path[0], res);
}

void indicator_update(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct locked_indicator cur = {0};
  json_t *body = NULL, *errors = json_array();
  char *text = NULL;
  enum db_status st = objectives_q_indicator_lock(tx, c->org_param, c->path[0], &cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INDICATOR);
  }
  if (st != DB_ONE || !if_match_ok(c, cur.revision, res) ||
      objective_open(tx, c->org_param, cur.objective_id, res) != 1) {
    goto out;
  }
  const char *frequency = json_string_value(json_object_get(c->body, "frequency"));
  if (frequency && cur.has_readings && strcmp(frequency, cur.frequency) != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_FREQUENCY_HAS_READINGS);
    goto out;
  }
  if ((text = canonical_text(c->body, INDICATOR_DECIMAL_FIELDS, &body, res)) == NULL) {
    goto out;
  }
  /* the rules judge the indicator as it will be: what the body sends over what it is */
  struct indicator_shape shape = {
      .direction = cur.direction,
      .baseline = cur.baseline,
      .target = cur.target,
      .target_min = cur.target_min,
      .target_max = cur.target_max,
      .source = cur.source,
      .survey_kind = cur.survey_kind,
      .survey_question = cur.survey_question,
  };
  indicator_shape_take(&shape, body);
  indicator_check(&shape, errors);
  if (responsible_known(tx, c->org_param, body, errors) != 0) {
    goto out;
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  objectives_q_indicator_update(tx, c->org_param, c->path[0], text, res);
out:
  free(text);
  json_decref(body);
  json_decref(errors);
  PQclear(cur.row);
}

void indicator_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = objectives_q_exists(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_OBJECTIVE);
  }
  if (st != DB_ONE) {
    return;
  }
  PGresult *r = objectives_q_indicators(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render_shaped(c, res, r, &INDICATOR_SHAPE, INDICATOR_SHAPE.revision_col + 1, 1);
    PQclear(r);
  }
}

/* ---- readings -------------------------------------------------------------------------------- */

void reading_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  enum db_status st = objectives_q_indicator_exists(tx, c->org_param, c->path[0]);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INDICATOR);
  }
  if (st != DB_ONE) {
    return;
  }
  PGresult *r = objectives_q_readings(tx, c->org_param, c->path[0], page_key(c, 0), c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 1);
    PQclear(r);
  }
}

void reading_get(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  objectives_q_reading_get(tx, c->org_param, c->path[0], c->path[1], res);
}

/* The indicator of the reading, held, with what decides the reading: 1, or 0 after 404, -1
 * when the database failed. */
static int reading_target(struct db_tx *tx, const struct req_ctx *c, struct reading_target *t, struct result *res) {
  enum db_status st = objectives_q_reading_target(tx, c->org_param, c->path[0], c->roles_param, c->who.sub, t);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INDICATOR);
  }
  return st;
}

/* The period fits the indicator's frequency and its objective's year: 1, or 0 after 422. */
static int period_ok(const char *period, const struct reading_target *t, struct result *res) {
  if (!utf8_valid(period, strlen(period)) || period_valid(t->frequency, t->year, period) != 0) {
    json_t *errors = json_array();
    errors_add(errors, "period", MSG_PERIOD, t->frequency, t->year);
    result_invalid(res, errors);
    return 0;
  }
  return 1;
}

void reading_put(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct reading_target t;
  struct locked_reading cur;
  if (reading_target(tx, c, &t, res) != 1) {
    return;
  }
  if (!t.caller_may_record) {
    /* record rule zsz_reading_writer: the plenipotentiary, or the process owner responsible
     * for the indicator or owning the objective's process */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_RESPONSIBLE);
    return;
  }
  if (!period_ok(c->path[1], &t, res)) {
    return;
  }
  if (t.from_survey) {
    result_problem(res, PROBLEM_CONFLICT, MSG_READING_FROM_SURVEY);
    return;
  }
  if (strcmp(t.status, "closed") == 0 || strcmp(t.status, "cancelled") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, t.status);
    return;
  }
  enum db_status st = objectives_q_reading_lock(tx, c->org_param, c->path[0], c->path[1], &cur);
  if (st == DB_ERROR) {
    return;
  }
  if (cur.locked) {
    result_problem(res, PROBLEM_CONFLICT, MSG_READING_LOCKED);
    return;
  }
  if (!if_match_ok(c, cur.revision, res)) {
    return;
  }
  json_t *body = NULL;
  char *text = canonical_text(c->body, READING_DECIMAL_FIELDS, &body, res);
  if (text != NULL) {
    objectives_q_reading_put(tx, c->org_param, c->path[0], c->path[1], text, c->who.sub, st == DB_ONE ? 200 : 201, res);
  }
  free(text);
  json_decref(body);
}

void reading_lock(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct reading_target t;
  struct locked_reading cur;
  if (reading_target(tx, c, &t, res) != 1 || !period_ok(c->path[1], &t, res)) {
    return;
  }
  enum db_status st = objectives_q_reading_lock(tx, c->org_param, c->path[0], c->path[1], &cur);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_READING);
  } else if (st == DB_ONE && cur.locked) {
    result_problem(res, PROBLEM_CONFLICT, MSG_ALREADY_LOCKED);
  } else if (st == DB_ONE && db_set_action(tx, "lock") == 0) {
    objectives_q_reading_set_locked(tx, c->org_param, c->path[0], c->path[1], c->who.sub, res);
  }
}
