#include <stdarg.h>
#include <stdio.h>

#include "messages.h"

static const struct problem_info PROBLEMS[PROBLEM__COUNT] = {
    [PROBLEM_MALFORMED_JSON] = {"malformed-json", 400, "request body is not valid JSON"},
    [PROBLEM_INVALID_PARAMETER] = {"invalid-parameter", 400, "a query parameter is invalid"},
    [PROBLEM_INVALID_CURSOR] = {"invalid-cursor", 400, "the paging cursor is invalid"},
    [PROBLEM_UNAUTHORIZED] = {"unauthorized", 401, "authentication is required"},
    [PROBLEM_FORBIDDEN] = {"forbidden", 403, "the caller may not do this"},
    [PROBLEM_UNKNOWN_ORGANISATION] = {"unknown-organisation", 403, "the token names an unknown organisation"},
    [PROBLEM_NOT_FOUND] = {"not-found", 404, "resource not found"},
    [PROBLEM_METHOD_NOT_ALLOWED] = {"method-not-allowed", 405, "method not allowed on this resource"},
    [PROBLEM_CONFLICT] = {"conflict", 409, "the request conflicts with the current state"},
    [PROBLEM_INVALID_TRANSITION] = {"invalid-transition", 409, "this step is not allowed from the current state"},
    [PROBLEM_PAYLOAD_TOO_LARGE] = {"payload-too-large", 413, "request body is too large"},
    [PROBLEM_UNSUPPORTED_MEDIA_TYPE] = {"unsupported-media-type", 415, "request body must be JSON"},
    [PROBLEM_VALIDATION] = {"validation", 422, "request body is invalid"},
    [PROBLEM_PRECONDITION_FAILED] = {"precondition-failed", 412, "the resource has changed"},
    [PROBLEM_PRECONDITION_REQUIRED] = {"precondition-required", 428, "If-Match is required"},
    [PROBLEM_SERVICE_UNAVAILABLE] = {"service-unavailable", 503, "the service is temporarily unavailable"},
    [PROBLEM_TOO_MANY_REQUESTS] = {"too-many-requests", 429, "too many requests"},
    [PROBLEM_INTERNAL] = {"internal", 500, "internal error"},
};

