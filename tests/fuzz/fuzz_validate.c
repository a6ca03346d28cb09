/* Request bodies: every body a route checks, as the server checks it.
 *
 * Input: a first line naming the route ("POST /api/v1/processes", optionally followed by a
 * space and a variant word, e.g. "iod"), then the body. A line that names no case still
 * picks one (by its hash), so mutated lines keep testing. The body is parsed as
 * dispatch.c's read_json_body parses it (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY); then, in
 * the server's order:
 *   1. the route row's field specs (validate_object) and its workflow's transition body;
 *   2. when those passed, the pure checks the route's work function runs on the body (review,
 *      objective, indicator, incident, survey, audit, finding, nonconformity rules), and the
 *      public survey response against a survey definition that has every question type.
 * Every route of the server with a body spec or a workflow is a case, found in the route
 * table at start, so a new route is fuzzed without touching this file. */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "fuzz_survey.h"
#include "registers.h"
#include "routes.h"
#include "validate.h"
#include "workflow.h"

#include "audits/rules.h"
#include "incidents/incident_check.h"
#include "nonconformities/rules.h"
#include "objectives/rules.h"
#include "processes/rules.h"
#include "reviews/rules.h"
#include "surveys/rules.h"
#include "surveys/survey_check.h"

/* A fixed clock: incident timestamps after it are refused as in the future. */
#define FUZZ_NOW ((time_t)1893456000) /* 2030-01-01T00:00:00Z */

/* The work-level checks, by route. Each gets a body that passed the route row's checks
 * (owned by the check: it may be changed, as the work changes its copy) and the variant. */
typedef void (*work_check)(json_t *body, const char *variant, json_t *errors);

struct work_case {
  const char *method, *path;
  work_check check;
};

/* As processes.c's process_check: the shape (the code against the organisation's scheme is
 * a SQL rule since migration 0017, not C: fuzz_scheme.c fuzzes the scheme documents). */
static void process_body(json_t *body, enum validate_mode mode, const char *variant, json_t *errors) {
  (void)variant;
  validate_object(body, PROCESS_FIELDS, mode, errors);
}

static void process_create(json_t *body, const char *variant, json_t *errors) {
  process_body(body, VALIDATE_CREATE, variant, errors);
}

static void process_update(json_t *body, const char *variant, json_t *errors) {
  process_body(body, VALIDATE_PATCH, variant, errors);
}

static void review_create(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  review_check(body, VALIDATE_CREATE, errors);
  if (json_array_size(errors) == 0) json_decref(review_with_defaults(body));
}

static void review_update(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  review_check(body, VALIDATE_PATCH, errors);
  if (json_array_size(errors) == 0) json_decref(review_with_defaults(body));
}

static void objective_create(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  objective_check_create(body, errors);
}

static void objective_revision(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  objective_check_revision(body, errors);
}

static void indicator(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  json_t *copy = decimals_canonical(body, INDICATOR_DECIMAL_FIELDS);
  FUZZ_CHECK(copy != NULL, "decimals_canonical refused a body its spec accepted");
  struct indicator_shape shape = {0};
  indicator_shape_take(&shape, copy);
  indicator_check(&shape, errors);
  json_decref(copy);
}

static void reading(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  (void)errors;
  json_t *copy = decimals_canonical(body, READING_DECIMAL_FIELDS);
  FUZZ_CHECK(copy != NULL, "decimals_canonical refused a body its spec accepted");
  json_decref(copy);
}

/* A stored incident (a breach, reported and triaged): what a PATCH is merged into and a
 * transition is checked against. */
static const char STORED_INCIDENT[] =
    "{\"title\":\"Zgubiony pendrive\",\"description\":\"Utrata no\\u015bnika\",\"type\":\"personal_data_breach\","
    "\"occurred_at\":\"2026-11-01T08:15:00+00:00\",\"detected_at\":\"2026-11-01T10:00:00+00:00\","
    "\"source\":\"external\",\"categories\":[\"confidentiality\"],\"affected_systems\":[\"Pendrive\"],"
    "\"affected_org_unit_ids\":[1],\"severity\":\"high\",\"breach\":{\"risk_level\":\"high\","
    "\"aware_at\":\"2026-11-01T10:30:00+00:00\"},\"evidence\":[]}";

static json_t *stored_incident(void) {
  json_t *doc = json_loads(STORED_INCIDENT, 0, NULL);
  FUZZ_CHECK(doc != NULL, "the stored incident does not parse");
  incident_fill_defaults(doc);
  return doc;
}

static void incident_create(json_t *body, const char *variant, json_t *errors) {
  incident_check_report(body, strcmp(variant, "iod") == 0, errors);
  incident_check_shapes(body, VALIDATE_CREATE, FUZZ_NOW, errors);
  if (json_array_size(errors) > 0) return;
  incident_check_rules(body, 72, errors);
  incident_fill_defaults(body);
  static const char *const STEPS[] = {"triage", "investigating", "resolved", "closed", "dismissed"};
  for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++)
    incident_check_step(body, STEPS[i], errors);
}

