/* The nonconformity card in C from its row (documents.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "documents.h"
#include "jsonw.h"
#include "render.h"

struct member {
  const char *name;
  int col; /* a column of the card's row, or a cell of a part's entry */
  enum render_kind kind;
};

/* zsz_nonconformity_doc's members before history and actions, in its order */
static const struct member CARD_HEAD[] = {
    {"number", 3, RENDER_TEXT},         {"source", 4, RENDER_TEXT},       {"source_ref", 5, RENDER_TEXT},
    {"audit_id", 6, RENDER_NUMBER},     {"finding_id", 7, RENDER_NUMBER}, {"severity", 8, RENDER_TEXT},
    {"process_id", 9, RENDER_NUMBER},   {"owner", 10, RENDER_TEXT},       {"description", 11, RENDER_TEXT},
    {"correction", 12, RENDER_TEXT},    {"root_cause", 13, RENDER_TEXT},  {"status", 14, RENDER_TEXT},
    {"status_reason", 15, RENDER_TEXT}, {"round", 16, RENDER_NUMBER},     {"effectiveness", 17, RENDER_JSON},
    {"znak_sprawy", 18, RENDER_TEXT},
};
/* ... and after them (days_open and overdue are written before these) */
static const struct member CARD_TAIL[] = {
    {"created_at", 19, RENDER_TIMESTAMP},
    {"closed_at", 20, RENDER_TIMESTAMP},
    {"updated_at", 21, RENDER_TIMESTAMP},
};
enum { COL_STATUS = 14 };

/* zsz_nc_history_entry_json's (cells: id, at, from, to, by, note) */
static const struct member ENTRY[] = {
    {"at", 1, RENDER_TIMESTAMP}, {"from", 2, RENDER_TEXT}, {"to", 3, RENDER_TEXT},
    {"by", 4, RENDER_TEXT},      {"note", 5, RENDER_TEXT},
};
enum { ENTRY_ID = 0 };

/* zsz_action_json's (cells as documents.h lists them) */
static const struct member ACTION[] = {
    {"id", 0, RENDER_NUMBER},
    {"nonconformity_id", 3, RENDER_NUMBER},
    {"type", 4, RENDER_TEXT},
    {"description", 5, RENDER_TEXT},
    {"responsible", 6, RENDER_TEXT},
    {"due_date", 7, RENDER_TEXT},
    {"status", 8, RENDER_TEXT},
    {"done_at", 9, RENDER_TIMESTAMP},
    {"note", 10, RENDER_TEXT},
    {"znak_sprawy", 11, RENDER_TEXT},
    {"overdue", 2, RENDER_NUMBER}, /* true / false as the statement wrote them */
    {"created_at", 12, RENDER_TIMESTAMP},
    {"updated_at", 13, RENDER_TIMESTAMP},
};
enum { ACTION_ID = 0, ACTION_REVISION = 1, ACTION_OVERDUE = 2 };

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

void nc_cells_free(struct nc_cells *c) {
  free(c->buf);
  free(c->cell);
  c->buf = NULL;
  c->cell = NULL;
  c->entries = 0;
}

/* array_out's text of a 2-D array: {{a,"b c",NULL},{...}}. An element is quoted when empty, when
 * it holds a space, a brace, a comma, a quote or a backslash, or when it reads NULL; within
 * quotes a backslash escapes the next byte. An unquoted NULL is SQL NULL. Each value is copied
 * unescaped into buf with a NUL after it: never more bytes than the text had (the NUL takes the
 * place of a delimiter or a quote). */
