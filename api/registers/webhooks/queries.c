#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queries.h"

static const char *tf(int b) {
  return b ? "t" : "f";
}

/* A write returning at most one record (column 0 its JSON, column 1 its revision): DB_ONE with
 * res set to status, DB_NONE when no row was written (res untouched). */
static enum db_status record_or_none(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                                     const char *const *params, int status) {
  enum db_status st;
  PGresult *r = db_row(tx, sql, nparams, params, &st);
  if (st == DB_ONE) record_result(res, r, status);
  PQclear(r);
  return st;
}

enum db_status webhooks_q_insert(struct db_tx *tx, const char *org, const struct webhook_values *v, const char *secret,
                                 const char *roles, const char *actor, struct result *res, char id_out[24]) {
  const char *params[] = {org, v->url, v->events, v->active, v->description, secret, roles, actor};
  return record_create(tx, res,
                       "INSERT INTO webhook_subscriptions AS s (org_id, url, events, active, description, secret, "
                       "roles, created_by) VALUES ($1, $2, ARRAY(SELECT json_array_elements_text($3::json)), "
                       "coalesce($4::boolean, true), $5, $6, $7::text[], $8) "
                       "RETURNING (zsz_webhook_json(s)::jsonb || jsonb_build_object('secret', s.secret))::text, "
                       "s.revision, s.id",
                       8, params, id_out);
}

PGresult *webhooks_q_list(struct db_tx *tx, const char *org, const char *after_id, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, after_id, n};
  return db_exec(tx,
                 "SELECT zsz_webhook_json(s)::text, s.id::text FROM webhook_subscriptions s "
                 "WHERE s.org_id = $1 AND ($2::bigint IS NULL OR s.id > $2::bigint) ORDER BY s.id LIMIT $3",
                 3, params);
}

enum db_status webhooks_q_get(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  return record_get(tx, res,
                    "SELECT zsz_webhook_json(s)::text, s.revision FROM webhook_subscriptions s "
                    "WHERE s.org_id = $1 AND s.id = $2",
                    2, params, MSG_NOT_FOUND_WEBHOOK);
}

enum db_status webhooks_q_lock(struct db_tx *tx, const char *org, const char *id, long long *revision) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r =
      db_row(tx, "SELECT revision FROM webhook_subscriptions WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params, &st);
  *revision = st == DB_ONE ? atoll(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  return st;
}

enum db_status webhooks_q_update(struct db_tx *tx, const char *org, const char *id, const struct webhook_sent *sent,
                                 const struct webhook_values *v, struct result *res) {
  const char *params[] = {org,
                          id,
                          tf(sent->url),
                          v->url,
                          tf(sent->events),
                          v->events,
                          tf(sent->active),
                          v->active,
                          tf(sent->description),
                          v->description};
  return record_exec(tx, res,
                     "UPDATE webhook_subscriptions s SET url = CASE WHEN $3 THEN $4 ELSE url END, "
                     "events = CASE WHEN $5 THEN ARRAY(SELECT json_array_elements_text($6::json)) ELSE events END, "
                     "active = CASE WHEN $7 THEN $8::boolean ELSE active END, "
                     "description = CASE WHEN $9 THEN $10 ELSE description END, "
                     /* switched on again: a fresh start, not disabled at the next failure */
                     "failing_since = CASE WHEN $7 AND $8::boolean AND NOT active THEN NULL ELSE failing_since END, "
                     "disabled_at = CASE WHEN $7 AND $8::boolean THEN NULL ELSE disabled_at END, "
                     "disabled_reason = CASE WHEN $7 AND $8::boolean THEN NULL ELSE disabled_reason END, "
                     "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 "
                     "RETURNING zsz_webhook_json(s)::text, s.revision",
                     10, params, 200);
}

enum db_status webhooks_q_delete(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r =
      db_row(tx, "DELETE FROM webhook_subscriptions WHERE org_id = $1 AND id = $2 RETURNING id", 2, params, &st);
  PQclear(r);
  return st;
}

enum db_status webhooks_q_rotate(struct db_tx *tx, const char *org, const char *id, const char *secret,
                                 struct result *res) {
  const char *params[] = {org, id, secret};
  return record_or_none(tx, res,
                        "UPDATE webhook_subscriptions s SET previous_secret = secret, "
                        "previous_secret_expires_at = now() + interval '24 hours', secret = $3, "
                        "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 "
                        "RETURNING json_build_object('id', s.id, 'secret', s.secret, 'previous_secret_expires_at', "
                        "zsz_ts(s.previous_secret_expires_at))::text, s.revision",
                        3, params, 200);
}

enum db_status webhooks_q_ping(struct db_tx *tx, const char *org, const char *id, const char *actor,
                               struct result *res) {
  const char *params[] = {org, id, actor};
  return record_or_none(tx, res,
                        "INSERT INTO webhook_deliveries AS d (org_id, subscription_id, message_id, event, payload) "
                        "SELECT s.org_id, s.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), 'ping', "
                        "json_build_object('id', NULL, 'at', zsz_ts(now()), 'entity', 'webhook', 'record_id', "
                        "s.id::text, 'action', 'ping', 'actor', $3::text, 'record', zsz_webhook_json(s)) "
                        "FROM webhook_subscriptions s WHERE s.org_id = $1 AND s.id = $2 "
                        "RETURNING zsz_webhook_delivery_json(d)::text, 0",
                        3, params, 202);
}

enum db_status webhooks_q_exists(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT 1 FROM webhook_subscriptions WHERE org_id = $1 AND id = $2", 2, params, &st);
  PQclear(r);
  return st;
}

PGresult *webhooks_q_deliveries(struct db_tx *tx, const char *org, const char *id, const char *status,
                                const char *before_id, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, id, status, before_id, n};
  return db_exec(tx,
                 "SELECT zsz_webhook_delivery_json(d)::text, d.id::text FROM webhook_deliveries d "
                 "WHERE d.org_id = $1 AND d.subscription_id = $2 AND ($3::text IS NULL OR d.status = $3) "
                 "AND ($4::bigint IS NULL OR d.id < $4::bigint) ORDER BY d.id DESC LIMIT $5",
                 5, params);
}

