#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "clauses.h"
#include "rules.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define AUD ROLE_AUDITOR

static const char *const QUALIFICATIONS[] = {"iso9001", "iso27001", "iso14001", NULL};
static const char *const APPOINTMENT_STATES[] = {"active", "revoked", NULL};
static const char *const PROGRAMME_STATES[] = {"draft", "submitted", "approved", "returned", NULL};
static const char *const AUDIT_KINDS[] = {"quality", "information_security", "integrated", NULL};
static const char *const AUDIT_STATES[] = {"planned", "in_progress", "reported", "closed", "cancelled", NULL};
static const char *const FINDING_KINDS[] = {"major_nonconformity",         "minor_nonconformity", "observation",
                                            "opportunity_for_improvement", "good_practice",       NULL};

static const struct workflow_step APPOINTMENT_STEPS[] = {{"active", "revoked", PR, "reason"}};
const struct workflow APPOINTMENT_WORKFLOW = {APPOINTMENT_STATES, APPOINTMENT_STEPS, 1};

static const struct workflow_step PROGRAMME_STEPS[] = {
    {"draft", "submitted", P | IOD, NULL},
    {"returned", "submitted", P | IOD, NULL},
    {"submitted", "approved", PR, NULL},
    {"submitted", "returned", PR, "reason"},
};
const struct workflow PROGRAMME_WORKFLOW = {PROGRAMME_STATES, PROGRAMME_STEPS, 4};

static const struct workflow_step AUDIT_STEPS[] = {
    {"planned", "in_progress", AUD, NULL},
    {"in_progress", "reported", AUD, "report"},
    {"reported", "closed", P, NULL},
    {"planned", "cancelled", P | IOD, "reason"},
    {"in_progress", "cancelled", P | IOD, "reason"},
};
const struct workflow AUDIT_WORKFLOW = {AUDIT_STATES, AUDIT_STEPS, 5};

const struct field_spec APPOINTMENT_FIELDS[] = {
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "auditor", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "order_ref", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "qualifications",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE,
     .one_of = QUALIFICATIONS,
     .max_items = 3},
    {.name = "valid_from", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "valid_to", .type = VT_DATE, .flags = V_REQUIRED},
    {0},
};

const struct field_spec PROGRAMME_FIELDS[] = {
    {.name = "objectives", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "risks_considered", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {0},
};

const struct field_spec AUDIT_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS | V_SLASH, .min_len = 1, .max_len = 32},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = AUDIT_KINDS},
    {.name = "scope_process_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "scope_org_unit_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    /* the risks the audit covers (the programme shows the high and critical ones none covers) */
    {.name = "risk_ids", .type = VT_INTEGER_ARRAY, .flags = V_UNIQUE, .min = 1, .max = (1LL << 53), .max_items = 100},
    {.name = "criteria",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 100,
     .max_items = 50},
    {.name = "planned_start", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "planned_end", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "lead_auditor", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "team",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 20},
    {.name = "auditees",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 50},
    {0},
};

/* A transition body carries the report too, so the workflow's own {to, reason} check does not
 * fit it: this spec is checked instead (reason, when sent, is a non-empty text). */
const struct field_spec AUDIT_TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = AUDIT_STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "report", .type = VT_OBJECT},
    {0},
};

