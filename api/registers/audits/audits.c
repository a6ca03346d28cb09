/* Internal audits (audyty wewnętrzne): auditors appointed for a year, the yearly programme
 * approved by the president (every approved version kept), audits with an impartial team and
 * a report, and findings, of which nonconformities open a card (nonconformities.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "clauses.h"
#include "handlers.h"
#include "http.h"
#include "nonconformities/nonconformities.h"
#include "server.h"
#include "strbuf.h"
#include "validate.h"
#include "workflow.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define AUD ROLE_AUDITOR

static const char *const QUALIFICATIONS[] = {"iso9001", "iso27001", "iso14001", NULL};
static const char *const APPOINTMENT_STATES[] = {"active", "revoked", NULL};
static const char *const PROGRAMME_STATES[] = {"draft", "submitted", "approved", "returned", NULL};
static const char *const AUDIT_KINDS[] = {"quality", "information_security", "integrated", NULL};
static const char *const AUDIT_STATES[] = {"planned", "in_progress", "reported", "closed", "cancelled", NULL};
static const char *const FINDING_KINDS[] = {"major_nonconformity",         "minor_nonconformity", "observation",
                                            "opportunity_for_improvement", "good_practice",       NULL};

static const struct workflow_step APPOINTMENT_STEPS[] = {{"active", "revoked", PR, "reason"}};
static const struct workflow APPOINTMENT_WORKFLOW = {APPOINTMENT_STATES, APPOINTMENT_STEPS, 1};

static const struct workflow_step PROGRAMME_STEPS[] = {
    {"draft", "submitted", P | IOD, NULL},
    {"returned", "submitted", P | IOD, NULL},
    {"submitted", "approved", PR, NULL},
    {"submitted", "returned", PR, "reason"},
};
static const struct workflow PROGRAMME_WORKFLOW = {PROGRAMME_STATES, PROGRAMME_STEPS, 4};

/* ROLE_AUDITOR steps are the lead auditor's; IOD steps only on information-security audits:
 * the caller's roles are narrowed to that before the workflow decides. */
static const struct workflow_step AUDIT_STEPS[] = {
    {"planned", "in_progress", AUD, NULL},
    {"in_progress", "reported", AUD, "report"},
    {"reported", "closed", P, NULL},
    {"planned", "cancelled", P | IOD, "reason"},
    {"in_progress", "cancelled", P | IOD, "reason"},
};
static const struct workflow AUDIT_WORKFLOW = {AUDIT_STATES, AUDIT_STEPS, 5};

/* ---- shared ------------------------------------------------------------------------------ */

struct audit_args {
  struct req_ctx *c;
  char id_text[24];
  char sub_id[24];
  char year[12];
  long long if_match;
  char *body_text; /* owned */
  const char *to, *reason;
  const char *filter[4];
  json_t *after; /* owned */
  int limit;
  int csv;
};

static void audit_args_free(struct audit_args *a) {
  free(a->body_text);
  json_decref(a->after);
}

static char *roles_text(const struct req_ctx *c, char buf[16]) {
  snprintf(buf, 16, "%u", c->who.roles);
  return buf;
}

static int wants_csv(const struct req_ctx *c) {
  const char *accept = u_map_get_case(c->req->map_header, "Accept");
  return accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* Sets res to a CSV body: a byte-order mark (spreadsheets then read UTF-8) and text. */
static void csv_body(struct result *res, const char *text, size_t len) {
  res->raw_body = malloc(len + 4);
  if (res->raw_body != NULL) {
    memcpy(res->raw_body, "\xEF\xBB\xBF", 3);
    memcpy(res->raw_body + 3, text, len);
    res->raw_body[len + 3] = '\0';
  }
  res->content_type = "text/csv; charset=utf-8";
  res->status = res->raw_body ? 200 : 500;
}

/* Date pair checks: both in year, start <= end. */
static void check_dates_in_year(json_t *errors, const json_t *body, const char *from_key, const char *to_key,
                                long long year) {
  const char *from = json_string_value(json_object_get(body, from_key));
  const char *to = json_string_value(json_object_get(body, to_key));
  char prefix[8];
  snprintf(prefix, sizeof prefix, "%04lld-", year);
  if (from && strncmp(from, prefix, 5) != 0) errors_add(errors, from_key, MSG_DATE_IN_YEAR, year);
  if (to && strncmp(to, prefix, 5) != 0) errors_add(errors, to_key, MSG_DATE_IN_YEAR, year);
  if (from && to && strcmp(from, to) > 0) errors_add(errors, to_key, MSG_BEFORE, from_key);
}

/* ---- auditor appointments -------------------------------------------------------------------- */

static const struct field_spec APPOINTMENT_FIELDS[] = {
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "auditor", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "order_ref", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "qualifications",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE,
     .one_of = QUALIFICATIONS,
     .max_items = 3},
    {.name = "valid_from", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "valid_to", .type = VT_DATE, .flags = V_REQUIRED},
    {0},
};

static int appointment_check(struct req_ctx *c, enum validate_mode mode) {
  json_t *errors = json_array();
  validate_object(c->body, APPOINTMENT_FIELDS, mode, errors);
  json_t *q = json_object_get(c->body, "qualifications");
  if (q && json_is_array(q) && json_array_size(q) == 0) errors_add(errors, "qualifications", MSG_REQUIRED);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return -1;
  }
  json_decref(errors);
  return 0;
}

