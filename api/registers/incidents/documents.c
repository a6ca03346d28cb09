/* The incident's document in C from its columns (documents.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "jsonw.h"
#include "render.h"

/* The document's members before deadlines, in zsz_incident_json's order (columns 0..21). */
static const struct render_col INCIDENT_HEAD_COLS[] = {
    {"id", RENDER_NUMBER},
    {"number", RENDER_TEXT},
    {"title", RENDER_TEXT},
    {"description", RENDER_TEXT},
    {"kind", RENDER_TEXT},
    {"categories", RENDER_JSON}, /* PostgreSQL's array text: pg_array() */
    {"type", RENDER_TEXT},
    {"occurred_at", RENDER_TIMESTAMP},
    {"detected_at", RENDER_TIMESTAMP},
    {"reported_at", RENDER_TIMESTAMP},
    {"reporter", RENDER_TEXT},
    {"source", RENDER_TEXT},
    {"affected_systems", RENDER_JSON},
    {"affected_org_unit_ids", RENDER_JSON},
    {"severity", RENDER_NUMBER},
    {"status", RENDER_TEXT},
    {"status_reason", RENDER_TEXT},
    {"resolution", RENDER_TEXT},
    {"lessons_learned", RENDER_TEXT},
    {"evidence", RENDER_JSON},
    {"breach", RENDER_JSON},
    {"ksc", RENDER_JSON},
};
#define HEAD_NCOLS ((int)(sizeof INCIDENT_HEAD_COLS / sizeof INCIDENT_HEAD_COLS[0]))
enum {
  COL_NUMBER = 1,
  COL_TITLE = 2,
  COL_REPORTED_AT = 9,
  COL_STATUS = 15,
  COL_CREATED_AT = 22,
  COL_UPDATED_AT = 23,
  COL_IMPORT_ID = 24
};

static const char *const RULES[] = {"uodo", "csirt", "subjects"};

/* The columns of the head that are PostgreSQL arrays (text[], bigint[]), as array_out writes
 * them. */
enum { COL_CATEGORIES = 5, COL_AFFECTED_SYSTEMS = 12, COL_AFFECTED_UNITS = 13 };

/* A one-dimensional array's text as array_out writes it ("{a,\"b c\",NULL}", or with its bounds
 * first, "[2:3]={...}") written as to_json writes the array: ["a","b c",null], numbers (numbers
 * set) as they are. An element is quoted when it must be, its quotes and backslashes escaped by
 * a backslash; an unquoted NULL is SQL NULL. */
static void pg_array(struct strbuf *b, const char *v, size_t len, int numbers) {
  size_t i = 0;
  if (len > 0 && v[0] == '[') {
    while (i < len && v[i] != '=')
      i++;
    i++;
  }
  i++; /* the opening brace */
  strbuf_append(b, "[", 1);
  struct strbuf el = {0};
  int first = 1;
  while (i < len && v[i] != '}') {
    if (!first) strbuf_append(b, ",", 1);
    first = 0;
    if (v[i] == '"') {
      i++;
      size_t start = i, escapes = 0;
      while (i < len && v[i] != '"') {
        if (v[i] == '\\') {
          escapes++;
          i++;
        }
        i++;
      }
      if (i > len) i = len; /* not array_out's text: never past its end */
      const char *text = v + start;
      size_t n = i - start;
      i++;           /* the closing quote */
      if (escapes) { /* the element without its escaping backslashes */
        el.len = 0;
        for (size_t k = start; k < start + n; k++) {
          if (v[k] == '\\' && k + 1 < start + n) k++;
          strbuf_append(&el, v + k, 1);
        }
        text = el.data ? el.data : "";
        n = el.len;
      }
      if (numbers) {
        strbuf_append(b, text, n);
      } else {
        jsonw_string(b, text, n);
      }
    } else {
      size_t start = i;
      while (i < len && v[i] != ',' && v[i] != '}')
        i++;
      if (i - start == 4 && memcmp(v + start, "NULL", 4) == 0) {
        strbuf_append(b, "null", 4);
      } else if (numbers) {
        strbuf_append(b, v + start, i - start);
      } else {
        jsonw_string(b, v + start, i - start);
      }
    }
    if (i < len && v[i] == ',') i++;
  }
  strbuf_free(&el);
  strbuf_append(b, "]", 1);
}

