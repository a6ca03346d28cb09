#include <stdlib.h>
#include <string.h>

#include "case_marks.h"

int case_marks_check(struct db_tx *tx, const char *org, const json_t *marks, struct result *res) {
  int ok = -1;
  json_t *errors = json_array();
  if (errors == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return 0;
  }
  int bad = case_marks_errors(marks, errors);
  if (bad == 0) {
    ok = 1;
    goto out;
  }
  const char *params[] = {org};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT o.case_marks FROM organisations o WHERE o.id = $1", 1, params, &st);
  if (st == DB_ONE && strcmp(PQgetvalue(r, 0, 0), "lenient") == 0) {
    ok = 1;
  } else if (st != DB_ERROR) {
    result_problem(res, PROBLEM_CASE_MARK_MALFORMED, MSG_CM_MALFORMED, bad);
    json_decref(res->errors);
    res->errors = errors;
    errors = NULL;
    ok = 0;
  }
  PQclear(r);
out:
  json_decref(errors);
  return ok;
}

int case_marks_check_at(struct db_tx *tx, const char *org, const json_t *doc, const char *path, struct result *res) {
  json_t *marks = case_marks_collect(doc, path);
  if (marks == NULL) {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return 0;
  }
  int ok = case_marks_check(tx, org, marks, res);
  json_decref(marks);
  return ok;
}
