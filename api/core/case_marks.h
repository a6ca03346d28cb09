#ifndef ZSZ_CASE_MARKS_H
#define ZSZ_CASE_MARKS_H
/* The write rule of EZD case marks (docs/design-case-marks.md): a register that stores a
 * znak_sprawy calls case_marks_check with the marks its body cites (case_marks_collect) before
 * it writes. Under the organisation's setting case_marks = 'strict' (the default) a malformed
 * mark is 422 case-mark-malformed naming each field; under 'lenient' it is stored as given.
 * The index of what is stored (table case_references) is kept by triggers (migration 0020). */

#include <jansson.h>

#include "case_mark.h"
#include "db.h"

/* 1 when the marks (borrowed; NULL or empty: none) may be stored; 0 after setting 422 in
 * res; -1 when the database failed (the setting is read only when a mark is malformed). */
int case_marks_check(struct db_tx *tx, const char *org, const json_t *marks, struct result *res);

/* case_marks_collect(doc, path) then case_marks_check. */
int case_marks_check_at(struct db_tx *tx, const char *org, const json_t *doc, const char *path, struct result *res);

#endif