/* The head of the document (INCIDENT_HEAD_COLS), open: its closing brace not written. */
static void incident_head(struct strbuf *b, const PGresult *r, int row) {
  strbuf_append(b, "{", 1);
  for (int k = 0; k < HEAD_NCOLS; k++) {
    if (k) strbuf_append(b, ",", 1);
    jsonw_key(b, INCIDENT_HEAD_COLS[k].name);
    if (k == COL_CATEGORIES || k == COL_AFFECTED_SYSTEMS || k == COL_AFFECTED_UNITS) {
      pg_array(b, PQgetvalue(r, row, k), (size_t)PQgetlength(r, row, k), k == COL_AFFECTED_UNITS);
    } else {
      render_value(b, r, row, k, INCIDENT_HEAD_COLS[k].kind);
    }
  }
}

static void member(struct strbuf *b, const char *name, const PGresult *r, int row, int col, enum render_kind kind) {
  strbuf_append(b, ",", 1);
  jsonw_key(b, name);
  render_value(b, r, row, col, kind);
}

void incident_render(struct strbuf *b, const PGresult *r, int row) {
  if (strcmp(PQgetvalue(r, row, INCIDENT_VIEW_COL), "reporter") == 0) {
    strbuf_puts(b, "{\"id\":");
    render_value(b, r, row, 0, RENDER_NUMBER);
    member(b, "number", r, row, COL_NUMBER, RENDER_TEXT);
    member(b, "title", r, row, COL_TITLE, RENDER_TEXT);
    member(b, "status", r, row, COL_STATUS, RENDER_TEXT);
    member(b, "reported_at", r, row, COL_REPORTED_AT, RENDER_TIMESTAMP);
    strbuf_append(b, "}", 1);
    return;
  }
  incident_head(b, r, row);
  if (b->oom) return;
  /* as zsz_deadline's jsonb: rule, state, due_at, met_at (jsonb's order of keys) */
  strbuf_puts(b, ",\"deadlines\":[");
  for (int k = 0; k < 3; k++) {
    int col = INCIDENT_DEADLINES_COL + 3 * k;
    if (k) strbuf_append(b, ",", 1);
    strbuf_puts(b, "{\"rule\":\"");
    strbuf_puts(b, RULES[k]);
    strbuf_puts(b, "\",\"state\":");
    render_value(b, r, row, col + 2, RENDER_TEXT);
    member(b, "due_at", r, row, col, RENDER_TIMESTAMP);
    member(b, "met_at", r, row, col + 1, RENDER_TIMESTAMP);
    strbuf_append(b, "}", 1);
  }
  strbuf_append(b, "]", 1);
  member(b, "created_at", r, row, COL_CREATED_AT, RENDER_TIMESTAMP);
  member(b, "updated_at", r, row, COL_UPDATED_AT, RENDER_TIMESTAMP);
  strbuf_puts(b, ",\"provenance\":");
  if (PQgetisnull(r, row, COL_IMPORT_ID)) {
    strbuf_append(b, "null", 4);
  } else {
    strbuf_puts(b, "{\"import_id\":");
    strbuf_puts(b, PQgetvalue(r, row, COL_IMPORT_ID));
    strbuf_append(b, "}", 1);
  }
  strbuf_append(b, "}", 1);
}

void incident_record_result(struct result *res, const PGresult *r) {
  struct strbuf b = {0};
  strbuf_reserve(&b, 2048);
  incident_render(&b, r, 0);
  /* zsz_incident_etag: only the full record names a version (0: no ETag) */
  res->etag =
      strcmp(PQgetvalue(r, 0, INCIDENT_VIEW_COL), "full") == 0 ? atoll(PQgetvalue(r, 0, INCIDENT_REVISION_COL)) : 0;
  result_raw_owned(res, 200, strbuf_steal(&b));
}

static void incident_item(struct strbuf *b, const PGresult *rows, int row, const void *unused) {
  (void)unused;
  incident_render(b, rows, row);
}

void incidents_page(const struct req_ctx *c, struct result *res, const PGresult *rows, int nkeys) {
  int n = PQntuples(rows);
  int shown = n > c->limit ? c->limit : n;
  int more = n > c->limit && shown > 0;
  /* id, revision, view and the nine deadline values: a deadline passing or a rule's edit
   * changes the page without changing a revision */
  int cols[12] = {0, INCIDENT_REVISION_COL, INCIDENT_VIEW_COL};
  for (int k = 0; k < 9; k++)
    cols[3 + k] = INCIDENT_DEADLINES_COL + k;
  page_tag(res->tag, sizeof res->tag, 'i', rows, shown, more, cols, 12);
  if (if_none_match_holds(c, res->tag)) {
    res->status = 304;
    return;
  }
  page_body(c, res, rows, shown, more, incident_item, NULL, INCIDENT_VIEW_COL, INCIDENT_NCOLS, nkeys);
}
