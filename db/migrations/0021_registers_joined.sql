-- 0021: the registers built side by side in issues 10, 12 and 13 joined where each said it
-- would be. (Responsibilities and handover of decisions and risks are in 0017, a management
-- review's case marks in 0020.)

-- ---- management review, section (h): computed from the risks register -------------------------
-- The plenipotentiary's text stays beside the figures (what the register cannot say: how
-- effective the actions were judged); the figures are the register's summary over the
-- review's period (zsz_risk_summary takes the last day, zsz_mr_to is the day after).
CREATE FUNCTION zsz_mrp_risks(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object('source', 'registers', 'text', r.risks,
                            'summary', zsz_risk_summary(r.org_id, zsz_mr_from(r.period),
                                                        zsz_mr_to(r.period) - 1)::jsonb);

-- ---- the organisation's settings ---------------------------------------------------------------
-- GET/PUT /api/v1/organisation show and change the case-mark setting of 0020 (the
-- plenipotentiary's, like the name).
GRANT UPDATE (case_marks) ON organisations TO zsz_app;

CREATE FUNCTION zsz_organisation_json(o organisations) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('code', o.code, 'name', o.name, 'process_scheme', o.process_scheme,
                           'settings', json_build_object('case_marks', o.case_marks));
