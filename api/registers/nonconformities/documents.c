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

/* A part's member: a cell of its entry in the text array (TEXTS) or the times' array (TIMES). */
enum { TEXTS, TIMES };
struct part_member {
  const char *name;
  int array, cell;
  enum render_kind kind;
};

/* zsz_nc_history_entry_json's (history_cells: id, from, to, by, note; history_at: at) */
static const struct part_member ENTRY[] = {
    {"at", TIMES, 0, RENDER_TIMESTAMP}, {"from", TEXTS, 1, RENDER_TEXT}, {"to", TEXTS, 2, RENDER_TEXT},
    {"by", TEXTS, 3, RENDER_TEXT},      {"note", TEXTS, 4, RENDER_TEXT},
};
enum { ENTRY_ID = 0, HISTORY_WIDTH = 5, HISTORY_AT_WIDTH = 1 };

/* zsz_action_json's before overdue and after it (action_cells: id, revision, nonconformity_id,
 * type, description, responsible, due_date, status, note, znak_sprawy; action_times: done_at,
 * created_at, updated_at) */
static const struct part_member ACTION_HEAD[] = {
    {"id", TEXTS, 0, RENDER_NUMBER},        {"nonconformity_id", TEXTS, 2, RENDER_NUMBER},
    {"type", TEXTS, 3, RENDER_TEXT},        {"description", TEXTS, 4, RENDER_TEXT},
    {"responsible", TEXTS, 5, RENDER_TEXT}, {"due_date", TEXTS, 6, RENDER_TEXT},
    {"status", TEXTS, 7, RENDER_TEXT},      {"done_at", TIMES, 0, RENDER_TIMESTAMP},
    {"note", TEXTS, 8, RENDER_TEXT},        {"znak_sprawy", TEXTS, 9, RENDER_TEXT},
};
static const struct part_member ACTION_TAIL[] = {
    {"created_at", TIMES, 1, RENDER_TIMESTAMP},
    {"updated_at", TIMES, 2, RENDER_TIMESTAMP},
};
enum {
  ACTION_ID = 0,
  ACTION_REVISION = 1,
  ACTION_DUE = 6,
  ACTION_STATUS = 7,
  ACTION_WIDTH = 10,
  ACTION_TIMES_WIDTH = 3
};

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

/* A date's ISO text (YYYY-MM-DD, a longer year, " BC" after it) as a number that orders as the
 * dates do; 0 when it is not one. */
static long long date_key(const char *v, size_t len) {
  long long y = 0, m = 0, d = 0;
  size_t i = 0;
  for (; i < len && v[i] >= '0' && v[i] <= '9'; i++)
    y = y * 10 + (v[i] - '0');
  if (i < 4 || i + 6 > len || v[i] != '-' || v[i + 3] != '-') return 0;
  m = (v[i + 1] - '0') * 10 + (v[i + 2] - '0');
  d = (v[i + 4] - '0') * 10 + (v[i + 5] - '0');
  if (i + 6 != len && !(i + 9 == len && strncmp(v + i + 6, " BC", 3) == 0)) return 0;
  if (i + 6 != len) y = 1 - y; /* 1 BC is year 0 */
  return (y + 100000) * 10000 + m * 100 + d;
}

/* a card's history and actions as it keeps them, and each action's overdue */
struct card_parts {
  struct nc_cells history, history_at, actions, action_times;
  char *overdue; /* an action's: 1 when open and due before today (zsz_action_overdue) */
};

static void parts_free(struct card_parts *p) {
  nc_cells_free(&p->history);
  nc_cells_free(&p->history_at);
  nc_cells_free(&p->actions);
  nc_cells_free(&p->action_times);
  free(p->overdue);
  p->overdue = NULL;
}

static int array_of(struct nc_cells *c, const PGresult *r, int row, int col, int width) {
  return nc_cells_parse(c, PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col),
                        width);
}

static int parts_parse(struct card_parts *p, const PGresult *r, int row) {
  memset(p, 0, sizeof *p);
  int h = array_of(&p->history, r, row, NC_COL_HISTORY_CELLS, HISTORY_WIDTH);
  int ha = array_of(&p->history_at, r, row, NC_COL_HISTORY_AT, HISTORY_AT_WIDTH);
  int a = array_of(&p->actions, r, row, NC_COL_ACTION_CELLS, ACTION_WIDTH);
  int at = array_of(&p->action_times, r, row, NC_COL_ACTION_TIMES, ACTION_TIMES_WIDTH);
  p->overdue = calloc((size_t)(a > 0 ? a : 1), 1);
  if (h < 0 || ha != h || a < 0 || at != a || p->overdue == NULL) {
    parts_free(p);
    return -1;
  }
  long long today = date_key(PQgetvalue(r, row, NC_COL_TODAY), (size_t)PQgetlength(r, row, NC_COL_TODAY));
  for (int e = 0; e < a; e++) {
    const struct nc_cell *x = p->actions.cell + (size_t)e * ACTION_WIDTH;
    const struct nc_cell *due = &x[ACTION_DUE], *status = &x[ACTION_STATUS];
    p->overdue[e] =
        status->v != NULL && strcmp(status->v, "open") == 0 && due->v != NULL && date_key(due->v, due->len) < today;
  }
  return 0;
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

static void part_members(struct strbuf *b, const struct nc_cell *texts, const struct nc_cell *times,
                         const struct part_member *m, int n, int first) {
  for (int k = 0; k < n; k++) {
    if (k || !first) strbuf_append(b, ",", 1);
    jsonw_key(b, m[k].name);
    const struct nc_cell *c = (m[k].array == TEXTS ? texts : times) + m[k].cell;
    render_chars(b, c->v, c->len, m[k].kind);
  }
}

static void render_card(struct strbuf *b, const PGresult *r, int row, const struct card_parts *p) {
  strbuf_puts(b, "{\"id\":");
  render_value(b, r, row, NC_COL_ID, RENDER_NUMBER);
  row_members(b, r, row, CARD_HEAD, COUNT(CARD_HEAD));
  strbuf_puts(b, ",\"history\":[");
  for (int e = 0; e < p->history.entries; e++) {
    strbuf_puts(b, e ? ",{" : "{");
    part_members(b, entry_of(&p->history, e), entry_of(&p->history_at, e), ENTRY, COUNT(ENTRY), 1);
    strbuf_append(b, "}", 1);
  }
  /* overdue: not closed or cancelled and an action overdue (zsz_nc_overdue_given over the
   * actions' zsz_action_overdue) */
  int any_action_overdue = 0;
  strbuf_puts(b, "],\"actions\":[");
  for (int e = 0; e < p->actions.entries; e++) {
    const struct nc_cell *texts = entry_of(&p->actions, e), *times = entry_of(&p->action_times, e);
    strbuf_puts(b, e ? ",{" : "{");
    part_members(b, texts, times, ACTION_HEAD, COUNT(ACTION_HEAD), 1);
    strbuf_puts(b, p->overdue[e] ? ",\"overdue\":true" : ",\"overdue\":false");
    part_members(b, texts, times, ACTION_TAIL, COUNT(ACTION_TAIL), 0);
    strbuf_append(b, "}", 1);
    any_action_overdue |= p->overdue[e];
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
  if (parts_parse(&p, r, row) != 0) return -1;
  render_card(b, r, row, &p);
  parts_free(&p);
  return 0;
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
      h = parts[i].overdue[e] ? page_tag_add(h, "true", 4) : page_tag_add(h, "false", 5);
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
