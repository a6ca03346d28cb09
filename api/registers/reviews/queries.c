#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "queries.h"

static enum db_status process_rules(PGresult *r, struct review_process *out) {
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  out->reader = st == DB_ONE && PQgetvalue(r, 0, 0)[0] == 't';
  out->writer = st == DB_ONE && PQgetvalue(r, 0, 1)[0] == 't';
  PQclear(r);
  return st;
}

enum db_status reviews_q_process(struct db_tx *tx, const char *org, const char *process_id, const char *roles,
                                 const char *sub, struct review_process *out) {
  const char *params[] = {org, process_id, roles, sub};
  return process_rules(db_exec(tx,
                               "SELECT coalesce(zsz_review_reader(p, $3::text[], $4), false), "
                               "coalesce(zsz_review_writer(p, $3::text[], $4), false) "
                               "FROM processes p WHERE p.org_id = $1 AND p.id = $2",
                               4, params),
                       out);
}

enum db_status reviews_q_process_hold(struct db_tx *tx, const char *org, const char *process_id, const char *roles,
                                      const char *sub, struct review_process *out) {
  const char *params[] = {org, process_id, roles, sub};
  return process_rules(db_exec(tx,
                               "SELECT coalesce(zsz_review_reader(p, $3::text[], $4), false), "
                               "coalesce(zsz_review_writer(p, $3::text[], $4), false) "
                               "FROM processes p WHERE p.org_id = $1 AND p.id = $2 FOR SHARE",
                               4, params),
                       out);
}

enum db_status reviews_q_insert(struct db_tx *tx, const char *org, const char *process_id, const char *body,
                                struct result *res, char *id_out) {
  const char *params[] = {org, process_id, body};
  return record_create(
      tx, res,
      "INSERT INTO process_reviews AS r (org_id, process_id, period, held_on, participants, indicator_analysis, "
      "description_current, good_practices, risks_and_nonconformities, improvement_actions) "
      "SELECT $1, $2, b->>'period', (b->>'held_on')::date, "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'participants', '[]'))), "
      "coalesce(b->>'indicator_analysis', ''), (b->>'description_current')::boolean, "
      "coalesce(b->>'good_practices', ''), coalesce(b->>'risks_and_nonconformities', ''), "
      "coalesce(b->'improvement_actions', '[]') FROM (SELECT $3::jsonb AS b) AS input "
      "RETURNING zsz_review_json(r)::text, r.revision, r.id",
      3, params, id_out);
}

enum db_status reviews_q_get(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                             struct result *res) {
  const char *params[] = {org, process_id, id};
  return record_get(tx, res,
                    "SELECT zsz_review_json(r)::text, r.revision FROM process_reviews r "
                    "WHERE r.org_id = $1 AND r.process_id = $2 AND r.id = $3",
                    3, params, MSG_NOT_FOUND_REVIEW);
}

PGresult *reviews_q_list(struct db_tx *tx, const char *org, const char *process_id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, process_id, after, n};
  return db_exec(tx,
                 "SELECT zsz_review_json(r)::text, r.period FROM process_reviews r "
                 "WHERE r.org_id = $1 AND r.process_id = $2 AND ($3::text IS NULL OR r.period > $3) "
                 "ORDER BY r.period LIMIT $4",
                 4, params);
}

enum db_status reviews_q_lock(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                              struct locked_review *out) {
  const char *params[] = {org, process_id, id};
  PGresult *r = db_exec(tx,
                        "SELECT status, revision FROM process_reviews "
                        "WHERE org_id = $1 AND process_id = $2 AND id = $3 FOR UPDATE",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  return st;
}

enum db_status reviews_q_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                struct result *res) {
  const char *params[] = {org, id, body};
  return record_exec(
      tx, res,
      "UPDATE process_reviews r SET "
      "period = CASE WHEN b ? 'period' THEN b->>'period' ELSE period END, "
      "held_on = CASE WHEN b ? 'held_on' THEN (b->>'held_on')::date ELSE held_on END, "
      "participants = CASE WHEN b ? 'participants' THEN ARRAY(SELECT jsonb_array_elements_text(b->'participants')) "
      "  ELSE participants END, "
      "indicator_analysis = CASE WHEN b ? 'indicator_analysis' THEN b->>'indicator_analysis' "
      "  ELSE indicator_analysis END, "
      "description_current = CASE WHEN b ? 'description_current' THEN (b->>'description_current')::boolean "
      "  ELSE description_current END, "
      "good_practices = CASE WHEN b ? 'good_practices' THEN b->>'good_practices' ELSE good_practices END, "
      "risks_and_nonconformities = CASE WHEN b ? 'risks_and_nonconformities' "
      "  THEN b->>'risks_and_nonconformities' ELSE risks_and_nonconformities END, "
      "improvement_actions = CASE WHEN b ? 'improvement_actions' THEN b->'improvement_actions' "
      "  ELSE improvement_actions END, "
      "revision = revision + 1, updated_at = now() "
      "FROM (SELECT $3::jsonb AS b) AS input WHERE r.org_id = $1 AND r.id = $2 "
      "RETURNING zsz_review_json(r)::text, r.revision",
      3, params, 200);
}

enum db_status reviews_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                    const char *reason, struct result *res) {
  const char *params[] = {org, id, status, reason};
  return record_exec(tx, res,
                     "UPDATE process_reviews r SET status = $3, "
                     "feedback = CASE WHEN $3 = 'returned' THEN $4 ELSE feedback END, "
                     "submitted_at = CASE WHEN $3 = 'submitted' THEN now() ELSE submitted_at END, "
                     "accepted_at = CASE WHEN $3 = 'accepted' THEN now() ELSE accepted_at END, "
                     "revision = revision + 1, updated_at = now() WHERE r.org_id = $1 AND r.id = $2 "
                     "RETURNING zsz_review_json(r)::text, r.revision",
                     4, params, 200);
}

PGresult *reviews_q_overview(struct db_tx *tx, const char *org, const char *period, const char *state,
                             const char *after_code, const char *after_id, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, period, state, after_code, after_id, n};
  return db_exec(
      tx,
      "SELECT json_build_object('process_id', x.id, 'code', x.code, 'name', x.name, 'owner', x.owner, "
      "'review_id', x.review_id, 'status', x.status, 'due_by', x.due_by, 'state', x.state)::text, x.code, x.id::text "
      "FROM (SELECT p.id, p.code, p.name, p.owner, r.id AS review_id, r.status, zsz_review_due($2) AS due_by, "
      "  CASE WHEN r.status = 'accepted' THEN 'accepted' "
      "       WHEN zsz_today() > zsz_review_due($2) THEN 'overdue' "
      "       WHEN r.status = 'submitted' THEN 'submitted' "
      "       ELSE 'missing' END AS state "
      "  FROM processes p LEFT JOIN process_reviews r ON r.org_id = p.org_id AND r.process_id = p.id AND r.period = $2 "
      "  WHERE p.org_id = $1 AND p.status = 'active') AS x "
      "WHERE ($3::text IS NULL OR x.state = $3) AND ($4::text IS NULL OR (x.code, x.id) > ($4, $5::bigint)) "
      "ORDER BY x.code, x.id LIMIT $6",
      6, params);
}
