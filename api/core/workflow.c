#include <stdio.h>
#include <string.h>

#include "workflow.h"

const struct workflow_step *workflow_step(const struct workflow *wf, const char *from, const char *to) {
  for (size_t i = 0; i < wf->step_count; i++) {
    if (strcmp(wf->steps[i].from, from) == 0 && strcmp(wf->steps[i].to, to) == 0) {
      return &wf->steps[i];
    }
  }
  return NULL;
}

int workflow_validate_body(const struct workflow *wf, const json_t *body, json_t *errors) {
  const struct field_spec spec[] = {
      {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = wf->states},
      {.name = "reason", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .min_len = 1, .max_len = 2000},
      {0},
  };
  return validate_object(body, spec, VALIDATE_CREATE, errors);
}

int workflow_take(struct db_tx *tx, struct result *res, const struct workflow *wf, const char *from, const char *to,
                  unsigned roles, const json_t *body) {
  const struct workflow_step *step = workflow_step(wf, from, to);
  if (step == NULL) {
    result_problem(res, PROBLEM_INVALID_TRANSITION, MSG_TRANSITION_FROM, from, to);
    return 0;
  }
  if ((step->roles & roles) == 0) {
    result_problem(res, PROBLEM_FORBIDDEN, MSG_ROLE_FORBIDDEN);
    return 0;
  }
  const json_t *needed = step->requires ? json_object_get(body, step->requires) : NULL;
  if (step->requires && (needed == NULL || json_is_null(needed))) {
    json_t *errors = json_array();
    errors_add(errors, step->requires, MSG_REASON_REQUIRED);
    result_invalid(res, errors);
    return 0;
  }
  char action[48];
  snprintf(action, sizeof action, "transition:%s", to);
  return db_set_action(tx, action) == 0 ? 1 : -1;
}
