/* The audit register's SQL: one function per statement (queries.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "queries.h"
#include "render.h"

static PGresult *one_row(struct db_tx *tx, const char *sql, int nparams, const char *const *params,
                         enum db_status *st) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    *st = DB_ERROR;
    return NULL;
  }
  if (PQntuples(r) == 0) {
    PQclear(r);
    *st = DB_NONE;
    return NULL;
  }
  *st = DB_ONE;
  return r;
}

static enum db_status run(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  return db_command(tx, sql, nparams, params);
}

static enum db_status answered(const struct db_tx *tx, const struct result *res) {
  return tx->failed ? DB_ERROR : res->status < 300 ? DB_ONE : DB_NONE;
}

/* ---- auditor appointments -------------------------------------------------------------------- */

enum db_status audits_q_appointment_insert(struct db_tx *tx, const char *org, const char *body, struct result *res,
                                           char *id_out) {
  const char *params[] = {org, body};
  return record_create(tx, res,
                       "INSERT INTO auditor_appointments AS a (org_id, year, auditor, order_ref, qualifications, "
                       "valid_from, valid_to) SELECT $1, (b->>'year')::integer, b->>'auditor', b->>'order_ref', "
                       "ARRAY(SELECT jsonb_array_elements_text(b->'qualifications')), (b->>'valid_from')::date, "
                       "(b->>'valid_to')::date FROM (SELECT $2::jsonb AS b) AS input "
                       "RETURNING zsz_appointment_json(a)::text, a.revision, a.id",
                       2, params, id_out);
}

enum db_status audits_q_appointment_get(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                        const char *roles, struct result *res) {
  const char *params[] = {org, id, sub, roles};
  record_get(tx, res,
             "SELECT zsz_appointment_json(a)::text, a.revision FROM auditor_appointments a "
             "WHERE a.org_id = $1 AND a.id = $2 AND zsz_appointment_readable(a, $3, $4::text[])",
             4, params, MSG_NOT_FOUND_APPOINTMENT);
  return answered(tx, res);
}

PGresult *audits_q_appointment_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                                    const char *const filter[3], const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, sub, roles, filter[0], filter[1], filter[2], after, n};
  return db_exec(tx,
                 "SELECT zsz_appointment_json(a)::text, a.id::text FROM auditor_appointments a "
                 "WHERE a.org_id = $1 AND zsz_appointment_readable(a, $2, $3::text[]) "
                 "AND ($4::integer IS NULL OR a.year = $4::integer) AND ($5::text IS NULL OR a.auditor = $5) "
                 "AND ($6::text IS NULL OR a.status = $6) AND ($7::bigint IS NULL OR a.id > $7::bigint) "
                 "ORDER BY a.id LIMIT $8",
                 8, params);
}

enum db_status audits_q_appointment_lock(struct db_tx *tx, const char *org, const char *id,
                                         struct locked_appointment *out) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r = one_row(tx,
                        "SELECT status, revision, year, to_char(valid_from, 'YYYY-MM-DD'), "
                        "to_char(valid_to, 'YYYY-MM-DD') FROM auditor_appointments "
                        "WHERE org_id = $1 AND id = $2 FOR UPDATE",
                        2, params, &st);
  if (r != NULL) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
    out->year = atoll(PQgetvalue(r, 0, 2));
    snprintf(out->valid_from, sizeof out->valid_from, "%s", PQgetvalue(r, 0, 3));
    snprintf(out->valid_to, sizeof out->valid_to, "%s", PQgetvalue(r, 0, 4));
    PQclear(r);
  }
  return st;
}

enum db_status audits_q_appointment_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                           struct result *res) {
  const char *params[] = {org, id, body};
  /* merge-patch: a field left out keeps its value */
  record_exec(tx, res,
              "UPDATE auditor_appointments a SET "
              "year = CASE WHEN b ? 'year' THEN (b->>'year')::integer ELSE year END, "
              "auditor = CASE WHEN b ? 'auditor' THEN b->>'auditor' ELSE auditor END, "
              "order_ref = CASE WHEN b ? 'order_ref' THEN b->>'order_ref' ELSE order_ref END, "
              "qualifications = CASE WHEN b ? 'qualifications' THEN ARRAY(SELECT "
              "jsonb_array_elements_text(b->'qualifications')) ELSE qualifications END, "
              "valid_from = CASE WHEN b ? 'valid_from' THEN (b->>'valid_from')::date ELSE valid_from END, "
              "valid_to = CASE WHEN b ? 'valid_to' THEN (b->>'valid_to')::date ELSE valid_to END, "
              "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
              "WHERE a.org_id = $1 AND a.id = $2 RETURNING zsz_appointment_json(a)::text, a.revision",
              3, params, 200);
  return answered(tx, res);
}

