#ifndef ZSZ_REPLICA_H
#define ZSZ_REPLICA_H
/* A read replica (ZSZ_DATABASE_READ_URL, a streaming hot standby) for the routes marked
 * ROUTE_REPLICA, with read-your-writes across instances: after a write that committed, the
 * answer carries a mark (header ZSZ-Read-After and cookie zsz_rw) holding the primary's WAL
 * position after the commit, signed with the key every instance shares (the cursor key) and
 * bound to the caller (org, sub). A read that brings a valid mark of its caller goes to the
 * primary until the replica has replayed that position. */

#include <stddef.h>

#include "db.h"
#include "http.h"

/* Starts the replica pool (url, size connections; transaction pooling as the primary's).
 * key: the shared signing key (CURSOR_KEY_LEN bytes, borrowed, must outlive it). 0 or -1. */
int replica_start(const char *url, int size, int transaction_pooling, const unsigned char *key, size_t keylen);
void replica_stop(void);
/* 1 when a replica is configured. */
int replica_enabled(void);

/* Where a read of a ROUTE_REPLICA route of caller c runs: the replica pool, or NULL for the
 * primary (no replica, or c's last write not replayed there yet). */
struct db_pool *replica_pool_for(const struct req_ctx *c);

/* After c's write committed at lsn (text, e.g. "0/16B3748"): sets the mark on the answer. */
void replica_mark_write(struct req_ctx *c, const char *lsn);

/* Pure helpers (unit-tested): a pg_lsn "X/Y" as a number, 0 when it is not one; and the mark
 * of (org, sub, lsn, expires) under key into out (cap >= 96). */
unsigned long long replica_parse_lsn(const char *s);
void replica_sign(const unsigned char *key, size_t keylen, const char *org, const char *sub, const char *lsn,
                  long long expires, char *out, size_t cap);
/* The LSN of a mark that verifies for (org, sub) and has not expired at now; 0 otherwise. */
unsigned long long replica_verify(const unsigned char *key, size_t keylen, const char *org, const char *sub,
                                  const char *mark, long long now);

#endif
