/* Nonconformities (karta niezgodności): numbered cards from audits, complaints, reviews or
 * monitoring; root cause, corrective actions, an effectiveness check by someone other than the
 * owner, and back to analysis when it did not work, every step kept in the card's history,
 * so a nonconformity cannot be lost between its finding and its closure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "nonconformities.h"
#include "server.h"
#include "strbuf.h"
#include "validate.h"
#include "workflow.h"

static const char *const STATES[] = {"open",         "analysis", "action_plan", "implementation",
                                     "verification", "closed",   "cancelled",   NULL};
static const char *const SOURCES[] = {"internal_audit",     "external_audit", "complaint", "management_review",
                                      "process_monitoring", "incident",       "other",     NULL};
static const char *const SEVERITIES[] = {"major", "minor", NULL};
static const char *const ACTION_TYPES[] = {"correction", "corrective", "preventive", "improvement", NULL};
static const char *const ACTION_STATES[] = {"open", "done", NULL};

/* Relations, added to the caller's roles for this card only: its owner, and who may judge
 * whether the actions worked (the plenipotentiary or an auditor, never the card's or the
 * process's owner). */
#define NC_OWNER (1u << 8)
#define EVALUATOR (1u << 9)
#define P ROLE_PLENIPOTENTIARY

static const struct workflow_step STEPS[] = {
    {"open", "analysis", NC_OWNER | P, NULL},
    {"analysis", "action_plan", NC_OWNER | P, NULL},
    {"action_plan", "implementation", NC_OWNER | P, NULL},
    {"implementation", "verification", NC_OWNER | P, NULL},
    {"verification", "closed", EVALUATOR, "effective"},
    {"verification", "analysis", EVALUATOR, "effective"},
    {"open", "cancelled", P, "reason"},
    {"analysis", "cancelled", P, "reason"},
    {"action_plan", "cancelled", P, "reason"},
    {"implementation", "cancelled", P, "reason"},
    {"verification", "cancelled", P, "reason"},
};
static const struct workflow WORKFLOW = {STATES, STEPS, 11};

static const struct field_spec NC_FIELDS[] = {
    {.name = "source", .type = VT_STRING, .flags = V_REQUIRED, .one_of = SOURCES},
    {.name = "source_ref", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 200},
    {.name = "severity", .type = VT_STRING, .flags = V_REQUIRED, .one_of = SEVERITIES},
    {.name = "process_id", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = (1LL << 53)},
    {.name = "owner", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "correction", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {0},
};

static const struct field_spec NC_PATCH_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "correction", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "root_cause", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "owner", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "severity", .type = VT_STRING, .one_of = SEVERITIES},
    {0},
};

static const struct field_spec ACTION_FIELDS[] = {
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = ACTION_TYPES},
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "responsible", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE, .flags = V_REQUIRED},
    {0},
};

static const struct field_spec ACTION_PATCH_FIELDS[] = {
    {.name = "type", .type = VT_STRING, .one_of = ACTION_TYPES},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "responsible", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE},
    {.name = "status", .type = VT_STRING, .one_of = ACTION_STATES},
    {.name = "note", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {0},
};

static const struct field_spec TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "effective", .type = VT_BOOLEAN},
    {.name = "comment", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 5000},
    {0},
};

struct nc_args {
  struct req_ctx *c;
  char id_text[24];
  char action_id[24];
  long long if_match;        /* the card's revision */
  long long action_if_match; /* an action's revision */
  char *body_text;           /* owned */
  const char *filter[7];     /* status, process_id, owner, source, severity, overdue, year */
  json_t *after;             /* owned */
  int limit;
  int csv;
  const char *year;
};

static void nc_args_free(struct nc_args *a) {
  free(a->body_text);
  json_decref(a->after);
}

static char *roles_text(const struct req_ctx *c, char buf[16]) {
  snprintf(buf, 16, "%u", c->who.roles);
  return buf;
}

/* ---- opening a card ------------------------------------------------------------------------- */