enum db_status audits_q_appointment_revoke(struct db_tx *tx, const char *org, const char *id, const char *reason,
                                           struct result *res) {
  const char *params[] = {org, id, reason};
  record_exec(tx, res,
              "UPDATE auditor_appointments a SET status = 'revoked', revoked_reason = $3, "
              "revision = revision + 1, updated_at = now() WHERE a.org_id = $1 AND a.id = $2 "
              "RETURNING zsz_appointment_json(a)::text, a.revision",
              3, params, 200);
  return answered(tx, res);
}

/* ---- audit programmes ------------------------------------------------------------------------- */

enum db_status audits_q_programme_touch(struct db_tx *tx, const char *org, const char *year) {
  const char *params[] = {org, year};
  return run(tx,
             "INSERT INTO audit_programmes AS p (org_id, year) VALUES ($1, $2::integer) "
             "ON CONFLICT (org_id, year) DO UPDATE SET "
             "version = p.version + CASE WHEN p.status = 'approved' THEN 1 ELSE 0 END, "
             "status = CASE WHEN p.status = 'approved' THEN 'draft' ELSE p.status END, "
             "revision = p.revision + 1, updated_at = now()",
             2, params);
}

#define PROGRAMME_GET_SQL                                                                                              \
  "SELECT zsz_programme_json(p)::text, p.revision FROM audit_programmes p WHERE p.org_id = $1 AND p.year = "           \
  "$2::integer"

enum db_status audits_q_programme_get(struct db_tx *tx, const char *org, const char *year, struct result *res) {
  const char *params[] = {org, year};
  record_get(tx, res, PROGRAMME_GET_SQL, 2, params, MSG_NOT_FOUND_PROGRAMME);
  return answered(tx, res);
}

/* The CSV exports fetch at most fetch rows (CSV_MAX_ROWS + 1), count them, and build the
 * text only when there are fewer: an export refused as too large costs the count alone. */
PGresult *audits_q_programme_csv(struct db_tx *tx, const char *org, const char *year, const char *fetch) {
  const char *params[] = {org, year, fetch};
  return db_exec(
      tx,
      "WITH s AS MATERIALIZED (SELECT a.* FROM audits a WHERE a.org_id = $1 AND a.year = $2::integer "
      "  ORDER BY a.planned_start, a.code LIMIT $3::integer), n AS (SELECT count(*) AS n FROM s) "
      "SELECT EXISTS (SELECT 1 FROM audit_programmes WHERE org_id = $1 AND year = $2::integer), n.n, "
      "CASE WHEN n.n < $3::integer THEN (SELECT coalesce(string_agg(concat_ws(';', zsz_csv(a.code), zsz_csv(a.kind), "
      "  zsz_csv(a.planned_start::text), zsz_csv(a.planned_end::text), zsz_csv(a.lead_auditor), "
      "  zsz_csv(array_to_string(a.team, ', ')), "
      "  zsz_csv(concat_ws(', ', (SELECT string_agg(p.code, ', ' ORDER BY p.code) FROM processes p "
      "    WHERE p.org_id = a.org_id AND p.id = ANY (a.scope_process_ids)), "
      "    (SELECT string_agg(u.code, ', ' ORDER BY u.code) FROM org_units u "
      "    WHERE u.org_id = a.org_id AND u.id = ANY (a.scope_org_unit_ids)))), zsz_csv(a.status)) || E'\\r\\n', "
      "  '' ORDER BY a.planned_start, a.code), '') FROM s AS a) END "
      "FROM n",
      3, params);
}

enum db_status audits_q_programme_lock(struct db_tx *tx, const char *org, const char *year,
                                       struct locked_programme *out) {
  const char *params[] = {org, year};
  enum db_status st;
  PGresult *r = one_row(tx,
                        "SELECT status, revision FROM audit_programmes WHERE org_id = $1 AND year = $2::integer "
                        "FOR UPDATE",
                        2, params, &st);
  if (r != NULL) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
    PQclear(r);
  }
  return st;
}

