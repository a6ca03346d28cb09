#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "jsonw.h"

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* 1 when s matches ^[+-]?[0-9]+([.,][0-9]+)?$ (a plain number a spreadsheet shows as such). */
static int plain_number(const char *s, size_t len) {
  size_t i = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) i++;
  size_t start = i;
  while (i < len && is_digit(s[i]))
    i++;
  if (i == start) return 0;
  if (i == len) return 1;
  if (s[i] != '.' && s[i] != ',') return 0;
  start = ++i;
  while (i < len && is_digit(s[i]))
    i++;
  return i > start && i == len;
}

static int starts_formula(const char *s, size_t len) {
  if (len == 0) return 0;
  switch (s[0]) {
  case '=':
  case '+':
  case '-':
  case '@':
  case '\t':
  case '\r':
    return !plain_number(s, len);
  default:
    return 0;
  }
}

/* 1 when s holds ';', '"', CR or LF (zsz_csv's [;"\r\n]). */
static int needs_quotes(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ';' || c == '"' || c == '\r' || c == '\n') return 1;
  }
  return 0;
}

void csvw_cell(struct strbuf *b, const char *s, size_t len) {
  if (s == NULL) return;
  int formula = starts_formula(s, len);
  if (!needs_quotes(s, len)) {
    if (formula) strbuf_append(b, "'", 1);
    strbuf_append(b, s, len);
    return;
  }
  strbuf_append(b, formula ? "\"'" : "\"", formula ? 2 : 1);
  size_t from = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') {
      strbuf_append(b, s + from, i + 1 - from); /* up to and with the quote, then the quote again */
      strbuf_append(b, "\"", 1);
      from = i + 1;
    }
  }
  strbuf_append(b, s + from, len - from);
  strbuf_append(b, "\"", 1);
}

void csvw_timestamp(struct strbuf *b, const char *s, size_t len) {
  char out[JSONW_TIMESTAMP_MAX];
  size_t n = s == NULL ? 0 : jsonw_timestamp_text(out, s, len);
  if (n > 0) {
    strbuf_append(b, out, n); /* digits, '-', ':', 'T', '+': never quoted, never a formula */
  } else {
    csvw_cell(b, s, len);
  }
}

void csvw_json_list(struct strbuf *b, const char *s, size_t len) {
  if (s == NULL) return;
  json_t *a = json_loadb(s, len, JSON_DECODE_ANY, NULL);
  if (!json_is_array(a)) {
    json_decref(a);
    return;
  }
  struct strbuf joined = {0};
  int any = 0;
  size_t i;
  json_t *e;
  json_array_foreach(a, i, e) {
    if (json_is_null(e)) continue;
    if (any) strbuf_append(&joined, ", ", 2);
    any = 1;
    if (json_is_string(e)) {
      strbuf_append(&joined, json_string_value(e), json_string_length(e));
    } else {
      char *text = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
      if (text != NULL) strbuf_puts(&joined, text);
      free(text);
    }
  }
  json_decref(a);
  if (any) {
    if (joined.oom) {
      b->oom = 1; /* the row is given up, as any other allocation failure */
    } else {
      csvw_cell(b, joined.data ? joined.data : "", joined.len);
    }
  }
  strbuf_free(&joined);
}
