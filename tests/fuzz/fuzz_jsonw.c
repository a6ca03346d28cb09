/* The JSON writer (api/lib/jsonw.c): whatever bytes a record's text holds, jsonw_string
 * writes one valid JSON string, and jansson reads back the same bytes when they were valid
 * UTF-8 without NUL (else a string with U+FFFD in place of each bad byte). jsonw_timestamp
 * either refuses its input, appending nothing, or writes "YYYY-MM-DDTHH:MM:SS+HH:MM[:SS]".
 *
 * Input: the bytes, given to both. */
#include "fuzz.h"
#include "jsonw.h"

/* 1 when the n bytes are valid UTF-8 without NUL, as jansson decides it. */
static int valid_utf8(const uint8_t *data, size_t size) {
  json_t *v = json_stringn((const char *)data, size);
  int ok = v != NULL && memchr(data, 0, size) == NULL;
  json_decref(v);
  return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct strbuf b = {0};
  jsonw_string(&b, (const char *)data, size);
  char *text = strbuf_steal(&b);
  FUZZ_CHECK(text != NULL, "no output");
  json_error_t e;
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  FUZZ_CHECK(v != NULL && json_is_string(v), "wrote no JSON string: %s (%s)", text, e.text);
  if (valid_utf8(data, size)) {
    FUZZ_CHECK(json_string_length(v) == size && memcmp(json_string_value(v), data, size) == 0,
               "valid UTF-8 did not come back unchanged: %s", text);
  }
  json_decref(v);
  free(text);

  struct strbuf t = {0};
  int rc = jsonw_timestamp(&t, (const char *)data, size);
  char *ts = strbuf_steal(&t);
  FUZZ_CHECK(ts != NULL, "no output");
  size_t n = strlen(ts);
  if (rc != 0) {
    FUZZ_CHECK(n == 0, "refused but wrote %s", ts);
  } else {
    FUZZ_CHECK((n == 27 || n == 30) && ts[0] == '"' && ts[n - 1] == '"' && ts[11] == 'T' && ts[23] == ':' &&
                   (ts[20] == '+' || ts[20] == '-'),
               "accepted but wrote %s", ts);
  }
  free(ts);
  return 0;
}