static void appointment_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *errors = json_array();
  check_dates_in_year(errors, a->c->body, "valid_from", "valid_to",
                      json_integer_value(json_object_get(a->c->body, "year")));
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    return;
  }
  json_decref(errors);
  const char *params[] = {a->c->org_param, a->body_text};
  PGresult *r = db_exec(tx,
                        "INSERT INTO auditor_appointments AS a (org_id, year, auditor, order_ref, qualifications, "
                        "valid_from, valid_to) SELECT $1, (b->>'year')::integer, b->>'auditor', b->>'order_ref', "
                        "ARRAY(SELECT jsonb_array_elements_text(b->'qualifications')), (b->>'valid_from')::date, "
                        "(b->>'valid_to')::date FROM (SELECT $2::jsonb AS b) AS input "
                        "RETURNING zsz_appointment_json(a)::text, a.revision, a.id",
                        2, params);
  if (r == NULL) return;
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/auditor-appointments/%s", PQgetvalue(r, 0, 2));
  PQclear(r);
}

void appointment_create(struct req_ctx *c) {
  struct audit_args a = {.c = c};
  if (appointment_check(c, VALIDATE_CREATE) != 0) return;
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, appointment_create_work, &a);
  audit_args_free(&a);
}

static int id_path(struct req_ctx *c, struct audit_args *a, msg_id not_found) {
  a->c = c;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, not_found) != 0) return -1;
  return 0;
}

/* An auditor reads its own appointments only. */
static const char *appointment_reader(const struct req_ctx *c) {
  return (c->who.roles & (P | PR)) ? NULL : c->who.sub;
}

static void appointment_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  const char *params[] = {a->c->org_param, a->id_text, appointment_reader(a->c)};
  record_get(tx, res,
             "SELECT zsz_appointment_json(a)::text, a.revision FROM auditor_appointments a "
             "WHERE a.org_id = $1 AND a.id = $2 AND ($3::text IS NULL OR a.auditor = $3)",
             3, params, MSG_NOT_FOUND_APPOINTMENT);
}

void appointment_get(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_APPOINTMENT) == 0) http_run(c, 1, appointment_get_work, &a);
}

static void appointment_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          appointment_reader(a->c),
                          a->filter[0],
                          a->filter[1],
                          a->filter[2],
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_appointment_json(a)::text, a.id::text FROM auditor_appointments a "
                        "WHERE a.org_id = $1 AND ($2::text IS NULL OR a.auditor = $2) "
                        "AND ($3::integer IS NULL OR a.year = $3::integer) AND ($4::text IS NULL OR a.auditor = $4) "
                        "AND ($5::text IS NULL OR a.status = $5) AND ($6::bigint IS NULL OR a.id > $6::bigint) "
                        "ORDER BY a.id LIMIT $7",
                        7, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "id");
    PQclear(r);
  }
}

void appointment_list(struct req_ctx *c) {
  struct audit_args a = {.c = c};
  if (http_query_int(c, "year", 2000, 2100, &a.filter[0]) == 0 &&
      http_query_text(c, "auditor", 200, &a.filter[1]) == 0 &&
      http_query_enum(c, "status", APPOINTMENT_STATES, &a.filter[2]) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "id", 1, &a.after) == 0) {
    http_run(c, 1, appointment_list_work, &a);
  }
  audit_args_free(&a);
}

/* Locks an appointment; 1 with its JSON (merged view for checks), 0 after 404/412/409. */
static json_t *appointment_lock(struct db_tx *tx, struct audit_args *a, struct result *res, int active_only) {
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_appointment_json(a)::text, a.revision FROM auditor_appointments a "
                        "WHERE a.org_id = $1 AND a.id = $2 FOR UPDATE",
                        2, params);
  json_t *doc = NULL;
  if (r == NULL) return NULL;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_APPOINTMENT);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
  } else {
    doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    if (active_only && strcmp(json_string_value(json_object_get(doc, "status")), "active") != 0) {
      result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, "revoked");
      json_decref(doc);
      doc = NULL;
    }
  }
  PQclear(r);
  return doc;
}

static void appointment_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *doc = appointment_lock(tx, a, res, 1), *errors = json_array();
  if (doc == NULL) goto out;
  json_object_update(doc, a->c->body);
  check_dates_in_year(errors, doc, "valid_from", "valid_to", json_integer_value(json_object_get(doc, "year")));
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  record_exec(tx, res,
              "UPDATE auditor_appointments a SET "
              "year = CASE WHEN b ? 'year' THEN (b->>'year')::integer ELSE year END, "
              "auditor = CASE WHEN b ? 'auditor' THEN b->>'auditor' ELSE auditor END, "
              "order_ref = CASE WHEN b ? 'order_ref' THEN b->>'order_ref' ELSE order_ref END, "
              "qualifications = CASE WHEN b ? 'qualifications' THEN ARRAY(SELECT "
              "jsonb_array_elements_text(b->'qualifications')) "
              "  ELSE qualifications END, "
              "valid_from = CASE WHEN b ? 'valid_from' THEN (b->>'valid_from')::date ELSE valid_from END, "
              "valid_to = CASE WHEN b ? 'valid_to' THEN (b->>'valid_to')::date ELSE valid_to END, "
              "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
              "WHERE a.org_id = $1 AND a.id = $2 RETURNING zsz_appointment_json(a)::text, a.revision",
              3, params, 200);
out:
  json_decref(doc);
  json_decref(errors);
}

void appointment_update(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_APPOINTMENT) != 0 || http_if_match(c, 1, &a.if_match) < 0 ||
      appointment_check(c, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, appointment_update_work, &a);
  audit_args_free(&a);
}

