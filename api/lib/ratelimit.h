#ifndef ZSZ_RATELIMIT_H
#define ZSZ_RATELIMIT_H
/* The public rate limit: a token bucket per key (a client address, net_rate_key()), `per_minute`
 * requests a minute with a burst of as many. Pure: the caller gives the time and holds a lock.
 *
 * Exact: a bucket belongs to one key, found by comparing the whole key (a keyed hash only
 * picks the chain), so no two clients ever share or evict each other's bucket. Bounded: at
 * most `capacity` buckets, allocated at creation. When all are taken, a new key gets the
 * bucket that refilled completely first, if one has (a full bucket is the state of a client
 * never seen: dropping it forgets nothing); when none has, the new key is refused (RL_FULL)
 * until one does, rather than a client's state being forgotten.
 *
 * The state of a bucket is two numbers (tokens, at) and rl_bucket_take() is the whole rule,
 * so keeping the buckets elsewhere (a table shared by several instances) needs only another
 * store around the same function. */

#include <stddef.h>

#define RATELIMIT_KEY_LEN 16
#define RATELIMIT_SEED_LEN 16

enum rl_verdict {
  RL_ALLOWED, /* a token was taken */
  RL_LIMITED, /* this key has no token left: retry after *retry_after seconds */
  RL_FULL     /* a new key and no bucket free: retry after *retry_after seconds */
};

/* The token bucket rule. *tokens and *at (seconds, any monotonic origin) are the bucket's
 * state; a new bucket is {burst, now}. Refills at rate tokens a second up to burst, then
 * takes one token. 0 when taken; otherwise the whole seconds until a token (>= 1); the
 * state is updated either way. */
int rl_bucket_take(double *tokens, double *at, double now, double rate, double burst);

struct ratelimit;

/* A table of capacity (1 .. 2^30) buckets, per_minute >= 1; the seed keys the hash (give
 * random bytes: the keys come from clients). NULL on allocation failure or bad arguments.
 * Free with ratelimit_free() (NULL accepted). */
struct ratelimit *ratelimit_new(size_t capacity, int per_minute, const unsigned char seed[RATELIMIT_SEED_LEN]);
void ratelimit_free(struct ratelimit *rl);

/* One request of key at time now (seconds, non-decreasing, as from CLOCK_MONOTONIC).
 * *retry_after is set to the seconds to wait when not RL_ALLOWED, else 0. */
enum rl_verdict ratelimit_take(struct ratelimit *rl, const unsigned char key[RATELIMIT_KEY_LEN], double now,
                               int *retry_after);

/* Buckets in use. */
size_t ratelimit_size(const struct ratelimit *rl);

/* The tokens key would have at now without taking any; -1 when key has no bucket. */
double ratelimit_tokens(const struct ratelimit *rl, const unsigned char key[RATELIMIT_KEY_LEN], double now);

#endif