static void incident_update(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  incident_check_shapes(body, VALIDATE_PATCH, FUZZ_NOW, errors);
  if (json_array_size(errors) > 0) return;
  json_t *doc = stored_incident();
  incident_merge(doc, body);
  incident_check_rules(doc, 24, errors);
  json_decref(doc);
}

static void incident_transition(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  const char *to = json_string_value(json_object_get(body, "to"));
  json_t *doc = stored_incident();
  static const char *const CARRIED[] = {"resolution", "lessons_learned"};
  for (size_t i = 0; i < 2; i++) {
    json_t *v = json_object_get(body, CARRIED[i]);
    if (v) json_object_set(doc, CARRIED[i], v);
  }
  FUZZ_CHECK(to != NULL, "a transition body passed without \"to\"");
  incident_check_step(doc, to, errors);
  if (strcmp(to, "closed") == 0) incident_check_rules(doc, 72, errors);
  json_decref(doc);
}

static void incident_timeline(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  incident_normalise_time(body, "at", "at", FUZZ_NOW, errors);
}

/* As surveys.c's survey_input: the shape, then the form when its lists are well formed. */
static void survey_definition(json_t *body, enum validate_mode mode, json_t *errors) {
  validate_object(body, SURVEY_FIELDS, mode, errors);
  if (!json_is_object(body)) return;
  if (!field_has_error(errors, "questions") && !field_has_error(errors, "respondent_fields")) {
    survey_definition_check(json_object_get(body, "questions"), json_object_get(body, "respondent_fields"), errors);
  }
}

static void survey_create(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  survey_definition(body, VALIDATE_CREATE, errors);
}

static void survey_update(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  survey_definition(body, VALIDATE_PATCH, errors);
}

static struct fuzz_survey g_survey;

static void public_response(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  json_t *tally = json_array();
  int n = response_check(g_survey.questions, g_survey.fields, g_survey.units, g_survey.processes, body, "", 1, errors,
                         tally);
  FUZZ_CHECK(n >= 0 && (size_t)n <= json_array_size(errors), "response_check counted %d errors", n);
  FUZZ_CHECK(n > 0 || json_array_size(tally) > 0 || json_object_size(json_object_get(body, "answers")) == 0,
             "an accepted response added nothing to the tally");
  json_decref(tally);
}

static void appointment_create(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  appointment_body_check(body, VALIDATE_CREATE, errors);
  if (json_array_size(errors) == 0) {
    dates_in_year_check(errors, "valid_from", json_string_value(json_object_get(body, "valid_from")), "valid_to",
                        json_string_value(json_object_get(body, "valid_to")),
                        json_integer_value(json_object_get(body, "year")));
  }
}

static void appointment_update(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  appointment_body_check(body, VALIDATE_PATCH, errors);
  if (json_array_size(errors) == 0) {
    const char *from = json_string_value(json_object_get(body, "valid_from"));
    const char *to = json_string_value(json_object_get(body, "valid_to"));
    const json_t *year = json_object_get(body, "year");
    dates_in_year_check(errors, "valid_from", from ? from : "2026-01-01", "valid_to", to ? to : "2026-12-31",
                        year ? json_integer_value(year) : 2026);
  }
}

static void audit_rules(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  audit_body_rules(body, errors);
}

static void audit_transition(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  const char *to = json_string_value(json_object_get(body, "to"));
  if (to && strcmp(to, "reported") == 0) audit_report_check(json_object_get(body, "report"), errors);
}

static void finding(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  finding_body_check(body, errors);
}

static void nc_transition(json_t *body, const char *variant, json_t *errors) {
  (void)variant;
  const char *to = json_string_value(json_object_get(body, "to"));
  if (to && nc_step_evaluates("verification", to)) nc_evaluation_errors(to, body, errors);
}

static const struct work_case WORK_CHECKS[] = {
    {"POST", "/api/v1/processes", process_create},
    {"PATCH", "/api/v1/processes/{id}", process_update},
    {"POST", "/api/v1/processes/{id}/reviews", review_create},
    {"PATCH", "/api/v1/processes/{id}/reviews/{review_id}", review_update},
    {"POST", "/api/v1/objectives", objective_create},
    {"POST", "/api/v1/objectives/{id}/revisions", objective_revision},
    {"POST", "/api/v1/objectives/{id}/indicators", indicator},
    {"PATCH", "/api/v1/indicators/{id}", indicator},
    {"PUT", "/api/v1/indicators/{id}/readings/{period}", reading},
    {"POST", "/api/v1/incidents", incident_create},
    {"PATCH", "/api/v1/incidents/{id}", incident_update},
    {"POST", "/api/v1/incidents/{id}/transitions", incident_transition},
    {"POST", "/api/v1/incidents/{id}/timeline", incident_timeline},
    {"POST", "/api/v1/surveys", survey_create},
    {"PATCH", "/api/v1/surveys/{id}", survey_update},
    {"POST", "/api/v1/public/surveys/{public_id}/responses", public_response},
    {"POST", "/api/v1/auditor-appointments", appointment_create},
    {"PATCH", "/api/v1/auditor-appointments/{id}", appointment_update},
    {"POST", "/api/v1/audits", audit_rules},
    {"POST", "/api/v1/audits/{id}/transitions", audit_transition},
    {"POST", "/api/v1/audits/{id}/findings", finding},
    {"POST", "/api/v1/nonconformities/{id}/transitions", nc_transition},
};
#define WORK_CHECK_COUNT (sizeof WORK_CHECKS / sizeof WORK_CHECKS[0])

