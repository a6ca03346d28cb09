#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <ulfius.h>
#include <yder.h>

#include "replica.h"

#define MARK_TTL 300 /* seconds a mark is honoured; a replica lagging longer serves stale reads */
#define MARK_HEADER "ZSZ-Read-After"
#define MARK_COOKIE "zsz_rw"

static struct db_pool *g_pool;
static const unsigned char *g_key;
static size_t g_keylen;
/* the replica's replay position last seen (never goes back) */
static unsigned long long g_replayed;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

int replica_start(const char *url, int size, int transaction_pooling, const unsigned char *key, size_t keylen) {
  g_pool = db_pool_new(url, size);
  if (g_pool == NULL) {
    return -1;
  }
  db_pool_set_transaction_pooling(g_pool, transaction_pooling);
  g_key = key;
  g_keylen = keylen;
  return 0;
}

void replica_stop(void) {
  db_pool_free(g_pool);
  g_pool = NULL;
}

int replica_enabled(void) {
  return g_pool != NULL;
}

unsigned long long replica_parse_lsn(const char *s) {
  char *end = NULL;
  if (s == NULL || strspn(s, "0123456789ABCDEFabcdef") == 0) {
    return 0;
  }
  unsigned long long hi = strtoull(s, &end, 16);
  if (*end != '/' || hi > 0xFFFFFFFFULL || strspn(end + 1, "0123456789ABCDEFabcdef") == 0) {
    return 0;
  }
  const char *lo_text = end + 1;
  unsigned long long lo = strtoull(lo_text, &end, 16);
  if (*end != '\0' || lo > 0xFFFFFFFFULL) {
    return 0;
  }
  return hi << 32 | lo;
}

void replica_sign(const unsigned char *key, size_t keylen, const char *org, const char *sub, const char *lsn,
                  long long expires, char *out, size_t cap) {
  char msg[600];
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  int n = snprintf(msg, sizeof msg, "rw|%s|%s|%s|%lld", org, sub, lsn, expires);
  if (n < 0 || (size_t)n >= sizeof msg) {
    out[0] = '\0';
    return;
  }
  HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, (size_t)n, mac, &maclen);
  char sig[33];
  for (int i = 0; i < 16; i++) {
    snprintf(sig + 2 * i, 3, "%02x", mac[i]);
  }
  snprintf(out, cap, "%s.%lld.%s", lsn, expires, sig);
}

unsigned long long replica_verify(const unsigned char *key, size_t keylen, const char *org, const char *sub,
                                  const char *mark, long long now) {
  char lsn[40], want[128];
  if (mark == NULL) {
    return 0;
  }
  const char *dot = strchr(mark, '.');
  if (dot == NULL || (size_t)(dot - mark) >= sizeof lsn) {
    return 0;
  }
  memcpy(lsn, mark, (size_t)(dot - mark));
  lsn[dot - mark] = '\0';
  char *end = NULL;
  long long expires = strtoll(dot + 1, &end, 10);
  if (end == dot + 1 || *end != '.' || expires < now) {
    return 0;
  }
  replica_sign(key, keylen, org, sub, lsn, expires, want, sizeof want);
  size_t n = strlen(want);
  if (strlen(mark) != n || CRYPTO_memcmp(want, mark, n) != 0) {
    return 0;
  }
  return replica_parse_lsn(lsn);
}

/* The mark the caller sent: the header, else the cookie (copied into buf). */
static const char *sent_mark(const struct req_ctx *c, char *buf, size_t cap) {
  const char *h = u_map_get_case(c->req->map_header, MARK_HEADER);
  if (h != NULL) {
    return h;
  }
  const char *cookies = u_map_get_case(c->req->map_header, "Cookie");
  for (const char *p = cookies; p != NULL && *p;) {
    while (*p == ' ' || *p == ';')
      p++;
    size_t len = strcspn(p, ";");
    if (len > sizeof MARK_COOKIE && strncmp(p, MARK_COOKIE "=", sizeof MARK_COOKIE) == 0 &&
        len - sizeof MARK_COOKIE < cap) {
      memcpy(buf, p + sizeof MARK_COOKIE, len - sizeof MARK_COOKIE);
      buf[len - sizeof MARK_COOKIE] = '\0';
      return buf;
    }
    p += len;
  }
  return NULL;
}

struct replay {
  unsigned long long lsn;
  int standby;
};

static void replay_work(struct db_tx *tx, void *arg, struct result *res) {
  struct replay *r = arg;
  PGresult *q = db_exec(tx, "SELECT pg_last_wal_replay_lsn()::text", 0, NULL);
  if (q == NULL) {
    return;
  }
  r->standby = !PQgetisnull(q, 0, 0);
  r->lsn = r->standby ? replica_parse_lsn(PQgetvalue(q, 0, 0)) : 0;
  PQclear(q);
  res->status = 200;
}

struct db_pool *replica_pool_for(const struct req_ctx *c) {
  if (g_pool == NULL) {
    return NULL;
  }
  char buf[160];
  const char *mark = sent_mark(c, buf, sizeof buf);
  unsigned long long want = mark ? replica_verify(g_key, g_keylen, c->who.org, c->who.sub, mark, time(NULL)) : 0;
  if (want == 0) {
    return g_pool; /* no write of this caller to wait for */
  }
  pthread_mutex_lock(&g_mu);
  unsigned long long seen = g_replayed;
  pthread_mutex_unlock(&g_mu);
  if (seen >= want) {
    return g_pool;
  }
  struct replay r = {0};
  struct result res = {0};
  struct db_tx_opts opts = {.read_only = 1, .label = "replica replay position"};
  db_run(g_pool, &opts, replay_work, &r, &res, c->request_id);
  int ok = res.status == 200;
  result_reset(&res);
  if (!ok) {
    return NULL; /* the replica does not answer: the primary */
  }
  if (!r.standby) {
    return g_pool; /* not in recovery: it has everything it will ever have */
  }
  pthread_mutex_lock(&g_mu);
  if (r.lsn > g_replayed) {
    g_replayed = r.lsn;
  }
  pthread_mutex_unlock(&g_mu);
  return r.lsn >= want ? g_pool : NULL;
}

void replica_mark_write(struct req_ctx *c, const char *lsn) {
  char mark[128], cookie[200];
  if (g_pool == NULL || replica_parse_lsn(lsn) == 0) {
    return;
  }
  replica_sign(g_key, g_keylen, c->who.org, c->who.sub, lsn, (long long)time(NULL) + MARK_TTL, mark, sizeof mark);
  if (mark[0] == '\0') {
    return;
  }
  snprintf(cookie, sizeof cookie, MARK_COOKIE "=%s; Path=/api/v1; Max-Age=%d; HttpOnly; SameSite=Strict", mark,
           MARK_TTL);
  u_map_put(c->resp->map_header, MARK_HEADER, mark);
  u_map_put(c->resp->map_header, "Set-Cookie", cookie);
}
