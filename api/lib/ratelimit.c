#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define NIL UINT32_MAX
/* rounding of the refill arithmetic (a microsecond): a wait of 12.000000001 s is 12 s, a
 * bucket full at 18.000000000000004 is full at 18 */
#define EPSILON 1e-6

int rl_bucket_take(double *tokens, double *at, double now, double rate, double burst) {
  double elapsed = now > *at ? now - *at : 0;
  double t = *tokens + elapsed * rate;
  if (t > burst) {
    t = burst;
  }
  *at = now > *at ? now : *at;
  if (t >= 1 - EPSILON) {
    *tokens = t >= 1 ? t - 1 : 0;
    return 0;
  }
  *tokens = t;
  int wait = (int)ceil((1 - t) / rate - EPSILON);
  return wait < 1 ? 1 : wait;
}

/* ---- the table --------------------------------------------------------------------------- */

struct bucket {
  unsigned char key[RATELIMIT_KEY_LEN];
  double tokens;
  double at;
  double full_at; /* when it will have refilled to the burst, if not used again */
  uint32_t next;  /* the hash chain */
  uint32_t pos;   /* its place in the heap */
};

/* The buckets in use are b[0 .. used); heads[hash & mask] starts each chain; heap[] orders
 * them by full_at, earliest first, so the one that can go is always heap[0]. */
struct ratelimit {
  struct bucket *b;
  uint32_t *heap;
  uint32_t *heads;
  size_t capacity, used, mask;
  double rate, burst;
  uint64_t k0, k1;
};

/* ---- SipHash-2-4 (Aumasson and Bernstein) of one key: the keys come from clients, so the
 * chain a key lands in must not be predictable without the seed */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                       \
  do {                                                                                                                 \
    v0 += v1;                                                                                                          \
    v1 = ROTL(v1, 13);                                                                                                 \
    v1 ^= v0;                                                                                                          \
    v0 = ROTL(v0, 32);                                                                                                 \
    v2 += v3;                                                                                                          \
    v3 = ROTL(v3, 16);                                                                                                 \
    v3 ^= v2;                                                                                                          \
    v0 += v3;                                                                                                          \
    v3 = ROTL(v3, 21);                                                                                                 \
    v3 ^= v0;                                                                                                          \
    v2 += v1;                                                                                                          \
    v1 = ROTL(v1, 17);                                                                                                 \
    v1 ^= v2;                                                                                                          \
    v2 = ROTL(v2, 32);                                                                                                 \
  } while (0)

