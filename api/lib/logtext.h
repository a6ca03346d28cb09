#ifndef ZSZ_LOGTEXT_H
#define ZSZ_LOGTEXT_H
/* Values from outside (a token's claims, the request line, database messages quoting input)
 * written into a log line so that they cannot end the line, forge another one or steer a
 * terminal. Pure: no I/O. */

#include <stddef.h>

/* Writes s into out (cap bytes, at least 4) escaped, for a log line between double quotes:
 * '"' and '\' get a backslash; each byte of a control character (C0, DEL, C1 as UTF-8, U+2028,
 * U+2029) or of invalid UTF-8 becomes \xNN; the rest (valid UTF-8) is kept. A value that does
 * not fit is cut between characters and ends with "...". s NULL is written as "". Returns out.
 * Four times the length of s plus one is always enough. */
char *log_escape(const char *s, char *out, size_t cap);

#endif
