/* CSV imports (api/lib/csv.c csv_parse): the body of POST /api/v1/surveys/{id}/responses/import
 * sent as text/csv, then what surveys.c's responses_import does with the rows (the header
 * checked against the survey, each data row turned into a response and checked like a public
 * one). Both separators and the UTF-8 byte-order mark come from the seeds; windows-1250 text
 * is not converted by the server (it is refused as not UTF-8), and is fuzzed as such.
 *
 * Input: the body, as is. Invariants: rows are arrays of UTF-8 strings, no row is empty, no
 * NUL byte is accepted, and the rows written back with every field quoted read the same. */
#include <jansson.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"
#include "fuzz_survey.h"
#include "strbuf.h"
#include "validate.h"

static struct fuzz_survey g_survey;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_survey_load(&g_survey);
  return 0;
}

/* rows written back as CSV with sep, every field quoted (new string, caller frees) */
static char *write_back(const json_t *rows, char sep, size_t *len) {
  struct strbuf b = {0};
  size_t i, j;
  const json_t *row, *cell;
  json_array_foreach(rows, i, row) {
    json_array_foreach(row, j, cell) {
      if (j) strbuf_append(&b, &sep, 1);
      strbuf_puts(&b, "\"");
      const char *s = json_string_value(cell);
      for (size_t k = 0; k < json_string_length(cell); k++) {
        strbuf_append(&b, s + k, 1);
        if (s[k] == '"') strbuf_puts(&b, "\"");
      }
      strbuf_puts(&b, "\"");
    }
    strbuf_puts(&b, "\r\n");
  }
  *len = b.len;
  return strbuf_steal(&b);
}

/* What responses_import does with parsed rows. */
static void import_rows(const json_t *rows) {
  json_t *errors = json_array();
  const json_t *header = json_array_get(rows, 0);
  if (survey_csv_header_check(g_survey.questions, g_survey.fields, header, errors) > 0) {
    fuzz_check_errors(errors, "header");
    json_decref(errors);
    return;
  }
  for (size_t i = 1; i < json_array_size(rows); i++) {
    const json_t *row = json_array_get(rows, i);
    if (json_array_size(row) > json_array_size(header)) continue; /* refused as too many cells */
    json_t *response = survey_csv_row(g_survey.questions, g_survey.fields, header, row);
    json_t *tally = json_array(), *row_errors = json_array();
    int n = response_check(g_survey.questions, g_survey.fields, g_survey.units, g_survey.processes, response,
                           "rows[0].", 0, row_errors, tally);
    FUZZ_CHECK((size_t)n <= json_array_size(row_errors), "response_check counted %d errors", n);
    fuzz_check_errors(row_errors, "row");
    json_decref(tally);
    json_decref(row_errors);
    json_decref(response);
  }
  json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[160];
  json_t *rows = csv_parse((const char *)data, size, err, sizeof err);
  if (rows == NULL) {
    FUZZ_CHECK(strncmp(err, "line ", 5) == 0, "a refusal without its line: %s", err);
    return 0;
  }
  FUZZ_CHECK(json_is_array(rows), "rows is no array");
  FUZZ_CHECK(size == 0 || memchr(data, '\0', size) == NULL, "a NUL byte was accepted (and cut its cell short)");
  size_t i, j;
  const json_t *row, *cell;
  json_array_foreach(rows, i, row) {
    FUZZ_CHECK(json_is_array(row) && json_array_size(row) > 0, "row %zu is empty or no array", i);
    json_array_foreach(row, j, cell) {
      FUZZ_CHECK(json_is_string(cell), "row %zu cell %zu is no string", i, j);
      FUZZ_CHECK(utf8_valid(json_string_value(cell), json_string_length(cell)), "row %zu cell %zu is not UTF-8", i, j);
    }
  }
  /* written back quoted, the rows read the same: with either separator, except that a
   * header of one cell (no separator to go by) makes the reader take ',' */
  int seps = json_array_size(json_array_get(rows, 0)) > 1 ? 2 : 1;
  for (int s = 0; s < seps && json_array_size(rows) > 0; s++) {
    size_t len = 0;
    char *text = write_back(rows, s ? ';' : ',', &len);
    FUZZ_CHECK(text != NULL, "out of memory");
    json_t *again = csv_parse(text, len, err, sizeof err);
    FUZZ_CHECK(again != NULL, "rows written back were refused: %s", err);
    FUZZ_CHECK(json_array_size(again) == json_array_size(rows), "written back: %zu rows, then %zu",
               json_array_size(rows), json_array_size(again));
    FUZZ_CHECK(json_equal(again, rows), "rows written back read differently");
    json_decref(again);
    free(text);
  }
  import_rows(rows);
  json_decref(rows);
  return 0;
}