static const char *const MESSAGES_EN[MSG__COUNT] = {
    [MSG_REQUIRED] = "is required",
    [MSG_UNKNOWN_FIELD] = "is not a known field",
    [MSG_MUST_BE_STRING] = "must be a string",
    [MSG_MUST_BE_INTEGER] = "must be an integer",
    [MSG_MUST_BE_BOOLEAN] = "must be true or false",
    [MSG_MUST_BE_ARRAY_OF_STRINGS] = "must be an array of strings",
    [MSG_MUST_NOT_BE_NULL] = "must not be null",
    [MSG_TOO_SHORT] = "must have at least %zu characters",
    [MSG_TOO_LONG] = "must have at most %zu characters",
    [MSG_OUT_OF_RANGE] = "must be between %lld and %lld",
    [MSG_NOT_ONE_OF] = "must be one of: %s",
    [MSG_CONTROL_CHARS] = "must not contain control characters",
    [MSG_BAD_CODE_CHARS] = "may contain only letters, digits, '.', '_' and '-'",
    [MSG_BODY_NOT_OBJECT] = "request body must be a JSON object",
    [MSG_PROCESS_CODE] = "must start with %s followed by a number (e.g. %s)",
    [MSG_NO_SUCH_ORG_UNIT] = "names no org unit of this organisation",
    [MSG_NO_SUCH_PROCESS] = "names no process of this organisation",
    [MSG_NO_SUCH_RECORD] = "names no record of this organisation",
    [MSG_PARENT_CYCLE] = "would make the record its own ancestor",
    [MSG_DUPLICATE_CODE] = "code is already used in this organisation",
    [MSG_NOT_FOUND_PROCESS] = "process not found",
    [MSG_NOT_FOUND_ORG_UNIT] = "org unit not found",
    [MSG_NOT_FOUND_USER] = "user not found",
    [MSG_NOT_FOUND_CHANGE_REQUEST] = "change request not found",
    [MSG_NOT_FOUND_ROUTE] = "no such route",
    [MSG_METHOD_NOT_ALLOWED] = "this route does not accept this method",
    [MSG_LIMIT] = "must be an integer from 1 to 200",
    [MSG_PARAM_INTEGER] = "must be an integer",
    [MSG_PARAM_NUL] = "must not contain NUL bytes",
    [MSG_PARAM_UTF8] = "must be valid UTF-8",
    [MSG_PARAM_TOO_LONG] = "is too long",
    [MSG_PARAM_ENUM] = "must be one of: %s",
    [MSG_CURSOR] = "was not issued by this server for this query",
    [MSG_TOKEN_MISSING] = "a bearer token is required",
    [MSG_TOKEN_INVALID] = "the bearer token is invalid or expired",
    [MSG_ROLE_FORBIDDEN] = "the caller's roles do not allow this",
    [MSG_NOT_PROCESS_OWNER] = "only the owner of the process may do this",
    [MSG_UNKNOWN_ORGANISATION] = "the token's organisation is not known here",
    [MSG_MALFORMED_JSON] = "body is not valid JSON: %s",
    [MSG_CONTENT_TYPE] = "Content-Type must be application/json",
    [MSG_BODY_TOO_LARGE] = "request body exceeds %zu bytes",
    [MSG_IF_MATCH_REQUIRED] = "send If-Match with the ETag of the record you changed",
    [MSG_IF_MATCH_STALE] = "the record has changed since the ETag you sent",
    [MSG_DB_UNAVAILABLE] = "the database is unavailable, try again shortly",
    [MSG_INTERNAL] = "an internal error occurred; quote the request id when reporting it",
    [MSG_TRANSITION_FROM] = "cannot go from %s to %s",
    [MSG_TRANSITION_UNKNOWN] = "must be one of: %s",
    [MSG_REASON_REQUIRED] = "is required for this step",
    [MSG_NO_SUCH_USER] = "names no user of this organisation",
    [MSG_FIELDS_INVALID] = "%d field(s) are invalid",
    [MSG_MUST_BE_DECIMAL] = "must be a decimal number (up to 18 digits before and 6 after the point)",
    [MSG_MUST_BE_OBJECT] = "must be a JSON object",
    [MSG_MUST_BE_ARRAY_OF_OBJECTS] = "must be an array of objects",
    [MSG_NOT_FOUND_OBJECTIVE] = "objective not found",
    [MSG_NOT_FOUND_REVISION] = "revision not found",
    [MSG_NOT_FOUND_INDICATOR] = "indicator not found",
    [MSG_NOT_FOUND_READING] = "reading not found",
    [MSG_NOT_FOUND_REVIEW] = "review not found",
    [MSG_DUE_BEFORE_YEAR] = "must not be before 1 January of the objective's year",
    [MSG_RECORD_FINAL] = "the record is %s and takes no more changes",
    [MSG_FROZEN_FIELD] = "cannot change while the objective is %s; propose a revision",
    [MSG_FROZEN_FIELDS] = "these fields change only through a revision of the objective",
    [MSG_REVISION_NEEDS_APPROVED] = "only an approved objective is revised; this one is %s",
    [MSG_REVISION_PENDING] = "the objective already has a pending revision",
    [MSG_CHANGES_EMPTY] = "must change at least one of planned_actions, resources, due_date, evaluation_method, owner",
    [MSG_REQUIRED_FOR_DIRECTION] = "is required when direction is %s",
    [MSG_NOT_FOR_DIRECTION] = "must be null when direction is %s",
    [MSG_RANGE_ORDER] = "must not be greater than target_max",
    [MSG_TARGET_EQUALS_BASELINE] = "must differ from baseline",
    [MSG_TARGET_DIRECTION] = "must lie on the %s side of baseline",
    [MSG_FREQUENCY_HAS_READINGS] = "frequency cannot change once the indicator has readings",
    [MSG_PERIOD] = "must be a %s period of %d (2026-03, 2026-Q1, 2026-H1 or 2026 by frequency)",
    [MSG_READING_LOCKED] = "the reading is locked: it was used in a review",
    [MSG_ALREADY_LOCKED] = "the reading is already locked",
    [MSG_NOT_RESPONSIBLE] = "only the plenipotentiary or the process owner responsible for the indicator may record it",
    [MSG_REVIEW_PERIOD] = "must be a half-year such as 2026-H1 or 2026-H2",
    [MSG_NOT_REVIEW_READER] = "reviews are read by the plenipotentiary, the president, auditors and the process owner",
    [MSG_DUPLICATE_REVIEW] = "the process already has a review for this period",
    [MSG_ONLY_WHEN_CLOSING] = "is given only when closing the objective",
    [MSG_MUST_BE_TIMESTAMP] = "must be an RFC 3339 time with an offset, e.g. 2026-03-28T12:00:00+01:00",
    [MSG_MUST_BE_ARRAY_OF_INTEGERS] = "must be an array of ids",
    [MSG_IN_FUTURE] = "must not be in the future",
    [MSG_BEFORE] = "must not be before %s",
    [MSG_NOT_FOR_TYPE] = "is only for incidents of type %s",
    [MSG_IOD_ONLY_FIELD] = "is set by the IOD, not in a report",
    [MSG_NOT_FOUND_INCIDENT] = "incident not found",
    [MSG_NEEDS_LATE_REASON] = "the notification came after the deadline: give uodo_late_reason",
    [MSG_NOT_NOTIFIED_ONLY_NONE] = "a breach goes unreported to UODO only when risk_level is none",
    [MSG_EXEMPTION_JUSTIFICATION] = "an exemption needs subjects_exemption_justification",
    [MSG_CLOSE_NEEDS_UODO] = "closing a breach needs uodo_notified_at, or uodo_not_notified_reason with risk none",
    [MSG_CLOSE_NEEDS_SUBJECTS] = "closing a high-risk breach needs subjects_notified_at or an exemption",
    [MSG_REQUIRED_TO] = "is required to move to %s",
    [MSG_DURATION] = "must be an ISO 8601 duration such as PT12H or P1D",
    [MSG_WITHIN_NEEDS_PENDING] = "is used with deadline_state=pending",
    [MSG_SET_BY_STEP] = "is given with the step that needs it (resolved, closed), not in a report",
    [MSG_FILTER_NEEDS_VIEW] = "filters on type, severity and deadlines are for those who may read them",
    [MSG_OPTIONS_ONLY_CHOICE] = "options belong to choice questions only",
    [MSG_OPTIONS_COUNT] = "a choice needs 2 to 50 options",
    [MSG_KEY_CHARS] = "must be 1 to 40 of a-z, 0-9 and _",
    [MSG_DUPLICATE_KEY] = "is used twice in this survey",
    [MSG_ONLY_FOR_SCALE] = "belongs to scale_1_5 questions only",
    [MSG_ONLY_FOR_TEXT] = "belongs to text questions only",
    [MSG_SCALE_ANSWER] = "must be a whole number from 1 to 5, or an allowed dont_know / not_applicable",
    [MSG_UNKNOWN_OPTION] = "is not one of the options",
    [MSG_MULTI_ANSWER] = "must be a non-empty array of options",
    [MSG_UNKNOWN_QUESTION] = "is not a question of this survey",
    [MSG_NOT_FOUND_SURVEY] = "survey not found",
    [MSG_FROZEN_OPEN] = "cannot change once the survey is open",
    [MSG_SURVEY_NEEDS_QUESTION] = "a survey opens with at least one question",
    [MSG_SURVEY_NOT_OPEN] = "the survey is not taking responses",
    [MSG_ACCESS_CODE] = "is unknown or already used",
    [MSG_IMPORT_DRAFT] = "responses are imported into an open or closed survey, not a draft",
    [MSG_MALFORMED_CSV] = "body is not valid CSV: %s",
    [MSG_IMPORT_ARRAY] = "must be a JSON array of responses",
    [MSG_IMPORT_CONTENT_TYPE] = "Content-Type must be application/json or text/csv",
    [MSG_NOT_TEXT_QUESTION] = "names no text question of this survey",
    [MSG_TOO_FEW_RESPONSES] = "too few responses to show texts without exposing respondents",
    [MSG_RATE_LIMITED] = "too many requests from this address; try again later",
    [MSG_READING_FROM_SURVEY] = "this indicator is fed by surveys; its readings are written by the system",
    [MSG_SURVEY_SOURCE] = "survey_kind is required when source is survey, and only then",
    [MSG_NOT_SURVEY_READER] = "a process owner reads the surveys of its own processes",
    [MSG_CSV_ROW_CELLS] = "has more cells than the header",
    [MSG_RECORD_RULE] = "a value breaks a rule of the record",
    [MSG_MUST_BE_DATE] = "must be a date as YYYY-MM-DD",
    [MSG_DUPLICATE_ITEMS] = "must not repeat an item",
    [MSG_TOO_MANY_ITEMS] = "must have at most %zu items",
};

const struct problem_info *problem_info(problem_kind kind) {
  if ((unsigned)kind >= PROBLEM__COUNT) {
    kind = PROBLEM_INTERNAL;
  }
  return &PROBLEMS[kind];
}

const char *msg_text(msg_id id) {
  if ((unsigned)id >= MSG__COUNT || MESSAGES_EN[id] == NULL) {
    return "invalid";
  }
  return MESSAGES_EN[id];
}

char *msg_format(char *buf, size_t len, msg_id id, ...) {
  va_list ap;
  va_start(ap, id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(buf, len, msg_text(id), ap);
#pragma GCC diagnostic pop
  va_end(ap);
  return buf;
}
