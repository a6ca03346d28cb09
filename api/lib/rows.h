#ifndef ZSZ_ROWS_H
#define ZSZ_ROWS_H
/* The rows reader of bulk imports: a request body and its Content-Type in, one row at a time
 * out, each a JSON object, whatever the body's format:
 * - application/json: an array of objects, read one element at a time (never a tree of the
 *   whole body);
 * - application/x-ndjson: one object per line (blank lines skipped);
 * - text/csv: the header row names the fields, each data row becomes an object of strings (an
 *   empty cell is left out); ';' or ',' picked from the header line; RFC 4180 quoting; CRLF or
 *   LF; a UTF-8 byte-order mark skipped; charset=utf-8 (default) or windows-1250 (what Polish
 *   Excel writes), converted with iconv as it is read, a window at a time.
 * Pure: no I/O beyond reading the body it is given (borrowed; it must outlive the reader). */

#include <jansson.h>
#include <stddef.h>

enum rows_format { ROWS_JSON, ROWS_NDJSON, ROWS_CSV };

/* Why a body cannot be read at all. */
enum rows_open_status {
  ROWS_OPEN_OK = 0,
  ROWS_OPEN_MEDIA_TYPE, /* not one of the three media types (415) */
  ROWS_OPEN_CHARSET,    /* a charset the format does not take (415) */
  ROWS_OPEN_NOMEM,
};

enum rows_status {
  ROWS_END = 0,   /* no more rows */
  ROWS_ROW = 1,   /* *row is the next row */
  ROWS_ERROR = -1 /* the body is malformed at this point: err says where; reading stops */
};

struct rows_reader;

/* Opens a reader over body (len bytes) sent as content_type (NULL: none). */
enum rows_open_status rows_open(const char *content_type, const char *body, size_t len, struct rows_reader **out);
/* The next row: ROWS_ROW with *row a new object (caller decrefs); ROWS_END; or ROWS_ERROR with
 * a message in err (the row's index, or the CSV line, included). A JSON element or NDJSON line
 * that is not an object is an error too. After ROWS_END or ROWS_ERROR, it returns the same. */
enum rows_status rows_next(struct rows_reader *r, json_t **row, char *err, size_t errlen);
/* The rows returned so far. */
size_t rows_count(const struct rows_reader *r);
enum rows_format rows_format_of(const struct rows_reader *r);
void rows_close(struct rows_reader *r);

/* The media type and charset of a Content-Type value, lower-cased, without parameters
 * (type[] "" when absent). Pure helper, exposed for tests. */
void rows_media_type(const char *content_type, char *type, size_t typelen, char *charset, size_t charsetlen);

#endif