enum db_status audits_q_programme_put(struct db_tx *tx, const char *org, const char *year, const char *body, int status,
                                      struct result *res) {
  const char *params[] = {org, year, body};
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
              3, params, status);
  return answered(tx, res);
}

enum db_status audits_q_programme_step(struct db_tx *tx, const char *org, const char *year, const char *to,
                                       const char *reason, const char *actor) {
  const char *params[] = {org, year, to, reason, actor};
  return run(
      tx,
      "WITH p AS (UPDATE audit_programmes p SET status = $3, "
      "return_reason = CASE WHEN $3 = 'returned' THEN $4 ELSE return_reason END, "
      "revision = revision + 1, updated_at = now() WHERE p.org_id = $1 AND p.year = $2::integer RETURNING p.*), "
      "v AS (INSERT INTO audit_programme_versions (org_id, year, version, snapshot, approved_by) "
      "SELECT org_id, year, version, jsonb_build_object('year', year, 'version', version, 'objectives', objectives, "
      "'risks_considered', risks_considered, 'audits', zsz_programme_audits(org_id, year)), $5 FROM p "
      "WHERE $3 = 'approved' ON CONFLICT DO NOTHING) "
      "SELECT p.revision FROM p",
      5, params);
}

enum db_status audits_q_programme_version(struct db_tx *tx, const char *org, const char *year, const char *version,
                                          struct result *res) {
  const char *params[] = {org, year, version};
  document_get(tx, res,
               "SELECT (v.snapshot || jsonb_build_object('approved_by', v.approved_by, "
               "'approved_at', zsz_ts(v.approved_at)))::text FROM audit_programme_versions v "
               "WHERE v.org_id = $1 AND v.year = $2::integer AND v.version = $3::integer",
               3, params, MSG_NOT_FOUND_VERSION);
  return answered(tx, res);
}

/* ---- audits ------------------------------------------------------------------------------------- */

enum db_status audits_q_may_plan(struct db_tx *tx, const char *kind, const char *roles, int *ok) {
  const char *params[] = {kind, roles};
  enum db_status st;
  PGresult *r = one_row(tx, "SELECT zsz_audit_may_plan($1, $2::text[])", 2, params, &st);
  if (r != NULL) {
    *ok = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
  }
  return st;
}

PGresult *audits_q_team_check(struct db_tx *tx, const char *org, const char *audit) {
  const char *params[] = {org, audit};
  return db_exec(
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
      "u.id = x)), "
      "(SELECT count(*) FROM jsonb_array_elements_text(coalesce(d.b->'risk_ids', '[]')) x WHERE NOT EXISTS "
      "(SELECT 1 FROM risks r WHERE r.org_id = $1 AND r.id = x::bigint)) "
      "FROM q, d, jsonb_array_elements_text(d.b->'team') WITH ORDINALITY AS t(m, i)",
      2, params);
}

#define AUDIT_COLUMNS                                                                                                  \
  "code, year, kind, scope_process_ids, scope_org_unit_ids, criteria, planned_start, planned_end, lead_auditor, "      \
  "team, auditees, risk_ids"
#define AUDIT_VALUES                                                                                                   \
  "b->>'code', (b->>'year')::integer, b->>'kind', "                                                                    \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'scope_process_ids', '[]')))::bigint[], "                        \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'scope_org_unit_ids', '[]')))::bigint[], "                       \
  "ARRAY(SELECT jsonb_array_elements_text(b->'criteria')), (b->>'planned_start')::date, (b->>'planned_end')::date, "   \
  "b->>'lead_auditor', ARRAY(SELECT jsonb_array_elements_text(b->'team')), "                                           \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'auditees', '[]'))), "                                           \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'risk_ids', '[]')))::bigint[]"

enum db_status audits_q_insert(struct db_tx *tx, const char *org, const char *audit, struct result *res, char *id_out) {
  const char *params[] = {org, audit};
  return record_create(tx, res,
                       "INSERT INTO audits AS a (org_id, " AUDIT_COLUMNS ") SELECT $1, " AUDIT_VALUES
                       " FROM (SELECT $2::jsonb AS b) AS input RETURNING zsz_audit_json(a)::text, a.revision, a.id",
                       2, params, id_out);
}