long long nonconformity_open(struct db_tx *tx, const char *org, const json_t *fields, const char *audit_id,
                             const char *finding_id, const char *actor, struct result *res) {
  char *text = json_dumps(fields, JSON_COMPACT);
  const char *params[] = {org, text, audit_id, finding_id};
  /* the counter row stays locked until commit: numbers are never reused and never repeat */
  PGresult *r = db_exec(
      tx,
      "WITH b AS (SELECT $2::jsonb AS b), "
      "o AS (SELECT coalesce(b->>'owner', (SELECT p.owner FROM processes p WHERE p.org_id = $1 "
      "  AND p.id = (b->>'process_id')::bigint)) AS owner FROM b), "
      "n AS (INSERT INTO nonconformity_counters (org_id, year, last) "
      "  SELECT $1, extract(year FROM zsz_today())::integer, 1 FROM o WHERE o.owner IS NOT NULL "
      "  ON CONFLICT (org_id, year) DO UPDATE SET last = nonconformity_counters.last + 1 RETURNING year, last) "
      "INSERT INTO nonconformities (org_id, number, source, source_ref, audit_id, finding_id, severity, process_id, "
      "owner, description, correction) "
      "SELECT $1, 'NC/' || n.year || '/' || lpad(n.last::text, 3, '0'), b->>'source', coalesce(b->>'source_ref', ''), "
      "$3::bigint, $4::bigint, b->>'severity', (b->>'process_id')::bigint, o.owner, b->>'description', "
      "coalesce(b->>'correction', '') FROM b, o, n RETURNING id",
      4, params);
  free(text);
  if (r == NULL) {
    return -1;
  }
  if (PQntuples(r) == 0) {
    /* no owner given and the process has none: somebody must answer for the card */
    json_t *errors = json_array();
    errors_add(errors, "owner", MSG_NC_NEEDS_OWNER);
    result_invalid(res, errors);
    PQclear(r);
    return -1;
  }
  long long id = atoll(PQgetvalue(r, 0, 0));
  char id_text[24];
  snprintf(id_text, sizeof id_text, "%lld", id);
  PQclear(r);
  const char *history[] = {org, id_text, actor};
  r = db_exec(tx,
              "INSERT INTO nonconformity_history (org_id, nonconformity_id, from_status, to_status, by) "
              "VALUES ($1, $2, NULL, 'open', $3)",
              3, history);
  if (r == NULL) return -1;
  PQclear(r);
  return id;
}

/* ---- the register ----------------------------------------------------------------------------- */

/* When body names a user in field, it must be one of the organisation's: else an entry in
 * errors. -1 when the database failed (res is set). */
static int user_check(struct db_tx *tx, const char *org, const json_t *body, const char *field, json_t *errors) {
  const char *sub = json_string_value(json_object_get(body, field));
  if (sub == NULL) return 0;
  const char *params[] = {org, sub};
  PGresult *r = db_exec(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params);
  if (r == NULL) return -1;
  if (PQntuples(r) == 0) errors_add(errors, field, MSG_NO_SUCH_USER);
  PQclear(r);
  return 0;
}

static void nc_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  const json_t *b = a->c->body;
  char process[24];
  snprintf(process, sizeof process, "%lld", (long long)json_integer_value(json_object_get(b, "process_id")));
  const char *params[] = {a->c->org_param, process};
  PGresult *r = db_exec(tx, "SELECT coalesce(owner, '') FROM processes WHERE org_id = $1 AND id = $2", 2, params);
  if (r == NULL) return;
  json_t *errors = json_array();
  if (PQntuples(r) == 0) {
    errors_add(errors, "process_id", MSG_NO_SUCH_PROCESS);
  } else if (!(a->c->who.roles & P) && strcmp(PQgetvalue(r, 0, 0), a->c->who.sub) != 0) {
    /* a process owner raises cards on its own processes */
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_PROCESS_OWNER);
    PQclear(r);
    json_decref(errors);
    return;
  }
  PQclear(r);
  if (user_check(tx, a->c->org_param, b, "owner", errors) < 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  long long id = nonconformity_open(tx, a->c->org_param, b, NULL, NULL, a->c->who.sub, res);
  if (id > 0) {
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", id);
    const char *get[] = {a->c->org_param, id_text};
    record_get(tx, res,
               "SELECT zsz_nonconformity_json(n)::text, n.revision FROM nonconformities n "
               "WHERE n.org_id = $1 AND n.id = $2",
               2, get, MSG_NOT_FOUND_NONCONFORMITY);
    res->status = res->status == 200 ? 201 : res->status;
    snprintf(res->location, sizeof res->location, "/api/v1/nonconformities/%s", id_text);
  }
out:
  json_decref(errors);
}

