/* The objective register's documents in C from their columns (documents.h). The report is
 * streamed from flat rows: each objective's record is written with its closing brace left
 * off, its indicators (each likewise, with its readings) added as a member, and the totals
 * counted on the way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "documents.h"
#include "jsonw.h"

static const struct render_col OBJECTIVE_COLS[OBJECTIVE_NCOLS] = {
    {"id", RENDER_NUMBER},
    {"code", RENDER_TEXT},
    {"year", RENDER_NUMBER},
    {"title", RENDER_TEXT},
    {"description", RENDER_TEXT},
    {"strategy_ref", RENDER_TEXT},
    {"standards", RENDER_JSON},
    {"process_id", RENDER_NUMBER},
    {"org_unit_id", RENDER_NUMBER},
    {"owner", RENDER_TEXT},
    {"planned_actions", RENDER_TEXT},
    {"resources", RENDER_TEXT},
    {"due_date", RENDER_TEXT},
    {"evaluation_method", RENDER_TEXT},
    {"status", RENDER_TEXT},
    {"outcome", RENDER_TEXT},
    {"status_reason", RENDER_TEXT},
    {"approved_version", RENDER_NUMBER},
    {"health", RENDER_TEXT},
    {"created_at", RENDER_TIMESTAMP},
    {"updated_at", RENDER_TIMESTAMP},
    {"provenance", RENDER_PROVENANCE},
};
/* revision_col: the column after the record (a read's revision, or a list's version of the
 * document: see objectives_q_list) */
const struct record_shape OBJECTIVE_SHAPE = {
    .cols = OBJECTIVE_COLS, .ncols = OBJECTIVE_NCOLS, .id_col = 0, .revision_col = OBJECTIVE_NCOLS};

static const struct render_col INDICATOR_COLS[INDICATOR_NCOLS] = {
    {"id", RENDER_NUMBER},
    {"objective_id", RENDER_NUMBER},
    {"name", RENDER_TEXT},
    {"unit", RENDER_TEXT},
    {"direction", RENDER_TEXT},
    {"baseline", RENDER_TEXT},
    {"target", RENDER_TEXT},
    {"target_min", RENDER_TEXT},
    {"target_max", RENDER_TEXT},
    {"frequency", RENDER_TEXT},
    {"source", RENDER_TEXT},
    {"survey_kind", RENDER_TEXT},
    {"survey_question", RENDER_TEXT},
    {"responsible", RENDER_TEXT},
    {"attainment", RENDER_TEXT},
    {"latest_period", RENDER_TEXT},
    {"latest_value", RENDER_TEXT},
    {"stale", RENDER_BOOL},
    {"health", RENDER_TEXT},
    {"created_at", RENDER_TIMESTAMP},
    {"updated_at", RENDER_TIMESTAMP},
    {"provenance", RENDER_PROVENANCE},
};
const struct record_shape INDICATOR_SHAPE = {
    .cols = INDICATOR_COLS, .ncols = INDICATOR_NCOLS, .id_col = 0, .revision_col = INDICATOR_NCOLS};

static const struct render_col READING_COLS[READING_NCOLS] = {
    {"indicator_id", RENDER_NUMBER},   {"period", RENDER_TEXT},      {"value", RENDER_TEXT},
    {"comment", RENDER_TEXT},          {"recorded_by", RENDER_TEXT}, {"recorded_at", RENDER_TIMESTAMP},
    {"locked", RENDER_BOOL},           {"locked_by", RENDER_TEXT},   {"locked_at", RENDER_TIMESTAMP},
    {"provenance", RENDER_PROVENANCE},
};
const struct record_shape READING_SHAPE = {
    .cols = READING_COLS, .ncols = READING_NCOLS, .id_col = 0, .revision_col = READING_NCOLS};

/* ---- the report as JSON ------------------------------------------------------------------- */

/* The healths in the order the report's totals name them (the old SQL's list). */
static const char *const HEALTHS[] = {"achieved", "on_track", "at_risk", "off_track", "no_data"};
#define NHEALTHS 5

