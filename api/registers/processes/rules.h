#ifndef ZSZ_PROCESSES_RULES_H
#define ZSZ_PROCESSES_RULES_H
/* The process register's rules that need no database: body shapes and workflows. */

#include "validate.h"
#include "workflow.h"

extern const struct field_spec PROCESS_FIELDS[];
extern const struct field_spec CHANGE_REQUEST_FIELDS[];
extern const struct workflow PROCESS_WORKFLOW;
extern const struct workflow CHANGE_REQUEST_WORKFLOW;

#endif