void nonconformity_create(struct req_ctx *c) {
  struct nc_args a = {.c = c};
  if (http_validate(c, NC_FIELDS, VALIDATE_CREATE) == 0) http_run(c, 0, nc_create_work, &a);
}

static int nc_path(struct req_ctx *c, struct nc_args *a) {
  a->c = c;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_NONCONFORMITY) != 0) return -1;
  return 0;
}

static void nc_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  char roles[16];
  const char *params[] = {a->c->org_param, a->id_text, a->c->who.sub, roles_text(a->c, roles)};
  /* a card the caller may not read is as absent as another organisation's */
  record_get(tx, res,
             "SELECT zsz_nonconformity_json(n)::text, n.revision FROM nonconformities n "
             "WHERE n.org_id = $1 AND n.id = $2 AND zsz_nc_readable(n, $3, $4::integer)",
             4, params, MSG_NOT_FOUND_NONCONFORMITY);
}

void nonconformity_get(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) == 0) http_run(c, 1, nc_get_work, &a);
}

#define NC_CSV_ROW                                                                                                     \
  "concat_ws(';', zsz_csv(n.number), zsz_csv(n.source), zsz_csv(n.source_ref), zsz_csv(n.severity), "                  \
  "zsz_csv((SELECT p.code FROM processes p WHERE p.org_id = n.org_id AND p.id = n.process_id)), zsz_csv(n.owner), "    \
  "zsz_csv(n.status), n.round, zsz_csv(zsz_ts(n.created_at) #>> '{}'), zsz_csv(zsz_ts(n.closed_at) #>> '{}'), "        \
  "zsz_nc_days_open(n), CASE WHEN zsz_nc_overdue(n) THEN 'true' ELSE 'false' END)"

#define NC_LIST_WHERE                                                                                                  \
  "WHERE n.org_id = $1 AND zsz_nc_readable(n, $2, $3::integer) "                                                       \
  "AND ($4::text IS NULL OR n.status = $4) AND ($5::bigint IS NULL OR n.process_id = $5::bigint) "                     \
  "AND ($6::text IS NULL OR n.owner = $6) AND ($7::text IS NULL OR n.source = $7) "                                    \
  "AND ($8::text IS NULL OR n.severity = $8) "                                                                         \
  "AND ($9::text IS NULL OR zsz_nc_overdue(n) = ($9 = 'true')) "                                                       \
  "AND ($10::integer IS NULL OR extract(year FROM n.created_at) = $10::integer) "                                      \
  "AND ($11::text IS NULL OR n.number > $11) ORDER BY n.number LIMIT $12"

static void nc_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  char fetch[12], roles[16];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param,
                          a->c->who.sub,
                          roles_text(a->c, roles),
                          a->filter[0],
                          a->filter[1],
                          a->filter[2],
                          a->filter[3],
                          a->filter[4],
                          a->filter[5],
                          a->filter[6],
                          a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->csv ? "1000000" : fetch};
  /* the register as CSV needs only its columns: building every card's document (history,
   * actions) for it would cost most of the time of a large export */
  PGresult *r =
      db_exec(tx,
              a->csv ? "SELECT NULL, n.number, " NC_CSV_ROW " FROM nonconformities n " NC_LIST_WHERE
                     : "SELECT zsz_nonconformity_json(n)::text, n.number, NULL FROM nonconformities n " NC_LIST_WHERE,
              12, params);
  if (r == NULL) return;
  if (a->csv) {
    struct strbuf b = {0};
    strbuf_puts(&b, "\xEF\xBB\xBF" /* spreadsheets then read UTF-8 */
                    "number;source;source_ref;severity;process_code;owner;status;round;created_at;closed_at;"
                    "days_open;overdue\r\n");
    for (int i = 0; i < PQntuples(r); i++) {
      strbuf_append(&b, PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2));
      strbuf_puts(&b, "\r\n");
    }
    res->raw_body = strbuf_steal(&b);
    res->content_type = "text/csv; charset=utf-8";
    res->status = res->raw_body ? 200 : 500;
  } else {
    page_result(a->c, res, r, a->limit, 1, "number");
  }
  PQclear(r);
}

