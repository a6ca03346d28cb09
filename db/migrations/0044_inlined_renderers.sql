-- 0044: small SQL functions of the documents declared so that PostgreSQL inlines them (issue 16).
--
-- PostgreSQL inlines a SQL function of one expression into the statement that calls it only if
-- the function is declared no less volatile than its body and, when STRICT, its body is strict
-- too. These were declared IMMUTABLE around json_build_object, jsonb_build_object or to_json,
-- which are STABLE (their output of a timestamp follows settings), or STRICT around a CASE: each
-- call went through the SQL-function executor instead, which reads and plans the body again for
-- every statement and is entered once per row (EXPLAIN VERBOSE names them where an inlined
-- function leaves its expression). zsz_provenance is in the documents of processes, readings,
-- incidents and what the change feed renders of them: 10,000 processes rendered by
-- zsz_process_json took 111 ms with it executed, 77 ms inlined (best of three, psql). Only the
-- declarations change; the bodies and what they return are the same: a NULL period still gives a
-- NULL date (make_date is strict), which is what STRICT gave.
ALTER FUNCTION zsz_provenance(bigint) STABLE;
ALTER FUNCTION zsz_audit_report_json(jsonb) STABLE;
ALTER FUNCTION zsz_soa_evidence_json(jsonb) STABLE;
ALTER FUNCTION zsz_mrp_text(text) STABLE;
ALTER FUNCTION zsz_review_due(text) CALLED ON NULL INPUT;
