#ifndef ZSZ_IDEMPOTENCY_H
#define ZSZ_IDEMPOTENCY_H
/* Idempotency-Key on POST (IETF httpapi idempotency-key draft; Stripe's practice): the first
 * answer to a request with a key is kept 24 hours in PostgreSQL (table idempotency_keys,
 * migration 0018) per caller (organisation, sub) and key with the SHA-256 of the method, path,
 * query and body; it is written in the transaction of the write it answers. A retry with the
 * same request gets it again, Idempotent-Replayed: true; another request under the same key
 * is 422; a retry while the first still runs is 409 (a transaction-level advisory lock on the
 * key, tried without waiting). Expired keys are purged by a periodic job. */

#include <stddef.h>

#include "db.h"
#include "http.h"

/* Longest key taken. */
#define IDEMPOTENCY_KEY_MAX 255

/* 1 when key is 1..IDEMPOTENCY_KEY_MAX visible ASCII characters (0x21..0x7E). Pure. */
int idempotency_key_valid(const char *key);

/* The SHA-256, in hex (65 bytes with the NUL), of method, url (path and query) and body, each
 * length-prefixed so that no two requests share an input. Pure. */
void idempotency_request_hash(const char *method, const char *url, const void *body, size_t len, char out[65]);

/* Runs the route's work of c under the key (the dispatcher's transaction options): fills res
 * with the work's answer, the kept answer (*replayed set) or the 409/422 of the key. */
void idempotency_run(struct req_ctx *c, const char *key, const struct db_tx_opts *opts, struct result *res,
                     int *replayed);

#endif
