#ifndef ZSZ_WORKFLOW_H
#define ZSZ_WORKFLOW_H
/* State machines of the registers: every state change goes through POST .../transitions
 * with {"to": state, ...}. A step names its roles and the body field it needs. */

#include <jansson.h>

#include "db.h"
#include "result.h"
#include "validate.h"

struct workflow_step {
  const char *from;
  const char *to;
  unsigned roles;       /* role mask that may take the step */
  const char *requires; /* body field the step needs, or NULL */
};

struct workflow {
  const char *const *states; /* NULL-terminated */
  const struct workflow_step *steps;
  size_t step_count;
};

/* The step from -> to, or NULL when the workflow has none. */
const struct workflow_step *workflow_step(const struct workflow *wf, const char *from, const char *to);

/* Admits the step from -> to for a caller with roles, whose transition body is body: 409
 * invalid-transition when the workflow has no such step, 403 when the roles may not take it,
 * 422 when the body lacks the field the step needs. Then records "transition:<to>" as the
 * change-log action of tx. 1 when the step may go ahead, 0 after setting res, -1 when the
 * database failed. */
int workflow_take(struct db_tx *tx, struct result *res, const struct workflow *wf, const char *from, const char *to,
                  unsigned roles, const json_t *body);

/* Validates a transition body {"to": state, "reason": text}: appends errors, returns count. */
int workflow_validate_body(const struct workflow *wf, const json_t *body, json_t *errors);

#endif
