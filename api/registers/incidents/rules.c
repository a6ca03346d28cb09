#include "auth.h"
#include "rules.h"

static const char *const STATES[] = {"reported", "triage", "investigating", "resolved", "closed", "dismissed", NULL};
static const char *const TYPES[] = {"personal_data_breach", "cyber", "it_failure", "physical", "other", NULL};
static const char *const CATEGORIES[] = {"confidentiality", "integrity", "availability", NULL};
static const char *const SOURCES[] = {"internal", "external", NULL};
static const char *const NATURES[] = {"destruction",         "loss", "alteration", "unauthorised_disclosure",
                                      "unauthorised_access", NULL};
static const char *const RISKS[] = {"none", "risk", "high", NULL};
static const char *const EXEMPTIONS[] = {"encrypted", "risk_removed", "disproportionate_effort_public_notice", NULL};
static const char *const CSIRTS[] = {"NASK", "GOV", "MON", NULL};
static const char *const TIMELINE_KINDS[] = {"detection", "analysis",     "containment", "eradication",
                                             "recovery",  "notification", "note",        NULL};

#define IOD ROLE_IOD

static const struct workflow_step STEPS[] = {
    {"reported", "triage", IOD, NULL},      {"triage", "investigating", IOD, NULL},
    {"triage", "dismissed", IOD, "reason"}, {"investigating", "resolved", IOD, NULL},
    {"resolved", "closed", IOD, NULL},
};
const struct workflow INCIDENT_WORKFLOW = {STATES, STEPS, 5};

#define TEXT(n, max)                                                                                                   \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = max }
/* section members may be null: in a PATCH that clears them */
#define NTEXT(n, max)                                                                                                  \
  { .name = n, .type = VT_STRING, .flags = V_TEXT | V_NULLABLE, .max_len = max }

const struct field_spec INCIDENT_FIELDS[] = {
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    TEXT("description", 20000),
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = TYPES},
    {.name = "occurred_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "detected_at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "source", .type = VT_STRING, .one_of = SOURCES},
    {.name = "categories", .type = VT_STRING_ARRAY, .flags = V_UNIQUE, .one_of = CATEGORIES, .max_items = 3},
    {.name = "affected_systems",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 50},
    {.name = "affected_org_unit_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    /* the IOD's (FIRST_IOD_FIELD) */
    {.name = "severity", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = 5},
    TEXT("resolution", 20000),
    TEXT("lessons_learned", 20000),
    {.name = "evidence", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {.name = "breach", .type = VT_OBJECT, .flags = V_NULLABLE},
    {.name = "ksc", .type = VT_OBJECT, .flags = V_NULLABLE},
    {0},
};

const struct field_spec EVIDENCE_FIELDS[] = {
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "document_id", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    TEXT("description", 2000),
    {0},
};

const struct field_spec SUPPLEMENT_FIELDS[] = {
    {.name = "at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "reference", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    TEXT("summary", 5000),
    {0},
};

const struct field_spec BREACH_FIELDS[] = {
    {.name = "aware_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "breach_nature", .type = VT_STRING, .flags = V_NULLABLE, .one_of = NATURES},
    {.name = "data_categories",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE | V_UNIQUE | V_NULLABLE,
     .min_len = 1,
     .max_len = 100,
     .max_items = 50},
    {.name = "subjects_count", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 0, .max = 1000000000000LL},
    {.name = "records_count", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 0, .max = 1000000000000LL},
    NTEXT("likely_consequences", 20000),
    NTEXT("measures_taken", 20000),
    {.name = "risk_level", .type = VT_STRING, .flags = V_NULLABLE, .one_of = RISKS},
    {.name = "uodo_notified_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "uodo_reference", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 100},
    {.name = "uodo_supplements", .type = VT_OBJECT_ARRAY, .flags = V_NULLABLE, .max_items = 50},
    {.name = "uodo_not_notified_reason",
     .type = VT_STRING,
     .flags = V_NULLABLE | V_TEXT,
     .min_len = 1,
     .max_len = 5000},
    {.name = "uodo_late_reason", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "subjects_notified_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "subjects_notification_method", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .max_len = 500},
    {.name = "subjects_exemption", .type = VT_STRING, .flags = V_NULLABLE, .one_of = EXEMPTIONS},
    {.name = "subjects_exemption_justification", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .max_len = 5000},
    {0},
};

const struct field_spec KSC_FIELDS[] = {
    {.name = "csirt", .type = VT_STRING, .flags = V_NULLABLE, .one_of = CSIRTS},
    {.name = "public_task_affected", .type = VT_BOOLEAN, .flags = V_NULLABLE},
    {.name = "people_affected", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 0, .max = 1000000000000LL},
    {.name = "duration", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 100},
    {.name = "csirt_reported_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "csirt_reference", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 100},
    {.name = "csirt_supplements", .type = VT_OBJECT_ARRAY, .flags = V_NULLABLE, .max_items = 50},
    {0},
};

const struct field_spec TIMELINE_FIELDS[] = {
    {.name = "at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = TIMELINE_KINDS},
    {.name = "text", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {0},
};

const struct field_spec TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    TEXT("resolution", 20000),
    TEXT("lessons_learned", 20000),
    {0},
};

const struct field_spec DEADLINE_RULE_FIELDS[] = {
    {.name = "uodo", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8760},
    {.name = "csirt", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8760},
    {.name = "subjects", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8760},
    /* the warning windows of deadline events, hours before a deadline (optional; [] warns not) */
    {.name = "warning_hours", .type = VT_INTEGER_ARRAY, .flags = V_UNIQUE, .min = 1, .max = 8760, .max_items = 5},
    {0},
};
