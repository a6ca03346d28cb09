/* The Statement of Applicability's SQL: one function per statement (queries.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "queries.h"

static enum db_status answered(const struct db_tx *tx, const struct result *res) {
  return tx->failed ? DB_ERROR : res->status < 300 ? DB_ONE : DB_NONE;
}

enum db_status soa_q_get(struct db_tx *tx, const char *org, const char *ids, const char *titles, struct result *res) {
  const char *params[] = {org, ids, titles};
  document_get(tx, res, "SELECT zsz_soa_json($1::bigint, $2::text[], $3::text[])::text", 3, params,
               MSG_NOT_FOUND_CONTROL);
  return answered(tx, res);
}

/* a JSON array of strings as one cell: its items joined by ", " */
#define JOINED(array)                                                                                                  \
  "(SELECT string_agg(x, ', ' ORDER BY n) FROM jsonb_array_elements_text(" array ") WITH ORDINALITY AS j(x, n))"

PGresult *soa_q_csv(struct db_tx *tx, const char *org, const char *ids, const char *titles) {
  const char *params[] = {org, ids, titles};
  /* every text cell through zsz_csv */
  return db_exec(
      tx,
      "SELECT coalesce(string_agg(concat_ws(';', zsz_csv(c->>'control'), zsz_csv(c->>'title'), "
      "  coalesce(c->>'applicable', ''), "
      "  zsz_csv(c->>'justification'), zsz_csv(c->>'implementation'), "
      "  zsz_csv((SELECT string_agg(r->>'number', ', ' ORDER BY n) FROM jsonb_array_elements(c->'linked_risks') "
      "    WITH ORDINALITY AS j(r, n))), "
      "  zsz_csv(" JOINED("c->'obligations'") "), zsz_csv(" JOINED(
          "c->'evidence'->'case_marks'") "), "
                                         "  zsz_csv(" JOINED(
                                             "c->'evidence'->'document_ids'") "), zsz_csv(c->'evidence'->>'text')) || "
                                                                              "E'\\r\\n', '' "
                                                                              "  ORDER BY i), '') "
                                                                              "FROM "
                                                                              "jsonb_array_elements(zsz_soa_controls($"
                                                                              "1::bigint, $2::text[], $3::text[])) "
                                                                              "WITH ORDINALITY AS x(c, i)",
      3, params);
}

enum db_status soa_q_lock(struct db_tx *tx, const char *org, struct locked_soa *out) {
  const char *params[] = {org};
  enum db_status st;
  if (db_command(tx, "INSERT INTO soa_states (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING", 1, params) !=
      DB_ONE) {
    return DB_ERROR;
  }
  PGresult *r =
      db_row(tx, "SELECT status, version, revision FROM soa_states WHERE org_id = $1 FOR UPDATE", 1, params, &st);
  if (r != NULL) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->version = atoll(PQgetvalue(r, 0, 1));
    out->revision = atoll(PQgetvalue(r, 0, 2));
    PQclear(r);
  }
  return st;
}

enum db_status soa_q_missing_risks(struct db_tx *tx, const char *org, const char *body, long long *missing) {
  const char *params[] = {org, body};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT count(*) FROM jsonb_array_elements_text(coalesce($2::jsonb->'risk_ids', '[]')) x "
                       "WHERE NOT EXISTS (SELECT 1 FROM risks r WHERE r.org_id = $1 AND r.id = x::bigint)",
                       2, params, &st);
  if (r != NULL) {
    *missing = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  return st;
}

enum db_status soa_q_put(struct db_tx *tx, const char *org, const char *control, const char *body, const char *actor) {
  const char *params[] = {org, control, body, actor};
  return db_command(
      tx,
      "WITH s AS (UPDATE soa_states SET "
      "  version = version + CASE WHEN status = 'approved' THEN 1 ELSE 0 END, "
      "  status = CASE WHEN status IN ('approved', 'returned') THEN 'draft' ELSE status END, "
      "  revision = revision + 1, updated_at = now() WHERE org_id = $1 RETURNING org_id) "
      "INSERT INTO soa_entries AS e (org_id, control, applicable, justification, implementation, risk_ids, "
      "  obligations, evidence, updated_by) "
      "SELECT $1, $2, (b->>'applicable')::boolean, b->>'justification', b->>'implementation', "
      "  ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'risk_ids', '[]')))::bigint[], "
      "  ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'obligations', '[]'))), "
      "  zsz_soa_evidence_json(b->'evidence'), $4 FROM (SELECT $3::jsonb AS b) AS input, s "
      "ON CONFLICT (org_id, control) DO UPDATE SET applicable = EXCLUDED.applicable, "
      "  justification = EXCLUDED.justification, implementation = EXCLUDED.implementation, "
      "  risk_ids = EXCLUDED.risk_ids, obligations = EXCLUDED.obligations, evidence = EXCLUDED.evidence, "
      "  updated_by = EXCLUDED.updated_by, revision = e.revision + 1, updated_at = now()",
      4, params);
}

enum db_status soa_q_control(struct db_tx *tx, const char *org, const char *control, const char *title,
                             struct result *res) {
  const char *params[] = {org, control, title};
  document_get(tx, res, "SELECT (zsz_soa_controls($1::bigint, ARRAY[$2::text], ARRAY[$3::text])->0)::text", 3, params,
               MSG_NOT_FOUND_CONTROL);
  return answered(tx, res);
}

PGresult *soa_q_undecided(struct db_tx *tx, const char *org, const char *ids) {
  const char *params[] = {org, ids};
  return db_exec(tx,
                 "SELECT c FROM unnest($2::text[]) WITH ORDINALITY AS x(c, i) WHERE NOT EXISTS "
                 "(SELECT 1 FROM soa_entries e WHERE e.org_id = $1 AND e.control = x.c) ORDER BY i",
                 2, params);
}

enum db_status soa_q_step(struct db_tx *tx, const char *org, const char *to, const char *reason, const char *actor,
                          const char *ids, const char *titles) {
  const char *params[] = {org, to, reason, actor, ids, titles};
  /* the snapshot is what the president approved: the controls as they stand, frozen */
  return db_command(tx,
                    "WITH s AS (UPDATE soa_states SET status = $2, "
                    "  return_reason = CASE WHEN $2 = 'returned' THEN $3 ELSE NULL END, "
                    "  submitted_by = CASE WHEN $2 = 'submitted' THEN $4 ELSE submitted_by END, "
                    "  submitted_at = CASE WHEN $2 = 'submitted' THEN now() ELSE submitted_at END, "
                    "  revision = revision + 1, updated_at = now() WHERE org_id = $1 RETURNING *) "
                    "INSERT INTO soa_versions (org_id, version, snapshot, submitted_by, approved_by) "
                    "SELECT s.org_id, s.version, zsz_soa_json($1::bigint, $5::text[], $6::text[])::jsonb - 'status' "
                    "  - 'return_reason' - 'approved_versions' || jsonb_build_object('version', s.version), "
                    "  coalesce(s.submitted_by, $4), $4 FROM s WHERE $2 = 'approved'",
                    6, params);
}

enum db_status soa_q_version(struct db_tx *tx, const char *org, const char *version, struct result *res) {
  const char *params[] = {org, version};
  document_get(tx, res,
               "SELECT (v.snapshot || jsonb_build_object('submitted_by', v.submitted_by, 'approved_by', "
               "v.approved_by, 'approved_at', zsz_ts(v.approved_at)))::text FROM soa_versions v "
               "WHERE v.org_id = $1 AND v.version = $2::integer",
               2, params, MSG_NOT_FOUND_SOA_VERSION);
  return answered(tx, res);
}
