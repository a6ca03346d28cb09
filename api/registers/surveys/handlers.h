#ifndef ZSZ_SURVEYS_HANDLERS_H
#define ZSZ_SURVEYS_HANDLERS_H
/* Callbacks of satisfaction surveys; routes.c binds them. */

struct req_ctx;

void survey_list(struct req_ctx *c);
void survey_create(struct req_ctx *c);
void survey_get(struct req_ctx *c);
void survey_update(struct req_ctx *c);
void survey_transition(struct req_ctx *c);
void access_codes_create(struct req_ctx *c);
void responses_import(struct req_ctx *c);
void survey_results(struct req_ctx *c);
void survey_result_texts(struct req_ctx *c);
void public_survey_get(struct req_ctx *c);
void public_response_create(struct req_ctx *c);
/* Closes open surveys past closes_at in every organisation (and feeds their indicators). */
struct db_pool;
void surveys_close_due(struct db_pool *pool);

#endif
