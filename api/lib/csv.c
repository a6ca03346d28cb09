#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "strbuf.h"

static char pick_separator(const char *p, const char *end) {
  size_t semis = 0, commas = 0;
  int quoted = 0;
  for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
    if (*p == '"') quoted = !quoted;
    if (!quoted && *p == ';') semis++;
    if (!quoted && *p == ',') commas++;
  }
  return semis >= commas && semis > 0 ? ';' : ',';
}

json_t *csv_parse(const char *text, size_t len, char *err, size_t errlen) {
  const char *p = text, *end = text + len;
  json_t *rows = json_array(), *row = json_array();
  struct strbuf field = {0};
  size_t line = 1;
  int quoted = 0, was_quoted = 0, row_has_content = 0;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
    p += 3;
  }
  char sep = pick_separator(p, end);
  err[0] = '\0';
  for (;;) {
    int at_end = p >= end;
    char ch = at_end ? '\n' : *p;
    if (!at_end && ch == '\0') {
      /* a cell is a C string: a NUL would cut it short without a word */
      snprintf(err, errlen, "line %zu: a NUL byte is not text", line);
      goto fail;
    }
    if (quoted && !at_end) {
      if (ch == '"') {
        if (p + 1 < end && p[1] == '"') {
          strbuf_append(&field, "\"", 1);
          p += 2;
          continue;
        }
        quoted = 0;
      } else {
        if (ch == '\n') line++;
        strbuf_append(&field, p, 1);
      }
      p++;
      continue;
    }
    if (quoted && at_end) {
      snprintf(err, errlen, "line %zu: a quoted field is not closed", line);
      goto fail;
    }
    if (ch == '"' && field.len == 0 && !was_quoted) {
      quoted = was_quoted = 1;
      row_has_content = 1;
      p++;
      continue;
    }
    if (ch == '"') {
      snprintf(err, errlen, "line %zu: a quote inside an unquoted field", line);
      goto fail;
    }
    if (ch == sep || ch == '\n' || ch == '\r') {
      if (was_quoted && field.len == 0) {
        json_array_append_new(row, json_string(""));
      } else {
        char *value = strbuf_steal(&field);
        json_t *s = value ? json_string(value) : NULL;
        free(value);
        if (s == NULL) {
          snprintf(err, errlen, "line %zu: a field is not valid UTF-8", line);
          goto fail;
        }
        json_array_append_new(row, s);
      }
      strbuf_free(&field);
      was_quoted = 0;
      if (ch == sep) {
        row_has_content = 1;
      } else {
        if (row_has_content || json_string_length(json_array_get(row, 0)) > 0) {
          json_array_append(rows, row);
        }
        json_decref(row);
        row = json_array();
        row_has_content = 0;
        if (ch == '\r' && p + 1 < end && p[1] == '\n') p++;
        line++;
      }
      if (at_end) break;
      p++;
      continue;
    }
    if (was_quoted) {
      snprintf(err, errlen, "line %zu: text after a closing quote", line);
      goto fail;
    }
    strbuf_append(&field, p, 1);
    row_has_content = 1;
    p++;
  }
  json_decref(row);
  strbuf_free(&field);
  return rows;
fail:
  json_decref(row);
  json_decref(rows);
  strbuf_free(&field);
  return NULL;
}
