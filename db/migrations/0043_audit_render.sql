-- 0043, issue 16: the audits' list read along an index (api/registers/audits/queries.h).
--
-- GET /audits and GET /audits/{id} now select the audit's columns and render the document in C
-- (zsz_audit_json stays its definition: the change feed and the webhooks use it). The page is
-- ordered by (planned_start, code, id) and its keyset is (planned_start, code, id) > (cursor);
-- no index had that order (audits_year leads with the year), so a page sorted every audit of
-- the organisation the caller may read. With this one the unfiltered first page and every page
-- after a cursor are a range of the index, read up to the LIMIT, whatever the register's size:
-- their statements run by the generic plan (db_exec_generic), planned once per connection.
CREATE INDEX audits_page ON audits (org_id, planned_start, code, id);

-- zsz_audit_report_json (0012) was declared IMMUTABLE but calls json_build_object, which is
-- STABLE: the planner inlines a SQL function only when its body is no more volatile than
-- declared, so the report went through the SQL-function executor for every audit read, NULL
-- reports included (about 4.5 us an audit: 0.23 of the 0.49 ms a page of 51 audits, half of
-- them reported, took in PostgreSQL). Declared STABLE it is inlined, in the reads' statements
-- and in zsz_audit_json (the change feed, the webhooks, the writes' answers): the same page
-- 0.43 ms, of which the reports about 0.05 ms. Its body, and so the document, is unchanged.
ALTER FUNCTION zsz_audit_report_json(jsonb) STABLE;
