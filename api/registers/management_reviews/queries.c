#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "queries.h"

static int is_true(const PGresult *r, int row, int col) {
  return PQgetvalue(r, row, col)[0] == 't';
}

/* ---- kinds ------------------------------------------------------------------------------------- */

enum db_status mr_q_rules_get(struct db_tx *tx, const char *org, struct result *res) {
  const char *params[] = {org};
  return document_get(tx, res,
                      "SELECT json_build_object('org_unit', zsz_mr_rule($1::bigint, 'org_unit'), "
                      "'isms', zsz_mr_rule($1::bigint, 'isms'), "
                      "'steering_committee', zsz_mr_rule($1::bigint, 'steering_committee'))::text",
                      1, params, MSG_NO_SUCH_RECORD);
}

enum db_status mr_q_rules_put(struct db_tx *tx, const char *org, const char *body) {
  const char *params[] = {org, body};
  return db_command(tx,
                    "INSERT INTO management_review_rules AS m (org_id, kind, cadence, review_by, minutes_by, "
                    "minutes_days) SELECT $1, k.kind, b->>'cadence', b->>'review_by', b->>'minutes_by', "
                    "(b->>'minutes_days')::integer FROM jsonb_each($2::jsonb) AS k(kind, b) "
                    "ON CONFLICT (org_id, kind) DO UPDATE SET cadence = excluded.cadence, review_by = "
                    "excluded.review_by, minutes_by = excluded.minutes_by, minutes_days = excluded.minutes_days, "
                    "revision = m.revision + 1",
                    2, params);
}

/* ---- calendar ---------------------------------------------------------------------------------- */

enum db_status mr_q_calendar(struct db_tx *tx, const char *org, const char *year, const char *kind, const char *unit_id,
                             struct result *res) {
  const char *params[] = {org, year, kind, unit_id};
  return document_get(tx, res, "SELECT zsz_mr_calendar($1::bigint, $2::integer, $3::text, $4::bigint)::text", 4, params,
                      MSG_NO_SUCH_RECORD);
}

/* ---- reviews ----------------------------------------------------------------------------------- */

PGresult *mr_q_list(struct db_tx *tx, const char *org, const struct mr_caller *who, const char *const filter[4],
                    const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, who->sub, who->roles, who->unit, filter[0], filter[1], filter[2], filter[3], after, n};
  return db_exec(tx,
                 "SELECT zsz_mr_json(r)::text, r.id FROM management_reviews r "
                 "WHERE r.org_id = $1 AND zsz_mr_readable(r, $2, $3::text[], $4) "
                 "AND ($5::text IS NULL OR r.kind = $5) AND ($6::text IS NULL OR r.status = $6) "
                 "AND ($7::integer IS NULL OR left(r.period, 4)::integer = $7::integer) "
                 "AND ($8::bigint IS NULL OR r.org_unit_id = $8::bigint) "
                 "AND ($9::bigint IS NULL OR r.id < $9::bigint) ORDER BY r.id DESC LIMIT $10",
                 10, params);
}

enum db_status mr_q_unit_exists(struct db_tx *tx, const char *org, const char *unit_id) {
  const char *params[] = {org, unit_id};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT 1 FROM org_units WHERE org_id = $1 AND id = $2", 2, params, &st);
  PQclear(r);
  return st;
}

PGresult *mr_q_links_missing(struct db_tx *tx, const char *org, const char *links) {
  const char *params[] = {org, links};
  /* each linked id that names no record of its register: (field, position), in order */
  return db_exec(tx,
                 "SELECT l.field, l.pos - 1 FROM jsonb_each($2::jsonb) AS f(field, ids), "
                 "LATERAL jsonb_array_elements_text(f.ids) WITH ORDINALITY AS l0(id, pos), "
                 "LATERAL (SELECT f.field, l0.pos, l0.id::bigint AS id) AS l "
                 "WHERE NOT CASE l.field "
                 "  WHEN 'objective_ids' THEN EXISTS (SELECT 1 FROM objectives x WHERE x.org_id = $1 AND x.id = l.id) "
                 "  WHEN 'process_ids' THEN EXISTS (SELECT 1 FROM processes x WHERE x.org_id = $1 AND x.id = l.id) "
                 "  WHEN 'nonconformity_ids' THEN EXISTS (SELECT 1 FROM nonconformities x "
                 "                                        WHERE x.org_id = $1 AND x.id = l.id) "
                 "  WHEN 'risk_ids' THEN EXISTS (SELECT 1 FROM risks x WHERE x.org_id = $1 AND x.id = l.id) "
                 "  ELSE true END "
                 "ORDER BY 1, 2",
                 2, params);
}