static int health_index(const char *h) {
  for (int k = 0; k < NHEALTHS; k++)
    if (strcmp(h, HEALTHS[k]) == 0) return k;
  return -1; /* not a health the rules give: counted nowhere, as the SQL's count did */
}

/* What the totals need of each objective. */
struct objective_tally {
  const char *process_id; /* NULL: none; borrowed from the rows */
  int health;
};

static void render_open(struct strbuf *b, const PGresult *rows, int row, const struct record_shape *shape,
                        const char *member) {
  render_record(b, rows, row, shape);
  if (b->oom) return;
  b->len--; /* the record's closing brace: the member follows */
  strbuf_append(b, ",", 1);
  jsonw_key(b, member);
  strbuf_append(b, "[", 1);
}

static void by_health(struct strbuf *b, const int counts[NHEALTHS]) {
  char n[24];
  strbuf_append(b, "{", 1);
  for (int k = 0; k < NHEALTHS; k++) {
    if (k) strbuf_append(b, ",", 1);
    jsonw_key(b, HEALTHS[k]);
    snprintf(n, sizeof n, "%d", counts[k]);
    strbuf_puts(b, n);
  }
  strbuf_append(b, "}", 1);
}

void objectives_report_json(struct strbuf *b, const char *year, const PGresult *rows) {
  int n = PQntuples(rows);
  /* the values' bytes, plus room for each member's name and punctuation: the document in one
   * allocation */
  size_t estimate = 256;
  for (int i = 0; i < n; i++) {
    char kind = PQgetvalue(rows, i, REPORT_KIND_COL)[0];
    int ncols = kind == 'o' ? OBJECTIVE_NCOLS : kind == 'i' ? INDICATOR_NCOLS : kind == 'r' ? READING_NCOLS : 3;
    for (int k = 0; k < ncols; k++)
      estimate += (size_t)PQgetlength(rows, i, k) + 20;
  }
  strbuf_reserve(b, estimate + estimate / 16);

  struct objective_tally *tally = calloc((size_t)n + 1, sizeof *tally);
  int nobj = 0, in_objective = 0, in_indicator = 0, first_indicator = 1, first_reading = 1, totals_done = 0;
  int all[NHEALTHS] = {0}, first_process = 1;
  char num[24];
  if (tally == NULL) {
    b->oom = 1;
    return;
  }
  strbuf_puts(b, "{\"year\":");
  snprintf(num, sizeof num, "%ld", strtol(year, NULL, 10));
  strbuf_puts(b, num);
  strbuf_puts(b, ",\"objectives\":[");
  for (int i = 0; i <= n; i++) {
    char kind = i < n ? PQgetvalue(rows, i, REPORT_KIND_COL)[0] : 'p';
    if (in_indicator && kind != 'r') {
      strbuf_puts(b, "]}");
      in_indicator = 0;
    }
    if (in_objective && kind != 'r' && kind != 'i') {
      strbuf_puts(b, "]}");
      in_objective = 0;
    }
    if (kind == 'o') {
      if (nobj) strbuf_append(b, ",", 1);
      render_open(b, rows, i, &OBJECTIVE_SHAPE, "indicators");
      tally[nobj].process_id =
          PQgetisnull(rows, i, OBJECTIVE_PROCESS_COL) ? NULL : PQgetvalue(rows, i, OBJECTIVE_PROCESS_COL);
      tally[nobj].health = health_index(PQgetvalue(rows, i, OBJECTIVE_HEALTH_COL));
      if (tally[nobj].health >= 0) all[tally[nobj].health]++;
      nobj++;
      in_objective = 1;
      first_indicator = 1;
    } else if (kind == 'i') {
      if (!first_indicator) strbuf_append(b, ",", 1);
      render_open(b, rows, i, &INDICATOR_SHAPE, "readings");
      first_indicator = 0;
      in_indicator = 1;
      first_reading = 1;
    } else if (kind == 'r') {
      if (!first_reading) strbuf_append(b, ",", 1);
      render_record(b, rows, i, &READING_SHAPE);
      first_reading = 0;
    } else if (kind == 'p') {
      if (!totals_done) {
        strbuf_puts(b, "],\"totals\":{\"by_health\":");
        by_health(b, all);
        strbuf_puts(b, ",\"by_process\":[");
        totals_done = 1;
      }
      if (i == n) break;
      /* a process: its objectives counted from the tallies (a few processes, a few hundred
       * objectives) */
      const char *id = PQgetvalue(rows, i, 0);
      int counts[NHEALTHS] = {0}, total = 0;
      for (int k = 0; k < nobj; k++) {
        if (tally[k].process_id == NULL || strcmp(tally[k].process_id, id) != 0) continue;
        total++;
        if (tally[k].health >= 0) counts[tally[k].health]++;
      }
      if (!first_process) strbuf_append(b, ",", 1);
      first_process = 0;
      strbuf_puts(b, "{\"process_id\":");
      strbuf_puts(b, id);
      strbuf_puts(b, ",\"code\":");
      jsonw_string(b, PQgetvalue(rows, i, 1), (size_t)PQgetlength(rows, i, 1));
      strbuf_puts(b, ",\"name\":");
      jsonw_string(b, PQgetvalue(rows, i, 2), (size_t)PQgetlength(rows, i, 2));
      snprintf(num, sizeof num, "%d", total);
      strbuf_puts(b, ",\"objectives\":");
      strbuf_puts(b, num);
      strbuf_puts(b, ",\"by_health\":");
      by_health(b, counts);
      strbuf_append(b, "}", 1);
    }
  }
  strbuf_puts(b, "]}}");
  free(tally);
}