/* The document's members in zsz_audit_json's order (AUDIT_DOC_COLUMNS). */
static const struct render_col AUDIT_COLS[] = {
    {"id", RENDER_NUMBER},
    {"code", RENDER_TEXT},
    {"year", RENDER_NUMBER},
    {"kind", RENDER_TEXT},
    {"scope_process_ids", RENDER_JSON},
    {"scope_org_unit_ids", RENDER_JSON},
    {"criteria", RENDER_JSON},
    {"risk_ids", RENDER_JSON},
    {"planned_start", RENDER_TEXT},
    {"planned_end", RENDER_TEXT},
    {"lead_auditor", RENDER_TEXT},
    {"team", RENDER_JSON},
    {"auditees", RENDER_JSON},
    {"status", RENDER_TEXT},
    {"status_reason", RENDER_TEXT},
    {"report", RENDER_JSON},
    {"reported_at", RENDER_TIMESTAMP},
    {"created_at", RENDER_TIMESTAMP},
    {"updated_at", RENDER_TIMESTAMP},
};
_Static_assert(sizeof AUDIT_COLS / sizeof AUDIT_COLS[0] == AUDIT_NCOLS, "AUDIT_DOC_COLUMNS and AUDIT_COLS agree");
const struct record_shape AUDIT_SHAPE = {
    .cols = AUDIT_COLS, .ncols = AUDIT_NCOLS, .id_col = 0, .revision_col = AUDIT_NCOLS};

enum db_status audits_q_get(const struct req_ctx *c, struct db_tx *tx, const char *org, const char *id, const char *sub,
                            const char *roles, struct result *res) {
  const char *params[] = {org, id, sub, roles};
  /* an audit the caller may not read is as absent as another organisation's */
  return record_get_rendered(c, tx, res, AUDITS_GET_SQL, 4, params, &AUDIT_SHAPE, MSG_NOT_FOUND_AUDIT);
}

enum db_status audits_q_readable(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                 const char *roles) {
  const char *params[] = {org, id, sub, roles};
  enum db_status st;
  PGresult *r = one_row(tx,
                        "SELECT 1 FROM audits a WHERE a.org_id = $1 AND a.id = $2 "
                        "AND (zsz_audit_reads_all($4::text[]) OR zsz_audit_readable(a, $3, $4::text[]))",
                        4, params, &st);
  PQclear(r);
  return st;
}

#define AUDIT_FILTER                                                                                                   \
  "a.org_id = $1 AND (zsz_audit_reads_all($3::text[]) OR zsz_audit_readable(a, $2, $3::text[])) "                      \
  "AND ($4::integer IS NULL OR a.year = $4::integer) AND ($5::text IS NULL OR a.kind = $5) "                           \
  "AND ($6::text IS NULL OR a.status = $6) AND ($7::bigint IS NULL OR $7::bigint = ANY (a.scope_process_ids)) "

PGresult *audits_q_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                        const char *const filter[4], const char *const after[3], int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  if (filter[0] == NULL && filter[1] == NULL && filter[2] == NULL && filter[3] == NULL && fetch <= AUDITS_PAGE_CAP) {
    /* the page frontends poll: along audits_page, planned once per connection */
    if (after[0] == NULL) {
      const char *params[] = {org, sub, roles, n};
      return db_exec_generic(tx, AUDITS_FIRST_SQL, 4, params);
    }
    const char *params[] = {org, sub, roles, after[0], after[1], after[2], n};
    return db_exec_generic(tx, AUDITS_NEXT_SQL, 7, params);
  }
  const char *params[] = {org, sub, roles, filter[0], filter[1], filter[2], filter[3], after[0], after[1], after[2], n};
  return db_exec(tx, AUDITS_LIST_SQL, 11, params);
}

PGresult *audits_q_list_csv(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                            const char *const filter[4], const char *fetch) {
  const char *params[] = {org, sub, roles, filter[0], filter[1], filter[2], filter[3], fetch};
  return db_exec(tx,
                 "WITH s AS MATERIALIZED (SELECT a.* FROM audits a WHERE " AUDIT_FILTER
                 "  ORDER BY a.planned_start, a.code, a.id LIMIT $8::integer), n AS (SELECT count(*) AS n FROM s) "
                 "SELECT n.n, CASE WHEN n.n < $8::integer THEN (SELECT coalesce(string_agg(concat_ws(';', "
                 "  zsz_csv(a.code), a.year, zsz_csv(a.kind), a.planned_start, a.planned_end, zsz_csv(a.lead_auditor), "
                 "  zsz_csv(array_to_string(a.team, ', ')), zsz_csv(a.status)) || E'\\r\\n', '' "
                 "  ORDER BY a.planned_start, a.code, a.id), '') FROM s AS a) END "
                 "FROM n",
                 8, params);
}