enum db_status mr_q_insert(struct db_tx *tx, const char *org, const char *body, const struct mr_caller *who,
                           struct result *res, char id_out[24], int *manages) {
  const char *params[] = {org, body, who->sub, who->roles, who->unit};
  PGresult *r = db_exec(
      tx,
      "INSERT INTO management_reviews AS r (org_id, kind, ad_hoc, period, org_unit_id, title, planned_at, held_at, "
      "chair, participants, agenda, context_changes, complaints, resources, risks, znak_sprawy, created_by) "
      "SELECT $1, b->>'kind', coalesce((b->>'ad_hoc')::boolean, false), b->>'period', (b->>'org_unit_id')::bigint, "
      "coalesce(b->>'title', ''), (b->>'planned_at')::timestamptz, (b->>'held_at')::timestamptz, "
      "coalesce(b->>'chair', ''), coalesce(b->'participants', '[]'), "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'agenda', '[]'))), "
      "coalesce(b->>'context_changes', ''), coalesce(b->>'complaints', ''), coalesce(b->>'resources', ''), "
      "coalesce(b->>'risks', ''), coalesce(b->>'znak_sprawy', ''), $3 FROM (SELECT $2::jsonb AS b) AS input "
      "RETURNING zsz_mr_json(r)::text, r.revision, r.id, zsz_mr_manages(r, $3, $4::text[], $5)",
      5, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  record_result(res, r, 201);
  snprintf(id_out, 24, "%s", PQgetvalue(r, 0, 2));
  *manages = is_true(r, 0, 3);
  PQclear(r);
  return DB_ONE;
}

enum db_status mr_q_get(struct db_tx *tx, const char *org, const char *id, const struct mr_caller *who,
                        struct result *res) {
  const char *params[] = {org, id, who->sub, who->roles, who->unit};
  /* a review the caller may not read is as absent as another organisation's */
  return record_get(tx, res,
                    "SELECT zsz_mr_json(r)::text, r.revision FROM management_reviews r "
                    "WHERE r.org_id = $1 AND r.id = $2 AND zsz_mr_readable(r, $3, $4::text[], $5)",
                    5, params, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
}

enum db_status mr_q_document(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  return record_get(
      tx, res, "SELECT zsz_mr_json(r)::text, r.revision FROM management_reviews r WHERE r.org_id = $1 AND r.id = $2", 2,
      params, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
}

enum db_status mr_q_lock(struct db_tx *tx, const char *org, const char *id, const struct mr_caller *who,
                         struct locked_mr *out) {
  const char *params[] = {org, id, who->sub, who->roles, who->unit};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT r.status, r.revision, zsz_mr_manages(r, $3, $4::text[], $5), "
                       "zsz_mr_approves(r, $3, $4::text[], $5), r.kind FROM management_reviews r "
                       "WHERE r.org_id = $1 AND r.id = $2 AND zsz_mr_readable(r, $3, $4::text[], $5) FOR UPDATE",
                       5, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  out->revision = atoll(PQgetvalue(r, 0, 1));
  out->manages = is_true(r, 0, 2);
  out->approves = is_true(r, 0, 3);
  snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 4));
  PQclear(r);
  return DB_ONE;
}

