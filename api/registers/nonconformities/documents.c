/* The nonconformity card in C from its flat rows (documents.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "jsonw.h"
#include "render.h"

struct member {
  const char *name;
  int col;
  enum render_kind kind;
};

/* zsz_nonconformity_doc's members before history and actions, in its order */
static const struct member CARD_HEAD[] = {
    {"number", 5, RENDER_TEXT},         {"source", 6, RENDER_TEXT},       {"source_ref", 7, RENDER_TEXT},
    {"audit_id", 8, RENDER_NUMBER},     {"finding_id", 9, RENDER_NUMBER}, {"severity", 10, RENDER_TEXT},
    {"process_id", 11, RENDER_NUMBER},  {"owner", 12, RENDER_TEXT},       {"description", 13, RENDER_TEXT},
    {"correction", 14, RENDER_TEXT},    {"root_cause", 15, RENDER_TEXT},  {"status", 16, RENDER_TEXT},
    {"status_reason", 17, RENDER_TEXT}, {"round", 18, RENDER_NUMBER},     {"effectiveness", 19, RENDER_JSON},
    {"znak_sprawy", 20, RENDER_TEXT},
};
/* ... and after them (days_open and overdue are written before these) */
static const struct member CARD_TAIL[] = {
    {"created_at", 21, RENDER_TIMESTAMP},
    {"closed_at", 22, RENDER_TIMESTAMP},
    {"updated_at", 23, RENDER_TIMESTAMP},
};
enum { COL_STATUS = 16 };

/* zsz_nc_history_entry_json's, after its first member (at) */
static const struct member ENTRY[] = {
    {"from", 6, RENDER_TEXT},
    {"to", 7, RENDER_TEXT},
    {"by", 8, RENDER_TEXT},
    {"note", 9, RENDER_TEXT},
};

/* zsz_action_json's, after its first member (id) */
static const struct member ACTION[] = {
    {"nonconformity_id", 5, RENDER_NUMBER},
    {"type", 6, RENDER_TEXT},
    {"description", 7, RENDER_TEXT},
    {"responsible", 8, RENDER_TEXT},
    {"due_date", 9, RENDER_TEXT},
    {"status", 10, RENDER_TEXT},
    {"done_at", 11, RENDER_TIMESTAMP},
    {"note", 12, RENDER_TEXT},
    {"znak_sprawy", 13, RENDER_TEXT},
    {"overdue", 4, RENDER_NUMBER}, /* true / false as the statement wrote them */
    {"created_at", 14, RENDER_TIMESTAMP},
    {"updated_at", 15, RENDER_TIMESTAMP},
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void members(struct strbuf *b, const PGresult *r, int row, const struct member *m, int n) {
  for (int k = 0; k < n; k++) {
    strbuf_append(b, ",", 1);
    jsonw_key(b, m[k].name);
    render_value(b, r, row, m[k].col, m[k].kind);
  }
}

static int kind_of(const PGresult *r, int row) {
  return atoi(PQgetvalue(r, row, NC_COL_KIND));
}

int nc_render(struct strbuf *b, const PGresult *r, int row) {
  int n = PQntuples(r);
  strbuf_puts(b, "{\"id\":");
  render_value(b, r, row, NC_COL_ID, RENDER_NUMBER);
  members(b, r, row, CARD_HEAD, COUNT(CARD_HEAD));
  int part = row + 1;
  strbuf_puts(b, ",\"history\":[");
  for (int first = 1; part < n && kind_of(r, part) == 1; part++, first = 0) {
    strbuf_puts(b, first ? "{\"at\":" : ",{\"at\":");
    render_value(b, r, part, 5, RENDER_TIMESTAMP);
    members(b, r, part, ENTRY, COUNT(ENTRY));
    strbuf_append(b, "}", 1);
  }
  /* overdue: not closed or cancelled and an action overdue (zsz_nc_overdue_given over the
   * actions' zsz_action_overdue, which the statement computed) */
  int any_action_overdue = 0;
  strbuf_puts(b, "],\"actions\":[");
  for (int first = 1; part < n && kind_of(r, part) == 2; part++, first = 0) {
    strbuf_puts(b, first ? "{\"id\":" : ",{\"id\":");
    render_value(b, r, part, NC_COL_ID, RENDER_NUMBER);
    members(b, r, part, ACTION, COUNT(ACTION));
    strbuf_append(b, "}", 1);
    if (strcmp(PQgetvalue(r, part, 4), "true") == 0) any_action_overdue = 1;
  }
  strbuf_puts(b, "],\"days_open\":");
  render_value(b, r, row, 4, RENDER_NUMBER);
  const char *status = PQgetvalue(r, row, COL_STATUS);
  int overdue = any_action_overdue && strcmp(status, "closed") != 0 && strcmp(status, "cancelled") != 0;
  strbuf_puts(b, overdue ? ",\"overdue\":true" : ",\"overdue\":false");
  members(b, r, row, CARD_TAIL, COUNT(CARD_TAIL));
  strbuf_append(b, "}", 1);
  return part;
}

static int card_span(struct strbuf *b, const PGresult *rows, int row, const void *arg) {
  (void)arg;
  return nc_render(b, rows, row);
}

void nc_page(const struct req_ctx *c, struct result *res, const PGresult *rows) {
  int n = PQntuples(rows);
  /* the shown cards' rows end where the card after the limit's begins */
  int cards = 0, end = n, last_card = -1;
  for (int i = 0; i < n; i++) {
    if (kind_of(rows, i) != 0) continue;
    if (cards == c->limit) {
      end = i;
      break;
    }
    cards++;
    last_card = i;
  }
  int more = end < n && cards > 0;
  const int cols[] = {NC_COL_KIND, NC_COL_ID, NC_COL_REVISION, 4};
  page_tag(res->tag, sizeof res->tag, 'n', rows, end, more, cols, COUNT(cols));
  if (if_none_match_holds(c, res->tag)) {
    res->status = 304;
    return;
  }
  size_t estimate = 64;
  for (int i = 0; i < end; i++)
    for (int k = 2; k < NC_NCOLS; k++)
      estimate += (size_t)PQgetlength(rows, i, k) + 20;
  page_body_spans(c, res, rows, end, more, card_span, NULL, estimate, last_card, NC_COL_NUMBER, 1);
}
