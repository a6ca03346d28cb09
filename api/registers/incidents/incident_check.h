#ifndef ZSZ_INCIDENT_CHECK_H
#define ZSZ_INCIDENT_CHECK_H
/* Checks of an incident that need no database (pure). Each appends {field, message} errors
 * to errors (a JSON array, borrowed); nested members are named "outer.inner" or
 * "outer[i].inner". */

#include <jansson.h>
#include <time.h>

#include "validate.h"

/* What a new report may carry: fields only the IOD sets (unless iod) and the fields the
 * resolving and closing steps bring are refused, and removed from body. */
void incident_check_report(json_t *body, int iod, json_t *errors);
/* Shapes of a body (create or patch), including the nested sections; its timestamps are
 * rewritten to UTC and refused when in the future (now). */
void incident_check_shapes(json_t *body, enum validate_mode mode, time_t now, json_t *errors);
/* Rewrites timestamp member key of obj to UTC ("...+00:00"), refusing one in the future
 * (naming it field). */
void incident_normalise_time(json_t *obj, const char *key, const char *field, time_t now, json_t *errors);
/* Items of evidence and supplements get every member, so stored documents have one shape. */
void incident_fill_defaults(json_t *doc);
/* Merges a checked PATCH body into doc (the stored record's writable members): members
 * replaced, the sections member by member (null removes a member, a null section clears it). */
void incident_merge(json_t *doc, const json_t *patch);
/* The rules over the whole incident as it will be stored. uodo_hours: the organisation's rule. */
void incident_check_rules(const json_t *inc, long long uodo_hours, json_t *errors);
/* What the step to `to` needs of the record as it will be after the step. */
void incident_check_step(const json_t *inc, const char *to, json_t *errors);

#endif
