-- 0021: the registers built side by side in issues 10, 12 and 13 joined where each said it
-- would be: a person's responsibilities and their handover include the management-review
-- decisions they own and the risks, reviews and treatment actions of the risks register; a
-- management review's znak_sprawy is indexed in case_references like every other citing
-- record.

-- ---- responsibilities ----------------------------------------------------------------------
CREATE OR REPLACE FUNCTION zsz_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE AS $$
  SELECT * FROM (
    SELECT * FROM process_responsibilities(org, who)
    UNION ALL SELECT * FROM objective_responsibilities(org, who)
    UNION ALL SELECT * FROM nonconformity_responsibilities(org, who)
    UNION ALL SELECT * FROM audit_responsibilities(org, who)
    UNION ALL SELECT * FROM management_review_responsibilities(org, who)
    UNION ALL SELECT * FROM risk_responsibilities(org, who)
  ) AS r ORDER BY r.due NULLS LAST, r.entity, r.id
$$;

-- ---- handover --------------------------------------------------------------------------------
-- What 0017 moved, and the open decisions of management reviews, the risks not closed and
-- their open treatment actions (each row updated, so logged by its register's trigger).
CREATE OR REPLACE FUNCTION zsz_handover(org bigint, from_sub text, to_sub text) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  n integer := 0;
  k integer;
BEGIN
  UPDATE processes SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status = 'active';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE objectives SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status IN ('draft', 'proposed', 'approved');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE indicators i SET responsible = to_sub, revision = i.revision + 1, updated_at = now()
  FROM objectives o
  WHERE i.org_id = org AND i.responsible = from_sub AND o.org_id = i.org_id AND o.id = i.objective_id
    AND o.status IN ('draft', 'proposed', 'approved');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE nonconformities SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status NOT IN ('closed', 'cancelled');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE nonconformity_actions SET responsible = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND responsible = from_sub AND status = 'open';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE audits SET lead_auditor = CASE WHEN lead_auditor = from_sub THEN to_sub ELSE lead_auditor END,
                    team = CASE WHEN to_sub = ANY (team) THEN array_remove(team, from_sub)
                                ELSE array_replace(team, from_sub, to_sub) END,
                    revision = revision + 1, updated_at = now()
  WHERE org_id = org AND from_sub = ANY (team) AND status IN ('planned', 'in_progress');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
    UPDATE management_review_decisions SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status = 'open';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE risks SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status <> 'closed';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE risk_actions a SET responsible = to_sub, revision = a.revision + 1, updated_at = now()
  FROM risks r
  WHERE a.org_id = org AND a.responsible = from_sub AND a.status = 'open' AND r.org_id = a.org_id
    AND r.id = a.risk_id AND r.status <> 'closed';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  RETURN n;
END
$$;

-- ---- case references: management reviews ------------------------------------------------------
CREATE TRIGGER management_reviews_case_refs AFTER INSERT ON management_reviews FOR EACH ROW
  WHEN (NEW.znak_sprawy <> '') EXECUTE FUNCTION zsz_case_refs_sync('management_review', 'znak_sprawy');
CREATE TRIGGER management_reviews_case_refs_update AFTER UPDATE OF znak_sprawy ON management_reviews
  FOR EACH ROW WHEN (OLD.znak_sprawy IS DISTINCT FROM NEW.znak_sprawy)
  EXECUTE FUNCTION zsz_case_refs_sync('management_review', 'znak_sprawy');

-- A review's mark is read with the review (zsz_mr_readable; the unit a unit head's token names
-- is not known here, so a unit head finds its unit meetings' marks through the review itself).
CREATE OR REPLACE FUNCTION zsz_case_ref_readable(r case_references, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE r.entity
    WHEN 'incident' THEN EXISTS (SELECT 1 FROM incidents i WHERE i.org_id = r.org_id AND i.id = r.record_id
                                   AND zsz_incident_view(i, roles, sub) IN ('full', 'manager'))
    WHEN 'audit_finding' THEN EXISTS (SELECT 1 FROM audit_findings f JOIN audits a ON a.org_id = f.org_id
                                        AND a.id = f.audit_id
                                        WHERE f.org_id = r.org_id AND f.id = r.record_id
                                          AND zsz_audit_readable(a, sub, roles))
    WHEN 'nonconformity' THEN EXISTS (SELECT 1 FROM nonconformities n WHERE n.org_id = r.org_id
                                        AND n.id = r.record_id AND zsz_nc_readable(n, sub, roles))
    WHEN 'nonconformity_action' THEN EXISTS (SELECT 1 FROM nonconformity_actions x JOIN nonconformities n
                                               ON n.org_id = x.org_id AND n.id = x.nonconformity_id
                                               WHERE x.org_id = r.org_id AND x.id = r.record_id
                                                 AND zsz_nc_readable(n, sub, roles))
    WHEN 'management_review' THEN EXISTS (SELECT 1 FROM management_reviews m WHERE m.org_id = r.org_id
                                            AND m.id = r.record_id AND zsz_mr_readable(m, sub, roles, ''))
    ELSE false END;

CREATE OR REPLACE FUNCTION zsz_case_ref_href(r case_references) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE r.entity
    WHEN 'incident' THEN '/api/v1/incidents/' || r.record_id
    WHEN 'audit_finding' THEN (SELECT '/api/v1/audits/' || f.audit_id || '/findings/' || f.id FROM audit_findings f
                                WHERE f.org_id = r.org_id AND f.id = r.record_id)
    WHEN 'nonconformity' THEN '/api/v1/nonconformities/' || r.record_id
    WHEN 'nonconformity_action' THEN (SELECT '/api/v1/nonconformities/' || x.nonconformity_id || '/actions/' || x.id
                                       FROM nonconformity_actions x WHERE x.org_id = r.org_id AND x.id = r.record_id)
    WHEN 'management_review' THEN '/api/v1/management-reviews/' || r.record_id
    END;

SELECT zsz_case_refs_rebuild();

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
