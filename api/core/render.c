#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "render.h"

void render_record(struct strbuf *b, const PGresult *r, int row, const struct record_shape *shape) {
  strbuf_append(b, "{", 1);
  for (int k = 0; k < shape->ncols; k++) {
    const struct render_col *col = &shape->cols[k];
    if (k) strbuf_append(b, ",", 1);
    jsonw_key(b, col->name);
    if (PQgetisnull(r, row, k)) {
      strbuf_append(b, "null", 4);
      continue;
    }
    const char *v = PQgetvalue(r, row, k);
    size_t len = (size_t)PQgetlength(r, row, k);
    switch (col->kind) {
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
  strbuf_append(b, "}", 1);
}

enum db_status record_get_rendered(const struct req_ctx *c, struct db_tx *tx, struct result *res, const char *sql,
                                   int nparams, const char *const *params, const struct record_shape *shape,
                                   msg_id not_found) {
  PGresult *r = db_exec(tx, sql, nparams, params);
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
    free(res->raw_body);
    res->raw_body = strbuf_steal(&b);
    res->status = 200;
    if (res->raw_body == NULL) {
      result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    }
  }
  PQclear(r);
  return st;
}

void page_tag(const PGresult *rows, int limit, int id_col, int revision_col, char tag[32]) {
  int n = PQntuples(rows);
  int shown = n > limit ? limit : n;
  /* "id.revision;" per shown record, then + when a next page follows (its cursor is made of
   * the last shown record's keys, which that record's revision covers), else - */
  struct strbuf b = {0};
  for (int i = 0; i < shown; i++) {
    strbuf_append(&b, PQgetvalue(rows, i, id_col), (size_t)PQgetlength(rows, i, id_col));
    strbuf_append(&b, ".", 1);
    strbuf_append(&b, PQgetvalue(rows, i, revision_col), (size_t)PQgetlength(rows, i, revision_col));
    strbuf_append(&b, ";", 1);
  }
  strbuf_append(&b, n > limit && shown > 0 ? "+" : "-", 1);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  tag[0] = '\0';
  if (!b.oom && EVP_Digest(b.data, b.len, md, &len, EVP_md5(), NULL) == 1 && len >= 8) {
    snprintf(tag, 32, "W/\"p%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0], md[1], md[2], md[3], md[4], md[5], md[6],
             md[7]);
  }
  strbuf_free(&b);
}

void page_render_shaped(const struct req_ctx *c, struct result *res, const PGresult *rows,
                        const struct record_shape *shape, int key_col, int nkeys) {
  int n = PQntuples(rows);
  int shown = n > c->limit ? c->limit : n;
  int more = n > c->limit && shown > 0;
  page_tag(rows, c->limit, shape->id_col, shape->revision_col, res->tag);
  if (res->tag[0] && if_none_match_holds(c, res->tag)) {
    res->status = 304;
    return;
  }
  struct strbuf b = {0};
  /* the values' bytes, plus room for the names and punctuation of each record */
  size_t estimate = 64;
  for (int i = 0; i < shown; i++) {
    for (int k = 0; k < shape->ncols; k++)
      estimate += (size_t)PQgetlength(rows, i, k) + 24;
  }
  strbuf_reserve(&b, estimate + estimate / 16);
  strbuf_puts(&b, "{\"items\":[");
  for (int i = 0; i < shown; i++) {
    if (i) strbuf_append(&b, ",", 1);
    render_record(&b, rows, i, shape);
  }
  strbuf_puts(&b, "],\"next_cursor\":");
  char *cursor = more ? page_cursor(c, rows, shown - 1, key_col, nkeys) : NULL;
  if (cursor != NULL) {
    jsonw_string(&b, cursor, strlen(cursor));
    strbuf_append(&b, "}", 1);
  } else {
    strbuf_puts(&b, "null}");
  }
  free(res->raw_body);
  res->raw_body = strbuf_steal(&b);
  free(res->next_cursor);
  res->next_cursor = cursor;
  res->status = 200;
  if (res->raw_body == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
}