/* ---- the report as CSV -------------------------------------------------------------------- */

static void cell(struct strbuf *b, const PGresult *rows, int row, int col) {
  if (row < 0 || PQgetisnull(rows, row, col)) return;
  csvw_cell(b, PQgetvalue(rows, row, col), (size_t)PQgetlength(rows, row, col));
}

/* The columns of a line (OBJECTIVES_REPORT_CSV_HEADER): the objective's, then the indicator's. */
static const int CSV_OBJECTIVE_COLS[] = {1, 2, 3, 14, OBJECTIVE_HEALTH_COL, OBJECTIVE_NCOLS, 9};
static const int CSV_INDICATOR_COLS[] = {2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 14, 18};

static void csv_line(struct strbuf *b, const PGresult *rows, int objective, int indicator) {
  for (size_t k = 0; k < sizeof CSV_OBJECTIVE_COLS / sizeof CSV_OBJECTIVE_COLS[0]; k++) {
    if (k) strbuf_append(b, ";", 1);
    cell(b, rows, objective, CSV_OBJECTIVE_COLS[k]);
  }
  for (size_t k = 0; k < sizeof CSV_INDICATOR_COLS / sizeof CSV_INDICATOR_COLS[0]; k++) {
    strbuf_append(b, ";", 1);
    cell(b, rows, indicator, CSV_INDICATOR_COLS[k]);
  }
  strbuf_append(b, "\r\n", 2);
}

long objectives_report_csv(struct strbuf *b, const PGresult *rows) {
  int n = PQntuples(rows), objective = -1, lines_of_objective = 0;
  long lines = 0;
  size_t estimate = 64;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < REPORT_WIDTH; k++)
      estimate += (size_t)PQgetlength(rows, i, k) + 2;
  strbuf_reserve(b, estimate);
  for (int i = 0; i <= n; i++) {
    char kind = i < n ? PQgetvalue(rows, i, REPORT_KIND_COL)[0] : 'o';
    if (kind == 'i' && objective >= 0) {
      csv_line(b, rows, objective, i);
      lines_of_objective++;
      lines++;
    } else if (kind == 'o' || kind == 'p') {
      /* an objective without indicators still has its line */
      if (objective >= 0 && lines_of_objective == 0) {
        csv_line(b, rows, objective, -1);
        lines++;
      }
      objective = kind == 'o' && i < n ? i : -1;
      lines_of_objective = 0;
    }
  }
  return lines;
}
