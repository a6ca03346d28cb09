#ifndef ZSZ_FUZZ_SURVEY_H
#define ZSZ_FUZZ_SURVEY_H
/* The survey the survey targets answer: every question type and respondent field type. */

#include <jansson.h>

#include "fuzz.h"
#include "surveys/survey_check.h"

static const char SURVEY_QUESTIONS[] =
    "[{\"key\":\"ogolna\",\"text\":\"Jak ogólnie ocenia Pan/Pani obsługę?\",\"type\":\"scale_1_5\","
    "\"required\":true,\"allow_dont_know\":false,\"allow_not_applicable\":false},"
    "{\"key\":\"czas\",\"text\":\"Czas załatwienia sprawy\",\"type\":\"scale_1_5\",\"required\":false,"
    "\"allow_dont_know\":true,\"allow_not_applicable\":true},"
    "{\"key\":\"znowu\",\"text\":\"Czy skorzysta Pan/Pani znowu?\",\"type\":\"yes_no\",\"required\":false},"
    "{\"key\":\"kanal\",\"text\":\"Kanał\",\"type\":\"single_choice\",\"required\":false,\"options\":["
    "{\"key\":\"urzad\",\"text\":\"W urzędzie\"},{\"key\":\"telefon\",\"text\":\"Telefonicznie\"},"
    "{\"key\":\"epuap\",\"text\":\"Przez ePUAP\"}]},"
    "{\"key\":\"sprawy\",\"text\":\"Sprawy\",\"type\":\"multi_choice\",\"required\":false,\"options\":["
    "{\"key\":\"podatki\",\"text\":\"Podatki\"},{\"key\":\"meldunek\",\"text\":\"Meldunek\"}]},"
    "{\"key\":\"uwagi\",\"text\":\"Uwagi\",\"type\":\"text\",\"required\":false,\"max_length\":2000}]";
static const char SURVEY_FIELDS_JSON[] =
    "[{\"key\":\"wydzial\",\"text\":\"Wydział\",\"type\":\"org_unit\"},"
    "{\"key\":\"proces\",\"text\":\"Proces\",\"type\":\"process\"},"
    "{\"key\":\"zespol\",\"text\":\"Zespół\",\"type\":\"choice\",\"options\":["
    "{\"key\":\"obsluga\",\"text\":\"Obsługa klienta\"},{\"key\":\"it\",\"text\":\"Informatyka\"}]}]";

struct fuzz_survey {
  json_t *questions, *fields, *units, *processes;
};

static inline void fuzz_survey_load(struct fuzz_survey *s) {
  s->questions = json_loads(SURVEY_QUESTIONS, 0, NULL);
  s->fields = json_loads(SURVEY_FIELDS_JSON, 0, NULL);
  s->units = json_pack("[ssss]", "WOU", "KS", "FN", "OR");
  s->processes = json_pack("[ss]", "GR 3", "GR 4");
  FUZZ_CHECK(s->questions && s->fields && s->units && s->processes, "the survey definition does not parse");
  json_t *errors = json_array();
  FUZZ_CHECK(survey_definition_check(s->questions, s->fields, errors) == 0, "the fuzzed survey definition is invalid");
  json_decref(errors);
}

#endif
