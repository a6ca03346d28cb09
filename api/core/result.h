#ifndef ZSZ_RESULT_H
#define ZSZ_RESULT_H
/* What a unit of work produced: a status and a body, or a problem. Plain data, so the
 * functions that do the work know nothing of HTTP beyond the status number. */

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

#include "messages.h"

struct result {
  int status;        /* 0 = not set yet */
  problem_kind kind; /* when status >= 400 */
  char detail[256];
  json_t *errors;           /* owned; {field, message} array or NULL */
  json_t *body;             /* owned; JSON body or NULL */
  char *raw_body;           /* owned; already-serialised JSON body (from SQL) or NULL */
  FILE *spool;              /* owned; a body written to an unlinked temporary file (a large
                               export, sent as a stream: result_csv_begin) or NULL */
  long long etag;           /* > 0: the record's revision, sent as ETag */
  char tag[32];             /* "" or a list page's weak ETag, e.g. W/"p0123456789abcdef" (render.h) */
  char location[256];       /* "" or the Location of a created record */
  const char *content_type; /* static; NULL: application/json */
  char *next_cursor;        /* owned; the next page's cursor, sent in a Link header too */
  long long existing_id;    /* > 0: a 409 for a natural key names the record holding it */
  /* > 0: a read found nothing yet and its caller asked to wait up to this many seconds (long
   * polling): the dispatcher runs the work again when the organisation's change log may have
   * grown, holding no connection in between, and answers what the last run produced
   * (notify.h) */
  int wait_seconds;
};

/* Frees owned members and zeroes the struct. */
void result_reset(struct result *r);
/* Sets a problem with a catalogue detail message. */
void result_problem(struct result *r, problem_kind kind, msg_id detail, ...);
/* Sets a 422 listing errors (stolen). */
void result_invalid(struct result *r, json_t *errors);
/* Sets 409 naming field as already used (a unique constraint), with a catalogue message. */
void result_duplicate(struct result *r, const char *field, msg_id message);
/* Sets 409 naming field as already used by the record id (existing_id in the problem), with
 * location (the Location header of the answer), e.g. "/api/v1/processes/7". */
void result_duplicate_of(struct result *r, const char *field, long long id, const char *location);
/* Sets a problem naming one query parameter, as http_bad_param renders it (detail "<field>
 * <message>", errors [{field, message}]): for checks only a work can make (a pattern, a
 * combination of parameters, a cursor of another order). */
void result_bad_param(struct result *r, problem_kind kind, const char *field, msg_id message, ...);
void result_bad_paramv(struct result *r, problem_kind kind, const char *field, msg_id message, va_list ap);
/* CSV exports. Every export's cells are made by zsz_csv() in SQL, or by csvw_cell() in C
 * (api/lib/csvw.h; db_csv_cells), byte for byte the same (quoting for ';', quotes and
 * line breaks; a text starting with = + - @, a tab or a carriage return, unless it is a plain
 * number, is prefixed with ' so that no spreadsheet runs it as a formula: migration 0007).
 * An export never cuts rows silently: one of more than CSV_MAX_ROWS rows is 413
 * export-too-large (a query fetches CSV_MAX_ROWS + 1 rows, or counts them, to tell). */
#define CSV_MAX_ROWS 100000
#define CSV_MAX_ROWS_TEXT "100000"
#define CSV_FETCH_ROWS_TEXT "100001"
/* Sets 200 text/csv: a UTF-8 byte-order mark (spreadsheets then read UTF-8), the header
 * line and CRLF, then text (len bytes, rows already CRLF-terminated, copied). */
void result_csv(struct result *r, const char *header, const char *text, size_t len);
/* Sets 413 export-too-large. */
void result_csv_too_large(struct result *r);
/* A CSV export written a row at a time, so that its size does not grow the server's memory:
 * begin opens the spool (an unlinked temporary file) with the byte-order mark and the header
 * line; row appends one row's text and CRLF unless the text ends with one; end sets 200
 * text/csv over the spool (sent as a stream). begin and row return 0, or -1 after setting a
 * 500 problem (no temporary file, disk full): the caller then stops. */
int result_csv_begin(struct result *r, const char *header);
int result_csv_row(struct result *r, const char *text, size_t len);
void result_csv_end(struct result *r);

/* Sets a success with a JSON body (stolen) or a raw JSON text (copied). */
void result_json(struct result *r, int status, json_t *body);
void result_raw(struct result *r, int status, const char *text);
/* Sets a success with a JSON text made by the caller (owned from now on: strbuf_steal's); NULL,
 * the text could not be made (out of memory), sets a 500 instead. */
void result_raw_owned(struct result *r, int status, char *text);

#endif