/* Columns 0..5 of every audit lock (lock_take reads them). */
#define AUDIT_LOCK_COLUMNS                                                                                             \
  "a.status, a.code, a.revision, a.year, to_char(a.planned_start, 'YYYY-MM-DD'), "                                     \
  "to_char(a.planned_end, 'YYYY-MM-DD')"
#define AUDIT_LOCK_WHERE                                                                                               \
  "WHERE a.org_id = $1 AND a.id = $2 AND (zsz_audit_reads_all($4::text[]) OR zsz_audit_readable(a, $3, $4::text[])) "  \
  "FOR UPDATE"

static void lock_take(PGresult *r, struct locked_audit *out) {
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  snprintf(out->code, sizeof out->code, "%s", PQgetvalue(r, 0, 1));
  out->revision = atoll(PQgetvalue(r, 0, 2));
  out->year = atoll(PQgetvalue(r, 0, 3));
  snprintf(out->planned_start, sizeof out->planned_start, "%s", PQgetvalue(r, 0, 4));
  snprintf(out->planned_end, sizeof out->planned_end, "%s", PQgetvalue(r, 0, 5));
  out->row = r;
}

enum db_status audits_q_lock_for_update(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                        const char *roles, const char *kind_after, struct locked_audit *out,
                                        const char **input) {
  const char *params[] = {org, id, sub, roles, kind_after};
  enum db_status st;
  PGresult *r =
      one_row(tx,
              "SELECT " AUDIT_LOCK_COLUMNS ", zsz_audit_may_plan(a.kind, $4::text[]), "
              "zsz_audit_may_plan(coalesce($5, a.kind), $4::text[]), "
              "jsonb_build_object('code', a.code, 'year', a.year, 'kind', a.kind, "
              "'scope_process_ids', a.scope_process_ids, 'scope_org_unit_ids', a.scope_org_unit_ids, "
              "'criteria', a.criteria, 'planned_start', a.planned_start, 'planned_end', a.planned_end, "
              "'lead_auditor', a.lead_auditor, 'team', a.team, 'auditees', a.auditees, 'risk_ids', a.risk_ids)::text "
              "FROM audits a " AUDIT_LOCK_WHERE,
              5, params, &st);
  if (r != NULL) {
    lock_take(r, out);
    out->may_plan = PQgetvalue(r, 0, 6)[0] == 't';
    out->may_plan_after = PQgetvalue(r, 0, 7)[0] == 't';
    *input = PQgetvalue(r, 0, 8);
  }
  return st;
}

/* The role mask of a comma-separated list of role names. */
static unsigned roles_of(const char *list) {
  unsigned mask = 0;
  char name[32];
  while (*list) {
    size_t n = strcspn(list, ",");
    if (n < sizeof name) {
      memcpy(name, list, n);
      name[n] = '\0';
      mask |= role_lookup(NULL, name);
    }
    list += n + (list[n] == ',');
  }
  return mask;
}

enum db_status audits_q_lock_for_step(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                      const char *roles, struct locked_audit *out) {
  const char *params[] = {org, id, sub, roles};
  enum db_status st;
  PGresult *r = one_row(tx,
                        "SELECT " AUDIT_LOCK_COLUMNS ", "
                        "array_to_string(zsz_audit_step_roles(a, $3, $4::text[]), ',') "
                        "FROM audits a " AUDIT_LOCK_WHERE,
                        4, params, &st);
  if (r != NULL) {
    lock_take(r, out);
    out->step_roles = roles_of(PQgetvalue(r, 0, 6));
  }
  return st;
}

enum db_status audits_q_lock_for_finding(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                         const char *roles, const char *process, struct locked_audit *out) {
  const char *params[] = {org, id, sub, roles, process};
  enum db_status st;
  PGresult *r = one_row(tx,
                        "SELECT " AUDIT_LOCK_COLUMNS ", $3 = ANY (a.team), "
                        "$5::bigint IS NOT NULL AND $5::bigint = ANY (a.scope_process_ids) "
                        "FROM audits a " AUDIT_LOCK_WHERE,
                        5, params, &st);
  if (r != NULL) {
    lock_take(r, out);
    out->member = PQgetvalue(r, 0, 6)[0] == 't';
    out->in_scope = PQgetvalue(r, 0, 7)[0] == 't';
  }
  return st;
}

