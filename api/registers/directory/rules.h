#ifndef ZSZ_DIRECTORY_RULES_H
#define ZSZ_DIRECTORY_RULES_H
/* The directory's rules that need no database: body shapes. */

#include "validate.h"

extern const struct field_spec USER_FIELDS[];
extern const struct field_spec ORG_UNIT_FIELDS[];

#endif