enum db_status webhooks_q_redeliver(struct db_tx *tx, const char *org, const char *id, const char *delivery_id,
                                    struct result *res) {
  const char *params[] = {org, id, delivery_id};
  return record_or_none(tx, res,
                        "INSERT INTO webhook_deliveries AS d (org_id, subscription_id, message_id, event, change_id, "
                        "payload) SELECT o.org_id, o.subscription_id, o.message_id, o.event, o.change_id, o.payload "
                        "FROM webhook_deliveries o WHERE o.org_id = $1 AND o.subscription_id = $2 AND o.id = $3 "
                        "RETURNING zsz_webhook_delivery_json(d)::text, 0",
                        3, params, 202);
}

/* ---- the delivery worker ---- */

PGresult *webhooks_q_claim(struct db_tx *tx, double lease_seconds, int batch) {
  char lease[32], n[12];
  snprintf(lease, sizeof lease, "%.3f", lease_seconds);
  snprintf(n, sizeof n, "%d", batch);
  const char *params[] = {lease, n};
  return db_exec(tx, "SELECT org_id, delivery_id FROM zsz_webhook_claim($1::double precision, $2::integer)", 2, params);
}

enum db_status webhooks_q_tenant(struct db_tx *tx, long long org_id) {
  char org[24];
  snprintf(org, sizeof org, "%lld", org_id);
  const char *params[] = {org};
  /* the claim's commit need not wait for its WAL to reach the disk: a lease lost in a crash
   * only lets the delivery be claimed again, which at-least-once delivery allows anyway */
  return db_command(tx, "SELECT set_config('zsz.org_id', $1, true), set_config('synchronous_commit', 'off', true)", 1,
                    params);
}

PGresult *webhooks_q_outgoing(struct db_tx *tx, const char *ids, struct webhook_outgoing *out, int max, int *n) {
  const char *params[] = {ids};
  PGresult *r = db_exec(tx,
                        "SELECT d.id, s.url, s.secret, CASE WHEN s.previous_secret_expires_at > now() THEN "
                        "s.previous_secret END, d.message_id, d.event, zsz_webhook_delivery_body(d, s.roles)::text, "
                        "d.attempts FROM webhook_deliveries d "
                        "JOIN webhook_subscriptions s ON s.org_id = d.org_id AND s.id = d.subscription_id "
                        "WHERE d.org_id = zsz_current_org() AND d.id = ANY ($1::bigint[]) ORDER BY d.xid, d.id",
                        1, params);
  *n = 0;
  if (r == NULL) return NULL;
  for (int i = 0; i < PQntuples(r) && i < max; i++) {
    int null_body = PQgetisnull(r, i, 6);
    out[i] = (struct webhook_outgoing){
        .delivery_id = atoll(PQgetvalue(r, i, 0)),
        .url = PQgetvalue(r, i, 1),
        .secret = PQgetvalue(r, i, 2),
        .previous_secret = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
        .message_id = PQgetvalue(r, i, 4),
        .event = PQgetvalue(r, i, 5),
        .body = null_body ? "null" : PQgetvalue(r, i, 6),
        .body_len = null_body ? 4 : (size_t)PQgetlength(r, i, 6),
        .attempts = atoi(PQgetvalue(r, i, 7)),
    };
    (*n)++;
  }
  return r;
}

enum db_status webhooks_q_record(struct db_tx *tx, long long delivery_id, int ok, int code, int latency_ms,
                                 const char *error, double retry_in, double disable_after) {
  char id[24], c[16], lat[16], retry[32], disable[32];
  snprintf(id, sizeof id, "%lld", delivery_id);
  snprintf(c, sizeof c, "%d", code);
  snprintf(lat, sizeof lat, "%d", latency_ms);
  snprintf(retry, sizeof retry, "%.3f", retry_in);
  snprintf(disable, sizeof disable, "%.3f", disable_after);
  const char *params[] = {
      id, tf(ok), code > 0 ? c : NULL, latency_ms >= 0 ? lat : NULL, error, retry_in >= 0 ? retry : NULL, disable};
  return db_command(tx,
                    "SELECT zsz_webhook_record($1::bigint, $2::boolean, $3::integer, $4::integer, $5::text, "
                    "$6::double precision, $7::double precision)",
                    7, params);
}

enum db_status webhooks_q_release(struct db_tx *tx, const char *ids) {
  const char *params[] = {ids};
  return db_command(tx, "SELECT zsz_webhook_release($1::bigint[])", 1, params);
}

/* ---- housekeeping ---- */

enum db_status webhooks_q_prune(struct db_tx *tx, const char *org) {
  const char *params[] = {org};
  return db_command(tx,
                    "DELETE FROM webhook_deliveries WHERE org_id = $1 AND status <> 'pending' "
                    "AND created_at < now() - interval '30 days'",
                    1, params);
}
