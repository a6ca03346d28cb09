/* The CSV writer of the exports (api/lib/csvw.c): whatever bytes a column holds, csvw_cell
 * writes one cell a spreadsheet reads back as the text (quoted exactly when it holds ';', '"',
 * CR or LF, its quotes doubled), with an apostrophe in front exactly when the text starts
 * with = + - @ tab or CR and is not a plain number; csvw_timestamp writes the zsz_ts form or
 * the plain cell; csvw_json_list writes one cell of the same kind or nothing.
 *
 * Input: the bytes, given to all three. */
#include "csvw.h"
#include "fuzz.h"

static int plain_number(const uint8_t *s, size_t n) {
  size_t i = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  size_t d = i;
  while (i < n && s[i] >= '0' && s[i] <= '9')
    i++;
  if (i == d) return 0;
  if (i == n) return 1;
  if (s[i] != '.' && s[i] != ',') return 0;
  d = ++i;
  while (i < n && s[i] >= '0' && s[i] <= '9')
    i++;
  return i > d && i == n;
}

/* What a spreadsheet reads from the cell text (n bytes): the quoted form undone. The cell is
 * one field: unquoted it holds no ; " CR LF, quoted it ends with the closing quote and every
 * inner quote is doubled. Returns the text (caller frees) and its length in *len. */
static char *read_cell(const char *cell, size_t n, size_t *len) {
  char *out = malloc(n + 1);
  FUZZ_CHECK(out != NULL, "out of memory");
  size_t o = 0;
  if (n > 0 && cell[0] == '"') {
    FUZZ_CHECK(n >= 2 && cell[n - 1] == '"', "quoted cell not closed: %.*s", (int)n, cell);
    for (size_t i = 1; i < n - 1; i++) {
      if (cell[i] == '"') {
        FUZZ_CHECK(i + 1 < n - 1 && cell[i + 1] == '"', "lone quote inside: %.*s", (int)n, cell);
        i++;
      }
      out[o++] = cell[i];
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      FUZZ_CHECK(cell[i] != ';' && cell[i] != '"' && cell[i] != '\r' && cell[i] != '\n',
                 "unquoted cell holds a separator: %.*s", (int)n, cell);
      out[o++] = cell[i];
    }
  }
  *len = o;
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct strbuf b = {0};
  csvw_cell(&b, (const char *)data, size);
  FUZZ_CHECK(!b.oom, "out of memory");
  size_t len;
  char *text = read_cell(b.data ? b.data : "", b.len, &len);
  int formula = size > 0 && strchr("=+-@\t\r", data[0]) != NULL && data[0] != '\0' && !plain_number(data, size);
  FUZZ_CHECK(len == size + (formula ? 1 : 0), "the cell reads back %zu bytes for %zu", len, size);
  FUZZ_CHECK(!formula || text[0] == '\'', "a formula without its apostrophe");
  FUZZ_CHECK(memcmp(text + (formula ? 1 : 0), data, size) == 0, "the cell does not read back as the text");
  free(text);
  strbuf_free(&b);

  struct strbuf t = {0}, plain = {0};
  csvw_timestamp(&t, (const char *)data, size);
  csvw_cell(&plain, (const char *)data, size);
  FUZZ_CHECK(!t.oom && !plain.oom, "out of memory");
  int same = t.len == plain.len && (t.len == 0 || memcmp(t.data, plain.data, t.len) == 0);
  if (!same) {
    FUZZ_CHECK((t.len == 25 || t.len == 28) && t.data[10] == 'T' && t.data[4] == '-' && t.data[16] == ':' &&
                   (t.data[19] == '+' || t.data[19] == '-'),
               "a timestamp cell neither the zsz_ts form nor the plain cell: %.*s", (int)t.len, t.data);
  }
  strbuf_free(&t);
  strbuf_free(&plain);

  struct strbuf l = {0};
  csvw_json_list(&l, (const char *)data, size);
  FUZZ_CHECK(!l.oom, "out of memory");
  text = read_cell(l.data ? l.data : "", l.len, &len);
  free(text);
  strbuf_free(&l);
  return 0;
}