static void appointment_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *doc = appointment_lock(tx, a, res, 0);
  if (doc == NULL) return;
  if (workflow_take(tx, res, &APPOINTMENT_WORKFLOW, json_string_value(json_object_get(doc, "status")), a->to,
                    a->c->who.roles, a->c->body) == 1) {
    const char *params[] = {a->c->org_param, a->id_text, a->reason};
    record_exec(tx, res,
                "UPDATE auditor_appointments a SET status = 'revoked', revoked_reason = $3, "
                "revision = revision + 1, updated_at = now() WHERE a.org_id = $1 AND a.id = $2 "
                "RETURNING zsz_appointment_json(a)::text, a.revision",
                3, params, 200);
  }
  json_decref(doc);
}

void appointment_transition(struct req_ctx *c) {
  struct audit_args a = {0};
  json_t *errors;
  if (id_path(c, &a, MSG_NOT_FOUND_APPOINTMENT) != 0 || http_if_match(c, 0, &a.if_match) < 0) return;
  errors = json_array();
  if (workflow_validate_body(&APPOINTMENT_WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, appointment_transition_work, &a);
}

/* ---- audit programmes ------------------------------------------------------------------------- */

/* A change to the year's audits (one added, moved or cancelled): the programme exists, and an
 * approved one starts its next version as a draft that needs approval again. */
static int programme_touch(struct db_tx *tx, const char *org, const char *year) {
  const char *params[] = {org, year};
  PGresult *r = db_exec(tx,
                        "INSERT INTO audit_programmes AS p (org_id, year) VALUES ($1, $2::integer) "
                        "ON CONFLICT (org_id, year) DO UPDATE SET "
                        "version = p.version + CASE WHEN p.status = 'approved' THEN 1 ELSE 0 END, "
                        "status = CASE WHEN p.status = 'approved' THEN 'draft' ELSE p.status END, "
                        "revision = p.revision + 1, updated_at = now()",
                        2, params);
  PQclear(r);
  return r ? 0 : -1;
}

static int year_path(struct req_ctx *c, struct audit_args *a) {
  const char *y = u_map_get(c->req->map_url, "year");
  char *end = NULL;
  long v = y ? strtol(y, &end, 10) : 0;
  a->c = c;
  if (y == NULL || *end != '\0' || v < 2000 || v > 2100 || strlen(y) != 4) {
    http_problem(c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROGRAMME);
    return -1;
  }
  snprintf(a->year, sizeof a->year, "%ld", v);
  return 0;
}

static void programme_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  if (!a->csv) {
    record_get(tx, res,
               "SELECT zsz_programme_json(p)::text, p.revision FROM audit_programmes p "
               "WHERE p.org_id = $1 AND p.year = $2::integer",
               2, params, MSG_NOT_FOUND_PROGRAMME);
    return;
  }
  PGresult *r =
      db_exec(tx,
              "SELECT EXISTS (SELECT 1 FROM audit_programmes WHERE org_id = $1 AND year = $2::integer), "
              "'code;kind;planned_start;planned_end;lead_auditor;team;scope;status' || E'\\r\\n' || "
              "coalesce(string_agg(concat_ws(';', zsz_csv(a.code), zsz_csv(a.kind), zsz_csv(a.planned_start::text), "
              "zsz_csv(a.planned_end::text), zsz_csv(a.lead_auditor), zsz_csv(array_to_string(a.team, ', ')), "
              "zsz_csv(concat_ws(', ', (SELECT string_agg(p.code, ', ' ORDER BY p.code) FROM processes p "
              "  WHERE p.org_id = a.org_id AND p.id = ANY (a.scope_process_ids)), "
              "  (SELECT string_agg(u.code, ', ' ORDER BY u.code) FROM org_units u "
              "  WHERE u.org_id = a.org_id AND u.id = ANY (a.scope_org_unit_ids)))), zsz_csv(a.status)) || E'\\r\\n', "
              "'' ORDER BY a.planned_start, "
              "a.code), '') "
              "FROM audits a WHERE a.org_id = $1 AND a.year = $2::integer",
              2, params);
  if (r == NULL) return;
  if (PQgetvalue(r, 0, 0)[0] != 't') {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROGRAMME);
  } else {
    csv_body(res, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
  }
  PQclear(r);
}

void programme_get(struct req_ctx *c) {
  struct audit_args a = {0};
  if (year_path(c, &a) == 0) {
    a.csv = wants_csv(c);
    http_run(c, 1, programme_get_work, &a);
  }
}