void nonconformity_list(struct req_ctx *c) {
  static const char *const TRUE_FALSE[] = {"true", "false", NULL};
  struct nc_args a = {.c = c};
  const char *accept = u_map_get_case(c->req->map_header, "Accept");
  if (http_query_enum(c, "status", STATES, &a.filter[0]) == 0 &&
      http_query_int(c, "process_id", 1, (1LL << 53), &a.filter[1]) == 0 &&
      http_query_text(c, "owner", 200, &a.filter[2]) == 0 && http_query_enum(c, "source", SOURCES, &a.filter[3]) == 0 &&
      http_query_enum(c, "severity", SEVERITIES, &a.filter[4]) == 0 &&
      http_query_enum(c, "overdue", TRUE_FALSE, &a.filter[5]) == 0 &&
      http_query_int(c, "year", 2000, 2100, &a.filter[6]) == 0 && http_query_limit(c, &a.limit) == 0 &&
      http_query_cursor(c, "number", 1, &a.after) == 0) {
    a.csv = accept != NULL && strstr(accept, "text/csv") != NULL;
    http_run(c, 1, nc_list_work, &a);
  }
  nc_args_free(&a);
}

/* Locks a readable card; its document (new reference) or NULL after 404/412. */
static json_t *nc_lock(struct db_tx *tx, struct nc_args *a, struct result *res) {
  char roles[16];
  const char *params[] = {a->c->org_param, a->id_text, a->c->who.sub, roles_text(a->c, roles)};
  PGresult *r =
      db_exec(tx,
              "SELECT zsz_nonconformity_json(n)::text, n.revision, "
              "(SELECT coalesce(p.owner, '') FROM processes p WHERE p.org_id = n.org_id AND p.id = n.process_id) "
              "FROM nonconformities n WHERE n.org_id = $1 AND n.id = $2 "
              "AND zsz_nc_readable(n, $3, $4::integer) FOR UPDATE",
              4, params);
  json_t *doc = NULL;
  if (r == NULL) return NULL;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_NONCONFORMITY);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
  } else {
    doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    json_object_set_new(doc, "_process_owner", json_string(PQgetvalue(r, 0, 2)));
  }
  PQclear(r);
  return doc;
}

static int is_final(const json_t *doc) {
  const char *s = json_string_value(json_object_get(doc, "status"));
  return strcmp(s, "closed") == 0 || strcmp(s, "cancelled") == 0;
}

static int owns(const struct req_ctx *c, const json_t *doc) {
  return strcmp(json_string_value(json_object_get(doc, "owner")), c->who.sub) == 0;
}

static void nc_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  json_t *doc = nc_lock(tx, a, res), *errors = json_array();
  if (doc == NULL) goto out;
  if (!(a->c->who.roles & P) && !owns(a->c, doc)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_NC_OWNER);
    goto out;
  }
  if (is_final(doc)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, json_string_value(json_object_get(doc, "status")));
    goto out;
  }
  if (!(a->c->who.roles & P) && json_object_get(a->c->body, "severity")) {
    errors_add(errors, "severity", MSG_SEVERITY_BY_P);
  }
  /* the owner cannot hand its card to someone else: who answers for it is the plenipotentiary's call */
  if (!(a->c->who.roles & P) && json_object_get(a->c->body, "owner")) {
    errors_add(errors, "owner", MSG_OWNER_BY_P);
  }
  if (user_check(tx, a->c->org_param, a->c->body, "owner", errors) < 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  record_exec(tx, res,
              "UPDATE nonconformities n SET "
              "description = CASE WHEN b ? 'description' THEN b->>'description' ELSE description END, "
              "correction = CASE WHEN b ? 'correction' THEN b->>'correction' ELSE correction END, "
              "root_cause = CASE WHEN b ? 'root_cause' THEN b->>'root_cause' ELSE root_cause END, "
              "owner = CASE WHEN b ? 'owner' THEN b->>'owner' ELSE owner END, "
              "severity = CASE WHEN b ? 'severity' THEN b->>'severity' ELSE severity END, "
              "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
              "WHERE n.org_id = $1 AND n.id = $2 RETURNING zsz_nonconformity_json(n)::text, n.revision",
              3, params, 200);
out:
  json_decref(doc);
  json_decref(errors);
}

void nonconformity_update(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0 ||
      http_validate(c, NC_PATCH_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, nc_update_work, &a);
  nc_args_free(&a);
}

