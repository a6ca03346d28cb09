#ifndef ZSZ_CASE_MARK_H
#define ZSZ_CASE_MARK_H
/* EZD case marks (znak sprawy), as the office manual (instrukcja kancelaryjna, annex 1 to the
 * Prime Minister's regulation of 18 January 2011, Dz.U. 2011 nr 14 poz. 67) builds them: the
 * organisational unit's symbol, the class symbol from the uniform file list (JRWA), the case's
 * running number from the unit's case register for that class and year (spis spraw), and
 * the four digits of the year the case began, separated by dots; e.g. "WOU-II.0123.1.2024".
 * What halls add within the manual: a sub-folder number between the class and the case number
 * (podteczka, "ABC-A.123.77.3.2011") and the initials of the person handling the case at the
 * end ("OR.0012.3.2024.JK"). Pure. The grammar, which migration 0020's zsz_case_mark_parts()
 * repeats in SQL (tests/db/test_case_marks.c holds the two to the same examples):
 *
 *   mark     = unit "." jrwa ["." folder] "." number "." year ["." initials]
 *   unit     = part *("." part)        each part a letter, then letters or digits, and
 *   part     = seg *("-" seg)          segments joined by "-" (sub-units: WOU-II, KD-02, Or.I)
 *   jrwa     = 1*4DIGIT                leading zeros kept: "0123" is not "123"
 *   folder   = 1*4DIGIT
 *   number   = %x31-39 *6DIGIT         1..9999999, no leading zero
 *   year     = 4DIGIT                  1950..2099
 *   initials = 1*10LETTER
 *
 * Letters are ASCII and the Polish ones (ĄĆĘŁŃÓŚŹŻ, either case, in UTF-8). A mark has at most
 * CASE_MARK_MAX bytes. */

#include <jansson.h>
#include <stddef.h>

#include "messages.h"

#define CASE_MARK_MAX 100
#define CASE_MARK_YEAR_MIN 1950
#define CASE_MARK_YEAR_MAX 2099

struct case_mark {
  char unit[CASE_MARK_MAX + 1]; /* as written, e.g. "WOU-II" */
  char jrwa[5];                 /* 1..4 digits as written, e.g. "0123" */
  char folder[5];               /* "" or 1..4 digits */
  long number;                  /* 1..9999999 */
  int year;                     /* CASE_MARK_YEAR_MIN..CASE_MARK_YEAR_MAX */
  char initials[32];            /* "" or the handler's initials as written (UTF-8) */
  /* The case the mark names, without the initials (the person handling a case changes, the
   * case does not): "unit.jrwa[.folder].number.year". Lookups compare this key. */
  char key[2 * CASE_MARK_MAX];
};

/* Why a text is no case mark (CM_OK when it is one). */
enum case_mark_error {
  CM_OK = 0,
  CM_EMPTY,          /* no text */
  CM_TOO_LONG,       /* over CASE_MARK_MAX bytes */
  CM_CHARACTER,      /* a character other than letters, digits, '.' and '-' (a space ...) */
  CM_EMPTY_PART,     /* "..", or a dot at either end */
  CM_TOO_FEW_PARTS,  /* fewer than unit, class, number and year */
  CM_YEAR,           /* the year is not four digits in range */
  CM_AFTER_YEAR,     /* after the year, something other than initials */
  CM_NUMBER,         /* the case number is not 1..9999999 without leading zeros */
  CM_JRWA,           /* the class is not 1 to 4 digits */
  CM_FOLDER,         /* the sub-folder is not 1 to 4 digits */
  CM_TOO_MANY_PARTS, /* more numbers between the unit and the year than class, folder, number */
  CM_NO_UNIT,        /* nothing before the class */
  CM_UNIT,           /* a unit part that does not start with a letter, or an empty segment */
};

/* Parses text (NUL-terminated, NULL reads as empty) into *out (may be NULL: only checks).
 * Returns CM_OK, or the first reason it found, reading from the year leftwards. */
enum case_mark_error case_mark_parse(const char *text, struct case_mark *out);

/* The catalogue message that explains reason (a full sentence fragment after the field
 * name, e.g. "is not a case mark: ..."). */
msg_id case_mark_message(enum case_mark_error reason);

/* The case marks doc cites along path, as a new array of {"field", "mark"} (caller
 * json_decref()s; NULL out of memory). path: member names joined by '.', a name ending in
 * "[]" an array whose items the rest applies to: "evidence[].znak_sprawy" gives fields
 * "evidence[0].znak_sprawy" ..., "evidence.documents[].znak_sprawy" the documents of an
 * object. Strings only, and not empty ones (an empty mark cites no case). The same walk as
 * zsz_case_marks_at() in migration 0020, which indexes what is stored. */
json_t *case_marks_collect(const json_t *doc, const char *path);

/* Appends to errors one {field, message} per mark of marks (case_marks_collect) that is no
 * case mark. Returns how many. */
int case_marks_errors(const json_t *marks, json_t *errors);

#endif
