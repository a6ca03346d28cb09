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
