/* GET /api/v1/case-references: every record citing an EZD case, from the index that the
 * citing tables' triggers keep (migration 0020, docs/design-case-marks.md). A znak_sprawy
 * that parses is looked up by the case it names (so "WOU-II.0123.1.2024.AK" finds the case
 * cited without initials too); one that does not, as written (marks kept under the lenient
 * setting). unit, jrwa and year select by the parts. */
#include <string.h>

#include "case_mark.h"
#include "handlers.h"
#include "http.h"
#include "queries.h"

static int jrwa_valid(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > 4) return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
  }
  return 1;
}

void case_reference_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct case_mark m;
  struct case_ref_filter f = {
      .unit = query_value(c, "unit"),
      .jrwa = query_value(c, "jrwa"),
      .year = query_value(c, "year"),
      .entity = query_value(c, "entity"),
  };
  const char *mark = query_value(c, "znak_sprawy");
  if (f.jrwa && !jrwa_valid(f.jrwa)) {
    result_bad_param(res, PROBLEM_INVALID_PARAMETER, "jrwa", MSG_CM_JRWA_PARAM);
    return;
  }
  if (mark && case_mark_parse(mark, &m) == CM_OK) {
    f.case_key = m.key;
  } else {
    f.mark = mark;
  }
  const char *after[3] = {page_key(c, 0), page_key(c, 1), page_key(c, 2)};
  PGresult *r = case_references_q_list(tx, c->org_param, &f, c->who.sub, c->roles_param, after, c->limit + 1);
  if (r != NULL) {
    page_render(c, res, r, 3);
    PQclear(r);
  }
}
