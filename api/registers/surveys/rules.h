#ifndef ZSZ_SURVEYS_RULES_H
#define ZSZ_SURVEYS_RULES_H
/* The survey register's rules that need no database: body shapes and the workflow. */

#include "validate.h"
#include "workflow.h"

extern const struct field_spec SURVEY_FIELDS[];
extern const struct field_spec ACCESS_CODE_FIELDS[];
extern const struct workflow SURVEY_WORKFLOW;
/* Fields a survey keeps once open: the form its respondents saw (NULL-terminated). */
extern const char *const SURVEY_FROZEN_ONCE_OPEN[];

#endif
