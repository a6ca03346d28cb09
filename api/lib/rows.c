#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

/* The converted window of a CSV body in another charset: at most a third of it in input bytes
 * per refill, so a single-byte charset always fits (a character is at most 3 bytes of UTF-8). */
#define ROWS_WINDOW 65536

struct rows_reader {
  enum rows_format fmt;
  const char *p, *end; /* the body not yet read */
  int state;           /* 0 before the first row, 1 reading, 2 at the end, 3 failed */
  char failed[160];    /* the message repeated after a failure */
  size_t count;
  /* CSV */
  iconv_t cd; /* (iconv_t)-1: the body is UTF-8 */
  char *win;
  size_t wlen, wpos;
  char sep;
  size_t line;
  json_t *header; /* array of field names */
};

void rows_media_type(const char *ct, char *type, size_t typelen, char *charset, size_t charsetlen) {
  type[0] = '\0';
  charset[0] = '\0';
  if (ct == NULL) return;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strcspn(ct, "; \t");
  if (n < typelen) {
    for (size_t i = 0; i < n; i++)
      type[i] = (char)tolower((unsigned char)ct[i]);
    type[n] = '\0';
  }
  for (const char *q = strchr(ct, ';'); q != NULL; q = strchr(q + 1, ';')) {
    const char *k = q + 1;
    while (*k == ' ' || *k == '\t')
      k++;
    if (strncasecmp(k, "charset", 7) != 0) continue;
    k += 7;
    while (*k == ' ' || *k == '\t')
      k++;
    if (*k != '=') continue;
    k++;
    while (*k == ' ' || *k == '\t')
      k++;
    int quoted = *k == '"';
    if (quoted) k++;
    size_t m = strcspn(k, quoted ? "\"" : "; \t");
    if (m < charsetlen) {
      for (size_t i = 0; i < m; i++)
        charset[i] = (char)tolower((unsigned char)k[i]);
      charset[m] = '\0';
    }
  }
}

static int charset_is_utf8(const char *cs) {
  return cs[0] == '\0' || strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0 || strcmp(cs, "us-ascii") == 0;
}

/* The charsets a CSV body may come in besides UTF-8: what Polish spreadsheets write. */
static const char *iconv_name(const char *cs) {
  if (strcmp(cs, "windows-1250") == 0 || strcmp(cs, "cp1250") == 0 || strcmp(cs, "x-cp1250") == 0) {
    return "WINDOWS-1250";
  }
  if (strcmp(cs, "iso-8859-2") == 0 || strcmp(cs, "latin2") == 0) {
    return "ISO-8859-2";
  }
  return NULL;
}

/* ';' or ',' by which is more frequent in the header line outside quotes (',' when neither). */
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

enum rows_open_status rows_open(const char *content_type, const char *body, size_t len, struct rows_reader **out) {
  char type[64], charset[32];
  *out = NULL;
  rows_media_type(content_type, type, sizeof type, charset, sizeof charset);
  enum rows_format fmt;
  if (strcmp(type, "application/json") == 0) {
    fmt = ROWS_JSON;
  } else if (strcmp(type, "application/x-ndjson") == 0) {
    fmt = ROWS_NDJSON;
  } else if (strcmp(type, "text/csv") == 0) {
    fmt = ROWS_CSV;
  } else {
    return ROWS_OPEN_MEDIA_TYPE;
  }
  const char *conv = NULL;
  if (!charset_is_utf8(charset)) {
    conv = fmt == ROWS_CSV ? iconv_name(charset) : NULL;
    if (conv == NULL) return ROWS_OPEN_CHARSET;
  }
  struct rows_reader *r = calloc(1, sizeof *r);
  if (r == NULL) return ROWS_OPEN_NOMEM;
  r->fmt = fmt;
  r->p = body ? body : "";
  r->end = r->p + (body ? len : 0);
  r->cd = (iconv_t)-1;
  r->line = 1;
  if (conv != NULL) {
    r->cd = iconv_open("UTF-8", conv);
    r->win = malloc(ROWS_WINDOW);
    if (r->cd == (iconv_t)-1 || r->win == NULL) {
      enum rows_open_status st = r->cd == (iconv_t)-1 ? ROWS_OPEN_CHARSET : ROWS_OPEN_NOMEM;
      rows_close(r);
      return st;
    }
  } else if (r->end - r->p >= 3 && memcmp(r->p, "\xEF\xBB\xBF", 3) == 0) {
    r->p += 3; /* a UTF-8 byte-order mark */
  }
  *out = r;
  return ROWS_OPEN_OK;
}

void rows_close(struct rows_reader *r) {
  if (r == NULL) return;
  if (r->cd != (iconv_t)-1) iconv_close(r->cd);
  free(r->win);
  json_decref(r->header);
  free(r);
}

size_t rows_count(const struct rows_reader *r) {
  return r->count;
}

enum rows_format rows_format_of(const struct rows_reader *r) {
  return r->fmt;
}

static enum rows_status fail(struct rows_reader *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum rows_status fail(struct rows_reader *r, char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->failed, sizeof r->failed, fmt, ap);
  va_end(ap);
  r->state = 3;
  snprintf(err, errlen, "%s", r->failed);
  return ROWS_ERROR;
}

