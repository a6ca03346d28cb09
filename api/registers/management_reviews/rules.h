#ifndef ZSZ_MANAGEMENT_REVIEWS_RULES_H
#define ZSZ_MANAGEMENT_REVIEWS_RULES_H
/* The management-review register's rules that need no database: body shapes, the workflow,
 * periods, the canonical JSON form that a frozen package is hashed in, the differences
 * between a frozen and a live package, and HTML escaping for the printable minutes. Who may
 * take a step on a given review is the database's answer (zsz_mr_manages, zsz_mr_approves:
 * migration 0016), given to the workflow as the relation bits below. */

#include <jansson.h>

#include "strbuf.h"
#include "validate.h"
#include "workflow.h"

/* Relations of the caller to one review, beside its role bits (which use bits 0..7): */
#define MR_MANAGER (1u << 8)  /* it runs the review (zsz_mr_manages) */
#define MR_APPROVER (1u << 9) /* it approves the minutes (zsz_mr_approves) */

extern const struct workflow MR_WORKFLOW;
extern const struct field_spec MR_FIELDS[];
extern const struct field_spec MR_PATCH_FIELDS[];
extern const struct field_spec MR_TRANSITION_FIELDS[];
extern const struct field_spec MR_RULES_FIELDS[];
extern const struct field_spec MR_RULE_FIELDS[];
extern const struct field_spec MR_DECISION_FIELDS[];
extern const struct field_spec MR_DECISION_PATCH_FIELDS[];
extern const struct field_spec MR_LINK_FIELDS[];

/* 1 when period suits a review of kind: a unit's meeting YYYY-MM, a yearly review YYYY, an ad
 * hoc one either; years 2000..2100. Pure. */
int mr_period_valid(const char *kind, int ad_hoc, const char *period);

/* What a review body says beyond its field specs (participants' shape, kind, period and unit
 * together): appends errors. mode as validate_object's. Pure. */
void mr_body_errors(const json_t *body, enum validate_mode mode, json_t *errors);

/* The rules body {kind: rule} beyond its top-level spec: each rule against MR_RULE_FIELDS (its
 * errors named <kind>.<field>); a yearly cadence needs review_by and minutes_by ("MM-DD"), a
 * monthly one takes neither; a rule's kind, when sent, is its key. Appends errors. Pure. */
void mr_rule_errors(const json_t *body, json_t *errors);

/* The links object of a decision body, checked against MR_LINK_FIELDS; its errors are named
 * links.<field>. Pure. */
void mr_links_errors(const json_t *body, json_t *errors);

/* The canonical form of a package (RFC 8785, JSON Canonicalization Scheme, for values without
 * fractional numbers, which a package never holds): no whitespace; object members sorted by
 * their names' UTF-16 code units; strings in UTF-8 with only '"', '\\' and the control
 * characters escaped (\b \f \n \r \t, the others as \u00xx, lower case); integers in decimal.
 * A real number makes it fail. Appends to out; 0, or -1 when the value holds a real. Pure. */
int mr_canonical(const json_t *v, struct strbuf *out);

/* Appends to diffs one {"path", "frozen", "live"} per value that differs between frozen and
 * live (path a JSON Pointer, RFC 6901; a member present on one side only has null on the
 * other; arrays of different length differ as a whole). Pure. */
void mr_diff(const json_t *frozen, const json_t *live, const char *path, json_t *diffs);

/* Appends text to out with & < > " ' escaped for HTML. Pure. */
void html_escape(struct strbuf *out, const char *text);

#endif
