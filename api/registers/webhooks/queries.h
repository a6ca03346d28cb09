#ifndef ZSZ_WEBHOOKS_QUERIES_H
#define ZSZ_WEBHOOKS_QUERIES_H
/* The statements of webhooks, one per function. Parameters are SQL text (NULL for SQL NULL);
 * org is the tenant's id. Record statements fill res as record_get/record_exec do (http.h). */

#include <libpq-fe.h>

#include "db.h"
#include "http.h"

struct webhook_values {
  const char *url;
  const char *events; /* a JSON array of strings */
  const char *active; /* "t"/"f", NULL: not sent (default true on create) */
  const char *description;
};
struct webhook_sent {
  int url, events, active, description;
};

/* Creates a subscription holding secret and the creator's roles (SQL text[] literal): 201
 * with the subscription and its secret; the new id in id_out. */
enum db_status webhooks_q_insert(struct db_tx *tx, const char *org, const struct webhook_values *v, const char *secret,
                                 const char *roles, const char *actor, struct result *res, char id_out[24]);
/* A page of subscriptions in id order after after_id (NULL: from the start); column 0 the
 * JSON, column 1 the id. Caller PQclear()s; NULL when the statement failed. */
PGresult *webhooks_q_list(struct db_tx *tx, const char *org, const char *after_id, int fetch);
enum db_status webhooks_q_get(struct db_tx *tx, const char *org, const char *id, struct result *res);
/* Locks the subscription: DB_ONE with its revision. */
enum db_status webhooks_q_lock(struct db_tx *tx, const char *org, const char *id, long long *revision);
/* Changes what was sent: 200 with the subscription. Re-activating clears failing_since and
 * the disabling. */
enum db_status webhooks_q_update(struct db_tx *tx, const char *org, const char *id, const struct webhook_sent *sent,
                                 const struct webhook_values *v, struct result *res);
/* Deletes the subscription and its deliveries: DB_ONE when there was one. */
enum db_status webhooks_q_delete(struct db_tx *tx, const char *org, const char *id);
/* Replaces the secret, keeping the old one valid for 24 hours: 200 with {id, secret,
 * previous_secret_expires_at}. */
enum db_status webhooks_q_rotate(struct db_tx *tx, const char *org, const char *id, const char *secret,
                                 struct result *res);
/* Queues a ping (202 with the delivery); DB_NONE (404) when there is no such subscription. */
enum db_status webhooks_q_ping(struct db_tx *tx, const char *org, const char *id, const char *actor,
                               struct result *res);
/* Whether the subscription exists: DB_ONE or DB_NONE. */
enum db_status webhooks_q_exists(struct db_tx *tx, const char *org, const char *id);
/* A page of the subscription's deliveries, newest first, before before_id (NULL: from the
 * newest), with status when given; column 0 the JSON, column 1 the id. */
PGresult *webhooks_q_deliveries(struct db_tx *tx, const char *org, const char *id, const char *status,
                                const char *before_id, int fetch);
/* Queues the same message again (same webhook-id, body rendered anew): 202 with the new
 * delivery; DB_NONE (404) when the delivery is not the subscription's. */
enum db_status webhooks_q_redeliver(struct db_tx *tx, const char *org, const char *id, const char *delivery_id,
                                    struct result *res);

/* ---- the delivery worker ---- */

/* Claims the next due deliveries (zsz_webhook_claim, 0031): the head of a subscription's queue
 * and up to batch - 1 that follow it, leased for lease_seconds. The result (caller
 * PQclear()s) has one row per delivery in queue order: column 0 its organisation, column 1
 * its id; NULL when the statement failed. */
PGresult *webhooks_q_claim(struct db_tx *tx, double lease_seconds, int batch);
/* Sets the transaction's tenant (after a claim, which has none), and commits it without
 * waiting for the disk (synchronous_commit off: see the comment in queries.c). */
enum db_status webhooks_q_tenant(struct db_tx *tx, long long org_id);
/* What a delivery sends. Strings are owned by the result they were read from. */
struct webhook_outgoing {
  long long delivery_id;
  const char *url, *secret, *previous_secret; /* previous_secret NULL when none valid */
  const char *message_id, *event, *body;
  size_t body_len;
  int attempts; /* made before this one */
};
/* Loads the claimed deliveries ids (a SQL bigint[] literal), in the tenant set: the result
 * (caller PQclear()s) with out[0..n) pointing into it, in queue order (at most max); NULL when
 * the statement failed. */
PGresult *webhooks_q_outgoing(struct db_tx *tx, const char *ids, struct webhook_outgoing *out, int max, int *n);
/* Records an attempt's outcome and counts it (zsz_webhook_record, 0031); retry_in < 0: no
 * more attempts. code <= 0 and latency_ms < 0: none. */
enum db_status webhooks_q_record(struct db_tx *tx, long long delivery_id, int ok, int code, int latency_ms,
                                 const char *error, double retry_in, double disable_after);
/* Gives back the leases of deliveries not attempted (ids: a SQL bigint[] literal). */
enum db_status webhooks_q_release(struct db_tx *tx, const char *ids);

/* ---- housekeeping ---- */

/* Deletes the organisation's deliveries finished (delivered or failed) more than 30 days ago. */
enum db_status webhooks_q_prune(struct db_tx *tx, const char *org);

#endif
