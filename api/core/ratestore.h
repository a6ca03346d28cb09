#ifndef ZSZ_RATESTORE_H
#define ZSZ_RATESTORE_H
/* The public rate limit shared by every instance on one database (ZSZ_RATE_LIMIT_STORE=
 * database): the same token bucket as lib/ratelimit.c (rl_bucket_take), kept in the unlogged
 * table public_rate_buckets (migration 0019) and taken in one statement, zsz_rate_take(), on
 * the database's clock. The address is never stored: its row is keyed by an HMAC of the rate
 * key under the key all instances share (the cursor key). */

#include "db.h"
#include "netaddr.h"
#include "ratelimit.h"

/* Turns the shared store on (the pruning job does nothing until then). */
void ratestore_enable(void);

/* One public request of rate key at per_minute. RL_ALLOWED or RL_LIMITED with *wait the
 * seconds to wait; when the database cannot be asked, RL_ALLOWED (the request itself will
 * then meet the same database). */
enum rl_verdict ratestore_take(struct db_pool *pool, const unsigned char key[NET_KEY_LEN], int per_minute,
                               const unsigned char *secret, size_t secret_len, int *wait, const char *request_id);

/* Deletes buckets that have refilled (as good as never seen), once at a time across instances;
 * run by the job runner. */
void ratestore_prune(struct db_pool *pool);

#endif