static void nc_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  json_t *doc = nc_lock(tx, a, res), *errors = json_array();
  const json_t *b = a->c->body;
  if (doc == NULL) goto out;
  const char *to = json_string_value(json_object_get(b, "to"));
  const char *from = json_string_value(json_object_get(doc, "status"));
  const char *process_owner = json_string_value(json_object_get(doc, "_process_owner"));
  unsigned roles = a->c->who.roles;
  if (owns(a->c, doc)) roles |= NC_OWNER;
  /* an evaluation is never by the card's owner nor the process's, whatever their roles */
  if ((a->c->who.roles & (P | ROLE_AUDITOR)) && !owns(a->c, doc) && strcmp(process_owner, a->c->who.sub) != 0) {
    roles |= EVALUATOR;
  }
  int step = workflow_take(tx, res, &WORKFLOW, from, to, roles, b);
  if (step != 1) goto out;
  int evaluating = strcmp(from, "verification") == 0 && strcmp(to, "cancelled") != 0;
  if (evaluating) {
    int effective = json_is_true(json_object_get(b, "effective"));
    if (strcmp(to, "closed") == 0 && !effective) errors_add(errors, "effective", MSG_CLOSE_NEEDS_EFFECTIVE);
    if (strcmp(to, "analysis") == 0 && effective) errors_add(errors, "effective", MSG_BACK_NEEDS_INEFFECTIVE);
    if (strcmp(to, "analysis") == 0 && !json_object_get(b, "comment")) errors_add(errors, "comment", MSG_REQUIRED);
  }
  if (strcmp(to, "implementation") == 0) {
    const char *cause = json_string_value(json_object_get(doc, "root_cause"));
    int corrective = 0;
    size_t i;
    json_t *act;
    json_array_foreach(json_object_get(doc, "actions"), i, act) {
      corrective |= strcmp(json_string_value(json_object_get(act, "type")), "corrective") == 0;
    }
    if (cause == NULL || *cause == '\0') errors_add(errors, "root_cause", MSG_REQUIRED_TO, to);
    if (!corrective) errors_add(errors, "actions", MSG_NEEDS_CORRECTIVE);
  }
  if (strcmp(to, "verification") == 0) {
    size_t i;
    json_t *act;
    json_array_foreach(json_object_get(doc, "actions"), i, act) {
      if (strcmp(json_string_value(json_object_get(act, "status")), "done") != 0) {
        char field[32];
        snprintf(field, sizeof field, "actions[%zu]", i);
        errors_add(errors, field, MSG_ACTION_NOT_DONE);
      }
    }
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *effective = evaluating ? (json_is_true(json_object_get(b, "effective")) ? "true" : "false") : NULL;
  const char *comment = json_string_value(json_object_get(b, "comment"));
  const char *reason = json_string_value(json_object_get(b, "reason"));
  const char *params[] = {a->c->org_param, a->id_text, to, reason, effective, comment, a->c->who.sub, from};
  PGresult *r = db_exec(
      tx,
      "WITH n AS (UPDATE nonconformities n SET status = $3::text, status_reason = coalesce($4::text, status_reason), "
      "effectiveness = CASE WHEN $5::boolean IS NULL THEN effectiveness ELSE jsonb_build_object('effective', "
      "$5::boolean, "
      "  'evaluated_by', $7::text, 'evaluated_at', to_jsonb(date_trunc('second', now())), 'comment', "
      "  coalesce($6::text, '')) END, "
      "round = round + CASE WHEN $5::boolean = false THEN 1 ELSE 0 END, "
      "closed_at = CASE WHEN $3::text = 'closed' THEN now() ELSE closed_at END, "
      "revision = revision + 1, updated_at = now() WHERE n.org_id = $1 AND n.id = $2 RETURNING n.*) "
      "INSERT INTO nonconformity_history (org_id, nonconformity_id, from_status, to_status, by, note) "
      "SELECT org_id, id, $8::text, $3::text, $7::text, "
      "coalesce($4::text, $6::text, CASE WHEN $5::boolean = false THEN 'not effective' END, '') FROM n",
      8, params);
  if (r == NULL) goto out;
  PQclear(r);
  const char *get[] = {a->c->org_param, a->id_text};
  record_get(
      tx, res,
      "SELECT zsz_nonconformity_json(n)::text, n.revision FROM nonconformities n WHERE n.org_id = $1 AND n.id = $2", 2,
      get, MSG_NOT_FOUND_NONCONFORMITY);
out:
  json_decref(doc);
  json_decref(errors);
}

