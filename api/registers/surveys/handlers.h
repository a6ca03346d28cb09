#ifndef ZSZ_SURVEYS_HANDLERS_H
#define ZSZ_SURVEYS_HANDLERS_H
/* Work functions of satisfaction surveys; routes.c binds them. */

struct db_pool;
struct db_tx;
struct req_ctx;
struct result;

void survey_list(struct db_tx *tx, struct req_ctx *c, struct result *res);
void survey_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void survey_get(struct db_tx *tx, struct req_ctx *c, struct result *res);
void survey_update(struct db_tx *tx, struct req_ctx *c, struct result *res);
void survey_transition(struct db_tx *tx, struct req_ctx *c, struct result *res);
void access_codes_create(struct db_tx *tx, struct req_ctx *c, struct result *res);
void responses_import(struct db_tx *tx, struct req_ctx *c, struct result *res);
void survey_results(struct db_tx *tx, struct req_ctx *c, struct result *res);
void survey_result_texts(struct db_tx *tx, struct req_ctx *c, struct result *res);

/* Public routes (no token): handlers, since their tenant comes from the survey's public id
 * before their work can run (surveys.c, public_run). */
void public_survey_get(struct req_ctx *c);
void public_response_create(struct req_ctx *c);

/* Closes open surveys past closes_at in every organisation (and feeds their indicators). */
void surveys_close_due(struct db_pool *pool);

#endif
