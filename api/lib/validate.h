#ifndef ZSZ_VALIDATE_H
#define ZSZ_VALIDATE_H
/* Schema-driven validation of request bodies. Reports every problem at once as
 * {field, message} objects appended to a JSON array. Pure: no I/O. */

#include <jansson.h>
#include <stddef.h>

#include "messages.h"

typedef enum {
  VT_STRING,
  VT_INTEGER,
  VT_BOOLEAN,
  VT_STRING_ARRAY,
  VT_DECIMAL,       /* a JSON string "-12.50" or number; at most 18 digits before, 6 after the point */
  VT_DATE,          /* "YYYY-MM-DD", a real calendar date */
  VT_OBJECT,        /* a JSON object, its content checked by the caller */
  VT_OBJECT_ARRAY,  /* an array of objects, their content checked by the caller */
  VT_TIMESTAMP,     /* RFC 3339 with an offset, e.g. "2026-03-28T12:00:00+01:00" */
  VT_INTEGER_ARRAY, /* an array of integers within min..max */
} value_type;

enum {
  V_REQUIRED = 1u << 0,    /* must be present when validating a create */
  V_NULLABLE = 1u << 1,    /* null is accepted (clears the value) */
  V_SINGLE_LINE = 1u << 2, /* no control characters at all */
  V_CODE_CHARS = 1u << 3,  /* only [A-Za-z0-9._-] */
  V_TEXT = 1u << 4,        /* control characters other than \n \r \t refused */
  V_UNIQUE = 1u << 5,      /* arrays: no repeated items */
  V_SLASH = 1u << 6,       /* with V_CODE_CHARS: '/' too (document-style codes) */
};

struct field_spec {
  const char *name;
  value_type type;
  unsigned flags;
  size_t min_len; /* strings: characters (code points) */
  size_t max_len;
  long long min, max;        /* integers, when min < max */
  const char *const *one_of; /* strings: NULL-terminated allow-list */
  size_t max_items;          /* arrays: 0 = no limit */
};

enum validate_mode { VALIDATE_CREATE, VALIDATE_PATCH };

/* Validates body against a NULL-name-terminated spec list. Unknown keys are errors. In
 * VALIDATE_CREATE mode missing V_REQUIRED fields are errors. Appends to errors (borrowed,
 * must be a JSON array). Returns the number of errors appended. */
int validate_object(const json_t *body, const struct field_spec *specs, enum validate_mode mode, json_t *errors);

/* Appends {field, message} with a catalogue message. errors is borrowed. */
void errors_add(json_t *errors, const char *field, msg_id id, ...);

/* Canonical decimal text of a valid VT_DECIMAL value into out (at least 48 bytes): strings as
 * given, numbers with up to 6 decimals and no trailing zeros. 0, or -1 when not a decimal. */
int decimal_text(const json_t *v, char *out, size_t len);

/* 1 when s is "YYYY-MM-DD" naming a real date. */
int date_valid(const char *s);

/* 1 when errors already names field. */
int field_has_error(const json_t *errors, const char *field);

/* Number of Unicode code points in a valid UTF-8 string of len bytes. */
size_t utf8_length(const char *s, size_t len);

/* 1 when s (len bytes) is valid UTF-8 without NUL. */
int utf8_valid(const char *s, size_t len);

/* 1 when s (len bytes) holds a control character: C0 (NUL included) and DEL, C1 (U+0080 to
 * U+009F) or a line or paragraph separator (U+2028, U+2029); with allow_whitespace, \n, \r
 * and \t are let through. */
int text_has_control(const char *s, size_t len, int allow_whitespace);

#endif