static const struct field_spec PROGRAMME_FIELDS[] = {
    {.name = "objectives", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "risks_considered", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {0},
};

static void programme_put_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  PGresult *cur = db_exec(tx,
                          "SELECT status, revision FROM audit_programmes WHERE org_id = $1 AND year = $2::integer "
                          "FOR UPDATE",
                          2, params);
  if (cur == NULL) return;
  int exists = PQntuples(cur) == 1;
  if (exists && strcmp(PQgetvalue(cur, 0, 0), "submitted") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_PROGRAMME_SUBMITTED);
  } else if (exists && a->if_match > 0 && a->if_match != atoll(PQgetvalue(cur, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
  } else {
    const char *write[] = {a->c->org_param, a->year, a->body_text};
    record_exec(tx, res,
                "INSERT INTO audit_programmes AS p (org_id, year, objectives, risks_considered) "
                "SELECT $1, $2::integer, coalesce(b->>'objectives', ''), coalesce(b->>'risks_considered', '') "
                "FROM (SELECT $3::jsonb AS b) AS input "
                "ON CONFLICT (org_id, year) DO UPDATE SET "
                "objectives = CASE WHEN $3::jsonb ? 'objectives' THEN EXCLUDED.objectives ELSE p.objectives END, "
                "risks_considered = CASE WHEN $3::jsonb ? 'risks_considered' THEN EXCLUDED.risks_considered "
                "  ELSE p.risks_considered END, "
                "version = p.version + CASE WHEN p.status = 'approved' THEN 1 ELSE 0 END, "
                "status = 'draft', revision = p.revision + 1, updated_at = now() "
                "RETURNING zsz_programme_json(p)::text, p.revision",
                3, write, exists ? 200 : 201);
  }
  PQclear(cur);
}

void programme_put(struct req_ctx *c) {
  struct audit_args a = {0};
  if (year_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0 ||
      http_validate(c, PROGRAMME_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, programme_put_work, &a);
  audit_args_free(&a);
}

static void programme_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  PGresult *cur = db_exec(tx,
                          "SELECT status, revision FROM audit_programmes WHERE org_id = $1 AND year = $2::integer "
                          "FOR UPDATE",
                          2, params);
  if (cur == NULL) return;
  if (PQntuples(cur) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_PROGRAMME);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(cur, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
  } else if (workflow_take(tx, res, &PROGRAMME_WORKFLOW, PQgetvalue(cur, 0, 0), a->to, a->c->who.roles, a->c->body) ==
             1) {
    const char *step[] = {a->c->org_param, a->year, a->to, a->reason, a->c->who.sub};
    /* approving keeps the version as it stands, audits included */
    PGresult *r = db_exec(
        tx,
        "WITH p AS (UPDATE audit_programmes p SET status = $3, "
        "return_reason = CASE WHEN $3 = 'returned' THEN $4 ELSE return_reason END, "
        "revision = revision + 1, updated_at = now() WHERE p.org_id = $1 AND p.year = $2::integer RETURNING p.*), "
        "v AS (INSERT INTO audit_programme_versions (org_id, year, version, snapshot, approved_by) "
        "SELECT org_id, year, version, jsonb_build_object('year', year, 'version', version, 'objectives', objectives, "
        "'risks_considered', risks_considered, 'audits', zsz_programme_audits(org_id, year)), $5 FROM p "
        "WHERE $3 = 'approved' ON CONFLICT DO NOTHING) "
        "SELECT p.revision FROM p",
        5, step);
    if (r != NULL) {
      PQclear(r);
      /* read back after the statement, so the answer lists the version just approved */
      record_get(tx, res,
                 "SELECT zsz_programme_json(p)::text, p.revision FROM audit_programmes p "
                 "WHERE p.org_id = $1 AND p.year = $2::integer",
                 2, params, MSG_NOT_FOUND_PROGRAMME);
    }
  }
  PQclear(cur);
}

void programme_transition(struct req_ctx *c) {
  struct audit_args a = {0};
  json_t *errors;
  if (year_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0) return;
  errors = json_array();
  if (workflow_validate_body(&PROGRAMME_WORKFLOW, c->body, errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, programme_transition_work, &a);
}

static void programme_version_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  const char *params[] = {a->c->org_param, a->year, a->sub_id};
  document_get(tx, res,
               "SELECT (v.snapshot || jsonb_build_object('approved_by', v.approved_by, "
               "'approved_at', zsz_ts(v.approved_at)))::text FROM audit_programme_versions v "
               "WHERE v.org_id = $1 AND v.year = $2::integer AND v.version = $3::integer",
               3, params, MSG_NOT_FOUND_VERSION);
}

void programme_version_get(struct req_ctx *c) {
  struct audit_args a = {0};
  if (year_path(c, &a) != 0 || http_path_id_text(c, "version", a.sub_id, sizeof a.sub_id, MSG_NOT_FOUND_VERSION) != 0)
    return;
  http_run(c, 1, programme_version_work, &a);
}

/* ---- audits ------------------------------------------------------------------------------------- */

static const struct field_spec AUDIT_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS | V_SLASH, .min_len = 1, .max_len = 32},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = AUDIT_KINDS},
    {.name = "scope_process_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "scope_org_unit_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "criteria",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 100,
     .max_items = 50},
    {.name = "planned_start", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "planned_end", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "lead_auditor", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "team",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 20},
    {.name = "auditees",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 50},
    {0},
};

/* Checks that need no database, on the audit as it will be. */
static void audit_rules(const json_t *doc, json_t *errors) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(doc, "criteria"), i, v) {
    if (!clause_valid(json_string_value(v))) {
      char field[32];
      snprintf(field, sizeof field, "criteria[%zu]", i);
      errors_add(errors, field, MSG_UNKNOWN_CLAUSE);
    }
  }
  if (json_array_size(json_object_get(doc, "criteria")) == 0) errors_add(errors, "criteria", MSG_REQUIRED);
  if (json_array_size(json_object_get(doc, "team")) == 0) errors_add(errors, "team", MSG_REQUIRED);
  if (json_array_size(json_object_get(doc, "scope_process_ids")) +
          json_array_size(json_object_get(doc, "scope_org_unit_ids")) ==
      0) {
    errors_add(errors, "scope_process_ids", MSG_SCOPE_EMPTY);
  }
  const char *lead = json_string_value(json_object_get(doc, "lead_auditor"));
  int lead_in = 0;
  json_array_foreach(json_object_get(doc, "team"), i, v) {
    lead_in |= lead && strcmp(json_string_value(v), lead) == 0;
  }
  if (lead && !lead_in) errors_add(errors, "lead_auditor", MSG_LEAD_IN_TEAM);
  check_dates_in_year(errors, doc, "planned_start", "planned_end", json_integer_value(json_object_get(doc, "year")));
}