enum db_status mr_q_readable(struct db_tx *tx, const char *org, const char *id, const struct mr_caller *who,
                             char kind[24]) {
  const char *params[] = {org, id, who->sub, who->roles, who->unit};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT r.kind FROM management_reviews r WHERE r.org_id = $1 AND r.id = $2 "
                       "AND zsz_mr_readable(r, $3, $4::text[], $5)",
                       5, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(kind, 24, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status mr_q_update(struct db_tx *tx, const char *org, const char *id, const char *body, struct result *res) {
  const char *params[] = {org, id, body};
  return record_exec(
      tx, res,
      "UPDATE management_reviews AS r SET title = coalesce(b->>'title', r.title), "
      "planned_at = coalesce((b->>'planned_at')::timestamptz, r.planned_at), "
      "held_at = CASE WHEN b ? 'held_at' THEN (b->>'held_at')::timestamptz ELSE r.held_at END, "
      "chair = coalesce(b->>'chair', r.chair), participants = coalesce(b->'participants', r.participants), "
      "agenda = CASE WHEN b ? 'agenda' THEN ARRAY(SELECT jsonb_array_elements_text(b->'agenda')) ELSE r.agenda END, "
      "context_changes = coalesce(b->>'context_changes', r.context_changes), "
      "complaints = coalesce(b->>'complaints', r.complaints), resources = coalesce(b->>'resources', r.resources), "
      "risks = coalesce(b->>'risks', r.risks), znak_sprawy = coalesce(b->>'znak_sprawy', r.znak_sprawy), "
      "revision = r.revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
      "WHERE r.org_id = $1 AND r.id = $2 RETURNING zsz_mr_json(r)::text, r.revision",
      3, params, 200);
}

enum db_status mr_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *to, const char *reason,
                               const char *held_at, const char *actor, struct result *res) {
  const char *params[] = {org, id, to, reason, held_at, actor};
  return record_exec(tx, res,
                     "UPDATE management_reviews AS r SET status = $3, "
                     "status_reason = CASE WHEN $3 = 'cancelled' THEN $4 ELSE r.status_reason END, "
                     "held_at = CASE WHEN $3 = 'held' THEN coalesce($5::timestamptz, r.held_at, now()) "
                     "ELSE r.held_at END, "
                     "approved_by = CASE WHEN $3 = 'minutes_approved' THEN $6 ELSE r.approved_by END, "
                     "approved_at = CASE WHEN $3 = 'minutes_approved' THEN now() ELSE r.approved_at END, "
                     "revision = r.revision + 1, updated_at = now() "
                     "WHERE r.org_id = $1 AND r.id = $2 RETURNING zsz_mr_json(r)::text, r.revision",
                     6, params, 200);
}

/* ---- packages ---------------------------------------------------------------------------------- */

PGresult *mr_q_section(struct db_tx *tx, const char *sql, const char *org, const char *id) {
  const char *params[] = {org, id};
  return db_exec(tx, sql, 2, params);
}

PGresult *mr_q_package_insert(struct db_tx *tx, const char *org, const char *id, const char *canonical,
                              const char *actor) {
  const char *params[] = {org, id, canonical, actor};
  /* the review is locked by the caller: version numbers cannot collide */
  return db_exec(
      tx,
      "INSERT INTO management_review_packages (org_id, review_id, version, content, sha256, frozen_by) "
      "SELECT $1, $2, coalesce(max(p.version), 0) + 1, $3, encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4 "
      "FROM management_review_packages p WHERE p.org_id = $1 AND p.review_id = $2 "
      "RETURNING version, sha256",
      4, params);
}

PGresult *mr_q_package_get(struct db_tx *tx, const char *org, const char *id, const char *version) {
  const char *params[] = {org, id, version};
  return db_exec(tx,
                 "SELECT p.version, p.content, p.sha256, p.frozen_by, zsz_ts(p.frozen_at) #>> '{}', "
                 "(SELECT json_agg(json_build_object('version', v.version, 'sha256', v.sha256, 'frozen_by', "
                 "v.frozen_by, 'frozen_at', zsz_ts(v.frozen_at)) ORDER BY v.version) "
                 " FROM management_review_packages v WHERE v.org_id = $1 AND v.review_id = $2)::text "
                 "FROM management_review_packages p WHERE p.org_id = $1 AND p.review_id = $2 "
                 "AND ($3::integer IS NULL OR p.version = $3::integer) ORDER BY p.version DESC LIMIT 1",
                 3, params);
}

PGresult *mr_q_sha256(struct db_tx *tx, const char *text) {
  const char *params[] = {text};
  return db_exec(tx, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1, params);
}

PGresult *mr_q_minutes(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  return db_exec(tx,
                 "SELECT zsz_mr_json(r)::text, "
                 "coalesce((SELECT json_agg(zsz_mr_decision_json(d) ORDER BY d.id) FROM management_review_decisions d "
                 "  WHERE d.org_id = r.org_id AND d.review_id = r.id), '[]')::text, "
                 "(SELECT u.name FROM org_units u WHERE u.org_id = r.org_id AND u.id = r.org_unit_id), "
                 "(SELECT o.name FROM organisations o WHERE o.id = r.org_id) "
                 "FROM management_reviews r WHERE r.org_id = $1 AND r.id = $2",
                 2, params);
}

/* ---- decisions --------------------------------------------------------------------------------- */

enum db_status mr_q_user_exists(struct db_tx *tx, const char *org, const char *sub) {
  const char *params[] = {org, sub};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params, &st);
  PQclear(r);
  return st;
}

