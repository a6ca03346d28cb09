-- Internal audits on the register model of issue 9: the record rules take the caller's role
-- names (text[], never C's role bits), and the documents match the contract with its
-- defaults filled in.

-- ---- record rules ---------------------------------------------------------------------------

-- Who may read an audit (replaces the version taking a role bit mask).
DROP FUNCTION zsz_audit_readable(audits, text, integer);
CREATE FUNCTION zsz_audit_readable(a audits, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles)
      OR ('iod' = ANY (roles) AND a.kind IN ('information_security', 'integrated'))
      OR ('auditor' = ANY (roles) AND sub = ANY (a.team))
      OR ('process_owner' = ANY (roles) AND EXISTS (SELECT 1 FROM processes p WHERE p.org_id = a.org_id
                                                      AND p.id = ANY (a.scope_process_ids) AND p.owner = sub));

-- The roles under which the caller takes steps of this audit's workflow: an auditor only as
-- the audit's lead auditor, the IOD only on an information-security audit. The workflow
-- table (api/registers/audits/rules.c) then says which role takes which step.
CREATE FUNCTION zsz_audit_step_roles(a audits, sub text, roles text[]) RETURNS text[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ARRAY(SELECT r FROM unnest(roles) AS r
               WHERE (r <> 'auditor' OR a.lead_auditor = sub)
                 AND (r <> 'iod' OR a.kind = 'information_security'));

-- Who may plan (create, edit) an audit of this kind: the plenipotentiary any kind, the IOD
-- information-security audits only.
CREATE FUNCTION zsz_audit_may_plan(kind text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR ('iod' = ANY (roles) AND kind = 'information_security');

-- Who may read an appointment: the plenipotentiary and the president every one, anybody
-- else (an auditor) its own.
CREATE FUNCTION zsz_appointment_readable(a auditor_appointments, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles) OR a.auditor = sub;

-- ---- documents --------------------------------------------------------------------------------

-- The report as the contract's AuditReport: all four texts, empty when they were not sent.
CREATE FUNCTION zsz_audit_report_json(r jsonb) RETURNS json
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN r IS NULL OR jsonb_typeof(r) <> 'object' THEN NULL
              ELSE json_build_object('summary', coalesce(r->>'summary', ''),
                                     'strong_points', coalesce(r->>'strong_points', ''),
                                     'areas_to_improve', coalesce(r->>'areas_to_improve', ''),
                                     'conclusion', coalesce(r->>'conclusion', '')) END;

CREATE OR REPLACE FUNCTION zsz_audit_json(a audits) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'code', a.code, 'year', a.year, 'kind', a.kind,
                           'scope_process_ids', to_json(a.scope_process_ids),
                           'scope_org_unit_ids', to_json(a.scope_org_unit_ids), 'criteria', to_json(a.criteria),
                           'planned_start', a.planned_start, 'planned_end', a.planned_end,
                           'lead_auditor', a.lead_auditor, 'team', to_json(a.team), 'auditees', to_json(a.auditees),
                           'status', a.status, 'status_reason', a.status_reason,
                           'report', zsz_audit_report_json(a.report),
                           'reported_at', zsz_ts(a.reported_at), 'created_at', zsz_ts(a.created_at),
                           'updated_at', zsz_ts(a.updated_at));

-- The evidence as the contract's FindingEvidence: text and documents always present, each
-- document with its znak_sprawy and document_id (empty when none was sent).
CREATE FUNCTION zsz_finding_evidence_json(e jsonb) RETURNS json
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN json_build_object(
    'text', coalesce(e->>'text', ''),
    'documents', coalesce((SELECT json_agg(json_build_object('znak_sprawy', d->>'znak_sprawy',
                                                             'document_id', coalesce(d->>'document_id', ''))
                                           ORDER BY i)
                           FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e->'documents') = 'array'
                                                          THEN e->'documents' ELSE '[]' END)
                                WITH ORDINALITY AS x(d, i)), '[]'));

CREATE OR REPLACE FUNCTION zsz_finding_json(f audit_findings) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', f.id, 'audit_id', f.audit_id, 'kind', f.kind, 'clause', f.clause,
                           'process_id', f.process_id, 'description', f.description,
                           'evidence', zsz_finding_evidence_json(f.evidence),
                           'created_by', f.created_by, 'nonconformity_id', f.nonconformity_id,
                           'created_at', zsz_ts(f.created_at));