/* Scope ids exist, and every team member is appointed, qualified and impartial. */
static int audit_team_check(struct db_tx *tx, const char *org, const json_t *doc, json_t *errors) {
  char *text = json_dumps(doc, JSON_COMPACT);
  const char *params[] = {org, text};
  PGresult *r = db_exec(
      tx,
      "WITH d AS (SELECT $2::jsonb AS b), "
      "q AS (SELECT CASE b->>'kind' WHEN 'quality' THEN ARRAY['iso9001'] WHEN 'information_security' THEN "
      "ARRAY['iso27001'] "
      "  ELSE ARRAY['iso9001', 'iso27001'] END AS needed, ARRAY(SELECT "
      "jsonb_array_elements_text(b->'scope_process_ids'))"
      "::bigint[] AS procs, ARRAY(SELECT jsonb_array_elements_text(b->'scope_org_unit_ids'))::bigint[] AS units, "
      "(b->>'year')::integer AS year, (b->>'planned_start')::date AS start FROM d) "
      "SELECT 'team[' || (t.i - 1) || ']', "
      "EXISTS (SELECT 1 FROM auditor_appointments ap WHERE ap.org_id = $1 AND ap.auditor = t.m AND ap.year = q.year "
      "  AND ap.status = 'active' AND q.start BETWEEN ap.valid_from AND ap.valid_to AND ap.qualifications @> "
      "q.needed), "
      "(SELECT string_agg(p.code, ', ' ORDER BY p.code) FROM processes p WHERE p.org_id = $1 AND p.id = ANY (q.procs) "
      "  AND p.owner = t.m), "
      "(SELECT ou.code FROM users u JOIN org_units ou ON ou.org_id = u.org_id AND ou.id = u.unit_id "
      "  WHERE u.org_id = $1 AND u.sub = t.m AND u.unit_id = ANY (q.units)), "
      "(SELECT count(*) FROM unnest(q.procs) x WHERE NOT EXISTS (SELECT 1 FROM processes p WHERE p.org_id = $1 AND "
      "p.id = x)), "
      "(SELECT count(*) FROM unnest(q.units) x WHERE NOT EXISTS (SELECT 1 FROM org_units u WHERE u.org_id = $1 AND "
      "u.id = x)) "
      "FROM q, d, jsonb_array_elements_text(d.b->'team') WITH ORDINALITY AS t(m, i)",
      2, params);
  free(text);
  if (r == NULL) return -1;
  for (int i = 0; i < PQntuples(r); i++) {
    const char *field = PQgetvalue(r, i, 0);
    if (PQgetvalue(r, i, 1)[0] != 't') errors_add(errors, field, MSG_NOT_APPOINTED);
    if (!PQgetisnull(r, i, 2)) errors_add(errors, field, MSG_OWNS_SCOPED_PROCESS, PQgetvalue(r, i, 2));
    if (!PQgetisnull(r, i, 3)) errors_add(errors, field, MSG_IN_SCOPED_UNIT, PQgetvalue(r, i, 3));
    if (i == 0 && atoll(PQgetvalue(r, 0, 4)) > 0) errors_add(errors, "scope_process_ids", MSG_NO_SUCH_PROCESS);
    if (i == 0 && atoll(PQgetvalue(r, 0, 5)) > 0) errors_add(errors, "scope_org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
  }
  PQclear(r);
  return 0;
}

/* The IOD plans information-security audits only. */
static int may_plan(const struct req_ctx *c, const char *kind) {
  return (c->who.roles & P) || ((c->who.roles & IOD) && kind && strcmp(kind, "information_security") == 0);
}

#define AUDIT_COLUMNS                                                                                                  \
  "code, year, kind, scope_process_ids, scope_org_unit_ids, criteria, planned_start, planned_end, lead_auditor, "      \
  "team, auditees"
#define AUDIT_VALUES                                                                                                   \
  "b->>'code', (b->>'year')::integer, b->>'kind', "                                                                    \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'scope_process_ids', '[]')))::bigint[], "                        \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'scope_org_unit_ids', '[]')))::bigint[], "                       \
  "ARRAY(SELECT jsonb_array_elements_text(b->'criteria')), (b->>'planned_start')::date, (b->>'planned_end')::date, "   \
  "b->>'lead_auditor', ARRAY(SELECT jsonb_array_elements_text(b->'team')), "                                           \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'auditees', '[]')))"

static void audit_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *errors = json_array();
  if (audit_team_check(tx, a->c->org_param, a->c->body, errors) != 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  char year[12];
  snprintf(year, sizeof year, "%lld", (long long)json_integer_value(json_object_get(a->c->body, "year")));
  if (programme_touch(tx, a->c->org_param, year) != 0) goto out;
  const char *params[] = {a->c->org_param, a->body_text};
  PGresult *r = db_exec(tx,
                        "INSERT INTO audits AS a (org_id, " AUDIT_COLUMNS ") SELECT $1, " AUDIT_VALUES
                        " FROM (SELECT $2::jsonb AS b) AS input RETURNING zsz_audit_json(a)::text, a.revision, a.id",
                        2, params);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    goto out;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/audits/%s", PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(errors);
}

void audit_create(struct req_ctx *c) {
  struct audit_args a = {.c = c};
  json_t *errors = json_array();
  validate_object(c->body, AUDIT_FIELDS, VALIDATE_CREATE, errors);
  if (json_array_size(errors) == 0) audit_rules(c->body, errors);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  if (!may_plan(c, json_string_value(json_object_get(c->body, "kind")))) {
    http_problem(c, PROBLEM_FORBIDDEN, MSG_IOD_PLANS_IS);
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, audit_create_work, &a);
  audit_args_free(&a);
}

