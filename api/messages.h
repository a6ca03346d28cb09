#ifndef ZSZ_MESSAGES_H
#define ZSZ_MESSAGES_H
/* The message catalogue: every user-facing text in one place, so a Polish catalogue can be
 * added beside the English one without touching the code that reports problems. */

typedef enum {
  PROBLEM_MALFORMED_JSON,
  PROBLEM_INVALID_PARAMETER,
  PROBLEM_INVALID_CURSOR,
  PROBLEM_UNAUTHORIZED,
  PROBLEM_FORBIDDEN,
  PROBLEM_UNKNOWN_ORGANISATION,
  PROBLEM_NOT_FOUND,
  PROBLEM_METHOD_NOT_ALLOWED,
  PROBLEM_CONFLICT,
  PROBLEM_INVALID_TRANSITION,
  PROBLEM_PAYLOAD_TOO_LARGE,
  PROBLEM_UNSUPPORTED_MEDIA_TYPE,
  PROBLEM_VALIDATION,
  PROBLEM_PRECONDITION_FAILED,
  PROBLEM_PRECONDITION_REQUIRED,
  PROBLEM_SERVICE_UNAVAILABLE,
  PROBLEM_INTERNAL,
  PROBLEM__COUNT
} problem_kind;

struct problem_info {
  const char *slug; /* last segment of the type URI, stable */
  int status;
  const char *title; /* catalogue text */
};

#define PROBLEM_TYPE_BASE "https://zsz.example/problems/"

/* Borrowed, static. */
const struct problem_info *problem_info(problem_kind kind);

typedef enum {
  MSG_REQUIRED,
  MSG_UNKNOWN_FIELD,
  MSG_MUST_BE_STRING,
  MSG_MUST_BE_INTEGER,
  MSG_MUST_BE_BOOLEAN,
  MSG_MUST_BE_ARRAY_OF_STRINGS,
  MSG_MUST_NOT_BE_NULL,
  MSG_TOO_SHORT,    /* %zu */
  MSG_TOO_LONG,     /* %zu */
  MSG_OUT_OF_RANGE, /* %lld %lld */
  MSG_NOT_ONE_OF,   /* %s */
  MSG_CONTROL_CHARS,
  MSG_BAD_CODE_CHARS,
  MSG_BODY_NOT_OBJECT,
  MSG_PROCESS_CODE, /* %s prefixes, %s example */
  MSG_NO_SUCH_ORG_UNIT,
  MSG_NO_SUCH_PROCESS,
  MSG_NO_SUCH_RECORD,
  MSG_PARENT_CYCLE,
  MSG_DUPLICATE_CODE,
  MSG_NOT_FOUND_PROCESS,
  MSG_NOT_FOUND_ORG_UNIT,
  MSG_NOT_FOUND_USER,
  MSG_NOT_FOUND_CHANGE_REQUEST,
  MSG_NOT_FOUND_ROUTE,
  MSG_METHOD_NOT_ALLOWED,
  MSG_LIMIT,
  MSG_PARAM_INTEGER,
  MSG_PARAM_NUL,
  MSG_PARAM_UTF8,
  MSG_PARAM_TOO_LONG,
  MSG_PARAM_ENUM, /* %s */
  MSG_CURSOR,
  MSG_TOKEN_MISSING,
  MSG_TOKEN_INVALID,
  MSG_ROLE_FORBIDDEN,
  MSG_NOT_PROCESS_OWNER,
  MSG_UNKNOWN_ORGANISATION,
  MSG_MALFORMED_JSON, /* %s (parser detail) */
  MSG_CONTENT_TYPE,
  MSG_BODY_TOO_LARGE, /* %zu */
  MSG_IF_MATCH_REQUIRED,
  MSG_IF_MATCH_STALE,
  MSG_DB_UNAVAILABLE,
  MSG_INTERNAL,
  MSG_TRANSITION_FROM,    /* %s from, %s to */
  MSG_TRANSITION_UNKNOWN, /* %s allowed */
  MSG_REASON_REQUIRED,
  MSG_NO_SUCH_USER,
  MSG_FIELDS_INVALID, /* %d */
  MSG__COUNT
} msg_id;

/* Borrowed, static format string of the English catalogue. */
const char *msg_text(msg_id id);

/* Formats a catalogue message into buf (always NUL-terminated). Returns buf. */
char *msg_format(char *buf, size_t len, msg_id id, ...);

#endif