int nc_cells_parse(struct nc_cells *out, const char *text, size_t len, int width) {
  memset(out, 0, sizeof *out);
  out->width = width;
  if (text == NULL) return 0;
  size_t cap = 8 * (size_t)width, n = 0, w = 0, i = 1;
  out->buf = malloc(len + 1);
  out->cell = malloc(cap * sizeof *out->cell);
  if (out->buf == NULL || out->cell == NULL || len < 2 || text[0] != '{') goto bad;
  for (;;) {
    if (i >= len || text[i] != '{') goto bad;
    i++;
    for (int k = 0; k < width; k++) {
      if (k > 0) {
        if (i >= len || text[i] != ',') goto bad;
        i++;
      }
      if (n == cap) {
        cap *= 2;
        struct nc_cell *more = realloc(out->cell, cap * sizeof *out->cell);
        if (more == NULL) goto bad;
        out->cell = more;
      }
      if (i < len && text[i] == '"') {
        size_t start = w;
        for (i++; i < len && text[i] != '"'; i++) {
          if (text[i] == '\\' && ++i >= len) goto bad;
          out->buf[w++] = text[i];
        }
        if (i >= len) goto bad;
        i++;
        out->cell[n].v = out->buf + start;
        out->cell[n].len = w - start;
        out->buf[w++] = '\0';
      } else {
        size_t start = i;
        while (i < len && text[i] != ',' && text[i] != '}')
          i++;
        size_t l = i - start;
        if (l == 0) goto bad;
        if (l == 4 && strncasecmp(text + start, "NULL", 4) == 0) {
          out->cell[n].v = NULL;
          out->cell[n].len = 0;
        } else {
          memcpy(out->buf + w, text + start, l);
          out->cell[n].v = out->buf + w;
          out->cell[n].len = l;
          w += l;
          out->buf[w++] = '\0';
        }
      }
      n++;
    }
    if (i >= len || text[i] != '}') goto bad;
    i++;
    out->entries++;
    if (i < len && text[i] == ',') {
      i++;
      continue;
    }
    break;
  }
  if (i + 1 != len || text[i] != '}') goto bad;
  return out->entries;
bad:
  nc_cells_free(out);
  return -1;
}

/* a card's history and actions */
struct card_parts {
  struct nc_cells history, actions;
};

static int parts_parse(struct card_parts *p, const PGresult *r, int row) {
  int h = nc_cells_parse(&p->history, PQgetisnull(r, row, NC_COL_HISTORY) ? NULL : PQgetvalue(r, row, NC_COL_HISTORY),
                         (size_t)PQgetlength(r, row, NC_COL_HISTORY), NC_HISTORY_WIDTH);
  int a = nc_cells_parse(&p->actions, PQgetisnull(r, row, NC_COL_ACTIONS) ? NULL : PQgetvalue(r, row, NC_COL_ACTIONS),
                         (size_t)PQgetlength(r, row, NC_COL_ACTIONS), NC_ACTION_WIDTH);
  return h < 0 || a < 0 ? -1 : 0;
}

static void parts_free(struct card_parts *p) {
  nc_cells_free(&p->history);
  nc_cells_free(&p->actions);
}

static const struct nc_cell *entry_of(const struct nc_cells *c, int e) {
  return c->cell + (size_t)e * (size_t)c->width;
}

static void row_members(struct strbuf *b, const PGresult *r, int row, const struct member *m, int n) {
  for (int k = 0; k < n; k++) {
    strbuf_append(b, ",", 1);
    jsonw_key(b, m[k].name);
    render_value(b, r, row, m[k].col, m[k].kind);
  }
}

static void cell_members(struct strbuf *b, const struct nc_cell *e, const struct member *m, int n) {
  for (int k = 0; k < n; k++) {
    if (k) strbuf_append(b, ",", 1);
    jsonw_key(b, m[k].name);
    render_chars(b, e[m[k].col].v, e[m[k].col].len, m[k].kind);
  }
}