enum db_status audits_q_update(struct db_tx *tx, const char *org, const char *id, const char *audit,
                               struct result *res) {
  const char *params[] = {org, id, audit};
  record_exec(tx, res,
              "UPDATE audits a SET (" AUDIT_COLUMNS ") = (SELECT " AUDIT_VALUES
              " FROM (SELECT $3::jsonb AS b) AS input), revision = revision + 1, updated_at = now() "
              "WHERE a.org_id = $1 AND a.id = $2 RETURNING zsz_audit_json(a)::text, a.revision",
              3, params, 200);
  return answered(tx, res);
}

enum db_status audits_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                   const char *reason, const char *report, struct result *res) {
  const char *params[] = {org, id, status, reason, report};
  /* the report is stored as the contract's AuditReport, its optional texts filled in */
  record_exec(tx, res,
              "UPDATE audits a SET status = $3, status_reason = coalesce($4, status_reason), "
              "report = CASE WHEN $3 = 'reported' THEN zsz_audit_report_json($5::jsonb)::jsonb ELSE report END, "
              "reported_at = CASE WHEN $3 = 'reported' THEN now() ELSE reported_at END, "
              "revision = revision + 1, updated_at = now() WHERE a.org_id = $1 AND a.id = $2 "
              "RETURNING zsz_audit_json(a)::text, a.revision",
              5, params, 200);
  return answered(tx, res);
}

/* ---- findings ---------------------------------------------------------------------------------- */

enum db_status audits_q_finding_insert(struct db_tx *tx, const char *org, const char *audit_id, const char *body,
                                       const char *actor, struct result *res, char *id_out) {
  const char *params[] = {org, audit_id, body, actor};
  /* the evidence is stored as the contract's FindingEvidence, its defaults filled in */
  PGresult *r = db_exec(tx,
                        "INSERT INTO audit_findings AS f (org_id, audit_id, kind, clause, process_id, description, "
                        "evidence, created_by) SELECT $1, $2, b->>'kind', b->>'clause', (b->>'process_id')::bigint, "
                        "b->>'description', zsz_finding_evidence_json(b->'evidence')::jsonb, $4 "
                        "FROM (SELECT $3::jsonb AS b) AS input RETURNING zsz_finding_json(f)::text, f.id",
                        4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  result_raw(res, 201, PQgetvalue(r, 0, 0));
  snprintf(id_out, 24, "%s", PQgetvalue(r, 0, 1));
  PQclear(r);
  return DB_ONE;
}

enum db_status audits_q_finding_link(struct db_tx *tx, const char *org, const char *id, const char *nc_id,
                                     struct result *res) {
  const char *params[] = {org, id, nc_id};
  enum db_status st;
  PGresult *r = one_row(tx,
                        "UPDATE audit_findings f SET nonconformity_id = $3 WHERE f.org_id = $1 AND f.id = $2 "
                        "RETURNING zsz_finding_json(f)::text",
                        3, params, &st);
  if (r != NULL) {
    result_raw(res, 201, PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  return st;
}

PGresult *audits_q_findings(struct db_tx *tx, const char *org, const char *audit_id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, audit_id, after, n};
  return db_exec(tx,
                 "SELECT zsz_finding_json(f)::text, f.id::text FROM audit_findings f "
                 "WHERE f.org_id = $1 AND f.audit_id = $2 AND ($3::bigint IS NULL OR f.id > $3::bigint) "
                 "ORDER BY f.id LIMIT $4",
                 4, params);
}

enum db_status audits_q_finding_get(struct db_tx *tx, const char *org, const char *audit_id, const char *id,
                                    const char *sub, const char *roles, struct result *res) {
  const char *params[] = {org, audit_id, id, sub, roles};
  enum db_status st;
  /* one statement: the audit must be readable (else 404 for it), then the finding */
  PGresult *r = one_row(tx,
                        "SELECT f.id IS NOT NULL, zsz_finding_json(f)::text FROM audits a "
                        "LEFT JOIN audit_findings f ON f.org_id = a.org_id AND f.audit_id = a.id AND f.id = $3 "
                        "WHERE a.org_id = $1 AND a.id = $2 AND (zsz_audit_reads_all($5::text[]) OR "
                        "zsz_audit_readable(a, $4, $5::text[]))",
                        5, params, &st);
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_AUDIT);
  } else if (r != NULL && PQgetvalue(r, 0, 0)[0] != 't') {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_FINDING);
    st = DB_NONE;
  } else if (r != NULL) {
    result_raw(res, 200, PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  return st;
}
