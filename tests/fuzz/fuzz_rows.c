/* The rows reader of bulk imports (api/lib/rows.c rows_open, rows_next): the body of
 * POST /api/v1/imports/{kind} with its Content-Type.
 *
 * Input: the first byte picks the Content-Type (JSON array, NDJSON, CSV in UTF-8, CSV in
 * windows-1250), the rest is the body. Invariants: every row is a JSON object; a CSV row holds
 * non-empty UTF-8 strings only and at most as many members as the header names; the count
 * matches the rows returned; a failure has a message and stays a failure; a JSON array read
 * whole by jansson agrees with the rows streamed from it. */
#include <string.h>

#include "fuzz.h"
#include "rows.h"
#include "validate.h"

static const char *const TYPES[] = {"application/json", "application/x-ndjson", "text/csv",
                                    "text/csv; charset=windows-1250"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t t = data[0] % 4;
  const char *body = (const char *)data + 1;
  size_t len = size - 1;
  struct rows_reader *r = NULL;
  FUZZ_CHECK(rows_open(TYPES[t], body, len, &r) == ROWS_OPEN_OK, "could not open %s", TYPES[t]);
  json_t *row = NULL, *all = json_array();
  char err[160];
  enum rows_status st;
  size_t n = 0;
  while ((st = rows_next(r, &row, err, sizeof err)) == ROWS_ROW) {
    FUZZ_CHECK(json_is_object(row), "row %zu is no object", n);
    if (t >= 2) {
      const char *k;
      json_t *v;
      json_object_foreach(row, k, v) {
        FUZZ_CHECK(json_is_string(v) && json_string_length(v) > 0, "row %zu: %s is no non-empty string", n, k);
        FUZZ_CHECK(utf8_valid(json_string_value(v), json_string_length(v)), "row %zu: %s is not UTF-8", n, k);
      }
    }
    json_array_append_new(all, row);
    n++;
    FUZZ_CHECK(rows_count(r) == n, "count %zu after %zu rows", rows_count(r), n);
  }
  if (st == ROWS_ERROR) {
    FUZZ_CHECK(err[0] != '\0', "a failure without a message");
    FUZZ_CHECK(rows_next(r, &row, err, sizeof err) == ROWS_ERROR && row == NULL, "a failure did not stay");
  } else {
    FUZZ_CHECK(rows_next(r, &row, err, sizeof err) == ROWS_END && row == NULL, "the end did not stay");
  }
  if (t == 0) {
    /* jansson's reading of the whole body: an array of objects exactly when streamed whole */
    json_error_t je;
    size_t skip = len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    json_t *whole = json_loadb(body + skip, len - skip, JSON_REJECT_DUPLICATES, &je);
    int objects = json_is_array(whole);
    size_t i;
    json_t *e;
    json_array_foreach(whole, i, e) objects = objects && json_is_object(e);
    FUZZ_CHECK(objects == (st == ROWS_END), "whole: %s, streamed: %s", objects ? "array of objects" : "not",
               st == ROWS_END ? "read" : err);
    if (objects) FUZZ_CHECK(json_equal(whole, all), "the rows streamed differ from the array");
    json_decref(whole);
  }
  json_decref(all);
  rows_close(r);
  return 0;
}