static uint64_t le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static uint64_t siphash(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = le64(in + i);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  uint64_t last = (uint64_t)len << 56;
  for (size_t i = 0; i < len % 8; i++)
    last |= (uint64_t)in[whole + i] << (8 * i);
  v3 ^= last;
  SIPROUND;
  SIPROUND;
  v0 ^= last;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

static size_t chain_of(const struct ratelimit *rl, const unsigned char *key) {
  return (size_t)(siphash(rl->k0, rl->k1, key, RATELIMIT_KEY_LEN) & rl->mask);
}

/* ---- the heap, by full_at ---- */

static void heap_set(struct ratelimit *rl, size_t pos, uint32_t i) {
  rl->heap[pos] = i;
  rl->b[i].pos = (uint32_t)pos;
}

static int earlier(const struct ratelimit *rl, size_t a, size_t b) {
  return rl->b[rl->heap[a]].full_at < rl->b[rl->heap[b]].full_at;
}

/* Restores the order around pos after its bucket's full_at changed. */
static void heap_fix(struct ratelimit *rl, size_t pos) {
  uint32_t i = rl->heap[pos];
  while (pos > 0 && rl->b[i].full_at < rl->b[rl->heap[(pos - 1) / 2]].full_at) {
    heap_set(rl, pos, rl->heap[(pos - 1) / 2]);
    pos = (pos - 1) / 2;
  }
  heap_set(rl, pos, i);
  for (;;) {
    size_t l = 2 * pos + 1, r = l + 1, m = pos;
    if (l < rl->used && earlier(rl, l, m)) m = l;
    if (r < rl->used && earlier(rl, r, m)) m = r;
    if (m == pos) {
      break;
    }
    uint32_t j = rl->heap[m];
    heap_set(rl, m, i);
    heap_set(rl, pos, j);
    pos = m;
  }
}

/* ---- lookups ---- */

static uint32_t find(const struct ratelimit *rl, const unsigned char *key) {
  uint32_t i = rl->heads[chain_of(rl, key)];
  while (i != NIL && memcmp(rl->b[i].key, key, RATELIMIT_KEY_LEN) != 0)
    i = rl->b[i].next;
  return i;
}

static void unlink_chain(struct ratelimit *rl, uint32_t i) {
  uint32_t *link = &rl->heads[chain_of(rl, rl->b[i].key)];
  while (*link != i)
    link = &rl->b[*link].next;
  *link = rl->b[i].next;
}

static void link_chain(struct ratelimit *rl, uint32_t i) {
  uint32_t *head = &rl->heads[chain_of(rl, rl->b[i].key)];
  rl->b[i].next = *head;
  *head = i;
}

struct ratelimit *ratelimit_new(size_t capacity, int per_minute, const unsigned char seed[RATELIMIT_SEED_LEN]) {
  if (capacity < 1 || capacity > ((size_t)1 << 30) || per_minute < 1) {
    return NULL;
  }
  struct ratelimit *rl = calloc(1, sizeof *rl);
  if (rl == NULL) {
    return NULL;
  }
  size_t chains = 1;
  while (chains < 2 * capacity)
    chains *= 2;
  rl->capacity = capacity;
  rl->mask = chains - 1;
  rl->burst = per_minute;
  rl->rate = per_minute / 60.0;
  rl->k0 = le64(seed);
  rl->k1 = le64(seed + 8);
  rl->b = malloc(capacity * sizeof *rl->b);
  rl->heap = malloc(capacity * sizeof *rl->heap);
  rl->heads = malloc(chains * sizeof *rl->heads);
  if (rl->b == NULL || rl->heap == NULL || rl->heads == NULL) {
    ratelimit_free(rl);
    return NULL;
  }
  memset(rl->heads, 0xff, chains * sizeof *rl->heads); /* NIL */
  return rl;
}

void ratelimit_free(struct ratelimit *rl) {
  if (rl == NULL) {
    return;
  }
  free(rl->b);
  free(rl->heap);
  free(rl->heads);
  free(rl);
}

enum rl_verdict ratelimit_take(struct ratelimit *rl, const unsigned char key[RATELIMIT_KEY_LEN], double now,
                               int *retry_after) {
  uint32_t i = find(rl, key);
  *retry_after = 0;
  if (i == NIL) {
    if (rl->used < rl->capacity) {
      i = (uint32_t)rl->used++;
      heap_set(rl, rl->used - 1, i);
    } else {
      i = rl->heap[0];
      if (rl->b[i].full_at > now + EPSILON) {
        /* every client in the table is still being limited: none is forgotten */
        int wait = (int)ceil(rl->b[i].full_at - now - EPSILON);
        *retry_after = wait < 1 ? 1 : wait;
        return RL_FULL;
      }
      unlink_chain(rl, i);
    }
    memcpy(rl->b[i].key, key, RATELIMIT_KEY_LEN);
    rl->b[i].tokens = rl->burst;
    rl->b[i].at = now;
    link_chain(rl, i);
  }
  struct bucket *b = &rl->b[i];
  int wait = rl_bucket_take(&b->tokens, &b->at, now, rl->rate, rl->burst);
  b->full_at = b->at + (rl->burst - b->tokens) / rl->rate;
  heap_fix(rl, b->pos);
  *retry_after = wait;
  return wait == 0 ? RL_ALLOWED : RL_LIMITED;
}

size_t ratelimit_size(const struct ratelimit *rl) {
  return rl->used;
}

double ratelimit_tokens(const struct ratelimit *rl, const unsigned char key[RATELIMIT_KEY_LEN], double now) {
  uint32_t i = find(rl, key);
  if (i == NIL) {
    return -1;
  }
  const struct bucket *b = &rl->b[i];
  double t = b->tokens + (now > b->at ? now - b->at : 0) * rl->rate;
  return t > rl->burst ? rl->burst : t;
}
