/* Idempotency-Key (idempotency.h). */
#include "idempotency.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"

int idempotency_key_valid(const char *key) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++, n++) {
    if (*p < 0x21 || *p > 0x7E) return 0;
  }
  return n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
}

static void hash_part(EVP_MD_CTX *ctx, const void *data, size_t len) {
  char prefix[24];
  int n = snprintf(prefix, sizeof prefix, "%zu:", len);
  EVP_DigestUpdate(ctx, prefix, (size_t)n);
  if (len) EVP_DigestUpdate(ctx, data, len);
}

void idempotency_request_hash(const char *method, const char *url, const void *body, size_t len, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  out[0] = '\0';
  if (ctx == NULL) return;
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
    hash_part(ctx, method, strlen(method));
    hash_part(ctx, url, strlen(url));
    hash_part(ctx, body, body ? len : 0);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (unsigned int i = 0; i < mdlen && i < 32; i++)
      snprintf(out + 2 * i, 3, "%02x", md[i]);
  }
  EVP_MD_CTX_free(ctx);
}

struct call {
  struct req_ctx *c;
  const char *key;
  char hash[65];
  int replayed;
};

/* The answer as kept: its body as text (NULL for none). New string, caller frees. */
static char *answer_text(const struct result *res) {
  if (res->raw_body != NULL) return strdup(res->raw_body);
  if (res->body != NULL) return json_dumps(res->body, JSON_COMPACT | JSON_REAL_PRECISION(12));
  return strdup("");
}

static void work(struct db_tx *tx, void *arg, struct result *res) {
  struct call *k = arg;
  struct req_ctx *c = k->c;
  k->replayed = 0;
  const char *params[] = {c->org_param, c->who.sub, k->key};
  enum db_status st;
  /* a concurrent request with this key holds the lock until it commits or rolls back */
  PGresult *r = db_row(tx, "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 738102))",
                       3, params, &st);
  if (r == NULL) return;
  int locked = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  if (!locked) {
    result_problem(res, PROBLEM_CONFLICT, MSG_IDEMPOTENCY_RUNNING);
    return;
  }
  r = db_row(tx,
             "SELECT request_hash, status, body, location, etag FROM idempotency_keys "
             "WHERE org_id = $1 AND sub = $2 AND key = $3 AND expires_at > now()",
             3, params, &st);
  if (st == DB_ERROR) return;
  if (r != NULL) {
    if (strcmp(PQgetvalue(r, 0, 0), k->hash) != 0) {
      json_t *errors = json_array();
      errors_add(errors, "Idempotency-Key", MSG_IDEMPOTENCY_MISMATCH);
      result_problem(res, PROBLEM_VALIDATION, MSG_IDEMPOTENCY_MISMATCH);
      json_decref(res->errors);
      res->errors = errors;
    } else {
      result_raw(res, atoi(PQgetvalue(r, 0, 1)), PQgetvalue(r, 0, 2));
      if (PQgetvalue(r, 0, 2)[0] == '\0') {
        free(res->raw_body);
        res->raw_body = NULL;
      }
      snprintf(res->location, sizeof res->location, "%s", PQgetvalue(r, 0, 3));
      res->etag = PQgetisnull(r, 0, 4) ? 0 : atoll(PQgetvalue(r, 0, 4));
      k->replayed = 1;
    }
    PQclear(r);
    return;
  }
  c->route->work(tx, c, res);
  if (tx->failed || res->status < 200 || res->status >= 400) {
    return; /* nothing is committed, nothing kept: a retry runs again */
  }
  char status[8], etag[24];
  snprintf(status, sizeof status, "%d", res->status);
  snprintf(etag, sizeof etag, "%lld", res->etag);
  char *body = answer_text(res);
  if (body == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  const char *keep[] = {c->org_param,
                        c->who.sub,
                        k->key,
                        k->hash,
                        status,
                        body,
                        res->location[0] ? res->location : NULL,
                        res->etag > 0 ? etag : NULL};
  /* an expired answer not purged yet gives way */
  db_command(tx,
             "INSERT INTO idempotency_keys AS k (org_id, sub, key, request_hash, status, body, location, etag) "
             "VALUES ($1, $2, $3, $4, $5::integer, $6, $7, $8::bigint) "
             "ON CONFLICT (org_id, sub, key) DO UPDATE SET request_hash = excluded.request_hash, "
             "status = excluded.status, body = excluded.body, location = excluded.location, etag = excluded.etag, "
             "created_at = now(), expires_at = now() + interval '24 hours' WHERE k.expires_at <= now()",
             8, keep);
  free(body);
}

void idempotency_run(struct req_ctx *c, const char *key, const struct db_tx_opts *opts, struct result *res,
                     int *replayed) {
  struct call k = {.c = c, .key = key};
  idempotency_request_hash(c->req->http_verb, c->req->http_url, c->req->binary_body, c->req->binary_body_length,
                           k.hash);
  db_run(c->pool, opts, work, &k, res, c->request_id);
  *replayed = k.replayed && res->status < 400;
}
