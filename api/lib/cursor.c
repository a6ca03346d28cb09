#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "cursor.h"

#define MAC_LEN 16
#define CURSOR_MAX 2048

static void mac(const unsigned char *key, const char *sort, const char *payload, size_t len,
                unsigned char out[MAC_LEN]) {
  unsigned char full[EVP_MAX_MD_SIZE];
  unsigned int full_len = 0;
  /* the sort is part of the MAC: a cursor from one ordering cannot be replayed on another */
  size_t sort_len = strlen(sort);
  unsigned char *msg = malloc(sort_len + 1 + len);
  if (msg == NULL) {
    memset(out, 0, MAC_LEN);
    return;
  }
  memcpy(msg, sort, sort_len);
  msg[sort_len] = '\n';
  memcpy(msg + sort_len + 1, payload, len);
  HMAC(EVP_sha256(), key, CURSOR_KEY_LEN, msg, sort_len + 1 + len, full, &full_len);
  memcpy(out, full, MAC_LEN);
  free(msg);
}

char *cursor_encode(const unsigned char key[CURSOR_KEY_LEN], const char *sort, const json_t *values) {
  char *payload = json_dumps(values, JSON_COMPACT);
  char *out = NULL;
  unsigned char tag[MAC_LEN];
  if (payload == NULL) {
    return NULL;
  }
  size_t len = strlen(payload);
  mac(key, sort, payload, len, tag);
  out = malloc((len + 2) / 3 * 4 + 1 + (MAC_LEN + 2) / 3 * 4 + 2);
  if (out != NULL) {
    size_t n = b64url_encode((const unsigned char *)payload, len, out);
    out[n++] = '.';
    b64url_encode(tag, MAC_LEN, out + n);
  }
  free(payload);
  return out;
}

int cursor_decode(const unsigned char key[CURSOR_KEY_LEN], const char *cursor, const char *sort, json_t **values) {
  int rc = -1;
  unsigned char *payload = NULL;
  unsigned char tag[MAC_LEN + 3], expected[MAC_LEN];
  json_t *doc = NULL;
  *values = NULL;
  size_t total = cursor ? strlen(cursor) : 0;
  const char *dot = cursor ? strchr(cursor, '.') : NULL;
  if (dot == NULL || total > CURSOR_MAX || dot == cursor) {
    goto out;
  }
  size_t plen = (size_t)(dot - cursor);
  payload = malloc(plen * 3 / 4 + 4);
  if (payload == NULL) {
    goto out;
  }
  long n = b64url_decode(cursor, plen, payload);
  if (n <= 0) {
    goto out;
  }
  size_t tlen = strlen(dot + 1);
  if (tlen != (MAC_LEN * 4 + 2) / 3 || b64url_decode(dot + 1, tlen, tag) != MAC_LEN) {
    goto out;
  }
  mac(key, sort, (const char *)payload, (size_t)n, expected);
  if (CRYPTO_memcmp(expected, tag, MAC_LEN) != 0) {
    goto out;
  }
  doc = json_loadb((const char *)payload, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_array(doc)) {
    goto out;
  }
  *values = doc;
  doc = NULL;
  rc = 0;
out:
  json_decref(doc);
  free(payload);
  return rc;
}