static void render_card(struct strbuf *b, const PGresult *r, int row, const struct card_parts *p) {
  strbuf_puts(b, "{\"id\":");
  render_value(b, r, row, NC_COL_ID, RENDER_NUMBER);
  row_members(b, r, row, CARD_HEAD, COUNT(CARD_HEAD));
  strbuf_puts(b, ",\"history\":[");
  for (int e = 0; e < p->history.entries; e++) {
    strbuf_puts(b, e ? ",{" : "{");
    cell_members(b, entry_of(&p->history, e), ENTRY, COUNT(ENTRY));
    strbuf_append(b, "}", 1);
  }
  /* overdue: not closed or cancelled and an action overdue (zsz_nc_overdue_given over the
   * actions' zsz_action_overdue, which the statement computed) */
  int any_action_overdue = 0;
  strbuf_puts(b, "],\"actions\":[");
  for (int e = 0; e < p->actions.entries; e++) {
    const struct nc_cell *a = entry_of(&p->actions, e);
    strbuf_puts(b, e ? ",{" : "{");
    cell_members(b, a, ACTION, COUNT(ACTION));
    strbuf_append(b, "}", 1);
    if (a[ACTION_OVERDUE].v != NULL && strcmp(a[ACTION_OVERDUE].v, "true") == 0) any_action_overdue = 1;
  }
  strbuf_puts(b, "],\"days_open\":");
  render_value(b, r, row, NC_COL_DAYS_OPEN, RENDER_NUMBER);
  const char *status = PQgetvalue(r, row, COL_STATUS);
  int overdue = any_action_overdue && strcmp(status, "closed") != 0 && strcmp(status, "cancelled") != 0;
  strbuf_puts(b, overdue ? ",\"overdue\":true" : ",\"overdue\":false");
  row_members(b, r, row, CARD_TAIL, COUNT(CARD_TAIL));
  strbuf_append(b, "}", 1);
}

int nc_render(struct strbuf *b, const PGresult *r, int row) {
  struct card_parts p;
  int ok = parts_parse(&p, r, row);
  if (ok == 0) render_card(b, r, row, &p);
  parts_free(&p);
  return ok;
}

static unsigned long long tag_column(unsigned long long h, const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? page_tag_add(h, NULL, 0)
                                  : page_tag_add(h, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static unsigned long long tag_cell(unsigned long long h, const struct nc_cell *c) {
  return page_tag_add(h, c->v, c->len);
}

static void card_item(struct strbuf *b, const PGresult *rows, int row, const void *parts) {
  render_card(b, rows, row, (const struct card_parts *)parts + row);
}

void nc_page(const struct req_ctx *c, struct result *res, const PGresult *rows) {
  int n = PQntuples(rows);
  int shown = n > c->limit ? c->limit : n;
  int more = n > c->limit && shown > 0;
  struct card_parts *parts = calloc((size_t)(shown > 0 ? shown : 1), sizeof *parts);
  int parsed = 0, bad = parts == NULL;
  for (; !bad && parsed < shown; parsed++)
    bad = parts_parse(&parts[parsed], rows, parsed) != 0;
  if (bad) {
    for (int i = 0; i < parsed; i++)
      parts_free(&parts[i]);
    free(parts);
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  /* the rows the statement before gave, in its order: the card (0, id, revision, days_open),
   * each entry (1, id, NULL, NULL), each action (2, id, revision, overdue) */
  unsigned long long h = PAGE_TAG_SEED;
  for (int i = 0; i < shown; i++) {
    h = page_tag_add(h, "0", 1);
    h = tag_column(h, rows, i, NC_COL_ID);
    h = tag_column(h, rows, i, NC_COL_REVISION);
    h = tag_column(h, rows, i, NC_COL_DAYS_OPEN);
    for (int e = 0; e < parts[i].history.entries; e++) {
      h = page_tag_add(h, "1", 1);
      h = tag_cell(h, &entry_of(&parts[i].history, e)[ENTRY_ID]);
      h = page_tag_add(page_tag_add(h, NULL, 0), NULL, 0);
    }
    for (int e = 0; e < parts[i].actions.entries; e++) {
      const struct nc_cell *a = entry_of(&parts[i].actions, e);
      h = page_tag_add(h, "2", 1);
      h = tag_cell(h, &a[ACTION_ID]);
      h = tag_cell(h, &a[ACTION_REVISION]);
      h = tag_cell(h, &a[ACTION_OVERDUE]);
    }
  }
  page_tag_end(res->tag, sizeof res->tag, 'n', h, more);
  if (!if_none_match_holds(c, res->tag)) {
    page_body(c, res, rows, shown, more, card_item, parts, NC_NCOLS, NC_COL_NUMBER, 1);
  } else {
    res->status = 304;
  }
  for (int i = 0; i < shown; i++)
    parts_free(&parts[i]);
  free(parts);
}