static void audit_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  char roles[16];
  const char *params[] = {a->c->org_param, a->id_text, a->c->who.sub, roles_text(a->c, roles)};
  /* an audit the caller may not read is as absent as another organisation's */
  record_get(tx, res,
             "SELECT zsz_audit_json(a)::text, a.revision FROM audits a WHERE a.org_id = $1 AND a.id = $2 "
             "AND zsz_audit_readable(a, $3, $4::integer)",
             4, params, MSG_NOT_FOUND_AUDIT);
}

void audit_get(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_AUDIT) == 0) http_run(c, 1, audit_get_work, &a);
}

static void audit_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  char fetch[12], roles[16];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->c->who.sub,
                          roles_text(a->c, roles),
                          a->filter[0],
                          a->filter[1],
                          a->filter[2],
                          a->filter[3],
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 1)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 2)) : NULL,
                          a->csv ? "100000" : fetch};
  PGresult *r = db_exec(
      tx,
      "SELECT zsz_audit_json(a)::text, a.planned_start::text, a.code, a.id::text, "
      "concat_ws(';', zsz_csv(a.code), a.year, zsz_csv(a.kind), a.planned_start, a.planned_end, "
      "zsz_csv(a.lead_auditor), "
      "zsz_csv(array_to_string(a.team, ', ')), zsz_csv(a.status)) "
      "FROM audits a WHERE a.org_id = $1 AND zsz_audit_readable(a, $2, $3::integer) "
      "AND ($4::integer IS NULL OR a.year = $4::integer) AND ($5::text IS NULL OR a.kind = $5) "
      "AND ($6::text IS NULL OR a.status = $6) AND ($7::bigint IS NULL OR $7::bigint = ANY (a.scope_process_ids)) "
      "AND ($8::text IS NULL OR (a.planned_start, a.code, a.id) > ($8::date, $9, $10::bigint)) "
      "ORDER BY a.planned_start, a.code, a.id LIMIT $11",
      11, params);
  if (r == NULL) return;
  if (a->csv) {
    struct strbuf b = {0};
    strbuf_puts(&b, "code;year;kind;planned_start;planned_end;lead_auditor;team;status\r\n");
    for (int i = 0; i < PQntuples(r); i++) {
      strbuf_append(&b, PQgetvalue(r, i, 4), (size_t)PQgetlength(r, i, 4));
      strbuf_puts(&b, "\r\n");
    }
    char *text = strbuf_steal(&b);
    if (text != NULL) {
      csv_body(res, text, strlen(text));
      free(text);
    }
  } else {
    page_result(a->c, res, r, a->limit, 3, "start-code");
  }
  PQclear(r);
}

void audit_list(struct req_ctx *c) {
  struct audit_args a = {.c = c};
  if (http_query_int(c, "year", 2000, 2100, &a.filter[0]) == 0 &&
      http_query_enum(c, "kind", AUDIT_KINDS, &a.filter[1]) == 0 &&
      http_query_enum(c, "status", AUDIT_STATES, &a.filter[2]) == 0 &&
      http_query_int(c, "process_id", 1, (1LL << 53), &a.filter[3]) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "start-code", 3, &a.after) == 0) {
    a.csv = wants_csv(c);
    http_run(c, 1, audit_list_work, &a);
  }
  audit_args_free(&a);
}

/* A readable audit's document (new reference), or NULL after 404/412; locked when asked. */
static json_t *audit_fetch(struct db_tx *tx, struct audit_args *a, struct result *res, int lock) {
  char roles[16];
  const char *params[] = {a->c->org_param, a->id_text, a->c->who.sub, roles_text(a->c, roles)};
  PGresult *r =
      db_exec(tx,
              lock ? "SELECT zsz_audit_json(a)::text, a.revision FROM audits a WHERE a.org_id = $1 AND a.id = $2 "
                     "AND zsz_audit_readable(a, $3, $4::integer) FOR UPDATE"
                   : "SELECT zsz_audit_json(a)::text, a.revision FROM audits a WHERE a.org_id = $1 AND a.id = $2 "
                     "AND zsz_audit_readable(a, $3, $4::integer)",
              4, params);
  json_t *doc = NULL;
  if (r == NULL) return NULL;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_AUDIT);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
  } else {
    doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
  }
  PQclear(r);
  return doc;
}

static void audit_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *errors = json_array(), *doc = audit_fetch(tx, a, res, 1);
  if (doc == NULL) goto out;
  const char *kind = json_string_value(json_object_get(doc, "kind"));
  if (!may_plan(a->c, kind)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_IOD_PLANS_IS);
    goto out;
  }
  if (strcmp(json_string_value(json_object_get(doc, "status")), "planned") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_AUDIT_NOT_PLANNED);
    goto out;
  }
  const char *before_start = json_string_value(json_object_get(doc, "planned_start"));
  const char *before_end = json_string_value(json_object_get(doc, "planned_end"));
  int moved = (json_object_get(a->c->body, "planned_start") &&
               strcmp(json_string_value(json_object_get(a->c->body, "planned_start")), before_start) != 0) ||
              (json_object_get(a->c->body, "planned_end") &&
               strcmp(json_string_value(json_object_get(a->c->body, "planned_end")), before_end) != 0);
  json_object_update(doc, a->c->body);
  audit_rules(doc, errors);
  if (!may_plan(a->c, json_string_value(json_object_get(doc, "kind")))) errors_add(errors, "kind", MSG_IOD_PLANS_IS);
  if (json_array_size(errors) == 0 && audit_team_check(tx, a->c->org_param, doc, errors) != 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  char year[12];
  snprintf(year, sizeof year, "%lld", (long long)json_integer_value(json_object_get(doc, "year")));
  if (moved && programme_touch(tx, a->c->org_param, year) != 0) goto out;
  char *text = json_dumps(doc, JSON_COMPACT);
  const char *params[] = {a->c->org_param, a->id_text, text};
  PGresult *r = db_exec(tx,
                        "UPDATE audits a SET (" AUDIT_COLUMNS ") = (SELECT " AUDIT_VALUES
                        " FROM (SELECT $3::jsonb AS b) AS input), revision = revision + 1, updated_at = now() "
                        "WHERE a.org_id = $1 AND a.id = $2 RETURNING zsz_audit_json(a)::text, a.revision",
                        3, params);
  free(text);
  if (r == NULL) {
    if (db_failed_with(tx, "23505")) result_duplicate(res, "code", MSG_DUPLICATE_CODE);
    goto out;
  }
  record_result(res, r, 200);
  PQclear(r);
out:
  json_decref(doc);
  json_decref(errors);
}

