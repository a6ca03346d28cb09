#ifndef ZSZ_SURVEY_CHECK_H
#define ZSZ_SURVEY_CHECK_H
/* Survey definitions and responses: what a valid form is, what a valid answer is, and the
 * tally a response adds to the aggregates. Pure: no I/O. */

#include <jansson.h>

/* Checks questions and respondent_fields (either may be NULL: not given). Appends errors
 * named "questions[2].options" etc.; returns how many. */
int survey_definition_check(const json_t *questions, const json_t *fields, json_t *errors);

/* Checks one response {answers, respondent} (and access_code when allow_code) against the
 * definition. units and processes (borrowed arrays of codes, NULL for any) limit org_unit
 * and process respondent fields. Errors are named prefix + "answers.q1" etc. On success,
 * appends [key, value] pairs to tally: scale "1".."5" | "dont_know" | "not_applicable",
 * yes_no "yes" | "no", single choice the option, multi choice each option and "__n", text
 * "__n", and for each respondent field ["@field", value]. Returns the number of errors. */
int response_check(const json_t *questions, const json_t *fields, const json_t *units, const json_t *processes,
                   const json_t *response, const char *prefix, int allow_code, json_t *errors, json_t *tally);

/* Turns a CSV data row (strings) under header (keys) into a response object (new
 * reference), converting cells by question type; unknown header keys are reported once by
 * the caller (survey_csv_header_check). */
json_t *survey_csv_row(const json_t *questions, const json_t *fields, const json_t *header, const json_t *row);

/* Checks a CSV header: every key names a question or a respondent field, no repeats. */
int survey_csv_header_check(const json_t *questions, const json_t *fields, const json_t *header, json_t *errors);

#endif
