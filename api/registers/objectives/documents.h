#ifndef ZSZ_OBJECTIVES_DOCUMENTS_H
#define ZSZ_OBJECTIVES_DOCUMENTS_H
/* The objective register's documents rendered in C from their columns (issue 16; the way of
 * api/core/render.h): an objective, an indicator and a reading as record shapes, and the
 * annual report (JSON and CSV) from one query's flat rows. The SQL functions of migration
 * 0034 (zsz_objective_doc, zsz_indicator_doc, zsz_reading_json) stay the definition of the
 * documents; tests/db/test_objective_render.c checks that the C renders the same. */

#include <libpq-fe.h>

#include "render.h"
#include "strbuf.h"

/* An objective's columns as OBJECTIVE_SHAPE reads them, as text, from the row o with the
 * health given (an SQL expression): 22 columns, the health the 19th (index 18). */
#define OBJECTIVE_COLUMNS(o, health)                                                                                   \
  o ".id::text, " o ".code, " o ".year::text, " o ".title, " o ".description, " o ".strategy_ref, "                    \
    "to_json(" o ".standards)::text, " o ".process_id::text, " o ".org_unit_id::text, " o ".owner, " o                 \
    ".planned_actions, " o ".resources, " o ".due_date::text, " o ".evaluation_method, " o ".status, " o               \
    ".outcome, " o ".status_reason, " o ".approved_version::text, " health ", " o ".created_at::text, " o              \
    ".updated_at::text, " o ".import_id::text"
#define OBJECTIVE_NCOLS 22
/* The same columns of an objective row as stored, its health its own (migration 0047), for the
 * reads of objectives alone (the record, the list): not cast, the texts libpq receives are the
 * same (a column's output function is what its cast to text calls), without a cast per column
 * and row in the statement. (The report needs OBJECTIVE_COLUMNS: its rows are a UNION ALL of
 * text columns.) */
#define OBJECTIVE_OWN_COLUMNS(o)                                                                                       \
  o ".id, " o ".code, " o ".year, " o ".title, " o ".description, " o ".strategy_ref, to_json(" o ".standards), " o    \
    ".process_id, " o ".org_unit_id, " o ".owner, " o ".planned_actions, " o ".resources, " o ".due_date, " o          \
    ".evaluation_method, " o ".status, " o ".outcome, " o ".status_reason, " o ".approved_version, " o ".health, " o   \
    ".created_at, " o ".updated_at, " o ".import_id"
#define OBJECTIVE_HEALTH_COL 18
#define OBJECTIVE_PROCESS_COL 7
extern const struct record_shape OBJECTIVE_SHAPE;

/* An indicator's columns as INDICATOR_SHAPE reads them, from the row i and its computed
 * state s (zsz_indicator_calc's columns, or zsz_indicator_kept's): 22 columns. */
#define INDICATOR_COLUMNS(i, s)                                                                                        \
  i ".id::text, " i ".objective_id::text, " i ".name, " i ".unit, " i ".direction, " i ".baseline::text, " i           \
    ".target::text, " i ".target_min::text, " i ".target_max::text, " i ".frequency, " i ".source, " i                 \
    ".survey_kind, " i ".survey_question, " i ".responsible, " s ".attainment::text, " s ".latest_period, " s          \
    ".latest_value::text, " s ".stale::text, " s ".health, " i ".created_at::text, " i ".updated_at::text, " i         \
    ".import_id::text"
#define INDICATOR_NCOLS 22
extern const struct record_shape INDICATOR_SHAPE;
/* The FROM of an indicator i with its state s for INDICATOR_COLUMNS(i, s): computed in its
 * objective's year from the readings the indicator keeps in its row (zsz_indicator_kept,
 * migration 0051, inlined: no probe of the readings). */
#define INDICATOR_FROM                                                                                                 \
  "FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "                              \
  "CROSS JOIN LATERAL zsz_indicator_kept(i, o.year) AS s "

/* A reading's columns as READING_SHAPE reads them: 10 columns. */
#define READING_COLUMNS(r)                                                                                             \
  r ".indicator_id::text, " r ".period, " r ".value::text, " r ".comment, " r ".recorded_by, " r                       \
    ".recorded_at::text, " r ".locked::text, " r ".locked_by, " r ".locked_at::text, " r ".import_id::text"
#define READING_NCOLS 10
extern const struct record_shape READING_SHAPE;

/* The report's rows (objectives_q_report_rows): every row has REPORT_WIDTH text columns, the
 * record's from column 0 and its kind in column REPORT_KIND_COL: 'o' an objective (its shape,
 * then its process's code in column OBJECTIVE_NCOLS), 'i' an indicator, 'r' a reading, 'p' a
 * process that has objectives in the report (id, code, name). The order: each objective,
 * then each of its indicators followed by its readings (objectives by code and id,
 * indicators by id, readings by period), then the processes by code. */
#define REPORT_WIDTH 23
#define REPORT_KIND_COL 23

/* The report document of year (canonical integer text) from rows, appended to b:
 * {"year", "objectives": [objective + "indicators": [indicator + "readings": [...]]],
 *  "totals": {"by_health", "by_process"}}, the members of each record as its SQL document. */
void objectives_report_json(struct strbuf *b, const char *year, const PGresult *rows);

/* The report's CSV lines (no header) from rows (readings and processes, if any, skipped):
 * one line per indicator with its objective's cells, one for an objective without
 * indicators; cells as zsz_csv() makes them (csvw_cell: formula protection, quoting), each line ending
 * in CRLF. Returns the number of lines. */
long objectives_report_csv(struct strbuf *b, const PGresult *rows);

#endif
