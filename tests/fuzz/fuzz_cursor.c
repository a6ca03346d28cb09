/* Paging cursors (api/lib/cursor.c): cursor_decode of the ?cursor= value every paged list
 * takes, and cursor_encode round trips.
 *
 * Input, by its first byte:
 *   'P'  the rest is a payload the harness signs as the server would (HMAC-SHA256 over the
 *        sort, '\n' and the payload), so the JSON behind a valid MAC is fuzzed too: it is
 *        accepted exactly when it is a JSON array without repeated keys;
 *   'E'  the rest is JSON: an array is encoded, and must decode to an equal array under its
 *        sort and to nothing under another;
 *   anything else: the whole input is the cursor text. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "b64url.h"
#include "cursor.h"
#include "fuzz.h"

static const unsigned char KEY[CURSOR_KEY_LEN] = "zsz-fuzz-cursor-key-32-bytes!!!";
static const char SORT[] = "GET /api/v1/processes code";
static const char OTHER_SORT[] = "GET /api/v1/processes -code";

/* The cursor of payload as cursor.c makes it: base64url(payload) "." base64url(MAC[0..16)). */
static char *sign(const uint8_t *payload, size_t len) {
  char *out = malloc((len + 2) / 3 * 4 + 32);
  unsigned char *msg = malloc(sizeof SORT + len);
  FUZZ_CHECK(out != NULL && msg != NULL, "out of memory");
  memcpy(msg, SORT, sizeof SORT - 1);
  msg[sizeof SORT - 1] = '\n';
  if (len) memcpy(msg + sizeof SORT, payload, len);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), KEY, CURSOR_KEY_LEN, msg, sizeof SORT + len, mac, &mac_len);
  size_t n = b64url_encode(payload, len, out);
  out[n++] = '.';
  b64url_encode(mac, 16, out + n);
  free(msg);
  return out;
}

static void decode(const char *cursor, const char *sort, int *rc, json_t **values) {
  *rc = cursor_decode(KEY, cursor, sort, values);
  FUZZ_CHECK(*rc == 0 || *values == NULL, "refused but values were set");
  FUZZ_CHECK(*rc != 0 || json_is_array(*values), "accepted a cursor that is no array");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *values = NULL;
  int rc;
  if (size > 0 && data[0] == 'P') {
    char *cursor = sign(data + 1, size - 1);
    decode(cursor, SORT, &rc, &values);
    json_t *direct = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    /* cursor.c refuses what it cannot carry: an empty payload and cursors over 2048 bytes */
    int carried = size > 1 && strlen(cursor) <= 2048;
    FUZZ_CHECK((rc == 0) == (carried && json_is_array(direct)), "a signed payload was %s",
               rc == 0 ? "accepted" : "refused");
    FUZZ_CHECK(rc != 0 || json_equal(values, direct), "the decoded keys differ from the payload");
    json_decref(direct);
    json_decref(values);
    values = NULL;
    /* the same cursor under another sort is refused */
    decode(cursor, OTHER_SORT, &rc, &values);
    FUZZ_CHECK(rc != 0, "a cursor was accepted under another sort");
    free(cursor);
  } else if (size > 0 && data[0] == 'E') {
    json_t *doc = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
    if (json_is_array(doc)) {
      char *cursor = cursor_encode(KEY, SORT, doc);
      FUZZ_CHECK(cursor != NULL, "cursor_encode failed");
      if (strlen(cursor) <= 2048) {
        decode(cursor, SORT, &rc, &values);
        FUZZ_CHECK(rc == 0 && json_equal(values, doc), "an encoded cursor did not decode to its keys");
        json_decref(values);
        values = NULL;
      }
      decode(cursor, OTHER_SORT, &rc, &values);
      FUZZ_CHECK(rc != 0, "a cursor was accepted under another sort");
      free(cursor);
    }
    json_decref(doc);
  } else {
    char *cursor = fuzz_cstr(data, size);
    decode(cursor, SORT, &rc, &values);
    json_decref(values);
    free(cursor);
  }
  return 0;
}