void nonconformity_transition(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0 ||
      http_validate(c, TRANSITION_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  http_run(c, 0, nc_transition_work, &a);
}

/* ---- corrective actions ------------------------------------------------------------------------ */

static void action_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  char roles[16];
  const char *params[] = {a->c->org_param, a->id_text, a->c->who.sub, roles_text(a->c, roles)};
  document_get(tx, res,
               "SELECT json_build_object('items', coalesce((SELECT json_agg(zsz_action_json(x) ORDER BY x.id) "
               "FROM nonconformity_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id), '[]'), "
               "'next_cursor', NULL)::text FROM nonconformities n WHERE n.org_id = $1 AND n.id = $2 "
               "AND zsz_nc_readable(n, $3, $4::integer)",
               4, params, MSG_NOT_FOUND_NONCONFORMITY);
}

void action_list(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) == 0) http_run(c, 1, action_list_work, &a);
}

static void action_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  char roles[16];
  const char *params[] = {a->c->org_param, a->id_text, a->c->who.sub, roles_text(a->c, roles), a->action_id};
  /* the card's read rule decides; an action of a card one may not read does not exist for it */
  PGresult *r = db_exec(tx,
                        "SELECT zsz_action_json(x)::text, x.revision FROM nonconformities n "
                        "JOIN nonconformity_actions x ON x.org_id = n.org_id AND x.nonconformity_id = n.id "
                        "WHERE n.org_id = $1 AND n.id = $2 AND x.id = $5 AND zsz_nc_readable(n, $3, $4::integer)",
                        5, params);
  if (r == NULL) return;
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ACTION);
  } else {
    record_result(res, r, 200);
  }
  PQclear(r);
}

void action_get(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) != 0 ||
      http_path_id_text(c, "action_id", a.action_id, sizeof a.action_id, MSG_NOT_FOUND_ACTION) != 0)
    return;
  http_run(c, 1, action_get_work, &a);
}

static void action_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  json_t *doc = nc_lock(tx, a, res), *errors = json_array();
  if (doc == NULL) goto out;
  if (!(a->c->who.roles & P) && !owns(a->c, doc)) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_NC_OWNER);
    goto out;
  }
  if (is_final(doc)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, json_string_value(json_object_get(doc, "status")));
    goto out;
  }
  if (user_check(tx, a->c->org_param, a->c->body, "responsible", errors) < 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->body_text};
  PGresult *r = db_exec(tx,
                        "INSERT INTO nonconformity_actions AS x (org_id, nonconformity_id, type, description, "
                        "responsible, due_date) SELECT $1, $2, b->>'type', b->>'description', b->>'responsible', "
                        "(b->>'due_date')::date FROM (SELECT $3::jsonb AS b) AS input "
                        "RETURNING zsz_action_json(x)::text, x.revision, x.id",
                        3, params);
  if (r == NULL) goto out;
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/nonconformities/%s/actions/%s", a->id_text,
           PQgetvalue(r, 0, 2));
  PQclear(r);
out:
  json_decref(doc);
  json_decref(errors);
}

void action_create(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) != 0 || http_validate(c, ACTION_FIELDS, VALIDATE_CREATE) != 0) return;
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, action_create_work, &a);
  nc_args_free(&a);
}