/* Fails with the message already in r->failed. */
static enum rows_status refuse(struct rows_reader *r, char *err, size_t errlen) {
  r->state = 3;
  snprintf(err, errlen, "%s", r->failed);
  return ROWS_ERROR;
}

/* ---- JSON and NDJSON ---------------------------------------------------------------------- */

static void skip_ws(struct rows_reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static enum rows_status json_next(struct rows_reader *r, json_t **row, char *err, size_t errlen) {
  skip_ws(r);
  if (r->state == 0) {
    if (r->p < r->end && *r->p == '[') {
      r->p++;
      r->state = 1;
      skip_ws(r);
      if (r->p < r->end && *r->p == ']') {
        r->p++;
        goto after_array;
      }
    } else {
      return fail(r, err, errlen, "the body must be a JSON array of objects");
    }
  } else {
    /* after an element: a comma and the next, or the end of the array */
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      skip_ws(r);
    } else if (r->p < r->end && *r->p == ']') {
      r->p++;
      goto after_array;
    } else {
      return fail(r, err, errlen, "rows[%zu]: ',' or ']' expected after the row", r->count ? r->count - 1 : 0);
    }
  }
  if (r->p >= r->end || *r->p != '{') {
    return fail(r, err, errlen, "rows[%zu]: a row must be a JSON object", r->count);
  }
  json_error_t je;
  json_t *v = json_loadb(r->p, (size_t)(r->end - r->p), JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
  if (v == NULL) {
    return fail(r, err, errlen, "rows[%zu]: %s", r->count, je.text);
  }
  if (!json_is_object(v) || je.position <= 0) {
    json_decref(v);
    return fail(r, err, errlen, "rows[%zu]: a row must be a JSON object", r->count);
  }
  r->p += je.position;
  r->count++;
  *row = v;
  return ROWS_ROW;
after_array:
  skip_ws(r);
  if (r->p < r->end) {
    return fail(r, err, errlen, "text after the array");
  }
  r->state = 2;
  return ROWS_END;
}

static enum rows_status ndjson_next(struct rows_reader *r, json_t **row, char *err, size_t errlen) {
  for (;;) {
    if (r->p >= r->end) {
      r->state = 2;
      return ROWS_END;
    }
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    const char *line_end = nl ? nl : r->end;
    const char *s = r->p, *e = line_end;
    r->p = nl ? nl + 1 : r->end;
    while (s < e && (*s == ' ' || *s == '\t'))
      s++;
    while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
      e--;
    if (s == e) {
      r->line++;
      continue;
    }
    json_error_t je;
    json_t *v = json_loadb(s, (size_t)(e - s), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (v == NULL) {
      return fail(r, err, errlen, "rows[%zu] (line %zu): %s", r->count, r->line, je.text);
    }
    if (!json_is_object(v)) {
      json_decref(v);
      return fail(r, err, errlen, "rows[%zu] (line %zu): a row must be a JSON object", r->count, r->line);
    }
    r->line++;
    r->count++;
    *row = v;
    return ROWS_ROW;
  }
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* Converts the next piece of the body into the window. 0, or -1 with the reason in r->failed. */
static int refill(struct rows_reader *r) {
  r->wpos = r->wlen = 0;
  if (r->p >= r->end) return 0;
  size_t in_left = (size_t)(r->end - r->p);
  if (in_left > ROWS_WINDOW / 4) in_left = ROWS_WINDOW / 4;
  char *in = (char *)r->p, *outp = r->win;
  size_t out_left = ROWS_WINDOW;
  size_t before = in_left;
  size_t rc = iconv(r->cd, &in, &in_left, &outp, &out_left);
  r->p += before - in_left;
  r->wlen = ROWS_WINDOW - out_left;
  if (rc == (size_t)-1 && r->wlen == 0) {
    snprintf(r->failed, sizeof r->failed, "line %zu: byte 0x%02X is not in the declared charset", r->line,
             (unsigned)(unsigned char)*r->p);
    return -1;
  }
  return 0;
}

/* The next byte of the (UTF-8) text without taking it: 1, 0 at the end, -1 on a charset error. */
static int peek(struct rows_reader *r, char *ch) {
  if (r->cd == (iconv_t)-1) {
    if (r->p >= r->end) return 0;
    *ch = *r->p;
    return 1;
  }
  if (r->wpos >= r->wlen && refill(r) != 0) return -1;
  if (r->wpos >= r->wlen) return 0;
  *ch = r->win[r->wpos];
  return 1;
}

static void take(struct rows_reader *r) {
  if (r->cd == (iconv_t)-1) {
    r->p++;
  } else {
    r->wpos++;
  }
}

/* One record into cells (strings). 1 with a record, 0 at the end, -1 with r->failed set.
 * Blank lines are skipped. */
static int csv_record(struct rows_reader *r, json_t *cells) {
  struct strbuf field = {0};
  int quoted = 0, was_quoted = 0, content = 0, rc = -1;
  size_t start_line = r->line;
  for (;;) {
    char ch;
    int got = peek(r, &ch);
    if (got < 0) goto out;
    if (got == 0) {
      if (quoted) {
        snprintf(r->failed, sizeof r->failed, "line %zu: a quoted field is not closed", start_line);
        goto out;
      }
      if (!content && json_array_size(cells) == 0) {
        rc = 0;
        goto out;
      }
      ch = '\n';
    } else {
      take(r);
    }
    if (got && ch == '\0') {
      snprintf(r->failed, sizeof r->failed, "line %zu: a NUL byte is not text", r->line);
      goto out;
    }
    if (quoted) {
      if (ch == '"') {
        char next;
        int g2 = peek(r, &next);
        if (g2 < 0) goto out;
        if (g2 == 1 && next == '"') {
          take(r);
          strbuf_append(&field, "\"", 1);
        } else {
          quoted = 0;
        }
      } else {
        if (ch == '\n') r->line++;
        strbuf_append(&field, &ch, 1);
      }
      continue;
    }
    if (ch == '"' && field.len == 0 && !was_quoted) {
      quoted = was_quoted = content = 1;
      continue;
    }
    if (ch == '"') {
      snprintf(r->failed, sizeof r->failed, "line %zu: a quote inside an unquoted field", r->line);
      goto out;
    }
    if (ch == r->sep || ch == '\n' || ch == '\r') {
      if (ch == '\r') {
        char next;
        if (peek(r, &next) == 1 && next == '\n') take(r);
      }
      int end_of_line = ch != r->sep;
      if (!end_of_line || content || json_array_size(cells) > 0) {
        json_t *s = json_stringn(field.data ? field.data : "", field.len);
        if (s == NULL) {
          snprintf(r->failed, sizeof r->failed, "line %zu: a field is not valid UTF-8", r->line);
          goto out;
        }
        json_array_append_new(cells, s);
        content = 1;
      }
      strbuf_free(&field);
      memset(&field, 0, sizeof field);
      was_quoted = 0;
      if (end_of_line) {
        r->line++;
        if (content) {
          rc = 1;
          goto out;
        }
        /* a blank line */
        if (got == 0) {
          rc = 0;
          goto out;
        }
      }
      continue;
    }
    if (was_quoted) {
      snprintf(r->failed, sizeof r->failed, "line %zu: text after a quoted field", r->line);
      goto out;
    }
    strbuf_append(&field, &ch, 1);
    content = 1;
  }
out:
  if (field.oom && rc >= 0) {
    snprintf(r->failed, sizeof r->failed, "out of memory");
    rc = -1;
  }
  strbuf_free(&field);
  return rc;
}

static enum rows_status csv_next(struct rows_reader *r, json_t **row, char *err, size_t errlen) {
  if (r->state == 0) {
    r->sep = pick_separator(r->p, r->end);
    r->header = json_array();
    int got = csv_record(r, r->header);
    if (got < 0) return refuse(r, err, errlen);
    if (got == 0) return fail(r, err, errlen, "the header row is missing");
    size_t i, j;
    json_t *name, *other;
    json_array_foreach(r->header, i, name) {
      /* spreadsheets pad names: the field is the name without surrounding blanks */
      const char *s = json_string_value(name);
      size_t n = json_string_length(name);
      while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
      while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
      json_array_set_new(r->header, i, json_stringn(s, n));
      if (n == 0) return fail(r, err, errlen, "header: column %zu has no name", i + 1);
      for (j = 0; j < i; j++) {
        other = json_array_get(r->header, j);
        if (json_equal(other, json_array_get(r->header, i))) {
          return fail(r, err, errlen, "header: column %zu repeats the name of column %zu", i + 1, j + 1);
        }
      }
    }
    r->state = 1;
  }
  json_t *cells = json_array();
  size_t line = r->line;
  int got = csv_record(r, cells);
  if (got <= 0) {
    json_decref(cells);
    if (got < 0) return refuse(r, err, errlen);
    r->state = 2;
    return ROWS_END;
  }
  if (json_array_size(cells) > json_array_size(r->header)) {
    json_decref(cells);
    return fail(r, err, errlen, "rows[%zu] (line %zu): more cells than the header names", r->count, line);
  }
  json_t *obj = json_object();
  size_t i;
  json_t *cell;
  json_array_foreach(cells, i, cell) {
    if (json_string_length(cell) > 0) {
      json_object_set(obj, json_string_value(json_array_get(r->header, i)), cell);
    }
  }
  json_decref(cells);
  r->count++;
  *row = obj;
  return ROWS_ROW;
}

enum rows_status rows_next(struct rows_reader *r, json_t **row, char *err, size_t errlen) {
  *row = NULL;
  if (r->state == 2) return ROWS_END;
  if (r->state == 3) {
    snprintf(err, errlen, "%s", r->failed);
    return ROWS_ERROR;
  }
  switch (r->fmt) {
  case ROWS_JSON:
    return json_next(r, row, err, errlen);
  case ROWS_NDJSON:
    return ndjson_next(r, row, err, errlen);
  default:
    return csv_next(r, row, err, errlen);
  }
}
