#ifndef ZSZ_SOA_RULES_H
#define ZSZ_SOA_RULES_H
/* The Statement of Applicability's rules that need no database: the body of a control's
 * entry and the workflow of its versions (the plenipotentiary or the IOD submits, the
 * president approves or returns). Pure. */

#include <jansson.h>

#include "validate.h"
#include "workflow.h"

extern const struct workflow SOA_WORKFLOW;
extern const struct field_spec SOA_ENTRY_FIELDS[];

/* An entry body that passed SOA_ENTRY_FIELDS: an applicable control states its
 * implementation, one that is not applicable has none; the evidence is {text, case_marks,
 * document_ids}. Appends errors; returns how many. */
int soa_entry_check(const json_t *body, json_t *errors);

#endif