void audit_update(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_AUDIT) != 0 || http_if_match(c, 1, &a.if_match) < 0 ||
      http_validate(c, AUDIT_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, audit_update_work, &a);
  audit_args_free(&a);
}

static const struct field_spec REPORT_FIELDS[] = {
    {.name = "summary", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "strong_points", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "areas_to_improve", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "conclusion", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {0},
};

static void audit_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *doc = audit_fetch(tx, a, res, 1);
  if (doc == NULL) return;
  const char *kind = json_string_value(json_object_get(doc, "kind"));
  const char *lead = json_string_value(json_object_get(doc, "lead_auditor"));
  /* the auditor's steps are the lead auditor's; the IOD's only on information-security audits */
  unsigned roles = a->c->who.roles;
  if (strcmp(lead, a->c->who.sub) != 0) roles &= ~(unsigned)AUD;
  if (strcmp(kind, "information_security") != 0) roles &= ~(unsigned)IOD;
  char status[16];
  snprintf(status, sizeof status, "%s", json_string_value(json_object_get(doc, "status")));
  if (workflow_take(tx, res, &AUDIT_WORKFLOW, status, a->to, roles, a->c->body) != 1) goto out;
  if (strcmp(a->to, "reported") == 0) {
    json_t *errors = json_array();
    validate_nested_report(json_object_get(a->c->body, "report"), errors);
    if (json_array_size(errors) > 0) {
      result_invalid(res, errors);
      goto out;
    }
    json_decref(errors);
  }
  if (strcmp(a->to, "cancelled") == 0) {
    char year[12];
    snprintf(year, sizeof year, "%lld", (long long)json_integer_value(json_object_get(doc, "year")));
    if (programme_touch(tx, a->c->org_param, year) != 0) goto out;
  }
  char *report = json_dumps(json_object_get(a->c->body, "report") ? json_object_get(a->c->body, "report") : json_null(),
                            JSON_COMPACT | JSON_ENCODE_ANY);
  const char *params[] = {a->c->org_param, a->id_text, a->to, a->reason, report};
  PGresult *r = db_exec(tx,
                        "UPDATE audits a SET status = $3, status_reason = coalesce($4, status_reason), "
                        "report = CASE WHEN $3 = 'reported' THEN $5::jsonb ELSE report END, "
                        "reported_at = CASE WHEN $3 = 'reported' THEN now() ELSE reported_at END, "
                        "revision = revision + 1, updated_at = now() WHERE a.org_id = $1 AND a.id = $2 "
                        "RETURNING zsz_audit_json(a)::text, a.revision",
                        5, params);
  free(report);
  if (r != NULL) {
    record_result(res, r, 200);
    PQclear(r);
  }
out:
  json_decref(doc);
}

void audit_transition(struct req_ctx *c) {
  static const struct field_spec SPEC[] = {
      {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = AUDIT_STATES},
      {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
      {.name = "report", .type = VT_OBJECT},
      {0},
  };
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_AUDIT) != 0 || http_if_match(c, 0, &a.if_match) < 0 ||
      http_validate(c, SPEC, VALIDATE_CREATE) != 0) {
    return;
  }
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, audit_transition_work, &a);
}

/* ---- findings -------------------------------------------------------------------------------------- */

static const struct field_spec FINDING_FIELDS[] = {
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = FINDING_KINDS},
    {.name = "clause", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "process_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "evidence", .type = VT_OBJECT},
    {0},
};

