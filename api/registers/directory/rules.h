#ifndef ZSZ_DIRECTORY_RULES_H
#define ZSZ_DIRECTORY_RULES_H
/* The directory's rules that need no database: body shapes. */

#include "validate.h"

extern const struct field_spec USER_FIELDS[];
extern const struct field_spec ORG_UNIT_FIELDS[];
extern const struct field_spec USER_PUT_FIELDS[];
extern const struct field_spec USER_ROW_FIELDS[];
extern const struct field_spec ORG_UNIT_ROW_FIELDS[];
extern const struct field_spec HANDOVER_FIELDS[];
extern const struct field_spec ORGANISATION_FIELDS[];
/* Checks the settings object of PUT /organisation (borrowed; NULL: none), appending each
 * problem to errors named settings.<name>. Returns the number appended. */
int organisation_settings_check(const json_t *settings, json_t *errors);
extern const struct field_spec SCHEME_FIELDS[];

/* A process scheme's document ({name, categories: {management, core, support: [prefix]},
 * separators, digits, levels, example}): appends every problem to errors (fields such as
 * "categories.core"); the number appended. Pure. */
int scheme_check(const json_t *body, json_t *errors);

#endif
