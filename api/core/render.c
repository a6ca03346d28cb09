#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "render.h"

void render_value(struct strbuf *b, const PGresult *r, int row, int col, enum render_kind kind) {
  if (PQgetisnull(r, row, col)) {
    strbuf_append(b, "null", 4);
    return;
  }
  render_chars(b, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col), kind);
}

void render_chars(struct strbuf *b, const char *v, size_t len, enum render_kind kind) {
  if (v == NULL) {
    strbuf_append(b, "null", 4);
    return;
  }
  switch (kind) {
  case RENDER_TEXT:
    jsonw_string(b, v, len);
    break;
  case RENDER_NUMBER:
  case RENDER_JSON:
    strbuf_append(b, v, len);
    break;
  case RENDER_BOOL:
    strbuf_puts(b, v[0] == 't' ? "true" : "false");
    break;
  case RENDER_TIMESTAMP:
    if (jsonw_timestamp(b, v, len) != 0) {
      jsonw_string(b, v, len); /* a year past 9999 or BC: no record holds one; never a broken document */
    }
    break;
  case RENDER_PROVENANCE:
    strbuf_puts(b, "{\"import_id\":");
    strbuf_append(b, v, len);
    strbuf_append(b, "}", 1);
    break;
  }
}

void render_record(struct strbuf *b, const PGresult *r, int row, const struct record_shape *shape) {
  strbuf_append(b, "{", 1);
  for (int k = 0; k < shape->ncols; k++) {
    if (k) strbuf_append(b, ",", 1);
    jsonw_key(b, shape->cols[k].name);
    render_value(b, r, row, k, shape->cols[k].kind);
  }
  strbuf_append(b, "}", 1);
}

enum db_status record_get_rendered(const struct req_ctx *c, struct db_tx *tx, struct result *res, const char *sql,
                                   int nparams, const char *const *params, const struct record_shape *shape,
                                   msg_id not_found) {
  PGresult *r = db_exec_generic(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 0 ? DB_NONE : DB_ONE;
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, not_found);
    PQclear(r);
    return st;
  }
  res->etag = atoll(PQgetvalue(r, 0, shape->revision_col));
  char tag[32];
  snprintf(tag, sizeof tag, "\"%lld\"", res->etag);
  if (if_none_match_holds(c, tag)) {
    res->status = 304;
  } else {
    struct strbuf b = {0};
    render_record(&b, r, 0, shape);
    result_raw_owned(res, 200, strbuf_steal(&b));
  }
  PQclear(r);
  return st;
}

/* FNV-1a, 64 bits: a page's tag needs no strength against an adversary (a caller can only
 * make its own answers 304 by sending a tag it was given), only to change with the page. */
static unsigned long long fnv1a64(unsigned long long h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

unsigned long long page_tag_add(unsigned long long h, const char *v, size_t len) {
  /* NULL and '' differ: a value is hashed with its terminator, a NULL as the byte 0x01 */
  return v == NULL ? fnv1a64(h, "\001", 1) : fnv1a64(fnv1a64(h, v, len), "", 1);
}

void page_tag_end(char *tag, size_t size, char kind, unsigned long long h, int more) {
  h = fnv1a64(h, more ? "+" : "-", 1);
  snprintf(tag, size, "W/\"%c%016llx\"", kind, h);
}

void page_tag(char *tag, size_t size, char kind, const PGresult *rows, int shown, int more, const int *cols,
              int ncols) {
  unsigned long long h = PAGE_TAG_SEED;
  for (int i = 0; i < shown; i++) {
    for (int k = 0; k < ncols; k++) {
      h = PQgetisnull(rows, i, cols[k])
              ? page_tag_add(h, NULL, 0)
              : page_tag_add(h, PQgetvalue(rows, i, cols[k]), (size_t)PQgetlength(rows, i, cols[k]));
    }
  }
  page_tag_end(tag, size, kind, h, more);
}

/* page_body for records of several rows each: item appends the record that starts at row and
 * returns the row after it; rows 0..end-1 are shown, the cursor is made of row cursor_row's
 * keys, the buffer sized for estimate bytes. (Its only caller now is page_body: every register's
 * record is one row since the cards keep their parts, 0048.) */
typedef int (*page_span_fn)(struct strbuf *b, const PGresult *rows, int row, const void *arg);
static void page_body_spans(const struct req_ctx *c, struct result *res, const PGresult *rows, int end, int more,
                            page_span_fn item, const void *arg, size_t estimate, int cursor_row, int key_col,
                            int nkeys) {
  struct strbuf b = {0};
  strbuf_reserve(&b, estimate + estimate / 16);
  strbuf_puts(&b, "{\"items\":[");
  for (int i = 0; i < end;) {
    if (i) strbuf_append(&b, ",", 1);
    int next = item(&b, rows, i, arg);
    i = next > i ? next : i + 1;
  }
  strbuf_puts(&b, "],\"next_cursor\":");
  char *cursor = more ? page_cursor(c, rows, cursor_row, key_col, nkeys) : NULL;
  if (cursor != NULL) {
    jsonw_string(&b, cursor, strlen(cursor));
    strbuf_append(&b, "}", 1);
  } else {
    strbuf_puts(&b, "null}");
  }
  free(res->next_cursor);
  res->next_cursor = cursor;
  result_raw_owned(res, 200, strbuf_steal(&b));
}

struct one_row {
  page_item_fn item;
  const void *arg;
};

static int one_row_item(struct strbuf *b, const PGresult *rows, int row, const void *arg) {
  const struct one_row *w = arg;
  w->item(b, rows, row, w->arg);
  return row + 1;
}

void page_body(const struct req_ctx *c, struct result *res, const PGresult *rows, int shown, int more,
               page_item_fn item, const void *arg, int sized_cols, int key_col, int nkeys) {
  /* the values' bytes, plus room for the names and punctuation of each record */
  size_t estimate = 64;
  for (int i = 0; i < shown; i++) {
    for (int k = 0; k < sized_cols; k++)
      estimate += (size_t)PQgetlength(rows, i, k) + 24;
  }
  const struct one_row w = {item, arg};
  page_body_spans(c, res, rows, shown, more, one_row_item, &w, estimate, shown - 1, key_col, nkeys);
}

static void shaped_item(struct strbuf *b, const PGresult *rows, int row, const void *shape) {
  render_record(b, rows, row, shape);
}

void page_render_shaped(const struct req_ctx *c, struct result *res, const PGresult *rows,
                        const struct record_shape *shape, int key_col, int nkeys) {
  /* what the page shows: each record's id and revision, and whether a next page follows
   * (its cursor is made of the last shown record's keys, covered by that record's revision) */
  const int cols[] = {shape->id_col, shape->revision_col};
  page_render_shaped_tagged(c, res, rows, shape, cols, 2, key_col, nkeys);
}

void page_render_shaped_tagged(const struct req_ctx *c, struct result *res, const PGresult *rows,
                               const struct record_shape *shape, const int *tag_cols, int ntag, int key_col,
                               int nkeys) {
  int n = PQntuples(rows);
  int shown = n > c->limit ? c->limit : n;
  int more = n > c->limit && shown > 0;
  page_tag(res->tag, sizeof res->tag, 'p', rows, shown, more, tag_cols, ntag);
  if (if_none_match_holds(c, res->tag)) {
    res->status = 304;
    return;
  }
  page_body(c, res, rows, shown, more, shaped_item, shape, shape->ncols, key_col, nkeys);
}