static const struct field_spec REPORT_FIELDS[] = {
    {.name = "summary", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "strong_points", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "areas_to_improve", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "conclusion", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {0},
};

static const struct field_spec FINDING_FIELDS[] = {
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = FINDING_KINDS},
    {.name = "clause", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "process_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "evidence", .type = VT_OBJECT},
    {0},
};

static const struct field_spec EVIDENCE_FIELDS[] = {
    {.name = "text", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "documents", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {0},
};

static const struct field_spec DOCUMENT_FIELDS[] = {
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "document_id", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

void dates_in_year_check(json_t *errors, const char *from_key, const char *from, const char *to_key, const char *to,
                         long long year) {
  char prefix[8];
  snprintf(prefix, sizeof prefix, "%04lld-", year);
  if (from && strncmp(from, prefix, 5) != 0) errors_add(errors, from_key, MSG_DATE_IN_YEAR, year);
  if (to && strncmp(to, prefix, 5) != 0) errors_add(errors, to_key, MSG_DATE_IN_YEAR, year);
  if (from && to && strcmp(from, to) > 0) errors_add(errors, to_key, MSG_BEFORE, from_key);
}

void appointment_body_check(const json_t *body, enum validate_mode mode, json_t *errors) {
  validate_object(body, APPOINTMENT_FIELDS, mode, errors);
  const json_t *q = json_object_get(body, "qualifications");
  if (json_is_array(q) && json_array_size(q) == 0) errors_add(errors, "qualifications", MSG_REQUIRED);
}

void audit_body_rules(const json_t *audit, json_t *errors) {
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(audit, "criteria"), i, v) {
    if (!clause_valid(json_string_value(v))) {
      char field[32];
      snprintf(field, sizeof field, "criteria[%zu]", i);
      errors_add(errors, field, MSG_UNKNOWN_CLAUSE);
    }
  }
  if (json_array_size(json_object_get(audit, "criteria")) == 0) errors_add(errors, "criteria", MSG_REQUIRED);
  if (json_array_size(json_object_get(audit, "team")) == 0) errors_add(errors, "team", MSG_REQUIRED);
  if (json_array_size(json_object_get(audit, "scope_process_ids")) +
          json_array_size(json_object_get(audit, "scope_org_unit_ids")) ==
      0) {
    errors_add(errors, "scope_process_ids", MSG_SCOPE_EMPTY);
  }
  const char *lead = json_string_value(json_object_get(audit, "lead_auditor"));
  int lead_in = 0;
  json_array_foreach(json_object_get(audit, "team"), i, v) {
    lead_in |= lead && strcmp(json_string_value(v), lead) == 0;
  }
  if (lead && !lead_in) errors_add(errors, "lead_auditor", MSG_LEAD_IN_TEAM);
  dates_in_year_check(errors, "planned_start", json_string_value(json_object_get(audit, "planned_start")),
                      "planned_end", json_string_value(json_object_get(audit, "planned_end")),
                      json_integer_value(json_object_get(audit, "year")));
}

/* Validates an object nested at prefix, its errors named "prefix.field". */
static void validate_nested(const json_t *object, const struct field_spec *specs, enum validate_mode mode,
                            const char *prefix, json_t *errors) {
  json_t *inner = json_array();
  size_t i;
  json_t *e;
  validate_object(object, specs, mode, inner);
  json_array_foreach(inner, i, e) {
    char field[160];
    const char *f = json_string_value(json_object_get(e, "field"));
    snprintf(field, sizeof field, "%s%s%s", prefix, *f ? "." : "", f);
    json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
  json_decref(inner);
}

void audit_report_check(const json_t *report, json_t *errors) {
  if (!json_is_object(report)) {
    errors_add(errors, "report", MSG_REQUIRED);
  } else {
    validate_nested(report, REPORT_FIELDS, VALIDATE_CREATE, "report", errors);
  }
}

void finding_body_check(const json_t *body, json_t *errors) {
  validate_object(body, FINDING_FIELDS, VALIDATE_CREATE, errors);
  const char *clause = json_string_value(json_object_get(body, "clause"));
  if (clause && !field_has_error(errors, "clause") && !clause_valid(clause)) {
    errors_add(errors, "clause", MSG_UNKNOWN_CLAUSE);
  }
  const json_t *evidence = json_object_get(body, "evidence");
  if (json_is_object(evidence)) {
    validate_nested(evidence, EVIDENCE_FIELDS, VALIDATE_PATCH, "evidence", errors);
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(evidence, "documents"), i, d) {
      char prefix[64];
      snprintf(prefix, sizeof prefix, "evidence.documents[%zu]", i);
      validate_nested(d, DOCUMENT_FIELDS, VALIDATE_CREATE, prefix, errors);
    }
  }
}
