#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

#include "jobs.h"
#include "ratestore.h"

static int g_enabled;

void ratestore_enable(void) {
  g_enabled = 1;
}

struct take {
  const char *key_hex;
  const char *per_minute;
  int taken;
  double tokens;
};

static void take_work(struct db_tx *tx, void *arg, struct result *res) {
  struct take *t = arg;
  const char *params[] = {t->key_hex, t->per_minute};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT taken, tokens FROM zsz_rate_take($1::bytea, $2::float8)", 2, params, &st);
  if (r == NULL) {
    return;
  }
  t->taken = PQgetvalue(r, 0, 0)[0] == 't';
  t->tokens = atof(PQgetvalue(r, 0, 1));
  PQclear(r);
  res->status = 200;
}

enum rl_verdict ratestore_take(struct db_pool *pool, const unsigned char key[NET_KEY_LEN], int per_minute,
                               const unsigned char *secret, size_t secret_len, int *wait, const char *request_id) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  unsigned char msg[5 + NET_KEY_LEN];
  memcpy(msg, "rate:", 5);
  memcpy(msg + 5, key, NET_KEY_LEN);
  HMAC(EVP_sha256(), secret, (int)secret_len, msg, sizeof msg, mac, &maclen);
  char hex[3 + 2 * 16];
  snprintf(hex, sizeof hex, "\\x");
  for (int i = 0; i < 16; i++) {
    snprintf(hex + 2 + 2 * i, 3, "%02x", mac[i]);
  }
  char rate[16];
  snprintf(rate, sizeof rate, "%d", per_minute);
  struct take t = {.key_hex = hex, .per_minute = rate};
  struct result res = {0};
  struct db_tx_opts opts = {.label = "public rate limit"};
  db_run(pool, &opts, take_work, &t, &res, request_id);
  int ok = res.status == 200;
  result_reset(&res);
  *wait = 0;
  if (!ok) {
    y_log_message(Y_LOG_LEVEL_WARNING, "request %s: the shared rate limit could not be read", request_id);
    return RL_ALLOWED;
  }
  if (t.taken) {
    return RL_ALLOWED;
  }
  /* the seconds until one whole token, as rl_bucket_take says them */
  double seconds = (1.0 - t.tokens) * 60.0 / per_minute;
  *wait = (int)seconds;
  if (*wait < seconds) {
    (*wait)++;
  }
  if (*wait < 1) {
    *wait = 1;
  }
  return RL_LIMITED;
}

static void prune_work(struct db_tx *tx, void *arg, struct result *res) {
  (void)arg;
  int got = job_try_lock(tx, "public_rate_prune", 0);
  if (got < 0) {
    return;
  }
  if (got == 1 && db_command(tx, "SELECT zsz_rate_prune()", 0, NULL) != DB_ONE) {
    return;
  }
  res->status = 204;
}

void ratestore_prune(struct db_pool *pool) {
  if (!g_enabled) {
    return;
  }
  struct result res = {0};
  struct db_tx_opts opts = {.label = "public rate limit pruning"};
  db_run(pool, &opts, prune_work, NULL, &res, "-");
  result_reset(&res);
}