static const struct field_spec EVIDENCE_FIELDS[] = {
    {.name = "text", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "documents", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {0},
};

static const struct field_spec DOCUMENT_FIELDS[] = {
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "document_id", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

static void nest_errors(json_t *errors, json_t *inner, const char *prefix) {
  size_t i;
  json_t *e;
  json_array_foreach(inner, i, e) {
    char field[160];
    const char *f = json_string_value(json_object_get(e, "field"));
    snprintf(field, sizeof field, "%s%s%s", prefix, *f ? "." : "", f);
    json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
}

void validate_nested_report(const json_t *report, json_t *errors) {
  json_t *inner = json_array();
  if (!json_is_object(report)) {
    errors_add(errors, "report", MSG_REQUIRED);
  } else {
    validate_object(report, REPORT_FIELDS, VALIDATE_CREATE, inner);
    nest_errors(errors, inner, "report");
  }
  json_decref(inner);
}

static void finding_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *errors = json_array(), *doc = audit_fetch(tx, a, res, 1);
  if (doc == NULL) goto out;
  int member = 0;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(doc, "team"), i, v) {
    member |= strcmp(json_string_value(v), a->c->who.sub) == 0;
  }
  if (!member) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_TEAM_MEMBER);
    goto out;
  }
  const char *status = json_string_value(json_object_get(doc, "status"));
  if (strcmp(status, "in_progress") != 0 && strcmp(status, "reported") != 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_FINDINGS_WHEN, status);
    goto out;
  }
  json_t *process = json_object_get(a->c->body, "process_id");
  const char *kind = json_string_value(json_object_get(a->c->body, "kind"));
  int nc = strstr(kind, "nonconformity") != NULL;
  if (json_is_integer(process)) {
    int in_scope = 0;
    json_array_foreach(json_object_get(doc, "scope_process_ids"), i, v) {
      in_scope |= json_equal(v, process);
    }
    if (!in_scope) errors_add(errors, "process_id", MSG_NOT_IN_SCOPE);
  } else if (nc) {
    errors_add(errors, "process_id", MSG_NC_NEEDS_PROCESS);
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text, a->c->who.sub};
  PGresult *r = db_exec(tx,
                        "INSERT INTO audit_findings AS f (org_id, audit_id, kind, clause, process_id, description, "
                        "evidence, created_by) SELECT $1, $2, b->>'kind', b->>'clause', (b->>'process_id')::bigint, "
                        "b->>'description', jsonb_build_object('text', coalesce(b->'evidence'->>'text', ''), "
                        "'documents', coalesce(b->'evidence'->'documents', '[]')), $4 "
                        "FROM (SELECT $3::jsonb AS b) AS input RETURNING f.id",
                        4, params);
  if (r == NULL) goto out;
  char finding_id[24];
  snprintf(finding_id, sizeof finding_id, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  if (nc) {
    /* the card opens with the finding: a nonconformity cannot exist only in an audit report */
    json_t *card = json_pack("{s:s, s:s, s:s, s:O, s:O}", "source", "internal_audit", "source_ref",
                             json_string_value(json_object_get(doc, "code")), "severity",
                             strncmp(kind, "major", 5) == 0 ? "major" : "minor", "process_id", process, "description",
                             json_object_get(a->c->body, "description"));
    long long nc_id = nonconformity_open(tx, a->c->org_param, card, a->id_text, finding_id, a->c->who.sub, res);
    json_decref(card);
    if (nc_id <= 0) goto out;
    char nc_text[24];
    snprintf(nc_text, sizeof nc_text, "%lld", nc_id);
    const char *link[] = {a->c->org_param, finding_id, nc_text};
    r = db_exec(tx, "UPDATE audit_findings SET nonconformity_id = $3 WHERE org_id = $1 AND id = $2", 3, link);
    if (r == NULL) goto out;
    PQclear(r);
  }
  const char *get[] = {a->c->org_param, finding_id};
  r = db_exec(tx, "SELECT zsz_finding_json(f)::text, f.id FROM audit_findings f WHERE f.org_id = $1 AND f.id = $2", 2,
              get);
  if (r == NULL) goto out;
  result_raw(res, 201, PQgetvalue(r, 0, 0));
  snprintf(res->location, sizeof res->location, "/api/v1/audits/%s/findings/%s", a->id_text, finding_id);
  PQclear(r);
out:
  json_decref(doc);
  json_decref(errors);
}

void finding_create(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_AUDIT) != 0) return;
  json_t *errors = json_array();
  validate_object(c->body, FINDING_FIELDS, VALIDATE_CREATE, errors);
  const char *clause = json_string_value(json_object_get(c->body, "clause"));
  if (clause && !field_has_error(errors, "clause") && !clause_valid(clause)) {
    errors_add(errors, "clause", MSG_UNKNOWN_CLAUSE);
  }
  json_t *evidence = json_object_get(c->body, "evidence");
  if (json_is_object(evidence)) {
    json_t *inner = json_array();
    validate_object(evidence, EVIDENCE_FIELDS, VALIDATE_PATCH, inner);
    nest_errors(errors, inner, "evidence");
    json_array_clear(inner);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(evidence, "documents"), i, d) {
      char prefix[64];
      snprintf(prefix, sizeof prefix, "evidence.documents[%zu]", i);
      json_array_clear(inner);
      validate_object(d, DOCUMENT_FIELDS, VALIDATE_CREATE, inner);
      nest_errors(errors, inner, prefix);
    }
    json_decref(inner);
  }
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, finding_create_work, &a);
  audit_args_free(&a);
}

static void finding_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  char fetch[12];
  json_t *doc = audit_fetch(tx, a, res, 0); /* the audit must be readable */
  if (doc == NULL) return;
  json_decref(doc);
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_finding_json(f)::text, f.id::text FROM audit_findings f "
                        "WHERE f.org_id = $1 AND f.audit_id = $2 AND ($3::bigint IS NULL OR f.id > $3::bigint) "
                        "ORDER BY f.id LIMIT $4",
                        4, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 1, "id");
    PQclear(r);
  }
}

void finding_list(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_AUDIT) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "id", 1, &a.after) == 0) {
    http_run(c, 1, finding_list_work, &a);
  }
  audit_args_free(&a);
}

static void finding_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct audit_args *a = arg;
  json_t *doc = audit_fetch(tx, a, res, 0);
  if (doc == NULL) return;
  json_decref(doc);
  const char *params[] = {a->c->org_param, a->id_text, a->sub_id};
  document_get(tx, res,
               "SELECT zsz_finding_json(f)::text FROM audit_findings f "
               "WHERE f.org_id = $1 AND f.audit_id = $2 AND f.id = $3",
               3, params, MSG_NOT_FOUND_FINDING);
}

void finding_get(struct req_ctx *c) {
  struct audit_args a = {0};
  if (id_path(c, &a, MSG_NOT_FOUND_AUDIT) != 0 ||
      http_path_id_text(c, "finding_id", a.sub_id, sizeof a.sub_id, MSG_NOT_FOUND_FINDING) != 0)
    return;
  http_run(c, 1, finding_get_work, &a);
}