static void action_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  json_t *doc = nc_lock(tx, a, res), *errors = json_array();
  PGresult *cur = NULL;
  if (doc == NULL) goto out;
  if (is_final(doc)) {
    result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, json_string_value(json_object_get(doc, "status")));
    goto out;
  }
  const char *params[] = {a->c->org_param, a->id_text, a->action_id};
  cur = db_exec(tx,
                "SELECT responsible, status, revision FROM nonconformity_actions WHERE org_id = $1 "
                "AND nonconformity_id = $2 AND id = $3 FOR UPDATE",
                3, params);
  if (cur == NULL) goto out;
  if (PQntuples(cur) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ACTION);
    goto out;
  }
  if (a->action_if_match > 0 && a->action_if_match != atoll(PQgetvalue(cur, 0, 2))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    goto out;
  }
  int manager = (a->c->who.roles & P) || owns(a->c, doc);
  int responsible = strcmp(PQgetvalue(cur, 0, 0), a->c->who.sub) == 0;
  /* the responsible person reports its action done; the rest belongs to the card's owner */
  const char *key;
  json_t *v;
  json_object_foreach(a->c->body, key, v) {
    int done_report = strcmp(key, "status") == 0 || strcmp(key, "note") == 0;
    if (!manager && !(responsible && done_report)) {
      result_problem(res, PROBLEM_FORBIDDEN, MSG_NOT_NC_OWNER);
      goto out;
    }
  }
  const char *status = json_string_value(json_object_get(a->c->body, "status"));
  if (status && strcmp(status, "open") == 0 && strcmp(PQgetvalue(cur, 0, 1), "done") == 0) {
    result_problem(res, PROBLEM_CONFLICT, MSG_ACTION_DONE);
    goto out;
  }
  if (user_check(tx, a->c->org_param, a->c->body, "responsible", errors) < 0) goto out;
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *write[] = {a->c->org_param, a->action_id, a->body_text};
  record_exec(tx, res,
              "UPDATE nonconformity_actions x SET "
              "type = CASE WHEN b ? 'type' THEN b->>'type' ELSE type END, "
              "description = CASE WHEN b ? 'description' THEN b->>'description' ELSE description END, "
              "responsible = CASE WHEN b ? 'responsible' THEN b->>'responsible' ELSE responsible END, "
              "due_date = CASE WHEN b ? 'due_date' THEN (b->>'due_date')::date ELSE due_date END, "
              "done_at = CASE WHEN b->>'status' = 'done' AND status = 'open' THEN now() ELSE done_at END, "
              "status = CASE WHEN b ? 'status' THEN b->>'status' ELSE status END, "
              "note = CASE WHEN b ? 'note' THEN b->>'note' ELSE note END, "
              "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
              "WHERE x.org_id = $1 AND x.id = $2 RETURNING zsz_action_json(x)::text, x.revision",
              3, write, 200);
out:
  PQclear(cur);
  json_decref(doc);
  json_decref(errors);
}

void action_update(struct req_ctx *c) {
  struct nc_args a = {0};
  if (nc_path(c, &a) != 0 ||
      http_path_id_text(c, "action_id", a.action_id, sizeof a.action_id, MSG_NOT_FOUND_ACTION) != 0 ||
      http_if_match(c, 1, &a.action_if_match) < 0 || http_validate(c, ACTION_PATCH_FIELDS, VALIDATE_PATCH) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, action_update_work, &a);
  nc_args_free(&a);
}

/* ---- statistics ---------------------------------------------------------------------------------- */

static void stats_work(struct db_tx *tx, void *arg, struct result *res) {
  struct nc_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  PGresult *r = db_exec(
      tx,
      "WITH n AS (SELECT * FROM nonconformities WHERE org_id = $1 AND extract(year FROM created_at) = $2::integer) "
      "SELECT json_build_object('year', $2::integer, 'total', (SELECT count(*) FROM n), "
      "'by_process', coalesce((SELECT json_agg(json_build_object('process_id', p.id, 'code', p.code, 'count', c) "
      "  ORDER BY p.code) FROM (SELECT process_id, count(*) AS c FROM n GROUP BY process_id) x "
      "  JOIN processes p ON p.org_id = $1 AND p.id = x.process_id), '[]'), "
      "'by_severity', json_build_object('major', (SELECT count(*) FROM n WHERE severity = 'major'), "
      "  'minor', (SELECT count(*) FROM n WHERE severity = 'minor')), "
      "'by_status', (SELECT json_object_agg(s, (SELECT count(*) FROM n WHERE n.status = s)) FROM unnest(ARRAY["
      "  'open', 'analysis', 'action_plan', 'implementation', 'verification', 'closed', 'cancelled']) AS s), "
      "'mean_days_to_close', (SELECT round(avg((closed_at AT TIME ZONE 'UTC')::date - (created_at AT TIME ZONE "
      "'UTC')::date), 1) FROM n "
      "  WHERE status = 'closed'))::text",
      2, params);
  if (r != NULL) {
    result_raw(res, 200, PQgetvalue(r, 0, 0));
    PQclear(r);
  }
}

void nonconformity_stats(struct req_ctx *c) {
  struct nc_args a = {.c = c};
  if (http_query_int(c, "year", 2000, 2100, &a.year) != 0) return;
  if (a.year == NULL) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, "year", MSG_REQUIRED);
    return;
  }
  http_run(c, 1, stats_work, &a);
}
