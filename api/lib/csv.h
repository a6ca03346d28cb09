#ifndef ZSZ_CSV_H
#define ZSZ_CSV_H
/* A CSV reader for imports: RFC 4180 quoting, CRLF or LF, a UTF-8 byte-order mark skipped,
 * separator ';' or ',' chosen from the header line (Polish spreadsheets write ';'). Pure. */

#include <jansson.h>
#include <stddef.h>

/* Parses text (len bytes) into a new JSON array of rows, each an array of strings; blank
 * lines are skipped. NULL with a message in err (line number included) when malformed (an
 * unclosed quote, text after one, a field not UTF-8, a NUL byte). */
json_t *csv_parse(const char *text, size_t len, char *err, size_t errlen);

#endif