/* One case: a route that takes a JSON body, its row's checks and its work's check. */
struct body_case {
  const struct route *route;
  work_check check; /* or NULL */
  char name[160];   /* "METHOD PATH" */
};

static struct body_case *g_cases;
static size_t g_ncases;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  size_t cap = 0, used_checks = 0;
  for (size_t r = 0; r < ZSZ_REGISTER_COUNT; r++)
    cap += ZSZ_REGISTERS[r]->nroutes;
  g_cases = calloc(cap, sizeof *g_cases);
  FUZZ_CHECK(g_cases != NULL, "out of memory");
  for (size_t r = 0; r < ZSZ_REGISTER_COUNT; r++) {
    for (size_t i = 0; i < ZSZ_REGISTERS[r]->nroutes; i++) {
      const struct route *rt = &ZSZ_REGISTERS[r]->routes[i];
      work_check check = NULL;
      for (size_t k = 0; k < WORK_CHECK_COUNT; k++) {
        if (strcmp(WORK_CHECKS[k].method, rt->method) == 0 && strcmp(WORK_CHECKS[k].path, rt->path) == 0) {
          check = WORK_CHECKS[k].check;
          used_checks++;
        }
      }
      if (rt->body == NULL && rt->workflow == NULL && check == NULL) continue;
      FUZZ_CHECK((rt->flags & ROUTE_BODY) != 0, "%s %s has a body check but takes no body", rt->method, rt->path);
      struct body_case *c = &g_cases[g_ncases++];
      c->route = rt;
      c->check = check;
      snprintf(c->name, sizeof c->name, "%s %s", rt->method, rt->path);
    }
  }
  /* a renamed route must not drop its work check silently */
  FUZZ_CHECK(used_checks == WORK_CHECK_COUNT, "%zu of %zu work checks name no route", WORK_CHECK_COUNT - used_checks,
             WORK_CHECK_COUNT);
  fuzz_survey_load(&g_survey);
  if (getenv("ZSZ_FUZZ_LIST")) {
    for (size_t i = 0; i < g_ncases; i++)
      printf("%s%s%s\n", g_cases[i].name, g_cases[i].check ? "  (+ work check)" : "",
             g_cases[i].route->workflow ? "  (workflow)" : "");
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *line = fuzz_line(&data, &size);
  const char *variant = "";
  /* "METHOD PATH variant": the case is the first two words */
  char *sp = strchr(line, ' ');
  sp = sp ? strchr(sp + 1, ' ') : NULL;
  if (sp) {
    *sp = '\0';
    variant = sp + 1;
  }
  const struct body_case *c = NULL;
  for (size_t i = 0; i < g_ncases && c == NULL; i++) {
    if (strcmp(g_cases[i].name, line) == 0) c = &g_cases[i];
  }
  if (c == NULL) c = &g_cases[fuzz_hash(line) % g_ncases];

  json_error_t err;
  json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
  if (body == NULL) {
    FUZZ_CHECK(err.text[0] != '\0', "json_loadb refused a body without saying why");
    free(line);
    return 0;
  }
  const struct route *rt = c->route;
  json_t *errors = json_array();
  int n = 0;
  if (rt->body != NULL) {
    n = validate_object(body, rt->body, rt->body_mode, errors);
    FUZZ_CHECK((size_t)n == json_array_size(errors), "%s: validate_object returned %d, appended %zu", c->name, n,
               json_array_size(errors));
  }
  if (rt->workflow != NULL) {
    n += workflow_validate_body(rt->workflow, body, errors);
  }
  fuzz_check_errors(errors, c->name);
  if (n == 0 && c->check != NULL) {
    /* the work checks a copy of what the dispatcher admitted */
    json_t *copy = json_deep_copy(body);
    c->check(copy, variant, errors);
    fuzz_check_errors(errors, c->name);
    json_decref(copy);
  }
  /* what the server sends back names every field: the errors must render */
  char *text = json_dumps(errors, JSON_COMPACT);
  FUZZ_CHECK(text != NULL, "%s: the errors do not serialise", c->name);
  free(text);
  json_decref(errors);
  json_decref(body);
  free(line);
  return 0;
}