enum db_status mr_q_decision_list(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  return document_get(tx, res,
                      "SELECT json_build_object('items', coalesce(json_agg(zsz_mr_decision_json(d) ORDER BY d.id), "
                      "'[]'))::text FROM management_review_decisions d WHERE d.org_id = $1 AND d.review_id = $2",
                      2, params, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
}

#define LINK_ARRAY(name) "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'links'->'" name "', '[]'))::bigint)"

enum db_status mr_q_decision_insert(struct db_tx *tx, const char *org, const char *id, const char *body,
                                    const char *action_id, struct result *res, char id_out[24]) {
  const char *params[] = {org, id, body, action_id};
  return record_create(
      tx, res,
      "INSERT INTO management_review_decisions AS d (org_id, review_id, type, title, description, "
      "owner, due_date, objective_ids, process_ids, nonconformity_ids, risk_ids, action_id) "
      "SELECT $1, $2, b->>'type', b->>'title', coalesce(b->>'description', ''), b->>'owner', "
      "(b->>'due_date')::date, " LINK_ARRAY("objective_ids") ", " LINK_ARRAY("process_ids") ", " LINK_ARRAY(
          "nonconformity_ids") ", " LINK_ARRAY("risk_ids") ", $4::bigint "
                                                           "FROM (SELECT $3::jsonb AS b) AS input RETURNING "
                                                           "zsz_mr_decision_json(d)::text, d.revision, d.id",
      4, params, id_out);
}

enum db_status mr_q_decision_get(struct db_tx *tx, const char *org, const char *id, const char *decision_id,
                                 struct result *res) {
  const char *params[] = {org, id, decision_id};
  return record_get(tx, res,
                    "SELECT zsz_mr_decision_json(d)::text, d.revision FROM management_review_decisions d "
                    "WHERE d.org_id = $1 AND d.review_id = $2 AND d.id = $3",
                    3, params, MSG_NOT_FOUND_DECISION);
}

enum db_status mr_q_decision_lock(struct db_tx *tx, const char *org, const char *id, const char *decision_id,
                                  const struct mr_caller *who, const char *fields, struct locked_decision *out) {
  const char *params[] = {org, id, decision_id, who->sub, who->roles, who->unit, fields};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT d.status, d.revision, zsz_mr_decision_may_change(r, d, $4, $5::text[], $6, $7::text[]) "
                       "FROM management_review_decisions d JOIN management_reviews r ON r.org_id = d.org_id "
                       "AND r.id = d.review_id WHERE d.org_id = $1 AND d.review_id = $2 AND d.id = $3 "
                       "FOR UPDATE OF d",
                       7, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  out->revision = atoll(PQgetvalue(r, 0, 1));
  out->may_change = is_true(r, 0, 2);
  PQclear(r);
  return DB_ONE;
}

#define LINK_PATCH(name)                                                                                               \
  name " = CASE WHEN b->'links' ? '" name "' THEN ARRAY(SELECT jsonb_array_elements_text(b->'links'->'" name           \
       "')::bigint) ELSE d." name " END, "

enum db_status mr_q_decision_update(struct db_tx *tx, const char *org, const char *decision_id, const char *body,
                                    struct result *res) {
  const char *params[] = {org, decision_id, body};
  return record_exec(tx, res,
                     "UPDATE management_review_decisions AS d SET title = coalesce(b->>'title', d.title), "
                     "description = coalesce(b->>'description', d.description), owner = coalesce(b->>'owner', "
                     "d.owner), due_date = coalesce((b->>'due_date')::date, d.due_date), " LINK_PATCH("objective_ids")
                         LINK_PATCH("process_ids") LINK_PATCH("nonconformity_ids") LINK_PATCH(
                             "risk_ids") "status = coalesce(b->>'status', d.status), "
                                         "status_reason = coalesce(b->>'status_reason', d.status_reason), "
                                         "note = coalesce(b->>'note', d.note), "
                                         "closed_at = CASE WHEN coalesce(b->>'status', d.status) <> 'open' "
                                         "THEN coalesce(d.closed_at, now()) END, "
                                         "revision = d.revision + 1, updated_at = now() "
                                         "FROM (SELECT $3::jsonb AS b) AS input WHERE d.org_id = $1 AND d.id = $2 "
                                         "RETURNING zsz_mr_decision_json(d)::text, d.revision",
                     3, params, 200);
}

enum db_status mr_q_nc_status(struct db_tx *tx, const char *org, const char *nc_id, char status[24]) {
  const char *params[] = {org, nc_id};
  enum db_status st;
  PGresult *r =
      db_row(tx, "SELECT status FROM nonconformities WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(status, 24, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status mr_q_action_insert(struct db_tx *tx, const char *org, const char *nc_id, const char *description,
                                  const char *responsible, const char *due_date, char id_out[24]) {
  const char *params[] = {org, nc_id, description, responsible, due_date};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, "
                       "due_date) VALUES ($1, $2, 'improvement', $3, $4, $5::date) RETURNING id",
                       5, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(id_out, 24, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}
